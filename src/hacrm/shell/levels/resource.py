"""The ``resource`` level: what an operator does to resources of a running cluster.

crmsh's commands with crmsh's meaning (the CIB changes exactly as crmsh and the Pacemaker tools
it runs would change it; see :mod:`hacrm.operations`):

* ``start``/``stop``/``restart``/``manage``/``unmanage``/``maintenance``: crmsh's own meta
  attribute edit (``target-role``, ``is-managed``, ``maintenance``);
* ``promote``/``demote``, ``meta``/``param``/``utilization``: ``crm_resource``'s attribute rules;
* ``move``/``ban``/``clear``: the ``cli-prefer-``/``cli-ban-`` constraints, with lifetimes;
* ``cleanup``/``refresh``/``failcount``/``operations``: the operation history;
* ``trace``/``untrace``: agent tracing on operations;
* ``status``/``locate``: where resources run.

Each command reads the CIB once and writes it back once; on the embedded engine the status
part (cleanup, fail-counts) is done by the engine.  With ``-w`` the shell then waits for the
cluster to settle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell import opsrun
from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.operations.changes import Change
    from hacrm.shell.dispatch import Context


def _resources(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.completer import snapshot

    return snapshot(ctx.session).resources


def _nodes(ctx: Context) -> list[str]:
    from hacrm.shell.completer import snapshot

    return snapshot(ctx.session).nodes


def _rsc_then_nodes(ctx: Context, words: list[str]) -> list[str]:
    return _resources(ctx, words) if len(words) <= 2 else _nodes(ctx) + ["force"]


def _rsc_then_node(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        return _resources(ctx, words)
    return _nodes(ctx) if len(words) == 3 else []


def _attr_args(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        return _resources(ctx, words)
    return ["set", "delete", "show"] if len(words) == 3 else []


def _failcount_args(ctx: Context, words: list[str]) -> list[str]:
    if len(words) == 4:
        return _nodes(ctx)
    return _attr_args(ctx, words)


def _trace_args(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        from hacrm.shell.completer import snapshot

        return snapshot(ctx.session).of("primitive")
    return ["start", "stop", "monitor", "promote", "demote", "probe", "migrate_to",
            "migrate_from", "notify"] if len(words) == 3 else []


class ResourceLevel(BaseLevel):
    """Resource management."""

    name = "resource"

    # ------------------------------------------------------------------ helpers
    def _ask(self, question: str) -> bool:
        return self.session.ask(question)

    def _meta(self, resources: tuple[str, ...], name: str, value: str) -> bool:
        from hacrm.operations.crmsh_meta import set_deep_meta

        children = self.session.prefs.get("core.manage_children")
        opsrun.run(self.session, lambda c: set_deep_meta(c, resources, name, value, self._ask,
                                                         children))
        return True

    def _role(self, rsc: str, role: str) -> bool:
        from hacrm.operations.rscattrs import set_attribute
        from hacrm.operations.xmltree import OperationError, find_resource, is_promotable

        def edit(change: Change) -> None:
            try:
                elem = find_resource(change.root, rsc)
            except OperationError:
                elem = None
            if elem is None or not is_promotable(elem):
                raise OperationError(f"{rsc} is not a promotable resource")
            set_attribute(change, rsc, "meta", "target-role", role)

        opsrun.run(self.session, edit)
        return True

    # ------------------------------------------------------------------ where things run
    @command(old_names=("show", "list"), help="Show status of resources", complete=_resources)
    def do_status(self, ctx: Context, *resources: str) -> bool:
        if resources:
            return self.do_locate(ctx, *resources)
        from hacrm.shell.status import resources_text

        text = resources_text(self.session.backend().read())
        self.session.page(text.rstrip("\n"))
        return True

    @command(help="Show the location of resources", complete=_resources)
    def do_locate(self, ctx: Context, *resources: str) -> bool:
        from hacrm.operations.placement import running_on
        from hacrm.operations.xmltree import find_resource

        if not resources:
            raise CommandError("Expected at least one resource as argument")

        def view(change: Change) -> None:
            for rsc in resources:
                find_resource(change.root, rsc)
                active, promoted = running_on(change, rsc)
                if not active:
                    change.output.append(("err", f"resource {rsc} is NOT running"))
                for node in reversed(active):
                    extra = " Promoted" if node in promoted else ""
                    change.out(f"resource {rsc} is running on: {node}{extra}")

        opsrun.read(self.session, view)
        return True

    @command(help="Show active operations", complete=_rsc_then_node)
    def do_operations(self, ctx: Context, resource: str | None = None,
                      node: str | None = None) -> bool:
        from hacrm.operations.history import operations

        opsrun.read(self.session, lambda c: operations(c, resource, node))
        return True

    # ------------------------------------------------------------------ state
    @command(waits=True, help="Start resources", complete=_resources)
    def do_start(self, ctx: Context, *resources: str) -> bool:
        return self._meta(resources, "target-role", "Started")

    @command(waits=True, help="Stop resources", complete=_resources)
    def do_stop(self, ctx: Context, *resources: str) -> bool:
        return self._meta(resources, "target-role", "Stopped")

    @command(waits=True, help="Restart resources", complete=_resources)
    def do_restart(self, ctx: Context, *resources: str) -> bool:
        messages = self.session.messages
        messages.info(f"ordering {', '.join(resources)} to stop")
        self._meta(resources, "target-role", "Stopped")
        self.session.wait_for_cluster(force=True, what="stop")
        messages.info(f"ordering {', '.join(resources)} to start")
        return self._meta(resources, "target-role", "Started")

    @command(waits=True, help="Promote a promotable resource", complete=_resources)
    def do_promote(self, ctx: Context, rsc: str) -> bool:
        return self._role(rsc, "Master")

    @command(waits=True, help="Demote a promotable resource", complete=_resources)
    def do_demote(self, ctx: Context, rsc: str) -> bool:
        return self._role(rsc, "Slave")

    @command(help="Put a resource into managed mode", complete=_resources)
    def do_manage(self, ctx: Context, rsc: str) -> bool:
        return self._meta((rsc,), "is-managed", "true")

    @command(help="Put a resource into unmanaged mode", complete=_resources)
    def do_unmanage(self, ctx: Context, rsc: str) -> bool:
        return self._meta((rsc,), "is-managed", "false")

    @command(waits=True, help="Enable/disable per-resource maintenance mode",
             complete=lambda ctx, words: _resources(ctx, words) if len(words) <= 2
             else ["on", "off", "true", "false"])
    def do_maintenance(self, ctx: Context, rsc: str, state: str = "true") -> bool:
        word = state.lower()
        if word not in ("on", "true", "off", "false"):
            raise CommandError("Expected <resource> [on|off|true|false]")
        return self._meta((rsc,), "maintenance", "true" if word in ("on", "true") else "false")

    # ------------------------------------------------------------------ attributes
    def _attribute(self, kind: str, rsc: str, action: str, name: str,
                   value: str | None) -> bool:
        from hacrm.operations import rscattrs

        if action == "get":
            action = "show"
        if action not in ("set", "delete", "show"):
            raise CommandError(f"Unknown command {action!r}")
        if action == "set" and value is None:
            raise CommandError("Missing value argument to set")
        if action != "set" and value is not None:
            raise CommandError(f"Too many arguments to {action}")
        if action == "show":
            opsrun.read(self.session, lambda c: rscattrs.show_attribute(c, rsc, kind, name))
        elif action == "delete":
            opsrun.run(self.session, lambda c: rscattrs.delete_attribute(
                c, rsc, kind, name, force=self.session.force))
        else:
            assert value is not None
            opsrun.run(self.session, lambda c: rscattrs.set_attribute(
                c, rsc, kind, name, value, force=self.session.force))
        return True

    @command(waits=True, help="Manage a meta attribute", complete=_attr_args)
    def do_meta(self, ctx: Context, rsc: str, action: str, name: str,
                value: str | None = None) -> bool:
        return self._attribute("meta", rsc, action, name, value)

    @command(waits=True, help="Manage a parameter of a resource", complete=_attr_args)
    def do_param(self, ctx: Context, rsc: str, action: str, name: str,
                 value: str | None = None) -> bool:
        return self._attribute("param", rsc, action, name, value)

    @command(waits=True, help="Manage a utilization attribute", complete=_attr_args)
    def do_utilization(self, ctx: Context, rsc: str, action: str, name: str,
                       value: str | None = None) -> bool:
        return self._attribute("utilization", rsc, action, name, value)

    @command(help="Manage sensitive parameters", complete=lambda ctx, words: _resources(
        ctx, words) if len(words) <= 2 else ["set", "stash", "unstash", "delete", "show",
                                             "check"] if len(words) == 3 else [])
    def do_secret(self, ctx: Context, rsc: str, action: str, name: str,
                  value: str | None = None) -> bool:
        from hacrm.operations import secrets

        opsrun.run(self.session, lambda c: secrets.secret(c, self.session.env, rsc, action,
                                                          name, value))
        return True

    @command(waits=True, help="Manage failcounts", complete=_failcount_args)
    def do_failcount(self, ctx: Context, rsc: str, action: str, node: str,
                     value: str | None = None, operation: str | None = None,
                     interval: str | None = None) -> bool:
        from hacrm.operations import history
        from hacrm.operations.xmltree import OperationError, find_node, resource_ids

        if action not in ("set", "delete", "show"):
            raise CommandError(f"{action} is not valid command(should be one of "
                               "['set', 'delete', 'show'])")

        def edit(change: Change) -> bool:
            if rsc not in resource_ids(change.root):
                change.warning(f"Resource {rsc} not exists in this cluster")
                return True
            try:
                find_node(change.root, node)
            except OperationError:
                raise OperationError(f"Node {node} not in this cluster") from None
            if action == "show":
                history.failcount_show(change, rsc, node)
                return True
            if action == "delete":
                history.cleanup(change, rsc, node, refresh=False, operation=operation,
                                interval_ms=int(interval) * 1000 if interval else None)
                return True
            if value is None:
                raise OperationError("Missing value argument to set")
            return history.failcount_set(change, rsc, node, value, operation, interval)

        return opsrun.run(self.session, edit)

    # ------------------------------------------------------------------ placement
    def _place(self, action: str, rsc: str, args: tuple[str, ...]) -> bool:
        from hacrm.operations import placement
        from hacrm.operations.xmltree import (
            OperationError,
            find_resource,
            is_clone,
            is_promotable,
            node_names,
        )

        words = list(args)
        force = self.session.force
        while words and words[-1] == "force":
            words.pop()
            force = True
        usage = f"usage: {action} <rsc> [<node>] [<lifetime>] [force]"
        if len(words) >= 3:
            raise CommandError(usage)

        def edit(change: Change) -> None:
            names = {n.lower(): n for n in node_names(change.root)}
            node = lifetime = None
            if len(words) == 2:
                if words[0].lower() not in names:
                    raise OperationError(f"Not our node: {words[0]}")
                node = names[words[0].lower()]
                lifetime = words[1] if placement.looks_like_lifetime(words[1]) else None
            elif len(words) == 1:
                if words[0].lower() in names:
                    node = names[words[0].lower()]
                elif placement.looks_like_lifetime(words[0]):
                    lifetime = words[0]
            if action == "move" and node is None and not force:
                raise OperationError("No target node: Move requires either a target node "
                                     "or 'force'")
            elem = find_resource(change.root, rsc)
            if action == "ban" and node is not None:
                placement.ban(change, rsc, node, lifetime)
            elif node is None:
                placement.ban_here(change, rsc, lifetime, is_promotable(elem))
            else:
                placement.move(change, rsc, node, lifetime, force, is_promotable(elem),
                               is_clone(elem))
            if action == "move":  # crmsh runs crm_resource --quiet for a move
                change.output = [o for o in change.output if o[0] != "out"]
            verb = action.capitalize()
            change.info(f"{verb} constraint created for {rsc}" + (f" to {node}" if node else ""))
            change.info(f"Use `crm resource clear {rsc}` to remove this constraint")

        opsrun.run(self.session, edit)
        return True

    @command(waits=True, help="Move a resource to another node", old_names=("migrate",),
             complete=_rsc_then_nodes)
    def do_move(self, ctx: Context, rsc: str, *args: str) -> bool:
        return self._place("move", rsc, args)

    @command(waits=True, help="Ban a resource from a node", complete=_rsc_then_nodes)
    def do_ban(self, ctx: Context, rsc: str, *args: str) -> bool:
        return self._place("ban", rsc, args)

    @command(waits=True, help="Clear any relocation constraint",
             old_names=("unmove", "unban", "unmigrate"), complete=_resources)
    def do_clear(self, ctx: Context, rsc: str) -> bool:
        from hacrm.operations.placement import clear

        opsrun.run(self.session, lambda c: clear(c, rsc))
        self.session.messages.info(f"Removed migration constraints for {rsc}")
        return True

    # ------------------------------------------------------------------ history
    def _cleanup(self, rsc: str | None, node: str | None, refresh: bool) -> bool:
        from hacrm.operations.history import cleanup
        from hacrm.operations.xmltree import find_node

        if rsc == "force":
            rsc = None
        if node == "force":
            node = None

        def edit(change: Change) -> list[str]:
            if node is not None:
                find_node(change.root, node)
            return cleanup(change, rsc, node, refresh)

        cleaned = opsrun.run(self.session, edit)
        what = "Refreshing" if refresh else "Cleaned up"
        for item in cleaned:
            self.session.messages.line(f"{what} {item}")
        return True

    @command(waits=True, help="Cleanup resource status", complete=_rsc_then_node)
    def do_cleanup(self, ctx: Context, rsc: str | None = None, node: str | None = None,
                   force: str | None = None) -> bool:
        return self._cleanup(rsc, node, refresh=False)

    @command(waits=True, help="Refresh CIB from the LRM status", old_names=("reprobe",),
             complete=_rsc_then_node)
    def do_refresh(self, ctx: Context, rsc: str | None = None, node: str | None = None,
                   force: str | None = None) -> bool:
        return self._cleanup(rsc, node, refresh=True)

    # ------------------------------------------------------------------ tracing
    @command(help="Start RA tracing", complete=_trace_args)
    def do_trace(self, ctx: Context, rsc: str, *args: str) -> bool:
        from hacrm.operations.trace import trace

        words = [a for a in args if a != "force"]
        opsrun.run(self.session, lambda c: trace(c, rsc, words))
        return True

    @command(help="Stop RA tracing", complete=_trace_args)
    def do_untrace(self, ctx: Context, rsc: str, op: str | None = None,
                   interval: str | None = None) -> bool:
        from hacrm.operations.trace import untrace

        opsrun.run(self.session, lambda c: untrace(c, rsc, op, interval))
        return True
