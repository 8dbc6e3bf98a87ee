"""Graph stage: the transition graph (synapses with their inputs) built from the actions, in
Pacemaker's order, and its XML form (what crm_simulate -G writes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .cluster import Cluster
from .model import (A_DC, A_DEDUP, A_DUMPED, A_MIGRATE_RUNNABLE, A_OPTIONAL, A_PRINT_ALWAYS,
                    A_PSEUDO, A_RUNNABLE, INFINITY, Action, ActionWrapper, O_ANTI_COLOCATION,
                    O_APPLY_FIRST_NON_MIGRATABLE, O_IMPLIES_FIRST_MIGRATABLE,
                    O_IMPLIES_FIRST_PRINTED, O_IMPLIES_THEN_PRINTED, O_LOAD, O_NONE,
                    O_ONE_OR_MORE, O_OPTIONAL, R_FAILED, R_MANAGED, R_UNIQUE, Variant)


@dataclass(eq=False)
class Synapse:
    id: int
    action: Action
    inputs: list[Action] = field(default_factory=list)
    priority: int = 0


@dataclass(eq=False)
class Graph:
    synapses: list[Synapse] = field(default_factory=list)


def _should_add_action(action: Action) -> bool:
    if not action.has(A_RUNNABLE):
        return False
    if action.has(A_OPTIONAL) and not action.has(A_PRINT_ALWAYS):
        return False
    if action.rsc is not None and not action.rsc.has(R_MANAGED) and action.task != "monitor":
        if action.interval_ms == 0 and action.meta.get("interval") in (None, "0"):
            return False
    if action.has(A_PSEUDO) or action.task in ("stonith", "do_shutdown"):
        return True
    if action.node is None:
        return False
    if action.has(A_DC):
        return True
    if action.node.is_guest and not action.node.remote_requires_reset:
        return True
    if not action.node.online or action.node.unclean:
        return False
    return True


def _can_change(w: ActionWrapper) -> bool:
    return bool(w.type & ~(O_IMPLIES_FIRST_PRINTED | O_IMPLIES_THEN_PRINTED | O_OPTIONAL))


def _should_add_input(action: Action, w: ActionWrapper) -> bool:
    first = w.action
    if w.state == 1:
        return True
    if w.type == O_NONE:
        return False
    if not first.has(A_RUNNABLE) and not _can_change(w):
        return False
    if not first.has(A_RUNNABLE) and (w.type & O_ONE_OR_MORE):
        return False
    if (w.type & O_IMPLIES_FIRST_MIGRATABLE) and not first.has(A_RUNNABLE):
        return False
    if (w.type & O_APPLY_FIRST_NON_MIGRATABLE) and first.has(A_MIGRATE_RUNNABLE):
        return False
    if w.type == O_OPTIONAL and first.has(A_MIGRATE_RUNNABLE) and first.uuid.endswith("_stop_0"):
        return False
    if w.type == O_LOAD:
        if action.rsc is not None and action.task == "migrate_to":
            alloc = action.rsc.allocated_to
            if first.node is None or alloc is None or first.node is not alloc.node:
                w.type = O_NONE
                return False
        elif first.node is None or action.node is None or first.node is not action.node:
            w.type = O_NONE
            return False
        elif first.has(A_OPTIONAL):
            w.type = O_NONE
            return False
    elif w.type == O_ANTI_COLOCATION:
        if first.node is not None and action.node is not None and first.node is not action.node:
            w.type = O_NONE
            return False
        if first.has(A_OPTIONAL):
            w.type = O_NONE
            return False
    elif first.rsc is not None and first.rsc is not action.rsc and first.rsc.has(R_FAILED) \
            and not first.rsc.has(R_MANAGED) and first.uuid.endswith("_stop_0") \
            and action.rsc is not None and action.rsc.variant == Variant.CLONE:
        return False
    elif first.has(A_OPTIONAL) and not (first.flags & (A_PRINT_ALWAYS | A_DUMPED)) \
            and not _should_add_action(first):
        return False
    return True


def _dedup_inputs(action: Action) -> None:
    ordered = sorted(action.actions_before, key=lambda w: w.action.id)
    out: list[ActionWrapper] = []
    for w in ordered:
        if out and out[-1].action.id == w.action.id:
            out[-1].type |= w.type
            if w.state == 1:
                out[-1].state = 1
        else:
            w.state = 0
            out.append(w)
    action.actions_before = out


def create_graph(cl: Cluster) -> Graph:
    from .variants import behaviour
    graph = Graph()

    def add(action: Action) -> None:
        if not action.has(A_DEDUP):
            _dedup_inputs(action)
            action.set(A_DEDUP)
        if action.has(A_DUMPED) or not _should_add_action(action):
            return
        action.set(A_DUMPED)
        prio = action.rsc.priority if action.rsc is not None else 0
        if action.priority > prio:
            prio = action.priority
        syn = Synapse(len(graph.synapses), action, priority=max(prio, 0))
        for w in action.actions_before:
            if _should_add_input(action, w):
                w.state = 1
                syn.inputs.append(w.action)
        graph.synapses.append(syn)
    for rsc in cl.resources:
        behaviour(rsc).add_to_graph(cl, rsc, add)
    for action in reversed(list(cl.actions)):
        add(action)
    return graph


# --- names used for display and history -------------------------------------------------

def action_rsc_name(cl: Cluster, action: Action) -> tuple[str, str]:
    """(id, long id) a graph action carries for its resource (add_resource_details)."""
    rsc = action.rsc
    xml_id = rsc.xml.get("id")
    if rsc.has(1 << 0) and rsc.clone_name is not None:
        return rsc.clone_name, rsc.id
    if not rsc.has(R_UNIQUE):
        if rsc.clone_name is not None and rsc.clone_name != xml_id:
            return xml_id, rsc.clone_name
        return xml_id, rsc.id
    return rsc.id, rsc.id


def display_name(cl: Cluster, action: Action) -> str:
    """The name crm_simulate prints and records history under."""
    rid, long_id = action_rsc_name(cl, action)
    if cl.find_resource(rid) is None and cl.find_resource(long_id) is not None:
        return long_id
    return rid


def task_key(action: Action) -> str:
    rsc = action.rsc
    if rsc is not None and rsc.clone_name is not None:
        if action.task == "notify":
            n_type = action.meta.get("notify_type")
            n_task = action.meta.get("notify_operation")
            if n_type is None or n_task is None:
                return action.uuid
            return f"{rsc.clone_name}_{n_type}_notify_{n_task}_0"
        if action.cancel_task is not None:
            return f"{rsc.clone_name}_{action.cancel_task}_{action.interval_ms}"
        return f"{rsc.clone_name}_{action.task}_{action.interval_ms}"
    return action.uuid


def to_xml(cl: Cluster, graph: Graph) -> str:
    root = etree.Element("transition_graph")
    root.set("cluster-delay", cl.config.get("cluster-delay", "60s"))
    root.set("stonith-timeout", cl.config.get("stonith-timeout", "60s"))
    root.set("failed-stop-offset", "INFINITY")
    root.set("failed-start-offset", "INFINITY" if cl.start_failure_fatal else "1")
    root.set("batch-limit", cl.config.get("batch-limit", "0"))
    root.set("transition_id", "0")
    for syn in graph.synapses:
        s = etree.SubElement(root, "synapse", id=str(syn.id))
        if syn.priority > 0:
            s.set("priority", str(min(syn.priority, INFINITY)))
        aset = etree.SubElement(s, "action_set")
        _action_xml(cl, aset, syn.action)
        ins = etree.SubElement(s, "inputs")
        for a in syn.inputs:
            t = etree.SubElement(ins, "trigger")
            _action_xml(cl, t, a, details=False)
    return etree.tostring(root, pretty_print=True).decode()


def _locks_rsc_to_node(action: Action) -> bool:
    """pcmk__action_locks_rsc_to_node: actions on the node a resource is locked to."""
    lock = action.rsc.lock_node
    if lock is None or action.node is None or action.node is not lock:
        return False
    return not (action.node.shutdown and action.task != "stop")


def _action_xml(cl: Cluster, parent, action: Action, details: bool = True) -> None:
    if action.task == "stonith":
        tag = "pseudo_event" if action.has(A_PSEUDO) else "crm_event"
    elif action.task in ("do_shutdown", "clear_failcount", "lrm_delete"):
        tag = "crm_event"
    elif action.has(A_PSEUDO):
        tag = "pseudo_event"
    else:
        tag = "rsc_op"
    el = etree.SubElement(parent, tag, id=str(action.id), operation=action.task,
                          operation_key=task_key(action))
    if tag != "pseudo_event" and action.node is not None:
        el.set("on_node", action.node.uname)
        el.set("on_node_uuid", action.node.id)
    if action.task == "lrm_delete":
        el.set("mode", "cib")  # CIB-only clean-up of a shutdown lock
    if not details:
        return
    if action.rsc is not None and tag == "rsc_op" and _locks_rsc_to_node(action):
        el.set("shutdown-lock", str(action.rsc.lock_time))
    if action.rsc is not None and tag == "rsc_op":
        rid, long_id = action_rsc_name(cl, action)
        r = etree.SubElement(el, "primitive", id=rid)
        if long_id != rid:
            r.set("long-id", long_id)
        for k in ("class", "provider", "type"):
            if action.rsc.xml.get(k) is not None:
                r.set(k, action.rsc.xml.get(k))
    attrs = etree.SubElement(el, "attributes", CRM_meta_timeout=action.meta.get("timeout", "20000"))
    if action.interval_ms:
        attrs.set("CRM_meta_interval", str(action.interval_ms))
    if action.meta.get("op_target_rc"):
        attrs.set("CRM_meta_op_target_rc", action.meta["op_target_rc"])
    if action.task == "stonith":
        attrs.set("CRM_meta_stonith_action", action.meta.get("stonith_action", "reboot"))
