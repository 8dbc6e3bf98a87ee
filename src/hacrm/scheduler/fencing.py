"""Fencing and shutdown stage: fence unclean nodes, shut down nodes that asked to leave, and
make stops on a fenced node implied by its fencing."""

from __future__ import annotations

from .actions import custom_action, fence_op, find_first_action, order_actions, rsc_actions
from .cluster import Cluster
from .constraints import new_ordering
from .model import (A_OPTIONAL, A_PSEUDO, A_RUNNABLE, O_IMPLIES_THEN, O_OPTIONAL, O_PRESERVE,
                    O_RUNNABLE_LEFT, R_BLOCK, R_MAINTENANCE, R_MANAGED, R_NEEDS_FENCING,
                    Action, Node, Resource, Variant)


def _known_on(rsc: Resource, node: Node) -> bool:
    if node.id in rsc.known_on:
        return True
    p = rsc.parent
    return rsc.variant == Variant.PRIMITIVE and p is not None and p.variant == Variant.CLONE \
        and not p.has(1 << 5) and node.id in p.known_on


def _order_start(cl: Cluster, rsc: Resource, op: Action) -> None:
    target = op.node
    for a in reversed(list(rsc.actions)):
        if a.needs == "fencing":
            order_actions(op, a, O_OPTIONAL)
        elif a.needs == "quorum":
            if a.task == "start" and target.id in rsc.allowed_nodes and not _known_on(rsc, target):
                order_actions(op, a, O_OPTIONAL | O_RUNNABLE_LEFT)


def _order_stop(cl: Cluster, rsc: Resource, op: Action) -> None:
    target = op.node
    stops = rsc_actions(rsc, target, "stop", False)
    implicit = rsc.has(R_NEEDS_FENCING) or target.is_guest
    parent_stop = find_first_action(rsc.top.actions, None, "stop", None) if (stops and implicit) else None
    for a in stops:
        a.set(A_PSEUDO | A_RUNNABLE)
        if implicit:
            order_actions(op, a, O_PRESERVE)
            order_actions(op, parent_stop, O_PRESERVE)
        if rsc.has(1 << 4):
            from .notifications import order_notifs_after_fencing
            order_notifs_after_fencing(cl, a, rsc, op)
    for a in rsc_actions(rsc, target, "demote", False):
        if not a.node.online or a.node.unclean or rsc.has(1 << 16):
            a.set(A_PSEUDO | A_RUNNABLE)
            if implicit:
                order_actions(op, a, O_PRESERVE | O_OPTIONAL)


def order_vs_fence(cl: Cluster, op: Action) -> None:
    def visit(rsc: Resource) -> None:
        if rsc.children:
            for c in rsc.children:
                visit(c)
        elif rsc.has(R_MANAGED):
            _order_start(cl, rsc, op)
            _order_stop(cl, rsc, op)
    for r in cl.resources:
        visit(r)


def fence_guest(cl: Cluster, node: Node) -> None:
    container = node.remote_rsc.container
    stop = None
    fence_action = "off"
    if container is not None:
        stop = find_first_action(container.actions, None, "stop", None)
        if find_first_action(container.actions, None, "start", None) is not None:
            fence_action = "reboot"
    op = fence_op(cl, node, fence_action, False, "guest is unclean", False)
    op.set(A_PSEUDO | A_RUNNABLE)
    if stop is not None and stop.has(A_PSEUDO):
        parent = fence_op(cl, stop.node, None, False, None, False)
        order_actions(parent, op, O_RUNNABLE_LEFT | O_IMPLIES_THEN)
    elif stop is not None:
        order_actions(stop, op, O_RUNNABLE_LEFT | O_IMPLIES_THEN)
    else:
        stop = find_first_action(node.remote_rsc.actions, None, "stop", None)
        if stop is not None:
            order_actions(stop, op, O_OPTIONAL)
    order_vs_fence(cl, op)


def new_shutdown_action(cl: Cluster, node: Node) -> Action:
    op = custom_action(cl, None, f"do_shutdown-{node.uname}", "do_shutdown", node, False, True)
    for a in reversed(list(cl.actions)):
        if a.rsc is None or a.node is not node or a.task != "stop":
            continue
        if a.rsc.has(R_MAINTENANCE) or node.maintenance:
            continue
        if not (a.rsc.has(R_MANAGED) or a.rsc.has(R_BLOCK)):
            continue
        a.clear(A_OPTIONAL)
        new_ordering(cl, a.rsc, None, a, None, "do_shutdown", op, O_OPTIONAL | O_RUNNABLE_LEFT)
    op.meta["op_no_wait"] = "true"
    return op


def _is_managed(rsc: Resource) -> bool:
    return rsc.has(R_MANAGED) or any(_is_managed(c) for c in rsc.children)


def schedule_fencing_and_shutdowns(cl: Cluster) -> None:
    dc_down = None
    have_managed = any(_is_managed(r) for r in cl.resources)
    fencing_ops: list[Action] = []
    shutdown_ops: list[Action] = []
    for node in cl.nodes:
        fencing = None
        if node.is_guest:
            if node.remote_requires_reset and have_managed and cl.can_fence(node):
                fence_guest(cl, node)
            continue
        if have_managed and node.unclean and cl.can_fence(node):
            fencing = fence_op(cl, node, None, False, "node is unclean", False)
            order_vs_fence(cl, fencing)
            if node.is_dc:
                dc_down = fencing
            else:
                if not cl.concurrent_fencing and fencing_ops:
                    order_actions(fencing_ops[0], fencing, O_OPTIONAL)
                fencing_ops.insert(0, fencing)
        elif node.online and node.shutdown and node.type != "remote":
            down = new_shutdown_action(cl, node)
            if node.is_dc:
                dc_down = down
            else:
                shutdown_ops.insert(0, down)
    if dc_down is not None:
        if dc_down.task == "do_shutdown":
            for s in shutdown_ops:
                order_actions(s, dc_down, O_OPTIONAL)
        if cl.concurrent_fencing:
            for f in fencing_ops:
                order_actions(f, dc_down, O_OPTIONAL)
        elif fencing_ops:
            order_actions(fencing_ops[0], dc_down, O_OPTIONAL)
