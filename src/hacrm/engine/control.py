"""Starting, finding and stopping node daemons (for ``crm cluster`` and sandboxes).

A daemon is found through its pid file, and a pid is only believed when that process's command
line is an hacrm daemon for the same root: a stale pid file whose number was reused by some
other program is never signalled.  Stopping asks the daemon to leave the membership through its
API, then falls back to SIGTERM and finally SIGKILL, always by pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hacrm.engine.localapi import ApiClient, ApiError
from hacrm.engine.paths import Layout

DAEMON_MODULE = "hacrm.engine.daemon"


class ControlError(Exception):
    """Starting or stopping a daemon failed; the message says why."""


def daemon_command(layout: Layout, *, config: Path | None = None, authkey: Path | None = None,
                   name: str | None = None, sandbox: Path | None = None,
                   prefix: list[str] | None = None) -> list[str]:
    cmd = list(prefix or []) + [sys.executable, "-m", DAEMON_MODULE, "--root", str(layout.root)]
    if config is not None:
        cmd += ["--config", str(config)]
    if authkey is not None:
        cmd += ["--authkey", str(authkey)]
    if name is not None:
        cmd += ["--name", name]
    if sandbox is not None:
        cmd += ["--sandbox", str(sandbox)]
    return cmd


def spawn(cmd: list[str], layout: Layout) -> subprocess.Popen:
    """Start a daemon detached from our terminal and session; output goes to its log dir."""
    layout.make_dirs()
    out = open(layout.logdir / "daemon.out", "ab")
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True, close_fds=True, env=env)
    finally:
        out.close()


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").split("\0")


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie child is reaped and counts as gone)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def daemon_pid(layout: Layout) -> int | None:
    """The pid of the daemon running for ``layout``, or None."""
    try:
        pid = int(layout.pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    cmd = _cmdline(pid)
    if DAEMON_MODULE not in cmd or str(layout.root) not in cmd or not alive(pid):
        return None
    return pid


def status(layout: Layout, timeout: float = 10.0) -> dict[str, Any]:
    with ApiClient(layout.socket, timeout=timeout) as client:
        return client.call("status")


def wait_ready(layout: Layout, timeout: float, proc: subprocess.Popen | None = None,
               members: int | None = None) -> dict[str, Any]:
    """Poll the daemon's API until it answers (and, if asked, sees ``members`` nodes and has a
    synchronised CIB); raise :class:`ControlError` if it dies or time runs out."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ControlError(f"the daemon exited with status {proc.returncode}:\n"
                               + log_tail(layout))
        try:
            st = status(layout, timeout=5.0)
            if members is None or (len(st.get("members", [])) == members and st.get("synced")):
                return st
            last_error = (f"{len(st.get('members', []))} of {members} members, "
                          f"{'synced' if st.get('synced') else 'not synced'}")
        except ApiError as err:
            last_error = str(err)
        time.sleep(0.1)
    raise ControlError(f"the daemon at {layout.root} was not ready within {timeout:g} s "
                       f"({last_error})")


def log_tail(layout: Layout, lines: int = 15) -> str:
    out = []
    for path in (layout.logdir / "daemon.out", layout.logfile):
        try:
            text = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        out += text[-lines:]
    return "\n".join(out)


def stop(layout: Layout, timeout: float = 20.0) -> bool:
    """Stop the daemon of ``layout``; False when none was running."""
    pid = daemon_pid(layout)
    if pid is None:
        return False
    try:
        with ApiClient(layout.socket, timeout=5.0) as client:
            client.call("shutdown")
    except ApiError:
        _signal(pid, signal.SIGTERM)
    if _wait_gone(pid, timeout):
        return True
    _signal(pid, signal.SIGTERM)
    if _wait_gone(pid, 5.0):
        return True
    _signal(pid, signal.SIGKILL)
    _wait_gone(pid, 5.0)
    return True


def kill(layout: Layout) -> int | None:
    """SIGKILL the daemon (a crash, for tests and benchmarks); its pid, or None."""
    pid = daemon_pid(layout)
    if pid is not None:
        _signal(pid, signal.SIGKILL)
        _wait_gone(pid, 5.0)
    return pid


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)
