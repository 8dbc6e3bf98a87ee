"""The controller inside the node daemon: the asyncio side of resource management.

Attached to every node daemon (``attach(daemon)``, see ``daemon.EXTENSIONS``).  On every node
it owns the executor and the node's resource history (:mod:`hacrm.engine.lrm`), runs fencing
devices when asked, and answers the local API's resource calls; on the DC it also drives the
pure controller core (:mod:`hacrm.engine.controller_core`): it turns what the daemon observes
(membership, CIB changes, messages) into core events and carries out the core's effects (run
the scheduler in a worker thread, send actions, write the status section, fence).

Messages between nodes (application messages in the cluster's total order; ``to`` names the
node meant, everyone else ignores them):

=================  ===========  ==========================================================
kind               from -> to   what
=================  ===========  ==========================================================
``lrm-exec``       DC -> node   run graph actions (each: planned action, transition, uuid)
``lrm-update``     node -> DC   history changed: the resources' entries, the results
``lrm-state``      node -> DC   the node's whole history, after each membership change
``lrm-delete``     any -> node  forget resources (cleanup/refresh)
``shutdown-ok``    DC -> node   the node may stop (its resources are gone)
``fence-exec``     DC -> node   run fencing devices against a target
``fence-done``     node -> DC   the outcome
``fence-req``      any -> DC    ``crm node fence``
``fence-result``   DC -> any    the outcome, for the node that asked
``dc-status``      DC -> all    how busy the DC is (idle, transition, counts, CIB version)
=================  ===========  ==========================================================
"""

from __future__ import annotations

import asyncio
import bz2
import dataclasses
import hashlib
import os
import time
import uuid as uuid_mod
from pathlib import Path
from typing import Any

from hacrm.engine import attrd, fencer
from hacrm.engine.controller_api import ControllerApi
from hacrm.engine.controller_core import ControllerCore
from hacrm.engine.controller_events import (
    CibChanged,
    Compute,
    DcState,
    Dispatch,
    Fence,
    FenceDone,
    FenceReply,
    FenceRequested,
    Log,
    NodeHistory,
    NodeUpdate,
    OpOutcome,
    Planned,
    Tick,
    TransitionDone,
    TransitionStarted,
    WriteDone,
    WriteStatus,
)
from hacrm.engine.executor import Executor
from hacrm.engine.lrm import LocalResources
from hacrm.engine.opresult import AttributeUpdate
from hacrm.engine.plan import PlannedAction, RscRef, compute_plan

TICK = 0.1
SHUTDOWN_WAIT = 15.0
PE_INPUTS_KEPT = 50


def attach(daemon: Any) -> Controller:
    controller = Controller(daemon)
    controller.start()
    return controller


def _action_from_json(data: dict[str, Any]) -> PlannedAction:
    rsc = data.get("rsc")
    return PlannedAction(int(data["id"]), str(data["kind"]), str(data["task"]),
                         str(data["key"]), data.get("node"), data.get("node_uuid"),
                         RscRef(**rsc) if rsc else None,
                         {str(k): str(v) for k, v in (data.get("params") or {}).items()})


def fingerprint(root: Any) -> str:
    """What the scheduler reads besides resource history: the configuration's version,
    quorum, and per node its state and transient attributes (``global|node=hash|...``)."""
    head = f"{root.get('admin_epoch', '0')}.{root.get('epoch', '0')}." \
           f"{root.get('have-quorum', '0')}"
    parts = [head]
    status = root.find("status")
    for state in (status if status is not None else []):
        if state.tag != "node_state":
            continue
        h = hashlib.sha1()
        for k, v in sorted(state.attrib.items()):
            if k != "crm-debug-origin":
                h.update(f"{k}={v};".encode())
        for nv in state.iterfind("transient_attributes/instance_attributes/nvpair"):
            h.update(f"{nv.get('name')}={nv.get('value')};".encode())
        parts.append(f"{state.get('uname')}={h.hexdigest()[:16]}")
    return "|".join(parts)


class Controller:
    def __init__(self, daemon: Any) -> None:
        self.daemon = daemon
        self.me = daemon.node.name
        self.names = {n.nodeid: n.name for n in daemon.config.nodes}
        self.node_ids = {n.name: str(n.nodeid) for n in daemon.config.nodes}
        root = Path(daemon.layout.root)
        env = {**os.environ, "HA_VARRUN": str(root / "run")}
        self.executor = Executor(self.me, rsc_tmp_dir=root / "run" / "resource-agents",
                                 env=env)
        self.lrm = LocalResources(self.me, self.executor, daemon.send, self.apply_attributes)
        self.core = ControllerCore(self.me, str(uuid_mod.uuid4()),
                                   wall_offset=time.time() - time.monotonic())
        self.api = ControllerApi(self)
        self.pengine = Path(daemon.layout.state) / "pengine"
        self.ring: str | None = None
        self.dc_key: tuple[bool, str | None] = (False, None)
        self.buffered: list[tuple[str, dict[str, Any], bytes]] = []
        self.tasks: set[asyncio.Task] = set()
        self.shutdown_ok = asyncio.Event()
        self.fence_waiters: dict[str, asyncio.Future] = {}
        self.pe_series = 0
        self.last_plan: dict[str, Any] = {}
        self._ticker: asyncio.Task | None = None
        self._stopping = False
        self.dc_info: dict[str, Any] = {}
        #: no history sent since the daemon started (the DC then drops our old attributes)
        self.fresh = True
        self._published: tuple | None = None
        self._publish_next = 0.0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.daemon.listeners.append(self.on_event)
        api_ops = getattr(self.daemon, "api_ops", None)
        if api_ops is not None:
            api_ops.update(self.api.handlers())
        self._ticker = asyncio.ensure_future(self._tick_loop())

    async def stop(self) -> None:
        """Leave cleanly: ask the DC to move this node's resources away first (bounded)."""
        self._stopping = True
        try:
            await self._request_shutdown()
        finally:
            if self._ticker is not None:
                self._ticker.cancel()
            for task in list(self.tasks):
                task.cancel()
            await self.lrm.close()

    async def _request_shutdown(self) -> None:
        d = self.daemon
        if d.failed is not None or not self.lrm.active():
            return
        if d.core.dc is None or not d.core.cib_synced:
            return
        self.log("notice", "shutdown: asking the cluster to move or stop this node's "
                 "resources first")
        reply = await d.cib_update("status_patch", {}, attrd.operation(
            attrd.AttrRequest(self.me, "shutdown", str(int(time.time()))),
            self.node_ids.get(self.me, self.me))[1], timeout=5)
        if not reply.ok:
            return
        try:
            await asyncio.wait_for(self.shutdown_ok.wait(), SHUTDOWN_WAIT)
        except TimeoutError:
            self.log("warning", f"shutdown: the cluster did not release this node within "
                     f"{SHUTDOWN_WAIT:g} s; stopping anyway")

    def log(self, level: str, text: str) -> None:
        self.daemon.log(level, text)

    def spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.daemon.logger.error("controller task failed", exc_info=task.exception())

    # ------------------------------------------------------------------ the core
    def feed(self, event: Any) -> None:
        try:
            effects = self.core.step(event, time.monotonic())
        except Exception:
            self.daemon.logger.exception("internal error in the controller core")
            return
        outgoing: dict[str, list] = {}
        for eff in effects:
            if isinstance(eff, Dispatch) and eff.action.task != "do_shutdown":
                outgoing.setdefault(eff.action.node or "", []).append(eff)
            else:
                self._effect(eff)
        for node, batch in outgoing.items():
            # one message per node and step: a transition of a thousand actions must not
            # turn into a thousand messages in a row on the event loop
            self.daemon.send("lrm-exec", {"to": node, "actions": [
                {"tid": e.transition, "uuid": e.uuid, "action": dataclasses.asdict(e.action)}
                for e in batch]})
        self._publish()

    # ------------------------------------------------------------------ the DC's state
    def _publish(self) -> None:
        """The DC tells every node how busy it is (``dc-status``, for ``crm -w`` and
        ``wait_idle``): at once when it turns idle or busy or starts a transition, otherwise
        at most every 0.25 s."""
        if not self.core.is_dc or self.ring is None:
            return
        st = self.core.status()
        v = self.daemon.core.cib.version
        version = [v.admin_epoch, v.epoch, v.num_updates]
        key = (st["idle"], st["transition"], repr(st["transition_counts"]),
               tuple(version) if st["idle"] else None)
        if key == self._published:
            return
        now = time.monotonic()
        urgent = self._published is None or key[:2] != self._published[:2]
        if not urgent and now < self._publish_next:
            return
        self._published = key
        self._publish_next = now + 0.25
        self.daemon.send("dc-status", {
            "dc": self.me, "ring": self.ring, "idle": st["idle"],
            "transition": st["transition"], "transition_counts": st["transition_counts"],
            "last_transition": st["last_transition"], "dirty": st["dirty"],
            "version": version})

    def _msg_dc_status(self, header: dict[str, Any], body: bytes) -> None:
        self.dc_info = dict(header, received=time.monotonic())

    def dc_status(self) -> dict[str, Any]:
        """The DC's state as it last published it, if it is the current DC's."""
        core = self.daemon.core
        dc = self.names.get(core.dc) if core.dc is not None else None
        info = self.dc_info
        if info and info.get("ring") == self.ring and info.get("dc") == dc:
            return {"dc": dc, "known": True, "idle": bool(info.get("idle")),
                    "transition": info.get("transition"),
                    "transition_counts": info.get("transition_counts"),
                    "last_transition": info.get("last_transition"),
                    "dirty": bool(info.get("dirty")), "version": info.get("version"),
                    "age": round(time.monotonic() - info["received"], 3)}
        return {"dc": dc, "known": False, "idle": False, "transition": None,
                "transition_counts": None, "last_transition": None, "dirty": True,
                "version": None, "age": None}

    def _effect(self, eff: Any) -> None:
        if isinstance(eff, Log):
            self.log(eff.level, eff.text)
        elif isinstance(eff, Compute):
            self.spawn(self._compute(eff.request))
        elif isinstance(eff, Dispatch):
            self._dispatch(eff)
        elif isinstance(eff, WriteStatus):
            self.spawn(self._write(eff))
        elif isinstance(eff, Fence):
            self._fence(eff)
        elif isinstance(eff, FenceReply):
            self.daemon.send("fence-result", {"ref": eff.ref, "ok": eff.ok,
                                              "detail": eff.detail, "origin": eff.origin})
        elif isinstance(eff, TransitionStarted):
            self.last_plan = {"transition": eff.transition, "actions": len(
                eff.plan.synapses), "summary": list(eff.plan.summary)}
            if not eff.plan.empty:
                self.spawn(self._save_input(eff.transition))
        elif isinstance(eff, TransitionDone):
            self.last_plan["counts"] = eff.counts
            self.last_plan["aborted"] = eff.aborted

    async def _compute(self, request: int) -> None:
        text = self.daemon.core.cib.text()
        try:
            plan = await asyncio.to_thread(compute_plan, text, time.time())
        except Exception as err:
            self.daemon.logger.exception("the scheduler failed")
            self.feed(Planned(request, None, f"{type(err).__name__}: {err}"))
            return
        self.feed(Planned(request, plan))

    async def _write(self, eff: WriteStatus) -> None:
        reply = await self.daemon.cib_update("status_patch", {}, eff.body)
        self.feed(WriteDone(eff.seq, reply.ok, reply.error))

    def _dispatch(self, eff: Dispatch) -> None:
        if eff.action.task == "do_shutdown":
            self.daemon.send("shutdown-ok", {"to": eff.action.node})

    def _fence(self, eff: Fence) -> None:
        levels = fencer.fencing_plan(self.daemon.core.cib.root, eff.target)
        self.daemon.send("fence-exec", {
            "to": eff.executor, "ref": eff.ref, "target": eff.target, "action": eff.action,
            "levels": [[d.to_json() for d in level] for level in levels],
            "target_id": self.node_ids.get(eff.target)})

    async def _save_input(self, transition: int) -> None:
        """Keep the CIB each transition was computed from, as Pacemaker's pe-input-N.bz2
        (``crm_simulate -x FILE`` replays it)."""
        text = self.daemon.core.cib.text().encode()
        self.pe_series += 1
        n = self.pe_series

        def save() -> None:
            self.pengine.mkdir(parents=True, exist_ok=True)
            (self.pengine / f"pe-input-{n}.bz2").write_bytes(bz2.compress(text))
            old = self.pengine / f"pe-input-{n - PE_INPUTS_KEPT}.bz2"
            old.unlink(missing_ok=True)
        try:
            await asyncio.to_thread(save)
        except OSError as err:
            self.log("warning", f"cannot keep the scheduler input: {err}")

    # ------------------------------------------------------------------ what the daemon sees
    def on_event(self, eff: Any) -> None:
        kind = getattr(eff, "kind", None)
        if hasattr(eff, "origin"):
            self._message(eff.kind, eff.header, eff.body)
        elif kind == "cib":
            self._cib_changed()
        self._sync_state()

    def _cib_changed(self) -> None:
        root = self.daemon.core.cib.root
        self.executor.node_attributes = attrd.node_view(root, self.me)
        self.feed(CibChanged(fingerprint(root)))

    def _sync_state(self) -> None:
        """Notice a new membership with a DC (send our history) and changes of DC role.

        The DC learns its role before its own history reaches it: in a one-node ring a
        message is delivered while it is being sent."""
        core = self.daemon.core
        ring = str(core.view.ring) if core.view is not None else None
        new_ring = ring != self.ring and core.dc is not None and core.quorum_synced
        if new_ring:
            self.ring = ring
        ready = bool(self.daemon.is_dc) and ring == self.ring
        if not ready and self.dc_key[0] and (core.dc is None or core.dc == core.me):
            # an election (or the CIB sync after it) is under way: a DC that stays DC
            # keeps its transition and its fencing operations through it.  Its own history
            # goes out now all the same (it is kept until this node is DC of the new ring):
            # the ring is already marked seen, so it would never be sent later
            if new_ring:
                self._send_history(ring)
            return
        key = (ready, self.ring if ready else None)
        if key != self.dc_key:
            self.dc_key = key
            if not ready:
                self.buffered = []      # another node is DC: its business
            members = {self.names.get(m, str(m)): str(m) for m in core.view.members} \
                if core.view is not None else {}
            rejoined = tuple(self.names.get(m, str(m)) for m in core.view.joined
                             if m in core.view.left) if core.view is not None else ()
            self.feed(DcState(ready, members, dict(self.node_ids),
                              quorate=bool(core.vq.quorate), rejoined=rejoined))
            if ready:
                self._cib_changed()
                buffered, self.buffered = self.buffered, []
                for kind, header, body in buffered:
                    self._message(kind, header, body)
        if new_ring:
            self._send_history(ring)

    def _send_history(self, ring: str | None) -> None:
        """This node's whole resource history to the DC of ``ring`` (after each new ring)."""
        self.lrm.send("lrm-state", {"node": self.me, "ring": ring, "fresh": self.fresh},
                      self.lrm.snapshot())
        self.fresh = False

    def _message(self, kind: str, header: dict[str, Any], body: bytes) -> None:
        to = header.get("to")
        if to is not None and to != self.me:
            return
        try:
            handler = getattr(self, "_msg_" + kind.replace("-", "_"), None)
            if handler is not None:
                handler(header, body)
        except (KeyError, TypeError, ValueError) as err:
            self.log("warning", f"malformed {kind} message: {err}")

    def _dc_elect(self, kind: str, header: dict[str, Any], body: bytes) -> bool:
        """Whether this node handles a DC message now.  Messages that arrive while no DC is
        known (an election: the cluster resends what the old ring did not deliver first) or
        before the DC-elect's CIB is in sync are kept, and handled if this node turns out DC.
        """
        core = self.daemon.core
        if self.daemon.is_dc and self.dc_key == (True, self.ring):
            return True
        if core.dc is None or core.dc == core.me:
            self.buffered.append((kind, header, body))
            del self.buffered[:-10000]
        return False

    # -- node side
    def _msg_lrm_exec(self, header: dict[str, Any], body: bytes) -> None:
        for item in header["actions"]:
            self.lrm.submit(int(item["tid"]), str(item["uuid"]),
                            _action_from_json(item["action"]))

    def _msg_lrm_delete(self, header: dict[str, Any], body: bytes) -> None:
        self.lrm.forget([str(r) for r in header.get("rscs") or []])

    def _msg_shutdown_ok(self, header: dict[str, Any], body: bytes) -> None:
        self.shutdown_ok.set()

    def _msg_fence_exec(self, header: dict[str, Any], body: bytes) -> None:
        levels = [[fencer.Device.from_json(d) for d in level] for level in header["levels"]]
        self.spawn(self._run_fencing(str(header["ref"]), str(header["target"]),
                                     str(header["action"]), levels, header.get("target_id")))

    async def _run_fencing(self, ref: str, target: str, action: str,
                           levels: list[list[fencer.Device]], target_id: Any) -> None:
        nodeid = int(target_id) if str(target_id or "").isdigit() else None

        async def run(device: fencer.Device, what: str, node: str | None):
            return await self.executor.fence(device.id, fencer.agent_ref(device),
                                             device.params, what, node,
                                             target_nodeid=nodeid if node else None)

        async def actions_of(device: fencer.Device) -> set[str]:
            try:
                md = await self.executor.metadata(fencer.agent_ref(device))
            except Exception:   # noqa: BLE001 - an agent without meta-data: no list/status
                return set()
            return {a.name for a in md.actions}
        try:
            ok, detail = await fencer.run_fencing(levels, target, action, run, actions_of,
                                                  self.log)
        except Exception as err:
            self.daemon.logger.exception("fencing %s failed", target)
            ok, detail = False, f"{type(err).__name__}: {err}"
        self.daemon.send("fence-done", {"ref": ref, "ok": ok, "detail": detail})

    def _msg_fence_result(self, header: dict[str, Any], body: bytes) -> None:
        fut = self.fence_waiters.pop(str(header.get("ref")), None)
        if fut is not None and not fut.done():
            fut.set_result((bool(header.get("ok")), str(header.get("detail") or "")))

    # -- DC side
    def _msg_lrm_state(self, header: dict[str, Any], body: bytes) -> None:
        if header.get("ring") != self.ring:
            return
        if self._dc_elect("lrm-state", header, body):
            self.feed(NodeHistory(str(header["node"]), body, bool(header.get("fresh"))))

    def _msg_lrm_update(self, header: dict[str, Any], body: bytes) -> None:
        if self._dc_elect("lrm-update", header, body):
            results = tuple(OpOutcome.from_json(r) for r in header.get("results") or [])
            self.feed(NodeUpdate(str(header["node"]), body,
                                 tuple(str(r) for r in header.get("deleted") or []), results))

    def _msg_fence_done(self, header: dict[str, Any], body: bytes) -> None:
        if self._dc_elect("fence-done", header, body):
            self.feed(FenceDone(str(header["ref"]), bool(header.get("ok")),
                                str(header.get("detail") or "")))

    def _msg_fence_req(self, header: dict[str, Any], body: bytes) -> None:
        if self._dc_elect("fence-req", header, body):
            self.feed(FenceRequested(str(header["ref"]), str(header["target"]),
                                     str(header.get("action") or "reboot"),
                                     str(header["origin"])))

    # ------------------------------------------------------------------ attributes
    async def apply_attributes(self, updates: list[AttributeUpdate]) -> None:
        """Agents' attribute requests (promotion scores...), skipping values already set."""
        root = self.daemon.core.cib.root
        requests = []
        for u in updates:
            lifetime = "forever" if u.lifetime in ("forever", "permanent") else "reboot"
            req = attrd.AttrRequest(u.node or self.me, u.name, u.value, lifetime)
            if attrd.current(root, req) != req.value:
                requests.append(req)
        for op, body in attrd.batch(requests, self.node_ids):
            reply = await self.daemon.cib_update(op, {}, body)
            if not reply.ok:
                self.log("warning", f"attribute update failed: {reply.error}")

    # ------------------------------------------------------------------ timers
    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self._sync_state()
            due = self.core.next_timer()
            if due is not None and time.monotonic() >= due:
                self.feed(Tick())
            else:
                self._publish()
