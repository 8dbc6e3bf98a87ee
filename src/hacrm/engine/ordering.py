"""Totally ordered, reliable delivery inside one installed ring (pure state, no I/O).

The ring's representative is the sequencer.  A member sends each application message, cut into
fragments, to the representative as a FIFO stream (``Submit``, acknowledged cumulatively by
``SubmitAck``); the representative gives every fragment the next sequence number and sends it to
all members (``Data``).  Members deliver in sequence order as soon as they hold every fragment
below, ask for what is missing (``Nack``), and report their progress (``Ack``); the lowest
progress of all members is the *stable* point below which nobody needs a fragment any more.

A message's fragments get consecutive sequence numbers, so reassembly is a contiguous run and
every member sees the same messages in the same order.  What happens to fragments that were not
delivered when the ring ends is the membership's business (see :mod:`hacrm.engine.membership`):
this module keeps everything above the stable point so that survivors can hand it to each other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hacrm.engine.wire import Ack, Data, Message, Nack, RingId, Submit, SubmitAck


@dataclass(frozen=True)
class Timing:
    """The protocol's clocks and sizes (seconds and counts), derived from the configuration."""

    #: no packet from a member for this long: it is gone
    token: float = 1.0
    #: how long a membership round may take before non-responders are given up on
    consensus: float = 1.2
    #: join messages are repeated this often while gathering
    join: float = 0.05
    #: every node sends a heartbeat to every configured node this often
    heartbeat: float = 0.1
    #: the daemon calls the core this often
    tick: float = 0.02
    #: missing fragments, unacknowledged submissions and recovery requests are re-sent this often
    retransmit: float = 0.06
    #: a starting node listens this long before forming a membership on its own
    startup_wait: float = 0.25
    #: application bytes per fragment
    fragment: int = 1200
    #: ordered fragments in flight beyond the stable point
    window: int = 256
    #: submitted fragments in flight from one origin
    submit_window: int = 128

    @classmethod
    def from_ms(cls, token: int, consensus: int, join: int, heartbeat: int,
                netmtu: int = 1500) -> Timing:
        tick = min(0.02, heartbeat / 4000)
        return cls(token=token / 1000, consensus=consensus / 1000, join=join / 1000,
                   heartbeat=heartbeat / 1000, tick=tick,
                   retransmit=max(3 * tick, 0.03),
                   startup_wait=max(2.5 * heartbeat / 1000, join / 1000),
                   fragment=max(256, netmtu - 300))


Send = Callable[[int, Message], None]


class OrderedRing:
    """Ordered delivery state of one ring, on one node (member side and, on the
    representative, sequencer side)."""

    def __init__(self, ring: RingId, members: tuple[int, ...], me: int, timing: Timing,
                 send: Send) -> None:
        self.ring = ring
        self.members = members
        self.me = me
        self.rep = ring.rep
        self.timing = timing
        self.send = send
        # receive side
        self.received: dict[int, Data] = {}
        self.aru = 0  # all received up to here
        self.high = 0  # highest sequence number known to exist
        self.stable = 0
        self.delivered = 0
        self._parts: list[bytes] = []
        self._parts_origin = 0
        self._acked_aru = 0
        self._nacked: dict[int, float] = {}
        # sequencer side (representative only)
        self.next_seq = 1
        self.member_aru: dict[int, int] = {m: 0 for m in members}
        self._streams: dict[int, _InStream] = {}
        self._order_queue: deque[tuple[int, list[bytes]]] = deque()
        self._ordering: tuple[int, list[bytes], int] | None = None
        # origin side
        self._out: list[tuple[int, int, int, bytes]] = []  # (sub, idx, count, body) unacked
        self._next_sub = 1
        self._sub_acked = 0
        self._sent_upto = 0
        self._last_progress = 0.0

    @property
    def is_rep(self) -> bool:
        return self.me == self.rep

    # ------------------------------------------------------------------ origin side
    def submit(self, data: bytes, now: float) -> None:
        """Queue an application message for ordering."""
        size = self.timing.fragment
        frags = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
        if self.is_rep:
            self._order_queue.append((self.me, frags))
            self._order()
            return
        count = len(frags)
        for idx, body in enumerate(frags):
            self._out.append((self._next_sub, idx, count, body))
            self._next_sub += 1
        if self._sub_acked == self._sent_upto:
            self._last_progress = now
        self._send_submits(now, resend=False)

    def _send_submits(self, now: float, resend: bool) -> None:
        limit = self._sub_acked + self.timing.submit_window
        for sub, idx, count, body in self._out:
            if sub > limit:
                break
            if sub > self._sent_upto or resend:
                self.send(self.rep, Submit(self.ring, sub, idx, count, body))
                self._sent_upto = max(self._sent_upto, sub)

    def on_submit_ack(self, msg: SubmitAck, now: float) -> None:
        if msg.sub <= self._sub_acked:
            return
        self._sub_acked = min(msg.sub, self._next_sub - 1)
        self._out = [f for f in self._out if f[0] > self._sub_acked]
        self._last_progress = now
        self._send_submits(now, resend=False)

    # ------------------------------------------------------------------ sequencer side
    def on_submit(self, src: int, msg: Submit) -> None:
        if not self.is_rep or src not in self.member_aru:
            return
        stream = self._streams.setdefault(src, _InStream())
        complete = stream.add(msg, self.timing.submit_window * 4)
        self._order_queue.extend((src, parts) for parts in complete)
        if msg.sub <= stream.acked:
            stream.ack_due = True
        self._order()

    def _order(self) -> None:
        """Give sequence numbers to queued fragments while the window allows."""
        while self.next_seq - 1 - self.stable < self.timing.window:
            if self._ordering is None:
                if not self._order_queue:
                    return
                origin, parts = self._order_queue.popleft()
                self._ordering = (origin, parts, 0)
            origin, parts, idx = self._ordering
            data = Data(self.ring, self.next_seq, origin, idx, len(parts), self.stable,
                        parts[idx])
            self.next_seq += 1
            self._ordering = (origin, parts, idx + 1) if idx + 1 < len(parts) else None
            for member in self.members:
                if member != self.me:
                    self.send(member, data)
            self.store(data)

    def on_ack(self, src: int, msg: Ack) -> None:
        if not self.is_rep or src not in self.member_aru:
            return
        if msg.aru > self.member_aru[src]:
            self.member_aru[src] = min(msg.aru, self.next_seq - 1)
            self._update_stable()
            self._order()

    def _update_stable(self) -> None:
        self.member_aru[self.me] = self.aru
        stable = min(self.member_aru.values())
        if stable > self.stable:
            self.stable = stable
            self._collect()

    def on_nack(self, src: int, msg: Nack) -> None:
        for seq in msg.seqs[:self.timing.window]:
            data = self.received.get(seq)
            if data is not None:
                self.send(src, Data(data.ring, data.seq, data.origin, data.idx, data.count,
                                    self.stable, data.body))

    # ------------------------------------------------------------------ receive side
    def store(self, data: Data) -> None:
        """Keep a fragment (from the representative, a retransmission or a recovery)."""
        if data.seq <= self.aru or data.seq in self.received:
            return
        if data.seq > self.aru + 64 * self.timing.window:
            return  # nonsense from a confused peer; never let it grow our memory
        self.received[data.seq] = data
        self.high = max(self.high, data.seq)
        while self.aru + 1 in self.received:
            self.aru += 1
        if data.stable > self.stable and not self.is_rep:
            self.stable = min(data.stable, self.aru)
        self._nacked.pop(data.seq, None)

    def note_high(self, high: int) -> None:
        """The representative says ``high`` fragments exist (tail-loss detection)."""
        if high > self.high:
            self.high = min(high, self.aru + 64 * self.timing.window)

    def note_stable(self, stable: int) -> None:
        if not self.is_rep and stable > self.stable:
            self.stable = min(stable, self.aru)
            self._collect()

    def deliver(self, upto: int | None = None) -> list[tuple[int, bytes]]:
        """Reassemble and return complete messages, in order, up to ``upto`` (default aru)."""
        target = self.aru if upto is None else min(upto, self.aru)
        out: list[tuple[int, bytes]] = []
        while self.delivered < target:
            seq = self.delivered + 1
            data = self.received[seq]
            self.delivered = seq
            if data.idx == 0:
                self._parts = [data.body]
                self._parts_origin = data.origin
            elif self._parts and data.origin == self._parts_origin and \
                    data.idx == len(self._parts):
                self._parts.append(data.body)
            else:
                self._parts = []
                continue
            if data.idx == data.count - 1:
                out.append((self._parts_origin, b"".join(self._parts)))
                self._parts = []
        self._collect()
        return out

    def drop_partial(self) -> None:
        """Forget a half-reassembled message (the ring ended in its middle)."""
        self._parts = []

    def _collect(self) -> None:
        floor = min(self.stable, self.delivered)
        if not self.received or min(self.received) > floor:
            return
        for seq in [s for s in self.received if s <= floor]:
            del self.received[seq]

    # ------------------------------------------------------------------ periodic work
    def tick(self, now: float) -> None:
        """Acknowledge progress, ask for gaps, re-send submissions, advance the sequencer."""
        if self.is_rep:
            self._update_stable()
            self._order()
            for src, stream in self._streams.items():
                if stream.acked > stream.sent_ack or stream.ack_due:
                    self.send(src, SubmitAck(self.ring, stream.acked))
                    stream.sent_ack = stream.acked
                    stream.ack_due = False
            return
        if self.aru > self._acked_aru:
            self.send(self.rep, Ack(self.ring, self.aru))
            self._acked_aru = self.aru
        if self.high > self.aru:
            missing = []
            seq = self.aru + 1
            while seq <= self.high and len(missing) < 64:
                if seq not in self.received and \
                        now - self._nacked.get(seq, -1e9) >= self.timing.retransmit:
                    missing.append(seq)
                    self._nacked[seq] = now
                seq += 1
            if missing:
                self.send(self.rep, Nack(self.ring, tuple(missing)))
        if self._out and self._sub_acked < self._sent_upto and \
                now - self._last_progress >= self.timing.retransmit:
            self._last_progress = now
            self._send_submits(now, resend=True)


class _InStream:
    """One origin's fragment stream as the representative receives it."""

    def __init__(self) -> None:
        self.acked = 0
        self.sent_ack = 0
        self.ack_due = False
        self.pending: dict[int, Submit] = {}
        self.parts: list[bytes] = []

    def add(self, msg: Submit, limit: int) -> list[list[bytes]]:
        complete: list[list[bytes]] = []
        if msg.sub <= self.acked or msg.sub > self.acked + limit:
            return complete
        self.pending[msg.sub] = msg
        while self.acked + 1 in self.pending:
            frag = self.pending.pop(self.acked + 1)
            self.acked += 1
            if frag.idx != len(self.parts):
                self.parts = []  # a confused origin; drop what it sent so far
                if frag.idx != 0:
                    continue
            self.parts.append(frag.body)
            if frag.idx == frag.count - 1:
                complete.append(self.parts)
                self.parts = []
        return complete
