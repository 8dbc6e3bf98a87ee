"""``crm status xml``: the status as ``crm_mon --output-as=xml`` structures it.

Same element and attribute names as Pacemaker's (``summary``, ``nodes/node``,
``resources/resource|group|clone``, ``node_history``, ``failures``, ``tickets``), so that tools
reading crm_mon's XML read ours; every value comes from the scheduler's reading of the CIB.
"""

from __future__ import annotations

import time
from typing import Any

from lxml import etree

from hacrm.status.crmmon import Membership, epoch2str, readable_interval


def _b(value: bool) -> str:
    return "true" if value else "false"


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _summary(parent: etree._Element, cl: Any, root: etree._Element, now: float,
             membership: Membership | None) -> None:
    from hacrm.scheduler.status_text import count_instances

    props = {nv.get("name"): nv.get("value")
             for nv in root.iterfind("configuration/crm_config/cluster_property_set/nvpair")}
    summary = etree.SubElement(parent, "summary")
    etree.SubElement(summary, "stack", type=props.get("cluster-infrastructure") or "unknown")
    if membership is not None:
        etree.SubElement(summary, "backend", name=membership.backend,
                         node=membership.local_node)
        etree.SubElement(summary, "membership", ring_id=membership.ring_id or "",
                         quorate=_b(membership.quorate),
                         total_votes=str(membership.total_votes),
                         expected_votes=str(membership.expected_votes),
                         quorum=str(membership.quorum),
                         members=" ".join(membership.members))
    dc = getattr(cl, "dc_node", None)
    if dc is not None:
        with_quorum = (root.get("have-quorum") or "").lower() in ("1", "true", "yes", "on")
        etree.SubElement(summary, "current_dc", present="true",
                         version=props.get("dc-version") or "", name=dc.uname, id=dc.id,
                         with_quorum=_b(with_quorum), mixed_version="false")
    else:
        etree.SubElement(summary, "current_dc", present="false")
    etree.SubElement(summary, "last_update", time=epoch2str(now))
    etree.SubElement(summary, "last_change", time=root.get("cib-last-written") or "",
                     user=root.get("update-user") or "", client=root.get("update-client") or "",
                     origin=root.get("update-origin") or "")
    total, disabled, blocked = count_instances(cl)
    etree.SubElement(summary, "nodes_configured", number=str(len(cl.nodes)))
    etree.SubElement(summary, "resources_configured", number=str(total),
                     disabled=str(disabled), blocked=str(blocked))


def _nodes(parent: etree._Element, cl: Any) -> None:
    from hacrm.scheduler.status_text import node_health

    nodes = etree.SubElement(parent, "nodes")
    for node in cl.nodes:
        health = node_health(cl, node)
        etree.SubElement(nodes, "node", {
            "name": node.uname, "id": node.id, "online": _b(node.online),
            "standby": _b(node.standby), "standby_onfail": _b(node.standby_onfail),
            "maintenance": _b(node.maintenance), "pending": _b(node.pending),
            "unclean": _b(node.unclean),
            "health": "red" if health < 0 else ("yellow" if health == 0 else "green"),
            "shutdown": _b(getattr(node, "shutdown", False)),
            "expected_up": _b(getattr(node, "expected_up", False)),
            "is_dc": _b(cl.dc_node is node), "resources_running": str(len(node.running_rsc)),
            "type": "remote" if node.type == "remote" else "member"})


def _resource(parent: etree._Element, cl: Any, rsc: Any) -> None:
    from hacrm.scheduler.actions import rsc_active
    from hacrm.scheduler.model import (
        R_BLOCK,
        R_FAILED,
        R_FAILURE_IGNORED,
        R_MANAGED,
        R_ORPHAN,
        R_PROMOTABLE,
        R_UNIQUE,
        Variant,
    )
    from hacrm.scheduler.status_text import displayable_role, is_disabled

    if rsc.variant == Variant.GROUP:
        group = etree.SubElement(parent, "group", id=rsc.id,
                                 number_resources=str(len(rsc.children)),
                                 managed=_b(rsc.has(R_MANAGED)), disabled=_b(is_disabled(rsc)))
        for child in rsc.children:
            _resource(group, cl, child)
        return
    if rsc.variant == Variant.CLONE:
        clone = etree.SubElement(parent, "clone", id=rsc.id,
                                 multi_state=_b(rsc.has(R_PROMOTABLE)),
                                 unique=_b(rsc.has(R_UNIQUE)), managed=_b(rsc.has(R_MANAGED)),
                                 disabled=_b(is_disabled(rsc)), failed=_b(rsc.has(R_FAILED)),
                                 failure_ignored=_b(rsc.has(R_FAILURE_IGNORED)))
        for child in rsc.children:
            _resource(clone, cl, child)
        return
    cls = rsc.xml.get("class") or ""
    provider = rsc.xml.get("provider")
    agent = f"{cls}:{provider}:{rsc.xml.get('type')}" if provider else \
        f"{cls}:{rsc.xml.get('type')}"
    elem = etree.SubElement(parent, "resource", {
        "id": rsc.printable_id(), "resource_agent": agent,
        "role": displayable_role(rsc).text, "active": _b(rsc_active(rsc, True)),
        "orphaned": _b(rsc.has(R_ORPHAN)), "blocked": _b(rsc.has(R_BLOCK)),
        "managed": _b(rsc.has(R_MANAGED)), "failed": _b(rsc.has(R_FAILED)),
        "failure_ignored": _b(rsc.has(R_FAILURE_IGNORED)),
        "nodes_running_on": str(len(rsc.running_on))})
    for node in rsc.running_on:
        etree.SubElement(elem, "node", name=node.uname, id=node.id, cached="true")


def _history(parent: etree._Element, cl: Any, root: etree._Element) -> None:
    from hacrm.scheduler.history import OCF_EXIT_TEXT, get_failcount
    from hacrm.status.crmmon import _operation_list

    by_id = {n.id: n for n in cl.nodes}
    history = None
    for state in root.iterfind("status/node_state"):
        node = by_id.get(state.get("id") or "")
        if node is None or not node.online:
            continue
        if history is None:
            history = etree.SubElement(parent, "node_history")
        node_elem = None
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            ops = _operation_list(entry)
            if not ops:
                continue
            rsc_id = entry.get("id") or ""
            rsc = cl.find_resource(rsc_id) or cl.find_resource(f"{rsc_id}:0")
            if node_elem is None:
                node_elem = etree.SubElement(history, "node", name=node.uname)
            attrs = {"id": rsc.printable_id() if rsc is not None else rsc_id,
                     "orphan": _b(rsc is None)}
            if rsc is not None:
                count, last = get_failcount(cl, node, rsc, True, None, True)
                attrs["migration-threshold"] = str(rsc.migration_threshold)
                if count > 0:
                    attrs["fail-count"] = str(count)
                if last > 0:
                    attrs["last-failure"] = epoch2str(last)
            rh = etree.SubElement(node_elem, "resource_history", attrs)
            for op in ops:
                task = op.get("operation") or ""
                interval = op.get("interval") or "0"
                if task == "monitor" and interval == "0":
                    task = "probe"
                rc = max(0, _int(op.get("rc-code")))
                oh = etree.SubElement(rh, "operation_history", call=op.get("call-id") or "",
                                      task=task, rc=str(rc),
                                      rc_text=OCF_EXIT_TEXT.get(rc, "unknown"))
                if interval != "0":
                    oh.set("interval", f"{interval}ms")
                if _int(op.get("last-rc-change")) > 0:
                    oh.set("last-rc-change", epoch2str(_int(op.get("last-rc-change"))))
                for key in ("exec-time", "queue-time"):
                    if op.get(key) is not None:
                        oh.set(key, f"{op.get(key)}ms")


def _failures(parent: etree._Element, cl: Any) -> None:
    from hacrm.scheduler.history import OCF_EXIT_TEXT, mask_probe_failure

    failures = None
    for op, node, _rsc in getattr(cl, "failed_ops", []):
        if mask_probe_failure(op):
            continue
        if failures is None:
            failures = etree.SubElement(parent, "failures")
        rc = _int(op.get("rc-code"))
        status = _int(op.get("op-status"))
        attrs = {"op_key": op.get("operation_key") or op.get("id") or "",
                 "node": node.uname, "exitstatus": OCF_EXIT_TEXT.get(rc, "unknown"),
                 "exitreason": op.get("exit-reason") or "", "exitcode": str(rc),
                 "call": op.get("call-id") or "",
                 "status": "complete" if status == 0 else "error"}
        if _int(op.get("last-rc-change")) > 0:
            attrs["last-rc-change"] = time.strftime(
                "%Y-%m-%d %H:%M:%S%z", time.localtime(_int(op.get("last-rc-change"))))
        attrs.update(queued=op.get("queue-time") or "0", exec=op.get("exec-time") or "0",
                     interval=op.get("interval") or "0", task=op.get("operation") or "")
        etree.SubElement(failures, "failure", attrs)


def document(cib_xml: str, *, now: float | None = None,
             membership: Membership | None = None) -> str:
    from hacrm.scheduler.actions import rsc_active
    from hacrm.scheduler.model import R_ORPHAN
    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster

    now = time.time() if now is None else now
    cl = unpack_cluster(parse_cib(cib_xml.encode()), None)
    root = etree.fromstring(cib_xml.encode())
    result = etree.Element("pacemaker-result", {"api-version": "2.25",
                                                "request": "crm status xml"})
    _summary(result, cl, root, now, membership)
    _nodes(result, cl)
    resources = etree.SubElement(result, "resources")
    for rsc in cl.resources:
        if rsc.has(R_ORPHAN) and not rsc_active(rsc, True):
            continue
        _resource(resources, cl, rsc)
    _history(result, cl, root)
    _failures(result, cl)
    tickets = root.findall("status/tickets/ticket_state")
    if tickets:
        holder = etree.SubElement(result, "tickets")
        for ts in tickets:
            granted = (ts.get("granted") or "").lower() in ("true", "yes", "on", "1")
            standby = (ts.get("standby") or "").lower() in ("true", "yes", "on", "1")
            elem = etree.SubElement(holder, "ticket", id=ts.get("id") or "",
                                    status="granted" if granted else "revoked",
                                    standby=_b(standby))
            if ts.get("last-granted"):
                elem.set("last-granted", epoch2str(_int(ts.get("last-granted"))))
    etree.SubElement(result, "status", code="0", message="OK")
    etree.indent(result, space="  ")
    return etree.tostring(result, encoding="unicode") + "\n"


__all__ = ["document", "readable_interval"]
