"""Real node daemons for the multi-process tests, always cleaned up.

The :class:`Clusters` fixture starts sandboxes in the test's temporary directory, remembers the
pid of every daemon it started or restarted, and at teardown kills (SIGKILL, by pid) each one
still running whose command line names that sandbox, then removes any network namespaces.
Waits poll the daemons' status with generous limits: the machine is shared and loaded.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from hacrm.engine import control, netns
from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.localapi import ApiClient

#: generous: a loaded 2-core machine can be slow to start Python processes
TIMEOUT = 90.0


class Clusters:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.sandboxes: list[sandbox_mod.Sandbox] = []
        self.pids: dict[int, str] = {}  # pid -> sandbox dir

    def _remember(self, sb: sandbox_mod.Sandbox) -> None:
        for name in sb.names():
            pid = sb.pid(name)
            if pid is not None:
                self.pids[pid] = str(sb.dir)

    def start(self, nodes: int, *, netns_mode: bool = False, directory: Path | None = None,
              **kwargs) -> sandbox_mod.Sandbox:
        d = directory or self.base / f"sandbox{len(self.sandboxes)}"
        try:
            sb = sandbox_mod.start(d, nodes, timeout=TIMEOUT, use_netns=netns_mode, **kwargs)
        finally:
            try:
                self.sandboxes.append(sandbox_mod.Sandbox.load(d))
                self._remember(self.sandboxes[-1])
            except sandbox_mod.SandboxError:
                pass
        return sb

    def start_node(self, sb: sandbox_mod.Sandbox, name: str) -> int:
        pid = sb.start_node(name, timeout=TIMEOUT)
        self.pids[pid] = str(sb.dir)
        return pid

    def kill(self, sb: sandbox_mod.Sandbox, name: str) -> float:
        """SIGKILL a node's daemon; return the wall-clock time of the kill."""
        pid = sb.pid(name)
        assert pid is not None, f"{name} is not running"
        at = time.time()
        os.kill(pid, signal.SIGKILL)
        assert control._wait_gone(pid, 30), f"{name} (pid {pid}) did not die"
        return at

    def fault(self, sb: sandbox_mod.Sandbox, names: list[str], **args) -> None:
        for name in names:
            with ApiClient(sb.layout(name).socket, timeout=30) as client:
                client.call("fault", args)

    def cleanup(self) -> None:
        for sb in self.sandboxes:
            self._remember(sb)
        for pid, directory in self.pids.items():
            if control.alive(pid) and directory in " ".join(control._cmdline(pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                control._wait_gone(pid, 10)
        for sb in self.sandboxes:
            if sb.netns_prefix:
                netns.delete(sb.netns_prefix, len(sb.nodes))


@pytest.fixture
def clusters(tmp_path):
    harness = Clusters(tmp_path)
    try:
        yield harness
    finally:
        harness.cleanup()


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.cluster)
            item.add_marker(pytest.mark.slow)
