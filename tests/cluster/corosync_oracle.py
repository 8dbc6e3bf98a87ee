"""A real corosync cluster in network namespaces, as an oracle for quorum.

One namespace per node behind a bridge namespace (:mod:`hacrm.engine.netns`), one corosync per
node started as DESIGN.md describes (a private /run, its own state directory), read with
``corosync-quorumtool -s``.  The same namespace layout serves our own sandbox, so partitions
are made the same way for both: blackhole routes between the two sides.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from hacrm.engine import config as cconf
from hacrm.engine import control, netns

QUORUMTOOL = "/usr/sbin/corosync-quorumtool"


def parse_quorumtool(text: str) -> dict:
    """The facts both engines print, from ``corosync-quorumtool -s`` (or ``crm cluster
    status``, which keeps its layout)."""
    def field(name: str) -> str | None:
        m = re.search(rf"^{re.escape(name)}:\s*(.*)$", text, re.MULTILINE)
        return m.group(1).strip() if m else None

    members = [int(m.group(1)) for m in re.finditer(r"^\s+(\d+)\s+\d+\s+\S+", text, re.MULTILINE)]
    quorum = field("Quorum")
    flags = set((field("Flags") or "").split())
    return {"quorate": field("Quorate") == "Yes",
            "expected": int(field("Expected votes") or 0),
            "total": int(field("Total votes") or 0),
            "quorum": int(quorum.split()[0]) if quorum else 0,
            "flags": flags, "members": sorted(members)}


def blackhole(ns: str, addr: str, on: bool) -> None:
    subprocess.run(["ip", "-n", ns, "route", "replace" if on else "del", "blackhole",
                    f"{addr}/32"], capture_output=True, timeout=20)


class CorosyncCluster:
    def __init__(self, base: Path, count: int, quorum: str, token: int | None = 1000) -> None:
        self.base = base
        self.count = count
        self.prefix = f"cs{os.getpid() % 100000}x{count}"
        self.addrs = netns.create(self.prefix, count, 60 + count)
        self.procs: dict[int, subprocess.Popen] = {}
        nodes = [cconf.NodeEntry(i, f"node{i}", self.addrs[i - 1], 5405)
                 for i in range(1, count + 1)]
        for i in range(1, count + 1):
            d = base / f"node{i}"
            d.mkdir(parents=True)
            text = cconf.render("oracle", nodes, token=token, two_node=False,
                                logfile=str(d / "corosync.log"))
            text = text.replace("\tprovider: corosync_votequorum\n",
                                "\tprovider: corosync_votequorum\n" + quorum)
            text = text.replace("\ttimestamp: on\n", "\ttimestamp: hires\n")
            text += f"system {{\n\tstate_dir: {d}\n}}\n"
            (d / "corosync.conf").write_text(text)

    def ns(self, i: int) -> str:
        return f"{self.prefix}-n{i}"

    def start(self, i: int) -> None:
        conf = self.base / f"node{i}" / "corosync.conf"
        out = open(self.base / f"node{i}" / "stdout", "ab")
        self.procs[i] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns(i), "unshare", "-m", "-u", "sh", "-c",
             f"mount -t tmpfs tmpfs /run && exec corosync -f -c {conf}"],
            stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()

    def kill(self, i: int) -> None:
        proc = self.procs.pop(i)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)

    def status(self, i: int) -> dict | None:
        run = subprocess.run(["ip", "netns", "exec", self.ns(i), QUORUMTOOL, "-s"],
                             capture_output=True, text=True, timeout=30)
        if "Quorum information" not in run.stdout:
            return None
        return parse_quorumtool(run.stdout)

    def partition(self, a: set[int], b: set[int], on: bool = True) -> None:
        for x in a:
            for y in b:
                blackhole(self.ns(x), self.addrs[y - 1], on)
                blackhole(self.ns(y), self.addrs[x - 1], on)

    def membership_times(self, i: int) -> list[tuple[float, str]]:
        """(wall-clock time, line) of every "new membership" corosync logged on node ``i``."""
        out = []
        year = time.localtime().tm_year
        for line in (self.base / f"node{i}" / "corosync.log").read_text().splitlines():
            if "A new membership" not in line:
                continue
            m = re.match(r"(\w{3} +\d+ \d\d:\d\d:\d\d)(?:\.(\d{3}))?", line)
            if m:
                t = time.mktime(time.strptime(f"{year} {m.group(1)}", "%Y %b %d %H:%M:%S"))
                out.append((t + int(m.group(2) or 0) / 1000, line))
        return out

    def stop(self) -> None:
        for i, proc in list(self.procs.items()):
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(30)
        self.procs.clear()
        netns.delete(self.prefix, self.count)


class HacrmCluster:
    """Our sandbox in namespaces, with the same interface."""

    def __init__(self, clusters, count: int, quorum: str, token: int = 1000) -> None:
        from hacrm.engine import sandbox as sandbox_mod

        self.sb = sandbox_mod.create(clusters.base / f"hacrm{count}", count, token=token,
                                     use_netns=True, two_node=False, quorum_extra=quorum)
        clusters.sandboxes.append(self.sb)
        self.clusters = clusters
        self.addrs = [n.addr for n in self.sb.nodes]

    def ns(self, i: int) -> str:
        node = self.sb.node(f"node{i}")
        assert node.netns is not None
        return node.netns

    def start(self, i: int) -> None:
        name = f"node{i}"
        proc = control.spawn(self.sb.command(self.sb.node(name)), self.sb.layout(name))
        self.clusters.pids[proc.pid] = str(self.sb.dir)

    def kill(self, i: int) -> None:
        self.sb.kill_node(f"node{i}")

    def status(self, i: int) -> dict | None:
        from hacrm.engine import statusview
        try:
            st = self.sb.status(f"node{i}", timeout=10)
        except Exception:
            return None
        if not st.get("synced"):
            return None
        return parse_quorumtool(statusview.render(st))

    def partition(self, a: set[int], b: set[int], on: bool = True) -> None:
        for x in a:
            for y in b:
                blackhole(self.ns(x), self.addrs[y - 1], on)
                blackhole(self.ns(y), self.addrs[x - 1], on)


def wait_members(cluster, groups: list[set[int]], timeout: float = 90.0) -> dict[int, dict]:
    """Until every node of each group sees exactly its group; return their statuses."""
    deadline = time.monotonic() + timeout
    last: dict[int, dict | None] = {}
    while time.monotonic() < deadline:
        last = {i: cluster.status(i) for g in groups for i in g}
        if all(last[i] is not None and last[i]["members"] == sorted(g)
               for g in groups for i in g):
            return last  # type: ignore[return-value]
        time.sleep(0.3)
    raise AssertionError(f"{type(cluster).__name__}: membership {groups} not reached: {last}")
