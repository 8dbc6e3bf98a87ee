"""From the scheduler's output to a transition the controller can execute.

The scheduler (:mod:`hacrm.scheduler`) returns its working set and a graph of actions; the
controller needs, for every action, what Pacemaker's controller finds in a transition-graph
``<rsc_op>``: the resource's agent, and the *parameters*: the resource's instance attributes
evaluated for the node, the operation's own instance attributes, and every meta attribute as
``CRM_meta_*`` (timeout and interval in milliseconds, clone numbers and sizes, the target node).
Agents read those, and the history records hash them (``op-digest``), so they are built the
way Pacemaker 2.1.5's graph producer builds them (``add_action_attributes``); a test compares
them with the graphs of Pacemaker's own regression corpus.

A :class:`Plan` is plain data (picklable, no lxml), so the scheduler may run in another thread
or process; :func:`compute_plan` is that whole step, CIB text in, plan out.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from hacrm.engine.opdigest import meta_name, scan_ll
from hacrm.engine.opresult import AgentRef, OpRequest
from hacrm.scheduler import graph as graph_mod
from hacrm.scheduler.actions import parse_op_key
from hacrm.scheduler.digests import _op_extra
from hacrm.scheduler.intervals import get_msec, parse_interval_ms
from hacrm.scheduler.model import (
    A_PSEUDO,
    R_NOTIFY,
    R_ORPHAN,
    R_PROMOTABLE,
    R_UNIQUE,
    Fail,
    Variant,
)
from hacrm.scheduler.unpack import rsc_params

FEATURE_SET = "3.16.1"           # Pacemaker 2.1.5's CRM_FEATURE_SET
DEFAULT_TIMEOUT_MS = 20000       # CRM_DEFAULT_OP_TIMEOUT_S
_FENCE_CLASSES = frozenset({"stonith"})
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class RscRef:
    """The resource a graph action works on, as the ``<primitive>`` of an ``<rsc_op>``."""

    id: str                 # what the node's executor knows it as (anonymous clone: base id)
    long_id: str | None
    cls: str
    provider: str | None
    type: str


@dataclass(frozen=True)
class PlannedAction:
    id: int
    kind: str               # "rsc_op", "pseudo_event" or "crm_event"
    task: str               # start, stop, monitor, cancel, stonith, do_shutdown, ...
    key: str                # operation_key
    node: str | None        # the node it runs on (uname); None for pseudo actions
    node_uuid: str | None
    rsc: RscRef | None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def interval_ms(self) -> int:
        try:
            return int(self.params.get("CRM_meta_interval", "0"))
        except ValueError:
            return 0

    @property
    def target_rc(self) -> int:
        try:
            return int(self.params.get("CRM_meta_op_target_rc", "0"))
        except ValueError:
            return 0

    @property
    def timeout_ms(self) -> int:
        try:
            return int(self.params.get("CRM_meta_timeout", str(DEFAULT_TIMEOUT_MS)))
        except ValueError:
            return DEFAULT_TIMEOUT_MS

    @property
    def no_wait(self) -> bool:
        """Confirmed as soon as it is sent (``CRM_meta_op_no_wait``)."""
        return self.params.get("CRM_meta_op_no_wait") == "true"

    def describe(self) -> str:
        where = f" on {self.node}" if self.node else ""
        return f"{self.key}{where}"


@dataclass(frozen=True)
class PlannedSynapse:
    id: int
    action: PlannedAction
    inputs: tuple[int, ...]     # action ids that must complete first
    priority: int = 0


@dataclass(frozen=True)
class Plan:
    """A transition: synapses in the scheduler's order, plus the graph-wide settings."""

    synapses: tuple[PlannedSynapse, ...]
    cluster_delay_ms: int = 60000
    stonith_timeout_ms: int = 60000
    batch_limit: int = 0
    failed_start_offset: str = "INFINITY"
    failed_stop_offset: str = "INFINITY"
    summary: tuple[str, ...] = ()
    #: epoch second by which the scheduler wants to run again (a failure timeout), 0 = none
    recheck_by: int = 0
    #: cluster-recheck-interval: run the scheduler at least this often (0: only on events)
    recheck_interval_ms: int = 900000
    warnings: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.synapses

    def actions(self) -> list[PlannedAction]:
        return [s.action for s in self.synapses]


# ---------------------------------------------------------------------------- parameters


def _meta_of(cl: Any, action: Any, now_epoch: float) -> dict[str, str]:
    """``action->meta`` as Pacemaker's ``unpack_operation`` leaves it: timeout, interval and
    start delay normalised to milliseconds, the probe timeout defaulted from the most frequent
    monitor, ``pcmk_monitor_timeout`` for fence devices."""
    meta = {k: v for k, v in action.meta.items() if not k.startswith("__")}
    rsc = action.rsc
    if rsc is None:
        return meta
    interval = action.interval_ms
    is_probe = action.task == "monitor" and interval == 0
    entry = action.op_entry
    entry_sets_timeout = entry is not None and (
        entry.get("timeout") is not None
        or entry.find("meta_attributes/nvpair[@name='timeout']") is not None)
    if is_probe and not entry_sets_timeout:
        shortest = _min_interval_monitor(rsc)
        if shortest is not None and shortest.get("timeout") is not None:
            meta["timeout"] = shortest.get("timeout")
    if (rsc.xml.get("class") in _FENCE_CLASSES and (action.task == "start" or is_probe)):
        override = rsc_params(cl, rsc, action.node).get("pcmk_monitor_timeout")
        if override:
            meta["timeout"] = override
    timeout = get_msec(meta.get("timeout")) if meta.get("timeout") is not None else -1
    meta["timeout"] = str(timeout if timeout >= 0 else DEFAULT_TIMEOUT_MS)
    if interval > 0:
        meta["interval"] = str(interval)
    else:
        meta.pop("interval", None)
    origin = meta.get("interval-origin")
    if interval > 0 and origin:
        delay = _origin_delay(origin, interval, now_epoch)
        if delay is not None:
            meta["start-delay"] = str(delay)
    elif meta.get("start-delay") is not None:
        delay = get_msec(meta["start-delay"])
        meta["start-delay"] = str(max(delay, 0))
    if action.on_fail == Fail.BLOCK and (meta.get("on-fail") or "").lower() == "block":
        meta["on-fail"] = "block"
    if action.task == "migrate_to" and not rsc.is_remote_node:
        # Pacemaker records a migration as pending, so that an interrupted one is known
        meta.setdefault("record-pending", "true")
    return meta


def _min_interval_monitor(rsc: Any) -> Any:
    best, best_ms = None, None
    if rsc.ops_xml is None:
        return None
    for op in rsc.ops_xml:
        if op.tag != "op" or (op.get("name") or "").lower() != "monitor":
            continue
        if (op.get("enabled") or "true").lower() in ("false", "no", "0", "off"):
            continue
        ms = parse_interval_ms(op.get("interval"))
        if ms and (best_ms is None or ms < best_ms):
            best, best_ms = op, ms
    return best


def _origin_delay(origin: str, interval_ms: int, now_epoch: float) -> int | None:
    from hacrm.scheduler.rules import parse_iso8601

    parsed = parse_iso8601(origin)
    if parsed is None or interval_ms < 1000:
        return None
    seconds = int(now_epoch) - int(parsed.timestamp())
    period = interval_ms // 1000
    seconds %= period
    return ((0 if seconds <= 0 else period) - seconds) * 1000


def _graph_meta(rsc: Any, out: dict[str, str]) -> None:
    """What each resource on the way up adds (``add_graph_meta``)."""
    r = rsc
    while r is not None:
        if r.variant == Variant.PRIMITIVE:
            if r.meta.get("clone") is not None:
                out["CRM_meta_clone"] = r.meta["clone"]
            if r.meta.get("remote-node") is not None:
                out["CRM_meta_remote_node"] = r.meta["remote-node"]
            p = r
            while p is not None:
                if p.container is not None:
                    out["CRM_meta_container"] = p.container.id
                p = p.parent
            if r.meta.get("external-ip") is not None:
                out["pcmk_external_ip"] = r.meta["external-ip"]
        elif r.variant == Variant.CLONE:
            out["CRM_meta_globally_unique"] = "true" if r.has(R_UNIQUE) else "false"
            out["CRM_meta_notify"] = "true" if r.has(R_NOTIFY) else "false"
            out["CRM_meta_clone_max"] = str(r.clone_max)
            out["CRM_meta_clone_node_max"] = str(r.clone_node_max)
            if r.has(R_PROMOTABLE):
                for name in ("promoted_max", "master_max"):
                    out[f"CRM_meta_{name}"] = str(r.promoted_max)
                for name in ("promoted_node_max", "master_node_max"):
                    out[f"CRM_meta_{name}"] = str(r.promoted_node_max)
        r = r.parent


def action_params(cl: Any, action: Any, now_epoch: float) -> dict[str, str]:
    """The ``<attributes>`` of a graph action, as Pacemaker's graph producer fills them."""
    out: dict[str, str] = {"crm_feature_set": FEATURE_SET}
    rsc = action.rsc
    if rsc is not None:
        out.update(_op_extra(cl, action.op_entry, action.node))
        if action.node is not None or rsc.variant == Variant.PRIMITIVE:
            out.update(rsc_params(cl, rsc, action.node))
    meta = _meta_of(cl, action, now_epoch)
    if action.node is not None and not action.has(A_PSEUDO):
        meta["on_node"] = action.node.uname
        meta["on_node_uuid"] = action.node.id
    for k, v in meta.items():
        if "#" in k or ":" in k or v is None:
            continue
        out[meta_name(k)] = v
    if rsc is not None:
        _graph_meta(rsc, out)
    elif action.task == "stonith" and action.node is not None:
        for k, v in action.node.attrs.items():
            if "#" in k or ":" in k or v is None:
                continue
            out[meta_name(k)] = v
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------- the plan


def _kind(action: Any) -> str:
    if action.task == "stonith":
        return "pseudo_event" if action.has(A_PSEUDO) else "crm_event"
    if action.task in ("do_shutdown", "clear_failcount", "lrm_delete"):
        return "crm_event"
    if action.has(A_PSEUDO):
        return "pseudo_event"
    return "rsc_op"


def _rsc_ref(cl: Any, action: Any) -> RscRef | None:
    rsc = action.rsc
    if rsc is None or action.has(A_PSEUDO):
        return None
    rid, long_id = graph_mod.action_rsc_name(cl, action)
    if rsc.has(R_ORPHAN) and rsc.clone_name is not None:
        rid, long_id = rsc.clone_name, rsc.id
    return RscRef(rid, long_id if long_id != rid else None, rsc.xml.get("class") or "",
                  rsc.xml.get("provider"), rsc.xml.get("type") or "")


def planned_action(cl: Any, action: Any, now_epoch: float) -> PlannedAction:
    kind = _kind(action)
    node = action.node if kind != "pseudo_event" else None
    return PlannedAction(
        id=action.id, kind=kind, task=action.task, key=graph_mod.task_key(action),
        node=node.uname if node is not None else None,
        node_uuid=node.id if node is not None else None,
        rsc=_rsc_ref(cl, action), params=action_params(cl, action, now_epoch))


def build_plan(cl: Any, graph: Any, now_epoch: float) -> Plan:
    from hacrm.scheduler.summary import transition_summary

    synapses = tuple(
        PlannedSynapse(s.id, planned_action(cl, s.action, now_epoch),
                       tuple(a.id for a in s.inputs), s.priority)
        for s in graph.synapses)
    try:
        summary = tuple(transition_summary(cl))
    except Exception:   # noqa: BLE001 - a summary is for the log only
        summary = ()
    return Plan(
        synapses=synapses,
        cluster_delay_ms=_msec(cl.config.get("cluster-delay"), 60000),
        stonith_timeout_ms=_msec(cl.config.get("stonith-timeout"), 60000),
        batch_limit=_int(cl.config.get("batch-limit"), 0),
        failed_start_offset="INFINITY" if cl.start_failure_fatal else "1",
        summary=summary, recheck_by=int(cl.recheck_by or 0),
        recheck_interval_ms=_msec(cl.config.get("cluster-recheck-interval"), 900000),
        warnings=tuple(getattr(cl, "warnings", []) or []))


def _msec(text: str | None, default: int) -> int:
    if text is None:
        return default
    value = get_msec(text)
    return value if value >= 0 else default


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def compute_plan(cib_text: str | bytes, now_epoch: float | None = None) -> Plan:
    """Run the scheduler on a whole CIB and return the transition to execute.

    A plain function of its arguments (the clock is passed in), so it can run in a worker."""
    from hacrm.scheduler.scheduler import schedule
    from hacrm.scheduler.unpack import parse_cib

    if now_epoch is None:
        now_epoch = time.time()
    cib = parse_cib(cib_text)
    now = datetime.fromtimestamp(int(now_epoch), UTC)
    cl, graph = schedule(cib, now)
    return build_plan(cl, graph, now_epoch)


# ---------------------------------------------------------------------------- XML


def to_xml(plan: Plan, transition_id: int) -> str:
    """The plan as Pacemaker's transition-graph XML (what ``crm_simulate -G`` writes)."""
    root = etree.Element("transition_graph")
    root.set("cluster-delay", f"{plan.cluster_delay_ms // 1000}s")
    root.set("stonith-timeout", f"{plan.stonith_timeout_ms // 1000}s")
    root.set("failed-stop-offset", plan.failed_stop_offset)
    root.set("failed-start-offset", plan.failed_start_offset)
    root.set("batch-limit", str(plan.batch_limit))
    root.set("transition_id", str(transition_id))
    if plan.recheck_by:
        root.set("recheck-by", str(plan.recheck_by))
    by_id = {s.action.id: s.action for s in plan.synapses}
    for syn in plan.synapses:
        s = etree.SubElement(root, "synapse", id=str(syn.id))
        if syn.priority > 0:
            s.set("priority", str(syn.priority))
        _action_xml(etree.SubElement(s, "action_set"), syn.action, True)
        inputs = etree.SubElement(s, "inputs")
        for aid in syn.inputs:
            trigger = etree.SubElement(inputs, "trigger")
            action = by_id.get(aid)
            if action is not None:
                _action_xml(trigger, action, False)
            else:
                etree.SubElement(trigger, "pseudo_event", id=str(aid))
    return etree.tostring(root, pretty_print=True).decode()


def _action_xml(parent: Any, action: PlannedAction, details: bool) -> None:
    el = etree.SubElement(parent, action.kind, id=str(action.id), operation=action.task,
                          operation_key=action.key)
    if action.node is not None:
        el.set("on_node", action.node)
        el.set("on_node_uuid", action.node_uuid or action.node)
    if not details:
        return
    if action.rsc is not None:
        r = etree.SubElement(el, "primitive", id=action.rsc.id)
        if action.rsc.long_id:
            r.set("long-id", action.rsc.long_id)
        r.set("class", action.rsc.cls)
        if action.rsc.provider:
            r.set("provider", action.rsc.provider)
        r.set("type", action.rsc.type)
    attrs = etree.SubElement(el, "attributes")
    for name, value in action.params.items():
        if _XML_NAME.match(name):
            attrs.set(name, value)
        else:   # not an XML name: a <param> child, as Pacemaker's hash2smartfield does
            etree.SubElement(attrs, "param", name=name, value=value)
    if action.task in ("stonith", "do_shutdown") and action.node_uuid:
        downed = etree.SubElement(el, "downed")
        etree.SubElement(downed, "node", id=action.node_uuid)


def request_for(action: PlannedAction, transition_id: int, te_uuid: str) -> OpRequest:
    """The executor request for a resource action: what ``request_from_graph_action`` makes
    of the action's ``<rsc_op>``, without going through XML."""
    if action.rsc is None:
        raise ValueError(f"graph action {action.id} ({action.key}) has no resource")
    target = scan_ll(action.params.get("CRM_meta_op_target_rc")) or 0
    key = f"{action.id}:{transition_id}:{target}:{te_uuid}"
    agent = AgentRef(action.rsc.cls, action.rsc.type, action.rsc.provider)
    return OpRequest.from_params(action.rsc.id, agent, action.task, action.params, key)


def rsc_op_element(action: PlannedAction) -> etree._Element:
    """One ``<rsc_op>`` as the executor's ``request_from_graph_action`` reads it."""
    holder = etree.Element("x")
    _action_xml(holder, action, True)
    return holder[0]


def split_key(key: str) -> tuple[str, str, int] | None:
    """``rsc_task_interval`` -> (rsc, task, interval)."""
    return parse_op_key(key)
