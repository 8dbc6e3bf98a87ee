"""Running one agent process from asyncio: spawn, feed stdin, capture output, time out, kill.

Why a protocol instead of ``asyncio.create_subprocess_exec(...).communicate()``: agents start
daemons, and a daemon that inherits the agent's stdout keeps the pipe open after the agent
exits.  ``communicate()`` would wait for that pipe to close, i.e. forever.  Here output is
accumulated as it arrives and the agent's *exit* ends the run; after a short grace for the last
bytes the pipes are closed, as Pacemaker's executor does.

Every agent runs in a new session (its own process group).  On timeout or cancellation the
whole group gets SIGKILL, so helpers the agent forked die with it; a normal exit kills nothing,
because what an agent leaves behind (the service it started) is the point of running it.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

OUTPUT_LIMIT = 256 * 1024   # bytes kept per stream (the tail: exit reasons come last)
EOF_GRACE = 0.1             # seconds to wait for the pipes to close after the agent exited
KILL_WAIT = 5.0             # seconds to wait for a killed group leader to be reaped, per try


@dataclass(frozen=True)
class ProcOutcome:
    """How a process ended.  Exactly one of ``exit_code`` / ``signal`` is set when it ran and
    ended by itself; ``timed_out`` / ``cancelled`` say we killed it; ``spawn_errno`` says it
    never started."""

    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    cancelled: bool = False
    spawn_errno: int | None = None
    stdout: str = ""
    stderr: str = ""
    exec_ms: int = 0
    pid: int | None = None


class _Collector(asyncio.SubprocessProtocol):
    """Accumulates stdout/stderr (bounded), notes pipe closure and process exit."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.limit = limit
        self.buffers = {1: bytearray(), 2: bytearray()}
        self.open_pipes = {1, 2}
        self.exited = loop.create_future()
        self.pipes_closed = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        buf = self.buffers.get(fd)
        if buf is None:
            return
        buf += data
        if len(buf) > self.limit:
            del buf[: len(buf) - self.limit]

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self.open_pipes.discard(fd)
        if not self.open_pipes and not self.pipes_closed.done():
            self.pipes_closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def text(self, fd: int) -> str:
        return bytes(self.buffers[fd]).decode("utf-8", "replace")


def kill_group(pid: int) -> None:
    """SIGKILL a process group we created (the agent is its leader); gone already is fine."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:
        pass


async def run_agent(argv: list[str], env: Mapping[str, str], *, stdin: bytes | None,
                    timeout_s: float, cancel: asyncio.Event | None = None,
                    limit: int = OUTPUT_LIMIT, cwd: str = "/") -> ProcOutcome:
    """Run ``argv`` to completion, timeout or cancellation; never raises for agent trouble."""
    loop = asyncio.get_running_loop()
    proto = _Collector(loop, limit)
    started = time.monotonic()
    try:
        transport, _ = await loop.subprocess_exec(
            lambda: proto, *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=dict(env), cwd=cwd, start_new_session=True)
    except OSError as err:
        return ProcOutcome(spawn_errno=err.errno or errno.EIO, stderr=str(err))
    pid = transport.get_pid()
    if stdin is not None:
        pipe = transport.get_pipe_transport(0)
        if pipe is not None:
            try:
                pipe.write(stdin)
                pipe.close()   # flushes what is buffered, then closes
            except (BrokenPipeError, ConnectionResetError):
                pass
    timed_out = cancelled = False
    try:
        waiters = {proto.exited}
        cancel_wait = None
        if cancel is not None:
            cancel_wait = asyncio.ensure_future(cancel.wait())
            waiters.add(cancel_wait)
        try:
            done, _ = await asyncio.wait(waiters, timeout=max(0.0, timeout_s),
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            if cancel_wait is not None and not cancel_wait.done():
                cancel_wait.cancel()
        if proto.exited not in done:
            if cancel_wait is not None and cancel_wait in done:
                cancelled = True
            else:
                timed_out = True
            await _kill_and_reap(pid, proto)
        exec_ms = int((time.monotonic() - started) * 1000)
        if not proto.pipes_closed.done():
            try:
                await asyncio.wait_for(asyncio.shield(proto.pipes_closed), EOF_GRACE)
            except asyncio.TimeoutError:
                pass
    except BaseException:
        # The caller was cancelled (or the loop is going down): never leave the group behind.
        if not proto.exited.done():
            await asyncio.shield(_kill_and_reap(pid, proto))
        transport.close()
        raise
    code = transport.get_returncode()
    transport.close()
    outcome = ProcOutcome(stdout=proto.text(1), stderr=proto.text(2), exec_ms=exec_ms, pid=pid,
                          timed_out=timed_out, cancelled=cancelled)
    if timed_out or cancelled or code is None:
        return outcome
    if code < 0:
        return replace(outcome, signal=-code)
    return replace(outcome, exit_code=code)


async def _kill_and_reap(pid: int, proto: _Collector) -> None:
    """Kill the agent's process group and wait (boundedly) until the leader is reaped.

    A process stuck in the kernel may ignore SIGKILL for a while; we retry a few times and then
    stop waiting (the child watcher reaps it whenever it finally dies).
    """
    for _ in range(3):
        kill_group(pid)
        try:
            await asyncio.wait_for(asyncio.shield(proto.exited), KILL_WAIT)
            return
        except asyncio.TimeoutError:
            continue
