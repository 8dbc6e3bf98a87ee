"""Operation history records: the ``lrm_rsc_op`` entries of the CIB status section.

The controller writes one of these for every recordable operation result, under
``node_state/lrm/lrm_resources/lrm_resource``.  They are what the scheduler (ours, and Debian's
``crm_simulate`` reading a CIB we wrote) unpacks to learn where resources run, what failed, and
whether a resource's parameters changed since it started.  So they are built here attribute by
attribute as Pacemaker 2.1.5's controller builds them:

- the entry id: ``RSC_last_0`` for the latest non-recurring op, ``RSC_last_failure_0`` for a
  failure (a failed non-recurring op also updates ``RSC_last_0``), ``RSC_monitor_10000`` for a
  recurring op, ``RSC_migrate_to_0`` for migrations, the notify key for notifications;
- ``operation_key`` / ``operation`` (a successful reload is recorded as a start, a failed one as
  a monitor), ``crm-debug-origin``, ``crm_feature_set``;
- ``transition-key`` (``action:transition:target-rc:uuid``; a fake one with transition -1 when
  the operation came from outside a transition) and ``transition-magic``
  (``op-status:rc;transition-key``);
- ``exit-reason``, ``on_node``, ``call-id``, ``rc-code``, ``op-status``, ``interval``,
  ``last-rc-change``, ``exec-time``, ``queue-time``;
- ``op-digest`` and, when the agent's meta-data allows, ``op-force-restart`` /
  ``op-restart-digest`` (non-recurring ops of agents that can reload) and ``op-secure-params`` /
  ``op-secure-digest`` (agents with private parameters).

The functions here only build and edit XML elements (lxml); reading or writing the CIB is the
caller's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from hacrm.engine.agentmeta import AgentMetadata
from hacrm.engine.opdigest import (
    META_PREFIX,
    op_digest,
    restart_digest,
    secure_digest,
)
from hacrm.engine.opresult import ExecStatus, OcfRc, OpResult

FEATURE_SET = "3.16.1"      # CRM_FEATURE_SET of Pacemaker 2.1.5
FAKE_TE_ID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
ORIGIN = "do_update_resource"

# Actions whose results go into the CIB (Pacemaker keeps cancel, delete, notify and
# meta-data results out of it).
_UNRECORDED = frozenset({"cancel", "delete", "notify", "meta-data"})
# Actions for which the controller adds the restart/secure digests.
_NEEDS_METADATA = frozenset({"start", "monitor", "promote", "demote", "reload", "reload-agent",
                             "migrate_to", "migrate_from", "notify"})
# Agent classes whose resources have parameters (the others get op-digest only).
_PARAM_CLASSES = frozenset({"ocf", "stonith", "nagios"})


def is_recordable(action: str) -> bool:
    """Whether the controller writes a result of ``action`` into the status section."""
    return action not in _UNRECORDED


def op_key(rsc_id: str, action: str, interval_ms: int = 0) -> str:
    return f"{rsc_id}_{action}_{interval_ms}"


def notify_key(rsc_id: str, notify_type: str, operation: str) -> str:
    return f"{rsc_id}_{notify_type}_notify_{operation}_0"


def transition_key(action_id: int, transition_id: int, target_rc: int,
                   uuid: str = FAKE_TE_ID) -> str:
    """``action:transition:target-rc:uuid`` (the ``transition-key`` attribute)."""
    return f"{action_id}:{transition_id}:{target_rc}:{uuid}"


@dataclass(frozen=True)
class TransitionKey:
    action_id: int
    transition_id: int
    target_rc: int
    uuid: str


def decode_transition_key(key: str | None) -> TransitionKey | None:
    """Split a transition key; None when it does not have the four parts."""
    if not key:
        return None
    parts = key.split(":", 3)
    if len(parts) != 4:
        return None
    try:
        return TransitionKey(int(parts[0]), int(parts[1]), int(parts[2]), parts[3])
    except ValueError:
        return None


def expected_rc(result: OpResult) -> int:
    """The rc the transition expected (from the transition key; 0 when there is none)."""
    decoded = decode_transition_key(result.request.transition_key)
    return decoded.target_rc if decoded else 0


def did_fail(status: int, rc: int, target_rc: int) -> bool:
    """Pacemaker's ``did_rsc_op_fail``: cancelled/pending never fail; errors always do."""
    if status in (ExecStatus.CANCELLED, ExecStatus.PENDING):
        return False
    if status in (ExecStatus.NOT_SUPPORTED, ExecStatus.TIMEOUT, ExecStatus.ERROR,
                  ExecStatus.NOT_CONNECTED, ExecStatus.NO_FENCE_DEVICE,
                  ExecStatus.NO_SECRETS, ExecStatus.INVALID):
        return True
    return rc != target_rc


def _version_tuple(text: str) -> tuple[int, ...]:
    out = []
    for piece in text.split("."):
        try:
            out.append(int(piece))
        except ValueError:
            out.append(0)
    return tuple(out)


def _version_at_least(text: str, wanted: str) -> bool:
    a, b = list(_version_tuple(text)), list(_version_tuple(wanted))
    width = max(len(a), len(b))
    return a + [0] * (width - len(a)) >= b + [0] * (width - len(b))


def _set(el, name: str, value: object) -> None:
    el.set(name, str(value))


def _find_op(parent, op_id: str):
    for child in parent:
        if child.tag == "lrm_rsc_op" and child.get("id") == op_id:
            return child
    return None


def _op_element(parent, op_id: str):
    """The ``lrm_rsc_op`` with this id under ``parent``, updated in place if it exists (as
    Pacemaker does: attributes the new result does not set, such as an earlier start's
    ``op-force-restart`` on a later stop, stay), else a new one appended."""
    if parent is None:
        return etree.Element("lrm_rsc_op")
    old = _find_op(parent, op_id)
    if old is not None:
        return old
    return etree.SubElement(parent, "lrm_rsc_op")


def build_op_records(parent, result: OpResult, node: str | None, *,
                     metadata: AgentMetadata | None = None,
                     feature_set: str | None = None,
                     origin: str = ORIGIN,
                     target_rc: int | None = None):
    """Record ``result`` under ``parent`` (an ``lrm_resource`` element, or None to get detached
    elements); returns the entries written (one, or two for a failed non-recurring op).

    ``metadata`` is the agent's parsed meta-data (for the restart and secure digests; pass None
    for classes without parameters or when it is unknown).  ``feature_set`` defaults to the
    ``crm_feature_set`` the DC put in the operation's parameters, else Pacemaker 2.1.5's.
    """
    req = result.request
    params = dict(req.params)
    version = feature_set or params.get("crm_feature_set") or FEATURE_SET
    if target_rc is None:
        target_rc = expected_rc(result)
    rc, status, exit_reason = result.rc, result.status, result.exit_reason

    task = req.action
    if task in ("reload", "reload-agent"):
        task = "start" if status == ExecStatus.DONE else "monitor"
    key = op_key(req.rsc_id, task, req.interval_ms)

    op_ids: list[str]
    reason = ""
    if task == "notify":
        op_ids = [notify_key(req.rsc_id, params.get(META_PREFIX + "notify_type", ""),
                             params.get(META_PREFIX + "notify_operation", ""))]
        if status != ExecStatus.PENDING:
            rc, status = OcfRc.OK, ExecStatus.DONE
    elif req.action in ("migrate_to", "migrate_from"):
        op_ids = [key]
    elif did_fail(status, rc, target_rc):
        op_ids = [op_key(req.rsc_id, "last_failure", 0)]
        if req.interval_ms == 0:
            op_ids.append(op_key(req.rsc_id, "last", 0))
        reason = exit_reason or ""
    elif req.interval_ms > 0:
        op_ids = [key]
    else:
        op_ids = [op_key(req.rsc_id, "last", 0)]

    # Outside a transition Pacemaker makes up a key: the call id as action, transition -1.
    user_data = req.transition_key or transition_key(result.call_id, -1, target_rc)
    magic = f"{int(status)}:{int(rc)};{user_data}"

    written = []
    for op_id in op_ids:
        el = _op_element(parent, op_id)
        _set(el, "id", op_id)
        _set(el, "operation_key", key)
        _set(el, "operation", task)
        _set(el, "crm-debug-origin", origin)
        _set(el, "crm_feature_set", version)
        _set(el, "transition-key", user_data)
        _set(el, "transition-magic", magic)
        _set(el, "exit-reason", reason)
        if node is not None:
            _set(el, "on_node", node)
        _set(el, "call-id", result.call_id)
        _set(el, "rc-code", int(rc))
        _set(el, "op-status", int(status))
        _set(el, "interval", req.interval_ms)
        if _version_at_least(version, "2.1") and (result.t_run or result.t_rcchange
                                                   or result.exec_time_ms
                                                   or result.queue_time_ms):
            changed = (result.t_rcchange if req.interval_ms and result.t_rcchange
                       else result.t_run)
            _set(el, "last-rc-change", changed)
            _set(el, "exec-time", result.exec_time_ms)
            _set(el, "queue-time", result.queue_time_ms)
        if req.action in ("migrate_to", "migrate_from"):
            for name in ("migrate_source", "migrate_target"):
                value = params.get(META_PREFIX + name)
                if value is not None:
                    _set(el, name, value)
        _set(el, "op-digest", op_digest(params))
        if (metadata is not None and req.agent.cls in _PARAM_CLASSES
                and req.action in _NEEDS_METADATA):
            _add_reload_digests(el, params, req.interval_ms, metadata)
        written.append(el)
    return written


def _add_reload_digests(el, params: Mapping[str, str], interval_ms: int,
                        metadata: AgentMetadata) -> None:
    """``op-force-restart``/``op-restart-digest`` and ``op-secure-params``/``-digest``."""
    if interval_ms == 0:
        restart = metadata.restart_list()
        if restart is not None:
            known = {p.name for p in metadata.params}
            subset = {k: v for k, v in params.items() if k in known}
            _set(el, "op-force-restart", restart)
            _set(el, "op-restart-digest", restart_digest(subset, restart))
    secure = metadata.secure_list()
    if secure is not None:
        # (DCs older than feature set 3.16.0 hashed only declared parameters; ours is newer.)
        _set(el, "op-secure-params", secure)
        _set(el, "op-secure-digest", secure_digest(params, secure))


def pending_record(parent, request, call_id: int, node: str | None, *,
                   t_run: int = 0, feature_set: str | None = None, origin: str = ORIGIN):
    """The entry Pacemaker writes while an operation runs (``record-pending``): rc 193,
    op-status -1, under ``RSC_last_0`` (or the recurring op's own key)."""
    result = OpResult(request=request, call_id=call_id, rc=OcfRc.UNKNOWN,
                      status=ExecStatus.PENDING, t_run=t_run, t_rcchange=t_run)
    return build_op_records(parent, result, node, feature_set=feature_set, origin=origin)


def lrm_resource(lrm_resources, rsc_id: str, cls: str, type_: str, provider: str | None):
    """The ``lrm_resource`` element of a resource under ``lrm_resources`` (created if absent)."""
    for child in lrm_resources:
        if child.tag == "lrm_resource" and child.get("id") == rsc_id:
            return child
    el = etree.SubElement(lrm_resources, "lrm_resource")
    el.set("id", rsc_id)
    el.set("type", type_)
    el.set("class", cls)
    if provider:
        el.set("provider", provider)
    return el


def remove_op(lrm_resource_el, op_id: str) -> bool:
    """Drop one history entry (a cancelled recurring monitor, say); True if it existed."""
    el = _find_op(lrm_resource_el, op_id)
    if el is None:
        return False
    lrm_resource_el.remove(el)
    return True
