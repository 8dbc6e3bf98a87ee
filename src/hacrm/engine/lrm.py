"""The node's half of resource management: run what the DC asks, keep the history, report.

Every node runs one :class:`LocalResources` (Pacemaker's controller does this part on every
node, beside its executor).  It

* runs each resource action the DC sends through the node's
  :class:`~hacrm.engine.executor.Executor`, as the graph action says (parameters, timeout,
  interval, transition key);
* keeps this node's *resource history*, the ``lrm_resource``/``lrm_rsc_op`` elements the
  status section holds for the node, built with :mod:`hacrm.engine.oprecord` (pending entries
  while an operation runs, Pacemaker's ``record-pending``);
* reports every change of it (the changed resource's whole history and the result behind it)
  to the DC, which writes it into the CIB; after each membership change it sends the whole
  history, so a new DC, or a DC that missed a report, starts from the truth;
* runs recurring monitors (first result confirms the graph action; later *changes* are
  reported as they happen), cancels them before a stop or when the graph cancels them;
* forgets a resource on request (``crm resource cleanup/refresh``): its operations are
  cancelled and its history is gone, so the scheduler probes it again.

The node is the only author of its history: the DC never edits a node's ``lrm`` except by
writing what the node reported (and clearing it when the node is fenced).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from lxml import etree

from hacrm.engine.agentmeta import AgentMetadata, MetadataError
from hacrm.engine.controller_events import OpOutcome
from hacrm.engine.executor import Executor
from hacrm.engine.oprecord import build_op_records, is_recordable, lrm_resource, pending_record
from hacrm.engine.opresult import (
    AttributeUpdate,
    ExecStatus,
    OcfRc,
    OpRequest,
    OpResult,
)
from hacrm.engine.plan import PlannedAction, request_for

#: send(kind, header, body): a message to the cluster, in the total order
Send = Callable[[str, dict[str, Any], bytes], None]
#: attribute requests of agents (promotion scores...), applied by the controller
ApplyAttributes = Callable[[list[AttributeUpdate]], Awaitable[None]]

log = logging.getLogger("hacrm")


class LocalResources:
    def __init__(self, node: str, executor: Executor, send: Send,
                 apply_attributes: ApplyAttributes | None = None,
                 record_pending: bool = True) -> None:
        self.node = node
        self.executor = executor
        self.send = send
        self.apply_attributes = apply_attributes
        self.record_pending = record_pending
        self.resources = etree.Element("lrm_resources")
        self.tasks: set[asyncio.Task] = set()
        self._changed: dict[str, etree._Element] = {}
        self._deleted: list[str] = []
        self._results: list[OpOutcome] = []
        self._flush_scheduled = False

    # ------------------------------------------------------------------ history
    def history(self, rsc_id: str) -> etree._Element | None:
        for el in self.resources:
            if el.get("id") == rsc_id:
                return el
        return None

    def snapshot(self) -> bytes:
        return etree.tostring(self.resources)


    def _report(self, rsc: etree._Element | None, outcome: OpOutcome | None = None,
                deleted: tuple[str, ...] = ()) -> None:
        """Queue a change for the DC; everything queued in one turn of the event loop goes
        in one message (the resources' latest entries, every result, in order)."""
        if rsc is not None:
            self._changed[rsc.get("id")] = rsc    # the whole entry: replaces a deletion
            if rsc.get("id") in self._deleted:
                self._deleted.remove(rsc.get("id"))
        for rsc_id in deleted:
            self._changed.pop(rsc_id, None)
            self._deleted.append(rsc_id)
        if outcome is not None:
            self._results.append(outcome)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self._flush)
            except RuntimeError:      # no loop (a synchronous caller): send at once
                self._flush()

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not (self._changed or self._deleted or self._results):
            return
        body = b""
        if self._changed:
            holder = etree.Element("lrm_resources")
            for rsc in self._changed.values():
                holder.append(etree.fromstring(etree.tostring(rsc)))
            body = etree.tostring(holder)
        header: dict[str, Any] = {"node": self.node}
        if self._results:
            header["results"] = [o.to_json() for o in self._results]
        if self._deleted:
            header["deleted"] = list(self._deleted)
        self._changed, self._deleted, self._results = {}, [], []
        self.send("lrm-update", header, body)

    def _entry(self, request: OpRequest) -> etree._Element:
        agent = request.agent
        return lrm_resource(self.resources, request.rsc_id, agent.cls, agent.type,
                            agent.provider)

    # ------------------------------------------------------------------ actions from the DC
    def submit(self, transition: int, uuid: str, action: PlannedAction) -> None:
        """Start working on a graph action (returns at once; the result is reported)."""
        task = asyncio.ensure_future(self._run(transition, uuid, action))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, transition: int, uuid: str, action: PlannedAction) -> None:
        try:
            request = request_for(action, transition, uuid)
        except ValueError as err:
            log.error("cannot run %s: %s", action.describe(), err)
            return
        try:
            if action.task == "cancel":
                self._cancel(request)
            elif action.task == "delete":
                self.forget([request.rsc_id], request)
            elif request.interval_ms > 0:
                self._start_recurring(request)
            else:
                await self._one_shot(request)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("running %s failed", action.describe())
            now = int(time.time())
            self._report(None, _outcome(self.node, OpResult(
                request, 0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, "internal error",
                t_run=now, t_rcchange=now)))

    def _cancel(self, request: OpRequest) -> None:
        operation = request.params.get("CRM_meta_operation", "monitor")
        self.executor.cancel(request.rsc_id, operation, request.interval_ms)
        entry = self.history(request.rsc_id)
        key = f"{request.rsc_id}_{operation}_{request.interval_ms}"
        if entry is not None:
            for op in [o for o in entry if o.get("id") == key]:
                entry.remove(op)
        now = int(time.time())
        self._report(entry, _outcome(self.node, OpResult(request, 0, OcfRc.OK,
                                                         ExecStatus.DONE, t_run=now,
                                                         t_rcchange=now)))

    async def _one_shot(self, request: OpRequest) -> None:
        if request.action == "stop":
            # Pacemaker's controller stops a resource's recurring operations first
            self.executor.cancel_recurring(request.rsc_id)
        call_id = self.executor.next_call_id()
        entry = self._entry(request)
        if self.record_pending and is_recordable(request.action):
            pending_record(entry, request, call_id, self.node, t_run=int(time.time()))
            self._report(entry)
        result = await self.executor.execute(request, call_id)
        await self._record(request, result)

    async def _record(self, request: OpRequest, result: OpResult) -> None:
        entry = self._entry(request)
        if is_recordable(request.action):
            metadata = await self._metadata(request)
            build_op_records(entry, result, self.node, metadata=metadata)
        if result.attributes and self.apply_attributes is not None:
            try:
                await self.apply_attributes(list(result.attributes))
            except Exception:
                log.exception("applying the attributes %s asked for failed", request.key)
        self._report(entry, _outcome(self.node, result))

    async def _metadata(self, request: OpRequest) -> AgentMetadata | None:
        if request.agent.cls not in ("ocf", "stonith"):
            return None
        try:
            return await self.executor.metadata(request.agent)
        except MetadataError:
            return None

    def _start_recurring(self, request: OpRequest) -> None:
        async def on_result(result: OpResult) -> None:
            if result.status == ExecStatus.CANCELLED:
                return
            await self._record(request, result)
        self.executor.start_recurring(request, on_result)

    # ------------------------------------------------------------------ cleanup
    def forget(self, rsc_ids: list[str], request: OpRequest | None = None) -> list[str]:
        """Cancel everything of these resources and drop their history (the DC is told)."""
        gone = []
        for rsc_id in rsc_ids:
            self.executor.cancel_all(rsc_id)
            entry = self.history(rsc_id)
            if entry is not None:
                self.resources.remove(entry)
                gone.append(rsc_id)
        outcome = None
        if request is not None:
            now = int(time.time())
            outcome = _outcome(self.node, OpResult(request, 0, OcfRc.OK, ExecStatus.DONE,
                                                   t_run=now, t_rcchange=now))
        if gone or outcome is not None:
            self._report(None, outcome, tuple(gone))
        return gone

    def active(self) -> list[str]:
        """Resources whose latest operation left them running (for a clean shutdown)."""
        out = []
        for entry in self.resources:
            last = entry.find(f"lrm_rsc_op[@id='{entry.get('id')}_last_0']")
            if last is None:
                continue
            op, rc = last.get("operation"), last.get("rc-code")
            if op in ("start", "promote", "demote", "migrate_from") or \
                    (op == "monitor" and rc in ("0", "8")):
                out.append(entry.get("id"))
        return out

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await self.executor.close()
        for task in list(self.tasks):
            try:
                await task
            except BaseException:  # noqa: BLE001,S110 - cancelled on the way out
                pass


def _outcome(node: str, result: OpResult) -> OpOutcome:
    req = result.request
    return OpOutcome(node=node, rsc=req.rsc_id, task=req.action, interval_ms=req.interval_ms,
                     transition_key=req.transition_key, rc=int(result.rc),
                     status=int(result.status), call_id=result.call_id,
                     exit_reason=result.exit_reason,
                     on_fail=req.params.get("CRM_meta_on_fail"))
