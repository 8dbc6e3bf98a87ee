"""Scores and assignment: locations, stickiness, failure thresholds, colocations, then choosing a
node for every resource (primitives, groups, clones).

Each resource keeps a score per node (``allowed_nodes``); assignment picks the best available
node, and a node scored -INFINITY records why in ``Resource.rejections``.
"""

from __future__ import annotations

import functools

from .cluster import Cluster, numeric_strcasecmp
from .model import (A_OPTIONAL, A_RUNNABLE, INFINITY, Colocation, Location, Node, NodeScore,
                    R_ALLOCATING, R_FAILED, R_FAILURE_IGNORED, R_MANAGED, R_MERGING, R_ORPHAN,
                    R_PROMOTABLE, R_PROVISIONAL, R_UNIQUE, Resource, Role, Variant, add_scores,
                    node_available, score_text)

INFINITY_HACK = INFINITY * -100


# --- score display --------------------------------------------------------------------------

def show_scores(cl: Cluster, rsc: Resource, comment: str, table: dict[str, NodeScore] | None = None) -> None:
    if not cl.show_scores or rsc.has(R_ORPHAN):
        return
    nodes = rsc.allowed_nodes if table is None else table
    for ns in nodes.values():
        cl.score_log.append(f"{comment}: {rsc.id} allocation score on {ns.node.uname}: "
                            f"{score_text(ns.weight)}")
    for child in rsc.children:
        show_scores(cl, child, comment)


# --- locations, stickiness, thresholds ------------------------------------------------------

def apply_location(rsc: Resource, loc: Location, nodes: list[NodeScore] | None = None) -> None:
    """pcmk__apply_location (primitives; collectives recurse)."""
    if rsc.variant == Variant.GROUP:
        _apply_location_one(rsc, loc, loc.nodes)
        reset = rsc.group_colocated
        use = loc.nodes
        for member in rsc.children:
            apply_location(member, loc, use)
            if reset:
                reset = False
                use = [NodeScore(ns.node, 0, ns.fixed, ns.count, ns.discover) for ns in loc.nodes]
        return
    if rsc.variant == Variant.CLONE:
        _apply_location_one(rsc, loc, nodes if nodes is not None else loc.nodes)
        for child in rsc.children:
            apply_location(child, loc, nodes)
        return
    _apply_location_one(rsc, loc, nodes if nodes is not None else loc.nodes)


_DISCOVER_RANK = {"always": 0, "never": 1, "exclusive": 2}


def _apply_location_one(rsc: Resource, loc: Location, nodes: list[NodeScore]) -> None:
    if loc.role_filter > Role.UNKNOWN and loc.role_filter != rsc.next_role:
        return
    for ns in nodes:
        wn = rsc.allowed_nodes.get(ns.node.id)
        if wn is None:
            wn = ns.copy()
            rsc.allowed_nodes[ns.node.id] = wn
        else:
            wn.weight = add_scores(wn.weight, ns.weight)
        if ns.weight <= -INFINITY:
            rsc.reject(ns.node, f"location constraint {loc.id}")
        if _DISCOVER_RANK[wn.discover] < _DISCOVER_RANK[loc.discover_mode]:
            if loc.discover_mode == "exclusive":
                rsc.exclusive_discover = True
            wn.discover = loc.discover_mode


def _apply_shutdown_lock(cl: Cluster, rsc: Resource) -> None:
    """shutdown-lock: a resource stopped by a clean shutdown stays with its node."""
    from .actions import clear_resource_history
    from .clock import epoch
    from .unpack import resource_location
    if rsc.variant == Variant.CLONE:
        return  # clones are never locked
    if rsc.children:
        for c in rsc.children:
            _apply_shutdown_lock(cl, c)
        return
    if (rsc.xml.get("class") or "stonith") == "stonith" or rsc.is_remote_node:
        return
    if rsc.lock_node is not None:
        if rsc.running_on:
            # started elsewhere although locked: leave it be, forget the lock
            clear_resource_history(cl, rsc, rsc.lock_node)
            rsc.lock_node = None
            rsc.lock_time = 0
    elif len(rsc.running_on) == 1:
        node = rsc.running_on[0]
        if node.shutdown and not node.unclean:
            rsc.lock_node = node
            try:
                when = int(node.attrs.get("shutdown") or 0)
            except ValueError:
                when = 0
            rsc.lock_time = when or epoch(cl)
    if rsc.lock_node is None:
        return
    if cl.shutdown_lock_limit > 0:
        expires = rsc.lock_time + cl.shutdown_lock_limit + 1
        if cl.recheck_by == 0 or expires < cl.recheck_by:
            cl.recheck_by = expires
    for node in cl.nodes:
        if node.uname != rsc.lock_node.uname:
            resource_location(cl, rsc, node, -INFINITY, "shutdown-lock")


def apply_node_criteria(cl: Cluster) -> None:
    from .unpack import resource_location
    from .history import get_failcount
    if cl.shutdown_lock:
        for r in cl.resources:
            _apply_shutdown_lock(cl, r)
    for loc in reversed(cl.locations):
        apply_location(loc.rsc, loc)

    def stickiness(rsc: Resource) -> None:
        if rsc.children:
            for c in rsc.children:
                stickiness(c)
            return
        if not rsc.has(R_MANAGED) or rsc.stickiness < 1 or len(rsc.running_on) != 1:
            return
        node = rsc.running_on[0]
        if not cl.symmetric and node.id not in rsc.allowed_nodes:
            return
        resource_location(cl, rsc, node, rsc.stickiness, "stickiness")
    for r in cl.resources:
        stickiness(r)

    def threshold(rsc: Resource, node: Node) -> None:
        if rsc.children:
            for c in rsc.children:
                threshold(c, node)
            return
        if any(a.task == "clear_failcount" and a.node is node for a in rsc.actions):
            return
        if rsc.migration_threshold == 0 or rsc.has(R_FAILURE_IGNORED):
            return
        fc = get_failcount(cl, node, rsc, True)
        for filler in rsc.fillers:
            fc += get_failcount(cl, node, filler, True)
        if fc <= 0:
            return
        ban = rsc if rsc.has(R_UNIQUE) else rsc.top
        if rsc.migration_threshold - fc <= 0:
            resource_location(cl, ban, node, -INFINITY, "__fail_limit__")

    def exclusive(rsc: Resource, node: Node) -> None:
        if rsc.exclusive_discover or rsc.top.exclusive_discover:
            for c in rsc.children:
                exclusive(c, node)
            m = rsc.allowed_nodes.get(node.id)
            if m is not None and m.discover != "exclusive":
                m.weight = -INFINITY
    for node in cl.nodes:
        for r in cl.resources:
            threshold(r, node)
            exclusive(r, node)


# --- node ordering --------------------------------------------------------------------------

def _cmp_nodes(cl: Cluster, active: Node | None):
    def cmp(a: NodeScore, b: NodeScore) -> int:
        w1 = a.weight if node_available(a.node) else -INFINITY
        w2 = b.weight if node_available(b.node) else -INFINITY
        if w1 != w2:
            return -1 if w1 > w2 else 1
        strategy = cl.placement_strategy
        if strategy != "minimal":
            if strategy == "balanced":
                from .utilization import compare_capacities
                r = compare_capacities(a.node, b.node)
                if r:
                    return -1 if r < 0 else 1
            if a.node.num_resources != b.node.num_resources:
                return -1 if a.node.num_resources < b.node.num_resources else 1
            if active is not None:
                if active is a.node:
                    return -1
                if active is b.node:
                    return 1
        return (a.node.uname > b.node.uname) - (a.node.uname < b.node.uname)
    return cmp


def sort_nodes(cl: Cluster, nodes: list[NodeScore], active: Node | None) -> list[NodeScore]:
    return sorted(nodes, key=functools.cmp_to_key(_cmp_nodes(cl, active)))


# --- assignment ------------------------------------------------------------------------------

def unassign(rsc: Resource) -> None:
    old = rsc.allocated_to
    if old is None:
        return
    rsc.set(R_PROVISIONAL)
    rsc.allocated_to = None
    if rsc in old.node.allocated_rsc:
        old.node.allocated_rsc.remove(rsc)
    old.node.num_resources -= 1
    if rsc.utilization and rsc.cluster is not None and rsc.cluster.placement_strategy != "default":
        from .utilization import release
        release(old.node, rsc)


def finalize_assignment(cl: Cluster, rsc: Resource, chosen: NodeScore | None, force: bool) -> bool:
    if not force and chosen is not None:
        if chosen.weight < 0 or (not node_available(chosen.node, chosen.weight, True)
                                 and not chosen.node.is_guest):
            rsc.set_next_role(Role.STOPPED, "node availability")
            chosen = None
    unassign(rsc)
    rsc.clear(R_PROVISIONAL)
    if chosen is None:
        rsc.set_next_role(Role.STOPPED, "unable to allocate")
        for op in rsc.actions:
            if op.task == "stop":
                op.clear(A_OPTIONAL)
            elif op.task == "start":
                op.clear(A_RUNNABLE)
            else:
                if op.interval_ms and op.meta.get("op_target_rc") != "7":
                    op.clear(A_RUNNABLE)
        return False
    rsc.allocated_to = NodeScore(chosen.node, chosen.weight, chosen.fixed, chosen.count)
    chosen.node.allocated_rsc.insert(0, rsc)
    chosen.node.num_resources += 1
    chosen.count += 1
    if rsc.utilization and cl.placement_strategy != "default":
        from .utilization import consume
        consume(chosen.node, rsc)
    return True


def _assign_best_node(cl: Cluster, rsc: Resource, prefer: Node | None) -> bool:
    if cl.placement_strategy != "default" and rsc.utilization:
        from .utilization import ban_insufficient_capacity
        most_free = ban_insufficient_capacity(cl, rsc)
        if prefer is None:
            prefer = most_free
    if not rsc.has(R_PROVISIONAL):
        return rsc.allocated_to is not None
    nodes = sort_nodes(cl, list(rsc.allowed_nodes.values()), rsc.current_node()) \
        if rsc.allowed_nodes else []
    best = nodes[0] if nodes else None
    chosen = None
    if prefer is not None and nodes:
        chosen = rsc.allowed_nodes.get(prefer.id)
        if chosen is None:
            pass
        elif chosen.weight < best.weight:
            chosen = None
        elif not node_available(chosen.node, chosen.weight, True):
            chosen = None
    if chosen is None and best is not None:
        chosen = best
        parent = rsc.parent
        unique_clone_parent = parent is not None and parent.variant == Variant.CLONE and parent.has(R_UNIQUE)
        if not unique_clone_parent and chosen.weight > 0 and node_available(chosen.node):
            running = rsc.current_node()
            if running is None:
                pass
            elif not node_available(running, running.weight, True):
                pass
            else:
                for other in nodes[1:]:
                    if other.weight != chosen.weight:
                        break
                    if other.node is running:
                        chosen = other
    return finalize_assignment(cl, rsc, chosen, False)


def has_influence(c: Colocation, rsc: Resource | None = None) -> bool:
    if rsc is None:
        rsc = c.primary
    return c.influence or not rsc.running_on


def assign(cl: Cluster, rsc: Resource, prefer: Node | None = None) -> Node | None:
    if rsc.variant == Variant.PRIMITIVE:
        return assign_primitive(cl, rsc, prefer)
    if rsc.variant == Variant.GROUP:
        return assign_group(cl, rsc, prefer)
    if rsc.variant == Variant.CLONE:
        from .clone import assign_clone
        return assign_clone(cl, rsc, prefer)
    return None


def assign_primitive(cl: Cluster, rsc: Resource, prefer: Node | None) -> Node | None:
    if rsc.parent is not None and not rsc.parent.has(R_ALLOCATING):
        assign(cl, rsc.parent, prefer)
    if not rsc.has(R_PROVISIONAL):
        return rsc.allocated_to.node if rsc.allocated_to else None
    if rsc.has(R_ALLOCATING):
        return None
    rsc.set(R_ALLOCATING)
    for c in list(rsc.rsc_cons):
        _apply_this_with(cl, rsc, c)
    for c in list(rsc.rsc_cons_lhs):
        if not has_influence(c):
            continue
        rsc.allowed_nodes = add_colocated_node_scores(cl, c.dependent, rsc.id, rsc.allowed_nodes,
                                                      c.node_attribute, c.score / INFINITY,
                                                      SELECT_ACTIVE)
    if rsc.next_role == Role.STOPPED:
        from .unpack import resource_location
        resource_location(cl, rsc, None, -INFINITY, "target-role")
    elif rsc.next_role > rsc.role and not cl.have_quorum and cl.no_quorum_policy == "freeze":
        rsc.set_next_role(rsc.role, "no-quorum-policy=freeze")
    show_scores(cl, rsc, "pcmk__primitive_assign")
    if cl.stonith_enabled and not cl.have_stonith_resource:
        rsc.clear(R_MANAGED)
    if not rsc.has(R_MANAGED):
        rsc.set_next_role(rsc.role, "unmanaged")
        cur = rsc.current_node()
        ns = None
        if cur is not None:
            ns = rsc.allowed_nodes.get(cur.id) or NodeScore(cur, cur.weight)
        finalize_assignment(cl, rsc, ns, True)
    elif cl.stop_everything:
        finalize_assignment(cl, rsc, None, True)
    elif rsc.has(R_PROVISIONAL):
        _assign_best_node(cl, rsc, prefer)
    rsc.clear(R_ALLOCATING)
    if rsc.is_remote_node:
        node = cl.find_node(rsc.id)
        if node is not None:
            if rsc.allocated_to is not None and rsc.next_role != Role.STOPPED:
                node.online = True
                if node.unseen:
                    node.unclean = False
            else:
                node.shutdown = True
    return rsc.allocated_to.node if rsc.allocated_to else None


def _apply_this_with(cl: Cluster, rsc: Resource, c: Colocation) -> None:
    archive = None
    if c.dependent_role >= Role.PROMOTED or (-INFINITY < c.score < 0):
        archive = {k: v.copy() for k, v in rsc.allowed_nodes.items()}
    assign(cl, c.primary, None)
    apply_coloc_score(cl, rsc, c.primary, c, True)
    if archive is not None and not any_node_available(rsc.allowed_nodes):
        rsc.allowed_nodes = archive


def any_node_available(table: dict[str, NodeScore]) -> bool:
    return any(node_available(ns.node, ns.weight, True) for ns in table.values())


# --- colocation scores ----------------------------------------------------------------------

AFFECTS_NOTHING, AFFECTS_LOCATION, AFFECTS_ROLE = 0, 1, 2
SELECT_DEFAULT, SELECT_THIS_WITH, SELECT_NONNEGATIVE, SELECT_ACTIVE = 0, 1, 2, 4


def colocation_affects(dependent: Resource, primary: Resource, c: Colocation, preview: bool) -> int:
    if not preview and primary.has(R_PROVISIONAL):
        return AFFECTS_NOTHING
    if c.dependent_role >= Role.UNPROMOTED and dependent.parent is not None \
            and dependent.parent.has(R_PROMOTABLE) and not dependent.has(R_PROVISIONAL):
        return AFFECTS_ROLE
    if not preview and not dependent.has(R_PROVISIONAL):
        return AFFECTS_NOTHING
    if c.score > 0 and c.dependent_role != Role.UNKNOWN and c.dependent_role != dependent.next_role:
        return AFFECTS_NOTHING
    if c.score > 0 and c.primary_role != Role.UNKNOWN and c.primary_role != primary.next_role:
        return AFFECTS_NOTHING
    if c.score < 0 and c.dependent_role != Role.UNKNOWN and c.dependent_role == dependent.next_role:
        return AFFECTS_NOTHING
    if c.score < 0 and c.primary_role != Role.UNKNOWN and c.primary_role == primary.next_role:
        return AFFECTS_NOTHING
    return AFFECTS_LOCATION


def _attr(node: Node, attr: str) -> str | None:
    return node.attrs.get(attr)


def apply_coloc_to_weights(cl: Cluster, dependent: Resource, primary: Resource, c: Colocation) -> None:
    attribute = c.node_attribute or "#id"
    value = None
    if primary.allocated_to is not None:
        value = _attr(primary.allocated_to.node, attribute)
    elif c.score < 0:
        return
    work = {k: v.copy() for k, v in dependent.allowed_nodes.items()}
    for ns in work.values():
        if primary.allocated_to is None:
            ns.weight = add_scores(-c.score, ns.weight)
            if c.score >= INFINITY:
                dependent.reject(ns.node, f"colocation {c.id} with inactive {primary.id}")
        else:
            nv = _attr(ns.node, attribute)
            if nv is not None and value is not None and nv.lower() == value.lower():
                if c.score < INFINITY:
                    ns.weight = add_scores(c.score, ns.weight)
                    if c.score <= -INFINITY:
                        dependent.reject(ns.node, f"anti-colocation {c.id} with {primary.id}")
            elif (nv is None and value is None):
                if c.score < INFINITY:
                    ns.weight = add_scores(c.score, ns.weight)
            elif c.score >= INFINITY:
                ns.weight = add_scores(-c.score, ns.weight)
                dependent.reject(ns.node, f"colocation {c.id} with {primary.id}")
    if c.score <= -INFINITY or c.score >= INFINITY or any_node_available(work):
        dependent.allowed_nodes = work


def apply_coloc_to_priority(dependent: Resource, primary: Resource, c: Colocation) -> None:
    if primary.allocated_to is None or dependent.allocated_to is None:
        return
    attribute = c.node_attribute or "#id"
    dv = _attr(dependent.allocated_to.node, attribute)
    pv = _attr(primary.allocated_to.node, attribute)
    if (dv or "").lower() != (pv or "").lower() or (dv is None) != (pv is None):
        if c.score == INFINITY and c.dependent_role == Role.PROMOTED:
            dependent.priority = -INFINITY
        return
    if c.primary_role != Role.UNKNOWN and c.primary_role != primary.next_role:
        return
    mult = -1 if c.dependent_role == Role.UNPROMOTED else 1
    dependent.priority = add_scores(mult * c.score, dependent.priority)


def apply_coloc_score(cl: Cluster, dependent: Resource, primary: Resource, c: Colocation,
                      for_dependent: bool) -> None:
    """The variant apply_coloc_score method table."""
    if for_dependent:
        if dependent.variant == Variant.GROUP:
            if not dependent.children:
                return
            if dependent.group_colocated:
                m = dependent.children[0]
                apply_coloc_score(cl, m, primary, c, True)
                return
            if c.score >= INFINITY:
                return
            for m in dependent.children:
                apply_coloc_score(cl, m, primary, c, True)
            return
        if dependent.variant == Variant.CLONE:
            from .clone import clone_apply_coloc_for_dependent
            clone_apply_coloc_for_dependent(cl, dependent, primary, c)
            return
        # primitive: process on behalf of the primary's variant
        apply_coloc_score(cl, dependent, primary, c, False)
        return
    if primary.variant == Variant.GROUP:
        if primary.has(R_PROVISIONAL):
            return
        if primary.group_colocated:
            if c.score >= INFINITY:
                m = primary.children[-1] if primary.children else None
            else:
                m = primary.children[0] if primary.children else None
            if m is None:
                return
            apply_coloc_score(cl, dependent, m, c, False)
            return
        if c.score >= INFINITY:
            return
        for m in primary.children:
            apply_coloc_score(cl, dependent, m, c, False)
        return
    if primary.variant == Variant.CLONE:
        from .clone import clone_apply_coloc_as_primary
        clone_apply_coloc_as_primary(cl, dependent, primary, c)
        return
    affects = colocation_affects(dependent, primary, c, False)
    if affects == AFFECTS_ROLE:
        apply_coloc_to_priority(dependent, primary, c)
    elif affects == AFFECTS_LOCATION:
        apply_coloc_to_weights(cl, dependent, primary, c)


def _best_score_matching(rsc: Resource, attr: str, value: str | None) -> int:
    best = -INFINITY
    for ns in rsc.allowed_nodes.values():
        nv = ns.node.attrs.get(attr)
        if ns.weight > best and node_available(ns.node) and \
                ((nv is None and value is None) or (nv is not None and value is not None
                                                   and nv.lower() == value.lower())):
            best = ns.weight
    return best


def _add_scores_matching(nodes: dict[str, NodeScore], rsc: Resource, attr: str | None,
                         factor: float, only_positive: bool) -> None:
    attr = attr or "#uname"
    for ns in nodes.values():
        score = _best_score_matching(rsc, attr, ns.node.attrs.get(attr))
        if factor < 0 and score < 0:
            continue
        if ns.weight == INFINITY_HACK:
            continue
        wf = factor * score
        weight = int(wf - 0.5) if wf < 0 else int(wf + 0.5)
        if weight == 0 and score != 0:
            if factor > 0:
                weight = 1
            elif factor < 0:
                weight = -1
        new = add_scores(weight, ns.weight)
        if only_positive and new < 0 and ns.weight > 0:
            ns.weight = INFINITY_HACK
            continue
        if only_positive and new < 0 and ns.weight == 0:
            continue
        ns.weight = new


def add_colocated_node_scores(cl: Cluster, rsc: Resource, log_id: str,
                              nodes: dict[str, NodeScore] | None, attr: str | None,
                              factor: float, flags: int) -> dict[str, NodeScore] | None:
    """pcmk__add_colocated_node_scores: fold rsc's (and its colocations') preferences in."""
    if rsc.has(R_MERGING):
        return nodes
    rsc.set(R_MERGING)
    if rsc.variant == Variant.GROUP:
        if not rsc.children:
            rsc.clear(R_MERGING)
            return nodes
        member = rsc.children[-1] if nodes is None else rsc.children[0]
        work = {k: v.copy() for k, v in nodes.items()} if nodes is not None else None
        work = add_colocated_node_scores(cl, member, log_id, work, attr, factor, flags)
    else:
        if nodes is None:
            work = {k: v.copy() for k, v in rsc.allowed_nodes.items()}
        else:
            work = {k: v.copy() for k, v in nodes.items()}
            _add_scores_matching(work, rsc, attr, factor, bool(flags & SELECT_NONNEGATIVE))
    if work is None:
        rsc.clear(R_MERGING)
        return nodes
    if any_node_available(work):
        mult = -1.0 if factor < 0 else 1.0
        if flags & SELECT_THIS_WITH:
            cons = rsc.rsc_cons
        elif rsc.variant == Variant.GROUP:
            cons = rsc.children[-1].rsc_cons_lhs
        else:
            cons = rsc.rsc_cons_lhs
        for c in list(cons):
            if flags & SELECT_THIS_WITH:
                other = c.primary
            elif not has_influence(c):
                continue
            else:
                other = c.dependent
            f = mult * c.score / INFINITY
            work = add_colocated_node_scores(cl, other, log_id, work, c.node_attribute, f,
                                             flags | SELECT_ACTIVE)
    elif flags & SELECT_ACTIVE:
        rsc.clear(R_MERGING)
        return nodes
    if flags & SELECT_NONNEGATIVE:
        for ns in work.values():
            if ns.weight == INFINITY_HACK:
                ns.weight = 1
    rsc.clear(R_MERGING)
    return work


# --- groups ---------------------------------------------------------------------------------

def expand_group_colocations(rsc: Resource) -> None:
    from .constraints import add_this_with, add_with_this
    if not rsc.children:
        return
    member = rsc.children[0]
    for c in rsc.rsc_cons:
        add_this_with(member, c)
    any_unmanaged = not member.has(R_MANAGED)
    for member in rsc.children[1:]:
        if any_unmanaged:
            for c in rsc.rsc_cons:
                if c.score == INFINITY:
                    add_this_with(member, c)
        elif not member.has(R_MANAGED):
            any_unmanaged = True
    rsc.rsc_cons = []
    last = rsc.children[-1]
    for c in rsc.rsc_cons_lhs:
        add_with_this(last, c)
    rsc.rsc_cons_lhs = []


def assign_group(cl: Cluster, rsc: Resource, prefer: Node | None) -> Node | None:
    if not rsc.has(R_PROVISIONAL):
        return rsc.allocated_to.node if rsc.allocated_to else None
    if rsc.has(R_ALLOCATING):
        return None
    if not rsc.children:
        rsc.clear(R_PROVISIONAL)
        return None
    rsc.set(R_ALLOCATING)
    first = rsc.children[0]
    rsc.role = first.role
    expand_group_colocations(rsc)
    show_scores(cl, rsc, "pcmk__group_assign")
    first_node = None
    for member in rsc.children:
        node = assign(cl, member, prefer)
        if first_node is None:
            first_node = node
    rsc.set_next_role(first.next_role, "first group member")
    rsc.clear(R_ALLOCATING | R_PROVISIONAL)
    if not rsc.group_colocated:
        return None
    return first_node


def assign_all(cl: Cluster) -> None:
    if cl.placement_strategy != "default":
        from .utilization import sort_resources
        sort_resources(cl)
    if cl.have_remote_nodes:
        for rsc in cl.resources:
            if rsc.is_remote_node:
                assign(cl, rsc, rsc.partial_migration_target)
    for rsc in cl.resources:
        if not rsc.is_remote_node:
            assign(cl, rsc, None)


_ = numeric_strcasecmp, R_FAILED
