"""Ordering stage: turn recorded orderings into action links, then propagate what each link
implies (an unrunnable start makes what follows unrunnable, a required stop makes the matching
start required, ...) until nothing changes."""

from __future__ import annotations

from .actions import (action_reason_text, custom_action, find_actions, find_first_action,
                      order_actions, parse_op_key, rsc_action_index)
from .cluster import Cluster
from .model import (A_DANGLE, A_MIGRATE_RUNNABLE, A_OPTIONAL, A_PRINT_ALWAYS, A_PSEUDO,
                    A_REQUIRES_ANY, A_RUNNABLE, Action, Node, O_ASYMMETRICAL, O_IMPLIES_FIRST,
                    O_IMPLIES_FIRST_MIGRATABLE, O_IMPLIES_FIRST_PRINTED, O_IMPLIES_THEN,
                    O_IMPLIES_THEN_ON_NODE, O_IMPLIES_THEN_PRINTED, O_NONE, O_ONE_OR_MORE,
                    O_OPTIONAL, O_PROBE, O_PROMOTED_IMPLIES_FIRST, O_PSEUDO_LEFT, O_RESTART,
                    O_RUNNABLE_LEFT, O_SAME_NODE, O_THEN_CANCELS_FIRST, R_BLOCK, R_MANAGED,
                    R_NOTIFY, R_RELOAD, Role, Variant)
from .colocation_block import block_colocation_dependents
from .variants import action_flags
from .variants import behaviour

UPDATED_FIRST, UPDATED_THEN = 1, 2


def _find_by_task(rsc, key: str) -> list[Action]:
    found = find_actions(rsc_action_index(rsc).get(key, []), key, None)
    if not found:
        parsed = parse_op_key(key)
        if parsed:
            k2 = f"{rsc.id}_{parsed[1]}_{parsed[2]}"
            found = find_actions(rsc_action_index(rsc).get(k2, []), k2, None)
    return found


def _order_after(cl: Cluster, first: Action | None, rsc, order) -> None:
    flags = order.flags
    if order.then_action is not None:
        thens = [order.then_action]
    else:
        thens = _find_by_task(rsc, order.then_task)
    if not thens:
        return
    if first is not None and first.rsc is rsc and first.has(A_DANGLE):
        flags &= ~O_IMPLIES_THEN
    if first is None and not (flags & O_IMPLIES_THEN):
        return
    for t in thens:
        if first is not None:
            order_actions(first, t, flags)
        else:
            t.clear(A_RUNNABLE)


def _rsc_state(rsc, current: bool) -> Role:
    if not rsc.children:
        return rsc.role if current else rsc.next_role
    role = Role.UNKNOWN
    for c in rsc.children:
        r = _rsc_state(c, current)
        if r > role:
            role = r
    return role


def _order_first(cl: Cluster, first_rsc, order) -> None:
    first_action = order.first_action
    then_rsc = order.then_rsc
    if first_action is not None:
        firsts = [first_action]
    else:
        firsts = _find_by_task(first_rsc, order.first_task)
    if not firsts and first_rsc is then_rsc:
        pass
    elif not firsts:
        parsed = parse_op_key(order.first_task)
        op_type, interval = (parsed[1], parsed[2]) if parsed else (order.first_task, 0)
        key = f"{first_rsc.id}_{op_type}_{interval}"
        state = _rsc_state(first_rsc, True)
        if state == Role.STOPPED and op_type == "stop":
            pass
        elif state == Role.UNPROMOTED and op_type == "demote":
            pass
        else:
            firsts = [custom_action(cl, first_rsc, key, op_type, None, True, True)]
    if then_rsc is None:
        if order.then_action is None:
            return
        then_rsc = order.then_action.rsc
    for fa in firsts:
        if then_rsc is None:
            order_actions(fa, order.then_action, order.flags)
        else:
            _order_after(cl, fa, then_rsc, order)


def apply_orderings(cl: Cluster) -> None:
    """pcmk__apply_orderings."""

    from .probes import order_probes
    for order in cl.orderings:
        if order.first_rsc is not None:
            _order_first(cl, order.first_rsc, order)
            continue
        if order.then_rsc is not None:
            _order_after(cl, order.first_action, order.then_rsc, order)
        else:
            order_actions(order.first_action, order.then_action, order.flags)
    for a in reversed(cl.actions):
        block_colocation_dependents(cl, a)
    order_probes(cl)
    for a in reversed(cl.actions):
        update_action_for_orderings(cl, a)
    from .remote import disable_invalid_orderings
    disable_invalid_orderings(cl)


# --- propagation ----------------------------------------------------------------------------

def _flags_for_ordering(cl: Cluster, action: Action, node: Node | None) -> int:

    if action.rsc is None:
        return action.flags
    flags = action_flags(cl, action, None)
    if node is None or action.rsc.variant != Variant.CLONE:
        return flags
    runnable = bool(flags & A_RUNNABLE)
    flags = action_flags(cl, action, node)
    if runnable and not (flags & A_RUNNABLE):
        flags |= A_RUNNABLE
    return flags


_REMAP = {"stop": "stopped", "start": "running", "notify": "notified", "promote": "promoted",
          "demote": "demoted"}


def _uuid_for_ordering(uuid: str, rsc) -> str:
    if "notify" in uuid or rsc.variant < Variant.GROUP:
        return uuid
    parsed = parse_op_key(uuid)
    if parsed is None:
        return uuid
    rid, task, interval = parsed
    if interval > 0:
        return uuid
    if task in _REMAP:
        remapped = _REMAP[task]
    elif task in ("stopped", "running", "notified", "promoted", "demoted"):
        remapped = task
    else:
        return uuid
    if rsc.has(R_NOTIFY) and (rsc.parent is None or (rsc.variant == Variant.CLONE
                                                     and rsc.parent.variant == Variant.BUNDLE)):
        return f"{rid}_confirmed-post_notify_{remapped}_0"
    return f"{rid}_{remapped}_0"


def _action_for_ordering(action: Action) -> Action:
    rsc = action.rsc
    if rsc is not None and rsc.variant >= Variant.GROUP:
        uuid = _uuid_for_ordering(action.uuid, rsc)
        found = find_first_action(rsc.actions, uuid, None, None)
        if found is not None:
            return found
    return action


def _update_via_rsc(cl: Cluster, first: Action, then: Action, node, flags, filter_, type_) -> int:

    return behaviour(then.rsc).update_ordered_actions(cl, first, then, node, flags, filter_, type_)


def _update_for_ordering_flags(cl: Cluster, first: Action, then: Action, first_flags: int,
                               then_flags: int, order) -> int:

    changed = 0
    node = then.node
    if order.type & O_IMPLIES_THEN_ON_NODE:
        order.type &= ~O_IMPLIES_THEN_ON_NODE
        order.type |= O_IMPLIES_THEN
        node = first.node
    t = order.type
    if t & O_IMPLIES_THEN:
        if then.rsc is not None:
            changed |= _update_via_rsc(cl, first, then, node, first_flags & A_OPTIONAL,
                                       A_OPTIONAL, O_IMPLIES_THEN)
        elif not (first_flags & A_OPTIONAL) and then.has(A_OPTIONAL):
            then.clear(A_OPTIONAL)
            changed |= UPDATED_THEN
    if (t & O_RESTART) and then.rsc is not None:
        changed |= _update_via_rsc(cl, first, then, node, first_flags, A_OPTIONAL | A_RUNNABLE,
                                   O_RESTART)
    if t & O_IMPLIES_FIRST:
        if first.rsc is not None:
            changed |= behaviour(first.rsc).update_ordered_actions(
                cl, first, then, node, first_flags, A_OPTIONAL, O_IMPLIES_FIRST)
        elif not (first_flags & A_OPTIONAL) and first.has(A_RUNNABLE):
            first.clear(A_RUNNABLE)
            changed |= UPDATED_FIRST
    if (t & O_PROMOTED_IMPLIES_FIRST) and then.rsc is not None:
        changed |= _update_via_rsc(cl, first, then, node, first_flags & A_OPTIONAL, A_OPTIONAL,
                                   O_PROMOTED_IMPLIES_FIRST)
    if t & O_ONE_OR_MORE:
        if then.rsc is not None:
            changed |= _update_via_rsc(cl, first, then, node, first_flags, A_RUNNABLE,
                                       O_ONE_OR_MORE)
        elif first_flags & A_RUNNABLE:
            then.runnable_before += 1
            if then.runnable_before >= then.required_runnable_before and not then.has(A_RUNNABLE):
                then.set(A_RUNNABLE)
                changed |= UPDATED_THEN
    if (t & O_PROBE) and then.rsc is not None:
        if not (first_flags & A_RUNNABLE) and first.rsc.running_on:
            order.type = O_NONE
        else:
            changed |= _update_via_rsc(cl, first, then, node, first_flags, A_RUNNABLE,
                                       O_RUNNABLE_LEFT)
    if order.type & O_RUNNABLE_LEFT:
        if then.rsc is not None:
            changed |= _update_via_rsc(cl, first, then, node, first_flags, A_RUNNABLE,
                                       O_RUNNABLE_LEFT)
        elif not (first_flags & A_RUNNABLE) and then.has(A_RUNNABLE):
            then.clear(A_RUNNABLE)
            changed |= UPDATED_THEN
    if (order.type & O_IMPLIES_FIRST_MIGRATABLE) and then.rsc is not None:
        changed |= _update_via_rsc(cl, first, then, node, first_flags, A_OPTIONAL,
                                   O_IMPLIES_FIRST_MIGRATABLE)
    if (order.type & O_PSEUDO_LEFT) and then.rsc is not None:
        changed |= _update_via_rsc(cl, first, then, node, first_flags, A_OPTIONAL, O_PSEUDO_LEFT)
    if (order.type & O_OPTIONAL) and then.rsc is not None:
        changed |= _update_via_rsc(cl, first, then, node, first_flags, A_RUNNABLE, O_OPTIONAL)
    if (order.type & O_ASYMMETRICAL) and then.rsc is not None:
        changed |= _update_via_rsc(cl, first, then, node, first_flags, A_RUNNABLE, O_ASYMMETRICAL)
    if first.has(A_RUNNABLE) and (order.type & O_IMPLIES_THEN_PRINTED) and \
            not (first_flags & A_OPTIONAL):
        then.set(A_PRINT_ALWAYS)
    if (order.type & O_IMPLIES_FIRST_PRINTED) and not (then_flags & A_OPTIONAL):
        first.set(A_PRINT_ALWAYS)
    if (order.type & (O_IMPLIES_THEN | O_IMPLIES_FIRST | O_RESTART)) and first.rsc is not None \
            and not first.rsc.has(R_MANAGED) and first.rsc.has(R_BLOCK) \
            and not first.has(A_RUNNABLE) and first.task == "stop":
        if then.has(A_RUNNABLE):
            then.clear(A_RUNNABLE)
            changed |= UPDATED_THEN
    return changed


def _group_start_node(action: Action) -> Node | None:
    rsc = action.rsc
    if rsc is not None and rsc.variant == Variant.GROUP and action.task == "start":
        nodes = []
        for r in rsc.walk():
            if r.children:
                continue
            if r.allocated_to is not None and r.allocated_to.node not in nodes:
                nodes.append(r.allocated_to.node)
        return nodes[0] if len(nodes) == 1 else None
    return action.node


def update_action_for_orderings(cl: Cluster, then: Action, depth: int = 0) -> None:
    """pcmk__update_action_for_orderings."""

    changed = 0
    last_flags = then.flags
    if then.has(A_REQUIRES_ANY):
        then.runnable_before = 0
        if then.required_runnable_before == 0:
            then.required_runnable_before = 1
        then.clear(A_RUNNABLE)
    for other in reversed(list(then.actions_before)):
        first = other.action
        then_node = _group_start_node(then) if (then.rsc is not None and then.rsc.variant == Variant.GROUP and then.task == "start") else then.node
        first_node = _group_start_node(first) if (first.rsc is not None and first.rsc.variant == Variant.GROUP and first.task == "start") else first.node
        if (other.type & O_SAME_NODE) and first_node is not None and then_node is not None \
                and first_node is not then_node:
            other.type = O_NONE
            continue
        changed &= ~UPDATED_FIRST
        if first.rsc is not None and (other.type & O_THEN_CANCELS_FIRST) \
                and not then.has(A_OPTIONAL):
            other.action.set(A_OPTIONAL)
            if first.task == "reload-agent":
                first.rsc.clear(R_RELOAD)
        if first.rsc is not None and then.rsc is not None and first.rsc is not then.rsc \
                and not then.rsc.is_ancestor(first.rsc):
            first = _action_for_ordering(first)
        if first is other.action:
            ff = _flags_for_ordering(cl, first, then_node)
            tf = _flags_for_ordering(cl, then, first_node)
            changed |= _update_for_ordering_flags(cl, first, then, ff, tf, other)
        elif order_actions(first, then, other.type):
            changed |= UPDATED_THEN
            other.type = O_NONE
        if changed & UPDATED_FIRST:
            for w in reversed(list(first.actions_after)):
                update_action_for_orderings(cl, w.action, depth + 1)
            update_action_for_orderings(cl, first, depth + 1)
    if then.has(A_REQUIRES_ANY):
        if last_flags == then.flags:
            changed &= ~UPDATED_THEN
        else:
            changed |= UPDATED_THEN
    if changed & UPDATED_THEN:
        if (last_flags & A_RUNNABLE) and not then.has(A_RUNNABLE):
            block_colocation_dependents(cl, then)
        update_action_for_orderings(cl, then, depth + 1)
        for w in reversed(list(then.actions_after)):
            update_action_for_orderings(cl, w.action, depth + 1)


def _clear_because(action: Action, flag: int, reason: Action) -> None:
    if action.flags & flag:
        action.clear(flag)
        if action.rsc is not reason.rsc:
            action.set_reason(action_reason_text(reason, flag), flag == A_MIGRATE_RUNNABLE)


def _asymmetric(cl: Cluster, first: Action, then: Action) -> None:
    if then.rsc is None:
        return
    role = _rsc_state(then.rsc, True)
    then_on = then.rsc.running_on
    if role == Role.STOPPED and then.task == "stop":
        return
    if role >= Role.STARTED and then.has(A_OPTIONAL) and then.node is not None \
            and len(then_on) == 1 and then.node is then_on[0] and then.task == "start":
        return
    if not first.has(A_RUNNABLE):
        _clear_because(then, A_OPTIONAL, first)
        _clear_because(then, A_RUNNABLE, first)


def _restart(first: Action, then: Action, filter_: int) -> None:
    reason = None
    if (filter_ & A_OPTIONAL) and not then.has(A_OPTIONAL):
        reason = "restart"
    if (filter_ & A_RUNNABLE) and not then.has(A_RUNNABLE) and then.rsc.has(R_MANAGED) \
            and first.rsc is then.rsc:
        reason = "stop"
    if reason is None:
        return
    if first.has(A_RUNNABLE):
        _clear_because(first, A_OPTIONAL, then)
    if not then.has(A_OPTIONAL):
        _clear_because(first, A_OPTIONAL, then)
    if not then.has(A_MIGRATE_RUNNABLE):
        _clear_because(first, A_MIGRATE_RUNNABLE, then)
    if not first.has(A_OPTIONAL) and not first.has(A_RUNNABLE):
        _clear_because(then, A_RUNNABLE, first)


def update_ordered_actions(cl: Cluster, first: Action, then: Action, node: Node | None,
                           flags: int, filter_: int, type_: int) -> int:
    """pcmk__update_ordered_actions: the primitive-level effect of one ordering."""
    changed = 0
    then_flags, first_flags = then.flags, first.flags
    if type_ & O_ASYMMETRICAL:
        _asymmetric(cl, first, then)
    if (type_ & O_IMPLIES_FIRST) and not (then_flags & A_OPTIONAL):
        if (filter_ & A_OPTIONAL) and not (flags & A_OPTIONAL) and (first_flags & A_OPTIONAL):
            _clear_because(first, A_OPTIONAL, then)
        if (flags & A_MIGRATE_RUNNABLE) and not then.has(A_MIGRATE_RUNNABLE):
            _clear_because(first, A_MIGRATE_RUNNABLE, then)
    if (type_ & O_PROMOTED_IMPLIES_FIRST) and then.rsc is not None \
            and then.rsc.role == Role.PROMOTED and (filter_ & A_OPTIONAL) \
            and not then.has(A_OPTIONAL):
        _clear_because(first, A_OPTIONAL, then)
        if first.has(A_MIGRATE_RUNNABLE) and not then.has(A_MIGRATE_RUNNABLE):
            _clear_because(first, A_MIGRATE_RUNNABLE, then)
    if (type_ & O_IMPLIES_FIRST_MIGRATABLE) and (filter_ & A_OPTIONAL):
        if not (then.has(A_MIGRATE_RUNNABLE) and then.has(A_RUNNABLE)):
            _clear_because(first, A_RUNNABLE, then)
        if not then.has(A_OPTIONAL):
            _clear_because(first, A_OPTIONAL, then)
    if (type_ & O_PSEUDO_LEFT) and (filter_ & A_OPTIONAL) and not first.has(A_RUNNABLE):
        _clear_because(then, A_MIGRATE_RUNNABLE, first)
        then.clear(A_PSEUDO)
    if (type_ & O_RUNNABLE_LEFT) and (filter_ & A_RUNNABLE) and then.has(A_RUNNABLE) \
            and not (flags & A_RUNNABLE):
        _clear_because(then, A_RUNNABLE, first)
        _clear_because(then, A_MIGRATE_RUNNABLE, first)
    if (type_ & O_IMPLIES_THEN) and (filter_ & A_OPTIONAL) and then.has(A_OPTIONAL) \
            and not (flags & A_OPTIONAL) and not first.has(A_MIGRATE_RUNNABLE):
        _clear_because(then, A_OPTIONAL, first)
    if type_ & O_RESTART:
        _restart(first, then, filter_)
    if then_flags != then.flags:
        changed |= UPDATED_THEN
        if then.rsc is not None and then.rsc.parent is not None:
            update_action_for_orderings(cl, then)
    if first_flags != first.flags:
        changed |= UPDATED_FIRST
    return changed


_ = (O_IMPLIES_THEN_PRINTED, O_IMPLIES_FIRST_PRINTED)
