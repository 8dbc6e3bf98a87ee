"""Network faults on purpose: a hook in the transport for tests and soak runs.

Rules are bounded in time (each expires by itself, so a test that dies half-way never leaves a
cluster partitioned) and are set on a running daemon through its local API.  They act on what
the node sends and, for ``drop``, also on what it receives, so setting a partition on one node
is enough to cut that node off in both directions.

* ``drop`` between two node sets (a partition), or from/to everything when a set is omitted;
* ``loss``: drop each packet with probability ``p``;
* ``delay``: hold each packet ``ms`` milliseconds (plus up to ``jitter`` more);
* ``dup``: send each packet twice with probability ``p``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

MAX_DURATION = 3600.0


class FaultError(ValueError):
    """A fault rule that makes no sense; the message says why."""


@dataclass(frozen=True)
class Rule:
    kind: str
    until: float
    a: frozenset[int] | None = None
    b: frozenset[int] | None = None
    p: float = 1.0
    ms: float = 0.0
    jitter: float = 0.0

    def matches(self, src: int, dst: int) -> bool:
        if self.a is None and self.b is None:
            return True
        a = self.a if self.a is not None else None
        b = self.b if self.b is not None else None
        if a is not None and b is not None:
            return (src in a and dst in b) or (src in b and dst in a)
        group = a if a is not None else b
        assert group is not None
        return src in group or dst in group

    def to_json(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "remaining": round(self.until - now, 3)}
        if self.a is not None:
            out["a"] = sorted(self.a)
        if self.b is not None:
            out["b"] = sorted(self.b)
        if self.kind in ("loss", "dup"):
            out["p"] = self.p
        if self.kind == "delay":
            out["ms"], out["jitter"] = self.ms, self.jitter
        return out


def rule_from_json(data: dict[str, Any], now: float) -> Rule:
    """Build a rule from the API's JSON; ``duration`` (seconds) is required."""
    kind = data.get("kind")
    if kind not in ("drop", "loss", "delay", "dup"):
        raise FaultError(f"unknown fault kind {kind!r} (drop, loss, delay, dup)")
    duration = data.get("duration")
    if not isinstance(duration, (int, float)) or not 0 < duration <= MAX_DURATION:
        raise FaultError(f"duration must be a number of seconds in (0, {MAX_DURATION:.0f}]")

    def group(key: str) -> frozenset[int] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            raise FaultError(f"{key} must be a list of node ids")
        return frozenset(value)

    p = data.get("p", 1.0)
    if not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise FaultError("p must be a probability between 0 and 1")
    ms = data.get("ms", 0.0)
    jitter = data.get("jitter", 0.0)
    if not isinstance(ms, (int, float)) or not isinstance(jitter, (int, float)) or ms < 0 \
            or jitter < 0 or ms + jitter > 60000:
        raise FaultError("delay ms and jitter must be between 0 and 60000")
    return Rule(kind, now + float(duration), group("a"), group("b"), float(p), float(ms),
                float(jitter))


class FaultPlan:
    """The active rules of one node."""

    def __init__(self, seed: int | None = None) -> None:
        self.rules: list[Rule] = []
        self.rng = random.Random(seed)
        self.dropped = 0

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules = []

    def active(self, now: float) -> list[Rule]:
        self.rules = [r for r in self.rules if r.until > now]
        return self.rules

    def on_send(self, src: int, dst: int, now: float) -> list[float]:
        """Delays (seconds) of the copies to send; an empty list drops the packet."""
        rules = self.active(now) if self.rules else []
        if not rules:
            return [0.0]
        copies = 1
        delay = 0.0
        for rule in rules:
            if not rule.matches(src, dst):
                continue
            if rule.kind == "drop" or (rule.kind == "loss" and self.rng.random() < rule.p):
                self.dropped += 1
                return []
            if rule.kind == "dup" and self.rng.random() < rule.p:
                copies = 2
            if rule.kind == "delay":
                delay += (rule.ms + self.rng.uniform(0, rule.jitter)) / 1000
        return [delay] * copies

    def drops_incoming(self, src: int, dst: int, now: float) -> bool:
        if not self.rules:
            return False
        for rule in self.active(now):
            if rule.kind == "drop" and rule.matches(src, dst):
                self.dropped += 1
                return True
        return False

    def to_json(self, now: float) -> list[dict[str, Any]]:
        return [r.to_json(now) for r in self.active(now)]
