"""The controller's calls on the local API (what ``crm node`` and ``crm resource`` use).

=====================  =============================================================
op                     arguments -> result
=====================  =============================================================
``attribute``          ``node``, ``name``, ``value`` or ``delete``, ``lifetime``
                       (``reboot``: transient, ``forever``: permanent), ``set``
                       (``instance_attributes``/``utilization``), ``query``
                       -> ``{node, name, value, lifetime}``
``attributes``         ``node`` -> ``{transient: {...}, permanent: {...}, utilization}``
``resource_cleanup``   ``resource`` (all when absent), ``node``, ``refresh``
                       -> ``{cleaned: [[node, rsc], ...], failcounts: [...]}``
``node_fence``         ``node``, ``action`` (reboot, off, on) -> ``{node, action, detail}``
``controller``         -> the controller's state (DC or not, transition, idle, history)
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

from hacrm.engine import attrd, cleanup
from hacrm.engine.statusops import StatusPatch

if TYPE_CHECKING:
    from hacrm.engine.controller import Controller

Handler = Callable[[dict[str, Any], str | None], Awaitable[dict[str, Any]]]
FENCE_ACTIONS = ("reboot", "off", "on")


def _ok(result: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "result": result}


def _error(text: str) -> dict[str, Any]:
    return {"ok": False, "error": text}


class ControllerApi:
    def __init__(self, controller: Controller) -> None:
        self.c = controller

    def handlers(self) -> dict[str, Handler]:
        return {"attribute": self.attribute, "attributes": self.attributes,
                "resource_cleanup": self.resource_cleanup, "node_fence": self.node_fence,
                "controller": self.status}

    def _node(self, args: dict[str, Any]) -> str:
        node = args.get("node") or self.c.me
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
        resource = args.get("resource") or None
        node = args.get("node") or None
        if node is not None and node not in self.c.node_ids:
            return _error(f"unknown node {node!r}")
        root = self.c.daemon.core.cib.root
        try:
            entries, counts = cleanup.targets(root, resource, node, bool(args.get("refresh")))
        except cleanup.CleanupError as err:
            return _error(str(err))
        core = self.c.daemon.core
        members = {self.c.names.get(m) for m in (core.view.members if core.view else [])}
        per_node: dict[str, list[str]] = {}
        for t in entries:
            per_node.setdefault(t.node, []).append(t.rsc)
        patch = StatusPatch()
        for n, rscs in per_node.items():
            if n in members:
                self.c.daemon.send("lrm-delete", {"to": n, "rscs": rscs})
            else:   # nobody to ask: forget it in the CIB directly
                for rsc in rscs:
                    patch.lrm_delete(self.c.node_ids.get(n, n), n, rsc)
        for n, rsc in counts:
            nid = self.c.node_ids.get(n, n)
            patch.attrs_delete(nid, n, f"fail-count-{rsc}#")
            patch.attrs_delete(nid, n, f"last-failure-{rsc}#")
        if patch:
            reply = await self.c.daemon.cib_update("status_patch", {}, patch.body())
            if not reply.ok:
                return _error(reply.error or "the change was refused")
        await self._wait_gone(entries, float(args.get("wait") or 15.0))
        return _ok({"cleaned": [[t.node, t.rsc] for t in entries],
                    "failcounts": [list(c) for c in counts]})

    async def _wait_gone(self, entries: list[cleanup.Target], wait: float) -> None:
        deadline = time.monotonic() + wait
        while entries and time.monotonic() < deadline:
            root = self.c.daemon.core.cib.root
            left = [t for t in entries if root.find(
                f"status/node_state[@uname='{t.node}']/lrm/lrm_resources/"
                f"lrm_resource[@id='{t.rsc}']") is not None]
            if not left:
                return
            await asyncio.sleep(0.05)

    async def node_fence(self, args: dict[str, Any], body: str | None) -> dict[str, Any]:
        node = args.get("node")
        action = str(args.get("action") or "reboot")
        if node not in self.c.node_ids:
            return _error(f"unknown node {node!r}")
        if action not in FENCE_ACTIONS:
            return _error(f"unknown fencing action {action!r} ({', '.join(FENCE_ACTIONS)})")
        ref = f"api-{self.c.me}-{uuid.uuid4().hex[:12]}"
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self.c.fence_waiters[ref] = fut
        self.c.daemon.send("fence-req", {"ref": ref, "target": node, "action": action,
                                         "origin": self.c.me})
        wait = float(args.get("timeout") or 120.0)
        try:
            ok, detail = await asyncio.wait_for(fut, wait)
        except TimeoutError:
            return _error(f"no answer from the DC within {wait:g} s (is there a DC?)")
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
