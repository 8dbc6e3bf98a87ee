"""Requests to the executor and the results it reports, in Pacemaker's vocabulary.

An agent's own exit status lives in a class-specific code space (OCF, LSB init scripts, fence
agents); the executor maps it onto the OCF codes Pacemaker uses everywhere (``rc-code`` in the
status section) plus an *execution status* (``op-status``) that says whether the agent ran to
completion at all (done, timed out, not installed, cancelled...).  The numbers are Pacemaker
2.1.5's, because they are written into the CIB and read back by Pacemaker's tools.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from hacrm.engine.agentmeta import parse_duration_ms
from hacrm.engine.opdigest import META_PREFIX, interval_of, scan_ll

DEFAULT_TIMEOUT_MS = 20000          # Pacemaker's default operation timeout
METADATA_TIMEOUT_MS = 30000         # how long an agent may take to print its meta-data
EXIT_REASON_MAX = 128               # Pacemaker truncates exit reasons to this many characters
EXIT_REASON_PREFIX = "ocf-exit-reason:"


class OcfRc(enum.IntEnum):
    """OCF exit codes (``rc-code``), with Pacemaker's extensions."""

    OK = 0
    UNKNOWN_ERROR = 1
    INVALID_PARAM = 2
    UNIMPLEMENT_FEATURE = 3
    INSUFFICIENT_PRIV = 4
    NOT_INSTALLED = 5
    NOT_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    CONNECTION_DIED = 189
    DEGRADED = 190
    DEGRADED_PROMOTED = 191
    UNKNOWN = 193  # recorded for pending operations


class ExecStatus(enum.IntEnum):
    """Execution status (``op-status``)."""

    PENDING = -1
    DONE = 0
    CANCELLED = 1
    TIMEOUT = 2
    NOT_SUPPORTED = 3
    ERROR = 4
    ERROR_HARD = 5
    ERROR_FATAL = 6
    NOT_INSTALLED = 7
    NOT_CONNECTED = 8
    INVALID = 9
    NO_FENCE_DEVICE = 10
    NO_SECRETS = 11


# LSB status-action exit codes (other LSB actions share OCF's codes 0-7).
LSB_STATUS_OK = 0
LSB_STATUS_VAR_PID = 1
LSB_STATUS_VAR_LOCK = 2
LSB_STATUS_NOT_RUNNING = 3
LSB_STATUS_NOT_INSTALLED = 150   # Pacemaker's extensions
LSB_STATUS_INSUFFICIENT_PRIV = 151


def ocf_rc(exit_code: int) -> int:
    """An OCF agent's exit status as an rc: 0-9, 190, 191 kept, anything else is an error."""
    if exit_code in (OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED):
        return exit_code
    if exit_code < 0 or exit_code > OcfRc.FAILED_PROMOTED:
        return OcfRc.UNKNOWN_ERROR
    return exit_code


def lsb_rc(action: str, exit_code: int) -> int:
    """An init script's exit status as an OCF rc; ``status`` has its own LSB code space."""
    if action not in ("status", "monitor"):
        if exit_code < 0 or exit_code > OcfRc.NOT_RUNNING:
            return OcfRc.UNKNOWN_ERROR
        return exit_code
    if exit_code == LSB_STATUS_OK:
        return OcfRc.OK
    if exit_code == LSB_STATUS_NOT_INSTALLED:
        return OcfRc.NOT_INSTALLED
    if exit_code == LSB_STATUS_INSUFFICIENT_PRIV:
        return OcfRc.INSUFFICIENT_PRIV
    if exit_code in (LSB_STATUS_VAR_PID, LSB_STATUS_VAR_LOCK, LSB_STATUS_NOT_RUNNING):
        return OcfRc.NOT_RUNNING
    return OcfRc.UNKNOWN_ERROR


def fence_rc(exit_code: int) -> int:
    """Fence agents only say success (0) or failure (anything else)."""
    return OcfRc.OK if exit_code == 0 else OcfRc.UNKNOWN_ERROR


def readable_ms(ms: int) -> str:
    """``20000`` -> ``20s``, ``90500`` -> ``1m30.5s`` (for exit reasons and logs)."""
    seconds, millis = divmod(int(ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    out = ""
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if seconds or millis or not out:
        out += f"{seconds}.{millis:03d}".rstrip("0").rstrip(".") + "s"
    return out


@dataclass(frozen=True)
class AgentRef:
    """``class[:provider]:type`` of a resource agent."""

    cls: str
    type: str
    provider: str | None = None

    @classmethod
    def parse(cls, text: str) -> "AgentRef":
        """``ocf:heartbeat:Dummy``, ``lsb:cron``, ``stonith:fence_hacrm``."""
        parts = text.split(":")
        if len(parts) == 3 and parts[0] == "ocf":
            return cls("ocf", parts[2], parts[1])
        if len(parts) == 2 and parts[0] != "ocf":
            return cls(parts[0], parts[1])
        raise ValueError(f"not an agent specification: {text!r} "
                         "(expected ocf:PROVIDER:TYPE or CLASS:TYPE)")

    def __str__(self) -> str:
        if self.provider:
            return f"{self.cls}:{self.provider}:{self.type}"
        return f"{self.cls}:{self.type}"


@dataclass(frozen=True)
class OpRequest:
    """One operation for the executor: which resource, which agent, which action, how.

    ``params`` are the operation's parameters as a transition-graph action carries them:
    instance attributes plus ``CRM_meta_*`` keys.  Use :meth:`from_params` to derive interval,
    timeout and start delay from them the way Pacemaker's controller does.
    """

    rsc_id: str
    agent: AgentRef
    action: str
    params: Mapping[str, str] = field(default_factory=dict)
    interval_ms: int = 0
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    start_delay_ms: int = 0
    transition_key: str | None = None

    @classmethod
    def from_params(cls, rsc_id: str, agent: AgentRef, action: str,
                    params: Mapping[str, str], transition_key: str | None = None,
                    ) -> "OpRequest":
        """Build a request from graph-action parameters (``CRM_meta_interval``, ``_timeout``,
        ``_start_delay``); the target rc travels in the transition key, not the parameters."""
        p = {k: v for k, v in params.items() if k != META_PREFIX + "op_target_rc"}
        interval = interval_of(p)
        timeout = scan_ll(p.get(META_PREFIX + "timeout")) or 0
        if agent.cls == "stonith" and action == "monitor" and interval > 0:
            override = p.get("pcmk_monitor_timeout")
            if override:
                timeout = parse_duration_ms(override) or timeout
        if timeout <= 0:
            timeout = interval or DEFAULT_TIMEOUT_MS
        delay = max(0, scan_ll(p.get(META_PREFIX + "start_delay")) or 0)
        if action in ("start", "stop"):
            interval = 0
        return cls(rsc_id, agent, action, p, interval, timeout, delay, transition_key)

    @property
    def key(self) -> str:
        """``RSC_ACTION_INTERVAL``: the operation key Pacemaker uses everywhere."""
        return f"{self.rsc_id}_{self.action}_{self.interval_ms}"

    @property
    def is_probe(self) -> bool:
        return self.action == "monitor" and self.interval_ms == 0


@dataclass(frozen=True)
class AttributeUpdate:
    """A node attribute change an agent asked for (e.g. its promotion score)."""

    name: str
    value: str | None          # None deletes the attribute
    lifetime: str = "reboot"   # "reboot" (transient, status section) or "forever" (nodes section)
    node: str | None = None    # None: the node the agent ran on


@dataclass(frozen=True)
class OpResult:
    """What became of one run of an operation.

    Times follow Pacemaker's records: ``t_run``/``t_rcchange`` in seconds since the epoch,
    ``exec_time_ms``/``queue_time_ms`` in milliseconds.
    """

    request: OpRequest
    call_id: int
    rc: int
    status: ExecStatus
    exit_reason: str = ""
    stdout: str = ""
    stderr: str = ""
    t_run: int = 0
    t_rcchange: int = 0
    exec_time_ms: int = 0
    queue_time_ms: int = 0
    attributes: tuple[AttributeUpdate, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == ExecStatus.DONE and self.rc == OcfRc.OK

    def __str__(self) -> str:
        text = f"{self.request.key} (call {self.call_id}): rc={self.rc} status={self.status.name}"
        return text + (f" ({self.exit_reason})" if self.exit_reason else "")


def request_from_graph_action(rsc_op, transition_id: int, te_uuid: str) -> OpRequest:
    """The request a transition-graph ``<rsc_op>`` asks for, as Pacemaker's controller builds
    it: the resource from ``<primitive>`` (its ``id`` is what agents see as
    ``OCF_RESOURCE_INSTANCE``: the base name for an anonymous clone instance), the parameters
    from ``<attributes>``, and the transition key ``action:transition:target-rc:uuid`` with the
    target rc from ``CRM_meta_op_target_rc`` (0 when absent).
    """
    prim = rsc_op.find("primitive")
    attrs = rsc_op.find("attributes")
    if prim is None or attrs is None:
        raise ValueError(f"graph action {rsc_op.get('id')} has no primitive or attributes")
    params = dict(attrs.attrib)
    for param in attrs.iterfind("param"):   # names that are not XML names (hash2smartfield)
        if param.get("name") is not None:
            params[param.get("name")] = param.get("value", "")
    target = scan_ll(params.get(META_PREFIX + "op_target_rc")) or 0
    key = f"{int(rsc_op.get('id'))}:{transition_id}:{target}:{te_uuid}"
    agent = AgentRef(prim.get("class") or "", prim.get("type") or "", prim.get("provider"))
    return OpRequest.from_params(prim.get("id") or "", agent, rsc_op.get("operation") or "",
                                 params, key)
