"""The controller's calls on the local API (what ``crm node`` and ``crm resource`` use).

=====================  =============================================================
op                     arguments -> result
=====================  =============================================================
``attribute``          ``node``, ``name``, ``value`` or ``delete``, ``lifetime``
                       (``reboot``: transient, ``forever``: permanent), ``set``
                       (``instance_attributes``/``utilization``), ``query``
                       -> ``{node, name, value, lifetime}``
``attributes``         ``node`` -> ``{transient: {...}, permanent: {...}, utilization}``
``resource_cleanup``   ``resource`` (all when absent), ``node``, ``refresh``, ``operation``
                       and ``interval`` (ms or a time span: only that operation's failures)
                       -> ``{cleaned: [[node, rsc], ...], failcounts: [[node, attr], ...]}``
``node_fence``         ``node``, ``action`` (reboot, off, on) -> ``{node, action, detail}``
``node_clearstate``    ``node`` (down): as if fenced: state reset, history and attributes gone
``node_forget``        ``node`` (down): its whole ``node_state`` removed
``dc_status``          -> the DC's controller as it last published it: ``{dc, idle,
                       transition, transition_counts, dirty, version, age}``
``wait_idle``          ``timeout`` -> ``{idle, waited}``: until the DC is idle on this
                       node's CIB version
``controller``         -> this node's controller (DC or not, transition, history, running)
=====================  =============================================================

Writes go through the DC like every CIB change; ``resource_cleanup`` returns once the
forgotten history is gone from this node's replica of the CIB (or after ``wait`` seconds).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from lxml import etree

from hacrm.engine import attrd, cleanup
from hacrm.engine.controller_core import FENCED_STATE
from hacrm.engine.statusops import StatusPatch
from hacrm.scheduler.intervals import parse_interval_ms

if TYPE_CHECKING:
    from hacrm.engine.controller import Controller

Handler = Callable[[dict[str, Any], str | None], Awaitable[dict[str, Any]]]
FENCE_ACTIONS = ("reboot", "off", "on")


def _ok(result: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "result": result}


def _error(text: str) -> dict[str, Any]:
    return {"ok": False, "error": text}


class BadArgument(ValueError):
    """A request argument of the wrong type; answered as a plain error."""


def _name(args: dict[str, Any], key: str) -> str | None:
    """A name argument (a node, a resource, an operation): a string, or None when absent.
    Callers send any JSON; a list where a name belongs must be refused, not hashed."""
    value = args.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadArgument(f"{key} must be a string, not {type(value).__name__}")
    return value


def _seconds(args: dict[str, Any], key: str, default: float) -> float:
    """A duration argument in seconds (``default`` when absent or 0)."""
    value = args.get(key) or default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if seconds != seconds:      # not a number, or NaN: no deadline could ever pass
        raise BadArgument(f"{key} must be a number of seconds, not {value!r}")
    return seconds


def _checked(handler: Handler) -> Handler:
    """``handler``, with a badly typed argument answered as an error like any other."""
    async def call(args: dict[str, Any], body: str | None) -> dict[str, Any]:
        try:
            return await handler(args, body)
        except BadArgument as err:
            return _error(str(err))
    return call


class ControllerApi:
    def __init__(self, controller: Controller) -> None:
        self.c = controller

    def handlers(self) -> dict[str, Handler]:
        table = {"attribute": self.attribute, "attributes": self.attributes,
                 "resource_cleanup": self.resource_cleanup, "node_fence": self.node_fence,
                 "node_clearstate": self.node_clearstate, "node_forget": self.node_forget,
                 "dc_status": self.dc_status, "wait_idle": self.wait_idle,
                 "controller": self.status}
        return {op: _checked(handler) for op, handler in table.items()}

    def _node(self, args: dict[str, Any]) -> str:
        node = _name(args, "node") or self.c.me
        if node not in self.c.node_ids:
            raise attrd.AttrError(f"unknown node {node!r} (nodes: "
                                  f"{', '.join(sorted(self.c.node_ids))})")
        return str(node)

    async def attribute(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        try:
            node = self._node(args)
            if args.get("query"):
                req = attrd.AttrRequest(node, str(args.get("name") or ""), None,
                                        attrd.LIFETIMES.get(str(args.get("lifetime")
                                                                or "reboot"), "reboot"),
                                        str(args.get("set") or "instance_attributes"))
                if not req.name:
                    raise attrd.AttrError("which attribute? (name)")
                value = attrd.current(self.c.daemon.core.cib.root, req)
                return _ok({"node": node, "name": req.name, "value": value,
                            "lifetime": req.lifetime})
            req = attrd.AttrRequest.from_args({**args, "node": node}, self.c.me)
        except attrd.AttrError as err:
            return _error(str(err))
        op, payload = attrd.operation(req, self.c.node_ids[node])
        reply = await self.c.daemon.cib_update(op, {}, payload)
        if not reply.ok:
            return _error(reply.error or "the change was refused")
        return _ok({"node": node, "name": req.name, "value": req.value,
                    "lifetime": req.lifetime, "version": reply.result.get("version")})

    async def attributes(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        try:
            node = self._node(args)
        except attrd.AttrError as err:
            return _error(str(err))
        root = self.c.daemon.core.cib.root
        return _ok({"node": node, "transient": attrd.transient(root, node),
                    "permanent": attrd.permanent(root, node),
                    "utilization": attrd.permanent(root, node, "utilization")})

    async def resource_cleanup(self, args: dict[str, Any], body: str | None
                               ) -> dict[str, Any]:
        resource = _name(args, "resource")
        node = _name(args, "node")
        if node is not None and node not in self.c.node_ids:
            return _error(f"unknown node {node!r}")
        operation = _name(args, "operation")
        wait = _seconds(args, "wait", 15.0)     # read now: a bad one must change nothing
        interval = args.get("interval")
        interval_ms = None
        if operation is not None:
            interval_ms = interval if isinstance(interval, int) else \
                parse_interval_ms(str(interval or "0"))
        root = self.c.daemon.core.cib.root
        try:
            entries, counts = cleanup.targets(root, resource, node, bool(args.get("refresh")),
                                              operation, interval_ms)
        except cleanup.CleanupError as err:
            return _error(str(err))
        core = self.c.daemon.core
        members = {self.c.names.get(m) for m in (core.view.members if core.view else [])}
        per_node: dict[str, list[str]] = {}
        for t in entries:
            per_node.setdefault(t.node, []).append(t.rsc)
        seen = {(t.node, t.rsc): self._history(root, t.node, t.rsc) for t in entries}
        patch = StatusPatch()
        for n, rscs in per_node.items():
            if n in members:
                self.c.daemon.send("lrm-delete", {"to": n, "rscs": rscs})
            else:   # nobody to ask: forget it in the CIB directly
                for rsc in rscs:
                    patch.lrm_delete(self.c.node_ids.get(n, n), n, rsc)
        for n, name in counts:
            patch.attr(self.c.node_ids.get(n, n), n, name, None)
        if patch:
            reply = await self.c.daemon.cib_update("status_patch", {}, patch.body())
            if not reply.ok:
                return _error(reply.error or "the change was refused")
        await self._wait_gone(seen, wait)
        return _ok({"cleaned": [[t.node, t.rsc] for t in entries],
                    "failcounts": [list(c) for c in counts]})

    @staticmethod
    def _history(root: Any, node: str, rsc: str) -> bytes | None:
        """The resource's history on the node as the CIB holds it now (None: none)."""
        entry = root.find(f"status/node_state[@uname='{node}']/lrm/lrm_resources/"
                          f"lrm_resource[@id='{rsc}']")
        return None if entry is None else etree.tostring(entry)

    async def _wait_gone(self, seen: dict[tuple[str, str], bytes | None], wait: float) -> None:
        """Until every history cleaned up has left the CIB.  The cluster probes the resource
        again at once, so a history that differs from the one cleaned up counts as gone:
        waiting for an absence that lasted a few milliseconds could wait the whole time."""
        deadline = time.monotonic() + wait
        while seen and time.monotonic() < deadline:
            root = self.c.daemon.core.cib.root
            if all(self._history(root, node, rsc) != old
                   for (node, rsc), old in seen.items()):
                return
            await asyncio.sleep(0.05)

    def _members(self) -> set[str]:
        core = self.c.daemon.core
        return {self.c.names.get(m, str(m)) for m in (core.view.members if core.view else [])}

    async def _down_node_patch(self, args: dict[str, Any], what: str,
                               patch_for: Callable[[str, str], StatusPatch]
                               ) -> dict[str, Any]:
        node = _name(args, "node")
        if node not in self.c.node_ids:
            return _error(f"unknown node {node!r}")
        if node in self._members():
            return _error(f"{node} is a member of the cluster: {what} is only for a node "
                          "that is down")
        reply = await self.c.daemon.cib_update(
            "status_patch", {}, patch_for(self.c.node_ids[node], node).body())
        if not reply.ok:
            return _error(reply.error or "the change was refused")
        return _ok({"node": node})

    async def node_clearstate(self, args: dict[str, Any], body: str | None
                              ) -> dict[str, Any]:
        """The node is known to be down cleanly (``stonith_admin --confirm``): as after a
        successful fencing, its state is reset, its history and transient attributes go."""
        def patch(nid: str, node: str) -> StatusPatch:
            return (StatusPatch().state(nid, node, dict(FENCED_STATE)).lrm_clear(nid, node)
                    .attrs_clear(nid, node))
        return await self._down_node_patch(args, "clearstate", patch)

    async def node_forget(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        """Drop the node's whole ``node_state`` (``crm node delete``)."""
        return await self._down_node_patch(args, "forgetting its state",
                                           lambda nid, node: StatusPatch().forget(nid, node))

    async def dc_status(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        return _ok(self.c.dc_status())

    async def wait_idle(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        """Until the DC has nothing to do for the CIB as this node sees it now (or
        ``timeout`` seconds): ``{idle, waited}``."""
        timeout = _seconds(args, "timeout", 60.0)
        start = time.monotonic()
        version = self.c.daemon.core.cib.version
        while True:
            st = self.c.dc_status()
            seen = st.get("version")
            if st["idle"] and seen is not None and tuple(seen) >= (
                    version.admin_epoch, version.epoch, version.num_updates):
                return _ok({"idle": True, "waited": round(time.monotonic() - start, 3)})
            if time.monotonic() - start >= timeout:
                return _ok({"idle": False, "waited": round(time.monotonic() - start, 3)})
            await asyncio.sleep(0.05)

    async def node_fence(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        node = _name(args, "node")
        action = str(args.get("action") or "reboot")
        if node not in self.c.node_ids:
            return _error(f"unknown node {node!r}")
        if action not in FENCE_ACTIONS:
            return _error(f"unknown fencing action {action!r} ({', '.join(FENCE_ACTIONS)})")
        ref = f"api-{self.c.me}-{uuid.uuid4().hex[:12]}"
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self.c.fence_waiters[ref] = fut
        request = {"ref": ref, "target": node, "action": action, "origin": self.c.me}
        wait = _seconds(args, "timeout", 120.0)
        deadline = time.monotonic() + wait
        dc = None
        try:
            while not fut.done():
                if time.monotonic() > deadline:
                    return _error(f"no answer from the DC within {wait:g} s (is there a DC?)")
                current = self.c.daemon.core.dc
                if current is not None and current != dc:
                    # (again) to a new DC: it answers a request it already carried out
                    dc = current
                    self.c.daemon.send("fence-req", request)
                await asyncio.wait({fut}, timeout=0.2)
            ok, detail = fut.result()
        finally:
            self.c.fence_waiters.pop(ref, None)
        if not ok:
            return _error(f"fencing {node} failed: {detail}")
        return _ok({"node": node, "action": action, "detail": detail})

    async def status(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        c = self.c
        return _ok({"node": c.me, "core": c.core.status(), "last_plan": c.last_plan,
                    "history": [r.get("id") for r in c.lrm.resources],
                    "active": c.lrm.active(),
                    "running": [r.key for r in c.executor.in_flight()],
                    "recurring": [op.request.key for op in c.executor.recurring_ops()]})
