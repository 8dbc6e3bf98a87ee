"""crm_simulate's injections applied to the CIB before scheduling: nodes up/down/failed and
injected operation results (-u, -d, -f, -i)."""

from __future__ import annotations

from typing import Any

from lxml import etree


def _node_state(cib: Any, uname: str) -> Any:
    status = cib.find("status")
    if status is None:
        status = etree.SubElement(cib, "status")
    for ns in status.findall("node_state"):
        if ns.get("uname") == uname:
            return ns
    uuid = uname
    for n in cib.iterfind("configuration/nodes/node"):
        if n.get("uname") == uname:
            uuid = n.get("id")
    ns = etree.SubElement(status, "node_state", id=uuid, uname=uname)
    return ns


def _set_state(ns: Any, up: bool) -> None:
    if up:
        ns.set("in_ccm", "true")
        ns.set("crmd", "online")
        ns.set("join", "member")
        ns.set("expected", "member")
    else:
        ns.set("in_ccm", "false")
        ns.set("crmd", "offline")
        ns.set("join", "down")
        ns.set("expected", "down")


def apply_injections(cib: Any, options) -> list[str]:
    lines: list[str] = []
    if not (options.node_up or options.node_down or options.node_fail or options.op_inject):
        return lines
    lines.append("Performing Requested Modifications:")
    for node in options.node_up:
        lines.append(f"  * Bringing node {node} online")
        _set_state(_node_state(cib, node), True)
    for node in options.node_down:
        lines.append(f"  * Taking node {node} offline")
        ns = _node_state(cib, node)
        _set_state(ns, False)
        for child in list(ns):
            if child.tag in ("lrm", "transient_attributes"):
                ns.remove(child)
    for node in options.node_fail:
        lines.append(f"  * Failing node {node}")
        ns = _node_state(cib, node)
        ns.set("in_ccm", "false")
        ns.set("crmd", "offline")
        ns.set("join", "down")
        ns.set("expected", "member")
    for spec in options.op_inject:
        from .execute import _inject_result, _lrm_resource
        try:
            key, rc_s = spec.rsplit("=", 1)
            key, node = key.rsplit("@", 1)
            rid_task, interval_s = key.rsplit("_", 1)
            rid, task = rid_task.rsplit("_", 1)
            rc = int(rc_s)
            interval = int(interval_s)
        except ValueError:
            continue
        lines.append(f"  * Injecting {key} result on {node}: {rc}")
        rsc_xml = None
        for p in cib.iter("primitive"):
            if p.get("id") == rid or p.get("id") == rid.split(":")[0]:
                rsc_xml = p
                break
        ns = _node_state(cib, node)
        entry = _lrm_resource(ns, rid, rid, rsc_xml.get("class") if rsc_xml is not None else None,
                              rsc_xml.get("type") if rsc_xml is not None else None,
                              rsc_xml.get("provider") if rsc_xml is not None else None)
        target = 7 if (task == "monitor" and interval == 0 and rc == 7) else 0
        _inject_result(entry, task, interval, rc, target, node, {})
    return lines
