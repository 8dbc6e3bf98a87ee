"""Clones: spreading instances over nodes, the clone's pseudo-actions, interleaving."""

from __future__ import annotations

import functools

from .actions import find_first_action, new_pseudo_action, order_actions, rsc_actions
from .cluster import Cluster
from .constraints import add_this_with, add_with_this, order_rsc_actions
from .history import active_counts
from .model import (A_MIGRATE_RUNNABLE, A_OPTIONAL, A_PSEUDO, A_RUNNABLE, INFINITY, Action,
                    Colocation, Node, NodeScore, O_IMPLIES_FIRST_PRINTED, O_IMPLIES_THEN,
                    O_IMPLIES_THEN_PRINTED, O_OPTIONAL, O_RUNNABLE_LEFT, R_ALLOCATING, R_BLOCK,
                    R_FAILED, R_ORPHAN, R_PROMOTABLE, R_PROVISIONAL, R_UNIQUE, Resource, Role,
                    Variant, add_scores, node_available)
from .placement import (SELECT_ACTIVE, SELECT_NONNEGATIVE, add_colocated_node_scores, assign,
                        has_influence, show_scores, sort_nodes, unassign)


def _top_allowed(rsc: Resource, node: Node | None) -> NodeScore | None:
    if node is None:
        return None
    table = rsc.allowed_nodes if rsc.parent is None else rsc.parent.allowed_nodes
    return table.get(node.id)


def _update_score(rsc: Resource, node_id: str, score: int) -> None:
    ns = rsc.allowed_nodes.get(node_id)
    if ns is not None:
        ns.weight = add_scores(ns.weight, score)
        if score <= -INFINITY:
            rsc.reject(ns.node, "clone instance limit")
    for c in rsc.children:
        _update_score(c, node_id, score)


def _can_run_instance(rsc: Resource, node: Node, limit: int) -> NodeScore | None:
    ok = node_available(node) and not rsc.has(R_ORPHAN)
    if ok:
        local = _top_allowed(rsc, node)
        if local is None:
            pass
        elif local.weight < 0:
            _update_score(rsc, node.id, local.weight)
            return None
        elif local.count < limit:
            return local
    _update_score(rsc, node.id, -INFINITY)
    return None


def _append_parent_colocation(parent: Resource, child: Resource, all_: bool) -> None:
    for c in parent.rsc_cons:
        if all_ or c.score < 0 or c.score == INFINITY:
            add_this_with(child, c)
    for c in parent.rsc_cons_lhs:
        if not has_influence(c, child):
            continue
        if all_ or c.score < 0:
            add_with_this(child, c)


def _allocate_instance(cl: Cluster, rsc: Resource, prefer: Node | None, all_coloc: bool,
                       limit: int) -> Node | None:
    if not rsc.has(R_PROVISIONAL):
        return _location(rsc)
    if rsc.has(R_ALLOCATING):
        return None
    _append_parent_colocation(rsc.parent, rsc, all_coloc)
    if prefer is not None:
        lp = rsc.allowed_nodes.get(prefer.id)
        if lp is None or lp.weight < 0:
            return None
    for ns in list(rsc.allowed_nodes.values()):
        _can_run_instance(rsc, ns.node, limit)
    backup = {k: v.copy() for k, v in rsc.allowed_nodes.items()}
    chosen = assign(cl, rsc, prefer)
    if chosen is not None and prefer is not None and chosen is not prefer:
        rsc.allowed_nodes = backup
        _unassign_all(rsc)
        chosen = None
    if chosen is not None:
        local = _top_allowed(rsc, chosen)
        if local is not None:
            local.count += 1
    return chosen


def _unassign_all(rsc: Resource) -> None:
    if rsc.children:
        for c in rsc.children:
            _unassign_all(c)
    unassign(rsc)
    rsc.set(R_PROVISIONAL)


def _location(rsc: Resource) -> Node | None:
    nodes = []
    for r in rsc.walk():
        if r.children:
            continue
        if r.allocated_to is not None and r.allocated_to.node not in nodes:
            nodes.append(r.allocated_to.node)
    return nodes[0] if len(nodes) == 1 else None


def _location_score(rsc: Resource) -> NodeScore | None:
    found: list[NodeScore] = []
    for r in rsc.walk():
        if r.children:
            continue
        if r.allocated_to is not None and all(f.node is not r.allocated_to.node for f in found):
            found.append(r.allocated_to)
    return found[0] if len(found) == 1 else None


def _current_location(rsc: Resource) -> Node | None:
    nodes = []
    for r in rsc.walk():
        if r.children:
            continue
        for n in r.running_on:
            if n not in nodes:
                nodes.append(n)
    return nodes[0] if len(nodes) == 1 else None


def _did_fail(rsc: Resource) -> bool:
    return rsc.has(R_FAILED) or any(_did_fail(c) for c in rsc.children)


def _cmp_instance(cl: Cluster):
    def cmp(a: Resource, b: Resource) -> int:
        n1a, _, node1 = active_counts(a)
        n2a, _, node2 = active_counts(b)
        if n1a > 0 and n2a > 0 and n1a != n2a:
            return -1 if n1a < n2a else 1

        def allowed(r: Resource, n: Node | None) -> tuple[bool, Node | None]:
            if n is not None:
                ns = r.allowed_nodes.get(n.id)
                if ns is None or ns.weight < 0:
                    return False, None
            return True, n
        can1, node1 = allowed(a, node1)
        can2, node2 = allowed(b, node2)
        if can1 != can2:
            return -1 if can1 else 1
        if a.priority != b.priority:
            return -1 if a.priority > b.priority else 1
        if node1 is None and node2 is None:
            return 0
        if node1 is None:
            return 1
        if node2 is None:
            return -1
        c1, c2 = node_available(node1), node_available(node2)
        if c1 != c2:
            return -1 if c1 else 1
        t1, t2 = _top_allowed(a, node1), _top_allowed(b, node2)
        if t1 is None and t2 is None:
            return 0
        if t1 is None:
            return 1
        if t2 is None:
            return -1
        if t1.count != t2.count:
            return -1 if t1.count < t2.count else 1
        f1, f2 = _did_fail(a), _did_fail(b)
        if f1 != f2:
            return -1 if not f1 else 1
        rc = _cmp_by_colocation(cl, a, b)
        if rc:
            return rc
        return instance_number(a) - instance_number(b)
    return cmp


def _cmp_by_colocation(cl: Cluster, a: Resource, b: Resource) -> int:
    cur1, cur2 = a.current_node(), b.current_node()
    if cur1 is None or cur2 is None:
        return 0
    t1 = {cur1.id: NodeScore(cur1, cur1.weight)}
    t2 = {cur2.id: NodeScore(cur2, cur2.weight)}
    t1 = _apply_parent_colocations(cl, a, t1)
    t2 = _apply_parent_colocations(cl, b, t2)
    w1, w2 = t1[cur1.id].weight, t2[cur2.id].weight
    if w1 < w2:
        return 1
    if w1 > w2:
        return -1
    return 0


def _apply_parent_colocations(cl: Cluster, rsc: Resource, nodes):
    for c in rsc.parent.rsc_cons:
        nodes = add_colocated_node_scores(cl, c.primary, rsc.id, nodes, c.node_attribute,
                                          c.score / INFINITY, 0)
    for c in rsc.parent.rsc_cons_lhs:
        if not has_influence(c, rsc):
            continue
        nodes = add_colocated_node_scores(cl, c.dependent, rsc.id, nodes, c.node_attribute,
                                          c.score / INFINITY, SELECT_NONNEGATIVE)
    return nodes


def instance_number(rsc: Resource) -> int:
    rid = rsc.id
    idx = rid.rfind(":")
    if idx < 0:
        idx = rid.rfind("-")
    try:
        return int(rid[idx + 1:])
    except ValueError:
        return 0


def assign_clone(cl: Cluster, rsc: Resource, prefer: Node | None) -> Node | None:
    if not rsc.has(R_PROVISIONAL) or rsc.has(R_ALLOCATING):
        return None
    if rsc.has(R_PROMOTABLE):
        from .promotable import add_promotion_scores
        add_promotion_scores(cl, rsc)
    rsc.set(R_ALLOCATING)
    for c in list(rsc.rsc_cons):
        assign(cl, c.primary, prefer)
    for c in list(rsc.rsc_cons_lhs):
        if has_influence(c):
            rsc.allowed_nodes = add_colocated_node_scores(
                cl, c.dependent, rsc.id, rsc.allowed_nodes, c.node_attribute,
                c.score / INFINITY, SELECT_ACTIVE | SELECT_NONNEGATIVE)
    show_scores(cl, rsc, "pcmk__clone_allocate")
    nodes = sort_nodes(cl, list(rsc.allowed_nodes.values()), None)
    rsc.children.sort(key=functools.cmp_to_key(_cmp_instance(cl)))
    _distribute(cl, rsc, nodes)
    if rsc.has(R_PROMOTABLE):
        from .promotable import set_instance_roles
        set_instance_roles(cl, rsc)
    rsc.clear(R_PROVISIONAL | R_ALLOCATING)
    return None


def _distribute(cl: Cluster, rsc: Resource, nodes: list[NodeScore]) -> None:
    from .unpack import resource_location
    maxc, per_host = rsc.clone_max, rsc.clone_node_max
    available = 0
    for ns in nodes:
        ns.count = 0
        if node_available(ns.node):
            available += 1
    all_coloc = maxc < available
    loop_max = max(1, maxc // available) if available else 1
    allocated = 0
    for child in rsc.children:
        if allocated >= maxc:
            break
        if not child.running_on or not child.has(R_PROVISIONAL) or child.has(R_FAILED):
            continue
        cur = child.current_node()
        local = _top_allowed(child, cur)
        cw = local.weight if local is not None else (cur.weight if cur else 0)
        if not node_available(cur, cur.weight if cur else None, True):
            continue
        if local is not None and local.count >= loop_max:
            continue
        if _allocate_instance(cl, child, cur, all_coloc, per_host):
            allocated += 1
        del cw
    for child in rsc.children:
        if not child.has(R_PROVISIONAL):
            continue
        if allocated >= maxc:
            resource_location(cl, child, None, -INFINITY, "clone:limit_reached")
        elif _allocate_instance(cl, child, None, all_coloc, per_host):
            allocated += 1


# --- colocation with clones -------------------------------------------------------------

def _copies_per_node(rsc: Resource) -> int:
    if rsc.variant == Variant.CLONE:
        return rsc.clone_node_max
    return 1


def _is_child_compatible(child: Resource, node: Node, filter_: Role, current: bool) -> bool:
    role = _state(child, current)
    loc = None
    if not _recursive_any(child, R_BLOCK):
        loc = _current_location(child) if current else _location(child)
    if filter_ != Role.UNKNOWN and role != filter_:
        return False
    return loc is not None and loc is node


def _recursive_any(rsc: Resource, flag: int) -> bool:
    return rsc.has(flag) or any(_recursive_any(c, flag) for c in rsc.children)


def _state(rsc: Resource, current: bool) -> Role:
    if not rsc.children:
        return rsc.role if current else rsc.next_role
    role = Role.UNKNOWN
    for c in rsc.children:
        r = _state(c, current)
        if r > role:
            role = r
    return role


def find_compatible_child(cl: Cluster, local_child: Resource, rsc: Resource, filter_: Role,
                          current: bool) -> Resource | None:
    local_node = _current_location(local_child) if current else _location(local_child)
    if local_node is not None:
        return _compatible_by_node(local_node, rsc, filter_, current)
    for ns in sort_nodes(cl, list(local_child.allowed_nodes.values()), None):
        pair = _compatible_by_node(ns.node, rsc, filter_, current)
        if pair is not None:
            return pair
    return None


def _compatible_by_node(node: Node, rsc: Resource, filter_: Role, current: bool):
    for child in rsc.children:
        if _is_child_compatible(child, node, filter_, current):
            return child
    return None


def clone_apply_coloc_as_primary(cl: Cluster, dependent: Resource, primary: Resource,
                                 c: Colocation) -> None:
    from .placement import apply_coloc_score
    if primary.has(R_PROMOTABLE):
        if primary.has(R_PROVISIONAL):
            return
        if c.primary_role != Role.UNKNOWN:
            if dependent.has(R_PROVISIONAL):
                from .promotable import update_dependent_with_promotable
                update_dependent_with_promotable(cl, primary, dependent, c)
                return
            if c.dependent_role == Role.PROMOTED:
                from .promotable import update_promotable_dependent_priority
                update_promotable_dependent_priority(cl, primary, dependent, c)
                return
    interleave = False
    dep = c.dependent
    if (dep.meta.get("interleave") or "").lower() in ("true", "yes", "1", "on") \
            and dep.variant > Variant.GROUP:
        if _copies_per_node(dep) == _copies_per_node(c.primary):
            interleave = True
    if primary.has(R_PROVISIONAL):
        return
    if interleave:
        inst = find_compatible_child(cl, dependent, primary, Role.UNKNOWN, False)
        if inst is not None:
            apply_coloc_score(cl, dependent, inst, c, True)
        elif c.score >= INFINITY:
            from .placement import finalize_assignment
            finalize_assignment(cl, dependent, None, True)
        return
    if c.score >= INFINITY:
        from .promotable import node_list_exclude
        affected = []
        for child in primary.children:
            if _recursive_any(child, R_BLOCK):
                continue
            chosen = _location_score(child)
            if chosen is not None:
                affected.insert(0, chosen)
        node_list_exclude(dependent, affected, False)
        return
    for child in primary.children:
        apply_coloc_score(cl, dependent, child, c, False)


def clone_apply_coloc_for_dependent(cl: Cluster, dependent: Resource, primary: Resource,
                                    c: Colocation) -> None:
    """A clone as dependent: nothing to do directly (instances get parent colocations)."""
    return None


# --- actions ----------------------------------------------------------------------------

def _pseudo_status(rsc: Resource, state: dict) -> None:
    if rsc.children:
        for c in rsc.children:
            _pseudo_status(c, state)
        return
    if rsc.running_on:
        state["active"] = True
    for a in rsc.actions:
        if state["starting"] and state["stopping"]:
            return
        if a.has(A_OPTIONAL):
            continue
        if not (a.flags & (A_PSEUDO | A_RUNNABLE)):
            continue
        if a.task == "stop":
            state["stopping"] = True
        elif a.task == "start" and a.has(A_RUNNABLE):
            state["starting"] = True


def _find_rsc_action(rsc: Resource, task: str) -> Action | None:
    match = None
    for op in rsc_actions(rsc, None, task, False):
        if not op.has(A_OPTIONAL):
            if match is not None:
                return None
            match = op
    return match


class Clone:
    def create_actions(self, cl: Cluster, rsc: Resource) -> None:
        from .variants import behaviour
        child_active = child_starting = child_stopping = False
        allow_dependent_migrations = True
        for child in rsc.children:
            behaviour(child).create_actions(cl, child)
            st = {"active": False, "starting": False, "stopping": False}
            _pseudo_status(child, st)
            if st["stopping"] and st["starting"]:
                allow_dependent_migrations = False
            child_stopping |= st["stopping"]
            child_starting |= st["starting"]
            child_active |= st["active"]
        start = new_pseudo_action(cl, rsc, "start", not child_starting, True)
        started = new_pseudo_action(cl, rsc, "running", not child_starting, False)
        started.priority = INFINITY
        if child_active or child_starting:
            started.set(A_RUNNABLE)
        if rsc.has(1 << 4):
            from .notifications import clone_notif_pseudo_ops
            rsc.notify_data["start"] = clone_notif_pseudo_ops(cl, rsc, "start", start, started)
        stop = new_pseudo_action(cl, rsc, "stop", not child_stopping, True)
        stopped = new_pseudo_action(cl, rsc, "stopped", not child_stopping, True)
        stopped.priority = INFINITY
        if allow_dependent_migrations:
            stop.set(A_MIGRATE_RUNNABLE)
        if rsc.has(1 << 4):
            from .notifications import clone_notif_pseudo_ops
            rsc.notify_data["stop"] = clone_notif_pseudo_ops(cl, rsc, "stop", stop, stopped)
            if rsc.notify_data.get("start") and rsc.notify_data.get("stop"):
                order_actions(rsc.notify_data["stop"]["post_done"],
                              rsc.notify_data["start"]["pre"], O_OPTIONAL)
        if rsc.ordered:
            ordered = sorted(rsc.children, key=instance_number)
            last_stop = last_start = None
            for child in ordered:
                s = _find_rsc_action(child, "stop")
                if s is not None:
                    if last_stop is not None:
                        order_actions(s, last_stop, O_OPTIONAL)
                    last_stop = s
                st_ = _find_rsc_action(child, "start")
                if st_ is not None:
                    if last_start is not None:
                        order_actions(last_start, st_, O_OPTIONAL)
                    last_start = st_
        if rsc.has(R_PROMOTABLE):
            from .promotable import create_promotable_actions
            create_promotable_actions(cl, rsc)

    def internal_constraints(self, cl: Cluster, rsc: Resource) -> None:
        from .variants import behaviour
        order_rsc_actions(cl, rsc, "stopped", rsc, "start", O_OPTIONAL)
        order_rsc_actions(cl, rsc, "start", rsc, "running", O_RUNNABLE_LEFT)
        order_rsc_actions(cl, rsc, "stop", rsc, "stopped", O_RUNNABLE_LEFT)
        if rsc.has(R_PROMOTABLE):
            order_rsc_actions(cl, rsc, "demoted", rsc, "stop", O_OPTIONAL)
            order_rsc_actions(cl, rsc, "running", rsc, "promote", O_RUNNABLE_LEFT)
        children = rsc.children
        if rsc.ordered:
            rsc.children.sort(key=instance_number)
        last = None
        for child in children:
            behaviour(child).internal_constraints(cl, child)
            order_rsc_actions(cl, rsc, "start", child, "start",
                              O_RUNNABLE_LEFT | O_IMPLIES_FIRST_PRINTED)
            order_rsc_actions(cl, child, "start", rsc, "running", O_IMPLIES_THEN_PRINTED)
            if rsc.ordered and last is not None:
                order_rsc_actions(cl, last, "start", child, "start", O_OPTIONAL)
            order_rsc_actions(cl, rsc, "stop", child, "stop", O_IMPLIES_FIRST_PRINTED)
            order_rsc_actions(cl, child, "stop", rsc, "stopped", O_IMPLIES_THEN_PRINTED)
            if rsc.ordered and last is not None:
                order_rsc_actions(cl, child, "stop", last, "stop", O_OPTIONAL)
            last = child
        if rsc.has(R_PROMOTABLE):
            from .promotable import order_promotable_instances
            order_promotable_instances(cl, rsc)

    def action_flags(self, cl: Cluster, action: Action, node: Node | None) -> int:
        return summary_action_flags(cl, action, action.rsc.children, node)

    def update_ordered_actions(self, cl, first, then, node, flags, filter_, type_) -> int:
        from .ordering import update_action_for_orderings, update_ordered_actions
        from .variants import behaviour
        if _can_interleave(first, then):
            return _interleave_update(cl, first, then, node, filter_, type_)
        changed = update_ordered_actions(cl, first, then, node, flags, filter_, type_)
        for child in then.rsc.children:
            ca = find_first_action(child.actions, None, then.task, node)
            if ca is None:
                continue
            cf = behaviour(child).action_flags(cl, ca, node)
            cchanged = 0
            if cf & A_RUNNABLE:
                cchanged = behaviour(child).update_ordered_actions(cl, first, ca, node, flags,
                                                                   filter_, type_)
            changed |= cchanged
            if cchanged & 2:
                for w in reversed(ca.actions_after):
                    update_action_for_orderings(cl, w.action)
        return changed

    def add_to_graph(self, cl: Cluster, rsc: Resource, add) -> None:
        from .variants import behaviour
        for a in reversed(rsc.actions):
            behaviour(rsc).action_flags(cl, a, None)
        if rsc.notify_data:
            from .notifications import create_notifications
            for key in ("start", "stop", "promote", "demote"):
                if rsc.notify_data.get(key):
                    create_notifications(cl, rsc, rsc.notify_data[key])
        for child in rsc.children:
            behaviour(child).add_to_graph(cl, child, add)
        for a in reversed(rsc.actions):
            add(a)


CLONE = Clone()


def _clone_child_action(action: Action) -> str:
    from .variants import complex_task
    child = action.rsc.children[0]
    if action.task in ("notify", "notified"):
        parts = action.uuid.rsplit("_", 2)
        task = parts[-2] if len(parts) >= 2 else action.task
        return complex_task(child, task)
    return complex_task(child, action.task)


def summary_action_flags(cl: Cluster, action: Action, children: list[Resource],
                         node: Node | None) -> int:
    from .variants import behaviour
    task_s = _clone_child_action(action)
    flags = A_OPTIONAL | A_RUNNABLE | A_PSEUDO
    any_runnable = False
    for child in children:
        ca = find_first_action(child.actions, None, task_s, None if child.children else node)
        if ca is None:
            continue
        cf = behaviour(child).action_flags(cl, ca, node)
        if (flags & A_OPTIONAL) and not (cf & A_OPTIONAL):
            flags &= ~A_OPTIONAL
            action.clear(A_OPTIONAL)
        if cf & A_RUNNABLE:
            any_runnable = True
    if not any_runnable:
        flags &= ~A_RUNNABLE
        if node is None:
            action.clear(A_RUNNABLE)
    return flags


def _can_interleave(first: Action, then: Action) -> bool:
    if first.rsc is None or then.rsc is None or first.rsc is then.rsc:
        return False
    if first.rsc.variant < Variant.CLONE or then.rsc.variant < Variant.CLONE:
        return False
    if then.uuid.endswith("_stop_0") or then.uuid.endswith("_demote_0"):
        rsc = first.rsc
    else:
        rsc = then.rsc
    return (rsc.meta.get("interleave") or "").lower() in ("true", "yes", "1", "on")


def _interleave_update(cl: Cluster, first: Action, then: Action, node: Node | None, filter_: int,
                       type_: int) -> int:
    from .variants import behaviour
    changed = 0
    current = first.uuid.endswith("_stopped_0") or first.uuid.endswith("_demoted_0")
    for then_child in then.rsc.children:
        first_child = find_compatible_child(cl, then_child, first.rsc, Role.UNKNOWN, current)
        if first_child is None and current:
            continue
        if first_child is None:
            if type_ & (O_RUNNABLE_LEFT | O_IMPLIES_THEN):
                from .placement import finalize_assignment
                if then_child.allocated_to is not None or then_child.children:
                    _force_unassign(cl, then_child)
                    changed |= 2
            continue
        task = _clone_child_action(first)
        fa = find_first_action(first_child.actions, None, task, node)
        ta = find_first_action(then_child.actions, None, then.task, node)
        if fa is None or ta is None:
            continue
        if order_actions(fa, ta, type_):
            changed |= 3
        changed |= behaviour(then_child).update_ordered_actions(
            cl, fa, ta, node, behaviour(first_child).action_flags(cl, fa, node), filter_, type_)
    return changed


def _force_unassign(cl: Cluster, rsc: Resource) -> None:
    from .placement import finalize_assignment
    if rsc.children:
        for c in rsc.children:
            _force_unassign(cl, c)
        return
    finalize_assignment(cl, rsc, None, True)


# --- probes -------------------------------------------------------------------------------

def _known_on(rsc: Resource, node: Node) -> bool:
    if rsc.children:
        return any(_known_on(c, node) for c in rsc.children)
    return node.id in rsc.known_on


def clone_create_probe(cl: Cluster, rsc: Resource, node: Node) -> bool:
    from .probes import create_probe, probe_resource_list
    rsc.children.sort(key=instance_number)
    if not rsc.children:
        return False
    if rsc.exclusive_discover:
        allowed = rsc.allowed_nodes.get(node.id)
        if allowed is not None and allowed.discover != "exclusive":
            del rsc.allowed_nodes[node.id]
            return False
    if rsc.has(R_UNIQUE):
        return probe_resource_list(cl, rsc.children, node)
    child = None
    for c in rsc.children:
        if _known_on(c, node):
            child = c
            break
    if child is None:
        for c in rsc.children:
            loc = _location(c)
            if loc is not None and loc is node:
                child = c
                break
    if child is None:
        child = rsc.children[0]
    return create_probe(cl, child, node)


_ = (O_IMPLIES_THEN, R_PROMOTABLE, A_MIGRATE_RUNNABLE)
