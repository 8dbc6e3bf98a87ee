"""What goes in and out of the controller's core (:mod:`hacrm.engine.controller_core`).

Events are facts the asyncio side observed (a membership, a CIB change, a node's report, the
scheduler's answer, a fencing outcome, the clock); effects are what the core wants done (run the
scheduler, send an action to a node, write the status section, fence a node).  Both are plain
frozen data, so the core is tested with lists of them and a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hacrm.engine.plan import Plan, PlannedAction

# ---------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Tick:
    """Time passed (timers: action deadlines, joins, rechecks)."""


@dataclass(frozen=True)
class DcState:
    """This node is (or is no longer) the DC of a synchronised membership; ``members`` maps
    every member's name to its node id.  Every member re-sends its resource history after each
    membership change, so becoming DC, or a new membership, restarts the join."""

    is_dc: bool
    members: dict[str, str] = field(default_factory=dict)
    all_nodes: dict[str, str] = field(default_factory=dict)
    quorate: bool = True
    #: members that left and came back since the last membership (a fast reboot)
    rejoined: tuple[str, ...] = ()


@dataclass(frozen=True)
class CibChanged:
    """The CIB changed; ``fingerprint`` summarises what the scheduler reads besides resource
    history (configuration version, node states, node attributes, quorum)."""

    fingerprint: str


@dataclass(frozen=True)
class OpOutcome:
    """One operation result, as a node reports it."""

    node: str
    rsc: str
    task: str
    interval_ms: int
    transition_key: str | None
    rc: int
    status: int
    call_id: int = 0
    exit_reason: str = ""
    on_fail: str | None = None

    @property
    def key(self) -> str:
        return f"{self.rsc}_{self.task}_{self.interval_ms}"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OpOutcome:
        return cls(node=str(data["node"]), rsc=str(data["rsc"]), task=str(data["task"]),
                   interval_ms=int(data.get("interval_ms") or 0),
                   transition_key=data.get("transition_key"), rc=int(data["rc"]),
                   status=int(data["status"]), call_id=int(data.get("call_id") or 0),
                   exit_reason=str(data.get("exit_reason") or ""),
                   on_fail=data.get("on_fail"))


@dataclass(frozen=True)
class NodeHistory:
    """A node's whole resource history (``<lrm_resources>``), sent after each membership
    change: the DC replaces what the CIB holds for that node with it."""

    node: str
    resources: bytes
    #: the node's daemon just started: its transient attributes from before are stale
    #: (Pacemaker's attribute manager erases them when it starts)
    fresh: bool = False


@dataclass(frozen=True)
class NodeUpdate:
    """Some of a node's resource history changed: ``resources`` is an ``<lrm_resources>``
    holding each changed ``lrm_resource`` whole, ``deleted`` names resources whose history is
    gone, ``results`` the operation results behind the change."""

    node: str
    resources: bytes = b""
    deleted: tuple[str, ...] = ()
    results: tuple[OpOutcome, ...] = ()


@dataclass(frozen=True)
class Planned:
    """The scheduler's answer to :class:`Compute` ``request`` (``plan`` None on error)."""

    request: int
    plan: Plan | None
    error: str | None = None


@dataclass(frozen=True)
class FenceDone:
    ref: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class FenceRequested:
    """Someone asked for a node to be fenced (``crm node fence``); answered by
    :class:`FenceReply` once done."""

    ref: str
    target: str
    action: str
    origin: str


@dataclass(frozen=True)
class WriteDone:
    seq: int
    ok: bool
    error: str | None = None


# ---------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Log:
    level: str
    text: str


@dataclass(frozen=True)
class Compute:
    """Run the scheduler on the current CIB; answer with :class:`Planned`."""

    request: int


@dataclass(frozen=True)
class Dispatch:
    """Send a resource action (or a ``do_shutdown``) to the node it runs on."""

    transition: int
    action: PlannedAction
    uuid: str


@dataclass(frozen=True)
class Fence:
    """Fence ``target`` (``action`` off, on or reboot), executed by node ``executor``;
    answer with :class:`FenceDone` carrying ``ref``."""

    ref: str
    target: str
    action: str
    executor: str


@dataclass(frozen=True)
class FenceReply:
    ref: str
    ok: bool
    detail: str
    origin: str


@dataclass(frozen=True)
class WriteStatus:
    """Apply a ``status_patch`` (body) to the CIB; answer with :class:`WriteDone`."""

    seq: int
    body: bytes


@dataclass(frozen=True)
class TransitionStarted:
    transition: int
    plan: Plan


@dataclass(frozen=True)
class TransitionDone:
    transition: int
    counts: dict[str, int]
    aborted: str | None
