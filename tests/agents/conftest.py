"""Fixtures for our agents' tests: an executor whose agents keep state in a private directory,
free loopback ports, and cleanup of what the agents leave running."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import pytest

from hacrm.engine.executor import Executor


def run(coro, timeout: float = 90):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def kill_mentioning(directory: Path) -> None:
    """SIGKILL processes whose command line or environment names ``directory``: only what this
    test's agents started can, since the directory is the test's own temporary one."""
    marker = str(directory).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for name in ("cmdline", "environ"):
            try:
                with open(f"/proc/{entry}/{name}", "rb") as handle:
                    if marker in handle.read():
                        os.kill(int(entry), signal.SIGKILL)
                        break
            except OSError:
                pass


@pytest.fixture
def rsctmp(tmp_path):
    path = tmp_path / "rsctmp"
    path.mkdir()
    yield path
    kill_mentioning(path)


@pytest.fixture
def executor(rsctmp):
    return Executor("node1", rsc_tmp_dir=rsctmp)
