"""Utilization-aware placement (placement-strategy utilization, minimal, balanced): node
capacities consumed by assigned resources, bans on nodes without room, and the load_stopped
orderings that let resources leave a node before others arrive."""

from __future__ import annotations

import functools
import re

from .cluster import Cluster
from .model import (INFINITY, Node, NodeScore, O_LOAD, R_PROVISIONAL, Resource, Variant,
                    node_available)


def _value(s: str | None) -> int:
    if s is None:
        return 0
    m = re.match(r"^\s*([+-]?\d+)", s)
    return int(m.group(1)) if m else 0


def compare_capacities(node1: Node, node2: Node) -> int:
    """pcmk__compare_node_capacities: negative when node1 has more free capacity."""
    result = 0
    for key, value in node1.utilization.items():
        c1, c2 = _value(value), _value(node2.utilization.get(key))
        if c1 > c2:
            result -= 1
        elif c1 < c2:
            result += 1
    for key, value in node2.utilization.items():
        if key in node1.utilization:
            continue
        c2 = _value(value)
        if 0 > c2:
            result -= 1
        elif 0 < c2:
            result += 1
    return result


def consume(node: Node, rsc: Resource) -> None:
    for key, value in rsc.utilization.items():
        cur = node.utilization.get(key)
        node.utilization[key] = str(_value(cur) - _value(value)) if cur is not None else "0"


def release(node: Node, rsc: Resource) -> None:
    for key, value in rsc.utilization.items():
        node.utilization[key] = str(_value(node.utilization.get(key)) + _value(value))


def _enough(node: Node, utilization: dict[str, str]) -> bool:
    return all(_value(v) <= _value(node.utilization.get(k)) for k, v in utilization.items())


def _add_utilization(rsc: Resource, orig: Resource, all_rscs: list[Resource],
                     total: dict[str, str]) -> None:
    if not rsc.has(R_PROVISIONAL):
        return
    if rsc.variant == Variant.PRIMITIVE:
        for key, value in rsc.utilization.items():
            total[key] = str(_value(total.get(key)) + _value(value))
        return
    if rsc.variant == Variant.GROUP:
        if rsc.group_colocated or (rsc.parent is not None and rsc.parent.variant == Variant.CLONE):
            for m in rsc.children:
                if m.has(R_PROVISIONAL) and m not in all_rscs:
                    _add_utilization(m, orig, all_rscs, total)
        elif rsc.children:
            m = rsc.children[0]
            if m.has(R_PROVISIONAL) and m not in all_rscs:
                _add_utilization(m, orig, all_rscs, total)
        return
    existing = False
    for child in rsc.children:
        if child in all_rscs:
            existing = True
        else:
            for member in child.children:
                if member in all_rscs:
                    _add_utilization(child, orig, all_rscs, total)
                    existing = True
                    break
    if not existing and rsc.children:
        _add_utilization(rsc.children[0], orig, all_rscs, total)


def colocated_resources(rsc: Resource, orig: Resource | None, found: list[Resource]) -> list[Resource]:
    from .placement import AFFECTS_LOCATION, colocation_affects
    if orig is None:
        orig = rsc
    if rsc.variant == Variant.GROUP:
        if rsc.group_colocated or (rsc.parent is not None and rsc.parent.variant == Variant.CLONE):
            for m in rsc.children:
                found = colocated_resources(m, orig, found)
        elif rsc.children:
            found = colocated_resources(rsc.children[0], orig, found)
    if rsc in found:
        return found
    found.append(rsc)
    for c in list(rsc.rsc_cons):
        if c.primary is orig:
            continue
        if c.score == INFINITY and colocation_affects(rsc, c.primary, c, True) == AFFECTS_LOCATION:
            found = colocated_resources(c.primary, orig, found)
    for c in list(rsc.rsc_cons_lhs):
        if c.dependent is orig:
            continue
        if rsc.variant == Variant.CLONE and c.dependent.variant != Variant.CLONE:
            continue
        if c.score == INFINITY and colocation_affects(c.dependent, rsc, c, True) == AFFECTS_LOCATION:
            found = colocated_resources(c.dependent, orig, found)
    return found


def ban_insufficient_capacity(cl: Cluster, rsc: Resource) -> Node | None:
    from .unpack import resource_location
    if cl.placement_strategy == "default":
        return None
    rscs = colocated_resources(rsc, None, [])
    if not rscs:
        return None
    if rsc not in rscs:
        rscs.append(rsc)
    total: dict[str, str] = {}
    for r in rscs:
        _add_utilization(r, rsc, rscs, total)
    any_capable = False
    most: Node | None = None
    for ns in rsc.allowed_nodes.values():
        if not node_available(ns.node, ns.weight, True):
            continue
        if _enough(ns.node, total):
            any_capable = True
        if most is None or compare_capacities(ns.node, most) < 0:
            most = ns.node
    if any_capable:
        for ns in list(rsc.allowed_nodes.values()):
            if node_available(ns.node, ns.weight, True) and not _enough(ns.node, total):
                resource_location(cl, rsc, ns.node, -INFINITY, "__limit_utilization__")
        most = None
    else:
        for ns in list(rsc.allowed_nodes.values()):
            if node_available(ns.node, ns.weight, True) and not _enough(ns.node, rsc.utilization):
                resource_location(cl, rsc, ns.node, -INFINITY, "__limit_utilization__")
    return most


def _load_stopped(cl: Cluster, node: Node):
    op = cl.get_pseudo_op(f"load_stopped_{node.uname}")
    if op.node is None:
        op.node = node
        from .model import A_OPTIONAL
        op.clear(A_OPTIONAL)
    return op


def create_utilization_constraints(cl: Cluster, rsc: Resource, allowed: list[NodeScore]) -> None:
    from .constraints import new_ordering
    for node in rsc.running_on:
        ls = _load_stopped(cl, node)
        new_ordering(cl, rsc, f"{rsc.id}_stop_0", None, None, None, ls, O_LOAD)
    for ns in allowed:
        ls = _load_stopped(cl, ns.node)
        new_ordering(cl, None, None, ls, rsc, f"{rsc.id}_start_0", None, O_LOAD)
        new_ordering(cl, None, None, ls, rsc, f"{rsc.id}_migrate_to_0", None, O_LOAD)


def sort_resources(cl: Cluster) -> None:
    from .placement import SELECT_THIS_WITH, add_colocated_node_scores, sort_nodes
    nodes = [n.node for n in sort_nodes(cl, [NodeScore(n, n.weight) for n in cl.nodes], None)]
    cache: dict[int, dict[str, NodeScore]] = {}

    def scores(r: Resource) -> dict[str, NodeScore]:
        if id(r) not in cache:
            cache[id(r)] = add_colocated_node_scores(cl, r, r.id, None, None, 1.0,
                                                     SELECT_THIS_WITH) or {}
        return cache[id(r)]

    def weight(node: Node | None, table: dict[str, NodeScore]) -> int:
        if node is None or node.id not in table:
            return -INFINITY
        return table[node.id].weight

    def cmp(a: Resource, b: Resource) -> int:
        if a.priority != b.priority:
            return -1 if a.priority > b.priority else 1
        t1, t2 = scores(a), scores(b)
        n1 = a.current_node() if a.running_on else None
        n2 = b.current_node() if b.running_on else None
        w1, w2 = weight(n1, t1), weight(n2, t2)
        if w1 != w2:
            return -1 if w1 > w2 else 1
        for node in nodes:
            w1, w2 = weight(node, t1), weight(node, t2)
            if w1 != w2:
                return -1 if w1 > w2 else 1
        return 0
    cl.resources.sort(key=functools.cmp_to_key(cmp))
