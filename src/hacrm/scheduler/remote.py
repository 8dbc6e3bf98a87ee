"""Remote and guest nodes: actions on a Pacemaker Remote node wait for its connection
resource (and, for guests, the container), and recovering or stopping the connection is
ordered with everything running there."""

from __future__ import annotations

import enum

from .cluster import Cluster
from .constraints import new_ordering
from .model import (A_PSEUDO, Action, Node, O_IMPLIES_FIRST, O_IMPLIES_THEN, O_NONE, O_OPTIONAL,
                    O_PRESERVE, O_RUNNABLE_LEFT, R_FAILED, Resource, Role)


class ConnState(enum.IntEnum):
    UNKNOWN = 0
    ALIVE = 1
    RESTING = 2
    FAILED = 3
    STOPPED = 4


def _start_then(cl: Cluster, first: Resource, then: Action, extra: int) -> None:
    new_ordering(cl, first, f"{first.id}_start_0", None, then.rsc, None, then,
                 O_PRESERVE | O_RUNNABLE_LEFT | extra)


def _then_stop(cl: Cluster, first: Action, then: Resource, extra: int) -> None:
    new_ordering(cl, first.rsc, None, first, then, f"{then.id}_stop_0", None, O_PRESERVE | extra)


def node_state(node: Node) -> ConnState:
    from .history import shutdown_requested
    remote = node.remote_rsc
    cluster_node = remote.current_node()
    if remote.next_role == Role.STOPPED or remote.allocated_to is None:
        if cluster_node is not None and cluster_node.unclean:
            return ConnState.FAILED
        if not remote.has(R_FAILED):
            return ConnState.STOPPED
        if remote.next_role == Role.STOPPED and remote.remote_reconnect_ms \
                and node.remote_was_fenced and not shutdown_requested(node):
            return ConnState.UNKNOWN
        return ConnState.FAILED
    if cluster_node is None:
        return ConnState.UNKNOWN
    if cluster_node.unclean or not cluster_node.online:
        return ConnState.RESTING
    if len(remote.running_on) > 1 and remote.partial_migration_source is not None \
            and remote.partial_migration_target is not None:
        return ConnState.RESTING
    return ConnState.ALIVE


def is_failed_remote_node(node: Node) -> bool:
    return node.is_remote_only and node.remote_rsc is not None \
        and node_state(node) == ConnState.FAILED


def _remote_ordering(cl: Cluster, action: Action) -> None:
    from .history import fence_node
    remote = action.node.remote_rsc
    state = node_state(action.node)
    task = action.task
    if task in ("migrate_to", "migrate_from"):
        task = "stop"
    if task in ("start", "promote"):
        _start_then(cl, remote, action, O_IMPLIES_THEN if state == ConnState.FAILED else O_NONE)
    elif task == "stop":
        if state == ConnState.ALIVE:
            _then_stop(cl, action, remote, O_IMPLIES_FIRST)
        elif state == ConnState.FAILED:
            fence_node(cl, action.node, "resources are active but connection is unrecoverable",
                       False)
        elif remote.next_role == Role.STOPPED:
            _then_stop(cl, action, remote, O_IMPLIES_FIRST)
        else:
            _start_then(cl, remote, action, O_NONE)
    elif task == "demote":
        if state in (ConnState.RESTING, ConnState.UNKNOWN):
            _start_then(cl, remote, action, O_NONE)
    else:
        if action.interval_ms > 0:
            _start_then(cl, remote, action, O_IMPLIES_THEN)
        else:
            cluster_node = remote.current_node()
            if task == "monitor" and state == ConnState.FAILED:
                fence_node(cl, action.node, "resources are in unknown state and connection is "
                           "unrecoverable", False)
            if cluster_node is not None and state == ConnState.STOPPED:
                _then_stop(cl, action, remote, O_RUNNABLE_LEFT)
            else:
                _start_then(cl, remote, action, O_NONE)


def _container_ordering(cl: Cluster, action: Action) -> None:
    from .history import fence_node
    remote = action.node.remote_rsc
    container = remote.container
    if container.has(R_FAILED):
        fence_node(cl, action.node, "container failed", False)
    task = action.task
    if task in ("migrate_to", "migrate_from"):
        task = "stop"
    if task in ("start", "promote"):
        _start_then(cl, container, action, O_IMPLIES_THEN)
        _start_then(cl, remote, action, O_NONE)
    elif task in ("stop", "demote"):
        if not container.has(R_FAILED):
            _then_stop(cl, action, remote, O_NONE)
    else:
        if action.interval_ms > 0:
            _start_then(cl, remote, action, O_IMPLIES_THEN)
        else:
            _start_then(cl, remote, action, O_NONE)


def order_remote_connection_actions(cl: Cluster) -> None:
    """pcmk__order_remote_connection_actions."""
    if not cl.have_remote_nodes:
        return
    for action in reversed(list(cl.actions)):
        rsc = action.rsc
        if rsc is None:
            continue
        if rsc.is_remote_node and action.task == "clear_failcount":
            new_ordering(cl, rsc, None, action, rsc, f"{rsc.id}_start_0", None, O_OPTIONAL)
            continue
        node = action.node
        if node is None or node.type != "remote" or action.has(A_PSEUDO):
            continue
        remote = node.remote_rsc
        if remote is None:
            continue
        if action.task == "start":
            for other in reversed(list(rsc.actions)):
                if other.node is not None and other.node is not node and other.task == "stop":
                    new_ordering(cl, remote, f"{remote.id}_start_0", None, rsc, None, other,
                                 O_OPTIONAL)
        if remote.container is not None:
            _container_ordering(cl, action)
        else:
            _remote_ordering(cl, action)


def corresponds_to_guest(rsc: Resource | None, node: Node | None) -> bool:
    return rsc is not None and bool(rsc.fillers) and node is not None \
        and node.remote_rsc is not None and node.remote_rsc.container is rsc


def disable_invalid_orderings(cl: Cluster) -> None:
    """pcmk__disable_invalid_orderings: no ordering between a guest's container and actions on
    that guest (they could never both happen)."""
    for action in cl.actions:
        for w in action.actions_before:
            if not (w.type & O_PRESERVE) and w.action.rsc is not None \
                    and corresponds_to_guest(action.rsc, w.action.node):
                w.type = O_NONE
