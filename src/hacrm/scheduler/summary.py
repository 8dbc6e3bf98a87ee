"""The "Transition Summary" block: one line per node action (fencing, shutdown) and per resource
change, worded and aligned as crm_simulate 2.1.5 prints them."""

from __future__ import annotations

from .actions import find_actions, rsc_action_index, rsc_actions
from .cluster import Cluster
from .model import (A_OPTIONAL, A_RUNNABLE, R_FAILED, R_MANAGED, R_ORPHAN, R_RELOAD, R_STOP,
                    R_STOP_UNEXPECTED, Action, Node, Resource, Role)


class SummaryWriter:
    """Keeps the growing column widths crm_simulate uses for the whole block."""

    def __init__(self) -> None:
        self.rsc_width = 5
        self.detail_width = 5
        self.lines: list[str] = []

    def item(self, change: str, rsc: Resource, origin: Node | None, dest: Node | None,
             action: Action, source: Action | None) -> None:
        if source is None:
            source = action
        n = len(rsc.id)
        if n > self.rsc_width:
            self.rsc_width = n + 2
        need_role = rsc.role > Role.STARTED or rsc.next_role > Role.UNPROMOTED
        same_host = origin is not None and dest is not None and origin is dest
        same_role = rsc.role == rsc.next_role
        if need_role and origin is None:
            details = f"{rsc.role.text} -> {rsc.next_role.text} {dest.uname}"
        elif origin is None:
            details = dest.uname
        elif need_role and dest is None:
            details = f"{rsc.role.text} {origin.uname}"
        elif dest is None:
            details = origin.uname
        elif need_role and same_role and same_host:
            details = f"{rsc.role.text} {origin.uname}"
        elif same_role and same_host:
            details = origin.uname
        elif need_role and same_role:
            details = f"{origin.uname} -> {dest.uname} {rsc.role.text}"
        elif same_role:
            details = f"{origin.uname} -> {dest.uname}"
        elif same_host:
            details = f"{rsc.role.text} -> {rsc.next_role.text} {origin.uname}"
        else:
            details = f"{rsc.role.text} {origin.uname} -> {rsc.next_role.text} {dest.uname}"
        if len(details) > self.detail_width:
            self.detail_width = len(details)
        reason = None
        if source.reason and not action.has(A_RUNNABLE):
            reason = f"due to {source.reason} (blocked)"
        elif source.reason:
            reason = f"due to {source.reason}"
        elif not action.has(A_RUNNABLE):
            reason = "blocked"
        line = f"  * {change:<8}   {rsc.id:<{self.rsc_width}}   ( {details:>{self.detail_width}} )"
        if reason:
            line += "  " + reason
        self.lines.append(line)


def _first(actions: list[Action]) -> Action | None:
    return actions[0] if actions else None


def rsc_action_summary(w: SummaryWriter, rsc: Resource, current: Node | None,
                       nxt: Node | None) -> None:
    if not rsc.has(R_MANAGED) or (current is None and nxt is None):
        return
    moving = current is not None and nxt is not None and current is not nxt
    start = _first(rsc_actions(rsc, nxt, "start", False))
    start_node = current if (start is not None and start.has(A_RUNNABLE)) else None
    stop = _first(rsc_actions(rsc, start_node, "stop", False))
    if stop is None and rsc.has(R_STOP_UNEXPECTED):
        stop = _first(rsc_actions(rsc, None, "stop", False))
    promote = _first(rsc_actions(rsc, nxt, "promote", False))
    demote = _first(rsc_actions(rsc, nxt, "demote", False))
    if rsc.role == rsc.next_role:
        if nxt is None:
            return
        migrate = _first(rsc_actions(rsc, nxt, "migrate_from", False))
        if migrate is not None and current is not None and migrate.has(A_RUNNABLE):
            w.item("Migrate", rsc, current, nxt, start, None)
        elif rsc.has(R_RELOAD):
            w.item("Reload", rsc, current, nxt, start, None)
        elif start is None or start.has(A_OPTIONAL):
            if demote is not None and promote is not None and not demote.has(A_OPTIONAL) \
                    and not promote.has(A_OPTIONAL):
                w.item("Re-promote", rsc, current, nxt, promote, demote)
        elif not start.has(A_RUNNABLE):
            w.item("Stop", rsc, current, None, stop, stop if (stop and stop.reason) else start)
        elif moving and current is not None:
            w.item("Recover" if rsc.has(R_FAILED) else "Move", rsc, current, nxt, stop, None)
        elif rsc.has(R_FAILED):
            w.item("Recover", rsc, current, None, stop, None)
        else:
            w.item("Restart", rsc, current, nxt, start, None)
        return
    if stop is not None and (rsc.next_role == Role.STOPPED or
                             (start is not None and not start.has(A_RUNNABLE))):
        key = f"{rsc.id}_stop_0"
        for node in rsc.running_on:
            stop_op = _first(find_actions(rsc_action_index(rsc).get(key, []), key, node))
            w.item("Stop", rsc, node, None, stop_op,
                   stop_op if (stop_op is not None and stop_op.reason) else start)
    elif stop is not None and rsc.has(R_FAILED) and rsc.has(R_STOP):
        w.item("Recover", rsc, current, nxt, stop, start)
    elif moving:
        w.item("Move", rsc, current, nxt, stop, None)
    elif rsc.has(R_RELOAD):
        w.item("Reload", rsc, current, nxt, start, None)
    elif stop is not None and not stop.has(A_OPTIONAL):
        w.item("Restart", rsc, current, nxt, start, None)
    elif rsc.role == Role.PROMOTED:
        w.item("Demote", rsc, current, nxt, demote, None)
    elif rsc.next_role == Role.PROMOTED:
        w.item("Promote", rsc, current, nxt, promote, None)
    elif rsc.role == Role.STOPPED and rsc.next_role > Role.STOPPED:
        w.item("Start", rsc, current, nxt, start, None)


def _output_resource(w: SummaryWriter, rsc: Resource) -> None:
    if rsc.children:
        for c in rsc.children:
            _output_resource(w, c)
        return
    nxt = rsc.allocated_to.node if rsc.allocated_to else None
    current = None
    if rsc.running_on:
        current = rsc.current_node()
        if rsc.role == Role.STOPPED:
            rsc.role = Role.STARTED
    if current is None and rsc.has(R_ORPHAN):
        return
    rsc_action_summary(w, rsc, current, nxt)


def transition_summary(cl: Cluster) -> list[str]:
    """The block as printed after the scheduler already logged it once: the column widths
    grown during that first pass carry over, so run it twice and keep the second."""
    w = SummaryWriter()
    _summary_pass(cl, w)
    w.lines = []
    _summary_pass(cl, w)
    return w.lines


def _summary_pass(cl: Cluster, w: SummaryWriter) -> None:
    for a in reversed(cl.actions):
        if a.rsc is not None or a.has(A_OPTIONAL):
            continue
        if a.task == "do_shutdown":
            task = "Shutdown"
        elif a.task == "stonith":
            task = f"Fence ({a.meta.get('stonith_action')})"
        else:
            continue
        if a.node is not None and a.node.is_guest:
            name = f"{a.node.uname} (resource: {a.node.remote_rsc.container.id})"
        else:
            name = a.node.uname if a.node else ""
        if a.reason:
            w.lines.append(f"  * {task} {name} '{a.reason}'")
    for rsc in cl.resources:
        _output_resource(w, rsc)
