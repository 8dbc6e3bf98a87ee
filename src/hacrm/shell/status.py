"""``crm status``: the cluster's state as ``crm_mon -1 -r`` prints it.

The scheduler's own unpacking of the CIB decides what runs where (the same code that plans
transitions), and its status text gives the node and resource lists; this module adds the
summary header (stack, DC, quorum, last change, counts) read from the CIB and lays the lists
out at crm_mon's indentation.
"""

from __future__ import annotations

import time
from typing import Any


def _summary(cl: Any, root: Any, now: float) -> list[str]:
    from hacrm.scheduler.status_text import count_instances

    props = {nv.get("name"): nv.get("value")
             for nv in root.iterfind("configuration/crm_config/cluster_property_set/nvpair")}
    lines = ["Cluster Summary:", f"  * Stack: {props.get('cluster-infrastructure') or 'unknown'}"]
    dc = getattr(cl, "dc_node", None)
    if dc is not None:
        version = props.get("dc-version") or "unknown"
        quorum = "partition with quorum" if cl.have_quorum else "partition WITHOUT quorum"
        lines.append(f"  * Current DC: {dc.uname} (version {version}) - {quorum}")
    else:
        lines.append("  * Current DC: NONE")
    lines.append(f"  * Last updated: {time.strftime('%a %b %e %H:%M:%S %Y', time.localtime(now))}")
    change = root.get("cib-last-written") or ""
    user = root.get("update-user")
    via = root.get("update-client")
    origin = root.get("update-origin")
    if change and user:
        change += f" by {user}"
    if change and via:
        change += f" via {via}"
    if change and origin:
        change += f" on {origin}"
    lines.append(f"  * Last change:  {change}")
    nodes = len(getattr(cl, "nodes", []))
    total, disabled, blocked = count_instances(cl)
    lines.append(f"  * {nodes} node{'s' if nodes != 1 else ''} configured")
    extra = []
    if disabled:
        extra.append(f"{disabled} DISABLED")
    if blocked:
        extra.append(f"{blocked} BLOCKED from further action due to failure")
    lines.append(f"  * {total} resource instance{'s' if total != 1 else ''} configured"
                 + (f" ({', '.join(extra)})" if extra else ""))
    return lines


def status_text(cib_xml: str, now: float | None = None) -> str:
    """The crm_mon-style status of the cluster described by ``cib_xml``."""
    from lxml import etree

    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster
    from hacrm.scheduler.status_text import format_status

    now = time.time() if now is None else now
    cl = unpack_cluster(parse_cib(cib_xml.encode()), None)
    root = etree.fromstring(cib_xml.encode())
    out = _summary(cl, root, now)
    body = format_status(cl, "status")[1:]
    for line in body:
        # the scheduler indents its lists one level under a title; crm_mon does not
        out.append(line.removeprefix("  "))
    while out and out[-1] == "":
        out.pop()
    failed = failed_actions(cl)
    if failed:
        out += ["", "* Failed Resource Actions:"] + [f"  * {line}" for line in failed]
    text: list[str] = []
    for line in out:
        if line.startswith("* ") and line.endswith(":"):
            if text and text[-1] != "":
                text.append("")
            text.append(line[2:])
        else:
            text.append(line)
    return "\n".join(text) + "\n"


_EXIT_TEXT = {0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature",
              4: "insufficient privileges", 5: "not installed", 6: "not configured",
              7: "not running", 8: "promoted", 9: "promoted failed"}


def _interval(ms: int) -> str:
    if ms % 60000 == 0 and ms >= 60000:
        return f"{ms // 60000}m"
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{ms}ms"


_EXEC_STATUS = {1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED", 4: "Error",
                5: "Hard error", 6: "Fatal error", 7: "Not installed",
                8: "Internal communication failure", 9: "Cannot execute now",
                10: "No fence device", 11: "CIB secrets unavailable"}


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


def _split_key(key: str) -> tuple[str, str, int] | None:
    """``rsc_task_interval`` (the operation key) -> its three parts."""
    parts = key.rsplit("_", 2)
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    rsc, task, interval = parts
    if task in ("to", "from") and rsc.endswith("_migrate"):
        rsc, task = rsc[: -len("_migrate")], f"migrate_{task}"
    return rsc, task, int(interval)


def failed_actions(cl: Any) -> list[str]:
    """One line per failed operation the scheduler recorded, as crm_mon lists them."""
    lines = []
    for op, node, _rsc in getattr(cl, "failed_ops", []):
        parsed = _split_key(op.get("operation_key") or op.get("id") or "")
        if parsed is not None:
            rsc_id, task, interval = parsed
        else:
            rsc_id = op.getparent().get("id") if op.getparent() is not None else _rsc.id
            task, interval = op.get("operation", "?"), _int(op.get("interval"))
        if task == "monitor" and interval == 0:
            action = "probe"
        elif interval:
            action = f"{_interval(interval)}-interval {task}"
        else:
            action = task
        status = _int(op.get("op-status"))
        if status not in (0, -1) and status in _EXEC_STATUS:
            text = f"{rsc_id} {action} on {node.uname} could not be executed " \
                   f"({_EXEC_STATUS[status]}"
            reason = op.get("exit-reason")
            text += f": {reason})" if reason else ")"
        else:
            rc = _int(op.get("rc-code"), 1)
            text = f"{rsc_id} {action} on {node.uname} returned " \
                   f"'{_EXIT_TEXT.get(rc, 'error')}'"
            reason = op.get("exit-reason")
            if reason:
                text += f" ({reason})"
        changed = op.get("last-rc-change")
        if changed and changed.isdigit():
            text += " at " + time.strftime("%a %b %e %H:%M:%S %Y",
                                           time.localtime(int(changed)))
        exec_time = op.get("exec-time")
        if exec_time and exec_time.isdigit() and int(exec_time) > 0:
            text += f" after {_interval(int(exec_time))}"
        lines.append(text)
    return lines


def _cluster(cib_xml: str) -> Any:
    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster

    return unpack_cluster(parse_cib(cib_xml.encode()), None)


def resources_text(cib_xml: str) -> str:
    """``crm resource status`` without arguments: ``crm_resource --list``, the resource list
    without node names on primitives."""
    from hacrm.scheduler.actions import rsc_active
    from hacrm.scheduler.model import R_ORPHAN
    from hacrm.scheduler.status_text import Lines, format_resource

    cl = _cluster(cib_xml)
    lines = Lines(rsc_only=True)
    for rsc in cl.resources:
        if rsc.has(R_ORPHAN) and not rsc_active(rsc, True):
            continue
        format_resource(cl, rsc, lines, 1)
    if not lines.out:
        return "NO resources configured\n"
    return "Full List of Resources:\n" + "".join(line + "\n" for line in lines.out)


def locate(cib_xml: str, rsc_id: str) -> list[str] | None:
    """Names of the nodes a resource (or any part of it) is active on; None if unknown."""
    cl = _cluster(cib_xml)
    for top in cl.resources:
        for rsc in top.walk():
            if rsc.id == rsc_id or getattr(rsc, "clone_name", None) == rsc_id:
                nodes: list[str] = []
                for part in rsc.walk():
                    for node in part.running_on:
                        if node.uname not in nodes:
                            nodes.append(node.uname)
                return nodes
    return None

