"""Unpack stage, status half: node states and each resource's operation history.

From ``node_state`` entries this decides which nodes are online, unclean, standby or shutting
down; from ``lrm_rsc_op`` entries, each resource's current role, where it runs, what failed, and
which failures still count.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .cluster import Cluster, is_true
from .model import (INFINITY, Fail, Node, R_ALLOW_MIGRATE, R_BLOCK, R_FAILED,
                    R_FAILURE_IGNORED, R_MANAGED, R_NEEDS_FENCING, R_ORPHAN,
                    R_ORPHAN_CONTAINER_FILLER, R_PROMOTABLE, R_START_PENDING, R_STOP, R_UNIQUE,
                    Recovery, Resource, Role, Variant, add_scores, parse_score, text_to_role)

# executor status codes
EXEC_PENDING, EXEC_DONE, EXEC_CANCELLED, EXEC_TIMEOUT, EXEC_NOT_SUPPORTED, EXEC_ERROR = range(-1, 5)
EXEC_ERROR_HARD, EXEC_ERROR_FATAL, EXEC_NOT_INSTALLED, EXEC_NOT_CONNECTED, EXEC_INVALID = 5, 6, 7, 8, 9
EXEC_NO_FENCE_DEVICE, EXEC_NO_SECRETS = 10, 11

OCF_OK, OCF_UNKNOWN_ERROR, OCF_INVALID_PARAM, OCF_UNIMPLEMENT_FEATURE = 0, 1, 2, 3
OCF_INSUFFICIENT_PRIV, OCF_NOT_INSTALLED, OCF_NOT_CONFIGURED, OCF_NOT_RUNNING = 4, 5, 6, 7
OCF_RUNNING_PROMOTED, OCF_FAILED_PROMOTED, OCF_DEGRADED, OCF_DEGRADED_PROMOTED = 8, 9, 190, 191

OCF_EXIT_TEXT = {
    0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature",
    4: "insufficient privileges", 5: "not installed", 6: "not configured", 7: "not running",
    8: "promoted", 9: "promoted (failed)", 190: "OCF_DEGRADED", 191: "OCF_DEGRADED_PROMOTED",
}
#: an operation's execution status (``op-status``) as Pacemaker's tools name it
EXEC_STATUS_TEXT = {
    -1: "pending", 0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED",
    4: "Error", 5: "Hard error", 6: "Fatal error", 7: "Not installed",
    8: "Internal communication failure", 9: "Cannot execute now", 10: "No fence device",
    11: "CIB secrets unavailable",
}


def _int(value: str | None, default: int = 0) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        m = re.match(r"^\s*([+-]?\d+)", value)
        return int(m.group(1)) if m else default


# --- node states ----------------------------------------------------------------------------

def unpack_status(cl: Cluster, status: Any) -> None:
    from .unpack import add_node_attrs
    if status is None:
        status_children: list[Any] = []
    else:
        status_children = [c for c in status if isinstance(c.tag, str)]
    for state in status_children:
        if state.tag == "tickets":
            unpack_tickets(cl, state)
        elif state.tag == "node_state":
            _unpack_node_state(cl, state, add_node_attrs)
    while _unpack_node_histories(cl, status_children, False):
        pass
    _unpack_node_histories(cl, status_children, cl.stonith_enabled)
    if cl.stop_needed:
        from .actions import stop_action
        for container in cl.stop_needed:
            node = container.current_node()
            if node is not None:
                stop_action(cl, container, node, False)
        cl.stop_needed = []
    for node in cl.nodes:
        if node.type != "remote":
            continue
        if node.shutdown and node.remote_rsc is not None:
            node.remote_rsc.set_next_role(Role.STOPPED, "remote shutdown")
        if not node.unpacked:
            determine_remote_online_status(cl, node)


def unpack_tickets(cl: Cluster, xml: Any) -> None:
    for ts in xml:
        if ts.tag != "ticket_state" or not ts.get("id"):
            continue
        t = cl.tickets.setdefault(ts.get("id"), {"id": ts.get("id"), "granted": False,
                                                  "standby": False, "last-granted": None})
        for k, v in ts.attrib.items():
            if k == "granted":
                t["granted"] = is_true(v)
            elif k == "standby":
                t["standby"] = is_true(v)
            elif k != "id":
                t[k] = v


def _unpack_node_state(cl: Cluster, state: Any, add_node_attrs) -> None:
    nid, uname = state.get("id"), state.get("uname")
    if nid is None or uname is None:
        return
    node = cl.find_node_any(nid, uname)
    if node is None:
        return
    if node.type == "remote":
        node.remote_was_fenced = _int(state.get("node_fenced"))
        return
    attrs = _child(state, "transient_attributes")
    add_node_attrs(cl, attrs, node, True)
    if is_true(node.attrs.get("standby")):
        node.standby = True
    if is_true(node.attrs.get("maintenance")):
        node.maintenance = True
    node.unclean = False
    node.unseen = False
    determine_online_status(cl, state, node)
    if not cl.have_quorum and node.online and cl.no_quorum_policy == "suicide":
        fence_node(cl, node, "cluster does not have quorum", False)


def _child(xml: Any, tag: str) -> Any:
    if xml is None:
        return None
    for c in xml:
        if c.tag == tag:
            return c
    return None


def shutdown_requested(node: Node) -> bool:
    v = node.attrs.get("shutdown")
    return v is not None and v != "0" and v != ""


def determine_online_status(cl: Cluster, state: Any, node: Node) -> None:
    exp_state = state.get("expected")
    node.shutdown = False
    node.expected_up = False
    if shutdown_requested(node):
        node.shutdown = True
    elif (exp_state or "").lower() == "member":
        node.expected_up = True
    if node.type == "ping":
        node.unclean = False
        online = False
    elif not cl.stonith_enabled:
        online = _online_no_fencing(cl, state, node)
    else:
        online = _online_fencing(cl, state, node)
    if online:
        node.online = True
    else:
        node.fixed = True
        node.weight = -INFINITY
    if online and node.shutdown:
        node.fixed = True
        node.weight = -INFINITY


def _online_no_fencing(cl: Cluster, state: Any, node: Node) -> bool:
    join = state.get("join")
    is_peer = state.get("crmd")
    in_cluster = state.get("in_ccm")
    if not is_true(in_cluster):
        return False
    if (is_peer or "").lower() == "online":
        return (join or "").lower() == "member"
    if not node.expected_up:
        return False
    fence_node(cl, node, "peer is unexpectedly down", False)
    return False


def _online_fencing(cl: Cluster, state: Any, node: Node) -> bool:
    join = (state.get("join") or "").lower()
    is_peer = state.get("crmd")
    in_cluster = state.get("in_ccm")
    exp_state = (state.get("expected") or "down").lower()
    terminate = node.attrs.get("terminate")
    do_terminate = is_true(terminate) or (bool(terminate) and terminate[0] != "0"
                                           and terminate[0].isdigit())
    online = is_true(in_cluster)
    crmd_online = (is_peer or "").lower() == "online"
    if node.shutdown:
        online = crmd_online
    elif in_cluster is None:
        fence_node(cl, node, "peer has not been seen by the cluster", False)
    elif join == "banned":
        fence_node(cl, node, "peer failed Pacemaker membership criteria", False)
    elif not do_terminate and exp_state == "down":
        if is_true(in_cluster) or crmd_online:
            node.standby = True
            node.pending = True
    elif do_terminate and join == "down" and not is_true(in_cluster) and not crmd_online:
        online = False
    elif not is_true(in_cluster):
        fence_node(cl, node, "peer is no longer part of the cluster", True)
    elif not crmd_online:
        fence_node(cl, node, "peer process is no longer available", False)
    elif do_terminate:
        fence_node(cl, node, "termination was requested", False)
    elif join == "member":
        pass
    elif join in ("pending", "down"):
        node.standby = True
        node.pending = True
    else:
        fence_node(cl, node, "peer was in an unknown state", False)
    return online


def determine_remote_online_status(cl: Cluster, node: Node) -> None:
    rsc = node.remote_rsc
    if rsc is None:
        node.online = False
        return
    container = rsc.container
    host = rsc.running_on[0] if (container is not None and len(rsc.running_on) == 1) else None
    if rsc.role == Role.STARTED:
        node.online = True
    if rsc.role == Role.STARTED and rsc.next_role == Role.STOPPED:
        node.shutdown = True
    if container is not None and container.has(R_FAILED):
        node.online = False
        node.remote_requires_reset = True
    elif rsc.has(R_FAILED):
        node.online = False
    elif rsc.role == Role.STOPPED or (container is not None and container.role == Role.STOPPED):
        node.online = False
        node.remote_requires_reset = False
    elif host is not None and not host.online and host.unclean:
        node.online = False
        node.remote_requires_reset = True


def fence_node(cl: Cluster, node: Node, reason: str, priority_delay: bool) -> None:
    """pe_fence_node: mark a node unclean and (for cluster/remote nodes) create its fencing."""
    from .actions import fence_op
    if node.is_guest:
        rsc = node.remote_rsc.container
        if not rsc.has(R_FAILED):
            if rsc.has(R_MANAGED):
                node.remote_requires_reset = True
                rsc.set(R_FAILED | R_STOP)
    elif (node.type == "remote" and node.remote_rsc is not None
          and node.remote_rsc.container is None
          and node.remote_rsc.has(R_ORPHAN_CONTAINER_FILLER)):
        node.remote_rsc.set(R_FAILED | R_STOP)
    elif node.type == "remote":
        rsc = node.remote_rsc
        if rsc is not None and not rsc.has(R_MANAGED):
            pass
        elif not node.remote_requires_reset:
            node.remote_requires_reset = True
        node.unclean = True
        fence_op(cl, node, None, True, reason, False)
    elif node.unclean:
        pass
    else:
        node.unclean = True
        fence_op(cl, node, None, True, reason, priority_delay)


# --- resource histories -----------------------------------------------------------------------

def _unpack_node_histories(cl: Cluster, states: list[Any], fence: bool) -> bool:
    again = False
    for state in states:
        if state.tag != "node_state":
            continue
        nid, uname = state.get("id"), state.get("uname")
        if nid is None or uname is None:
            continue
        node = cl.find_node_any(nid, uname)
        if node is None or node.unpacked:
            continue
        if fence:
            pass
        elif node.is_guest:
            rsc = node.remote_rsc
            if rsc is None or rsc.role != Role.STARTED or rsc.container.role != Role.STARTED:
                continue
        elif node.type == "remote":
            rsc = node.remote_rsc
            if rsc is None or (not cl.shutdown_lock and rsc.role != Role.STARTED):
                continue
        elif not (cl.stonith_enabled or cl.shutdown_lock) and not node.online:
            continue
        if node.type == "remote":
            determine_remote_online_status(cl, node)
            _unpack_remote_attrs(cl, node, state)
        node.unpacked = True
        _unpack_node_lrm(cl, node, state)
        again = True
    return again


def _unpack_remote_attrs(cl: Cluster, node: Node, state: Any) -> None:
    from .unpack import add_node_attrs
    node.remote_maintenance = bool(_int(state.get("node_in_maintenance")))
    rsc = node.remote_rsc
    if not node.remote_requires_reset:
        node.unclean = False
        node.unseen = False
    add_node_attrs(cl, _child(state, "transient_attributes"), node, True)
    if shutdown_requested(node):
        node.shutdown = True
    if is_true(node.attrs.get("standby")):
        node.standby = True
    if is_true(node.attrs.get("maintenance")) or (rsc is not None and not rsc.has(R_MANAGED)):
        node.maintenance = True
    disc = node.attrs.get("resource-discovery-enabled")
    if disc is not None and not is_true(disc):
        if node.is_remote_only and not cl.stonith_enabled:
            pass
        else:
            node.rsc_discovery_enabled = False


def _unpack_node_lrm(cl: Cluster, node: Node, state: Any) -> None:
    lrm = _child(_child(state, "lrm"), "lrm_resources")
    if lrm is None:
        return
    found_filler = False
    for entry in lrm:
        if entry.tag != "lrm_resource":
            continue
        rsc = unpack_lrm_resource(cl, node, entry)
        if rsc is not None and rsc.has(R_ORPHAN_CONTAINER_FILLER):
            found_filler = True
    if found_filler:
        for entry in lrm:
            if entry.tag != "lrm_resource":
                continue
            cid, rid = entry.get("container"), entry.get("id")
            if not cid or not rid:
                continue
            container = cl.find_resource(cid)
            rsc = cl.find_resource(rid)
            if container is None or rsc is None or not rsc.has(R_ORPHAN_CONTAINER_FILLER) \
                    or rsc.container is not None:
                continue
            rsc.container = container
            container.fillers.append(rsc)


def _transition_key(op: Any) -> tuple[int, int, int, str] | None:
    key = op.get("transition-key")
    if not key:
        return None
    parts = key.split(":")
    if len(parts) < 4:
        return None
    try:
        return int(parts[0]), int(parts[1]), int(parts[2]), parts[3]
    except ValueError:
        return None


def target_rc_of(op: Any) -> int:
    tk = _transition_key(op)
    if tk is None:
        return -1 if op.get("transition-key") is None else 0
    return tk[2]


def _magic(op: Any) -> tuple[str | None, int]:
    magic = op.get("transition-magic")
    if not magic or ";" not in magic:
        return None, -1
    rest = magic.split(";", 1)[1]
    parts = rest.split(":")
    if len(parts) < 4:
        return None, -1
    try:
        return parts[3], int(parts[1])   # action:transition:target-rc:uuid
    except ValueError:
        return None, -1


def is_newer_op(a: Any, b: Any, same_node_default: bool) -> int:
    """pe__is_newer_op: compare two history entries by call id (or time, or transition)."""
    a_node, b_node = a.get("on_node"), b.get("on_node")
    if a_node is None or b_node is None:
        same_node = same_node_default
    else:
        same_node = a_node.lower() == b_node.lower()
    if same_node and a.get("id") == b.get("id"):
        return 0
    a_call = _int(a.get("call-id"), -1)
    b_call = _int(b.get("call-id"), -1)
    if a_call == -1 and b_call == -1:
        return 0
    if same_node and 0 <= a_call < b_call:
        return -1
    if same_node and b_call >= 0 and a_call > b_call:
        return 1
    if a_call >= 0 and b_call >= 0 and (not same_node or a_call == b_call):
        la = _int(a.get("last-rc-change"), -1)
        lb = _int(b.get("last-rc-change"), -1)
        if 0 <= la < lb:
            return -1
        if lb >= 0 and la > lb:
            return 1
        return 0
    a_uuid, a_id = _magic(a)
    b_uuid, b_id = _magic(b)
    if a_uuid is None or b_uuid is None:
        return 0
    if a_uuid != b_uuid or a_id == b_id:
        if b_call == -1:
            return -1
        if a_call == -1:
            return 1
    elif (a_id >= 0 and a_id < b_id) or b_id == -1:
        return -1
    elif (b_id >= 0 and a_id > b_id) or a_id == -1:
        return 1
    return 0


def sort_ops(ops: list[Any]) -> list[Any]:
    ordered = list(reversed(ops))
    ordered.sort(key=functools.cmp_to_key(lambda x, y: is_newer_op(x, y, True)))
    return ordered


def calculate_active_ops(ops: list[Any]) -> tuple[int, int]:
    start_index = stop_index = -1
    implied_monitor_start = implied_clone_start = -1
    for counter, op in enumerate(ops):
        task = op.get("operation")
        status = op.get("op-status")
        if task == "stop" and status == "0":
            stop_index = counter
        elif task in ("start", "migrate_from"):
            start_index = counter
        elif implied_monitor_start <= stop_index and task == "monitor":
            if op.get("rc-code") in ("0", "8"):
                implied_monitor_start = counter
        elif task in ("promote", "demote"):
            implied_clone_start = counter
    if start_index == -1:
        if implied_clone_start != -1:
            start_index = implied_clone_start
        elif implied_monitor_start != -1:
            start_index = implied_monitor_start
    return start_index, stop_index


def base_name(rid: str) -> str:
    """clone_strip: drop a trailing ":N" instance number."""
    m = re.match(r"^(.*?)(:\d+)$", rid)
    return m.group(1) if m else rid


def unpack_find_resource(cl: Cluster, node: Node, rid: str) -> Resource | None:
    rsc = cl.find_resource(rid)
    parent = None
    if rsc is None:
        zero = base_name(rid) + ":0"
        clone0 = cl.find_resource(zero)
        if clone0 is not None and not clone0.has(R_UNIQUE):
            rsc = clone0
            parent = clone0.top
    elif rsc.variant != Variant.PRIMITIVE:
        return None
    else:
        parent = rsc.top
    if parent is not None and parent.variant == Variant.CLONE and not parent.has(R_UNIQUE):
        rsc = find_anonymous_clone(cl, node, parent, base_name(rid))
    if rsc is not None and rid != rsc.id and rid != rsc.clone_name:
        rsc.clone_name = rid
    return rsc


def _find_in(rsc: Resource, base: str) -> Resource | None:
    for r in rsc.walk():
        if r.variant == Variant.PRIMITIVE and base_name(r.id) == base:
            return r
    return None


def _locations(rsc: Resource, current: int) -> list[Node]:
    out: list[Node] = []
    for r in rsc.walk():
        if r.children:
            continue
        nodes = list(r.running_on)
        if current == 2 and r.pending_node is not None and r.pending_node not in nodes:
            nodes.append(r.pending_node)
        for n in nodes:
            if n not in out:
                out.append(n)
    return out


def find_anonymous_clone(cl: Cluster, node: Node, parent: Resource, base: str) -> Resource:
    rsc = None
    inactive = None
    skip_inactive = False
    for child in parent.children:
        if rsc is not None:
            break
        locs = _locations(child, 2)
        if locs:
            if locs[0] is node:
                found = _find_in(child, base)
                if found is not None:
                    if found.running_on:
                        skip_inactive = True
                        rsc = None
                    else:
                        rsc = found
        else:
            if not skip_inactive and inactive is None and not child.has(R_BLOCK):
                inactive = _find_in(child, base)
                if inactive is not None and inactive.pending_node is not None \
                        and inactive.pending_node is not node:
                    inactive = None
    if rsc is None and not skip_inactive and inactive is not None:
        rsc = inactive
    if rsc is not None and not rsc.has(R_NEEDS_FENCING) and (not node.online or node.unclean) \
            and not node.is_guest and not _is_universal_clone(cl, parent):
        rsc = None
    if rsc is None:
        from .unpack import create_clone_child
        top = create_clone_child(cl, parent)
        rsc = _find_in(top, base)
        for r in top.walk():
            r.set(R_ORPHAN)
    return rsc


def _is_universal_clone(cl: Cluster, rsc: Resource) -> bool:
    if rsc.variant != Variant.CLONE:
        return False
    if rsc.clone_max >= len(cl.nodes):
        return True
    return False


def create_orphan(cl: Cluster, entry: Any, node: Node) -> Resource | None:
    from lxml import etree
    from .unpack import resource_location, unpack_resource
    xml = etree.Element("primitive")
    for k in ("class", "provider", "type"):
        if entry.get(k) is not None:
            xml.set(k, entry.get(k))
    xml.set("id", entry.get("id"))
    rsc = unpack_resource(cl, xml, None)
    if rsc is None:
        return None
    if entry.get("container"):
        rsc.set(R_ORPHAN_CONTAINER_FILLER)
    rsc.set(R_ORPHAN)
    if rsc.is_remote_node:
        # an orphaned connection: its node is kept (shutting down) until it is stopped
        from .unpack import create_node, handle_startup_fencing
        rnode = cl.find_node(rsc.id)
        if rnode is None:
            rnode = create_node(cl, rsc.id, rsc.id, "remote", None)
        rnode.remote_rsc = rsc
        if rsc.container is None:
            handle_startup_fencing(cl, rnode)
        else:
            rnode.attrs["#kind"] = "container"
        rnode.shutdown = True
    cl.resources.append(rsc)
    cl.rsc_by_id.setdefault(rsc.id, rsc)
    if not cl.stop_orphans:
        rsc.clear(R_MANAGED)
    else:
        resource_location(cl, rsc, None, -INFINITY, "__orphan_do_not_run__")
    return rsc


def unpack_lrm_resource(cl: Cluster, node: Node, entry: Any) -> Resource | None:
    from .actions import op_failure_handling
    rid = entry.get("id")
    if rid is None:
        return None
    ops = [o for o in entry if o.tag == "lrm_rsc_op"]
    if not cl.shutdown_lock and not ops:
        return None
    rsc = unpack_find_resource(cl, node, rid)
    if rsc is None:
        if not ops:
            return None
        rsc = create_orphan(cl, entry, node)
        if rsc is None:
            return None
    if cl.shutdown_lock:
        lock = entry.get("shutdown-lock")
        if lock and _int(lock):
            from .clock import epoch
            if cl.shutdown_lock_limit > 0 and epoch(cl) > _int(lock) + cl.shutdown_lock_limit:
                from .actions import clear_resource_history
                clear_resource_history(cl, rsc, node)
            else:
                rsc.lock_node = node
                rsc.lock_time = _int(lock)
    saved_role = rsc.role
    rsc.role = Role.UNKNOWN
    sorted_ops = sort_ops(ops)
    state = {"on_fail": Fail.IGNORE, "last_failure": None}
    migrate_op = None
    for op in sorted_ops:
        if op.get("operation") == "migrate_from":
            migrate_op = op
        unpack_rsc_op(cl, rsc, node, op, state)
    start_index, stop_index = calculate_active_ops(sorted_ops)
    _process_recurring(cl, node, rsc, start_index, stop_index, sorted_ops)
    _process_rsc_state(cl, rsc, node, state["on_fail"])
    req = get_target_role(rsc)
    if req is not None:
        if rsc.next_role == Role.UNKNOWN or req < rsc.next_role:
            rsc.set_next_role(req, "target-role")
    if saved_role > rsc.role:
        rsc.role = saved_role
    return rsc


def get_target_role(rsc: Resource) -> Role | None:
    value = rsc.meta.get("target-role")
    if value is None or value.lower() in ("started", "default"):
        return None
    role = text_to_role(value)
    if role == Role.UNKNOWN:
        return None
    if role > Role.STARTED:
        if rsc.top.has(R_PROMOTABLE):
            if role > Role.UNPROMOTED:
                return None
        else:
            return None
    return role


def _process_recurring(cl: Cluster, node: Node, rsc: Resource, start_index: int,
                       stop_index: int, ops: list[Any]) -> None:
    from .actions import custom_action
    from .intervals import parse_interval_ms
    for counter, op in enumerate(ops):
        if not node.online:
            break
        if start_index < stop_index and counter <= stop_index:
            continue
        if counter < start_index:
            continue
        interval = _int(op.get("interval"))
        if interval == 0:
            continue
        if op.get("op-status") == "-1":
            continue
        task = op.get("operation")
        custom_action(cl, rsc, f"{rsc.id}_{task}_{interval}", task, node, True, True)


def set_active(rsc: Resource) -> None:
    rsc.role = Role.UNPROMOTED if rsc.top.has(R_PROMOTABLE) else Role.STARTED


def _op_key(op: Any) -> str:
    return op.get("operation_key") or op.get("id")


def is_probe(op: Any) -> bool:
    return op.get("operation") == "monitor" and _int(op.get("interval")) == 0


def mask_probe_failure(op: Any) -> bool:
    """pcmk_xe_mask_probe_failure: a failed probe whose result means 'not running here'."""
    if not is_probe(op):
        return False
    status = _int(op.get("op-status"))
    rc = _int(op.get("rc-code"))
    return rc == OCF_NOT_INSTALLED or rc == OCF_NOT_CONFIGURED or status == EXEC_NOT_INSTALLED


def record_failed_op(cl: Cluster, op: Any, node: Node, rsc: Resource) -> None:
    if not node.online:
        return
    key = op.get("operation_key")
    for f in cl.failed_ops:
        if f[0].get("operation_key") == key and f[1] is node:
            return
    cl.failed_ops.append((op, node, rsc))


def unpack_rsc_op(cl: Cluster, rsc: Resource, node: Node, op: Any, state: dict) -> None:
    from .unpack import resource_location
    from .actions import op_failure_handling
    task = op.get("operation")
    if task is None or task in ("notify", "meta-data"):
        return
    target_rc = target_rc_of(op)
    task_key = _op_key(op)
    rc = _int(op.get("rc-code"))
    status = _int(op.get("op-status"))
    interval = _int(op.get("interval"))
    if status < EXEC_PENDING or status > EXEC_NO_SECRETS:
        return
    parent = rsc if rsc.has(R_UNIQUE) else rsc.top
    expired = False
    if status != EXEC_NOT_INSTALLED and check_operation_expiry(cl, rsc, node, rc, op):
        expired = True
    old_rc, old_target = rc, target_rc
    rc, status = _remap_operation(cl, op, rsc, node, state, target_rc, rc, status)
    maskable = mask_probe_failure(op)
    if expired and maskable and old_rc != old_target:
        if rsc.role <= Role.STOPPED:
            rsc.role = Role.UNKNOWN
        return
    if expired and rc != target_rc:
        if interval == 0:
            return
        if node.online and not node.unclean:
            op.set("op-restart-digest", "calculated-failure-timeout")
            return
    if maskable:
        _update_resource_state(cl, rsc, node, op, task, target_rc, state)
        record_failed_op(cl, op, node, rsc)
        resource_location(cl, parent, node, -INFINITY, "masked-probe-failure")
        return
    if status == EXEC_CANCELLED:
        return
    if status == EXEC_PENDING:
        if task == "start":
            rsc.set(R_START_PENDING)
            set_active(rsc)
        elif task == "promote":
            rsc.role = Role.PROMOTED
        elif task == "migrate_to" and node.unclean:
            target = cl.find_node(op.get("migrate_target"))
            if target is not None:
                from .actions import stop_action
                stop_action(cl, rsc, target, False)
        if rsc.pending_task is None:
            if interval != 0 or task != "monitor":
                rsc.pending_task = task
                rsc.pending_node = node
        return
    if status == EXEC_DONE:
        _update_resource_state(cl, rsc, node, op, task, rc, state)
        return
    if status == EXEC_NOT_INSTALLED:
        on_fail, _ = op_failure_handling(cl, rsc, task_key, task)
        if on_fail == Fail.IGNORE:
            state["on_fail"] = Fail.MIGRATE
        resource_location(cl, parent, node, -INFINITY, "hard-error")
        _unpack_rsc_op_failure(cl, rsc, node, rc, op, state)
        return
    if status == EXEC_NOT_CONNECTED:
        if node.type == "remote" and node.remote_rsc is not None \
                and node.remote_rsc.has(R_MANAGED):
            node.remote_rsc.set(R_FAILED | R_STOP)
    if status in (EXEC_NO_FENCE_DEVICE, EXEC_NO_SECRETS):
        status = EXEC_ERROR_HARD
    on_fail, _ = op_failure_handling(cl, rsc, task_key, task)
    if on_fail == Fail.IGNORE or (on_fail == Fail.RESTART_CONTAINER and task == "stop"):
        _update_resource_state(cl, rsc, node, op, task, target_rc, state)
        rsc.set(R_FAILURE_IGNORED)
        record_failed_op(cl, op, node, rsc)
        if on_fail == Fail.RESTART_CONTAINER and cmp_on_fail(state["on_fail"], Fail.RECOVER) <= 0:
            state["on_fail"] = on_fail
    else:
        _unpack_rsc_op_failure(cl, rsc, node, rc, op, state)
        if status == EXEC_ERROR_HARD:
            resource_location(cl, parent, node, -INFINITY, "hard-error")
        elif status == EXEC_ERROR_FATAL:
            resource_location(cl, parent, None, -INFINITY, "fatal-error")


def cmp_on_fail(first: Fail, second: Fail) -> int:
    special = (Fail.DEMOTE, Fail.RESET_REMOTE, Fail.RESTART_CONTAINER)
    if first == Fail.DEMOTE:
        if second == Fail.IGNORE:
            return 1
        if second == Fail.DEMOTE:
            return 0
        return -1
    if first == Fail.RESET_REMOTE:
        if second in (Fail.IGNORE, Fail.DEMOTE, Fail.RECOVER):
            return 1
        if second == Fail.RESET_REMOTE:
            return 0
        return -1
    if first == Fail.RESTART_CONTAINER:
        if second in (Fail.IGNORE, Fail.DEMOTE, Fail.RECOVER, Fail.RESET_REMOTE):
            return 1
        if second == Fail.RESTART_CONTAINER:
            return 0
        return -1
    if second == Fail.DEMOTE:
        return -1 if first == Fail.IGNORE else 1
    if second == Fail.RESET_REMOTE:
        return -1 if first in (Fail.IGNORE, Fail.DEMOTE, Fail.RECOVER) else 1
    if second == Fail.RESTART_CONTAINER:
        return -1 if first in (Fail.IGNORE, Fail.DEMOTE, Fail.RECOVER, Fail.RESET_REMOTE) else 1
    del special
    return _legacy_rank(first) - _legacy_rank(second)


def _legacy_rank(f: Fail) -> int:
    """The enum order Pacemaker compares plain on-fail values by."""
    return {Fail.IGNORE: 0, Fail.DEMOTE: 1, Fail.RECOVER: 2, Fail.MIGRATE: 3, Fail.BLOCK: 4,
            Fail.STOP: 5, Fail.STANDBY: 6, Fail.FENCE: 7, Fail.RESTART_CONTAINER: 8,
            Fail.RESET_REMOTE: 9}[f]


def _remap_operation(cl: Cluster, op: Any, rsc: Resource, node: Node, state: dict,
                     target_rc: int, rc: int, status: int) -> tuple[int, int]:
    task = op.get("operation")
    if task == "monitor":
        remapped = OCF_OK if rc == OCF_DEGRADED else (OCF_RUNNING_PROMOTED if rc == OCF_DEGRADED_PROMOTED else rc)
        if rc != remapped:
            if not node.shutdown or node.online:
                record_failed_op(cl, op, node, rsc)
            rc = remapped
    if mask_probe_failure(op):
        status = EXEC_DONE
        rc = OCF_NOT_RUNNING
    if status not in (EXEC_DONE, EXEC_ERROR):
        return rc, status
    status = EXEC_DONE
    probe = is_probe(op)
    if target_rc < 0:
        status = EXEC_ERROR
    elif target_rc != rc:
        status = EXEC_ERROR
    if rc == OCF_OK:
        if probe and target_rc == OCF_NOT_RUNNING:
            status = EXEC_DONE
    elif rc == OCF_NOT_RUNNING:
        if probe or target_rc == rc or not rsc.has(R_MANAGED):
            status = EXEC_DONE
            rsc.role = Role.STOPPED
            state["on_fail"] = Fail.IGNORE
            rsc.set_next_role(Role.UNKNOWN, "not running")
    elif rc == OCF_RUNNING_PROMOTED:
        if probe and rc != target_rc:
            status = EXEC_DONE
        rsc.role = Role.PROMOTED
    elif rc in (OCF_DEGRADED_PROMOTED, OCF_FAILED_PROMOTED):
        rsc.role = Role.PROMOTED
        status = EXEC_ERROR
    elif rc == OCF_NOT_CONFIGURED:
        status = EXEC_ERROR_FATAL
    elif rc == OCF_UNIMPLEMENT_FEATURE:
        if _int(op.get("interval")) == 0:
            _check_recoverable(cl, rsc, node, task)
            status = EXEC_ERROR_HARD
        else:
            status = EXEC_NOT_SUPPORTED
    elif rc in (OCF_NOT_INSTALLED, OCF_INVALID_PARAM, OCF_INSUFFICIENT_PRIV):
        _check_recoverable(cl, rsc, node, task)
        status = EXEC_ERROR_HARD
    else:
        if status == EXEC_DONE:
            status = EXEC_ERROR
    return rc, status


def _check_recoverable(cl: Cluster, rsc: Resource, node: Node, task: str) -> None:
    if task != "stop":
        return
    if cl.can_fence(node):
        return
    rsc.clear(R_MANAGED)
    rsc.set(R_BLOCK)


def _update_resource_state(cl: Cluster, rsc: Resource, node: Node, op: Any, task: str, rc: int,
                           state: dict) -> None:
    clear_past = False
    if rc == OCF_NOT_INSTALLED or mask_probe_failure(op):
        rsc.role = Role.STOPPED
    elif rc == OCF_NOT_RUNNING:
        clear_past = True
    elif task == "monitor":
        lf = state["last_failure"]
        if lf is not None and _op_key(op) == _op_key(lf):
            clear_past = True
        if rsc.role < Role.STARTED:
            set_active(rsc)
    elif task == "start":
        rsc.role = Role.STARTED
        clear_past = True
    elif task == "stop":
        rsc.role = Role.STOPPED
        clear_past = True
    elif task == "promote":
        rsc.role = Role.PROMOTED
        clear_past = True
    elif task == "demote":
        if state["on_fail"] == Fail.DEMOTE:
            clear_past = True
        rsc.role = Role.UNPROMOTED
    elif task == "migrate_from":
        rsc.role = Role.STARTED
        clear_past = True
    elif task == "migrate_to":
        _migrate_to_success(cl, rsc, node, op)
    elif rsc.role < Role.STARTED:
        set_active(rsc)
    if clear_past:
        of = state["on_fail"]
        if of in (Fail.STOP, Fail.FENCE, Fail.MIGRATE, Fail.STANDBY):
            pass
        elif of in (Fail.BLOCK, Fail.IGNORE, Fail.DEMOTE, Fail.RECOVER, Fail.RESTART_CONTAINER):
            state["on_fail"] = Fail.IGNORE
            rsc.set_next_role(Role.UNKNOWN, "clear past failures")
        elif of == Fail.RESET_REMOTE:
            if rsc.remote_reconnect_ms == 0:
                state["on_fail"] = Fail.IGNORE
                rsc.set_next_role(Role.UNKNOWN, "clear past failures and reset remote")


def _unpack_rsc_op_failure(cl: Cluster, rsc: Resource, node: Node, rc: int, op: Any,
                           state: dict) -> None:
    from .actions import op_failure_handling
    from .unpack import resource_location
    task = op.get("operation")
    state["last_failure"] = op
    probe = is_probe(op)
    if not (not cl.symmetric and rc == OCF_NOT_INSTALLED):
        record_failed_op(cl, op, node, rsc)
    on_fail, fail_role = op_failure_handling(cl, rsc, _op_key(op), task)
    if cmp_on_fail(state["on_fail"], on_fail) < 0:
        state["on_fail"] = on_fail
    if task == "stop":
        resource_location(cl, rsc, node, -INFINITY, "__stop_fail__")
    elif task == "migrate_to":
        _migrate_to_failure(cl, rsc, node, op)
    elif task == "migrate_from":
        _migrate_from_failure(cl, rsc, node, op)
    elif task == "promote":
        rsc.role = Role.PROMOTED
    elif task == "demote":
        if on_fail == Fail.BLOCK:
            rsc.role = Role.PROMOTED
            rsc.set_next_role(Role.STOPPED, "demote with on-fail=block")
        elif rc == OCF_NOT_RUNNING:
            rsc.role = Role.STOPPED
        else:
            rsc.role = Role.UNPROMOTED
    if probe and rc == OCF_NOT_INSTALLED:
        rsc.role = Role.STOPPED
    elif rsc.role < Role.STARTED:
        set_active(rsc)
    if fail_role != Role.STARTED and rsc.next_role < fail_role:
        rsc.set_next_role(fail_role, "failure")
    if fail_role == Role.STOPPED:
        fail_rsc = rsc
        if fail_rsc.parent is not None:
            top = rsc.top
            if top.variant == Variant.CLONE and not top.has(R_UNIQUE):
                fail_rsc = top
        from .model import NodeScore
        fail_rsc.allowed_nodes = {n.id: NodeScore(n, -INFINITY, n.fixed) for n in cl.nodes}
        for n in cl.nodes:
            fail_rsc.reject(n, "on-fail=stop")


# --- failure expiry -------------------------------------------------------------------------

def get_failcount(cl: Cluster, node: Node, rsc: Resource, effective: bool = True,
                  op: Any = None, want_last: bool = False):
    """pe_get_failcount: fail-count-<rsc>[#op_interval] node attributes, summed."""
    fail_attrs = [(k, v) for k, v in node.attrs.items()
                  if k.startswith("fail-count-") or k.startswith("last-failure-")]
    if not fail_attrs:
        return (0, 0) if want_last else 0
    name = rsc.clone_name or rsc.id
    unique = rsc.has(R_UNIQUE)
    if not unique:
        name = base_name(name)
    version = cl.cib.get("crm_feature_set")
    legacy = version is None or _version_lt(version, "3.0.13")
    inst = "" if unique else r"(:[0-9]+)?"
    opp = "" if legacy else r"#.+_[0-9]+"
    fc_re = re.compile("^fail-count-" + re.escape(name) + inst + opp + "$")
    lf_re = re.compile("^last-failure-" + re.escape(name) + inst + opp + "$")
    failcount = 0
    last = 0
    for key, value in fail_attrs:
        if fc_re.match(key):
            failcount = add_scores(failcount, parse_score(value))
        elif lf_re.match(key):
            try:
                last = max(last, int(value))
            except ValueError:
                pass
    if failcount > 0 and rsc.failure_timeout and _block_failure(cl, node, rsc, op):
        rsc.failure_timeout = 0
    if effective and failcount > 0 and last > 0 and rsc.failure_timeout:
        from .clock import epoch
        if epoch(cl) > last + rsc.failure_timeout:
            failcount = 0
    if want_last:
        return failcount, (last if failcount > 0 else 0)
    return failcount


def _version_lt(a: str, b: str) -> bool:
    def parts(v: str) -> list[int]:
        return [_int(p) for p in v.split(".")]
    return parts(a) < parts(b)


def _block_failure(cl: Cluster, node: Node, rsc: Resource, op: Any) -> bool:
    name = base_name(rsc.id)
    for conf in rsc.xml.iter("op"):
        if conf.get("on-fail") != "block":
            continue
        if op is not None:
            if _matched_failure(name, conf, op):
                return True
        else:
            for entry in cl.cib.iterfind(f"status/node_state[@uname='{node.uname}']//lrm_resource[@id='{name}']/lrm_rsc_op"):
                if _matched_failure(name, conf, entry):
                    return True
    return False


def _matched_failure(rsc_id: str, conf: Any, op: Any) -> bool:
    from .intervals import parse_interval_ms
    if parse_interval_ms(conf.get("interval")) != _int(op.get("interval")) \
            or (conf.get("name") or "").lower() != (op.get("operation") or "").lower():
        return False
    if op.get("id") == f"{rsc_id}_last_failure_0":
        return True
    if op.get("id") == f"{rsc_id}_{conf.get('name')}_{parse_interval_ms(conf.get('interval'))}":
        return _int(op.get("rc-code")) != target_rc_of(op)
    return False


def check_operation_expiry(cl: Cluster, rsc: Resource, node: Node, rc: int, op: Any) -> bool:
    from .actions import clear_failcount
    from .clock import epoch
    expired = False
    is_last_failure = (op.get("id") or "").endswith("_last_failure_0")
    interval = _int(op.get("interval"))
    task = op.get("operation")
    unexpired = 0
    last_run = op.get("last-rc-change")
    if rsc.failure_timeout > 0 and last_run is not None:
        now = epoch(cl)
        lr = _int(last_run)
        if now >= lr + rsc.failure_timeout and not _ignore_failure_timeout(cl, rsc, task, interval):
            expired = True
        unexpired, last_failure = get_failcount(cl, node, rsc, True, op, want_last=True)
        last_failure += rsc.failure_timeout + 1
        if unexpired and now < last_failure:
            if cl.recheck_by == 0 or last_failure < cl.recheck_by:
                cl.recheck_by = last_failure
    clear_reason = None
    if expired:
        if get_failcount(cl, node, rsc, False, op):
            if unexpired == 0:
                clear_reason = "it expired"
            else:
                expired = False
        elif is_last_failure and rsc.remote_reconnect_ms:
            clear_reason = "reconnect interval is set"
    if not expired and is_last_failure and task in ("start", "monitor"):
        from .digests import DigestResult, compare
        if compare(cl, rsc, op, node).rc not in (DigestResult.MATCH, DigestResult.UNKNOWN):
            clear_reason = "resource parameters have changed"
    if clear_reason is not None:
        clear_op = clear_failcount(cl, rsc, node, clear_reason)
        if cl.stonith_enabled and rsc.remote_reconnect_ms:
            remote = cl.find_node(rsc.id)
            if remote is not None:
                from .actions import fence_op, order_actions
                from .model import O_IMPLIES_THEN
                fence = fence_op(cl, remote, None, True, None, False)
                order_actions(fence, clear_op, O_IMPLIES_THEN)
    if expired and interval == 0 and task == "monitor":
        if rc in (OCF_OK, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED, OCF_DEGRADED,
                  OCF_DEGRADED_PROMOTED):
            expired = False
    return expired


def _ignore_failure_timeout(cl: Cluster, rsc: Resource, task: str, interval: int) -> bool:
    if rsc.remote_reconnect_ms and cl.stonith_enabled and interval != 0 and task == "monitor":
        remote = cl.find_node(rsc.id)
        if remote is not None and not remote.remote_was_fenced:
            return True
    return False


# --- migration history -----------------------------------------------------------------------

def _lrm_ops(cl: Cluster, rsc_id: str, node_name: str) -> list[Any] | None:
    for state in cl.cib.iterfind("status/node_state"):
        if state.get("uname") != node_name:
            continue
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            if entry.get("id") == rsc_id:
                return [o for o in entry if o.tag == "lrm_rsc_op"]
    return None


def _find_lrm_op(cl: Cluster, rsc_id: str, task: str, node_name: str | None,
                 source: str | None, target_rc: int) -> Any:
    if node_name is None:
        return None
    ops = _lrm_ops(cl, rsc_id, node_name) or []
    for o in ops:
        if o.get("operation") != task:
            continue
        if source is not None and task == "migrate_to" and o.get("migrate_target") != source:
            continue
        if source is not None and task == "migrate_from" and o.get("migrate_source") != source:
            continue
        if target_rc >= 0:
            if _int(o.get("rc-code"), 1) != target_rc or _int(o.get("op-status"), 4) != EXEC_DONE:
                return None
        return o
    return None


def _unknown_on_node(cl: Cluster, rsc_id: str, node_name: str) -> bool:
    ops = _lrm_ops(cl, rsc_id, node_name)
    return not ops


def _monitor_not_running_after(cl, rsc_id, node_name, op, same_node) -> bool:
    mon = _find_lrm_op(cl, rsc_id, "monitor", node_name, None, OCF_NOT_RUNNING)
    return mon is not None and is_newer_op(mon, op, same_node) > 0


def _non_monitor_after(cl, rsc_id, node_name, op, same_node) -> bool:
    ops = _lrm_ops(cl, rsc_id, node_name)
    if ops is None:
        return False
    for o in ops:
        if o is op:
            continue
        if o.get("operation") in ("start", "stop", "migrate_to", "migrate_from") \
                and is_newer_op(o, op, same_node) > 0:
            return True
    return False


def _newer_state_after_migrate(cl, rsc_id, node_name, migrate_to, migrate_from) -> bool:
    op = migrate_from if migrate_from is not None else migrate_to
    source = op.get("migrate_source")
    target = op.get("migrate_target")
    same_node = False
    if node_name == target:
        if migrate_from is not None:
            op = migrate_from
            same_node = True
        else:
            op = migrate_to
    elif node_name == source:
        if migrate_to is not None:
            op = migrate_to
            same_node = True
        else:
            op = migrate_from
    return _non_monitor_after(cl, rsc_id, node_name, op, same_node) or \
        _monitor_not_running_after(cl, rsc_id, node_name, op, same_node)


def _migrate_to_success(cl: Cluster, rsc: Resource, node: Node, op: Any) -> None:
    source = op.get("migrate_source")
    target = op.get("migrate_target")
    if not source or not target or source != node.uname:
        return
    source_newer = _non_monitor_after(cl, rsc.id, source, op, True)
    migrate_from = _find_lrm_op(cl, rsc.id, "migrate_from", target, source, -1)
    if source_newer and migrate_from is not None:
        return
    target_newer = _newer_state_after_migrate(cl, rsc.id, target, op, migrate_from)
    if source_newer and target_newer:
        return
    rsc.role = Role.STARTED
    target_node = cl.find_node(target)
    source_node = cl.find_node(source)
    from_rc = from_status = 0
    if migrate_from is not None:
        from_rc = _int(migrate_from.get("rc-code"))
        from_status = _int(migrate_from.get("op-status"))
    if migrate_from is not None and from_rc == OCF_OK and from_status == EXEC_DONE:
        rsc.role = Role.STOPPED
        rsc.dangling_migrations.insert(0, node)
    elif migrate_from is not None and from_status != EXEC_PENDING:
        if not target_newer and target_node is not None and target_node.online:
            add_running(cl, rsc, target_node, True)
        else:
            rsc.set(R_FAILED | R_STOP)
            rsc.clear(R_ALLOW_MIGRATE)
    else:
        if not target_newer and target_node is not None and target_node.online:
            add_running(cl, rsc, target_node, False)
            if source_node is not None and source_node.online:
                rsc.partial_migration_target = target_node
                rsc.partial_migration_source = source_node
        elif not source_newer:
            rsc.set(R_FAILED | R_STOP)
            rsc.clear(R_ALLOW_MIGRATE)


def _migrate_to_failure(cl: Cluster, rsc: Resource, node: Node, op: Any) -> None:
    source = op.get("migrate_source")
    target = op.get("migrate_target")
    if not source or not target or source != node.uname:
        return
    rsc.role = Role.STARTED
    target_from = _find_lrm_op(cl, rsc.id, "migrate_from", target, source, OCF_OK)
    if not _unknown_on_node(cl, rsc.id, target) and \
            not _newer_state_after_migrate(cl, rsc.id, target, op, target_from):
        tn = cl.find_node(target)
        if tn is not None and tn.online:
            add_running(cl, rsc, tn, False)
    elif not _non_monitor_after(cl, rsc.id, source, op, True):
        rsc.dangling_migrations.insert(0, node)


def _migrate_from_failure(cl: Cluster, rsc: Resource, node: Node, op: Any) -> None:
    source = op.get("migrate_source")
    target = op.get("migrate_target")
    if not source or not target or target != node.uname:
        return
    rsc.role = Role.STARTED
    source_to = _find_lrm_op(cl, rsc.id, "migrate_to", source, target, OCF_OK)
    if not _unknown_on_node(cl, rsc.id, source) and \
            not _newer_state_after_migrate(cl, rsc.id, source, source_to, op):
        sn = cl.find_node(source)
        if sn is not None and sn.online:
            add_running(cl, rsc, sn, True)


# --- where a resource runs ------------------------------------------------------------------

def add_running(cl: Cluster, rsc: Resource, node: Node, failed: bool) -> None:
    """native_add_running: record rsc (and its parents) as active on node."""
    from .unpack import resource_location
    for n in rsc.running_on:
        if n.id == node.id:
            return
    rsc.running_on.append(node)
    if rsc.variant == Variant.PRIMITIVE:
        node.running_rsc.append(rsc)
        if rsc.priority and not failed:
            prio = rsc.priority + 1 if rsc.role == Role.PROMOTED else rsc.priority
            node.priority += prio
            if node.remote_rsc is not None and node.remote_rsc.container is not None:
                for n in node.remote_rsc.container.running_on:
                    n.priority += prio
    if rsc.variant == Variant.PRIMITIVE and node.maintenance:
        rsc.clear(R_MANAGED)
    if not rsc.has(R_MANAGED):
        resource_location(cl, rsc, node, INFINITY, "not_managed_default")
        p = rsc.parent
        while p is not None and node.online:
            p.running_on.append(node)
            p = p.parent
        return
    if rsc.variant == Variant.PRIMITIVE and _multiply_active(rsc):
        if rsc.recovery_type == Recovery.STOP_ONLY:
            from .model import NodeScore
            rsc.allowed_nodes = {n.id: NodeScore(n, -INFINITY, n.fixed) for n in cl.nodes}
        elif rsc.recovery_type == Recovery.BLOCK:
            rsc.clear(R_MANAGED)
            rsc.set(R_BLOCK)
            p = rsc.parent
            if p is not None and p.variant in (Variant.GROUP, Variant.BUNDLE) \
                    and p.recovery_type == Recovery.BLOCK:
                for c in p.children:
                    c.clear(R_MANAGED)
                    c.set(R_BLOCK)
    if rsc.parent is not None:
        add_running(cl, rsc.parent, node, False)


def find_active_requires(rsc: Resource) -> tuple[Node | None, int]:
    """pe__find_active_requires: a clean active node and how many nodes it may be active on."""
    count_all, count_clean, active = active_counts(rsc)
    return active, count_all if rsc.has(R_NEEDS_FENCING) else count_clean


def active_counts(rsc: Resource) -> tuple[int, int, Node | None]:
    """pe__find_active_on: (all, clean, the node the resource is considered active on)."""
    active = None
    count_all = count_clean = 0
    for node in rsc.running_on:
        happy = node.online and not node.unclean
        count_all += 1
        if happy:
            count_clean += 1
        if rsc.partial_migration_source is not None:
            if node is rsc.partial_migration_source:
                active = node
        elif not rsc.has(R_NEEDS_FENCING):
            if happy and (active is None or not active.online or active.unclean):
                active = node
        if active is None:
            active = node
    return count_all, count_clean, active


def _multiply_active(rsc: Resource) -> bool:
    _, count = find_active_requires(rsc)
    return count > 1


def _process_rsc_state(cl: Cluster, rsc: Resource, node: Node, on_fail: Fail) -> None:
    from .actions import demote_action, stop_action
    from .unpack import resource_location
    if rsc.role != Role.UNKNOWN:
        it: Resource | None = rsc
        while it is not None:
            it.known_on.setdefault(node.id, node)
            if it.has(R_UNIQUE):
                break
            it = it.parent
    if rsc.role > Role.STOPPED and not node.online and not node.maintenance \
            and rsc.has(R_MANAGED):
        should_fence = False
        reason = None
        if node.is_guest:
            rsc.set(R_FAILED | R_STOP)
            should_fence = True
        elif cl.stonith_enabled:
            if node.type == "remote" and node.remote_rsc is not None \
                    and not node.remote_rsc.has(R_FAILED):
                node.unseen = True
                reason = (f"{rsc.id} is active there (fencing will be revoked if remote "
                          "connection can be re-established elsewhere)")
            should_fence = True
        if should_fence:
            fence_node(cl, node, reason or f"{rsc.id} is thought to be active there", False)
    save_on_fail = on_fail
    if node.unclean:
        on_fail = Fail.IGNORE
    if on_fail == Fail.DEMOTE:
        rsc.set(R_FAILED)
        demote_action(cl, rsc, node, False)
    elif on_fail == Fail.FENCE:
        fence_node(cl, node, f"{rsc.id} failed there", False)
    elif on_fail == Fail.STANDBY:
        node.standby = True
        node.standby_onfail = True
    elif on_fail == Fail.BLOCK:
        rsc.clear(R_MANAGED)
        rsc.set(R_BLOCK)
    elif on_fail == Fail.MIGRATE:
        resource_location(cl, rsc, node, -INFINITY, "__action_migration_auto__")
    elif on_fail == Fail.STOP:
        rsc.set_next_role(Role.STOPPED, "on-fail=stop")
    elif on_fail == Fail.RECOVER:
        if rsc.role not in (Role.STOPPED, Role.UNKNOWN):
            rsc.set(R_FAILED | R_STOP)
            stop_action(cl, rsc, node, False)
    elif on_fail == Fail.RESTART_CONTAINER:
        rsc.set(R_FAILED | R_STOP)
        if rsc.container is not None and rsc.container.variant == Variant.BUNDLE:
            cl.stop_needed.insert(0, rsc.container)
        elif rsc.container is not None:
            stop_action(cl, rsc.container, node, False)
        elif rsc.role not in (Role.STOPPED, Role.UNKNOWN):
            stop_action(cl, rsc, node, False)
    elif on_fail == Fail.RESET_REMOTE:
        rsc.set(R_FAILED | R_STOP)
        if cl.stonith_enabled:
            tmp = cl.find_node(rsc.id) if rsc.is_remote_node else None
            if tmp is not None and tmp.type == "remote" and not tmp.is_guest \
                    and tmp.remote_was_fenced == 0:
                fence_node(cl, tmp, "remote connection is unrecoverable", False)
        if rsc.role > Role.STOPPED:
            stop_action(cl, rsc, node, False)
        if rsc.remote_reconnect_ms:
            rsc.set_next_role(Role.STOPPED, "remote reset")
    if rsc.has(R_FAILED) and rsc.is_remote_node:
        tmp = cl.find_node(rsc.id)
        if tmp is not None and tmp.unclean:
            tmp.unseen = False
    if rsc.role not in (Role.STOPPED, Role.UNKNOWN):
        add_running(cl, rsc, node, save_on_fail != Fail.IGNORE)
        if on_fail == Fail.IGNORE:
            pass
        elif on_fail in (Fail.DEMOTE, Fail.BLOCK):
            rsc.set(R_FAILED)
        else:
            rsc.set(R_FAILED | R_STOP)
    elif rsc.clone_name is not None and ":" in rsc.clone_name:
        rsc.clone_name = None
    else:
        for a in rsc.actions:
            if a.uuid == f"{rsc.id}_stop_0" and (a.node is None or a.node is node):
                from .model import A_OPTIONAL
                a.set(A_OPTIONAL)
    if rsc.role == Role.STOPPED and rsc.partial_migration_source is node \
            and rsc.partial_migration_target is not None and rsc.running_on:
        rsc.role = Role.STARTED
