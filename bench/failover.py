"""Failover of the demo's web service on the embedded engine, beside Pacemaker + corosync.

A sandbox of 2 (then 3) nodes runs the web service of ``make demo`` (hacrm.demo's
configuration: a group of ``ocf:hacrm:Dummy`` + ``ocf:hacrm:webserver``, a colocated and
ordered companion, a location preference, stickiness, ``no-quorum-policy=ignore`` and fencing
by ``fence_hacrm``), all with the engine's default settings.  Three measurements:

1. **kill -9 of the node hosting the service** (a node that is not the DC): the node's daemon
   and every process it started (the web server among them) get SIGKILL at the same instant, as
   in a power cut.  The clock runs from the kill until the page answers again, polled every
   20 ms: from another node, or, with fencing, from the host itself when the sandbox's power
   switch brought it back before the recovery ran (the location preference then puts the
   service back there; the trial line says so).  The survivors fence the dead node
   (``fence_hacrm`` switches it on again), it rejoins, and the cluster settles before the next
   trial.
2. **kill -9 of the DC** while it hosts the service: the same, and a new DC must be elected
   before anything moves.  Before each trial the service is placed where the case needs it
   (``crm resource move`` then ``clear``; stickiness keeps it there).
3. **a graceful move**: ``crm node standby`` of the hosting node, timed from the command until
   the page answers from another node; then ``crm node online`` and settle.

Each measurement runs twice by default: with fencing (the demo's configuration: the
survivors reboot the dead node through ``fence_hacrm`` before recovering its resources; the
sandbox switches it on again at once, so it usually rejoins while the service is being
started and gets probed first) and without (``stonith-enabled=false``, the setting Pacemaker's
figure was measured with).  ``--fencing with|without`` runs one.

With ``--soak-load SECONDS`` a 2-node sandbox runs the service while busy-loop processes (one
per core, started here, bounded in time, killed by pid) saturate the machine; every membership
change, move or restart of the web server, and fencing is a false failover (target: 0).

Pacemaker 2.1.5 + corosync 3.1.7 measured on this machine (DESIGN.md): 6.6-6.7 s for a Dummy
resource on 2 nodes without fencing, 7.7 s when the DC died.  Target: a median at least 3x
shorter (<= 2.2 s and <= 2.6 s).  Results are recorded in docs/tutorial.md.

    .venv/bin/python bench/failover.py [--trials 20] [--nodes 2 3] [--standby-trials 10]
                                       [--fencing both|with|without] [--soak-load 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hacrm.demo import service_config
from hacrm.engine import control
from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.localapi import ApiClient, ApiError

PACEMAKER = {"host": (6.6, 6.7), "dc": (7.7, 7.7)}  # seconds, DESIGN.md's anchors (2 nodes)
TARGET = 3.0                                          # "at least 3x faster"
LIMIT = 90.0                                          # bound on every wait
POLL = 0.02
GROUP = "web-service"
OUTAGES = "page not answering for > 1 s"   # reported, not a failover by itself
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class BenchError(Exception):
    """A wait ran out or a command failed: the message says which."""


def wait(predicate: Callable[[], Any], what: str, limit: float = LIMIT,
         poll: float = POLL) -> Any:
    deadline = time.monotonic() + limit
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {limit:g} s waiting for {what}")
        time.sleep(poll)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_processes(root: Path) -> list[int]:
    """Every process of a sandbox node: its daemon and whatever names the node's root in its
    command line or environment (the agents' services carry HA_RSCTMP under it)."""
    prefix = str(root) + "/"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        strings: list[str] = []
        for name in ("cmdline", "environ"):
            try:
                raw = Path(f"/proc/{entry}/{name}").read_bytes()
            except OSError:
                continue
            strings += raw.decode(errors="replace").split("\0")
        if any(s == str(root) or s.startswith(prefix) or s.partition("=")[2].startswith(prefix)
               for s in strings):
            found.append(int(entry))
    return found


class Cluster:
    """A running sandbox with the web service, and what the trials ask of it."""

    def __init__(self, base: Path, nodes: int, fencing: bool) -> None:
        self.fencing = fencing
        self.port = free_port()
        where = base / f"{nodes}-nodes-{'fencing' if fencing else 'no-fencing'}"
        self.sb = sandbox_mod.start(where, nodes, timeout=LIMIT)
        self.ids = sorted(n.nodeid for n in self.sb.nodes)
        self.env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow")}
        self.env[sandbox_mod.SANDBOX_ENV] = str(self.sb.dir)
        crm = Path(sys.executable).parent / "crm"
        self.crm_argv = [str(crm)] if crm.exists() else [sys.executable, "-m", "hacrm.cli"]
        config = self.sb.dir / "web-service.crm"
        config.write_text(service_config(self.port, self.sb.dir, self.sb.names(),
                                         fencing=fencing))
        self.crm("node1", "-w", "configure", "load", "update", str(config))
        wait(self.settled, "the service to start", LIMIT, 0.1)

    # -- looking ---------------------------------------------------------------------------
    def serving(self, timeout: float = 0.5) -> str | None:
        """The node named by the page, None when nothing answers."""
        try:
            with OPENER.open(f"http://127.0.0.1:{self.port}/", timeout=timeout) as reply:
                return reply.headers.get("X-Hacrm-Node")
        except OSError:
            return None

    def elsewhere(self, host: str) -> str | None:
        """The node serving the page when it is not ``host``, else None."""
        node = self.serving()
        return node if node and node != host else None

    def call(self, node: str, op: str, **args: Any) -> dict[str, Any] | None:
        try:
            with ApiClient(self.sb.layout(node).socket, timeout=5) as client:
                return client.call(op, args, timeout=5)
        except (ApiError, OSError, ValueError):
            return None

    def settled(self) -> tuple[str, str] | None:
        """(host, DC) once every node is a member of one synced membership, the DC is idle
        and the page answers; else None."""
        dcs = set()
        for node in self.sb.names():
            st = self.call(node, "status")
            if not st or st.get("members") != self.ids or not st.get("synced"):
                return None
            dcs.add(st.get("dc_name"))
        if len(dcs) != 1 or None in dcs:
            return None
        dc = dcs.pop()
        state = self.call(dc, "dc_status")
        if not state or not state.get("known") or not state.get("idle") or state.get("dirty"):
            return None
        host = self.serving()
        return (host, dc) if host else None

    def crm(self, node: str, *args: str) -> str:
        proc = subprocess.run([*self.crm_argv, "--node", node, *args], env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=LIMIT, check=False)
        if proc.returncode != 0:
            raise BenchError(f"crm {' '.join(args)} on {node}: exit {proc.returncode}: "
                             f"{(proc.stdout + proc.stderr).strip()}")
        return proc.stdout

    # -- acting ----------------------------------------------------------------------------
    def place(self, target: str, via: str) -> None:
        """The service on ``target``, left there by stickiness (move, then clear)."""
        self.crm(via, "-w", "resource", "move", GROUP, target)
        wait(lambda: self.serving() == target, f"the service on {target}")
        self.crm(via, "-w", "resource", "clear", GROUP)

    def power_cut(self, node: str) -> float:
        """SIGKILL to the node's daemon and all its processes at once; the instant it
        happened (monotonic)."""
        pids = node_processes(self.sb.layout(node).root)
        daemon = self.sb.pid(node)
        if daemon is None or daemon not in pids:
            raise BenchError(f"{node}'s daemon is not running")
        killed = time.monotonic()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        control._wait_gone(daemon, 30)
        return killed

    def back(self, node: str) -> None:
        """The killed node running again: switched on by fencing, or restarted here."""
        if self.fencing:
            wait(lambda: self.sb.pid(node) is not None, f"{node} switched on by fencing", LIMIT,
                 0.1)
        else:
            self.sb.start_node(node, timeout=LIMIT)

    def stop(self) -> None:
        try:
            sandbox_mod.stop(self.sb.dir, timeout=20)
        finally:
            for node in self.sb.names():
                for pid in node_processes(self.sb.layout(node).root):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass


def kill_trials(cl: Cluster, case: str, trials: int) -> list[float]:
    """``case`` "host": the victim hosts the service and is not the DC; "dc": it is both."""
    times = []
    names = cl.sb.names()
    for t in range(trials):
        host, dc = wait(cl.settled, "a settled cluster", LIMIT, 0.1)
        if case == "dc" and host != dc:
            cl.place(dc, dc)
        elif case == "host" and host == dc:
            cl.place(next(n for n in names if n != dc), dc)
        host, dc = wait(cl.settled, "a settled cluster", LIMIT, 0.1)
        if (case == "dc") != (host == dc):
            raise BenchError(f"could not arrange the {case} case: service on {host}, DC {dc}")
        killed = cl.power_cut(host)
        # every process of the host died with it, so whatever answers now was started after
        # the kill: usually on another node, but the sandbox's power switch can bring the host
        # back (fencing reboots it) before the recovery runs, and then the location preference
        # legitimately puts the service back on it
        where = wait(cl.serving, "the page served again")
        took = time.monotonic() - killed
        times.append(took)
        print(f"  {len(names)} nodes, {case:4s} trial {t + 1:2d}: killed {host}"
              f"{' (DC)' if host == dc else '     '} -> page from {where} after {took:.2f} s"
              + (" (the host, back after fencing)" if where == host else ""),
              flush=True)
        cl.back(host)
    return times


def standby_trials(cl: Cluster, trials: int) -> list[float]:
    times = []
    for t in range(trials):
        host, _dc = wait(cl.settled, "a settled cluster", LIMIT, 0.1)
        via = next(n for n in cl.sb.names() if n != host)
        started = time.monotonic()
        cl.crm(via, "node", "standby", host)
        where = wait(lambda h=host: cl.elsewhere(h), f"the page from a node other than {host}")
        took = time.monotonic() - started
        times.append(took)
        print(f"  {len(cl.sb.names())} nodes, standby trial {t + 1:2d}: {host} -> {where} "
              f"in {took:.2f} s", flush=True)
        cl.crm(via, "-w", "node", "online", host)
    return times


def web_server(cl: Cluster) -> tuple[str, int] | None:
    """(node, pid) of the running web server, from the agent's pid file on each node."""
    for node in cl.sb.names():
        for pidfile in (cl.sb.layout(node).root / "run").glob("**/hacrm-webserver-*.pid"):
            try:
                return node, int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return None


def soak(base: Path, seconds: float, fencing: bool) -> dict[str, int]:
    """A 2-node cluster left alone under full CPU load: what moved that should not have."""
    cl = Cluster(base / "soak", 2, fencing)
    hogs: list[subprocess.Popen] = []
    try:
        wait(cl.settled, "a settled cluster", LIMIT, 0.1)
        before = {n: cl.call(n, "status") for n in cl.sb.names()}
        server = web_server(cl)
        pids = {n: cl.sb.pid(n) for n in cl.sb.names()}
        cores = os.cpu_count() or 2
        bound = seconds + 30   # each hog ends by itself even if this script dies
        hog = f"import time\nend = time.monotonic() + {bound}\nwhile time.monotonic() < end: pass"
        hogs = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(cores)]
        print(f"  soak: {cores} busy processes (pids {', '.join(str(h.pid) for h in hogs)}) "
              f"for {seconds:.0f} s on a 2-node cluster", flush=True)
        served_by, moves, outages, down_since = cl.serving(2.0), 0, 0, None
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            now = cl.serving(2.0)
            if now is None:
                down_since = down_since or time.monotonic()
            else:
                if down_since is not None and time.monotonic() - down_since > 1.0:
                    outages += 1
                down_since = None
                if now != served_by:
                    moves += 1
                    print(f"  soak: the page moved from {served_by} to {now}", flush=True)
                    served_by = now
            time.sleep(0.5)
        for h in hogs:
            h.kill()
            h.wait()
        hogs = []
        after = {n: cl.call(n, "status") for n in cl.sb.names()}
        views = max((after[n] or {}).get("views", 0) - (before[n] or {}).get("views", 0)
                    for n in cl.sb.names())
        restarted = int(web_server(cl) != server)
        rebooted = sum(cl.sb.pid(n) != pids[n] for n in cl.sb.names())
        return {"membership changes": views, "page moved": moves,
                "web server restarted or moved": restarted, "nodes fenced or restarted": rebooted,
                OUTAGES: outages}
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        cl.stop()


def p90(values: list[float]) -> float:
    """The 90th percentile (nearest rank: with 20 trials, the 18th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def summary(label: str, values: list[float], anchor: float | None) -> str:
    if not values:
        return f"  {label:38s} (no trial)"
    med = statistics.median(values)
    text = (f"  {label:38s} n={len(values):2d}  median {med:5.2f} s  p90 {p90(values):5.2f} s"
            f"  max {max(values):5.2f} s")
    if anchor is not None:
        verdict = "meets" if med <= anchor / TARGET else "MISSES"
        text += (f"  Pacemaker {anchor:.1f} s: {anchor / med:4.2f}x faster ({verdict} the 3x "
                 f"target, <= {anchor / TARGET:.2f} s)")
    return text


def report(fencing: bool, results: dict[int, dict[str, list[float]]]) -> None:
    print()
    how = ("with fencing (fence_hacrm reboots the node: off, then on at once)" if fencing
           else "without fencing (stonith-enabled=false, as Pacemaker was measured)")
    print(f"web service failover, {how};")
    print("default settings; time from kill -9 (or the standby command) until the page answers "
          "again")
    for n, res in results.items():
        print(summary(f"{n} nodes: kill -9 of the host (not DC)", res["host"],
                      PACEMAKER["host"][0]))
        print(summary(f"{n} nodes: kill -9 of the DC (the host)", res["dc"], PACEMAKER["dc"][0]))
        print(summary(f"{n} nodes: crm node standby of the host", res["standby"], None))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=20, help="kill trials per case (default 20)")
    p.add_argument("--nodes", type=int, nargs="+", default=[2, 3], choices=range(2, 6))
    p.add_argument("--standby-trials", type=int, default=10)
    p.add_argument("--fencing", choices=("both", "with", "without"), default="both",
                   help="run the service with fencing (the demo's), without (Pacemaker's "
                        "figure), or both (default)")
    p.add_argument("--soak-load", type=float, default=0.0, metavar="SECONDS",
                   help="also run SECONDS with every core busy, counting false failovers")
    p.add_argument("--keep", metavar="DIR", help="work in DIR and leave it (the nodes' logs)")
    args = p.parse_args()
    modes = {"both": [False, True], "with": [True], "without": [False]}[args.fencing]
    base = Path(args.keep or tempfile.mkdtemp(prefix="hacrm-failover-")).absolute()
    results: dict[bool, dict[int, dict[str, list[float]]]] = {}
    soaked = None
    started = time.monotonic()
    try:
        for fencing in modes:
            for n in args.nodes:
                print(f"== {n} nodes, {'with' if fencing else 'without'} fencing", flush=True)
                cl = Cluster(base, n, fencing)
                try:
                    results.setdefault(fencing, {})[n] = {
                        "host": kill_trials(cl, "host", args.trials),
                        "dc": kill_trials(cl, "dc", args.trials),
                        "standby": standby_trials(cl, args.standby_trials)}
                finally:
                    cl.stop()
        if args.soak_load > 0:
            soaked = soak(base, args.soak_load, modes[-1])
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    for fencing, res in results.items():
        report(fencing, res)
    if results:
        print("  (Pacemaker 2.1.5 + corosync 3.1.7 on this machine, DESIGN.md: 6.6-6.7 s, 7.7 s "
              "when the DC died; 2 nodes, no fencing.\n   Pacemaker was measured on 2 nodes only; "
              "corosync alone needs 7.4 s to drop a node of 3, so the 3-node ratios are "
              "conservative)")
    if soaked is not None:
        print()
        total = sum(v for k, v in soaked.items() if k != OUTAGES)
        print(f"false failovers in {args.soak_load:.0f} s with every core busy (2 nodes, "
              f"{'with' if modes[-1] else 'without'} fencing): {total} (target 0)")
        for what, count in soaked.items():
            print(f"  {what:32s} {count}")
    print(f"(bench ran {time.monotonic() - started:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"failover bench: {err}", file=sys.stderr)
        sys.exit(1)
