"""Probes: a one-off monitor of each resource on each node where its state is unknown, and the
orderings that make every other action wait for the probes."""

from __future__ import annotations

from .actions import custom_action, order_actions, rsc_actions
from .cluster import Cluster
from .constraints import new_ordering
from .model import (A_OPTIONAL, A_PSEUDO, A_RUNNABLE, A_TRACKING, Action, Node, O_ANTI_COLOCATION,
                    O_APPLY_FIRST_NON_MIGRATABLE, O_IMPLIES_THEN, O_LOAD, O_NONE, O_OPTIONAL,
                    O_RUNNABLE_LEFT, O_SAME_NODE, R_FENCE_DEVICE, R_ORPHAN, Resource, Role,
                    Variant)
from .primitive import order_vs_unfence


def probe_resource_list(cl: Cluster, rscs: list[Resource], node: Node) -> bool:
    created = False
    for r in list(rscs):
        if create_probe(cl, r, node):
            created = True
    return created


def create_probe(cl: Cluster, rsc: Resource, node: Node) -> bool:
    if rsc.variant == Variant.CLONE:
        from .clone import clone_create_probe
        return clone_create_probe(cl, rsc, node)
    return probe_rsc_on_node(cl, rsc, node)


def probe_rsc_on_node(cl: Cluster, rsc: Resource, node: Node) -> bool:
    top = rsc.top
    if not cl.startup_probes:
        return False
    if node.type == "remote":
        if (rsc.xml.get("class") or "") == "stonith":
            return False
        if node.is_guest and _contains_guest_node(cl, rsc):
            return False
        if rsc.is_remote_node:
            return False
    if rsc.children:
        return probe_resource_list(cl, rsc.children, node)
    if rsc.container is not None and not rsc.is_remote_node:
        return False
    if rsc.has(R_ORPHAN):
        return False
    if node.id in rsc.known_on:
        return False
    allowed = rsc.allowed_nodes.get(node.id)
    if rsc.exclusive_discover or top.exclusive_discover:
        if allowed is None or allowed.discover != "exclusive":
            return False
    discover = allowed.discover if allowed is not None else "always"
    if discover == "never":
        return False
    if node.is_guest:
        guest = node.remote_rsc.container
        if guest.role == Role.STOPPED:
            if guest.allocated_to is not None and guest.allocated_to.node.id not in guest.known_on:
                new_ordering(cl, guest, f"{guest.id}_monitor_0", None, top,
                             f"{top.id}_start_0", None, O_OPTIONAL)
            return False
        if _guest_will_stop(node):
            new_ordering(cl, guest, f"{guest.id}_stop_0", None, top, f"{top.id}_start_0", None,
                         O_OPTIONAL)
            return False
    probe = custom_action(cl, rsc, f"{rsc.id}_monitor_0", "monitor", node, False, True)
    probe.clear(A_OPTIONAL)

    order_vs_unfence(cl, rsc, node, probe, O_OPTIONAL)
    if node not in rsc.running_on:
        probe.meta["op_target_rc"] = "7"
    elif rsc.role == Role.PROMOTED:
        probe.meta["op_target_rc"] = "8"
    if (rsc.has(R_FENCE_DEVICE) and cl.enable_unfencing) or top.variant != Variant.CLONE:
        top = rsc
    flags = O_OPTIONAL
    if not probe.has(A_RUNNABLE) and not rsc.running_on:
        flags |= O_RUNNABLE_LEFT
    new_ordering(cl, rsc, None, probe, top, f"{top.id}_start_0", None, flags)
    new_ordering(cl, rsc, None, probe, top, f"{rsc.id}_reload-agent_0", None, O_OPTIONAL)
    return True


def _contains_guest_node(cl: Cluster, rsc: Resource) -> bool:
    for r in rsc.walk():
        for f in r.fillers:
            if f.is_remote_node:
                return True
    return False


def _guest_will_stop(node: Node) -> bool:
    g = node.remote_rsc.container
    return node.remote_requires_reset or node.unclean or g.has(1 << 16) \
        or g.next_role == Role.STOPPED or (g.role > Role.STOPPED and g.allocated_to is not None
                                           and g.allocated_to.node not in g.running_on)


def schedule_probes(cl: Cluster) -> None:
    from .history import fence_node
    for node in cl.nodes:
        if not node.online:
            from .remote import is_failed_remote_node
            if is_failed_remote_node(node):
                fence_node(cl, node, "the connection is unrecoverable", False)
            continue
        if node.unclean or not node.rsc_discovery_enabled:
            continue
        probed = node.attrs.get("probe_complete")
        if probed is not None and probed.strip().lower() not in ("true", "on", "yes", "y", "1"):
            a = custom_action(cl, None, f"probe_again-{node.uname}", "probe_again", node,
                              False, True)
            a.meta["op_no_wait"] = "true"
            continue
        probe_resource_list(cl, cl.resources, node)


def _needed_before(probe: Action, then: Action) -> bool:
    if then.task == "stonith" and probe.node is not None and then.node is probe.node \
            and then.meta.get("stonith_action") == "on":
        return False
    if then.task == "do_shutdown" and probe.node is not None and then.node is not None \
            and probe.node is not then.node:
        return False
    return True


def _probe_orderings_for_stops(cl: Cluster) -> None:
    for order in cl.orderings:
        if order.flags == O_NONE:
            continue
        if order.first_rsc is None or order.first_rsc is order.then_rsc:
            continue
        if (order.first_action is None and order.first_task is None) or \
                (order.then_action is None and order.then_task is None):
            continue
        if order.first_action is not None and order.first_action.task != "stop":
            continue
        if order.first_action is None and not order.first_task.endswith("_stop_0"):
            continue
        if order.then_rsc is not None and order.first_rsc.container is order.then_rsc:
            if order.then_action is not None and order.then_action.task == "stop":
                continue
            if order.then_action is None and order.then_task.endswith("_stop_0"):
                continue
        flags = O_OPTIONAL
        if order.flags & O_APPLY_FIRST_NON_MIGRATABLE:
            flags |= O_APPLY_FIRST_NON_MIGRATABLE
        if order.flags & O_SAME_NODE:
            flags |= O_SAME_NODE
        if order.flags in (O_ANTI_COLOCATION, O_LOAD):
            flags = order.flags
        probes = rsc_actions(order.first_rsc, None, "monitor", False)
        if not probes:
            continue
        if order.then_action is not None:
            thens = [order.then_action]
        elif order.then_rsc is not None:
            from .actions import find_actions, rsc_action_index
            thens = find_actions(rsc_action_index(order.then_rsc).get(order.then_task, []),
                                 order.then_task, None)
            if not thens:
                continue
        else:
            thens = []
        for p in probes:
            for t in thens:
                if _needed_before(p, t):
                    order_actions(p, t, flags)


def _restart_orderings_for_probe(cl: Cluster, probe: Action, after: Action) -> None:
    from .clone import find_compatible_child
    if after is None or probe is None or probe.rsc is None or \
            probe.rsc.variant != Variant.PRIMITIVE or probe.task != "monitor":
        return
    if after.has(A_TRACKING):
        return
    after.set(A_TRACKING)
    cl.tracking.append(after)  # type: ignore[attr-defined]
    if after.rsc is not None and after.rsc.variant == Variant.PRIMITIVE and probe.rsc is not after.rsc:
        thens = []
        if after.task == "start":
            thens = rsc_actions(after.rsc, None, "stop", False)
        elif after.task == "promote":
            thens = rsc_actions(after.rsc, None, "demote", False)
        for t in thens:
            if not t.has(A_PSEUDO):
                order_actions(probe, t, O_OPTIONAL)
    interleave = False
    compatible = None
    if after.rsc is not None and after.rsc.variant > Variant.GROUP:
        interleave = (after.rsc.meta.get("interleave") or "").lower() in ("true", "yes", "1", "on")
        if interleave:
            compatible = find_compatible_child(cl, probe.rsc, after.rsc, Role.UNKNOWN, False)
    for w in reversed(list(after.actions_after)):
        if not (w.type & O_IMPLIES_THEN):
            if after.rsc is None or after.rsc.variant < Variant.GROUP \
                    or probe.rsc.parent is after.rsc or w.action.rsc is None \
                    or w.action.rsc.variant > Variant.GROUP \
                    or after.rsc is not w.action.rsc.parent:
                continue
            if after.rsc.variant > Variant.GROUP and interleave and \
                    (compatible is None or compatible is not w.action.rsc):
                continue
        _restart_orderings_for_probe(cl, probe, w.action)


def _restart_orderings_for_rsc(cl: Cluster, rsc: Resource) -> None:
    if rsc.variant != Variant.PRIMITIVE:
        for c in rsc.children:
            _restart_orderings_for_rsc(cl, c)
        return
    for probe in rsc_actions(rsc, None, "monitor", False):
        for w in reversed(list(probe.actions_after)):
            _restart_orderings_for_probe(cl, probe, w.action)
            for a in cl.tracking:  # type: ignore[attr-defined]
                a.clear(A_TRACKING)
            cl.tracking = []  # type: ignore[attr-defined]


def order_probes(cl: Cluster) -> None:
    cl.tracking = []  # type: ignore[attr-defined]
    for r in cl.resources:
        _restart_orderings_for_rsc(cl, r)
    _probe_orderings_for_stops(cl)


_ = O_IMPLIES_THEN
