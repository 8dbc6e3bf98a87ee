"""A cluster node's brain: membership, quorum, DC election and the replicated CIB, composed.

Pure like its parts: ``step(event, now) -> effects``; the daemon does the I/O the effects ask
for (send a packet, write the CIB, answer a client) and feeds back what happened (packets,
ticks, "written").

After every membership change the members *synchronise* through the ordered messaging:

1. each member announces its votes, whether it was DC, and its CIB version and digest
   (``state``); every member feeds the announcements, in the agreed order, to votequorum and
   the DC election, so all reach the same quorum and the same DC;
2. if the members' CIBs differ, the holder of the highest (admin_epoch, epoch, num_updates)
   sends it (``cib-sync``) and everyone takes it;
3. the DC then records the membership in the CIB's status section and starts serving requests.

CIB writes go through the DC: a node sends the request (``cib-req``) into the total order, the
DC checks it against the current CIB and announces the outcome (``cib-upd``), and every node
applies it when delivered.  The node that took the request from its client answers once the
new CIB is on its own disk and, for a configuration change, every member of the ring has it
(else a partition in that instant could leave it on this node alone, to be dropped when the
sides merge; the next quorate membership settles such a change).  Requests the old DC never
answered are sent again after a membership change; an update is only applied to the exact CIB
it was computed from, so a stale one can never corrupt a replica.

Messages of other kinds are handed out unchanged (:class:`AppMessage`) for the controller.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Union

from hacrm import __version__
from hacrm.backends.base import CibVersion
from hacrm.engine import cibstore
from hacrm.engine.cibstore import Cib, CibError
from hacrm.engine.config import ClusterConfig
from hacrm.engine.election import Candidate, elect
from hacrm.engine.membership import (
    Broadcast,
    Deliver,
    Log,
    Membership,
    Receive,
    SaveRingSeq,
    Shutdown,
    Tick,
    Transmit,
    View,
    ViewChange,
)
from hacrm.engine.ordering import Timing
from hacrm.engine.quorum import NodeInfo, VoteQuorum
from hacrm.engine.wire import Message, RingId

#: the answer to a change applied here that the cluster did not keep
NOT_CONFIRMED_ERROR = ("the change was not confirmed: the membership changed before every node "
                       "had received it, and the cluster kept a configuration without it "
                       "(check it and commit again)")

#: why a DC without quorum refuses a configuration change
NO_QUORUM_ERROR = ("no quorum: this partition cannot change the configuration (a change made "
                   "here could be lost when the partition rejoins the cluster)")

# ---------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Packet:
    """An authenticated message from node ``src``."""

    src: int
    msg: Message


@dataclass(frozen=True)
class ApiCall:
    """A request from a local client; answered by a :class:`Reply` with the same ``call``."""

    call: int
    op: str
    args: dict[str, Any] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class ApiCancel:
    """The client gave up waiting for ``call``."""

    call: int


@dataclass(frozen=True)
class Persisted:
    """The CIB at ``version`` is durably on disk."""

    version: CibVersion


@dataclass(frozen=True)
class Send:
    """Broadcast an application message of ``kind`` in the total order (the controller's)."""

    kind: str
    header: dict[str, Any]
    body: bytes = b""


NodeEvent = Union[Tick, Packet, ApiCall, ApiCancel, Persisted, Shutdown, Send]

# ---------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Persist:
    """The CIB changed (now at ``version``): write the current CIB (``core.cib.text()``, read
    when the writer gets to it, so bursts of changes cost one write), then report
    :class:`Persisted` with the version written."""

    version: CibVersion


@dataclass(frozen=True)
class Reply:
    call: int
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Notify:
    """Something a watcher (``crm`` waiting for a change, the controller) wants to know."""

    kind: str  # "view", "quorum", "dc", "cib"
    data: dict[str, Any]


@dataclass(frozen=True)
class AppMessage:
    """A delivered message of a kind this layer does not handle."""

    kind: str
    origin: int
    header: dict[str, Any]
    body: bytes


NodeEffect = Union[Transmit, Log, SaveRingSeq, Persist, Reply, Notify, AppMessage]

# ---------------------------------------------------------------------------- framing


def pack(kind: str, header: dict[str, Any], body: bytes = b"") -> bytes:
    head = dict(header)
    head["k"] = kind
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + body


def unpack(data: bytes) -> tuple[str, dict[str, Any], bytes]:
    head, _, body = data.partition(b"\n")
    header = json.loads(head)
    if not isinstance(header, dict) or not isinstance(header.get("k"), str):
        raise ValueError("malformed application message")
    return header.pop("k"), header, body


def _version(value: Any) -> CibVersion:
    if (not isinstance(value, list) or len(value) != 3
            or any(type(v) is not int or v < 0 for v in value)):
        raise ValueError("malformed version")
    return CibVersion(*value)


def _vjson(v: CibVersion) -> list[int]:
    return [v.admin_epoch, v.epoch, v.num_updates]


@dataclass
class _Pending:
    """A request this node sent for a local client."""

    call: int | None
    op: str
    args: dict[str, Any]
    base: CibVersion | None
    body: bytes
    delivered: bool = False
    waiting: CibVersion | None = None  # applied; answer once persisted and confirmed
    ring: RingId | None = None         # the ring the update was delivered in
    seq: int | None = None             # ... at or below this position of its order
    confirmed: bool = False            # every member of that ring received it


@dataclass
class _Request:
    rid: str
    origin: int
    op: str
    args: dict[str, Any]
    base: CibVersion | None
    body: bytes


ANSWERED_MEMORY = 4096


class NodeCore:
    """One node's cluster state machine."""

    def __init__(self, me: int, config: ClusterConfig, cib: Cib, *, ring_seq: int = 0,
                 now: float = 0.0, wall_offset: float | None = None,
                 timing: Timing | None = None) -> None:
        self.me = me
        self.config = config
        self.names = {n.nodeid: n.name for n in config.nodes}
        self.timing = timing or Timing.from_ms(config.token_ms, config.consensus_ms,
                                               config.totem.join, config.heartbeat_ms,
                                               config.totem.netmtu)
        self.mem = Membership(me, tuple(self.names), self.timing, ring_seq=ring_seq, now=now)
        self.vq = VoteQuorum(me, config.quorum, config.nodes)
        self.cib = cib
        self.wall_offset = time.time() - time.monotonic() if wall_offset is None else wall_offset
        self.started = now
        self._out: list[NodeEffect] = []
        self.view: View | None = None
        self.view_installed_at: float | None = None
        self.states: dict[int, dict[str, Any]] = {}
        self.quorum_synced = False
        self.cib_synced = False
        self.dc: int | None = None
        self.last_dc: int | None = None
        self.persisted: CibVersion = cib.version
        self.pending: dict[str, _Pending] = {}
        self._calls: dict[int, str] = {}
        self._rid = 0
        self.answered: OrderedDict[str, str] = OrderedDict()
        self.queue: deque[_Request] = deque()
        self.inflight: str | None = None
        self.view_history = 0
        self.clean_leavers: set[int] = set()

    # ------------------------------------------------------------------ public
    def step(self, event: NodeEvent, now: float) -> list[NodeEffect]:
        self._out = []
        self._now = now
        if isinstance(event, Tick):
            self._membership(self.mem.step(event, now))
            if self.quorum_synced and self.vq.tick(now):
                self._quorum_changed()
        elif isinstance(event, Packet):
            self._membership(self.mem.step(Receive(event.src, event.msg), now))
        elif isinstance(event, ApiCall):
            self._api(event)
        elif isinstance(event, ApiCancel):
            rid = self._calls.pop(event.call, None)
            if rid is not None and rid in self.pending:
                self.pending[rid].call = None
        elif isinstance(event, Persisted):
            self._persisted(event)
        elif isinstance(event, Shutdown):
            self._membership(self.mem.step(event, now))
        elif isinstance(event, Send):
            self._broadcast(event.kind, event.header, event.body)
        if any(p.waiting is not None for p in self.pending.values()):
            self._release()    # applied, persisted, or the ring's stable point moved
        out, self._out = self._out, []
        return out

    def wall(self, now: float) -> float:
        return now + self.wall_offset

    # ------------------------------------------------------------------ helpers
    def _log(self, level: str, text: str) -> None:
        self._out.append(Log(level, text))

    def _broadcast(self, kind: str, header: dict[str, Any], body: bytes = b"") -> None:
        self._membership(self.mem.step(Broadcast(pack(kind, header, body)), self._now))

    def _membership(self, effects: list) -> None:
        for eff in effects:
            if isinstance(eff, Deliver):
                self._deliver(eff.ring, eff.origin, eff.data)
            elif isinstance(eff, ViewChange):
                self._view_change(eff.view)
            else:
                self._out.append(eff)

    def name(self, nodeid: int | None) -> str | None:
        if nodeid is None:
            return None
        return self.names.get(nodeid, str(nodeid))

    # ------------------------------------------------------------------ membership changes
    def _view_change(self, view: View) -> None:
        self.view = view
        self.view_installed_at = self._now
        self.view_history += 1
        self.states = {}
        self.quorum_synced = False
        self.cib_synced = False
        if self.dc is not None:
            self.last_dc = self.dc
        self.dc = None
        self.queue.clear()
        self.inflight = None
        self.clean_leavers |= set(view.left_cleanly)
        self.clean_leavers -= set(view.members)
        self.vq.view_change(view.members, self._now)
        self._out.append(Notify("view", {"ring": str(view.ring), "members": list(view.members),
                                         "joined": list(view.joined), "left": list(view.left)}))
        info = self.vq.my_info()
        self._broadcast("state", {
            "ring": view.ring.to_json(), "info": info.to_json(),
            "was_dc": self.last_dc == self.me, "was_quorate": info.quorate,
            "cib": _vjson(self.cib.version), "digest": self.cib.digest,
        })
        # requests the previous DC saw but never answered go out again
        for rid, p in self.pending.items():
            if p.delivered and p.waiting is None:
                p.delivered = False
                self._send_request(rid, p)

    def _on_state(self, origin: int, header: dict[str, Any]) -> None:
        view = self.view
        if view is None or header.get("ring") != view.ring.to_json():
            return
        if origin not in view.members or origin in self.states:
            return
        info = NodeInfo.from_json(origin, header["info"])
        _version(header["cib"])
        if not isinstance(header.get("digest"), str):
            raise ValueError("malformed digest")
        self.states[origin] = header
        self.vq.node_info(info)
        if set(self.states) == set(view.members):
            self._sync_complete()

    def _sync_complete(self) -> None:
        view = self.view
        assert view is not None
        self.vq.sync_done()
        self.quorum_synced = True
        self.dc = elect([Candidate(n, bool(self.states[n].get("was_dc")),
                                   bool(self.states[n].get("was_quorate")))
                         for n in view.members])
        if self.dc != self.me:
            self.queue.clear()
        status = self.vq.status()
        self._log("notice", f"membership {view.ring}: {len(view.members)} member(s), "
                  f"{'quorate' if status.quorate else 'NOT quorate'}, DC {self.name(self.dc)}")
        self._out.append(Notify("quorum", status.to_json()))
        self._out.append(Notify("dc", {"dc": self.dc, "name": self.name(self.dc)}))
        stamps = {n: (_version(s["cib"]), s["digest"]) for n, s in self.states.items()}

        def rank(n: int) -> tuple[bool, CibVersion]:
            # a CIB from a quorate partition first: only there were changes acknowledged for
            # good; a node that was cut off can hold an update the others never received and
            # more status updates on top, and must not roll the quorate side back with them
            return bool(self.states[n].get("was_quorate")), stamps[n][0]

        best = max(rank(n) for n in stamps)
        holders = sorted(n for n in stamps if rank(n) == best)
        source = self.dc if self.dc in holders else holders[0]
        wanted = stamps[source]
        if status.quorate:
            self._settle_unconfirmed(stamps[self.me] == wanted)
        if all(stamp == wanted for stamp in stamps.values()):
            self._cib_synced()
            return
        if source == self.me:
            self._log("notice", f"sending CIB {self.cib.version} to the new membership")
            self._broadcast("cib-sync", {"ring": view.ring.to_json(),
                                         "cib": _vjson(self.cib.version),
                                         "digest": self.cib.digest},
                            self.cib.text().encode())

    def _settle_unconfirmed(self, kept: bool) -> None:
        """Changes applied here but not yet confirmed when the ring broke: the quorate
        membership now keeps this node's CIB (``kept``), and the changes with it, or another
        one, and they are gone."""
        for rid, p in list(self.pending.items()):
            if p.waiting is None or p.confirmed:
                continue
            if kept:
                p.confirmed = True
                continue
            self._remember(rid, "error")
            self._answer(rid, False, {}, NOT_CONFIRMED_ERROR)

    def _on_cib_sync(self, origin: int, header: dict[str, Any], body: bytes) -> None:
        view = self.view
        if view is None or header.get("ring") != view.ring.to_json() or not self.quorum_synced:
            return
        self._adopt(body, origin)
        self.cib.restart_lineage()  # everyone, adopting or not: the chain starts here again
        if not self.cib_synced:
            self._cib_synced()

    def _adopt(self, body: bytes, origin: int) -> None:
        try:
            cib = Cib.from_text(body)
        except CibError as err:
            self._log("error", f"CIB from node {self.name(origin)} is unusable: {err}")
            return
        if cib.digest != self.cib.digest:
            self._log("notice", f"taking CIB {cib.version} from node {self.name(origin)} "
                      f"(had {self.cib.version})")
            self.cib = cib
            self._cib_changed()

    def _cib_synced(self) -> None:
        self.cib_synced = True
        self.cib.restart_lineage()
        if self.dc == self.me:
            self._dc_membership_update()
            self._dc_process()

    def _quorum_changed(self) -> None:
        status = self.vq.status()
        self._out.append(Notify("quorum", status.to_json()))
        if self.dc == self.me and self.cib_synced:
            self._dc_membership_update()
            self._dc_process()

    # ------------------------------------------------------------------ the DC's duties
    def _dc_membership_update(self) -> None:
        view = self.view
        assert view is not None
        members = set(view.members)
        conf_nodes = self.cib.root.find("configuration/nodes")
        known = {n.get("id") for n in conf_nodes.findall("node")} if conf_nodes is not None \
            else set()
        missing = [{"id": str(n), "uname": self.names.get(n, str(n))} for n in view.members
                   if str(n) not in known]
        if missing:
            self._queue_internal("add_nodes", {"nodes": missing})
        # what Pacemaker's controller records on becoming DC, in its order
        wanted = [["have-watchdog", "false"], ["dc-version", f"{__version__}-hacrm"],
                  ["cluster-infrastructure", "hacrm"],
                  ["cluster-name", self.config.totem.cluster_name]]
        current = cibstore.bootstrap_options(self.cib.root)
        if any(current.get(k) != v for k, v in wanted):
            self._queue_internal("dc_properties", {"properties": wanted})
        nodes = [{"id": str(n.nodeid), "uname": n.name, "member": n.nodeid in members,
                  "clean": n.nodeid in self.clean_leavers} for n in self.config.nodes]
        self._queue_internal("membership", {"nodes": nodes, "quorate": self.vq.quorate,
                                            "dc_uuid": str(self.me)})

    def _queue_internal(self, op: str, args: dict[str, Any]) -> None:
        self._rid += 1
        self.queue.append(_Request(f"{self.me}:dc:{self._rid}:{self.view_history}", self.me,
                                   op, args, None, b""))

    def _dc_process(self) -> None:
        while self.inflight is None and self.queue and self.cib_synced and self.dc == self.me:
            req = self.queue.popleft()
            if req.rid in self.answered:
                continue
            header: dict[str, Any] = {"id": req.rid, "origin": req.origin}
            if req.op not in cibstore.OPERATIONS:
                header.update(result="error", error=f"unknown CIB operation {req.op!r}")
                self._broadcast("cib-upd", header)
                continue
            if cibstore.conflicts(self.cib, req.op, req.base):
                header.update(result="conflict", current=_vjson(self.cib.version))
                self._broadcast("cib-upd", header)
                continue
            if cibstore.OPERATIONS[req.op].kind == "config" and not self.vq.quorate:
                # when split sides merge only one CIB survives (the highest version), so a
                # change acknowledged on one side is lost or rolls the other side back; only
                # a quorate partition, of which there is at most one, may change it
                header.update(result="error", error=NO_QUORUM_ERROR)
                self._broadcast("cib-upd", header)
                continue
            attrs = {"cib-last-written": time.strftime(
                "%a %b %d %H:%M:%S %Y", time.localtime(self.wall(self._now))),
                "update-origin": self.name(req.origin) or "", "update-client": "hacrm"}
            if cibstore.OPERATIONS[req.op].kind == "status":
                attrs = {}
            try:
                prepared = cibstore.prepare(req.op, req.args, req.body, attrs)
            except CibError as err:
                header.update(result="error", error=str(err))
                self._broadcast("cib-upd", header)
                continue
            dst_version, dst_lineage = prepared.next_stamp(self.cib.stamp)
            header.update(result="ok", op=req.op, args=req.args, attrs=attrs,
                          src=[_vjson(self.cib.version), self.cib.lineage],
                          dst=[_vjson(dst_version), dst_lineage])
            self.inflight = req.rid
            self._broadcast("cib-upd", header, req.body)

    # ------------------------------------------------------------------ delivery
    def _deliver(self, ring: RingId, origin: int, data: bytes) -> None:
        try:
            kind, header, body = unpack(data)
        except (ValueError, UnicodeDecodeError) as err:
            self._log("warning", f"undecodable message from node {origin}: {err}")
            return
        try:
            if kind == "state":
                self._on_state(origin, header)
            elif kind == "cib-sync":
                self._on_cib_sync(origin, header, body)
            elif kind == "cib-req":
                self._on_request(origin, header, body)
            elif kind == "cib-upd":
                self._on_update(ring, origin, header, body)
            elif kind == "cib-resync":
                if self.dc == self.me and self.cib_synced and self.view is not None:
                    self._broadcast("cib-sync", {"ring": self.view.ring.to_json(),
                                                 "cib": _vjson(self.cib.version),
                                                 "digest": self.cib.digest, "resync": True},
                                    self.cib.text().encode())
            else:
                self._out.append(AppMessage(kind, origin, header, body))
        except (ValueError, KeyError, TypeError) as err:
            self._log("warning", f"malformed {kind} message from node {origin}: {err}")

    def _on_request(self, origin: int, header: dict[str, Any], body: bytes) -> None:
        rid = header["id"]
        if not isinstance(rid, str) or not isinstance(header.get("op"), str):
            raise ValueError("malformed request")
        if origin == self.me and rid in self.pending:
            self.pending[rid].delivered = True
        base = _version(header["base"]) if header.get("base") is not None else None
        args = header.get("args") or {}
        if not isinstance(args, dict):
            raise ValueError("malformed arguments")
        if rid in self.answered or (self.quorum_synced and self.dc != self.me):
            return
        self.queue.append(_Request(rid, origin, header["op"], args, base, body))
        self._dc_process()

    def _remember(self, rid: str, result: str) -> None:
        self.answered[rid] = result
        while len(self.answered) > ANSWERED_MEMORY:
            self.answered.popitem(last=False)

    def _on_update(self, ring: RingId, origin: int, header: dict[str, Any], body: bytes
                   ) -> None:
        rid = header["id"]
        result = header["result"]
        if not isinstance(rid, str) or result not in ("ok", "conflict", "error"):
            raise ValueError("malformed update")
        if self.inflight == rid:
            self.inflight = None
        mine = self.pending.get(rid)
        if result != "ok":
            self._remember(rid, result)
            if mine is not None and result == "conflict":
                current = header.get("current")
                self._answer(rid, False, {"conflict": True, "current": current},
                             f"CIB changed in the meantime (now "
                             f"{'.'.join(map(str, current or []))})")
            elif mine is not None:
                self._answer(rid, False, {}, header.get("error"))
            self._dc_process()
            return
        src_v, src_d = _version(header["src"][0]), header["src"][1]
        dst_v, dst_d = _version(header["dst"][0]), header["dst"][1]
        if not self.cib_synced or self.cib.stamp != (src_v, src_d):
            # computed on another CIB than ours (a stale DC, a change before the sync):
            # not applied anywhere in this membership; the requester sends it again
            if mine is not None and mine.waiting is None and rid not in self.answered:
                mine.delivered = False
                self._send_request(rid, mine)
            self._dc_process()
            return
        self._remember(rid, result)
        try:
            prepared = cibstore.prepare(header["op"], header.get("args") or {}, body,
                                        header.get("attrs") or {})
            cibstore.apply_prepared(self.cib, prepared)
        except Exception as err:
            self._log("error", f"cannot apply update {rid}: {err}; asking for the whole CIB")
            self._broadcast("cib-resync", {})
            self._dc_process()
            return
        if self.cib.stamp != (dst_v, dst_d):
            self._log("error", f"update {rid} led to {self.cib.version}/{self.cib.lineage[:12]}"
                      f", the DC expected {dst_v}/{str(dst_d)[:12]}; asking for the whole CIB")
            self._broadcast("cib-resync", {})
        self._cib_changed()
        if mine is not None:
            mine.waiting = self.cib.version
            cur = self.mem.cur
            mine.ring = ring
            mine.seq = cur.delivered if cur.ring == ring else None
            # the status section is rebuilt from the nodes after every membership change:
            # only configuration changes must wait until they cannot be lost
            mine.confirmed = cibstore.OPERATIONS[header["op"]].kind == "status"
        self._dc_process()

    def _cib_changed(self) -> None:
        self._out.append(Persist(self.cib.version))
        self._out.append(Notify("cib", {"version": _vjson(self.cib.version)}))

    def _persisted(self, event: Persisted) -> None:
        self.persisted = max(event.version, self.persisted)

    def _release(self) -> None:
        """Answer the clients whose change is on this node's disk and can no longer be lost:
        every member of the ring it was delivered in received it (its stable point passed
        it).  Until then a partition could leave it on this node alone, to be dropped when
        the sides merge; that case is settled by the next quorate membership."""
        cur = self.mem.cur
        for rid, p in list(self.pending.items()):
            if (p.waiting is not None and not p.confirmed and p.seq is not None
                    and cur.ring == p.ring and cur.stable >= p.seq):
                p.confirmed = True
            if p.waiting is not None and p.confirmed and p.waiting <= self.persisted:
                self._answer(rid, True, {"version": _vjson(p.waiting)})

    def _answer(self, rid: str, ok: bool, result: dict[str, Any], error: str | None = None
                ) -> None:
        """Forget this node's request ``rid`` and answer its client, if one still waits."""
        p = self.pending.pop(rid)
        if p.call is not None:
            self._calls.pop(p.call, None)
            self._out.append(Reply(p.call, ok, result, error))

    # ------------------------------------------------------------------ local API
    def _send_request(self, rid: str, p: _Pending) -> None:
        self._broadcast("cib-req", {"id": rid, "op": p.op, "args": p.args,
                                    "base": _vjson(p.base) if p.base is not None else None},
                        p.body)

    def _api(self, call: ApiCall) -> None:
        if call.op == "query":
            self._out.append(Reply(call.call, True, {
                "cib": self.cib.text(), "version": _vjson(self.cib.version),
                "digest": self.cib.digest}))
        elif call.op == "status":
            self._out.append(Reply(call.call, True, self.status()))
        elif call.op in ("replace_configuration", "cib_update"):
            if call.op == "replace_configuration":
                op, args = "replace_configuration", {}
                try:
                    base = _version(call.args.get("base"))
                except ValueError:
                    self._out.append(Reply(call.call, False, {}, "malformed base version"))
                    return
            else:
                op, args, base = call.args.get("op"), call.args.get("args") or {}, None
                # a client's op may be any JSON value (a list is not even hashable)
                if not isinstance(op, str) or op not in cibstore.OPERATIONS \
                        or not isinstance(args, dict):
                    self._out.append(Reply(call.call, False, {},
                                           f"unknown CIB operation {op!r}"))
                    return
            self._rid += 1
            rid = f"{self.me}:{self.wall(self.started):.0f}:{self._rid}"
            pending = _Pending(call.call, op, args, base, call.body)
            self.pending[rid] = pending
            self._calls[call.call] = rid
            self._send_request(rid, pending)
        else:
            self._out.append(Reply(call.call, False, {}, f"unknown request {call.op!r}"))

    def status(self) -> dict[str, Any]:
        """Membership, quorum, DC and CIB facts for ``crm cluster status`` / ``crm status``."""
        view = self.view
        members = set(view.members) if view is not None and self.quorum_synced else \
            set(self.mem.members) if self.mem.installed else {self.me}
        q = self.vq.status()
        return {
            "cluster_name": self.config.totem.cluster_name,
            "node": self.name(self.me), "nodeid": self.me,
            "phase": self.mem.phase.value,
            "ring_id": str(self.mem.ring) if self.mem.installed else None,
            "members": sorted(members),
            "nodes": [{"id": n.nodeid, "name": n.name, "member": n.nodeid in members,
                       "votes": n.votes} for n in self.config.nodes],
            "quorum": q.to_json(), "quorate": q.quorate and self.quorum_synced,
            "synced": self.quorum_synced and self.cib_synced,
            "dc": self.dc, "dc_name": self.name(self.dc),
            "cib": {"version": _vjson(self.cib.version), "digest": self.cib.digest},
            "persisted": _vjson(self.persisted),
            "views": self.view_history,
            "view_installed_at": (self.wall(self.view_installed_at)
                                  if self.view_installed_at is not None else None),
            "token_ms": int(self.timing.token * 1000),
            "pending_requests": len(self.pending),
        }
