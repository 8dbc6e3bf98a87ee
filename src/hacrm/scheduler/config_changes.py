"""Resource definition changes seen in the history: recurring operations that are no longer
configured are cancelled (stop-orphan-actions), maintenance mode cancels monitors, and an
operation whose recorded parameter digest no longer matches the configuration is restarted,
reloaded or rescheduled."""

from __future__ import annotations

from .cluster import Cluster
from .history import _int, calculate_active_ops, sort_ops
from .intervals import parse_interval_ms
from .model import Node, R_MAINTENANCE, R_ORPHAN, Resource, Variant
from .primitive import schedule_cancel, trigger_unfencing


def _action_in_config(rsc: Resource, task: str, interval: int) -> bool:
    from .actions import find_op_entry
    return find_op_entry(rsc, f"{rsc.id}_{task}_{interval}", include_disabled=False) is not None


def _agent_changed(cl: Cluster, rsc: Resource, node: Node, entry, active: bool) -> bool:
    """pcmk__rsc_agent_changed: the history was made by a different agent."""
    from .actions import custom_action
    from .model import R_START_PENDING
    changed = False
    for attr in ("class", "provider", "type"):
        if (rsc.xml.get(attr) or None) != (entry.get(attr) or None):
            changed = True
            trigger_unfencing(cl, rsc, node, "Device definition changed")
    if changed and active:
        custom_action(cl, rsc, f"{rsc.id}_stop_0", "stop", node, False, True)
        rsc.set(R_START_PENDING)
    return changed


def _process_rsc_history(cl: Cluster, entry, rsc: Resource, node: Node) -> None:
    from .primitive import schedule_cleanup
    if rsc.has(R_ORPHAN):
        top = rsc.top
        if not (top.variant == Variant.CLONE and not top.has(1 << 5)):
            schedule_cleanup(cl, rsc, node, False)
        return
    if node not in rsc.running_on:
        if _agent_changed(cl, rsc, node, entry, False):
            schedule_cleanup(cl, rsc, node, False)
        return
    if _agent_changed(cl, rsc, node, entry, True):
        schedule_cleanup(cl, rsc, node, False)
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
            from .actions import clear_failcount
            from .history import get_failcount
            if check_action_config(cl, rsc, node, op) and get_failcount(cl, node, rsc, True):
                clear_failcount(cl, rsc, node, "action definition changed")


def check_action_config(cl: Cluster, rsc: Resource, node: Node, op) -> bool:
    """pcmk__check_action_config: True when the operation's definition changed."""
    from .actions import custom_action
    from .digests import DigestResult, compare, only_sanitized_changed
    task = op.get("operation")
    interval = _int(op.get("interval"))
    if interval > 0 and not _action_in_config(rsc, task, interval):
        if cl.stop_action_orphans:
            schedule_cancel(cl, rsc, op.get("call-id"), task, interval, node, "orphan")
        return True
    if interval == 0 and task in ("monitor", "migrate_from", "promote"):
        task = "start"
    d = compare(cl, rsc, op, node)
    if only_sanitized_changed(op, d):
        return False
    if d.rc == DigestResult.RESTART:
        _force_restart(cl, rsc, task, interval, node)
        return True
    if d.rc in (DigestResult.ALL, DigestResult.UNKNOWN):
        if interval > 0:
            trigger_unfencing(cl, rsc, node, "Device parameters changed (reschedule)")
            mon = custom_action(cl, rsc, f"{rsc.id}_{task}_{interval}", task, node, True, True)
            mon.meta["__reschedule"] = "1"
        elif op.get("op-restart-digest") is not None:
            trigger_unfencing(cl, rsc, node, "Device parameters changed (reload)")
            _schedule_reload(cl, rsc, node)
        else:
            _force_restart(cl, rsc, task, interval, node)
        return True
    return False


def _force_restart(cl: Cluster, rsc: Resource, task: str, interval: int, node: Node) -> None:
    from .actions import custom_action
    req = custom_action(cl, rsc, f"{rsc.id}_{task}_{interval}", task, None, False, True)
    req.set_reason("resource definition change", True)
    trigger_unfencing(cl, rsc, node, "Device parameters changed")


def _schedule_reload(cl: Cluster, rsc: Resource, node: Node) -> None:
    from .actions import custom_action, stop_action
    from .constraints import new_ordering
    from .model import O_OPTIONAL, O_THEN_CANCELS_FIRST, R_FAILED, R_MANAGED, R_RELOAD, \
        R_START_PENDING
    if rsc.children:
        for c in rsc.children:
            _schedule_reload(cl, c, node)
        return
    if node is None or not rsc.has(R_MANAGED) or rsc.has(R_FAILED):
        return
    if rsc.has(R_START_PENDING):
        custom_action(cl, rsc, f"{rsc.id}_stop_0", "stop", node, False, True)
        return
    rsc.set(R_RELOAD)
    reload = custom_action(cl, rsc, f"{rsc.id}_reload-agent_0", "reload-agent", node, False,
                           True)
    reload.set_reason("resource definition change", False)
    new_ordering(cl, None, None, reload, rsc, f"{rsc.id}_stop_0", None,
                 O_OPTIONAL | O_THEN_CANCELS_FIRST)
    new_ordering(cl, None, None, reload, rsc, f"{rsc.id}_demote_0", None,
                 O_OPTIONAL | O_THEN_CANCELS_FIRST)
    del stop_action


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
