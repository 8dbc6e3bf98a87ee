"""Two shells committing configuration changes while the faults happen.

Each shell is a thread that runs the real ``crm`` (``crm configure property soak-NAME-N=N``)
against a node drawn from the seed, N counting up: every commit adds a property of its own, so
a lost one cannot hide behind a later one.  ``crm`` exiting 0 is an acknowledged commit;
anything else is refused (no quorum, a conflict with the other shell, a node that is down) and
a shell killed after its time limit is unknown.  Because each shell's values only grow, "no
acknowledged commit lost or rolled back" is: every property acknowledged is in the quorate
DC's configuration once replication had time to reach it, and stays there.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from hacrm.engine import sandbox as sandbox_mod

CRM = str(Path(sys.executable).with_name("crm"))
COMMIT_TIMEOUT = 30.0


@dataclass
class Tally:
    attempted: int = 0
    acknowledged: int = 0
    refused: int = 0
    unknown: int = 0
    refusals: dict[str, int] = field(default_factory=dict)


class Shell(threading.Thread):
    def __init__(self, name: str, sb: sandbox_mod.Sandbox, seed: int, stop: threading.Event,
                 burst: threading.Event, log) -> None:
        super().__init__(name=f"soak-{name}", daemon=True)
        self.prop = f"soak-{name}"
        self.sb = sb
        self.rng = random.Random(seed)
        self.stop_event = stop
        self.burst = burst
        self.log = log
        self.lock = threading.Lock()
        self.acked: dict[str, float] = {}   # acknowledged property -> when (monotonic)
        self.tally = Tally()
        self.value = 0

    def run(self) -> None:
        env = dict(os.environ, HACRM_SANDBOX=str(self.sb.dir))
        for _ in range(1_000_000):
            if self.stop_event.is_set():
                return
            self.value += 1
            node = self.rng.choice(self.sb.names())
            self.commit(node, self.value, env)
            pause = 0.05 if self.burst.is_set() else self.rng.uniform(1.0, 3.0)
            self.stop_event.wait(pause)

    def commit(self, node: str, value: int, env: dict[str, str]) -> None:
        self.tally.attempted += 1
        proc = subprocess.Popen([CRM, "--node", node, "configure", "property",
                                 f"{self.prop}-{value}={value}"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=COMMIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            self.tally.unknown += 1
            self.log(f"  commit {self.prop}-{value} at {node}: no answer in {COMMIT_TIMEOUT:g} s")
            return
        if proc.returncode == 0:
            with self.lock:
                self.acked[f"{self.prop}-{value}"] = time.monotonic()
                self.tally.acknowledged += 1
            self.log(f"  commit {self.prop}-{value} at {node}: acknowledged")
            return
        self.tally.refused += 1
        lines = [ln for ln in (err or out).splitlines() if ln.startswith("ERROR")]
        reason = (lines[-1] if lines else f"exit {proc.returncode}")[:90]
        key = _reason_kind(reason)
        self.log(f"  commit {self.prop}-{value} at {node}: refused ({reason})")
        self.tally.refusals[key] = self.tally.refusals.get(key, 0) + 1

    def acknowledged(self) -> dict[str, float]:
        with self.lock:
            return dict(self.acked)


def _reason_kind(reason: str) -> str:
    text = reason.lower()
    for word, kind in (("quorum", "no quorum"), ("moved", "conflict"), ("conflict", "conflict"),
                       ("changed", "conflict"), ("no answer", "timeout"),
                       ("not running", "node down"), ("connect", "node down"),
                       ("cannot reach", "node down"), ("no space", "disk full"),
                       ("dc", "no DC")):
        if word in text:
            return kind
    return reason


def start_shells(sb: sandbox_mod.Sandbox, seed: int, log) -> tuple[list[Shell], threading.Event,
                                                                      threading.Event]:
    stop, burst = threading.Event(), threading.Event()
    shells = [Shell(name, sb, seed * 7919 + i, stop, burst, log)
              for i, name in enumerate(("a", "b"))]
    for shell in shells:
        shell.start()
    return shells, stop, burst


def stop_shells(shells: list[Shell], stop: threading.Event) -> None:
    stop.set()
    deadline = time.monotonic() + COMMIT_TIMEOUT + 15
    for shell in shells:
        shell.join(max(0.1, deadline - time.monotonic()))
