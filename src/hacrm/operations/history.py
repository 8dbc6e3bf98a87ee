"""What the cluster remembers about resources and nodes: fail-counts, operation history,
cleanup, fencing requests, a node's recorded state.

* ``failcount R show N`` adds up ``fail-count-R#<op>_<interval>`` on N (``crm_failcount -G``);
  ``set`` changes the one recorded entry (crmsh asks which when there are several), ``delete``
  is a cleanup of R on N.
* ``cleanup``/``refresh`` forget R's operation history (and fail-counts) so that the cluster
  probes it again: on a CIB file the ``lrm_resource`` entries and the ``fail-count-``/
  ``last-failure-`` attributes go; on the engine the controller does it.  ``cleanup`` only
  touches resources that failed, ``refresh`` every one (as ``crm_resource``).
* ``operations`` lists the active part of the history as ``crm_resource -O`` prints it.
* ``node fence`` asks for a fencing through the ``terminate`` attribute (crmsh's way, what a
  CIB file can hold); the engine fences at once.
* ``node clearstate`` and ``node delete`` reset or drop a node's recorded state.
"""

from __future__ import annotations

import re
import time

from lxml import etree

from hacrm.operations.changes import Change, EngineOp
from hacrm.operations.nodeattrs import set_attr
from hacrm.operations.xmltree import OperationError, find_node, find_resource, node_state


def _transient(state: etree._Element | None) -> list[etree._Element]:
    if state is None:
        return []
    return [nv for t in state.iterfind("transient_attributes") for nv in t.iter("nvpair")]


def _count(value: str | None) -> int:
    if value is None:
        return 0
    if value.upper() in ("INFINITY", "+INFINITY"):
        return 1000000
    try:
        return int(value)
    except ValueError:
        return 0


def failcount_show(change: Change, rsc: str, node_name: str) -> None:
    node = find_node(change.root, node_name)
    state = node_state(change.root, node.get("id", ""))
    prefix = f"fail-count-{rsc}#"
    values = [nv.get("value") for nv in _transient(state)
              if (nv.get("name") or "").startswith(prefix)
              and re.fullmatch(r"[0-9]+|INFINITY", nv.get("value") or "")]
    total = sum(_count(v) for v in values)
    name = f"fail-count-{rsc}"
    shown = "INFINITY" if total >= 1000000 else str(total)
    if total == 0:
        legacy = next((nv.get("value") for nv in _transient(state) if nv.get("name") == name),
                      None)
        shown = legacy if legacy is not None else "0"
    change.out(f"scope=status  name={name} value={shown}")


def failcount_set(change: Change, rsc: str, node_name: str, value: str,
                  operation: str | None = None, interval: str | None = None) -> bool:
    """crmsh's failcount set: the recorded ``fail-count-R#op_interval`` entries decide
    which attribute changes.  Returns False (nothing done) in the cases crmsh refuses."""
    node = find_node(change.root, node_name)
    state = node_state(change.root, node.get("id", ""))
    entries = [(m.group(1), m.group(2)) for nv in _transient(state)
               if (m := re.fullmatch(rf"fail-count-{re.escape(rsc)}#(.*)_([0-9]+)",
                                     nv.get("name") or ""))]
    if not entries:
        return value.isdigit() and int(value) == 0
    by_op = dict(entries)
    if operation and operation not in by_op:
        raise OperationError("Usage: failcount <rsc> set <node> <value> [operation] [interval]"
                             f"\nShould specify operation between \"{' '.join(by_op)}\"")
    if operation and interval and (operation, interval + "000") not in entries:
        raise OperationError("Usage: failcount <rsc> set <node> <value> [operation] [interval]"
                             "\nShould specify (operation, interval) between "
                             f"{[(op, i[:-3]) for op, i in entries]}")
    if len(entries) == 1:
        op, ms = entries[0]
        names = [f"fail-count-{rsc}#{op}_{ms}"]
    elif operation and interval:
        names = [f"fail-count-{rsc}#{operation}_{interval}000"]
    elif value.isdigit() and int(value) == 0:
        names = [f"fail-count-{rsc}#{op}_{ms}" for op, ms in entries
                 if not operation or op == operation]
    elif operation and sum(1 for op, _ in entries if op == operation) == 1:
        names = [f"fail-count-{rsc}#{operation}_{by_op[operation]}"]
    else:
        raise OperationError("Should specify (operation, interval) between "
                             f"{[(op, i[:-3]) for op, i in entries]}")
    for name in names:
        set_attr(change, node.get("uname") or node_name, "status", name, value)
    return True


def _failed(change: Change, node_id: str, rsc_id: str) -> bool:
    state = node_state(change.root, node_id)
    if state is None:
        return False
    if any((nv.get("name") or "").startswith((f"fail-count-{rsc_id}#",
                                              f"last-failure-{rsc_id}#"))
           for nv in _transient(state)):
        return True
    for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
        if entry.get("id") != rsc_id:
            continue
        for op in entry.iterfind("lrm_rsc_op"):
            if (op.get("id") or "").endswith("_last_failure_0"):
                return True
    return False


def _primitives(change: Change, rsc: str | None) -> list[str] | None:
    if rsc is None:
        return None
    elem = find_resource(change.root, rsc)
    while elem.getparent() is not None and elem.getparent().tag in ("group", "clone",
                                                                     "master", "bundle"):
        elem = elem.getparent()
    return [p.get("id", "") for p in elem.iter("primitive")]


def cleanup(change: Change, rsc: str | None, node: str | None, refresh: bool,
            operation: str | None = None, interval_ms: int | None = None) -> list[str]:
    """Forget history (and fail-counts) of the resource (all when None) on the node (all when
    None).  Returns what was cleaned, as ``rsc on node`` strings."""
    names = _primitives(change, rsc)
    node_id = find_node(change.root, node).get("id") if node else None
    cleaned: list[str] = []
    for state in change.root.iterfind("status/node_state"):
        if node_id is not None and state.get("id") != node_id:
            continue
        uname = state.get("uname") or state.get("id") or ""
        resources = state.find("lrm/lrm_resources")
        ids = set()
        if resources is not None:
            ids = {e.get("id", "") for e in resources.iterfind("lrm_resource")}
        ids |= {m.group(1) for nv in _transient(state)
                if (m := re.match(r"(?:fail-count|last-failure)-(.+)#", nv.get("name") or ""))}
        for rsc_id in sorted(ids):
            base = rsc_id.split(":")[0]
            if names is not None and base not in names:
                continue
            if not refresh and not _failed(change, state.get("id", ""), rsc_id):
                continue
            suffix = f"#{operation}_{interval_ms}" if operation else "#"
            for nv in _transient(state):
                name = nv.get("name") or ""
                if name.startswith((f"fail-count-{rsc_id}{suffix}",
                                    f"last-failure-{rsc_id}{suffix}")):
                    nv.getparent().remove(nv)
            if operation is None and resources is not None:
                for entry in resources.findall("lrm_resource"):
                    if entry.get("id") == rsc_id:
                        resources.remove(entry)
            cleaned.append(f"{rsc_id} on {uname}")
    if cleaned:
        change.wrote("status")
    args: dict[str, object] = {"refresh": refresh}
    if rsc:
        args["resource"] = rsc
    if node:
        args["node"] = node
    if operation:
        args["operation"] = operation
        args["interval"] = interval_ms or 0
    change.engine.append(EngineOp("resource_cleanup", args))
    return cleaned


def operations(change: Change, rsc: str | None, node: str | None) -> None:
    """``crm_resource -O [-r R] [-N N]``: the active part of each resource's history."""
    from hacrm.scheduler.history import calculate_active_ops, sort_ops
    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster
    from hacrm.scheduler.status_text import primitive_line

    cluster = unpack_cluster(parse_cib(etree.tostring(change.root)), None)
    stonith = getattr(cluster, "stonith_enabled", False)
    online = {n.uname: n.online for n in cluster.nodes}
    for state in change.root.iterfind("status/node_state"):
        uname = state.get("uname") or ""
        if node is not None and uname.lower() != node.lower():
            continue
        if uname not in online or not (online[uname] or stonith):
            continue
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rsc_id = entry.get("id") or ""
            if rsc is not None and rsc_id.lower() != rsc.lower():
                continue
            ops = sort_ops(list(entry.iterfind("lrm_rsc_op")))
            start, stop = calculate_active_ops(ops)
            for index, op in enumerate(ops):
                if start < stop:
                    break
                if index < start:
                    continue
                change.out(_op_line(cluster, rsc_id, uname, op, primitive_line))


def _op_line(cluster, rsc_id: str, uname: str, op: etree._Element, primitive_line) -> str:
    from hacrm.scheduler.history import EXEC_STATUS_TEXT

    found = cluster.find_resource(rsc_id)
    if found is None:
        found = cluster.find_resource(f"{rsc_id}:0")
    if found is not None:
        current = found.current_node() or found.pending_node
        head = primitive_line(cluster, found, found.printable_id(), current, True,
                              show_pending=True)
    else:
        head = f"Unknown resource {rsc_id}"
    changed = op.get("last-rc-change")
    when = ""
    if changed and changed.lstrip("-").isdigit():
        when = (f", last-rc-change='{time.ctime(int(changed))}', "
                f"exec={op.get('exec-time')}ms")
    try:
        status = EXEC_STATUS_TEXT.get(int(op.get("op-status") or "0"), "unknown")
    except ValueError:
        status = "unknown"
    key = op.get("operation_key") or op.get("id")
    return (f"{head}: {key} (node={uname}, call={op.get('call-id')}, "
            f"rc={op.get('rc-code')}{when}): {status}")


def fence_request(change: Change, node_name: str) -> None:
    """crmsh's ``node fence``: ``terminate=true`` among the node's transient attributes; the
    engine is asked to fence directly."""
    node = find_node(change.root, node_name)
    set_attr(change, node.get("uname") or node_name, "status", "terminate", "true")
    change.engine.clear()
    change.engine.append(EngineOp("node_fence", {"node": node.get("uname") or node_name,
                                                 "action": "reboot"},
                                  done=f"node {node_name} fenced"))


def is_member(change: Change, node_name: str) -> bool:
    node = find_node(change.root, node_name)
    state = node_state(change.root, node.get("id", ""))
    return state is not None and state.get("in_ccm") == "true" and \
        state.get("crmd") == "online"


def clear_state(change: Change, node_name: str) -> None:
    """A node known to be down: its recorded state reset as after a fencing (history and
    transient attributes gone, ``node_state`` down)."""
    node = find_node(change.root, node_name)
    state = node_state(change.root, node.get("id", ""))
    if state is not None:
        for child in list(state):
            if isinstance(child.tag, str) and child.tag in ("lrm", "transient_attributes"):
                state.remove(child)
        state.attrib.update({"in_ccm": "false", "crmd": "offline", "join": "down",
                             "expected": "down"})
        change.wrote("status")
    change.engine.append(EngineOp("node_clearstate", {"node": node.get("uname") or node_name}))


def forget_node(change: Change, node_name: str) -> None:
    """``node delete``: the node's entry in the nodes section and its status go."""
    nodes = change.root.find("configuration/nodes")
    found = False
    if nodes is not None:
        for node in list(nodes.iterfind("node")):
            if node.get("uname") == node_name:
                nodes.remove(node)
                found = True
    if found:
        change.wrote("config")
    status = change.root.find("status")
    states = [] if status is None else [s for s in status.iterfind("node_state")
                                        if s.get("uname") == node_name]
    for state in states:
        status.remove(state)
    if states:
        change.wrote("status")
    if not found:
        raise OperationError(f"node {node_name} not found in the CIB")
    change.engine.append(EngineOp("node_forget", {"node": node_name}))
