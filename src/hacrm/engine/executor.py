"""The executor: runs resource agents for the node daemon, without ever blocking its loop.

It plays the part of Pacemaker's ``pacemaker-execd`` (and the agent-running half of the
fencer).  The controller hands it :class:`OpRequest` objects and gets :class:`OpResult` objects
back, in Pacemaker's terms (OCF rc + execution status), ready for :mod:`hacrm.engine.oprecord`.

What it guarantees:

- **One operation at a time per resource**, in request order (an agent is never asked to stop
  while it is still starting); different resources run in parallel up to a **per-node limit**
  (``max_concurrent``; 0 means twice the CPU count, Pacemaker's default ``node-action-limit``).
- **Timeouts** from the operation (``CRM_meta_timeout``): on expiry the agent's whole process
  group is killed and the result is ``TIMEOUT``.
- **Cancellation** of a queued, running or recurring operation (:meth:`cancel`); the result is
  ``CANCELLED``.  Recurring monitors (:meth:`start_recurring`) run here, as in Pacemaker: the
  first run at once, then every interval, reporting the first result and then only changes.
- **Meta-data** is cached per agent and refreshed when the agent's file changes.
- **Fence devices** (class ``stonith``): ``start`` registers the device after a successful
  ``monitor`` of the agent, ``stop`` forgets it, a probe answers from that registration, and
  :meth:`fence` runs the agent against a target node.
- **Node attributes** agents ask for (promotion scores via ``crm_attribute``/``crm_master``,
  or hacrm's attribute file) come back in :attr:`OpResult.attributes` for the controller to
  apply.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from hacrm.engine import agentenv
from hacrm.engine.agentenv import AgentPaths
from hacrm.engine.agentmeta import AgentMetadata, MetadataError, lsb_metadata_xml, parse_metadata
from hacrm.engine.agentproc import OUTPUT_LIMIT, ProcOutcome, run_agent
from hacrm.engine.opresult import (
    METADATA_TIMEOUT_MS,
    AgentRef,
    AttributeUpdate,
    ExecStatus,
    OcfRc,
    OpRequest,
    OpResult,
    fence_rc,
    lsb_rc,
    ocf_rc,
    readable_ms,
)

ResultCallback = Callable[[OpResult], "Awaitable[None] | None"]

METADATA_LIMIT = 4 * 1024 * 1024   # meta-data must arrive whole (normal output keeps its tail)
log = logging.getLogger(__name__)

_KIND = {"ocf": "Resource agent", "lsb": "LSB init script", "service": "Init script",
         "stonith": "Fence agent"}


@dataclass
class _Pending:
    """An operation the executor holds (queued or running), so it can be cancelled."""

    request: OpRequest
    cancel: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class RecurringOp:
    """A recurring operation's handle (returned by :meth:`Executor.start_recurring`)."""

    request: OpRequest
    call_id: int
    task: asyncio.Task | None = None
    pending: _Pending | None = None
    last: OpResult | None = None

    @property
    def active(self) -> bool:
        return self.task is not None and not self.task.done()


class Executor:
    """Runs agents for one node.  Create it inside the daemon's event loop."""

    def __init__(self, node_name: str, *, paths: AgentPaths | None = None,
                 max_concurrent: int = 0, rsc_tmp_dir: Path | str | None = None,
                 env: Mapping[str, str] | None = None, first_call_id: int = 1,
                 work_dir: Path | str | None = None) -> None:
        self.node_name = node_name
        self.paths = paths or AgentPaths.default()
        self.max_concurrent = max_concurrent or 2 * (os.cpu_count() or 1)
        self.rsc_tmp_dir = Path(rsc_tmp_dir) if rsc_tmp_dir else None
        self.env = dict(os.environ if env is None else env)
        self.work_dir = Path(work_dir) if work_dir else None
        self.node_attributes: dict[str, str] = {}
        self.peak_running = 0
        self._running = 0
        self._next_call_id = first_call_id
        self._slots = asyncio.Semaphore(self.max_concurrent)
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, list[_Pending]] = {}
        self._recurring: dict[str, RecurringOp] = {}
        self._metadata: dict[str, tuple[float, AgentMetadata]] = {}
        self._metadata_locks: dict[str, asyncio.Lock] = {}
        self._fence_devices: dict[str, dict[str, str]] = {}

    # ------------------------------------------------------------------ public API
    def next_call_id(self) -> int:
        call_id = self._next_call_id
        self._next_call_id += 1
        return call_id

    async def execute(self, request: OpRequest, call_id: int | None = None) -> OpResult:
        """Run one operation (a recurring request runs once) and return its result."""
        if call_id is None:
            call_id = self.next_call_id()
        pending = self._hold(request)
        try:
            return await self._perform(request, call_id, pending)
        finally:
            self._release(request, pending)

    def start_recurring(self, request: OpRequest, on_result: ResultCallback, *,
                        changes_only: bool = True, call_id: int | None = None) -> RecurringOp:
        """Run ``request`` now and then every ``request.interval_ms``; report each result to
        ``on_result`` (only the first and then changes, unless ``changes_only=False``).  A
        recurring op with the same key replaces (cancels) the previous one."""
        if request.interval_ms <= 0:
            raise ValueError(f"{request.key}: a recurring operation needs an interval")
        self.cancel(request.rsc_id, request.action, request.interval_ms)
        op = RecurringOp(request, self.next_call_id() if call_id is None else call_id)
        op.task = asyncio.ensure_future(self._recurring_loop(op, on_result, changes_only))
        self._recurring[request.key] = op
        return op

    def cancel(self, rsc_id: str, action: str, interval_ms: int = 0) -> bool:
        """Cancel the operation with this key (queued, running or recurring).  Its waiter
        gets a ``CANCELLED`` result; True if anything was found."""
        key = f"{rsc_id}_{action}_{interval_ms}"
        found = False
        recurring = self._recurring.get(key)
        if recurring is not None and recurring.active:
            found = True
            if recurring.pending is not None:
                recurring.pending.cancel.set()
            recurring.task.cancel()
        for pending in self._pending.get(key, []):
            pending.cancel.set()
            found = True
        return found

    def cancel_all(self, rsc_id: str | None = None) -> int:
        """Cancel every operation (of one resource, or all); returns how many were found."""
        keys = {k for k in list(self._pending) + list(self._recurring)}
        count = 0
        for key in keys:
            req = self._request_for(key)
            if req is None or (rsc_id is not None and req.rsc_id != rsc_id):
                continue
            count += self.cancel(req.rsc_id, req.action, req.interval_ms)
        return count

    def cancel_recurring(self, rsc_id: str) -> int:
        """Cancel the recurring operations of one resource (what Pacemaker's controller does
        before it stops or demotes a resource); returns how many were running."""
        count = 0
        for op in list(self._recurring.values()):
            if op.request.rsc_id == rsc_id and op.active:
                count += self.cancel(rsc_id, op.request.action, op.request.interval_ms)
        return count

    def recurring_ops(self) -> list[RecurringOp]:
        return [op for op in self._recurring.values() if op.active]

    def in_flight(self) -> list[OpRequest]:
        return [p.request for held in self._pending.values() for p in held]

    def fence_device_registered(self, rsc_id: str) -> bool:
        return rsc_id in self._fence_devices

    async def close(self) -> None:
        """Stop every recurring op and cancel what runs (their agents are killed)."""
        tasks = [op.task for op in self._recurring.values() if op.task is not None]
        self.cancel_all()
        for task in tasks:
            try:
                await task
            except BaseException:  # noqa: BLE001 - cancelled loops end this way
                pass

    async def metadata(self, agent: AgentRef) -> AgentMetadata:
        """The agent's parsed meta-data, cached until its file changes.

        Concurrent callers for one agent share a single run of the agent (a fresh node probes
        every resource at once, often many of the same type).  Raises :class:`MetadataError`
        when the agent is missing or prints no usable meta-data.
        """
        path = await self._resolve(agent)
        if path is None:
            raise MetadataError(f"{agent}: agent not installed")
        key = str(agent)
        lock = self._metadata_locks.setdefault(key, asyncio.Lock())
        async with lock:
            mtime = await asyncio.to_thread(_mtime, path)
            cached = self._metadata.get(key)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            text = await self._metadata_text(agent, path)
            parsed = parse_metadata(text, agent.type)
            self._metadata[key] = (mtime, parsed)
            return parsed

    async def fence(self, device_id: str, agent: AgentRef | str,
                    device_params: Mapping[str, str], action: str, target: str | None,
                    timeout_ms: int = 60000, target_nodeid: int | None = None) -> OpResult:
        """Run a fence agent's ``action`` (off, on, reboot, status, list, monitor...) against
        ``target`` with the device's parameters, the way Pacemaker's fencer calls it."""
        if isinstance(agent, str):
            agent = AgentRef("stonith", agent.removeprefix("stonith:"))
        host_arg = None
        try:
            md = await self.metadata(agent)
        except MetadataError:
            md = None
        if md is not None:
            names = {p.name for p in md.params}
            host_arg = "port" if "port" in names else "plug" if "plug" in names else None
            if action == "reboot" and md.action("reboot") is None:
                action = "off"   # as Pacemaker's fencer does for agents without reboot
        request = OpRequest(device_id, agent, action, dict(device_params), 0, timeout_ms)
        args = agentenv.fence_args(action, target, device_params, host_arg, target_nodeid)
        return await self._fence_execute(request, args)

    # ------------------------------------------------------------------ bookkeeping
    def _hold(self, request: OpRequest) -> _Pending:
        pending = _Pending(request)
        self._pending.setdefault(request.key, []).append(pending)
        return pending

    def _release(self, request: OpRequest, pending: _Pending) -> None:
        held = self._pending.get(request.key, [])
        if pending in held:
            held.remove(pending)
        if not held:
            self._pending.pop(request.key, None)

    def _request_for(self, key: str) -> OpRequest | None:
        if key in self._recurring:
            return self._recurring[key].request
        held = self._pending.get(key)
        return held[0].request if held else None

    async def _resolve(self, agent: AgentRef) -> Path | None:
        """Find the agent's file off the loop (a stat per directory searched)."""
        return await asyncio.to_thread(self.paths.resolve, agent)

    def _lock(self, rsc_id: str) -> asyncio.Lock:
        lock = self._locks.get(rsc_id)
        if lock is None:
            lock = self._locks[rsc_id] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------------ running
    async def _perform(self, request: OpRequest, call_id: int, pending: _Pending) -> OpResult:
        queued = time.monotonic()
        if request.start_delay_ms > 0 and not await _sleep(request.start_delay_ms / 1000,
                                                           pending.cancel):
            return self._cancelled(request, call_id)
        lock = self._lock(request.rsc_id)
        if not await _acquire(lock, pending.cancel):
            return self._cancelled(request, call_id)
        try:
            if not await _acquire(self._slots, pending.cancel):
                return self._cancelled(request, call_id)
            try:
                self._running += 1
                self.peak_running = max(self.peak_running, self._running)
                queue_ms = int((time.monotonic() - queued) * 1000)
                t_run = int(time.time())
                result = await self._dispatch(request, call_id, pending)
            finally:
                self._running -= 1
                self._slots.release()
        finally:
            lock.release()
        return replace(result, t_run=t_run, t_rcchange=t_run, queue_time_ms=queue_ms)

    def _cancelled(self, request: OpRequest, call_id: int) -> OpResult:
        now = int(time.time())
        return OpResult(request, call_id, OcfRc.OK, ExecStatus.CANCELLED, t_run=now,
                        t_rcchange=now)

    async def _dispatch(self, request: OpRequest, call_id: int, pending: _Pending) -> OpResult:
        agent = request.agent
        if request.action == "meta-data":
            return await self._metadata_result(request, call_id)
        if agent.cls == "stonith":
            return await self._stonith_resource_op(request, call_id, pending)
        if agent.cls not in ("ocf", "lsb", "service"):
            return OpResult(request, call_id, OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED,
                            f"agent class '{agent.cls}' is not supported by this executor")
        path = await self._resolve(agent)
        if path is None:
            return self._not_installed(request, call_id)
        argv = agentenv.command(path, agentenv.action_for(agent, request.action))
        env_extra = (agentenv.ocf_env(agent, request.rsc_id, request.params,
                                      self.paths.ocf_root) if agent.cls == "ocf" else {})
        return await self._run(request, call_id, argv, env_extra, None, pending)

    def _not_installed(self, request: OpRequest, call_id: int) -> OpResult:
        return OpResult(request, call_id, OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED,
                        f"{request.agent.type}: No such file or directory")

    async def _run(self, request: OpRequest, call_id: int, argv: list[str],
                   env_extra: Mapping[str, str], stdin: bytes | None,
                   pending: _Pending | None, limit: int = OUTPUT_LIMIT) -> OpResult:
        """Spawn the agent with the node's environment; map its outcome to rc/status."""
        attr_file = await asyncio.to_thread(self._attribute_file)
        env = agentenv.base_env(self.env, self.paths, self.node_name, self.rsc_tmp_dir,
                                attr_file, json.dumps(self.node_attributes)
                                if self.node_attributes else None)
        env.update(env_extra)
        try:
            outcome = await run_agent(argv, env, stdin=stdin,
                                      timeout_s=request.timeout_ms / 1000,
                                      cancel=pending.cancel if pending else None, limit=limit)
            attributes = await asyncio.to_thread(_read_attribute_file, attr_file)
        finally:
            if attr_file is not None:
                await asyncio.to_thread(_unlink, attr_file)
        result = self._map_outcome(request, call_id, outcome)
        return replace(result, attributes=tuple(attributes))

    def _map_outcome(self, request: OpRequest, call_id: int, out: ProcOutcome) -> OpResult:
        cls = request.agent.cls
        kind = _KIND.get(cls, "Agent")
        base = OpResult(request, call_id, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR,
                        stdout=out.stdout, stderr=out.stderr, exec_time_ms=out.exec_ms)
        if out.spawn_errno is not None:
            name = request.agent.type
            if out.spawn_errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EINVAL,
                                   errno.ENOEXEC):
                return replace(base, rc=OcfRc.NOT_INSTALLED, status=ExecStatus.NOT_INSTALLED,
                               exit_reason=f"{name}: {os.strerror(out.spawn_errno)}")
            if out.spawn_errno in (errno.EACCES, errno.EPERM):
                return replace(base, rc=OcfRc.INSUFFICIENT_PRIV,
                               exit_reason=f"{name}: {os.strerror(out.spawn_errno)}")
            return replace(base, exit_reason=os.strerror(out.spawn_errno))
        if out.timed_out:
            return replace(base, status=ExecStatus.TIMEOUT,
                           exit_reason=f"{kind} did not complete within "
                                       f"{readable_ms(request.timeout_ms)}")
        if out.cancelled:
            return replace(base, rc=OcfRc.OK, status=ExecStatus.CANCELLED)
        if out.signal is not None:
            try:
                signame = signal.Signals(out.signal).name
            except ValueError:
                signame = f"signal {out.signal}"
            return replace(base, exit_reason=f"{kind} interrupted by {signame} signal")
        code = out.exit_code or 0
        if cls == "ocf":
            rc = ocf_rc(code)
            reason = agentenv.parse_exit_reason(out.stderr)
        elif cls == "stonith":
            rc, reason = fence_rc(code), ""
            if request.action == "status" and code == 2:
                rc = OcfRc.NOT_RUNNING   # the fence-agent API's "off": a node it knows
        else:
            rc, reason = lsb_rc(agentenv.action_for(request.agent, request.action), code), ""
        return replace(base, rc=rc, status=ExecStatus.DONE, exit_reason=reason)

    def _attribute_file(self) -> Path | None:
        directory = self.work_dir or self.rsc_tmp_dir
        try:
            if directory is not None:
                directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="hacrm-attr-", suffix=".jsonl",
                                        dir=str(directory) if directory else None)
        except OSError:
            return None
        os.close(fd)
        return Path(name)

    # ------------------------------------------------------------------ recurring
    async def _recurring_loop(self, op: RecurringOp, on_result: ResultCallback,
                              changes_only: bool) -> None:
        request = op.request
        t_rcchange: int | None = None
        first = True
        try:
            while True:
                op.pending = self._hold(request)
                try:
                    result = await self._perform(request, op.call_id, op.pending)
                finally:
                    self._release(request, op.pending)
                    op.pending = None
                if result.status == ExecStatus.CANCELLED:
                    await _deliver(on_result, result)
                    return
                changed = (op.last is None or op.last.rc != result.rc
                           or op.last.status != result.status)
                if t_rcchange is None:
                    t_rcchange = result.t_run
                elif changed:
                    # the op's records share its call id, so the scheduler orders them by
                    # last-rc-change (as Pacemaker does): a change must be newer than the
                    # result it replaces even when the wall clock was stepped back, or the
                    # failure is taken as older than the success and never recovered
                    t_rcchange = max(result.t_run, t_rcchange + 1)
                result = replace(result, t_rcchange=t_rcchange)
                op.last = result
                if first or changed or not changes_only:
                    await _deliver(on_result, result)
                first = False
                await asyncio.sleep(request.interval_ms / 1000)
                request = op.request
        except asyncio.CancelledError:
            now = int(time.time())
            await _deliver(on_result, OpResult(op.request, op.call_id, OcfRc.OK,
                                               ExecStatus.CANCELLED, t_run=now,
                                               t_rcchange=t_rcchange or now))
        finally:
            if self._recurring.get(op.request.key) is op:
                del self._recurring[op.request.key]

    # ------------------------------------------------------------------ meta-data
    async def _metadata_text(self, agent: AgentRef, path: Path) -> str:
        request = OpRequest("", agent, "meta-data", {}, 0, METADATA_TIMEOUT_MS)
        if agent.cls in ("lsb", "service"):
            script = await asyncio.to_thread(path.read_text, "utf-8", "replace")
            return lsb_metadata_xml(agent.type, script)
        if agent.cls == "stonith":
            args = agentenv.fence_args("metadata", None, {})
            result = await self._run(request, 0, agentenv.command(path), {},
                                     agentenv.fence_stdin(args), None, METADATA_LIMIT)
        else:
            env = agentenv.ocf_env(agent, None, {}, self.paths.ocf_root)
            result = await self._run(request, 0, agentenv.command(path, "meta-data"), env,
                                     None, None, METADATA_LIMIT)
        if not result.ok or not result.stdout.strip():
            raise MetadataError(f"{agent}: meta-data failed (rc={result.rc}, "
                                f"status={result.status.name}) {result.exit_reason}".rstrip())
        return result.stdout

    async def _metadata_result(self, request: OpRequest, call_id: int) -> OpResult:
        path = await self._resolve(request.agent)
        if path is None:
            return self._not_installed(request, call_id)
        try:
            md = await self.metadata(request.agent)
        except MetadataError as err:
            return OpResult(request, call_id, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, str(err))
        return OpResult(request, call_id, OcfRc.OK, ExecStatus.DONE, stdout=md.xml)

    # ------------------------------------------------------------------ fencing
    async def _stonith_resource_op(self, request: OpRequest, call_id: int,
                                   pending: _Pending) -> OpResult:
        rsc = request.rsc_id
        if request.action == "stop":
            self._fence_devices.pop(rsc, None)
            return OpResult(request, call_id, OcfRc.OK, ExecStatus.DONE)
        if request.action == "monitor" and request.interval_ms == 0:
            rc = OcfRc.OK if rsc in self._fence_devices else OcfRc.NOT_RUNNING
            return OpResult(request, call_id, rc, ExecStatus.DONE)
        if request.action not in ("start", "monitor"):
            return OpResult(request, call_id, OcfRc.UNIMPLEMENT_FEATURE, ExecStatus.ERROR,
                            "Invalid fence device action")
        if request.action == "monitor" and rsc not in self._fence_devices:
            return OpResult(request, call_id, OcfRc.NOT_RUNNING, ExecStatus.ERROR,
                            "fence device is not registered")
        path = await self._resolve(request.agent)
        if path is None:
            return self._not_installed(request, call_id)
        args = agentenv.fence_args("monitor", None, request.params)
        result = await self._run(request, call_id, agentenv.command(path), {},
                                 agentenv.fence_stdin(args), pending)
        if result.ok and request.action == "start":
            self._fence_devices[rsc] = dict(request.params)
        return result

    async def _fence_execute(self, request: OpRequest, args: Mapping[str, str]) -> OpResult:
        """A fencing action runs outside the device's resource lock (a monitor of the device
        must not delay fencing), but inside the node's concurrency limit."""
        call_id = self.next_call_id()
        path = await self._resolve(request.agent)
        if path is None:
            return self._not_installed(request, call_id)
        pending = self._hold(request)
        try:
            if not await _acquire(self._slots, pending.cancel):
                return self._cancelled(request, call_id)
            try:
                self._running += 1
                self.peak_running = max(self.peak_running, self._running)
                t_run = int(time.time())
                result = await self._run(request, call_id, agentenv.command(path), {},
                                         agentenv.fence_stdin(args), pending)
            finally:
                self._running -= 1
                self._slots.release()
        finally:
            self._release(request, pending)
        return replace(result, t_run=t_run, t_rcchange=t_run)


# ---------------------------------------------------------------------- helpers


async def _acquire(primitive: asyncio.Lock | asyncio.Semaphore,
                   cancel: asyncio.Event) -> bool:
    """Acquire a lock or semaphore unless ``cancel`` is set first; False when cancelled (and
    then nothing is held)."""
    if cancel.is_set():
        return False
    acquiring = asyncio.ensure_future(primitive.acquire())
    stopper = asyncio.ensure_future(cancel.wait())
    try:
        await asyncio.wait({acquiring, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        stopper.cancel()
        acquiring.cancel()
        if acquiring.done() and not acquiring.cancelled():
            primitive.release()
        raise
    stopper.cancel()
    if not acquiring.done():
        acquiring.cancel()
        try:
            await acquiring
        except asyncio.CancelledError:
            return False
    if cancel.is_set():
        primitive.release()
        return False
    return True


async def _sleep(seconds: float, cancel: asyncio.Event) -> bool:
    """Sleep unless ``cancel`` is set first; False when cancelled."""
    try:
        await asyncio.wait_for(cancel.wait(), seconds)
    except asyncio.TimeoutError:
        return True
    return False


async def _deliver(callback: ResultCallback, result: OpResult) -> None:
    """Hand a recurring result to its owner; a failing callback is logged, never fatal to the
    recurring operation."""
    try:
        outcome = callback(result)
        if asyncio.iscoroutine(outcome) or isinstance(outcome, asyncio.Future):
            await outcome
    except asyncio.CancelledError:
        raise
    except Exception:   # noqa: BLE001 - the callback is the controller's; keep monitoring
        log.exception("result callback failed for %s", result.request.key)


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _read_attribute_file(path: Path | None) -> list[AttributeUpdate]:
    """Attribute requests agents appended (one JSON object per line); bad lines are skipped."""
    if path is None:
        return []
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
            name = str(item["name"])
        except (ValueError, KeyError, TypeError):
            continue
        value = item.get("value")
        out.append(AttributeUpdate(name=name, value=None if value is None else str(value),
                                   lifetime=str(item.get("lifetime") or "reboot"),
                                   node=item.get("node")))
    return out
