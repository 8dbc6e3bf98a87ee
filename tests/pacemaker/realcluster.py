"""A real corosync + Pacemaker cluster in network namespaces, for the pacemaker backend's tests.

Layout (DESIGN.md's recipe): a bridge namespace and one namespace per node with a veth on the
bridge (:mod:`hacrm.engine.netns`).  Each node runs, inside its network namespace, in new mount,
UTS and PID namespaces::

    ip netns exec NS unshare -m -u -p -f --mount-proc --kill-child=SIGKILL sh -c '
        mount -t tmpfs tmpfs /run          # corosync's pid file lock, agents' state files
        mount -t tmpfs tmpfs /dev/shm      # libqb's IPC buffers between this node's daemons
        mount --bind DIR/varlib /var/lib/pacemaker   # a private copy for pacemakerd
        hostname NODE
        corosync -f -c DIR/corosync.conf &  ...  exec pacemakerd -f'

so two nodes never share a lock, a socket, a shared-memory buffer or a CIB file, and killing the
``unshare`` process (by its PID, which we started) takes the node's whole PID namespace with it.
Tools and our shell run on a node through ``nsenter`` into those namespaces.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from lxml import etree

from hacrm.engine import netns

PACEMAKER_VARLIB = Path("/var/lib/pacemaker")
#: generous: a loaded 2-core machine starts a Pacemaker node in 10-30 s
START_TIMEOUT = 150.0
SETTLE_TIMEOUT = 120.0

NODE_SCRIPT = """\
set -e
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mount --bind {dir}/varlib /var/lib/pacemaker
hostname {name}
corosync -f -c {dir}/corosync.conf >{dir}/corosync.out 2>&1 &
i=0
until corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 0.2
done
export PCMK_logfile={dir}/pacemaker.log PCMK_debug=no
exec pacemakerd -f >{dir}/pacemakerd.out 2>&1
"""


def unavailable() -> str | None:
    """None when this machine can run the cluster, else why not."""
    reason = netns.available()
    if reason:
        return reason
    for tool in ("corosync", "pacemakerd", "unshare", "nsenter", "corosync-cmapctl"):
        if shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
            return f"{tool} is not installed (apt-get install -y corosync pacemaker)"
    if not PACEMAKER_VARLIB.is_dir():
        return f"{PACEMAKER_VARLIB} does not exist (is pacemaker installed?)"
    return None


def corosync_conf(name: str, addrs: list[str], state_dir: Path) -> str:
    nodes = "".join(f"\tnode {{\n\t\tring0_addr: {addr}\n\t\tname: node{i}\n"
                    f"\t\tnodeid: {i}\n\t}}\n" for i, addr in enumerate(addrs, start=1))
    two_node = "\ttwo_node: 1\n" if len(addrs) == 2 else ""
    return (f"totem {{\n\tversion: 2\n\tcluster_name: {name}\n\ttransport: knet\n"
            "\tcrypto_cipher: none\n\tcrypto_hash: none\n}\n"
            f"logging {{\n\tto_logfile: yes\n\tlogfile: {state_dir}/corosync.log\n"
            "\tto_syslog: no\n\tto_stderr: no\n\ttimestamp: on\n}\n"
            f"quorum {{\n\tprovider: corosync_votequorum\n{two_node}}}\n"
            f"nodelist {{\n{nodes}}}\n"
            f"system {{\n\tstate_dir: {state_dir}\n}}\n")


def placement_of(mon: etree._Element) -> dict[str, tuple[str, ...]]:
    """Active resource -> nodes, from a ``crm_mon --output-as=xml`` document."""
    out: dict[str, tuple[str, ...]] = {}
    for rsc in mon.iter("resource"):
        if rsc.get("active") == "true":
            out[rsc.get("id")] = tuple(sorted(n.get("name") for n in rsc.iterfind("node")))
    return out


class PacemakerCluster:
    """N Pacemaker nodes ``node1``..``nodeN``; always call :meth:`stop` (a fixture does)."""

    def __init__(self, base: Path, count: int = 2) -> None:
        self.base = base
        self.count = count
        self.prefix = f"pm{os.getpid() % 100000}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.addrs: list[str] = []
        self.created = False

    # ------------------------------------------------------------------ life cycle
    def names(self) -> list[str]:
        return [f"node{i}" for i in range(1, self.count + 1)]

    def dir(self, name: str) -> Path:
        return self.base / name

    def start(self) -> None:
        self.addrs = netns.create(self.prefix, self.count, 150)
        self.created = True
        for i, name in enumerate(self.names(), start=1):
            d = self.dir(name)
            d.mkdir(parents=True)
            shutil.copytree(PACEMAKER_VARLIB, d / "varlib", symlinks=True,
                            ignore=shutil.ignore_patterns("shadow.*", "cib*.raw*", "cib-*",
                                                          "cib.xml*", "pe-*"))
            for sub in ("cib", "pengine", "blackbox", "cores"):
                (d / "varlib" / sub).mkdir(exist_ok=True)
            shutil.chown(d / "varlib" / "cib", "hacluster", "haclient")
            shutil.chown(d / "varlib" / "pengine", "hacluster", "haclient")
            (d / "corosync.conf").write_text(corosync_conf("pcmktest", self.addrs, d))
            script = NODE_SCRIPT.format(dir=d, name=name)
            log = open(d / "node.out", "ab")  # noqa: SIM115 - handed to the child
            self.procs[name] = subprocess.Popen(
                ["ip", "netns", "exec", f"{self.prefix}-n{i}", "unshare", "--mount", "--uts",
                 "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", "sh", "-c", script],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()

    def init_pid(self, name: str) -> int:
        """PID (in our namespace) of the node's first process (pacemakerd), for nsenter."""
        proc = self.procs[name]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            except OSError:
                children = []
            if children:
                return int(children[0])
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited: {self.log_tail(name)}")
            time.sleep(0.1)
        raise AssertionError(f"{name}: no process inside the namespaces")

    def stop(self) -> None:
        """Kill every node (SIGKILL to the ``unshare`` we started takes its PID namespace
        with it) and remove the namespaces."""
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        self.procs.clear()
        if self.created:
            netns.delete(self.prefix, self.count)
            self.created = False

    # ------------------------------------------------------------------ running things on a node
    def enter(self, name: str) -> list[str]:
        return ["nsenter", "--target", str(self.init_pid(name)), "--mount", "--net", "--uts",
                "--pid", "--"]

    def run(self, name: str, argv: list[str], *, input: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 120.0,
            ) -> subprocess.CompletedProcess:
        return subprocess.run(self.enter(name) + argv, input=input, capture_output=True,
                              text=True, env=env, timeout=timeout, check=False)

    def mon(self, name: str) -> etree._Element | None:
        run = self.run(name, ["crm_mon", "--one-shot", "--output-as=xml", "--inactive"],
                       timeout=60)
        if run.returncode != 0 or not run.stdout.startswith("<"):
            return None
        return etree.fromstring(run.stdout.encode())

    def log_tail(self, name: str, lines: int = 30) -> str:
        out = []
        for log in ("node.out", "pacemakerd.out", "corosync.out"):
            path = self.dir(name) / log
            if path.exists():
                out.append(f"--- {log}\n" + "\n".join(path.read_text(errors="replace")
                                                     .splitlines()[-lines:]))
        return "\n".join(out)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> float:
        """Until every node sees a DC and all nodes online; returns the seconds it took."""
        start = time.monotonic()
        last = None
        while time.monotonic() - start < timeout:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise AssertionError(f"{name} stopped (exit {proc.returncode}):\n"
                                         + self.log_tail(name))
            ready = True
            for name in self.names():
                mon = self.mon(name)
                last = mon
                if mon is None or mon.find("summary/current_dc[@present='true']") is None:
                    ready = False
                    break
                online = {n.get("name") for n in mon.iterfind("nodes/node")
                          if n.get("online") == "true"}
                if online != set(self.names()):
                    ready = False
                    break
            if ready:
                return time.monotonic() - start
            time.sleep(1.0)
        text = etree.tostring(last).decode() if last is not None else "no answer"
        raise AssertionError(f"cluster not ready after {timeout:g} s: {text}\n"
                             + self.log_tail("node1"))

    def placement(self, name: str = "node1") -> dict[str, tuple[str, ...]]:
        """Active resource -> nodes, as crm_mon reports it."""
        mon = self.mon(name)
        assert mon is not None, self.log_tail(name)
        return placement_of(mon)

    def wait_node_attribute(self, node: str, attr: str, value: str, name: str = "node1",
                            timeout: float = 30.0) -> None:
        """Until crm_mon on ``name`` shows ``attr=value`` for ``node``: a transient attribute
        reaches the CIB through attrd after the command that set it has returned."""
        deadline = time.monotonic() + timeout
        seen: dict[str, str | None] = {}
        while time.monotonic() < deadline:
            mon = self.mon(name)
            if mon is not None:
                seen = {a.get("name"): a.get("value") for a in mon.iterfind(
                    f"node_attributes/node[@name='{node}']/attribute")}
                if seen.get(attr) == value:
                    return
            time.sleep(0.5)
        raise AssertionError(f"{attr}={value} on {node} not seen in {timeout:g} s: {seen}")

    def wait_placement(self, expected: dict[str, tuple[str, ...]], name: str = "node1",
                       timeout: float = SETTLE_TIMEOUT) -> dict[str, tuple[str, ...]]:
        deadline = time.monotonic() + timeout
        seen: dict[str, tuple[str, ...]] = {}
        while time.monotonic() < deadline:
            seen = self.placement(name)
            if all(seen.get(k) == v for k, v in expected.items()):
                return seen
            time.sleep(1.0)
        raise AssertionError(f"placement {expected} not reached in {timeout:g} s: {seen}")
