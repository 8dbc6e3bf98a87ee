"""Fencing: which devices can fence a node, in which order, and running them.

Pacemaker's fencer decides in two steps, and so does this module:

* **which devices** (:func:`fencing_plan`, pure, from the CIB): every ``stonith:`` primitive
  that is not disabled, in ``priority`` order (highest first), or, when ``fencing_topology``
  has levels for the target (by name, by name pattern, or by node attribute), those levels in
  index order, each a list of devices that must *all* succeed;
* **whether a device can fence this target** (:func:`can_fence`, on the node that runs the
  devices), by ``pcmk_host_check``: ``static-list`` (``pcmk_host_list``/``pcmk_host_map``, the
  default when either is set), ``dynamic-list`` (the agent's ``list`` output, the default for
  agents that have ``list``), ``status`` (the agent's ``status`` answers 0 or 2 for it), or
  ``none`` (any node).

:func:`run_fencing` tries the levels in turn (a level succeeds when each of its capable
devices succeeds; a level without a capable device fails) and returns at the first success.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hacrm.engine.agentenv import parse_host_map
from hacrm.engine.opresult import AgentRef, ExecStatus, OcfRc, OpResult

_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Device:
    id: str
    agent: str                              # fence agent name (``fence_hacrm``)
    params: dict[str, str] = field(default_factory=dict)
    priority: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "agent": self.agent, "params": self.params,
                "priority": self.priority}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Device:
        return cls(str(data["id"]), str(data["agent"]),
                   {str(k): str(v) for k, v in (data.get("params") or {}).items()},
                   int(data.get("priority") or 0))


# ---------------------------------------------------------------------------- from the CIB


def _nvpairs(el: Any, tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in el.findall(tag):
        for nv in s.findall("nvpair"):
            name, value = nv.get("name"), nv.get("value")
            if name is not None and value is not None and name not in out:
                out[name] = value
    return out


def devices(cib: Any) -> list[Device]:
    """Every enabled ``stonith:`` primitive of the configuration, highest priority first (the
    scheduler's rules-free reading: instance attributes as written)."""
    out = []
    for prim in cib.iterfind("configuration/resources//primitive[@class='stonith']"):
        meta = _nvpairs(prim, "meta_attributes")
        role = (meta.get("target-role") or "").lower()
        if role == "stopped":
            continue
        try:
            priority = int(meta.get("priority", "0"))
        except ValueError:
            priority = 0
        out.append(Device(prim.get("id"), prim.get("type") or "", _nvpairs(
            prim, "instance_attributes"), priority))
    return sorted(out, key=lambda d: -d.priority)


def node_attributes(cib: Any, node: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for n in cib.iterfind("configuration/nodes/node"):
        if n.get("uname") == node:
            attrs.update(_nvpairs(n, "instance_attributes"))
    for s in cib.iterfind("status/node_state"):
        if s.get("uname") == node:
            for ta in s.findall("transient_attributes"):
                attrs.update(_nvpairs(ta, "instance_attributes"))
    return attrs


def levels_for(cib: Any, target: str) -> list[tuple[int, list[str]]]:
    """The ``fencing_topology`` levels that apply to ``target``, by index."""
    attrs = None
    found = []
    for level in cib.iterfind("configuration/fencing-topology/fencing-level"):
        match = False
        if level.get("target") is not None:
            match = level.get("target") == target
        elif level.get("target-pattern") is not None:
            try:
                match = re.search(level.get("target-pattern"), target) is not None
            except re.error:
                match = False
        elif level.get("target-attribute") is not None:
            if attrs is None:
                attrs = node_attributes(cib, target)
            match = attrs.get(level.get("target-attribute")) == level.get("target-value")
        if not match:
            continue
        try:
            index = int(level.get("index") or "0")
        except ValueError:
            continue
        found.append((index, [d for d in _SPLIT.split(level.get("devices") or "") if d]))
    return sorted(found)


def fencing_plan(cib: Any, target: str) -> list[list[Device]]:
    """The levels to try for ``target``: the topology's, else one level per device."""
    known = {d.id: d for d in devices(cib)}
    levels = levels_for(cib, target)
    if levels:
        return [[known[d] for d in ids if d in known] for _, ids in levels]
    return [[d] for d in known.values()]


# ---------------------------------------------------------------------------- on a node


def host_check(device: Device, agent_actions: set[str]) -> str:
    mode = (device.params.get("pcmk_host_check") or "").strip().lower()
    if mode:
        return mode
    if device.params.get("pcmk_host_list") or device.params.get("pcmk_host_map"):
        return "static-list"
    if "list" in agent_actions:
        return "dynamic-list"
    if "status" in agent_actions:
        return "status"
    return "none"


FenceRunner = Callable[[Device, str, str | None], Awaitable[OpResult]]


async def can_fence(device: Device, target: str, run: FenceRunner,
                    agent_actions: set[str]) -> bool:
    mode = host_check(device, agent_actions)
    mapped = parse_host_map(device.params.get("pcmk_host_map")).get(target, target)
    if mode == "static-list":
        hosts = set(_SPLIT.split(device.params.get("pcmk_host_list") or "")) - {""}
        return target in hosts or target in parse_host_map(device.params.get("pcmk_host_map"))
    if mode == "dynamic-list":
        result = await run(device, "list", None)
        if not result.ok:
            return False
        words = set(_SPLIT.split(result.stdout))
        return target in words or mapped in words
    if mode == "status":
        result = await run(device, "status", target)
        # status answers 0 (on) or 2 (off, reported as "not running") for a node it knows
        return result.status == ExecStatus.DONE and result.rc in (OcfRc.OK, OcfRc.NOT_RUNNING)
    return mode == "none"


async def run_fencing(levels: list[list[Device]], target: str, action: str, run: FenceRunner,
                      actions_of: Callable[[Device], Awaitable[set[str]]],
                      log: Callable[[str, str], None]) -> tuple[bool, str]:
    """Try each level until one fences ``target``; (success, what happened)."""
    if not levels:
        return False, "no fence device is configured"
    notes = []
    for index, level in enumerate(levels, 1):
        capable = []
        for device in level:
            if await can_fence(device, target, run, await actions_of(device)):
                capable.append(device)
        if not capable:
            notes.append(f"level {index}: no device can fence {target}")
            continue
        ok = True
        for device in capable:
            result = await run(device, action, target)
            if result.ok:
                log("notice", f"{device.id} ({device.agent}) fenced {target} ({action})")
                continue
            ok = False
            reason = result.exit_reason or (result.stderr.strip().splitlines() or [""])[-1]
            notes.append(f"{device.id}: rc={result.rc} status={result.status.name}"
                         + (f" ({reason})" if reason else ""))
            break
        if ok:
            return True, f"fenced by {', '.join(d.id for d in capable)}"
    return False, "; ".join(notes)


def agent_ref(device: Device) -> AgentRef:
    return AgentRef("stonith", device.agent)
