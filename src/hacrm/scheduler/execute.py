"""Simulated execution of a transition graph, as crm_simulate -S does it: fire every synapse
whose inputs are confirmed, in graph order, pass after pass; each fired action succeeds at once
(unless a failure was injected) and its result is written into the CIB status section."""

from __future__ import annotations

from typing import Any

from lxml import etree

from .clock import epoch

from .cluster import Cluster
from .graph import Graph, display_name
from .inject import shut_down
from .model import A_PSEUDO, Action


def _node_state(cib: Any, uname: str, uuid: str | None) -> Any:
    status = cib.find("status")
    if status is None:
        status = etree.SubElement(cib, "status")
    for ns in status.findall("node_state"):
        if ns.get("uname") == uname:
            return ns
    ns = etree.SubElement(status, "node_state")
    ns.set("id", uuid or uname)
    ns.set("uname", uname)
    return ns


def _lrm_resource(ns: Any, name: str, config_name: str, rclass, rtype, rprovider) -> Any:
    lrm = ns.find("lrm")
    if lrm is not None:
        rscs = lrm.find("lrm_resources")
        if rscs is not None:
            for r in rscs.findall("lrm_resource"):
                if r.get("id") == name:
                    return r
            if name != config_name:
                for r in rscs.findall("lrm_resource"):
                    if r.get("id") == config_name:
                        return r
    if lrm is None:
        lrm = etree.SubElement(ns, "lrm", id=ns.get("id"))
    rscs = lrm.find("lrm_resources")
    if rscs is None:
        rscs = etree.SubElement(lrm, "lrm_resources")
    r = etree.SubElement(rscs, "lrm_resource", id=name)
    if rtype is not None:
        r.set("type", rtype)
    if rclass is not None:
        r.set("class", rclass)
    if rprovider is not None:
        r.set("provider", rprovider)
    return r


def _inject_result(entry: Any, task: str, interval: int, rc: int, target_rc: int,
                   node: str, migrate: dict[str, str], notify: tuple[str, str] | None = None,
                   when: int | None = None, op_status: int = 0) -> None:
    rid = entry.get("id")
    if task in ("reload", "reload-agent"):
        task = "start"
    key = f"{rid}_{task}_{interval}"
    failed = rc != target_rc or op_status != 0
    if task == "notify" and notify is not None:
        ids = [f"{rid}_{notify[0]}_notify_{notify[1]}_0"]
        rc = 0
    elif task in ("migrate_to", "migrate_from"):
        ids = [key]
    elif failed:
        ids = [f"{rid}_last_failure_0"] + ([f"{rid}_last_0"] if interval == 0 else [])
    elif interval > 0:
        ids = [key]
    else:
        ids = [f"{rid}_last_0"]
    call_id = 0
    for op in entry.findall("lrm_rsc_op"):
        try:
            call_id = max(call_id, int(op.get("call-id") or 0))
        except ValueError:
            pass
    call_id += 1
    for op_id in ids:
        op = None
        for o in entry.findall("lrm_rsc_op"):
            if o.get("id") == op_id:
                op = o
        if op is None:
            op = etree.SubElement(entry, "lrm_rsc_op")
        op.set("id", op_id)
        op.set("operation_key", key)
        op.set("operation", task)
        op.set("crm-debug-origin", "crm_simulate")
        op.set("crm_feature_set", "3.16.2")
        key_text = f"{call_id}:-1:{target_rc}:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        op.set("transition-key", key_text)
        op.set("transition-magic", f"{op_status}:{rc};{key_text}")
        op.set("exit-reason", "")
        op.set("on_node", node)
        op.set("call-id", str(call_id))
        op.set("rc-code", str(rc))
        op.set("op-status", str(op_status))
        op.set("interval", str(interval))
        if when is not None:
            # crm_simulate stamps injected results with the time they were made; the run's
            # effective time stands in for it (no clock is read here)
            op.set("last-rc-change", str(when))
            op.set("exec-time", "0")
            op.set("queue-time", "0")
        for k, v in migrate.items():
            op.set(k, v)


def execute_graph(cl: Cluster, graph: Graph, cib: Any, op_fail: list[str]) -> tuple[list[str], bool]:
    """Run the graph against ``cib`` (modified in place); return the printed lines and whether
    the transition completed."""
    lines: list[str] = []
    confirmed: set[int] = set()
    failed_actions: set[int] = set()
    executed: set[int] = set()
    abort = False

    def fire(action: Action) -> None:
        nonlocal abort
        if action.task == "stonith" and not action.has(A_PSEUDO):
            target = action.node.uname
            op = action.meta.get("stonith_action", "reboot")
            lines.append(f"  * Fencing {target} ({op})")
            if op != "on":
                shut_down(_node_state(cib, target, action.node.id))
            return
        if action.has(A_PSEUDO):
            node = f" on {action.node.uname}" if (action.node is not None and action.task == "stonith") else ""
            from .graph import task_key
            lines.append(f"  * Pseudo action:   {task_key(action)}{node}")
            return
        if action.task == "probe_again":
            return  # re-probe requests (old CIBs) are neither shown nor recorded
        if action.rsc is None or action.task in ("do_shutdown", "clear_failcount", "lrm_delete"):
            if action.rsc is not None:
                rid, _ = _names(cl, action)
                lines.append(f"  * Cluster action:  {action.task} for {rid} on {action.node.uname}")
            else:
                lines.append(f"  * Cluster action:  {action.task} on {action.node.uname}")
            return
        name = display_name(cl, action)
        node = action.node.uname
        interval = action.interval_ms
        if action.task in ("delete", "meta-data"):
            lines.append(f"  * Resource action: {name:<15} {action.task} on {node}")
            return
        if interval:
            lines.append(f"  * Resource action: {name:<15} {action.task}={interval} on {node}")
        else:
            lines.append(f"  * Resource action: {name:<15} {action.task} on {node}")
        target_rc = int(action.meta.get("op_target_rc", "0") or 0)
        rc = target_rc
        for spec in op_fail:
            for cand in (name, action.rsc.xml.get("id")):
                prefix = f"{cand}_{action.task}_{interval}@{node}="
                if spec.lower().startswith(prefix.lower()):
                    try:
                        rc = int(spec.split("=", 1)[1])
                    except ValueError:
                        continue
                    failed_actions.add(action.id)
                    abort = True
                    _inject_failcount(cib, node, action.node.id, cand, action.task, interval, rc)
                    break
            else:
                continue
            break
        ns = _node_state(cib, node, action.node.id)
        rid, _ = _names(cl, action)
        entry = _lrm_resource(ns, name, rid, action.rsc.xml.get("class"),
                              action.rsc.xml.get("type"), action.rsc.xml.get("provider"))
        migrate = {}
        if action.task in ("migrate_to", "migrate_from"):
            migrate = {"migrate_source": action.meta.get("migrate_source", ""),
                       "migrate_target": action.meta.get("migrate_target", "")}
        notify = None
        if action.task == "notify":
            notify = (action.meta.get("notify_type", "pre"), action.meta.get("notify_operation", ""))
        _inject_result(entry, action.task, interval, rc, target_rc, node, migrate, notify,
                       when=epoch(cl) if cl.now is not None else None)

    pending = list(graph.synapses)
    while True:
        fired = 0
        for syn in graph.synapses:
            if syn.id in executed:
                continue
            if any(a.id not in confirmed for a in syn.inputs):
                continue
            if any(a.id in failed_actions for a in syn.inputs):
                continue
            if abort and syn.priority < 1000000 and not syn.action.has(A_PSEUDO):
                continue
            executed.add(syn.id)
            fired += 1
            fire(syn.action)
            confirmed.add(syn.action.id)
        if fired == 0:
            break
    del pending
    complete = len(executed) == len(graph.synapses)
    return lines, complete


def _names(cl: Cluster, action: Action) -> tuple[str, str]:
    from .graph import action_rsc_name
    return action_rsc_name(cl, action)


def _inject_failcount(cib: Any, node: str, uuid: str, rsc: str, task: str, interval: int,
                      rc: int, when: int = 1) -> None:
    if rc == 0 or (rc == 7 and interval == 0):
        return
    ns = _node_state(cib, node, uuid)
    ta = ns.find("transient_attributes")
    if ta is None:
        ta = etree.SubElement(ns, "transient_attributes", id=ns.get("id"))
    ia = ta.find("instance_attributes")
    if ia is None:
        ia = etree.SubElement(ta, "instance_attributes", id=f"status-{ns.get('id')}")
    name = f"fail-count-{rsc}#{task}_{interval}"
    current = 0
    for nv in ia.findall("nvpair"):
        if nv.get("name") == name:
            try:
                current = int(nv.get("value"))
            except (TypeError, ValueError):
                current = 0
            ia.remove(nv)
    etree.SubElement(ia, "nvpair", id=f"status-{ns.get('id')}-{name}", name=name,
                     value=str(current + 1))
    lname = f"last-failure-{rsc}#{task}_{interval}"
    for nv in ia.findall("nvpair"):
        if nv.get("name") == lname:
            ia.remove(nv)
    etree.SubElement(ia, "nvpair", id=f"status-{ns.get('id')}-{lname}", name=lname,
                     value=str(when))
