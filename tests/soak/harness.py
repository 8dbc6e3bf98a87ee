"""The soak run: a 3-node sandbox, seeded faults, invariants checked all along, figures.

``run(options)`` starts the sandbox (CIB directories on small tmpfs mounts when root), loads
the configuration below, waits for it to settle, then plays the seed's episodes
(:mod:`schedule`) until the time budget is spent, while an observer thread checks the
invariants (:mod:`observe`) twice a second and two shells commit (:mod:`shells`).  After each
episode the cluster must converge within ``converge_bound`` seconds; after the last one, too.
Every process the run started is killed by pid at the end (those naming the sandbox directory),
and the mounts are removed.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller import live
from lxml import etree

from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.localapi import ApiClient, ApiError

from . import observe, schedule
from .inject import Injector, kill_sandbox
from .shells import Shell, start_shells, stop_shells

NODES = 3
START_TIMEOUT = 90.0
#: the stated bound: after the faults of an episode stop, the cluster converges within this
CONVERGE_BOUND = 60.0
POLL = 0.5

CONFIG = """\
primitive fence-sandbox stonith:fence_hacrm \\
    params sandbox={sandbox} pcmk_host_list="node1 node2 node3" op monitor interval=10s
primitive solo ocf:hacrm:Dummy op monitor interval=3s timeout=20s meta failure-timeout=30s
primitive base ocf:hacrm:Dummy op monitor interval=4s timeout=20s
clone base-clone base
primitive db ocf:hacrm:Dummy params promotion_score=5 promoted_score=10 \\
    op monitor interval=4s role=Promoted timeout=20s \\
    op monitor interval=5s role=Unpromoted timeout=20s
clone db-clone db meta promotable=true promoted-max=1
primitive webdata ocf:hacrm:Dummy op monitor interval=3s timeout=20s
primitive web ocf:hacrm:webserver params port={port} op monitor interval=3s timeout=20s
group webservice webdata web
property stonith-enabled=true no-quorum-policy=stop
rsc_defaults resource-stickiness=100
"""

@dataclass
class Options:
    seconds: float
    seed: int
    directory: Path
    converge_bound: float = CONVERGE_BOUND
    verbose: bool = False


@dataclass
class Report:
    seed: int
    seconds: float
    elapsed: float = 0.0
    episodes: int = 0
    injected: Counter = field(default_factory=Counter)
    missed: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    violations: list[observe.Violation] = field(default_factory=list)
    converge: list[float] = field(default_factory=list)
    final_converge: float | None = None
    not_converged: list[str] = field(default_factory=list)
    commits: dict[str, int] = field(default_factory=dict)
    refusals: Counter = field(default_factory=Counter)
    lost: int = 0
    checks: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations and not self.not_converged and self.final_converge is not None

    def lines(self) -> list[str]:
        out = [(f"soak: seed {self.seed}, {self.seconds:g} s of faults on {NODES} nodes "
                f"({self.elapsed:.0f} s in all), {self.episodes} episodes, "
                f"{self.checks} invariant checks")]
        out.append("faults injected by kind:")
        for kind in schedule.KINDS:
            miss = f"  ({self.missed[kind]} found nothing to hit)" if self.missed[kind] else ""
            out.append(f"  {kind:<14} {self.injected[kind]:>4}{miss}")
        out.append(f"  {'total':<14} {sum(self.injected.values()):>4}")
        for why in self.skipped:
            out.append(f"  skipped: {why}")
        out.append(f"invariant violations: {len(self.violations)}")
        for v in self.violations:
            out.append(f"  at {v.at:7.1f} s  {v.kind}: {v.detail}")
        if self.converge:
            out.append(f"time to converge after an episode: median {statistics.median(self.converge):.1f} s, "
                       f"max {max(self.converge):.1f} s over {len(self.converge)} episodes "
                       f"(bound {CONVERGE_BOUND:g} s)")
        for what in self.not_converged:
            out.append(f"  NOT CONVERGED: {what}")
        final = f"{self.final_converge:.1f} s" if self.final_converge is not None else "NEVER"
        out.append(f"final convergence after the faults stopped: {final}")
        c = self.commits
        out.append(f"commits: attempted {c.get('attempted', 0)}, acknowledged "
                   f"{c.get('acknowledged', 0)}, refused {c.get('refused', 0)}, unknown "
                   f"(timed out) {c.get('unknown', 0)}, lost {self.lost}")
        if self.refusals:
            out.append("  refused: " + ", ".join(f"{k} {v}" for k, v in self.refusals.most_common()))
        out.append("result: " + ("PASS" if self.ok else "FAIL"))
        return out


# ------------------------------------------------------------------------------- observation


def _status(sb: sandbox_mod.Sandbox, node: str, timeout: float = 2.0) -> dict[str, Any] | None:
    try:
        with ApiClient(sb.layout(node).socket, timeout=timeout) as client:
            return client.call("status", {}, timeout=timeout)
    except (ApiError, OSError, ValueError):
        return None


def _call(sb, node: str, op: str, timeout: float = 3.0) -> dict[str, Any] | None:
    try:
        with ApiClient(sb.layout(node).socket, timeout=timeout) as client:
            return client.call(op, {}, timeout=timeout)
    except (ApiError, OSError, ValueError):
        return None


def _config_of(cib: str) -> tuple[tuple[int, int], dict[str, str]]:
    root = etree.fromstring(cib.encode())
    version = (int(root.get("admin_epoch", "0")), int(root.get("epoch", "0")))
    props = {nv.get("name"): nv.get("value") for nv in root.iterfind(
        "configuration/crm_config/cluster_property_set/nvpair")
        if (nv.get("name") or "").startswith("soak-")}
    return version, props


class Observer(threading.Thread):
    """Checks the invariants every :data:`POLL` seconds until stopped."""

    def __init__(self, sb: sandbox_mod.Sandbox, shells: list[Shell], t0: float, say) -> None:
        super().__init__(name="soak-observer", daemon=True)
        self.say = say
        self.sb = sb
        self.shells = shells
        self.t0 = t0
        self.invariants = observe.Invariants()
        self.stop_event = threading.Event()
        self.lock = threading.Lock()

    def snapshot(self, with_config: bool) -> observe.Snapshot:
        acked = {p: when - self.t0 for s in self.shells for p, when in s.acknowledged().items()}
        status = {n: _status(self.sb, n) for n in self.sb.names()}
        agents = {n: observe.agent_state(self.sb.layout(n).root) for n in self.sb.names()}
        snap = observe.Snapshot(time.monotonic() - self.t0, status, agents)
        if with_config:
            for node, st in status.items():
                if st and st.get("quorate") and st.get("synced") and st.get("dc") == st.get(
                        "nodeid"):
                    reply = _call(self.sb, node, "query")
                    if reply and "cib" in reply:
                        version, props = _config_of(reply["cib"])
                        snap.dc_config = (node, version, props)
                        snap.acked_before = acked
                    break
        return snap

    def run(self) -> None:
        for i in range(10_000_000):
            if self.stop_event.is_set():
                return
            snap = self.snapshot(with_config=i % 2 == 0)
            with self.lock:
                seen = len(self.invariants.violations)
                self.invariants.check(snap)
                new = self.invariants.violations[seen:]
            for v in new:
                self.say(f"  VIOLATION {v.kind}: {v.detail}")
            self.stop_event.wait(POLL)


# ------------------------------------------------------------------------------- the run


class Soak:
    def __init__(self, opts: Options, log=print) -> None:
        self.opts = opts
        self.log = log
        self.rng = random.Random(opts.seed ^ 0x50AC)
        self.report = Report(opts.seed, opts.seconds)
        self.port = live.free_port()
        self.sb: sandbox_mod.Sandbox | None = None
        self.injector: Injector | None = None
        self.t0 = time.monotonic()

    def say(self, text: str, quiet: bool = False) -> None:
        """Log a line to soak.log, and to the terminal with -v unless ``quiet``."""
        line = f"[{time.monotonic() - self.t0:7.1f}] {text}"
        if self.opts.verbose and not quiet:
            self.log(line)
        if self.sb is not None:
            with open(self.sb.dir / "soak.log", "a") as f:
                f.write(line + "\n")

    # -- setup --------------------------------------------------------------------------------
    def start(self) -> None:
        d = self.opts.directory
        self.sb = sandbox_mod.create(d, NODES)
        self.injector = Injector(self.sb, self.say)
        why = self.injector.mount_cib_dirs()
        if why:
            self.report.skipped.append(f"enospc: {why}")
        self.injector.start_all(START_TIMEOUT)
        live.configure(self.sb, "node1", CONFIG.format(sandbox=d, port=self.port))
        took = self.wait_converged(START_TIMEOUT * 2)
        if took is None:
            raise RuntimeError(f"the sandbox never settled after configuration: {self.last_why}")
        self.say(f"configured and settled in {took:.1f} s")

    # -- convergence --------------------------------------------------------------------------
    last_why: str | None = None

    def converged_now(self) -> str | None:
        sb = self.sb
        assert sb is not None
        names = sb.names()
        status = {n: _status(sb, n, timeout=3.0) for n in names}
        if any(s is None for s in status.values()):
            return "a node does not answer"
        dc = next((n for n, s in status.items() if s and s.get("dc") == s.get("nodeid")), None)
        if dc is None:
            return "no DC"
        ctl = _call(sb, dc, "controller")
        idle = bool(ctl and ctl["core"]["dc"] and ctl["core"]["idle"])
        placement = None
        if idle:
            reply = _call(sb, dc, "query")
            if reply and "cib" in reply:
                placement = live.placement(reply["cib"])
        agents = {n: observe.agent_state(sb.layout(n).root) for n in names}
        web = live.http_node(self.port) if placement and placement.get("web") else None
        return observe.converged(status, agents, placement, idle, web, names)

    def wait_converged(self, bound: float, since: float | None = None) -> float | None:
        """Seconds from ``since`` (default: now) until converged (two checks in a row), None
        past ``bound``; nodes whose daemon is gone for a while (not switched on again by
        fencing) are restarted."""
        assert self.sb is not None and self.injector is not None
        start = time.monotonic() if since is None else since
        first_ok: float | None = None
        down_since: dict[str, float] = {}
        while time.monotonic() - start < bound:
            now = time.monotonic()
            for name in self.sb.names():
                if self.sb.pid(name) is None:
                    since = down_since.setdefault(name, now)
                    if now - since > 10.0:
                        self.say(f"{name} still down: {self.injector.ensure_running(name, 30)}")
                        down_since.pop(name, None)
                else:
                    down_since.pop(name, None)
            self.last_why = self.converged_now()
            if self.last_why is None:
                if first_ok is not None:
                    return first_ok - start
                first_ok = time.monotonic()
            else:
                first_ok = None
            time.sleep(POLL)
        return None

    def keep_evidence(self, label: str) -> None:
        """Save every node's CIB and controller state next to its logs (the CIB directories
        are tmpfs mounts, gone after the run)."""
        assert self.sb is not None
        for name in self.sb.names():
            root = self.sb.layout(name).root
            reply = _call(self.sb, name, "query", timeout=10)
            if reply and "cib" in reply:
                (root / f"{label}-cib.xml").write_text(reply["cib"])
            ctl = _call(self.sb, name, "controller", timeout=10)
            if ctl is not None:
                (root / f"{label}-controller.json").write_text(json.dumps(ctl, indent=1,
                                                                           default=str))
        self.say(f"  CIBs and controller states kept as NODE/{label}-*")

    # -- episodes -----------------------------------------------------------------------------
    def begin(self, fault: schedule.Fault, burst: threading.Event) -> bool:
        inj = self.injector
        assert inj is not None
        kind, node = fault.kind, fault.node
        if kind == "kill-daemon":
            return inj.kill_daemon(node)
        if kind in ("hang-short", "hang-long"):
            return inj.stop_daemon(node)
        if kind == "partition":
            return inj.partition(node, fault.hold + 1.0) > 0
        if kind in ("loss", "delay", "dup"):
            rule = {"kind": kind, "duration": fault.hold + 1.0, **fault.params}
            return inj.rules([rule]) > 0
        if kind == "kill-service":
            hit = inj.kill_service(self.rng)
            self.say(f"  web server killed on {hit}" if hit else "  no web server to kill")
            return hit is not None
        if kind == "kill-agent":
            what = inj.kill_agent(self.rng, fault.hold + 5.0)
            self.say(f"  agent killed: {what}" if what else "  no agent action caught")
            return what is not None
        if kind == "enospc":
            return inj.fill(node)
        if kind == "commit-burst":
            burst.set()
            return True
        if kind == "clock-jump":
            return inj.jump_clock(node, fault.params["seconds"])
        raise ValueError(kind)

    def end(self, fault: schedule.Fault, burst: threading.Event) -> None:
        inj = self.injector
        assert inj is not None
        kind, node = fault.kind, fault.node
        if kind in ("hang-short", "hang-long"):
            inj.cont_daemon(node)
        elif kind in ("partition", "loss", "delay", "dup"):
            inj.rules([], clear=True)
        elif kind == "enospc":
            inj.free(node)
        elif kind == "commit-burst":
            burst.clear()
        elif kind == "clock-jump":
            inj.set_clock(node, 0.0)    # stepped back to the true time, as NTP would
        if kind in ("kill-daemon", "hang-long"):
            self.say(f"  {node}: {inj.ensure_running(node, 30)}")

    def episode(self, ep: schedule.Episode, burst: threading.Event) -> None:
        desc = " + ".join(f"{f.kind}" + (f"@{f.node}" if f.node and f.kind not in (
            "kill-service", "kill-agent", "commit-burst") else "") + f" {f.hold:.1f}s"
            + "".join(f" {k}={v:g}" for k, v in sorted(f.params.items())) for f in ep.faults)
        self.say(f"episode {ep.index}: {desc}")
        begun = []
        for fault in ep.faults:
            if self.begin(fault, burst):
                self.report.injected[fault.kind] += 1
                begun.append(fault)
            else:
                self.report.missed[fault.kind] += 1
        hold = max((f.hold for f in ep.faults), default=0.0)
        time.sleep(hold)
        ended = time.monotonic()    # converging includes restarting what was killed
        for fault in begun:
            self.end(fault, burst)
        took = self.wait_converged(self.opts.converge_bound, since=ended)
        if took is None:
            self.report.not_converged.append(f"episode {ep.index} ({desc}): {self.last_why}")
            self.say(f"  NOT converged within {self.opts.converge_bound:g} s: {self.last_why}")
            self.keep_evidence(f"episode-{ep.index}")
        else:
            self.report.converge.append(took)
            self.say(f"  converged in {took:.1f} s")
        time.sleep(ep.pause)

    # -- the whole run ------------------------------------------------------------------------
    def run(self) -> Report:
        try:
            self.start()
            assert self.sb is not None
            shells, stop, burst = start_shells(self.sb, self.opts.seed,
                                               lambda text: self.say(text, quiet=True))
            observer = Observer(self.sb, shells, self.t0, self.say)
            observer.start()
            began = time.monotonic()
            for ep in schedule.episodes(self.opts.seed, self.sb.names()):
                if time.monotonic() - began >= self.opts.seconds:
                    break
                self.report.episodes += 1
                self.episode(ep, burst)
                if len(self.report.not_converged) >= 3:
                    self.say("three episodes did not converge: stopping the faults early")
                    break
            stop_shells(shells, stop)
            took = self.wait_converged(self.opts.converge_bound)
            self.report.final_converge = took
            self.say(f"final convergence: {took}")
            observer.stop_event.set()
            observer.join(30)
            self.final_checks(shells, observer)
        finally:
            self.teardown()
        self.report.elapsed = time.monotonic() - self.t0
        return self.report

    def final_checks(self, shells: list[Shell], observer: Observer) -> None:
        assert self.sb is not None
        rep = self.report
        with observer.lock:
            rep.violations = list(observer.invariants.violations)
            rep.checks = observer.invariants.checks
        lost = {v.detail.split()[0] for v in rep.violations
                if v.kind in ("commit-lost", "rollback")}
        acked: dict[str, float] = {}
        for shell in shells:
            t = shell.tally
            for key in ("attempted", "acknowledged", "refused", "unknown"):
                rep.commits[key] = rep.commits.get(key, 0) + getattr(t, key)
            rep.refusals.update(t.refusals)
            acked.update(shell.acknowledged())
        for name in self.sb.names():
            reply = _call(self.sb, name, "query", timeout=10)
            if reply is None or "cib" not in reply:
                rep.violations.append(observe.Violation(
                    "unreadable", time.monotonic() - self.t0, f"{name} gave no CIB at the end"))
                continue
            _, props = _config_of(reply["cib"])
            for prop in sorted(set(acked) - set(props) - lost):
                lost.add(prop)
                rep.violations.append(observe.Violation(
                    "commit-lost", time.monotonic() - self.t0,
                    f"{prop} (acknowledged at {acked[prop] - self.t0:.1f} s) is not on {name} "
                    f"at the end"))
        rep.lost = len(lost)

    def teardown(self) -> None:
        if self.sb is not None:
            kill_sandbox(self.sb.dir)
        if self.injector is not None:
            self.injector.unmount()   # the daemons using the mounts are gone


def run(opts: Options, log=print) -> Report:
    soak = Soak(opts, log)
    report = soak.run()
    return report


def remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
