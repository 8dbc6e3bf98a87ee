"""Failure detection of the embedded engine, beside corosync's defaults.

1. kill -9 -> new membership: a sandbox of 2 (then 3) nodes; each trial kills one node (in
   turn, the DC among them) and measures, from the kill to the moment every survivor installed
   the membership without it (the daemons timestamp each installation); the node is restarted
   and the cluster allowed to settle before the next trial.
2. False membership changes: a 2-node sandbox left alone for DURATION seconds while busy
   processes saturate every core; any membership change counts.

Prints median and max beside corosync 3's figures measured on this machine (DESIGN.md: 6.1-6.6 s
on 2 nodes, 7.4 s on 3, with corosync's defaults token 3000 ms, consensus 1.2 x token).

    .venv/bin/python bench/membership.py [--trials 20] [--duration 300] [--skip-stress]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hacrm.engine import control
from hacrm.engine import sandbox as sandbox_mod

COROSYNC = {2: (6.1, 6.6), 3: (7.4, 7.4)}  # seconds, from DESIGN.md's anchors
TESTS = Path(__file__).resolve().parents[1] / "tests"


def kill_trials(n: int, trials: int, base: Path) -> tuple[list[float], list[float]]:
    sb = sandbox_mod.start(base / f"kill{n}", n, timeout=120)
    all_times, dc_times = [], []
    try:
        sb.wait_converged(timeout=120)
        for t in range(trials):
            victim = sb.names()[t % n]
            before = sb.status(victim)
            was_dc = before["dc_name"] == victim
            survivors = [x for x in sb.names() if x != victim]
            pid = sb.pid(victim)
            killed = time.time()
            os.kill(pid, signal.SIGKILL)
            control._wait_gone(pid, 30)
            ids = sorted(sb.node(x).nodeid for x in survivors)
            st = sb.wait(lambda s: all(x.get("members") == ids for x in s.values()), 120,
                         "survivors' membership", survivors, poll=0.05)
            installed = max(x["view_log"][-1]["at"] for x in st.values())
            took = installed - killed
            all_times.append(took)
            if was_dc:
                dc_times.append(took)
            print(f"  {n} nodes, trial {t + 1:2d}: killed {victim}{' (DC)' if was_dc else ''}"
                  f" -> new membership in {took:.3f} s", flush=True)
            sb.start_node(victim, timeout=120)
            sb.wait_converged(timeout=120)
    finally:
        for name in sb.names():
            sb.kill_node(name)
    return all_times, dc_times


def corosync_trials(n: int, trials: int, base: Path) -> list[float] | str:
    """kill -9 -> new membership on real corosync with its defaults; a reason if impossible."""
    from hacrm.engine import netns

    if not Path("/usr/sbin/corosync").exists():
        return "corosync is not installed"
    reason = netns.available()
    if reason:
        return reason
    sys.path.insert(0, str(TESTS))
    from cluster.corosync_oracle import CorosyncCluster, wait_members

    c = CorosyncCluster(base / f"corosync{n}", n, "", token=None)
    times = []
    try:
        everyone = set(range(1, n + 1))
        for i in everyone:
            c.start(i)
        wait_members(c, [everyone], 180)
        for t in range(trials):
            victim = t % n + 1
            survivors = everyone - {victim}
            seen = {i: len(c.membership_times(i)) for i in survivors}
            killed = time.time()
            c.kill(victim)
            wait_members(c, [survivors], 180)
            formed = [next(at for at, _ in c.membership_times(i)[seen[i]:] if at >= killed - 1)
                      for i in survivors]
            took = max(formed) - killed
            times.append(took)
            print(f"  corosync {n} nodes, trial {t + 1:2d}: killed node{victim} -> new "
                  f"membership in {took:.3f} s", flush=True)
            c.start(victim)
            wait_members(c, [everyone], 180)
    finally:
        c.stop()
    return times


def stress(duration: float, base: Path) -> tuple[int, int]:
    sb = sandbox_mod.start(base / "stress", 2, timeout=120)
    hogs: list[subprocess.Popen] = []
    try:
        sb.wait_converged(timeout=120)
        before = {n: sb.status(n)["views"] for n in sb.names()}
        cores = os.cpu_count() or 2
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(cores)]
        print(f"  {cores} busy processes saturating the cores for {duration:.0f} s ...",
              flush=True)
        end = time.monotonic() + duration
        while time.monotonic() < end:
            time.sleep(min(10, max(0.0, end - time.monotonic())))
        for h in hogs:
            h.kill()
            h.wait()
        hogs = []
        after = {n: sb.status(n)["views"] for n in sb.names()}
        changes = max(after[n] - before[n] for n in sb.names())
        stalls = [line for n in sb.names()
                  for line in sb.layout(n).logfile.read_text().splitlines()
                  if "event loop stalled" in line]
        for line in stalls:
            print("   ", line)
        stalls = len(stalls)
        return changes, stalls
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        for name in sb.names():
            sb.kill_node(name)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--duration", type=float, default=300.0)
    p.add_argument("--skip-stress", action="store_true")
    p.add_argument("--skip-kill", action="store_true")
    p.add_argument("--corosync-trials", type=int, default=5)
    p.add_argument("--skip-corosync", action="store_true")
    args = p.parse_args()
    base = Path(tempfile.mkdtemp(prefix="hacrm-bench-membership-"))
    results = {}
    measured = {}
    try:
        if not args.skip_kill:
            for n in (2, 3):
                print(f"kill -9 -> new membership, {n} nodes, {args.trials} trials", flush=True)
                results[n] = kill_trials(n, args.trials, base)
        measured: dict[int, list[float] | str] = {}
        if not args.skip_corosync:
            for n in (2, 3):
                print(f"corosync: kill -9 -> new membership, {n} nodes, "
                      f"{args.corosync_trials} trials (its default timers)", flush=True)
                measured[n] = corosync_trials(n, args.corosync_trials, base)
        stress_result = None
        if not args.skip_stress:
            print(f"false membership changes, 2 nodes, cores saturated, {args.duration:.0f} s",
                  flush=True)
            stress_result = stress(args.duration, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print()
    print("kill -9 -> new membership: hacrm (default token 1000 ms) vs corosync (token 3000 ms)")
    print(f"{'nodes':>5} {'trials':>6} {'median':>8} {'max':>8} {'DC median':>10} "
          f"{'corosync here':>22} {'DESIGN.md':>10} {'speed-up (median)':>18}")
    for n, (times, dc) in results.items():
        lo, hi = COROSYNC[n]
        med = statistics.median(times)
        coro = f"{lo:.1f}-{hi:.1f} s" if lo != hi else f"{lo:.1f} s"
        dcm = f"{statistics.median(dc):.3f} s" if dc else "-"
        live = measured.get(n) if not args.skip_kill else None
        if isinstance(live, list) and live:
            here = f"{statistics.median(live):.2f}/{max(live):.2f} s (n={len(live)})"
            ratio = f"{statistics.median(live) / med:.1f}x"
        else:
            here = "not measured"
            ratio = f"{lo / med:.1f}x-{hi / med:.1f}x"
        print(f"{n:>5} {len(times):>6} {med:>7.3f}s {max(times):>7.3f}s {dcm:>10} "
              f"{here:>22} {coro:>10} {ratio:>18}")
        if isinstance(live, str):
            print(f"      (corosync not measured: {live})")
    if stress_result is not None:
        changes, stalls = stress_result
        print()
        print(f"false membership changes in {args.duration:.0f} s with every core saturated: "
              f"{changes} (target 0); stalls forgiven: {stalls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
