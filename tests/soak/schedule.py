"""The fault schedule of a soak run: a pure function of the seed.

A run is a sequence of *episodes*.  Each episode injects one main fault (sometimes with a light
one on top), holds it for a while, ends it (restart, SIGCONT, rules cleared, disk freed), then
waits for the cluster to converge before the next one starts: that gives one convergence time
per episode, and a failure can be traced to the episode that caused it.  The same seed always
draws the same episodes in the same order; how many of them fit in the run depends on how fast
the cluster converges.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

#: every fault kind the soak knows, in the order figures are printed
KINDS = (
    "kill-daemon",      # SIGKILL of a node daemon, restarted afterwards (if fencing did not)
    "hang-short",       # SIGSTOP shorter than the token timeout, then SIGCONT: nothing may happen
    "hang-long",        # SIGSTOP far beyond the token timeout: the node is fenced, or SIGCONT
    "partition",        # one node cut off from the two others (transport fault hook)
    "loss",             # random packet loss on every link
    "delay",            # packets held back (with jitter) on every link
    "dup",              # packets sent twice on every link
    "kill-service",     # SIGKILL of the web server a resource agent started
    "kill-agent",       # SIGKILL of an agent process while it runs an action
    "enospc",           # the CIB directory of a node full
    "commit-burst",     # both shells commit as fast as they can
    "clock-jump",       # one node's wall clock stepped (seconds to a day, either way), then back
)

#: main faults and their weights; the light ones may ride along with any main fault
MAIN = {"kill-daemon": 3, "hang-short": 1, "hang-long": 2, "partition": 3, "loss": 2,
        "delay": 2, "dup": 1, "kill-service": 2, "kill-agent": 1, "enospc": 2,
        "commit-burst": 1, "clock-jump": 2}
LIGHT = ("kill-service", "enospc", "commit-burst", "loss", "delay", "dup", "clock-jump")
#: sizes of a clock jump, seconds (drawn with a sign): a slip, minutes, an hour, a day
CLOCK_JUMPS = (5.0, 90.0, 3600.0, 86400.0)
LIGHT_CHANCE = 0.3
MAX_EPISODES = 10_000


@dataclass(frozen=True)
class Fault:
    kind: str
    node: str | None = None          # the node it hits (None: every link)
    hold: float = 0.0                # seconds the fault lasts
    params: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Episode:
    index: int
    faults: tuple[Fault, ...]
    pause: float                     # quiet seconds after convergence, before the next one


def _fault(rng: random.Random, kind: str, nodes: list[str]) -> Fault:
    node = rng.choice(nodes)
    if kind == "kill-daemon":
        return Fault(kind, node, rng.uniform(3.0, 8.0))
    if kind == "hang-short":
        return Fault(kind, node, rng.uniform(0.2, 0.6))
    if kind == "hang-long":
        return Fault(kind, node, rng.uniform(4.0, 10.0))
    if kind == "partition":
        return Fault(kind, node, rng.uniform(4.0, 12.0))
    if kind == "loss":
        return Fault(kind, None, rng.uniform(3.0, 10.0), {"p": round(rng.uniform(0.05, 0.4), 2)})
    if kind == "delay":
        return Fault(kind, None, rng.uniform(3.0, 10.0),
                     {"ms": rng.randrange(20, 400), "jitter": rng.randrange(0, 200)})
    if kind == "dup":
        return Fault(kind, None, rng.uniform(3.0, 10.0), {"p": round(rng.uniform(0.2, 1.0), 2)})
    if kind == "enospc":
        return Fault(kind, node, rng.uniform(3.0, 10.0))
    if kind == "commit-burst":
        return Fault(kind, None, rng.uniform(3.0, 8.0))
    if kind == "clock-jump":
        return Fault(kind, node, rng.uniform(3.0, 10.0),
                     {"seconds": rng.choice((-1, 1)) * rng.choice(CLOCK_JUMPS)})
    if kind in ("kill-service", "kill-agent"):
        return Fault(kind, None, rng.uniform(1.0, 3.0))
    raise ValueError(f"unknown fault kind {kind!r}")


def episodes(seed: int, nodes: list[str]) -> Iterator[Episode]:
    """The run's episodes, drawn from ``seed`` (at most :data:`MAX_EPISODES`)."""
    rng = random.Random(seed)
    kinds = list(MAIN)
    weights = [MAIN[k] for k in kinds]
    for index in range(MAX_EPISODES):
        main = _fault(rng, rng.choices(kinds, weights)[0], nodes)
        faults = [main]
        if rng.random() < LIGHT_CHANCE:
            light = rng.choice([k for k in LIGHT if k != main.kind])
            faults.append(_fault(rng, light, nodes))
        yield Episode(index, tuple(faults), rng.uniform(0.5, 3.0))
