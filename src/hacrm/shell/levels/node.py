"""The ``node`` level: node attributes, maintenance and standby (``crm_attribute``'s role).

Node attributes live in the node's ``instance_attributes`` in the ``nodes`` section (ids
``nodes-<id>`` and ``nodes-<id>-<name>``), utilization in ``nodes-<id>-utilization``.
``standby``/``online`` and ``maintenance``/``ready`` set the ``standby`` and ``maintenance``
attributes there.  Each command reads the CIB and writes it back at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell.cibattrs import CibEdit, delete_attr, find_node, get_attr, set_attr
from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context


def _nodes(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.completer import snapshot

    return snapshot(ctx.session).nodes if len(words) <= 2 else []


def _attr_args(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        return _nodes(ctx, words)
    return ["set", "delete", "show"] if len(words) == 3 else []


class NodeLevel(BaseLevel):
    """Node management."""

    name = "node"

    def _edit(self) -> CibEdit:
        return CibEdit(self.session.backend())

    def _node_name(self, node: str | None) -> str:
        return node or self.session.node

    def _set(self, node: str | None, name: str, value: str) -> bool:
        edit = self._edit()
        elem = find_node(edit.root, self._node_name(node))
        set_attr(elem, "instance_attributes", name, value, f"nodes-{elem.get('id')}")
        edit.write()
        return True

    @command(waits=True, help="Put node into maintenance mode", complete=_nodes)
    def do_maintenance(self, ctx: Context, node: str | None = None) -> bool:
        edit = self._edit()
        elem = find_node(edit.root, self._node_name(node))
        for rsc in edit.root.iterfind("configuration/resources//meta_attributes/nvpair"
                                      "[@name='maintenance']"):
            owner = rsc.getparent().getparent()
            question = (f"'maintenance' attribute already exists in {owner.get('id')}. "
                        "Remove it?")
            if self.session.ask(question):
                rsc.getparent().remove(rsc)
        set_attr(elem, "instance_attributes", "maintenance", "true", f"nodes-{elem.get('id')}")
        edit.write()
        return True

    @command(waits=True, help="Put node into ready mode", complete=_nodes)
    def do_ready(self, ctx: Context, node: str | None = None) -> bool:
        return self._set(node, "maintenance", "off")

    @command(waits=True, help="Put node into standby", complete=_nodes)
    def do_standby(self, ctx: Context, node: str | None = None) -> bool:
        return self._set(node, "standby", "on")

    @command(waits=True, help="Set node online", complete=_nodes)
    def do_online(self, ctx: Context, node: str | None = None) -> bool:
        edit = self._edit()
        elem = find_node(edit.root, self._node_name(node))
        if get_attr(elem, "instance_attributes", "standby") not in (None, "off"):
            set_attr(elem, "instance_attributes", "standby", "off", f"nodes-{elem.get('id')}")
            edit.write()
        self.session.messages.info(f"online node {elem.get('uname')}")
        return True

    def _attribute(self, set_tag: str, suffix: str, node: str, action: str, name: str,
                   value: str | None) -> bool:
        if action not in ("set", "delete", "show"):
            raise CommandError(f"Expected set, delete or show, got '{action}'")
        edit = self._edit()
        elem = find_node(edit.root, node)
        if action == "show":
            found = get_attr(elem, set_tag, name)
            if found is None:
                raise CommandError(f"attribute {name} not found for node {node}")
            scope = "nodes" if set_tag == "instance_attributes" else "utilization"
            self.session.messages.line(f"scope={scope}  name={name} value={found}")
            return True
        if action == "delete":
            delete_attr(elem, set_tag, name)
        else:
            if value is None:
                raise CommandError(f"usage: {set_tag} <node> set <name> <value>")
            set_attr(elem, set_tag, name, value, f"nodes-{elem.get('id')}{suffix}")
        edit.write()
        return True

    @command(help="Manage attributes", complete=_attr_args)
    def do_attribute(self, ctx: Context, node: str, action: str, name: str,
                     value: str | None = None) -> bool:
        return self._attribute("instance_attributes", "", node, action, name, value)

    @command(help="Manage utilization attributes", complete=_attr_args)
    def do_utilization(self, ctx: Context, node: str, action: str, name: str,
                       value: str | None = None) -> bool:
        return self._attribute("utilization", "-utilization", node, action, name, value)

    @command(help="Show node", complete=_nodes)
    def do_show(self, ctx: Context, node: str | None = None) -> bool:
        from hacrm.cib.xmlio import CibXmlError, parse_xml

        try:
            root = parse_xml(self.session.backend().read())
        except CibXmlError as err:
            raise CommandError(f"cannot read the CIB: {err}") from None
        states = {s.get("uname"): s for s in root.iterfind("status/node_state")}
        nodes = {n.get("uname"): n for n in root.iterfind("configuration/nodes/node")}
        names = [node] if node else sorted(set(nodes) | set(states))
        out = []
        for uname in names:
            elem = nodes.get(uname, states.get(uname))
            if elem is None:
                continue
            offline = "(offline)" if uname in states and \
                states[uname].get("crmd") == "offline" else ""
            kind = elem.get("type") or "member"
            ident = elem.get("id")
            head = f"{uname}: {kind}" if ident == uname else f"{uname}({ident}): {kind}"
            out.append(head + offline)
            for key, value in elem.attrib.items():
                if key not in ("type", "uname", "id"):
                    out.append(f"\t{key}: {value}")
            for attr_set in elem.findall("instance_attributes"):
                pairs = [f"{nv.get('name')}={nv.get('value')}" for nv in attr_set.findall("nvpair")]
                out.append("\t" + " ".join(pairs))
        self.session.messages.write("".join(line + "\n" for line in out))
        return True
