"""Real sandboxes for the controller tests, always cleaned up.

Every daemon a test starts (and any restarted by fencing) and every service its agents
started carries the sandbox directory in its command line or environment (``--sandbox``,
``HA_RSCTMP``); teardown SIGKILLs exactly those processes, by pid.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from hacrm.engine import sandbox as sandbox_mod

#: generous: a loaded 2-core machine can be slow to start Python processes
TIMEOUT = 90.0


def _mentions(pid: int, directory: str) -> bool:
    for name in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                data = f.read()
        except OSError:
            continue
        if directory.encode() in data:
            return True
    return False


def processes_of(directory: Path) -> list[int]:
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me and _mentions(int(entry), str(directory)):
            out.append(int(entry))
    return out


def kill_all(directory: Path) -> None:
    for _ in range(20):
        pids = processes_of(directory)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.1)


class Sandboxes:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.dirs: list[Path] = []

    def start(self, nodes: int, **kwargs) -> sandbox_mod.Sandbox:
        d = self.base / f"sb{len(self.dirs)}"
        self.dirs.append(d)
        return sandbox_mod.start(d, nodes, timeout=TIMEOUT, **kwargs)

    def cleanup(self) -> None:
        for d in self.dirs:
            kill_all(d)


@pytest.fixture
def sandboxes(tmp_path):
    harness = Sandboxes(tmp_path)
    try:
        yield harness
    finally:
        harness.cleanup()
