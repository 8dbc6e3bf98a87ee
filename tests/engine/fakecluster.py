"""Whole nodes (:class:`NodeCore`) on a simulated network with a simulated clock and disk.

Like :mod:`fakenet`, but each node also has a CIB, a "disk" (what it last persisted, written
after a configurable delay) and local clients whose calls are answered by ``Reply`` effects.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

from hacrm.backends.base import CibVersion
from hacrm.engine import config as cconf
from hacrm.engine import wire
from hacrm.engine.cibstore import Cib
from hacrm.engine.membership import Log, Phase, SaveRingSeq, Shutdown, Tick, Transmit
from hacrm.engine.node import (
    ApiCall,
    AppMessage,
    NodeCore,
    Notify,
    Packet,
    Persist,
    Persisted,
    Reply,
)
from hacrm.engine.ordering import Timing

TIMING = Timing(token=1.0, consensus=1.2, join=0.05, heartbeat=0.1, tick=0.02, retransmit=0.06,
                startup_wait=0.25, fragment=512, window=64, submit_window=32)


def make_config(n: int, quorum: str = "", extra_nodes: str = "") -> cconf.ClusterConfig:
    nodes = "".join(f"node {{\nring0_addr: 127.0.0.1\nring0_port: {5000 + i}\nnodeid: {i}\n"
                    f"name: node{i}\n{extra_nodes}}}\n" for i in range(1, n + 1))
    text = (f"totem {{\ncluster_name: test\n}}\nquorum {{\nprovider: corosync_votequorum\n"
            f"{quorum}\n}}\nnodelist {{\n{nodes}}}\n")
    return cconf.load_text(text)


@dataclass
class Host:
    core: NodeCore
    alive: bool = True
    disk: Cib | None = None
    ring_seq: int = 0
    replies: dict[int, Reply] = field(default_factory=dict)
    notes: list[Notify] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    app: list[AppMessage] = field(default_factory=list)
    tick_offset: float = 0.0


class FakeCluster:
    def __init__(self, n: int, *, quorum: str = "", seed: int = 1, start: bool = True,
                 persist_delay: float = 0.001, timing: Timing = TIMING) -> None:
        self.config = make_config(n, quorum)
        self.timing = timing
        self.rng = random.Random(seed)
        self.now = 0.0
        self.ids = tuple(range(1, n + 1))
        self.hosts: dict[int, Host] = {}
        self.queue: list = []
        self.counter = 0
        self.calls = 0
        self.persist_delay = persist_delay
        self.loss = 0.0
        self.groups: list[set[int]] | None = None
        self.next_ticks: dict[int, float] = {}
        if start:
            for i in self.ids:
                self.start(i)

    # ------------------------------------------------------------------ control
    def start(self, i: int, cib: Cib | None = None) -> None:
        old = self.hosts.get(i)
        disk = cib or (old.disk if old is not None else None) or Cib.empty()
        seq = old.ring_seq if old is not None else 0
        core = NodeCore(i, self.config, disk, ring_seq=seq, now=self.now, wall_offset=1e9,
                        timing=self.timing)
        self.hosts[i] = Host(core, disk=disk, ring_seq=seq,
                             tick_offset=self.rng.uniform(0, self.timing.tick))
        self.next_ticks[i] = self.now + self.hosts[i].tick_offset

    def kill(self, i: int) -> None:
        self.hosts[i].alive = False

    def shutdown(self, i: int) -> None:
        self._apply(i, self.hosts[i].core.step(Shutdown(), self.now))
        self.hosts[i].alive = False

    def partition(self, *groups: set[int]) -> None:
        self.groups = [set(g) for g in groups]

    def heal(self) -> None:
        self.groups = None

    def call(self, i: int, op: str, args: dict | None = None, body: bytes = b"") -> int:
        self.calls += 1
        self._apply(i, self.hosts[i].core.step(ApiCall(self.calls, op, args or {}, body),
                                               self.now))
        return self.calls

    def reply(self, i: int, call: int, limit: float = 10.0) -> Reply:
        self.run_until(lambda: call in self.hosts[i].replies, limit)
        return self.hosts[i].replies[call]

    def commit(self, i: int, cib_text: str, base: CibVersion) -> Reply:
        call = self.call(i, "replace_configuration",
                         {"base": [base.admin_epoch, base.epoch, base.num_updates]},
                         cib_text.encode())
        return self.reply(i, call)

    # ------------------------------------------------------------------ simulation
    def _connected(self, a: int, b: int) -> bool:
        return self.groups is None or any(a in g and b in g for g in self.groups)

    def _apply(self, i: int, effects: list) -> None:
        host = self.hosts[i]
        for eff in effects:
            if isinstance(eff, Transmit):
                if not self._connected(i, eff.dst) or self.rng.random() < self.loss:
                    continue
                self.counter += 1
                at = self.now + self.rng.uniform(0.0002, 0.002)
                heapq.heappush(self.queue, (at, self.counter, "pkt", i, eff.dst,
                                            wire.encode(eff.msg)))
            elif isinstance(eff, Persist):
                self.counter += 1
                heapq.heappush(self.queue, (self.now + self.persist_delay, self.counter, "disk",
                                            i, host.core, eff))
            elif isinstance(eff, Reply):
                host.replies[eff.call] = eff
            elif isinstance(eff, Notify):
                host.notes.append(eff)
            elif isinstance(eff, Log):
                host.logs.append(f"{self.now:.3f} {eff.level}: {eff.text}")
            elif isinstance(eff, SaveRingSeq):
                host.ring_seq = eff.seq
            elif isinstance(eff, AppMessage):
                host.app.append(eff)

    def run(self, duration: float) -> None:
        end = self.now + duration
        while True:
            t_pkt = self.queue[0][0] if self.queue else float("inf")
            i_tick, t_tick = min(self.next_ticks.items(), key=lambda kv: kv[1])
            t = min(t_pkt, t_tick)
            if t > end:
                break
            self.now = t
            if t_pkt <= t_tick:
                item = heapq.heappop(self.queue)
                if item[2] == "pkt":
                    _, _, _, src, dst, data = item
                    host = self.hosts.get(dst)
                    if host is not None and host.alive:
                        self._apply(dst, host.core.step(Packet(src, wire.decode(data)),
                                                        self.now))
                else:
                    _, _, _, i, core, _ = item
                    host = self.hosts[i]
                    if host.alive and host.core is core:
                        host.disk = Cib.from_text(core.cib.text())
                        self._apply(i, core.step(Persisted(host.disk.version), self.now))
            else:
                self.next_ticks[i_tick] = t_tick + self.timing.tick
                host = self.hosts[i_tick]
                if host.alive:
                    self._apply(i_tick, host.core.step(Tick(), self.now))
        self.now = end

    def run_until(self, predicate, limit: float = 10.0, step: float = 0.01) -> float:
        start = self.now
        while self.now - start < limit:
            if predicate():
                return self.now - start
            self.run(step)
        raise AssertionError(f"not reached within {limit} s (simulated):\n" + self.describe())

    # ------------------------------------------------------------------ inspection
    def alive_ids(self) -> list[int]:
        return [i for i, h in self.hosts.items() if h.alive]

    def settled(self, members: set[int] | None = None) -> bool:
        """One ring of exactly the live nodes (or ``members``), synced, with one DC."""
        ids = sorted(members) if members is not None else self.alive_ids()
        rings, dcs = set(), set()
        for i in ids:
            core = self.hosts[i].core
            if core.mem.phase is not Phase.OPERATIONAL or set(core.mem.members) != set(ids):
                return False
            if not (core.quorum_synced and core.cib_synced):
                return False
            rings.add(core.mem.ring)
            dcs.add(core.dc)
        return len(rings) == 1 and len(dcs) == 1

    def cib(self, i: int) -> Cib:
        return self.hosts[i].core.cib

    def describe(self) -> str:
        lines = []
        for i, h in self.hosts.items():
            c = h.core
            lines.append(f"node {i} alive={h.alive} phase={c.mem.phase.value} ring={c.mem.ring}"
                         f" members={c.mem.members} dc={c.dc} synced={c.quorum_synced}/"
                         f"{c.cib_synced} cib={c.cib.version}")
            lines += ["    " + log for log in h.logs[-6:]]
        return "\n".join(lines)
