"""Membership with virtual synchrony: who is in the cluster, agreed by everyone in it.

A pure state machine (``step(event, now) -> effects``) in the manner of Totem, the protocol
corosync runs, adapted to a network where every node can send to every node directly:

* **Failure detection.**  Every node sends a heartbeat to every configured node each
  ``heartbeat`` interval.  A member from which nothing arrived for ``token`` is gone.  When our
  own process was stalled (a tick arrives late), the silence is ours, not theirs, and it is
  forgiven rather than blamed on the peers.
* **Gather.**  A node that suspects a failure, hears a node outside its ring, or starts up,
  gathers: it sends a ``Join`` naming the nodes it can reach (*proc*) and the ones it gave up on
  (*fail*) and merges what others send.  Consensus is reached when every node in proc - fail
  sent exactly the same two sets.  Nodes that do not agree within ``consensus`` are given up on.
* **Commit and recovery.**  The lowest node id of the agreed set (the new representative)
  sends a ``Commit`` with a new ring id and every member's old ring and progress.  Members that
  shared an old ring bring each other up to the highest contiguous progress any of them has
  (``RecoverReq`` / ``Data``), deliver those messages, then report ``Recovered``.  Because a
  node only ever delivers its contiguous prefix, every message any survivor delivered is below
  that point, so survivors of a ring agree on what was delivered in it (virtual synchrony).
* **Install.**  When all members recovered, the representative installs the ring and says so;
  members install on that message or on the representative's next heartbeat.  Messages a node
  had sent that the old ring did not deliver are sent again in the new ring.

The asyncio daemon owns sockets and clocks; this module only sees events and returns effects,
so tests run whole clusters on a fake network with a fake clock.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from typing import Union

from hacrm.engine.ordering import OrderedRing, Timing
from hacrm.engine.wire import (
    Ack,
    Commit,
    Data,
    Heartbeat,
    Install,
    Join,
    Leave,
    Message,
    Nack,
    Recovered,
    RecoverReq,
    RingId,
    Submit,
    SubmitAck,
)

# ---------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Tick:
    """Time passed; the daemon sends one every ``Timing.tick``."""


@dataclass(frozen=True)
class Receive:
    """An authenticated message from node ``src``."""

    src: int
    msg: Message


@dataclass(frozen=True)
class Broadcast:
    """The application wants ``data`` delivered to every member, in the total order."""

    data: bytes


@dataclass(frozen=True)
class Shutdown:
    """Leave the cluster cleanly."""


Event = Union[Tick, Receive, Broadcast, Shutdown]

# ---------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class View:
    """An installed membership.  A member that was apart from this node in between (it
    restarted, or sat in a ring of its own) is in both ``left`` and ``joined``: what it ran
    and held before may be gone."""

    ring: RingId
    members: tuple[int, ...]
    joined: tuple[int, ...] = ()
    left: tuple[int, ...] = ()
    #: the nodes of ``left`` that announced their departure (clean shutdown)
    left_cleanly: tuple[int, ...] = ()


@dataclass(frozen=True)
class Transmit:
    """Send ``msg`` to node ``dst``."""

    dst: int
    msg: Message


@dataclass(frozen=True)
class Deliver:
    """``data`` from ``origin`` is the next message in the total order of ``ring``."""

    ring: RingId
    origin: int
    data: bytes


@dataclass(frozen=True)
class ViewChange:
    """A new membership is installed; every later ``Deliver`` belongs to it."""

    view: View


@dataclass(frozen=True)
class Log:
    level: str
    text: str


@dataclass(frozen=True)
class SaveRingSeq:
    """Remember the highest ring sequence number across restarts."""

    seq: int


Effect = Union[Transmit, Deliver, ViewChange, Log, SaveRingSeq]


class Phase(enum.Enum):
    GATHER = "gather"
    COMMIT = "commit"
    RECOVERY = "recovery"
    OPERATIONAL = "operational"
    LEFT = "left"


@dataclass
class _Recovery:
    commit: Commit
    target: int
    holder: int
    done: bool = False
    recovered: set[int] = field(default_factory=set)
    last_request: float = -1e9
    last_commit_sent: float = -1e9
    deadline: float = 0.0


class Membership:
    """One node's view of the membership protocol."""

    def __init__(self, me: int, nodes: tuple[int, ...], timing: Timing, *, ring_seq: int = 0,
                 now: float = 0.0) -> None:
        self.me = me
        self.nodes = tuple(sorted(set(nodes) | {me}))
        self.timing = timing
        self.max_seq = ring_seq
        self._out: list[Effect] = []
        # the ring installed last; a fresh node starts in a placeholder ring of its own that
        # no other node can share (sequence 0 is never used by a real ring)
        self.cur = OrderedRing(RingId(0, me), (me,), me, timing, self._send)
        self.installed = False
        self.phase = Phase.GATHER
        self.pending: deque[bytes] = deque()  # to submit once a ring is installed
        self.unconfirmed: deque[bytes] = deque()  # submitted in the current ring, not delivered
        self.heard_at: dict[int, float] = {}
        self.alive_at: dict[int, float] = {}
        self.last_tick = now
        self.last_heartbeat = -1e9
        self.stable_told = 0  # the stable point the last heartbeat carried
        self.startup_until = now + timing.startup_wait
        # gather state
        self.proc: set[int] = {me}
        self.fail: set[int] = set()
        self.joins: dict[int, Join] = {}
        self.gather_deadline = now + timing.consensus
        self.last_join = -1e9
        self.next: OrderedRing | None = None
        self.recovery: _Recovery | None = None
        self.view_count = 0
        self.leavers: set[int] = set()

    # ------------------------------------------------------------------ public
    def step(self, event: Event, now: float) -> list[Effect]:
        """Feed one event; return what must be done, in order."""
        self._out = []
        if self.phase is Phase.LEFT:
            return []
        if isinstance(event, Tick):
            self._tick(now)
        elif isinstance(event, Receive):
            self._receive(event.src, event.msg, now)
        elif isinstance(event, Broadcast):
            self.pending.append(event.data)
            if self.phase is Phase.OPERATIONAL:
                self._flush_pending(now)
        elif isinstance(event, Shutdown):
            self._leave()
        if self.phase is Phase.OPERATIONAL:
            for origin, payload in self.cur.deliver():
                self._deliver(self.cur.ring, origin, payload)
        out, self._out = self._out, []
        return out

    @property
    def ring(self) -> RingId:
        return self.cur.ring

    @property
    def members(self) -> tuple[int, ...]:
        return self.cur.members

    # ------------------------------------------------------------------ helpers
    def _send(self, dst: int, msg: Message) -> None:
        self._out.append(Transmit(dst, msg))

    def _log(self, level: str, text: str) -> None:
        self._out.append(Log(level, text))

    def _heard(self, now: float) -> tuple[int, ...]:
        return tuple(n for n, t in sorted(self.heard_at.items())
                     if now - t <= self.timing.token)

    def _heartbeat(self, now: float) -> None:
        self.last_heartbeat = now
        cur = self.cur
        operational = self.phase is Phase.OPERATIONAL
        high = cur.next_seq - 1 if cur.is_rep else cur.high
        hb = Heartbeat(cur.ring, operational, cur.aru, high, cur.stable, self._heard(now))
        self.stable_told = cur.stable
        for node in self.nodes:
            if node != self.me:
                self._send(node, hb)

    # ------------------------------------------------------------------ ticks
    def _tick(self, now: float) -> None:
        gap = now - self.last_tick
        self.last_tick = now
        stall = gap - self.timing.tick
        if stall > max(5 * self.timing.tick, self.timing.heartbeat * 2):
            # We were not scheduled: nobody else's fault.  Forgive the silence.
            for table in (self.alive_at, self.heard_at):
                for node in table:
                    table[node] += stall
            self.gather_deadline += stall
            if self.recovery is not None:
                self.recovery.deadline += stall
            self._log("warning", f"event loop stalled for {int(stall * 1000)} ms; "
                                 "peer timeouts extended accordingly")
        if now - self.last_heartbeat >= self.timing.heartbeat:
            self._heartbeat(now)
        if self.phase is Phase.OPERATIONAL:
            lost = [m for m in self.cur.members if m != self.me
                    and now - self.alive_at.get(m, now) > self.timing.token]
            if lost:
                self._log("notice", "lost contact with node(s) "
                          + ", ".join(map(str, lost)) + f" after {self.timing.token:.3g} s")
                self._gather(now, set(self.cur.members) | set(self._heard(now)), set(lost))
                return
            self.cur.tick(now)
            if self.cur.is_rep and self.cur.stable > self.stable_told:
                # members learn the stable point from heartbeats, and a change is confirmed
                # to its client only once it is stable: tell them now, not a beat later
                self._heartbeat(now)
        elif self.phase is Phase.GATHER:
            if now >= self.gather_deadline:
                self._consensus_timeout(now)
            elif now - self.last_join >= self.timing.join:
                self._send_join(now)
            self._check_consensus(now)
        elif self.phase in (Phase.COMMIT, Phase.RECOVERY):
            self._recovery_tick(now)

    # ------------------------------------------------------------------ receive
    def _receive(self, src: int, msg: Message, now: float) -> None:
        if src == self.me or src not in self.nodes:
            return
        self.heard_at[src] = now
        if self.phase is Phase.OPERATIONAL and getattr(msg, "ring", None) == self.cur.ring:
            self.alive_at[src] = now
        if isinstance(msg, Heartbeat):
            self._on_heartbeat(src, msg, now)
        elif isinstance(msg, Join):
            self._on_join(src, msg, now)
        elif isinstance(msg, Commit):
            self._on_commit(src, msg, now)
        elif isinstance(msg, Recovered):
            rec = self.recovery
            if rec is not None and msg.ring == rec.commit.ring and self.me == msg.ring.rep:
                rec.recovered.add(src)
                self._maybe_install(now)
        elif isinstance(msg, Install):
            self._on_install(msg.ring, now)
        elif isinstance(msg, Leave):
            self._on_leave(src, msg, now)
        elif isinstance(msg, RecoverReq):
            self._on_recover_req(src, msg)
        elif isinstance(msg, Data):
            self._on_data(msg, now)
        elif isinstance(msg, (Submit, SubmitAck, Ack, Nack)):
            if self.phase is Phase.OPERATIONAL and msg.ring == self.cur.ring:
                if isinstance(msg, Submit):
                    self.cur.on_submit(src, msg)
                elif isinstance(msg, SubmitAck):
                    self.cur.on_submit_ack(msg, now)
                elif isinstance(msg, Ack):
                    self.cur.on_ack(src, msg)
                else:
                    self.cur.on_nack(src, msg)

    def _on_heartbeat(self, src: int, hb: Heartbeat, now: float) -> None:
        if self.phase is Phase.OPERATIONAL:
            if hb.ring == self.cur.ring:
                if src == self.cur.rep:
                    self.cur.note_high(hb.high)
                    self.cur.note_stable(hb.stable)
                elif self.cur.is_rep:
                    self.cur.on_ack(src, Ack(hb.ring, hb.aru))  # heartbeats carry progress too
                return
            if not hb.operational or self.me not in hb.heard:
                return
            if src in self.cur.members and hb.ring.seq < self.cur.ring.seq:
                return  # it has not installed our ring yet
            self._log("notice", f"node {src} is in ring {hb.ring}, ours is {self.cur.ring}: "
                      "merging")
            self._gather(now, set(self.cur.members) | {src}, set())
        elif self.phase in (Phase.COMMIT, Phase.RECOVERY):
            rec = self.recovery
            if rec is not None and hb.operational and hb.ring == rec.commit.ring \
                    and src == rec.commit.ring.rep:
                self._on_install(hb.ring, now)

    # ------------------------------------------------------------------ gather
    def _gather(self, now: float, proc: set[int], fail: set[int]) -> None:
        if self.phase is Phase.OPERATIONAL:
            self._log("info", f"leaving ring {self.cur.ring} to form a new membership")
        self.phase = Phase.GATHER
        self.proc = (proc | {self.me}) & set(self.nodes)
        self.fail = (fail - {self.me}) & set(self.nodes)
        self.joins = {}
        self.next = None
        self.recovery = None
        self.gather_deadline = now + self.timing.consensus
        self._send_join(now)
        self._check_consensus(now)

    def _send_join(self, now: float) -> None:
        self.last_join = now
        old = self.cur
        join = Join(old.ring, frozenset(self.proc), frozenset(self.fail), self.max_seq, old.aru)
        for node in self.nodes:
            if node != self.me:
                self._send(node, join)

    def _stale(self, join: Join, ring: RingId, members: tuple[int, ...]) -> bool:
        """A join left over from the round that formed ``ring`` (a late resend): it comes
        from the sender's previous ring and proposes exactly this ring's members."""
        return join.ring.seq < ring.seq and set(join.proc - join.fail) == set(members)

    def _on_join(self, src: int, join: Join, now: float) -> None:
        self.max_seq = max(self.max_seq, join.max_seq, join.ring.seq)
        if self.phase is Phase.OPERATIONAL:
            if src in self.cur.members:
                if join.ring != self.cur.ring and self._stale(join, self.cur.ring,
                                                              self.cur.members):
                    return
            elif self.me in join.fail:
                return
            self._gather(now, set(self.cur.members) | set(join.proc) | {src},
                         set(join.fail) - {self.me} if src in self.cur.members else set())
            self._merge_join(src, join, now)
            return
        if self.phase in (Phase.COMMIT, Phase.RECOVERY):
            rec = self.recovery
            assert rec is not None
            if src not in rec.commit.members or self._stale(join, rec.commit.ring,
                                                             rec.commit.members):
                return
            if join.ring == rec.commit.ring:
                return
            self._log("info", f"node {src} restarted the membership round")
            self._gather(now, set(rec.commit.members) | set(join.proc) | {src}, set(join.fail))
            self._merge_join(src, join, now)
            return
        self._merge_join(src, join, now)

    def _merge_join(self, src: int, join: Join, now: float) -> None:
        if self.phase is not Phase.GATHER or src in self.fail:
            return
        self.joins[src] = join
        if self.me in join.fail:
            self.fail.add(src)
            self.gather_deadline = now + self.timing.consensus
            self._send_join(now)
            return
        changed = False
        if not join.proc <= self.proc:
            self.proc |= join.proc & set(self.nodes)
            changed = True
        if not join.fail <= self.fail:
            self.fail |= (join.fail - {self.me}) & set(self.nodes)
            changed = True
        if changed:
            self.gather_deadline = now + self.timing.consensus
            self._send_join(now)
        self._check_consensus(now)

    def _agreed(self) -> set[int]:
        proc, fail = frozenset(self.proc), frozenset(self.fail)
        return {n for n, j in self.joins.items() if j.proc == proc and j.fail == fail}

    def _check_consensus(self, now: float) -> None:
        if self.phase is not Phase.GATHER:
            return
        members = sorted(self.proc - self.fail)
        agreed = self._agreed() | {self.me}
        if not set(members) <= agreed:
            return
        if now < self.startup_until and len(members) < len(self.nodes):
            return  # a starting node listens a little before settling for fewer nodes
        if members[0] != self.me:
            return  # the representative will send the commit
        seq = max([self.max_seq, self.cur.ring.seq] +
                  [self.joins[n].max_seq for n in members if n in self.joins] +
                  [self.joins[n].ring.seq for n in members if n in self.joins]) + 4
        olds = [(self.me, self.cur.ring, self.cur.aru)]
        olds += [(n, self.joins[n].ring, self.joins[n].aru) for n in members if n != self.me]
        commit = Commit(RingId(seq, self.me), tuple(members), tuple(sorted(olds)))
        self._log("info", f"membership agreed: {', '.join(map(str, members))}; "
                          f"forming ring {commit.ring}")
        for n in members:
            if n != self.me:
                self._send(n, commit)
        self._start_recovery(commit, now, commit_sent=now)

    def _consensus_timeout(self, now: float) -> None:
        agreed = self._agreed() | {self.me}
        silent = (self.proc - self.fail) - agreed
        if not silent:
            members = sorted(self.proc - self.fail)
            silent = {members[0]} if members and members[0] != self.me else set()
        if silent:
            self._log("notice", "no agreement from node(s) "
                      + ", ".join(map(str, sorted(silent))) + "; forming without them")
        self.fail |= silent
        self.joins = {n: j for n, j in self.joins.items() if n not in self.fail}
        self.gather_deadline = now + self.timing.consensus
        self._send_join(now)
        self._check_consensus(now)

    # ------------------------------------------------------------------ commit & recovery
    def _on_commit(self, src: int, commit: Commit, now: float) -> None:
        if self.me not in commit.members or src != commit.ring.rep or \
                src != min(commit.members):
            return
        if commit.ring.seq <= self.cur.ring.seq:
            return
        rec = self.recovery
        if rec is not None and rec.commit.ring == commit.ring:
            if rec.done:
                self._send(src, Recovered(commit.ring))
            return
        if self.phase is not Phase.GATHER:
            return
        if set(commit.members) != self.proc - self.fail:
            # the representative saw agreement on a set we have not (yet) merged: accept it if
            # it only differs by nodes we had not heard of, never if it includes one we failed
            if set(commit.members) & self.fail:
                return
        self._start_recovery(commit, now)

    def _start_recovery(self, commit: Commit, now: float, commit_sent: float = -1e9) -> None:
        self.max_seq = max(self.max_seq, commit.ring.seq)
        self._out.append(SaveRingSeq(self.max_seq))
        group = [(n, aru) for n, ring, aru in commit.olds
                 if ring == self.cur.ring and n != self.me] + [(self.me, self.cur.aru)]
        target = max(aru for _, aru in group)
        holder = min(n for n, aru in group if aru == target)
        self.phase = Phase.RECOVERY
        self.next = OrderedRing(commit.ring, commit.members, self.me, self.timing, self._send)
        self.recovery = _Recovery(commit, target, holder, deadline=now + self.timing.consensus,
                                  last_commit_sent=commit_sent)
        self._recovery_progress(now)

    def _recovery_progress(self, now: float) -> None:
        rec = self.recovery
        assert rec is not None
        old = self.cur
        if rec.done:
            return
        if old.aru >= rec.target:
            for origin, data in old.deliver(rec.target):
                self._deliver(old.ring, origin, data)
            rec.done = True
            if rec.commit.ring.rep == self.me:
                rec.recovered.add(self.me)
                self._maybe_install(now)
            else:
                self._send(rec.commit.ring.rep, Recovered(rec.commit.ring))
            return
        if now - rec.last_request >= self.timing.retransmit:
            rec.last_request = now
            last = min(rec.target, old.aru + self.timing.window)
            self._send(rec.holder, RecoverReq(old.ring, old.aru + 1, last))

    def _recovery_tick(self, now: float) -> None:
        rec = self.recovery
        assert rec is not None
        if now >= rec.deadline:
            commit = rec.commit
            if commit.ring.rep == self.me:
                silent = set(commit.members) - rec.recovered
            elif rec.done:
                silent = {commit.ring.rep}
            else:
                silent = {rec.holder} - {self.me}
            self._log("notice", f"ring {commit.ring} was not completed in time"
                      + (f" (waiting for {', '.join(map(str, sorted(silent)))})" if silent
                         else ""))
            self._gather(now, set(commit.members) | set(self._heard(now)), silent)
            return
        self._recovery_progress(now)
        if rec.commit.ring.rep == self.me and now - rec.last_commit_sent >= self.timing.join:
            rec.last_commit_sent = now
            for n in rec.commit.members:
                if n != self.me and n not in rec.recovered:
                    self._send(n, rec.commit)

    def _on_recover_req(self, src: int, req: RecoverReq) -> None:
        ring = self.cur
        if ring.ring != req.ring:
            return
        last = min(req.last, req.first + self.timing.window - 1)
        for seq in range(req.first, last + 1):
            data = ring.received.get(seq)
            if data is not None:
                self._send(src, data)

    def _on_data(self, data: Data, now: float) -> None:
        if self.phase is Phase.OPERATIONAL and data.ring == self.cur.ring:
            self.cur.store(data)
            self.cur.note_stable(data.stable)
            return
        if self.phase in (Phase.COMMIT, Phase.RECOVERY):
            if data.ring == self.cur.ring:
                self.cur.store(data)
                self._recovery_progress(now)
            elif self.next is not None and data.ring == self.next.ring:
                self.next.store(data)  # early data of the ring about to be installed

    def _maybe_install(self, now: float) -> None:
        rec = self.recovery
        if rec is None or rec.commit.ring.rep != self.me:
            return
        if rec.recovered >= set(rec.commit.members):
            for n in rec.commit.members:
                if n != self.me:
                    self._send(n, Install(rec.commit.ring))
            self._install(now)

    def _on_install(self, ring: RingId, now: float) -> None:
        rec = self.recovery
        if rec is None or rec.commit.ring != ring or not rec.done:
            return
        self._install(now)

    def _install(self, now: float) -> None:
        rec = self.recovery
        assert rec is not None and self.next is not None
        old_members = set(self.cur.members) if self.installed else {self.me}
        # a member of our old ring that comes from another ring has been apart from us in
        # between (restarted, or cut off and in a ring of its own): it left and joined again,
        # as the transitional membership of virtual synchrony says
        apart = {n for n, ring, _ in rec.commit.olds
                 if n in old_members and n != self.me and ring != self.cur.ring}
        self.cur.drop_partial()
        new = self.next
        self.cur = new
        self.next = None
        self.recovery = None
        self.phase = Phase.OPERATIONAL
        self.installed = True
        self.view_count += 1
        self.alive_at = {m: now for m in new.members}
        members = new.members
        left = tuple(sorted((old_members - set(members)) | apart))
        view = View(new.ring, members,
                    tuple(m for m in members if m not in old_members or m in apart),
                    left, tuple(n for n in left if n in self.leavers))
        self.leavers -= set(members) | set(left)
        self._log("notice", f"ring {new.ring} installed with {len(members)} member(s): "
                  + ", ".join(map(str, members)))
        self._out.append(ViewChange(view))
        # messages we sent that the old ring did not deliver go out again, first
        self.pending.extendleft(reversed(self.unconfirmed))
        self.unconfirmed.clear()
        for origin, payload in new.deliver():
            self._deliver(new.ring, origin, payload)
        self._flush_pending(now)
        self._heartbeat(now)

    def _deliver(self, ring: RingId, origin: int, data: bytes) -> None:
        if origin == self.me and self.unconfirmed:
            self.unconfirmed.popleft()
        self._out.append(Deliver(ring, origin, data))

    def _flush_pending(self, now: float) -> None:
        while self.pending:
            data = self.pending.popleft()
            self.unconfirmed.append(data)
            self.cur.submit(data, now)

    # ------------------------------------------------------------------ leaving
    def _leave(self) -> None:
        if self.phase is Phase.OPERATIONAL:
            for m in self.cur.members:
                if m != self.me:
                    self._send(m, Leave(self.cur.ring))
        self._log("notice", "leaving the cluster")
        self.phase = Phase.LEFT

    def _on_leave(self, src: int, msg: Leave, now: float) -> None:
        if src in self.cur.members:
            self.leavers.add(src)
        if self.phase is Phase.OPERATIONAL and msg.ring == self.cur.ring \
                and src in self.cur.members:
            self._log("notice", f"node {src} left the cluster")
            self._gather(now, set(self.cur.members), {src})
        elif self.phase is Phase.GATHER and src in self.proc:
            self.fail.add(src)
            self._send_join(now)
            self._check_consensus(now)
