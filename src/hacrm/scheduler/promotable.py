"""Promotable clones: promotion scores (master-* node attributes), choosing which instances are
promoted, the clone's promote/demote pseudo-actions and their orderings."""

from __future__ import annotations

import functools

from .actions import new_pseudo_action, order_actions
from .cluster import Cluster
from .constraints import order_rsc_actions
from .model import (A_OPTIONAL, INFINITY, Colocation, Node, NodeScore, O_IMPLIES_FIRST_PRINTED,
                    O_IMPLIES_THEN_PRINTED, O_OPTIONAL, R_MANAGED, R_MERGING, R_UNIQUE, Resource,
                    Role, add_scores, node_available, parse_score, score_text)


def _location(rsc: Resource) -> NodeScore | None:
    """fns->location(rsc, NULL, FALSE): the single node the instance is assigned to."""
    found: list[NodeScore] = []
    for r in rsc.walk():
        if r.children:
            continue
        if r.allocated_to is not None and all(f.node is not r.allocated_to.node for f in found):
            found.append(r.allocated_to)
    return found[0] if len(found) == 1 else None


def _assigned_nodes(rsc: Resource) -> list[Node]:
    out: list[Node] = []
    for r in rsc.walk():
        if r.children:
            continue
        if r.allocated_to is not None and r.allocated_to.node not in out:
            out.append(r.allocated_to.node)
    return out


def _state(rsc: Resource, current: bool) -> Role:
    if not rsc.children:
        return rsc.role if current else rsc.next_role
    role = Role.UNKNOWN
    for c in rsc.children:
        r = _state(c, current)
        if r > role:
            role = r
    return role


# --- promotion scores -----------------------------------------------------------------------

def _find_by_base(rsc: Resource, base: str) -> Resource | None:
    from .history import base_name
    for r in rsc.walk():
        if not r.children and base_name(r.id) == base:
            return r
    return None


def _promotion_score_applies(rsc: Resource, node: Node) -> bool:
    from .history import base_name
    rid = base_name(rsc.id)
    parent = rsc.top
    if not rsc.has(R_UNIQUE):
        active = None
        for child in parent.children:
            cand = _find_by_base(child, rid)
            if cand is not None and node in cand.running_on:
                active = cand
                break
        if active is rsc:
            return _is_allowed(rsc, node)
        if active is None:
            for child in parent.children:
                cand = _find_by_base(child, rid)
                if cand is not None and node.id in cand.known_on:
                    return _is_allowed(rsc, node)
    if not rsc.running_on and not rsc.known_on:
        return _is_allowed(rsc, node)
    if node.id in rsc.known_on or node in rsc.running_on:
        return _is_allowed(rsc, node)
    return False


def _is_allowed(rsc: Resource, node: Node) -> bool:
    ns = rsc.allowed_nodes.get(node.id)
    return ns is not None and ns.weight >= 0


def _attr_value(rsc: Resource, node: Node, name: str) -> str | None:
    from .constraints import _node_attr_calculated
    return _node_attr_calculated(node, f"master-{name}", rsc)


def promotion_score(rsc: Resource, node: Node) -> tuple[int, bool]:
    """(score, is_default) from the master-<name> node attribute."""
    from .history import base_name
    if rsc.children:
        total = 0
        is_default = True
        for c in rsc.children:
            s, d = promotion_score(c, node)
            if not d:
                is_default = False
            total += s
        return total, is_default
    if not _promotion_score_applies(rsc, node):
        return 0, True
    name = rsc.clone_name if rsc.clone_name is not None else rsc.id
    value = _attr_value(rsc, node, name)
    if value is None and not rsc.has(R_UNIQUE):
        base = base_name(rsc.id)
        if base != rsc.id:
            value = _attr_value(rsc, node, base)
    if value is None:
        return 0, True
    return parse_score(value), False


def add_promotion_scores(cl: Cluster, rsc: Resource) -> None:
    if rsc.promotion_added:
        return
    rsc.promotion_added = True
    for child in rsc.children:
        for ns in child.allowed_nodes.values():
            if not node_available(ns.node):
                continue
            score, _ = promotion_score(child, ns.node)
            if score > 0:
                ns.weight = add_scores(ns.weight, score)
            if score > child.priority:
                child.priority = score


# --- role assignment ------------------------------------------------------------------------

def _set_current_unpromoted(rsc: Resource) -> None:
    if rsc.role == Role.STARTED:
        rsc.role = Role.UNPROMOTED
    for c in rsc.children:
        _set_current_unpromoted(c)


def _set_next_unpromoted(rsc: Resource) -> None:
    if not _assigned_nodes(rsc):
        rsc.set_next_role(Role.STOPPED, "stopped instance")
    else:
        rsc.set_next_role(Role.UNPROMOTED, "unpromoted instance")
    for c in rsc.children:
        _set_next_unpromoted(c)


def _set_next_promoted(rsc: Resource) -> None:
    if rsc.next_role == Role.UNKNOWN:
        rsc.set_next_role(Role.PROMOTED, "promoted instance")
    for c in rsc.children:
        _set_next_promoted(c)


def _apply_promoted_locations(child: Resource, locations, chosen: Node) -> None:
    for loc in locations:
        if loc.role_filter != Role.PROMOTED:
            continue
        for ns in loc.nodes:
            if ns.node is chosen:
                child.priority = add_scores(child.priority, ns.weight)
                break


def _set_instance_priority(cl: Cluster, instance: Resource, clone: Resource) -> None:
    from .placement import apply_coloc_score
    if _state(instance, True) == Role.STARTED:
        _set_current_unpromoted(instance)
    chosen = _location(instance)
    if chosen is None:
        return
    next_role = _state(instance, False)
    if next_role in (Role.STARTED, Role.UNKNOWN):
        score, is_default = promotion_score(instance, chosen.node)
        instance.priority = -1 if is_default else score
    elif next_role in (Role.UNPROMOTED, Role.STOPPED):
        instance.priority = -INFINITY
    _apply_promoted_locations(instance, instance.rsc_location, chosen.node)
    _apply_promoted_locations(instance, clone.rsc_location, chosen.node)
    for c in list(instance.rsc_cons):
        apply_coloc_score(cl, instance, c.primary, c, True)
    instance.sort_index = instance.priority
    if next_role == Role.PROMOTED:
        instance.sort_index = INFINITY


def _sort_instances(cl: Cluster, clone: Resource) -> None:
    from .clone import _cmp_instance
    from .placement import SELECT_ACTIVE, SELECT_DEFAULT, SELECT_NONNEGATIVE, \
        add_colocated_node_scores, has_influence
    if clone.promotion_constrained:
        return
    clone.promotion_constrained = True
    clone.set(R_MERGING)
    for child in clone.children:
        if child.sort_index < 0:
            continue
        chosen = _location(child)
        if chosen is None:
            continue
        ns = clone.allowed_nodes.get(chosen.node.id)
        if ns is not None:
            ns.weight = add_scores(child.sort_index, ns.weight)
    for c in list(clone.rsc_cons):
        if c.dependent_role != Role.PROMOTED:
            continue
        flags = SELECT_DEFAULT if c.score >= INFINITY else SELECT_ACTIVE
        clone.allowed_nodes = add_colocated_node_scores(cl, c.primary, clone.id,
                                                        clone.allowed_nodes, c.node_attribute,
                                                        c.score / INFINITY, flags)
    for c in list(clone.rsc_cons_lhs):
        if c.primary_role != Role.PROMOTED or not has_influence(c):
            continue
        clone.allowed_nodes = add_colocated_node_scores(cl, c.dependent, clone.id,
                                                        clone.allowed_nodes, c.node_attribute,
                                                        c.score / INFINITY,
                                                        SELECT_ACTIVE | SELECT_NONNEGATIVE)
    from .tickets import require_promotion_tickets
    require_promotion_tickets(cl, clone)
    for child in clone.children:
        chosen = _location(child)
        if not child.has(R_MANAGED) and child.next_role == Role.PROMOTED:
            child.sort_index = INFINITY
        elif chosen is None or child.sort_index < 0:
            pass
        else:
            ns = clone.allowed_nodes.get(chosen.node.id)
            if ns is not None:
                child.sort_index = ns.weight
    base = _cmp_instance(cl)

    def cmp(a: Resource, b: Resource) -> int:
        if a.sort_index != b.sort_index:
            return -1 if a.sort_index > b.sort_index else 1
        ra, rb = _state(a, True), _state(b, True)
        if ra != rb:
            return -1 if ra > rb else 1
        return base(a, b)
    clone.children.sort(key=functools.cmp_to_key(cmp))
    clone.clear(R_MERGING)


def _node_to_be_promoted_on(cl: Cluster, rsc: Resource) -> NodeScore | None:
    for child in rsc.children:
        if _node_to_be_promoted_on(cl, child) is None:
            return None
    chosen = _location(rsc)
    if chosen is None:
        return None
    parent = rsc.top
    if not rsc.has(R_MANAGED):
        if _state(rsc, True) != Role.PROMOTED:
            return None
    elif rsc.priority < 0:
        return None
    elif not node_available(chosen.node) or (chosen.node.is_guest and
                                             _location(chosen.node.remote_rsc.container) is None):
        return None
    local = parent.allowed_nodes.get(chosen.node.id)
    if local is None:
        return None
    if local.count >= parent.promoted_node_max and rsc.has(R_MANAGED):
        return None
    return local


def set_instance_roles(cl: Cluster, rsc: Resource) -> None:
    for ns in rsc.allowed_nodes.values():
        ns.count = 0
    for child in rsc.children:
        _set_instance_priority(cl, child, rsc)
    _sort_instances(cl, rsc)
    promoted = 0
    for instance in rsc.children:
        chosen_node = _location(instance)
        if cl.show_scores:
            where = chosen_node.node.uname if chosen_node is not None else "none"
            cl.score_log.append(f"{instance.id} promotion score on {where}: "
                                f"{score_text(instance.sort_index)}")
        chosen = None
        if instance.sort_index < 0:
            pass
        elif promoted < rsc.promoted_max or not rsc.has(R_MANAGED):
            chosen = _node_to_be_promoted_on(cl, instance)
        if chosen is None:
            _set_next_unpromoted(instance)
            continue
        if instance.role < Role.PROMOTED and not cl.have_quorum \
                and cl.no_quorum_policy == "freeze":
            _set_next_unpromoted(instance)
            continue
        chosen.count += 1
        _set_next_promoted(instance)
        promoted += 1


# --- actions and orderings ------------------------------------------------------------------

def _role_changes(rsc: Resource, state: dict) -> None:
    if rsc.children:
        for c in rsc.children:
            _role_changes(c, state)
        return
    for a in rsc.actions:
        if state["promoting"] and state["demoting"]:
            return
        if a.has(A_OPTIONAL):
            continue
        if a.task == "demote":
            state["demoting"] = True
        elif a.task == "promote":
            state["promoting"] = True


def create_promotable_actions(cl: Cluster, clone: Resource) -> None:
    """Called after the instances' own actions exist (clone create_actions)."""
    state = {"promoting": False, "demoting": False}
    for instance in clone.children:
        _role_changes(instance, state)
    promote = new_pseudo_action(cl, clone, "promote", not state["promoting"], True)
    promoted = new_pseudo_action(cl, clone, "promoted", not state["promoting"], True)
    promoted.priority = INFINITY
    if clone.has(1 << 4):
        from .notifications import clone_notif_pseudo_ops
        clone.notify_data["promote"] = clone_notif_pseudo_ops(cl, clone, "promote", promote,
                                                              promoted)
    demote = new_pseudo_action(cl, clone, "demote", not state["demoting"], True)
    demoted = new_pseudo_action(cl, clone, "demoted", not state["demoting"], True)
    demoted.priority = INFINITY
    if clone.has(1 << 4):
        from .notifications import clone_notif_pseudo_ops
        nd = clone.notify_data
        nd["demote"] = clone_notif_pseudo_ops(cl, clone, "demote", demote, demoted)
        if nd.get("promote"):
            order_actions(nd["stop"]["post_done"], nd["promote"]["pre"], O_OPTIONAL)
            order_actions(nd["start"]["post_done"], nd["promote"]["pre"], O_OPTIONAL)
            order_actions(nd["demote"]["post_done"], nd["promote"]["pre"], O_OPTIONAL)
            order_actions(nd["demote"]["post_done"], nd["start"]["pre"], O_OPTIONAL)
            order_actions(nd["demote"]["post_done"], nd["stop"]["pre"], O_OPTIONAL)
    for instance in clone.children:
        instance.priority = clone.priority


def order_promotable_instances(cl: Cluster, clone: Resource) -> None:
    order_rsc_actions(cl, clone, "stopped", clone, "start", O_OPTIONAL)
    order_rsc_actions(cl, clone, "stopped", clone, "promote", O_OPTIONAL)
    order_rsc_actions(cl, clone, "demoted", clone, "stop", O_OPTIONAL)
    order_rsc_actions(cl, clone, "demoted", clone, "start", O_OPTIONAL)
    order_rsc_actions(cl, clone, "demoted", clone, "promote", O_OPTIONAL)
    order_rsc_actions(cl, clone, "running", clone, "promote", O_OPTIONAL)
    order_rsc_actions(cl, clone, "demote", clone, "demoted", O_OPTIONAL)
    previous = None
    for instance in clone.children:
        order_rsc_actions(cl, instance, "demote", instance, "promote", O_OPTIONAL)
        order_rsc_actions(cl, clone, "promote", instance, "promote", O_OPTIONAL)
        order_rsc_actions(cl, instance, "promote", clone, "promoted", O_OPTIONAL)
        if previous is not None and clone.ordered:
            order_rsc_actions(cl, previous, "promote", instance, "promote", O_OPTIONAL)
        order_rsc_actions(cl, clone, "demote", instance, "demote", O_IMPLIES_FIRST_PRINTED)
        order_rsc_actions(cl, instance, "demote", clone, "demoted", O_IMPLIES_THEN_PRINTED)
        if previous is not None and clone.ordered:
            order_rsc_actions(cl, instance, "demote", previous, "demote", O_OPTIONAL)
        previous = instance


# --- colocations involving roles ------------------------------------------------------------

def update_dependent_with_promotable(cl: Cluster, primary: Resource, dependent: Resource,
                                     c: Colocation) -> None:
    affected: list[NodeScore] = []
    attr = c.node_attribute or "#uname"
    for instance in primary.children:
        node = _location(instance)
        if node is None:
            continue
        if _state(instance, False) == c.primary_role:
            if c.score < INFINITY:
                pv = node.node.attrs.get(attr)
                for ns in dependent.allowed_nodes.values():
                    dv = ns.node.attrs.get(attr)
                    if (pv is None and dv is None) or (pv is not None and dv is not None
                                                       and pv.lower() == dv.lower()):
                        ns.weight = add_scores(ns.weight, c.score)
            affected.insert(0, node)
    if c.score >= INFINITY and (c.dependent_role != Role.PROMOTED or
                                c.primary_role != Role.PROMOTED):
        node_list_exclude(dependent, affected, True)


def node_list_exclude(rsc: Resource, nodes: list[NodeScore], merge_scores: bool) -> None:
    by_id = {ns.node.id: ns for ns in reversed(nodes)}
    for ns in rsc.allowed_nodes.values():
        other = by_id.get(ns.node.id)
        if other is None:
            ns.weight = -INFINITY
            rsc.reject(ns.node, "mandatory colocation")
        elif merge_scores:
            ns.weight = add_scores(ns.weight, other.weight)
    for ns in nodes:
        if ns.node.id not in rsc.allowed_nodes:
            rsc.allowed_nodes[ns.node.id] = NodeScore(ns.node, -INFINITY)


def update_promotable_dependent_priority(cl: Cluster, primary: Resource, dependent: Resource,
                                         c: Colocation) -> None:
    from .clone import find_compatible_child
    inst = find_compatible_child(cl, dependent, primary, c.primary_role, False)
    if inst is not None:
        dependent.priority = add_scores(dependent.priority, c.score)
    elif c.score >= INFINITY:
        dependent.priority = -INFINITY
