"""The ``node`` level: standby/online, maintenance/ready, node attributes, fencing, a node's
recorded state, and the node list.

crmsh's commands with crmsh's meaning (see :mod:`hacrm.operations.nodeattrs` and
:mod:`hacrm.operations.history` for where each one writes).  Commands that take an optional
node act on the node the shell runs on (the sandbox node with ``--node``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell import opsrun
from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.operations.changes import Change
    from hacrm.shell.dispatch import Context


def _names(ctx: Context) -> list[str]:
    from hacrm.shell.completer import snapshot

    return snapshot(ctx.session).nodes


def _nodes(ctx: Context, words: list[str]) -> list[str]:
    return _names(ctx) if len(words) <= 2 else []


def _standby_args(ctx: Context, words: list[str]) -> list[str]:
    return _names(ctx) + ["--all", "reboot", "forever"]


def _attr_args(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        return _names(ctx)
    return ["set", "delete", "show"] if len(words) == 3 else []


class NodeLevel(BaseLevel):
    """Node management."""

    name = "node"

    def _here(self, node: str | None) -> str:
        return node or self.session.node

    def _node_list(self, change: Change, args: list[str], action: str) -> list[str]:
        """crmsh's node arguments: names, ``--all``, or (none given) this node."""
        from hacrm.operations.xmltree import OperationError

        members = [n.get("uname") or n.get("id") or ""
                   for n in change.root.iterfind("configuration/nodes/node")
                   if n.get("type") != "remote"]
        every = "--all" in args
        names = [a for a in args if a != "--all"]
        if every and names:
            raise OperationError("Should either use --all or specific node(s)")
        if every:
            return members
        if not names:
            return [self.session.node]
        for name in names:
            if name not in members:
                raise OperationError(f'Node "{name}" is not a cluster node')
        return names

    # ------------------------------------------------------------------ standby
    @command(waits=True, help="Put node into standby", complete=_standby_args)
    def do_standby(self, ctx: Context, *args: str) -> bool:
        from hacrm.operations.nodeattrs import standby

        words = list(args)
        lifetime = "forever"
        if words and words[-1] in ("reboot", "forever"):
            lifetime = words.pop()

        def edit(change: Change) -> None:
            standby(change, self._node_list(change, words, "standby"), lifetime)

        opsrun.run(self.session, edit)
        return True

    @command(waits=True, help="Set node online", complete=_standby_args)
    def do_online(self, ctx: Context, *args: str) -> bool:
        from hacrm.operations.nodeattrs import online
        from hacrm.operations.xmltree import OperationError

        def edit(change: Change) -> None:
            names = self._node_list(change, list(args), "online")
            known = []
            for name in names:
                try:
                    from hacrm.operations.xmltree import find_node

                    find_node(change.root, name)
                    known.append(name)
                except OperationError:
                    change.info(f"online node {name}")
            online(change, known)

        opsrun.run(self.session, edit)
        return True

    @command(waits=True, help="Put node into maintenance mode", complete=_nodes)
    def do_maintenance(self, ctx: Context, node: str | None = None) -> bool:
        from hacrm.operations.nodeattrs import maintenance

        opsrun.run(self.session, lambda c: maintenance(c, self._here(node),
                                                       self.session.ask))
        return True

    @command(waits=True, help="Put node into ready mode", complete=_nodes)
    def do_ready(self, ctx: Context, node: str | None = None) -> bool:
        from hacrm.operations.nodeattrs import set_attr

        opsrun.run(self.session, lambda c: set_attr(c, self._here(node), "nodes",
                                                     "maintenance", "off"))
        return True

    # ------------------------------------------------------------------ attributes
    def _attribute(self, scope: str, node: str, action: str, name: str,
                   value: str | None) -> bool:
        from hacrm.operations import nodeattrs

        if action not in ("set", "delete", "show"):
            raise CommandError(f"Unknown command {action!r}")
        if action == "set" and value is None:
            raise CommandError("Missing value argument to set")
        if action != "set" and value is not None:
            raise CommandError(f"Too many arguments to {action}")
        if action == "show":
            opsrun.read(self.session, lambda c: nodeattrs.show_attr(c, node, scope, name))
        elif action == "delete":
            opsrun.run(self.session, lambda c: nodeattrs.delete_attr(c, node, scope, name))
        else:
            assert value is not None
            opsrun.run(self.session, lambda c: nodeattrs.set_attr(c, node, scope, name, value))
        return True

    @command(waits=True, help="Manage attributes", complete=_attr_args)
    def do_attribute(self, ctx: Context, node: str, action: str, name: str,
                     value: str | None = None) -> bool:
        return self._attribute("nodes", node, action, name, value)

    @command(waits=True, help="Manage utilization attributes", complete=_attr_args)
    def do_utilization(self, ctx: Context, node: str, action: str, name: str,
                       value: str | None = None) -> bool:
        return self._attribute("utilization", node, action, name, value)

    @command(name="status-attr", waits=True, help="Manage status attributes",
             complete=_attr_args)
    def do_status_attr(self, ctx: Context, node: str, action: str, name: str,
                       value: str | None = None) -> bool:
        return self._attribute("status", node, action, name, value)

    # ------------------------------------------------------------------ fencing and state
    @command(waits=True, help="Fence a node", complete=_nodes)
    def do_fence(self, ctx: Context, node: str) -> bool:
        from hacrm.operations.history import fence_request

        if not self.session.ask(f"Fencing {node} will shut down the node and migrate any "
                                f"resources that are running on it! Do you want to fence "
                                f"{node}?"):
            return False
        opsrun.run(self.session, lambda c: fence_request(c, node))
        return True

    @command(waits=True, help="Clear node state", complete=_nodes)
    def do_clearstate(self, ctx: Context, node: str | None = None) -> bool:
        from hacrm.operations import history
        from hacrm.operations.xmltree import OperationError, find_node, node_state

        name = self._here(node)
        if not self.session.ask(f"Do you really want to drop state for node {name}?"):
            return False

        def edit(change: Change) -> None:
            elem = find_node(change.root, name)
            state = node_state(change.root, elem.get("id", ""))
            if state is not None and state.get("crmd") == "online":
                history.cleanup(change, None, name, refresh=True)
            elif state is not None and state.get("in_ccm") == "true":
                raise OperationError("Node is offline according to Pacemaker, but online "
                                     "according to corosync. First shut down node "
                                     f"'{name}'")
            else:
                history.clear_state(change, name)

        opsrun.run(self.session, edit)
        return True

    @command(help="Delete node", complete=_nodes)
    def do_delete(self, ctx: Context, node: str) -> bool:
        from hacrm.operations import history
        from hacrm.operations.xmltree import OperationError

        messages = self.session.messages

        def edit(change: Change) -> None:
            if not any(n.get("uname", "").lower() == node.lower()
                       for n in change.root.iterfind("configuration/nodes/node")):
                raise OperationError(f"node {node} not found in the CIB")
            if history.is_member(change, node):
                if not self.session.force:
                    raise OperationError(f"according to the cluster, node {node} is still "
                                         "active")
                messages.error(f"according to the cluster, node {node} is still active")
                messages.info(f"proceeding with node {node} removal")
            history.forget_node(change, node)
            change.info(f"node {node} deleted")

        opsrun.run(self.session, edit)
        return True

    # ------------------------------------------------------------------ views
    @command(old_names=("list",), help="Show node", complete=_nodes)
    def do_show(self, ctx: Context, node: str | None = None) -> bool:
        from hacrm.operations.nodeview import show

        opsrun.read(self.session, lambda c: show(c, node))
        return True

    @command(help="Show node hostname or server address", complete=_nodes)
    def do_server(self, ctx: Context, *nodes: str) -> bool:
        from hacrm.operations.nodeview import server

        opsrun.read(self.session, lambda c: server(c, nodes))
        return True
