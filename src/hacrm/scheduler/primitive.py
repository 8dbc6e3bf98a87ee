"""Primitive resources: the role-transition matrix, recurring monitors, implicit orderings."""

from __future__ import annotations

from .actions import (custom_action, demote_action, fence_op, order_actions, promote_action,
                      rsc_actions, start_action, stop_action)
from .cluster import Cluster
from .constraints import new_ordering, order_rsc_actions
from .history import active_counts
from .intervals import parse_interval_ms
from .model import (A_OPTIONAL, A_PRINT_ALWAYS, A_PSEUDO, A_RUNNABLE, O_IMPLIES_FIRST,
                    O_IMPLIES_THEN, O_OPTIONAL, O_PROMOTED_IMPLIES_FIRST, O_RESTART,
                    O_RUNNABLE_LEFT, O_SAME_NODE, O_THEN_CANCELS_FIRST, R_BLOCK, R_FAILED,
                    R_FENCE_DEVICE, R_MAINTENANCE, R_MANAGED, R_NEEDS_FENCING, R_NEEDS_UNFENCING,
                    R_PROMOTABLE,
                    R_RESTARTING, R_START_PENDING, R_STOP, R_STOP_UNEXPECTED, Node, Recovery,
                    Resource, Role, Variant)

S, ST, UP, P = Role.STOPPED, Role.STARTED, Role.UNPROMOTED, Role.PROMOTED

# next role on the way from a role to a goal role
STATE_MATRIX = {
    Role.UNKNOWN: {Role.UNKNOWN: Role.UNKNOWN, S: S, ST: S, UP: S, P: S},
    S: {Role.UNKNOWN: S, S: S, ST: ST, UP: UP, P: UP},
    ST: {Role.UNKNOWN: S, S: S, ST: ST, UP: UP, P: P},
    UP: {Role.UNKNOWN: S, S: S, ST: S, UP: UP, P: P},
    P: {Role.UNKNOWN: S, S: UP, ST: UP, UP: UP, P: P},
}
ACTION_MATRIX = {
    Role.UNKNOWN: {Role.UNKNOWN: "error", S: "stop", ST: "error", UP: "error", P: "error"},
    S: {Role.UNKNOWN: "error", S: None, ST: "start", UP: "start", P: "error"},
    ST: {Role.UNKNOWN: "error", S: "stop", ST: None, UP: None, P: "promote"},
    UP: {Role.UNKNOWN: "error", S: "stop", ST: "stop", UP: None, P: "promote"},
    P: {Role.UNKNOWN: "error", S: "demote", ST: "demote", UP: "demote", P: None},
}


def _is_expected_node(rsc: Resource, node: Node | None) -> bool:
    return rsc.has(R_STOP_UNEXPECTED) and rsc.has(R_RESTARTING) and rsc.next_role > S \
        and rsc.allocated_to is not None and node is rsc.allocated_to.node


def _stop(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> None:
    for current in list(rsc.running_on):
        if _is_expected_node(rsc, current):
            continue
        opt = optional
        if rsc.partial_migration_target is not None:
            if current is rsc.partial_migration_target and rsc.allocated_to is not None \
                    and current is rsc.allocated_to.node:
                continue
            opt = False
        stop = stop_action(cl, rsc, current, opt)
        if rsc.allocated_to is None:
            stop.set_reason("node availability", True)
        elif rsc.has(R_RESTARTING) and rsc.has(R_STOP_UNEXPECTED):
            stop.set_reason("being multiply active", True)
        if not rsc.has(R_MANAGED):
            stop.clear(A_RUNNABLE)
        if cl.remove_after_stop:
            schedule_cleanup(cl, rsc, current, opt)
        if rsc.has(R_NEEDS_UNFENCING):
            unfence = fence_op(cl, current, "on", True, None, False)
            order_actions(stop, unfence, O_IMPLIES_FIRST)


def _start(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> None:
    start = start_action(cl, rsc, node, True)
    order_vs_unfence(cl, rsc, node, start, O_IMPLIES_THEN)
    if start.has(A_RUNNABLE) and not optional:
        start.clear(A_OPTIONAL)
    if _is_expected_node(rsc, node):
        start.set(A_PSEUDO)


def _promote(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> None:
    runnable = all(a.has(A_RUNNABLE) for a in rsc_actions(rsc, node, "start", True))
    if runnable:
        p = promote_action(cl, rsc, node, optional)
        if _is_expected_node(rsc, node):
            p.set(A_PSEUDO)
    else:
        for p in rsc_actions(rsc, node, "promote", True):
            p.clear(A_RUNNABLE)


def _demote(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> None:
    for current in list(rsc.running_on):
        if not _is_expected_node(rsc, current):
            demote_action(cl, rsc, current, optional)


_FNS = {"stop": _stop, "start": _start, "promote": _promote, "demote": _demote}


def _call(cl: Cluster, rsc: Resource, name: str, node: Node | None, optional: bool) -> None:
    if name == "error":
        return
    _FNS[name](cl, rsc, node, optional)


def order_vs_unfence(cl: Cluster, rsc: Resource, node: Node | None, action, flags: int) -> None:
    """pcmk__order_vs_unfence: unfencing before probes/starts of resources needing it
    (and of fence devices when unfencing is in use)."""
    if node is None:
        return
    if (rsc.has(R_FENCE_DEVICE) and cl.enable_unfencing) or rsc.has(R_NEEDS_UNFENCING):
        unfence = fence_op(cl, node, "on", True, None, False)
        order_actions(unfence, action, flags)
        if not _node_unfenced(node):
            trigger_unfencing(cl, None, node, f"required by {rsc.id} {action.task}")


def trigger_unfencing(cl: Cluster, rsc: Resource | None, node: Node | None, reason: str,
                      dependency=None) -> None:
    if not cl.enable_unfencing or (rsc is not None and not rsc.has(R_FENCE_DEVICE)):
        return
    if node is not None and node.online and not node.unclean and not node.shutdown:
        unfence = fence_op(cl, node, "on", False, reason, False)
        if dependency is not None:
            order_actions(unfence, dependency, O_OPTIONAL)
    elif rsc is not None:
        for ns in list(rsc.allowed_nodes.values()):
            n = ns.node
            if n.online and not n.unclean and not n.shutdown:
                trigger_unfencing(cl, rsc, n, reason, dependency)


def _node_unfenced(node: Node) -> bool:
    v = node.attrs.get("#node-unfenced")
    return v is not None and v != "0"


def unfence_trigger(cl: Cluster, rsc: Resource, node: Node) -> None:
    if rsc.has(R_NEEDS_UNFENCING) and not _node_unfenced(node):
        unfence = fence_op(cl, node, "on", False, "required by " + rsc.id, False)
        del unfence


def schedule_cleanup(cl: Cluster, rsc: Resource, node: Node, optional: bool) -> None:
    flag = O_IMPLIES_THEN if optional else O_OPTIONAL
    if rsc.has(R_FAILED) or node.unclean or not node.online:
        return
    custom_action(cl, rsc, f"{rsc.id}_delete_0", "delete", node, optional, True)
    order_rsc_actions(cl, rsc, "stop", rsc, "delete", flag)
    order_rsc_actions(cl, rsc, "delete", rsc, "start", flag)


def create_actions(cl: Cluster, rsc: Resource) -> None:
    """pcmk__primitive_create_actions."""
    from .migration import abort_dangling_migration, can_migrate, create_migration_actions
    if rsc.next_role == Role.UNKNOWN:
        rsc.set_next_role(Role.STOPPED if rsc.allocated_to is None else Role.STARTED, "assignment")
    count_all, count_clean, current = active_counts(rsc)
    for dangling in rsc.dangling_migrations:
        abort_dangling_migration(cl, rsc, dangling)
    need_stop = need_promote = is_moving = allow_migrate = multiply_active = False
    alloc = rsc.allocated_to.node if rsc.allocated_to else None
    if current is not None and alloc is not None and current is not alloc and rsc.next_role >= ST:
        is_moving = True
        allow_migrate = can_migrate(cl, rsc, current)
        need_stop = True
    if rsc.partial_migration_source is not None and rsc.partial_migration_target is not None \
            and allow_migrate and count_all == 2 and current is rsc.partial_migration_source \
            and alloc is rsc.partial_migration_target:
        pass
    elif rsc.partial_migration_source is not None or rsc.partial_migration_target is not None:
        need_stop = True
        rsc.partial_migration_source = rsc.partial_migration_target = None
        allow_migrate = False
    elif rsc.has(R_NEEDS_FENCING):
        multiply_active = count_all > 1
    else:
        multiply_active = count_clean > 1
    if multiply_active:
        if rsc.recovery_type == Recovery.STOP_START:
            need_stop = True
        elif rsc.recovery_type == Recovery.STOP_UNEXPECTED:
            need_stop = True
            rsc.set(R_STOP_UNEXPECTED)
    else:
        rsc.clear(R_STOP_UNEXPECTED)
    if rsc.has(R_START_PENDING):
        start = start_action(cl, rsc, alloc, True)
        start.set(A_PRINT_ALWAYS)
    if is_moving:
        pass
    elif rsc.has(R_FAILED):
        if rsc.has(R_STOP):
            need_stop = True
        elif rsc.next_role == P:
            need_promote = True
    elif rsc.has(R_BLOCK):
        need_stop = True
    elif rsc.role > ST and current is not None and alloc is not None:
        start = start_action(cl, rsc, alloc, True)
        if not start.has(A_OPTIONAL):
            need_stop = True
    # restart actions: bring the resource down to stopped, then back up
    rsc.set(R_RESTARTING)
    role = rsc.role
    while role != S:
        nxt = STATE_MATRIX[role][S]
        fn = ACTION_MATRIX[role][nxt]
        if fn is None:
            break
        _call(cl, rsc, fn, current, not need_stop)
        role = nxt
    while rsc.role <= rsc.next_role and role != rsc.role and not rsc.has(R_BLOCK):
        required = need_stop
        nxt = STATE_MATRIX[role][rsc.role]
        if nxt == P and need_promote:
            required = True
        fn = ACTION_MATRIX[role][nxt]
        if fn is None:
            break
        _call(cl, rsc, fn, alloc, not required)
        role = nxt
    rsc.clear(R_RESTARTING)
    # role transition actions
    role = rsc.role
    while role != rsc.next_role:
        nxt = STATE_MATRIX[role][rsc.next_role]
        fn = ACTION_MATRIX[role][nxt]
        if fn is None:
            break
        _call(cl, rsc, fn, alloc, False)
        role = nxt
    create_recurring_actions(cl, rsc)
    if allow_migrate:
        create_migration_actions(cl, rsc, current)


# --- recurring monitors ---------------------------------------------------------------------

def _recurring_ops(rsc: Resource):
    if rsc.ops_xml is None:
        return
    from .actions import find_op_entry
    for op in rsc.ops_xml:
        if op.tag != "op":
            continue
        interval = parse_interval_ms(op.get("interval"))
        if interval == 0:
            continue
        name = op.get("name")
        if name in ("stop", "start", "demote", "promote", "reload-agent", "migrate_to",
                    "migrate_from"):
            continue
        dups = [o for o in rsc.ops_xml if o.tag == "op" and o.get("name") == name
                and parse_interval_ms(o.get("interval")) == interval and o.get("id")]
        if len(dups) > 1:
            continue
        role_s = op.get("role")
        from .model import text_to_role
        role = text_to_role(role_s) if role_s else Role.UNKNOWN
        key = f"{rsc.id}_{name}_{interval}"
        entry = find_op_entry(rsc, key, include_disabled=False)
        if entry is None:
            continue
        yield name, interval, role, key


def create_recurring_actions(cl: Cluster, rsc: Resource) -> None:
    if rsc.has(R_BLOCK) or rsc.has(R_MAINTENANCE):
        return
    start = None
    alloc = rsc.allocated_to.node if rsc.allocated_to else None
    if alloc is None or alloc.maintenance:
        pass
    elif rsc.next_role != S or not rsc.has(R_MANAGED):
        start = start_action(cl, rsc, alloc, True)
    for name, interval, role, key in _recurring_ops(rsc):
        if start is not None:
            _recurring_for_active(cl, rsc, start, alloc, name, interval, role, key)
        _recurring_for_inactive(cl, rsc, alloc, name, interval, role, key)


def _recurring_for_active(cl, rsc, start, node, name, interval, role, key) -> None:
    from .actions import find_actions_exact, rsc_action_index
    if role == S:
        return
    is_optional = True
    if node is None:
        is_optional = False
    else:
        from .variants import action_flags
        if not (action_flags(cl, start, None) & A_OPTIONAL):
            is_optional = False
        else:
            matches = find_actions_exact(rsc_action_index(rsc).get(key, []), key, node)
            if not matches:
                is_optional = False
            elif any(m.meta.get("__reschedule") for m in matches):
                is_optional = False
    if (role != Role.UNKNOWN and rsc.next_role != role) or \
            (role == Role.UNKNOWN and rsc.next_role == P):
        if is_optional:
            cancel = new_cancel_action(cl, rsc, name, interval, node)
            after = None
            if rsc.role in (UP, ST):
                if rsc.next_role == P:
                    after = f"{rsc.id}_promote_0"
                elif rsc.next_role == S:
                    after = f"{rsc.id}_stop_0"
            elif rsc.role == P:
                after = f"{rsc.id}_demote_0"
            if after:
                new_ordering(cl, rsc, None, cancel, rsc, after, None, O_RUNNABLE_LEFT)
        return
    mon = custom_action(cl, rsc, key, name, node, is_optional, True)
    if not start.has(A_RUNNABLE):
        mon.clear(A_RUNNABLE)
    elif node is None or not node.online or node.unclean:
        mon.clear(A_RUNNABLE)
    if rsc.next_role == P:
        mon.meta["op_target_rc"] = "8"
    if node is None or rsc.has(R_MANAGED):
        new_ordering(cl, rsc, f"{rsc.id}_start_0", None, None, mon.uuid, mon,
                     O_IMPLIES_THEN | O_RUNNABLE_LEFT)
        new_ordering(cl, rsc, f"{rsc.id}_reload-agent_0", None, None, mon.uuid, mon,
                     O_IMPLIES_THEN | O_RUNNABLE_LEFT)
        if rsc.next_role == P:
            new_ordering(cl, rsc, f"{rsc.id}_promote_0", None, rsc, None, mon,
                         O_OPTIONAL | O_RUNNABLE_LEFT)
        elif rsc.role == P:
            new_ordering(cl, rsc, f"{rsc.id}_demote_0", None, rsc, None, mon,
                         O_OPTIONAL | O_RUNNABLE_LEFT)


def _recurring_for_inactive(cl, rsc, node, name, interval, role, key) -> None:
    from .actions import find_actions_exact, rsc_action_index
    from .model import R_UNIQUE
    if role != S:
        return
    if not rsc.has(R_UNIQUE):
        return
    for stop_node in cl.nodes:
        if node is not None and stop_node.uname == node.uname:
            if find_actions_exact(rsc_action_index(rsc).get(key, []), key, node):
                cancel = new_cancel_action(cl, rsc, name, interval, node)
                if rsc.next_role in (ST, UP):
                    new_ordering(cl, rsc, None, cancel, rsc, f"{rsc.id}_start_0", None,
                                 O_RUNNABLE_LEFT)
            continue
        is_optional = bool(find_actions_exact(rsc_action_index(rsc).get(key, []), key, stop_node))
        mon = custom_action(cl, rsc, key, name, stop_node, is_optional, True)
        mon.meta["op_target_rc"] = "7"
        if rsc.has(R_MANAGED):
            for probe in rsc_actions(rsc, stop_node, "monitor", False):
                order_actions(probe, mon, O_RUNNABLE_LEFT)
        for stop in rsc_actions(rsc, stop_node, "stop", True):
            if not stop.has(A_OPTIONAL) and not mon.has(A_OPTIONAL) and not rsc.has(R_MANAGED):
                mon.set(A_OPTIONAL)
            if not stop.has(A_RUNNABLE):
                mon.clear(A_RUNNABLE)
            if rsc.has(R_MANAGED):
                new_ordering(cl, rsc, f"{rsc.id}_stop_0", stop, None, None, mon,
                             O_IMPLIES_THEN | O_RUNNABLE_LEFT)
        if not stop_node.online or stop_node.unclean:
            mon.clear(A_RUNNABLE)


def new_cancel_action(cl: Cluster, rsc: Resource, task: str, interval: int, node: Node):
    a = custom_action(cl, rsc, f"{rsc.id}_{task}_{interval}", "cancel", node, False, True)
    a.task = "cancel"
    a.cancel_task = task
    a.meta.setdefault("operation", task)
    a.meta["interval"] = str(interval)
    a.interval_ms = interval
    return a


def schedule_cancel(cl: Cluster, rsc: Resource, call_id: str | None, task: str, interval: int,
                    node: Node, reason: str) -> None:
    cancel = new_cancel_action(cl, rsc, task, interval, node)
    if call_id is not None:
        cancel.meta.setdefault("call-id", call_id)
    new_ordering(cl, rsc, f"{rsc.id}_stop_0", None, rsc, None, cancel, O_OPTIONAL)


# --- implicit constraints -------------------------------------------------------------------

def internal_constraints(cl: Cluster, rsc: Resource) -> None:
    if not rsc.has(R_MANAGED):
        return
    top = rsc.top
    order_rsc_actions(cl, rsc, "stop", rsc, "start", O_OPTIONAL | O_IMPLIES_THEN | O_RESTART)
    if top.has(R_PROMOTABLE) or rsc.role > UP:
        order_rsc_actions(cl, rsc, "demote", rsc, "stop", O_PROMOTED_IMPLIES_FIRST)
        order_rsc_actions(cl, rsc, "start", rsc, "promote", O_RUNNABLE_LEFT)
    order_rsc_actions(cl, rsc, "lrm_delete", rsc, "monitor", O_SAME_NODE | O_THEN_CANCELS_FIRST)
    check_unfencing = not rsc.has(1 << 6) and cl.enable_unfencing and rsc.has(R_NEEDS_UNFENCING)
    check_util = bool(rsc.utilization) and cl.placement_strategy != "default"
    if check_unfencing or check_util or rsc.container is not None:
        from .cluster import node_name_key
        allowed = sorted(rsc.allowed_nodes.values(), key=lambda ns: node_name_key(ns.node))
    else:
        allowed = []
    if check_unfencing:
        for ns in allowed:
            _order_restart_vs_unfence(cl, rsc, ns.node)
    if check_util:
        from .utilization import create_utilization_constraints
        create_utilization_constraints(cl, rsc, allowed)
    if rsc.container is not None:
        remote_rsc = None
        if rsc.is_remote_node:
            if not rsc.has(1 << 14):
                _avoid_remote_nodes(rsc.container)
            order_rsc_actions(cl, rsc.container, "monitor", rsc, "stop", O_OPTIONAL)
        elif rsc.container.is_remote_node:
            remote_rsc = rsc.container
        else:
            remote_rsc = _guest_node_for(cl, rsc.container)
        if remote_rsc is not None:
            for ns in allowed:
                if ns.node.remote_rsc is not remote_rsc:
                    ns.weight = -1000000
        else:
            order_rsc_actions(cl, rsc.container, "start", rsc, "start", O_IMPLIES_THEN | O_RUNNABLE_LEFT)
            order_rsc_actions(cl, rsc, "stop", rsc.container, "stop", O_IMPLIES_FIRST)
            score = 10000 if rsc.has(1 << 14) else 1000000
            from .constraints import new_colocation
            new_colocation(cl, "resource-with-container", None, score, rsc, rsc.container, None,
                           None, True)
    if rsc.is_remote_node or rsc.has(1 << 6):
        _avoid_remote_nodes(rsc)


def _guest_node_for(cl: Cluster, container: Resource) -> Resource | None:
    for r in container.fillers:
        if r.is_remote_node:
            return r
    return None


def _avoid_remote_nodes(rsc: Resource) -> None:
    for ns in rsc.allowed_nodes.values():
        if ns.node.remote_rsc is not None:
            ns.weight = -1000000


def _order_restart_vs_unfence(cl: Cluster, rsc: Resource, node: Node) -> None:
    """pcmk__order_restart_vs_unfence: stops on the node before its unfencing, starts after."""
    from .model import O_IMPLIES_THEN_ON_NODE
    unfence = fence_op(cl, node, "on", True, None, False)
    new_ordering(cl, rsc, f"{rsc.id}_stop_0", None, None, unfence.uuid, unfence,
                 O_OPTIONAL | O_SAME_NODE)
    new_ordering(cl, None, unfence.uuid, unfence, rsc, f"{rsc.id}_start_0", None,
                 O_IMPLIES_THEN_ON_NODE | O_SAME_NODE)


_ = Variant, O_RESTART
