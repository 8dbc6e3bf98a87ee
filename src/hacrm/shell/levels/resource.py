"""The ``resource`` level: change one resource's attributes and placement without a
configure session (the role of Pacemaker's ``crm_resource``).

Starting and stopping set the ``target-role`` meta attribute, managing sets ``is-managed``,
maintenance sets ``maintenance``; ``meta``/``param``/``utilization`` edit one attribute; ``move``
and ``ban`` add the ``cli-prefer-``/``cli-ban-`` location constraints and ``clear`` removes
them.  Each command reads the CIB, changes it and writes it back at once (epoch + 1), so they
work on a file CIB and a shadow as well as on a running cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell.cibattrs import (
    SET_TAGS,
    CibEdit,
    clear_locations,
    clone_parent,
    delete_attr,
    find_resource,
    get_attr,
    rsc_location,
    set_attr,
)
from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from lxml import etree

    from hacrm.shell.dispatch import Context


def _resources(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.completer import snapshot

    return snapshot(ctx.session).resources


def _attr_args(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        return _resources(ctx, words)
    if len(words) == 3:
        return ["set", "delete", "show"]
    return []


def _nodes_after_resource(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.completer import snapshot

    names = snapshot(ctx.session)
    return names.resources if len(words) <= 2 else names.nodes


class ResourceLevel(BaseLevel):
    """Resource management."""

    name = "resource"

    # ------------------------------------------------------------------ helpers
    def _edit(self) -> CibEdit:
        return CibEdit(self.session.backend())

    def _set_meta(self, rsc_ids: tuple[str, ...], name: str, value: str) -> bool:
        if not rsc_ids:
            raise CommandError("name at least one resource")
        edit = self._edit()
        for rsc_id in rsc_ids:
            elem = find_resource(edit.root, rsc_id)
            if name in ("target-role", "is-managed"):
                elem = clone_parent(elem) if elem.tag == "group" and clone_parent(elem) \
                    is not None else elem
            set_attr(elem, "meta_attributes", name, value, f"{elem.get('id')}-meta_attributes")
        edit.write()
        return True

    def _drop_conflict(self, edit: CibEdit, elem: etree._Element, keep: str,
                       drop: str) -> None:
        """``maintenance`` and ``is-managed`` fight: offer to remove the other one."""
        if get_attr(elem, "meta_attributes", drop) is None:
            return
        question = (f"'{keep}' conflicts with '{drop}' attribute. Remove '{drop}' for "
                    f"resource {elem.get('id')}?")
        if self.session.ask(question):
            delete_attr(elem, "meta_attributes", drop)

    # ------------------------------------------------------------------ where things run
    @command(help="Show status of resources", complete=_resources)
    def do_status(self, ctx: Context, *resources: str) -> bool:
        from hacrm.shell.status import resources_text

        if not resources:
            self.session.page(resources_text(self.session.backend().read()).rstrip("\n"))
            return True
        return self.do_locate(ctx, *resources)

    @command(help="Show the location of resources", complete=_resources)
    def do_locate(self, ctx: Context, *resources: str) -> bool:
        from hacrm.shell.status import locate

        if not resources:
            raise CommandError("name at least one resource")
        cib = self.session.backend().read()
        for rsc in resources:
            nodes = locate(cib, rsc)
            if nodes is None:
                raise CommandError(f"Resource '{rsc}' not found")
            if nodes:
                self.session.messages.line(f"resource {rsc} is running on: {' '.join(nodes)}")
            else:
                self.session.messages.line(f"resource {rsc} is NOT running")
        return True

    # ------------------------------------------------------------------ state
    @command(waits=True, help="Start resources", complete=_resources)
    def do_start(self, ctx: Context, *resources: str) -> bool:
        return self._set_meta(resources, "target-role", "Started")

    @command(waits=True, help="Stop resources", complete=_resources)
    def do_stop(self, ctx: Context, *resources: str) -> bool:
        return self._set_meta(resources, "target-role", "Stopped")

    @command(waits=True, help="Promote a promotable resource", complete=_resources)
    def do_promote(self, ctx: Context, rsc: str) -> bool:
        return self._set_meta((rsc,), "target-role", "Promoted")

    @command(waits=True, help="Demote a promotable resource", complete=_resources)
    def do_demote(self, ctx: Context, rsc: str) -> bool:
        return self._set_meta((rsc,), "target-role", "Unpromoted")

    @command(waits=True, help="Put a resource into managed mode", complete=_resources)
    def do_manage(self, ctx: Context, rsc: str) -> bool:
        return self._set_meta((rsc,), "is-managed", "true")

    @command(waits=True, help="Put a resource into unmanaged mode", complete=_resources)
    def do_unmanage(self, ctx: Context, rsc: str) -> bool:
        return self._set_meta((rsc,), "is-managed", "false")

    @command(help="Enable/disable per-resource maintenance mode",
             complete=lambda ctx, words: _resources(ctx, words) if len(words) <= 2
             else ["on", "off", "true", "false"])
    def do_maintenance(self, ctx: Context, rsc: str, state: str = "on") -> bool:
        truth = {"on": "true", "true": "true", "yes": "true", "1": "true",
                 "off": "false", "false": "false", "no": "false", "0": "false"}
        if state.lower() not in truth:
            raise CommandError(f"Expected on or off, got '{state}'")
        edit = self._edit()
        elem = find_resource(edit.root, rsc)
        self._drop_conflict(edit, elem, "maintenance", "is-managed")
        set_attr(elem, "meta_attributes", "maintenance", truth[state.lower()],
                 f"{rsc}-meta_attributes")
        edit.write()
        return True

    # ------------------------------------------------------------------ attributes
    def _attribute(self, kind: str, rsc: str, action: str, name: str, value: str | None) -> bool:
        set_tag = SET_TAGS[kind]
        messages = self.session.messages
        if action not in ("set", "delete", "show"):
            raise CommandError(f"Expected set, delete or show, got '{action}'")
        edit = self._edit()
        elem = find_resource(edit.root, rsc)
        if action == "show":
            found = get_attr(elem, set_tag, name)
            if found is None:
                messages.note(f"Attribute '{name}' not found for '{rsc}'")
            else:
                messages.line(found)
            return True
        if action == "delete":
            for ident in delete_attr(elem, set_tag, name):
                messages.line(f"Deleted '{rsc}' option: id={ident} name={name}")
            edit.write()
            return True
        if value is None:
            raise CommandError(f"usage: {kind} <rsc> set <name> <value>")
        existed = get_attr(elem, set_tag, name) is not None
        nv = set_attr(elem, set_tag, name, value, f"{rsc}-{set_tag}")
        where = "" if existed else f" set={nv.getparent().get('id')}"
        messages.line(f"Set '{rsc}' option: id={nv.get('id')}{where} name={name} value={value}")
        edit.write()
        return True

    @command(help="Manage a meta attribute", complete=_attr_args)
    def do_meta(self, ctx: Context, rsc: str, action: str, name: str,
                value: str | None = None) -> bool:
        return self._attribute("meta", rsc, action, name, value)

    @command(help="Manage a parameter of a resource", complete=_attr_args)
    def do_param(self, ctx: Context, rsc: str, action: str, name: str,
                 value: str | None = None) -> bool:
        return self._attribute("param", rsc, action, name, value)

    @command(help="Manage a utilization attribute", complete=_attr_args)
    def do_utilization(self, ctx: Context, rsc: str, action: str, name: str,
                       value: str | None = None) -> bool:
        return self._attribute("utilization", rsc, action, name, value)

    # ------------------------------------------------------------------ placement
    def _location(self, rsc: str, node: str, *, ban: bool) -> bool:
        edit = self._edit()
        find_resource(edit.root, rsc)
        from hacrm.shell.cibattrs import find_node

        find_node(edit.root, node)
        messages = self.session.messages
        if ban:
            ident = f"cli-ban-{rsc}-on-{node}"
            rsc_location(edit.root, ident, rsc, node, "-INFINITY")
            messages.warning(f"{rsc} is now banned from {node} (constraint {ident}, score "
                             "-INFINITY), even if it is the last node left")
            messages.info(f"Ban constraint created for {rsc} to {node}")
        else:
            rsc_location(edit.root, f"cli-prefer-{rsc}", rsc, node, "INFINITY")
            messages.info(f"Move constraint created for {rsc} to {node}")
        messages.info(f"Use `crm resource clear {rsc}` to remove this constraint")
        edit.write()
        return True

    @command(waits=True, help="Ban a resource from a node", complete=_nodes_after_resource)
    def do_ban(self, ctx: Context, rsc: str, node: str | None = None) -> bool:
        if node is None:
            raise CommandError(f"Resource '{rsc}' not banned: name the node to ban it from")
        return self._location(rsc, node, ban=True)

    @command(waits=True, help="Move a resource to another node", old_names=("migrate",),
             complete=_nodes_after_resource)
    def do_move(self, ctx: Context, rsc: str, node: str | None = None) -> bool:
        if node is None:
            raise CommandError(f"Resource '{rsc}' not moved: name the node to move it to")
        return self._location(rsc, node, ban=False)

    @command(waits=True, help="Clear any relocation constraint", old_names=("unmigrate", "unban"),
             complete=_nodes_after_resource)
    def do_clear(self, ctx: Context, rsc: str, node: str | None = None) -> bool:
        edit = self._edit()
        find_resource(edit.root, rsc)
        clear_locations(edit.root, rsc, node)
        edit.write()
        self.session.messages.info(f"Removed migration constraints for {rsc}")
        return True
