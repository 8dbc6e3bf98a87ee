"""How each fault is done to a running sandbox, and undone.

Only processes of the soak's own sandbox are ever signalled: a pid is used after checking that
its command line or environment names the sandbox directory (daemons restarted by the fence
agent are the sandbox's too).  Network faults go through the transport's fault hook (the
``fault`` call of the local API, rules that expire by themselves).  A full disk is real: the
CIB directory of every node is a small tmpfs of its own (mounted before the daemons start, when
the soak runs as root), and the fault fills it with a ballast file; without root the fault is
skipped and the run says so.  A clock jump shifts the wall clock of one node's daemon and
agents (``clockshift/sitecustomize.py``, a file per node holding the offset), leaving their
monotonic clock alone, as a step of the machine's clock does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from hacrm.engine import control
from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.localapi import ApiClient, ApiError

CIB_TMPFS_SIZE = "8m"
BALLAST = ".soak-ballast"
CLOCK_ENV = "HACRM_SOAK_CLOCK"
CLOCK_FILE = "soak-clock-offset"
CLOCKSHIFT = Path(__file__).resolve().parent / "clockshift"


def _strings(pid: int) -> bytes:
    out = b""
    for name in ("cmdline", "environ"):
        try:
            out += Path(f"/proc/{pid}/{name}").read_bytes()
        except OSError:
            pass
    return out


def ours(pid: int, sb: sandbox_mod.Sandbox) -> bool:
    return pid > 1 and pid != os.getpid() and str(sb.dir).encode() in _strings(pid)


def _ancestors() -> set[int]:
    """This process and the ones it descends from: they may name the sandbox directory on
    their command line (``--dir``) but are never the sandbox's."""
    out, pid = set(), os.getpid()
    for _ in range(100):
        out.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        if pid <= 1:
            break
    return out


def kill_sandbox(directory: Path) -> int:
    """SIGKILL, by pid, every process naming ``directory`` (daemons, agents, services, nodes
    switched on again by fencing) except this one and its ancestors; how many were killed."""
    spared = _ancestors()
    killed = 0
    for _ in range(20):
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) not in spared
                and str(directory).encode() in _strings(int(e))]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.1)
    return killed


def signal_ours(pid: int | None, sig: int, sb: sandbox_mod.Sandbox) -> bool:
    if pid is None or not ours(pid, sb):
        return False
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


class Injector:
    """The fault actions on one sandbox."""

    def __init__(self, sb: sandbox_mod.Sandbox, log) -> None:
        self.sb = sb
        self.log = log
        self.mounted: list[Path] = []
        self.stopped: dict[str, int] = {}
        self.env_lock = threading.Lock()

    # -- disks --------------------------------------------------------------------------------
    def mount_cib_dirs(self) -> str | None:
        """Give every node's CIB directory a tmpfs of its own (before the daemons start);
        None on success, else why the full-disk fault cannot run."""
        if os.geteuid() != 0:
            return "not root: no tmpfs can be mounted for the CIB directories"
        for name in self.sb.names():
            d = self.sb.layout(name).cib_dir
            d.mkdir(parents=True, exist_ok=True)
            res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={CIB_TMPFS_SIZE},mode=0700",
                                  "soak-cib", str(d)], capture_output=True, text=True, timeout=30,
                                 check=False)
            if res.returncode != 0:
                self.unmount()
                return f"mount of a tmpfs failed: {res.stderr.strip() or res.returncode}"
            self.mounted.append(d)
        return None

    def unmount(self) -> None:
        for d in self.mounted:
            for _ in range(20):
                res = subprocess.run(["umount", str(d)], capture_output=True, timeout=30,
                                     check=False)
                if res.returncode == 0:
                    break
                time.sleep(0.25)
        self.mounted = []

    def fill(self, node: str) -> bool:
        d = self.sb.layout(node).cib_dir
        if d not in self.mounted:
            return False
        chunk = b"\0" * 65536
        fd = os.open(d / BALLAST, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for _ in range(100_000):
                try:
                    os.write(fd, chunk)
                except OSError:
                    try:
                        os.write(fd, b"\0" * 512)
                        continue
                    except OSError:
                        break
        finally:
            os.close(fd)
        return True

    def free(self, node: str) -> None:
        try:
            (self.sb.layout(node).cib_dir / BALLAST).unlink()
        except FileNotFoundError:
            pass

    # -- daemons ------------------------------------------------------------------------------
    def kill_daemon(self, node: str) -> bool:
        return signal_ours(self.sb.pid(node), signal.SIGKILL, self.sb)

    def stop_daemon(self, node: str) -> bool:
        pid = self.sb.pid(node)
        if signal_ours(pid, signal.SIGSTOP, self.sb):
            assert pid is not None
            self.stopped[node] = pid
            return True
        return False

    def cont_daemon(self, node: str) -> None:
        pid = self.stopped.pop(node, None)
        signal_ours(pid, signal.SIGCONT, self.sb)

    def spawn(self, node: str):
        """Start the node's daemon with its own shiftable wall clock; the Popen."""
        layout = self.sb.layout(node)
        clock = self.clock_file(node)
        if not clock.exists():
            clock.write_text("0\n")
        with self.env_lock:     # control.spawn copies os.environ: set ours just for it
            saved = {k: os.environ.get(k) for k in (CLOCK_ENV, "PYTHONPATH")}
            os.environ[CLOCK_ENV] = str(clock)
            os.environ["PYTHONPATH"] = os.pathsep.join(
                [str(CLOCKSHIFT)] + ([saved["PYTHONPATH"]] if saved["PYTHONPATH"] else []))
            try:
                return control.spawn(self.sb.command(self.sb.node(node)), layout)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v

    def start_all(self, timeout: float) -> None:
        procs = {name: self.spawn(name) for name in self.sb.names() if self.sb.pid(name) is None}
        for name, proc in procs.items():
            control.wait_ready(self.sb.layout(name), timeout, proc)
        self.sb.wait_converged(timeout=timeout)

    def start_node(self, node: str, timeout: float) -> None:
        if self.sb.pid(node) is None:
            control.wait_ready(self.sb.layout(node), timeout, self.spawn(node))

    def ensure_running(self, node: str, timeout: float) -> str:
        """Start the node's daemon unless it runs (the fence agent may have switched it on);
        say what was done."""
        if self.sb.pid(node) is not None:
            return "running"
        try:
            self.start_node(node, timeout)
            return "restarted"
        except (control.ControlError, sandbox_mod.SandboxError, OSError) as err:
            if self.sb.pid(node) is not None:   # switched on by the fence agent meanwhile
                return "running"
            self.log(f"restart of {node} failed: {err}")
            return "failed"

    # -- clocks -------------------------------------------------------------------------------
    def clock_file(self, node: str) -> Path:
        return self.sb.layout(node).root / CLOCK_FILE

    def clock_offset(self, node: str) -> float:
        try:
            return float(self.clock_file(node).read_text().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    def set_clock(self, node: str, offset: float) -> bool:
        """Step the node's wall clock to real time + ``offset`` seconds (atomically: the
        processes re-read the file when it changes); False when the daemon does not run with
        the shifted clock (started by hand, say)."""
        path = self.clock_file(node)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(f"{offset:.3f}\n")
        os.replace(tmp, path)
        pid = self.sb.pid(node)
        return pid is not None and f"{CLOCK_ENV}={path}".encode() in _strings(pid)

    def uptime(self, node: str) -> float | None:
        """The daemon's own uptime (its wall clock now minus at start)."""
        try:
            with ApiClient(self.sb.layout(node).socket, timeout=3) as client:
                return float(client.call("status", {}, timeout=3)["uptime"])
        except (ApiError, OSError, ValueError, KeyError, TypeError):
            return None

    def jump_clock(self, node: str, seconds: float) -> bool:
        """Step the node's wall clock by ``seconds``; True once the daemon itself shows it
        (its uptime, a wall-clock difference, moved by the jump)."""
        before, t0 = self.uptime(node), time.monotonic()
        if not self.set_clock(node, self.clock_offset(node) + seconds) or before is None:
            return False
        after, t1 = self.uptime(node), time.monotonic()
        seen = None if after is None else after - before - (t1 - t0)
        if seen is None or abs(seen - seconds) > 2.0:
            self.log(f"  clock of {node}: the daemon shows a step of {seen}, not {seconds:g} s")
            return False
        return True

    # -- network ------------------------------------------------------------------------------
    def rules(self, rules: list[dict], clear: bool = False) -> int:
        """Set fault rules on every node that answers; how many took them."""
        done = 0
        for name in self.sb.names():
            if name in self.stopped:
                continue
            try:
                with ApiClient(self.sb.layout(name).socket, timeout=3) as client:
                    client.call("fault", {"rules": rules, "clear": clear}, timeout=3)
                done += 1
            except (ApiError, OSError, ValueError):
                pass
        return done

    def partition(self, node: str, hold: float) -> int:
        me = self.sb.node(node).nodeid
        others = [n.nodeid for n in self.sb.nodes if n.nodeid != me]
        return self.rules([{"kind": "drop", "a": [me], "b": others, "duration": hold}])

    # -- agents -------------------------------------------------------------------------------
    def kill_service(self, rng) -> str | None:
        """SIGKILL a web server process the agent started; the node it ran on."""
        for name in rng.sample(self.sb.names(), len(self.sb.names())):
            rsctmp = self.sb.layout(name).root / "run" / "resource-agents"
            for pidfile in sorted(rsctmp.glob("hacrm-webserver-*.pid")):
                try:
                    pid = int(pidfile.read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    continue
                if signal_ours(pid, signal.SIGKILL, self.sb):
                    return name
        return None

    def kill_agent(self, rng, window: float) -> str | None:
        """SIGKILL an agent process caught running an action (a monitor, usually) within
        ``window`` seconds; what it was running."""
        deadline = time.monotonic() + window
        marker = b"resource.d/hacrm/"
        while time.monotonic() < deadline:
            found = []
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                pid = int(entry)
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if marker in cmd and b"_serve" not in cmd and ours(pid, self.sb):
                    found.append((pid, cmd))
            if found:
                pid, cmd = rng.choice(found)
                if signal_ours(pid, signal.SIGKILL, self.sb):
                    return cmd.replace(b"\0", b" ").decode(errors="replace").strip()
            time.sleep(0.02)
        return None
