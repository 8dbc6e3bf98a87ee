"""A simulated network and clock for the membership core (etcd-io/raft's rafttest in spirit).

Every node is a :class:`Membership`; packets are encoded to bytes and decoded again (so the
codec is exercised), travel with a random delay, and can be lost, duplicated or cut off by a
partition.  Time only moves when the test says so, so a scenario that takes the real protocol
seconds runs in milliseconds and is exactly reproducible from its seed.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

from hacrm.engine import wire
from hacrm.engine.membership import (
    Broadcast,
    Deliver,
    Log,
    Membership,
    Phase,
    Receive,
    SaveRingSeq,
    Shutdown,
    Tick,
    Transmit,
    View,
    ViewChange,
)
from hacrm.engine.ordering import Timing

FAST = Timing(token=1.0, consensus=1.2, join=0.05, heartbeat=0.1, tick=0.02, retransmit=0.06,
              startup_wait=0.25, fragment=64, window=32, submit_window=16)


@dataclass
class NodeRecord:
    core: Membership
    alive: bool = True
    #: everything delivered, in order: ("view", View) or ("msg", ring, origin, data)
    events: list = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    ring_seq: int = 0
    tick_offset: float = 0.0


class FakeNet:
    def __init__(self, n: int, timing: Timing = FAST, seed: int = 1, *, start: bool = True,
                 delay: tuple[float, float] = (0.0002, 0.002)) -> None:
        self.timing = timing
        self.rng = random.Random(seed)
        self.now = 0.0
        self.ids = tuple(range(1, n + 1))
        self.nodes: dict[int, NodeRecord] = {}
        self.queue: list = []
        self.counter = 0
        self.delay = delay
        self.loss = 0.0
        self.dup = 0.0
        self.groups: list[set[int]] | None = None
        self.one_way: set[tuple[int, int]] = set()
        self.sent = 0
        self.next_ticks: dict[int, float] = {}
        for i in self.ids:
            if start:
                self.start(i)

    # ------------------------------------------------------------------ node control
    def start(self, i: int) -> None:
        seq = self.nodes[i].ring_seq if i in self.nodes else 0
        core = Membership(i, self.ids, self.timing, ring_seq=seq, now=self.now)
        rec = NodeRecord(core, ring_seq=seq, tick_offset=self.rng.uniform(0, self.timing.tick))
        self.nodes[i] = rec
        self.next_ticks[i] = self.now + rec.tick_offset

    def kill(self, i: int) -> None:
        self.nodes[i].alive = False

    def pause(self, i: int) -> None:
        """Stop the node's process (SIGSTOP): no ticks, nothing received, state kept."""
        self.nodes[i].alive = False

    def resume(self, i: int) -> None:
        """SIGCONT: what arrived meanwhile is discarded (as the daemon drains its socket) and
        the first thing the core sees is a very late tick."""
        self.nodes[i].alive = True
        self._apply(i, self.nodes[i].core.step(Tick(), self.now))

    def shutdown(self, i: int) -> None:
        self._apply(i, self.nodes[i].core.step(Shutdown(), self.now))
        self.nodes[i].alive = False

    def broadcast(self, i: int, data: bytes) -> None:
        self._apply(i, self.nodes[i].core.step(Broadcast(data), self.now))

    def partition(self, *groups: set[int]) -> None:
        self.groups = [set(g) for g in groups]

    def heal(self) -> None:
        self.groups = None
        self.one_way = set()

    # ------------------------------------------------------------------ time
    def _connected(self, a: int, b: int) -> bool:
        if (a, b) in self.one_way:
            return False
        if self.groups is None:
            return True
        return any(a in g and b in g for g in self.groups)

    def _apply(self, i: int, effects: list) -> None:
        rec = self.nodes[i]
        for eff in effects:
            if isinstance(eff, Transmit):
                self.sent += 1
                if not self._connected(i, eff.dst) or self.rng.random() < self.loss:
                    continue
                data = wire.encode(eff.msg)
                copies = 2 if self.rng.random() < self.dup else 1
                for _ in range(copies):
                    self.counter += 1
                    at = self.now + self.rng.uniform(*self.delay)
                    heapq.heappush(self.queue, (at, self.counter, i, eff.dst, data))
            elif isinstance(eff, Deliver):
                rec.events.append(("msg", eff.ring, eff.origin, eff.data))
            elif isinstance(eff, ViewChange):
                rec.events.append(("view", eff.view))
                rec.views.append(eff.view)
            elif isinstance(eff, Log):
                rec.logs.append(f"{self.now:.3f} {eff.level}: {eff.text}")
            elif isinstance(eff, SaveRingSeq):
                rec.ring_seq = eff.seq

    def run(self, duration: float) -> None:
        """Advance the clock by ``duration``, delivering packets and ticks in time order."""
        end = self.now + duration
        tick = self.timing.tick
        next_ticks = self.next_ticks
        while True:
            next_packet = self.queue[0][0] if self.queue else float("inf")
            i_tick, t_tick = min(next_ticks.items(), key=lambda kv: kv[1])
            t = min(next_packet, t_tick)
            if t > end:
                break
            self.now = t
            if next_packet <= t_tick:
                _, _, src, dst, data = heapq.heappop(self.queue)
                rec = self.nodes.get(dst)
                if rec is None or not rec.alive:
                    continue
                self._apply(dst, rec.core.step(Receive(src, wire.decode(data)), self.now))
            else:
                next_ticks[i_tick] = t_tick + tick
                rec = self.nodes[i_tick]
                if rec.alive:
                    self._apply(i_tick, rec.core.step(Tick(), self.now))
        self.now = end

    def run_until(self, predicate, limit: float, step: float = 0.01) -> float:
        """Run until ``predicate()`` holds; return the simulated time it took."""
        start = self.now
        while self.now - start < limit:
            if predicate():
                return self.now - start
            self.run(step)
        raise AssertionError(f"condition not reached within {limit} s of simulated time:\n"
                             + self.describe())

    # ------------------------------------------------------------------ inspection
    def alive_ids(self) -> list[int]:
        return [i for i, r in self.nodes.items() if r.alive]

    def settled(self, members: set[int] | None = None) -> bool:
        """Every live node is operational in one ring whose members are exactly the live nodes
        (or ``members``)."""
        alive = self.alive_ids() if members is None else sorted(members)
        rings = set()
        for i in alive:
            core = self.nodes[i].core
            if core.phase is not Phase.OPERATIONAL or set(core.members) != set(alive):
                return False
            rings.add(core.ring)
        return len(rings) == 1

    def messages(self, i: int) -> list[tuple[int, bytes]]:
        return [(e[2], e[3]) for e in self.nodes[i].events if e[0] == "msg"]

    def describe(self) -> str:
        lines = []
        for i, r in self.nodes.items():
            c = r.core
            lines.append(f"node {i} alive={r.alive} phase={c.phase.value} ring={c.ring} "
                         f"members={c.members} proc={sorted(c.proc)} fail={sorted(c.fail)}")
            lines += ["    " + log for log in r.logs[-8:]]
        return "\n".join(lines)
