"""Resource definition changes seen in the history: recurring operations that are no longer
configured are cancelled (stop-orphan-actions), and maintenance mode cancels monitors.

Parameter-digest comparison (restart or reload on changed parameters) is not implemented:
every recorded digest is taken as matching."""

from __future__ import annotations

from .cluster import Cluster
from .history import _int, calculate_active_ops, sort_ops
from .intervals import parse_interval_ms
from .model import Node, R_MAINTENANCE, R_ORPHAN, Resource, Variant
from .primitive import schedule_cancel


def _action_in_config(rsc: Resource, task: str, interval: int) -> bool:
    from .actions import find_op_entry
    return find_op_entry(rsc, f"{rsc.id}_{task}_{interval}", include_disabled=False) is not None


def _process_rsc_history(cl: Cluster, entry, rsc: Resource, node: Node) -> None:
    if rsc.has(R_ORPHAN):
        return
    if node not in rsc.running_on:
        return
    ops = sort_ops([o for o in entry if o.tag == "lrm_rsc_op"])
    start_index, stop_index = calculate_active_ops(ops)
    if start_index < stop_index:
        return
    for offset, op in enumerate(ops):
        if offset < start_index:
            continue
        task = op.get("operation")
        interval = _int(op.get("interval"))
        if interval > 0 and (rsc.has(R_MAINTENANCE) or node.maintenance):
            schedule_cancel(cl, rsc, op.get("call-id"), task, interval, node, "maintenance mode")
        elif interval > 0 or task in ("monitor", "start", "promote", "migrate_from"):
            if interval > 0 and not _action_in_config(rsc, task, interval):
                if cl.stop_action_orphans:
                    schedule_cancel(cl, rsc, op.get("call-id"), task, interval, node, "orphan")
                continue
            _check_digest(cl, rsc, node, op, task, interval)


def _check_digest(cl: Cluster, rsc: Resource, node: Node, op, task: str, interval: int) -> None:
    """A history entry without a parameter digest cannot be shown to match the current
    definition, so Pacemaker restarts (or reschedules) it.  Recorded digests are taken as
    matching (see the module docstring)."""
    from .actions import custom_action
    if op.get("op-digest") is not None:
        return
    if interval == 0 and task in ("monitor", "migrate_from", "promote"):
        task = "start"
    if interval > 0:
        mon = custom_action(cl, rsc, f"{rsc.id}_{task}_{interval}", task, node, True, True)
        mon.meta["__reschedule"] = "1"
    elif op.get("op-restart-digest") is None:
        req = custom_action(cl, rsc, f"{rsc.id}_{task}_{interval}", task, None, False, True)
        req.set_reason("resource definition change", True)


def handle_rsc_config_changes(cl: Cluster) -> None:
    from .history import unpack_find_resource  # noqa: F401
    from .model import node_available
    for node in cl.nodes:
        if not (node.maintenance or node_available(node)):
            continue
        for state in cl.cib.iterfind("status/node_state"):
            if state.get("uname") != node.uname:
                continue
            for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
                if not len(entry):
                    continue
                rid = entry.get("id")
                for rsc in _matching(cl, rid):
                    if rsc.variant == Variant.PRIMITIVE:
                        _process_rsc_history(cl, entry, rsc, node)


def _matching(cl: Cluster, rid: str) -> list[Resource]:
    """pcmk__rscs_matching_id: resources known by this id or history name."""
    out = []
    for top in cl.resources:
        for r in top.walk():
            if r.id == rid or (r.clone_name is not None and r.clone_name == rid):
                out.insert(0, r)
    return out


_ = parse_interval_ms
