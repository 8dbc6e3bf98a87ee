"""What ``crm resource cleanup`` and ``refresh`` clear, read from the CIB.

Pacemaker's ``crm_resource --cleanup`` forgets a resource's *failed* history (and its
fail-counts) so the cluster looks at it afresh; ``--refresh`` forgets all of its history, on
every node or on one, so the cluster probes it again.  Forgetting the history is what makes the
scheduler probe: a resource without history on a node is one whose state there is unknown.

:func:`targets` answers which history entries (node, resource id as the node records it) a
request covers; the controller then has each node forget them and clears the fail-counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hacrm.engine.oprecord import decode_transition_key

_CONTAINERS = ("group", "clone", "master", "bundle")


class CleanupError(ValueError):
    """The request names nothing the cluster knows; the message is for the user."""


@dataclass(frozen=True)
class Target:
    node: str
    rsc: str          # the lrm_resource id (an anonymous clone instance: the primitive's id)


def primitives(cib: Any, name: str) -> list[str]:
    """The primitive ids a resource name stands for (a group's members, a clone's child...)."""
    for el in cib.iterfind("configuration/resources//*[@id]"):
        if el.get("id") != name:
            continue
        if el.tag == "primitive":
            return [name]
        if el.tag in _CONTAINERS:
            return [p.get("id") for p in el.iter("primitive") if p.get("id")]
    return []


def _matches(rsc_id: str, prims: list[str]) -> bool:
    return any(rsc_id == p or rsc_id.startswith(p + ":") for p in prims)


def _failed(entry: Any) -> bool:
    for op in entry.findall("lrm_rsc_op"):
        if (op.get("id") or "").endswith("_last_failure_0"):
            return True
        status = op.get("op-status", "0")
        if status == "-1":
            continue
        key = decode_transition_key(op.get("transition-key"))
        target = key.target_rc if key is not None else 0
        rc = op.get("rc-code", "0")
        if status not in ("0", "1") or (rc != str(target) and rc not in ("190", "191")):
            return True
    return False


def targets(cib: Any, resource: str | None, node: str | None, refresh: bool
            ) -> tuple[list[Target], list[tuple[str, str]]]:
    """(history entries to forget, (node, resource id) pairs whose fail-counts to clear)."""
    prims: list[str] | None = None
    if resource:
        prims = primitives(cib, resource) or [resource]
    entries: list[Target] = []
    counts: list[tuple[str, str]] = []
    found_any = False
    for state in cib.iterfind("status/node_state"):
        uname = state.get("uname")
        if node and uname != node:
            continue
        fails = {nv.get("name", "") for nv in state.iterfind(
            "transient_attributes/instance_attributes/nvpair")
            if nv.get("name", "").startswith(("fail-count-", "last-failure-"))}
        seen = set()
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = entry.get("id") or ""
            if prims is not None and not _matches(rid, prims):
                continue
            found_any = True
            seen.add(rid)
            has_counts = any(f.split("-", 2)[-1].startswith(rid + "#") for f in fails)
            if refresh or _failed(entry) or has_counts:
                entries.append(Target(uname, rid))
                counts.append((uname, rid))
        for f in fails:
            rid = f.split("#", 1)[0].removeprefix("fail-count-").removeprefix("last-failure-")
            if rid in seen or (prims is not None and not _matches(rid, prims)):
                continue
            found_any = True
            seen.add(rid)
            counts.append((uname, rid))
    if resource and not found_any and not primitives(cib, resource):
        raise CleanupError(f"resource {resource!r} not found in the configuration or the "
                           "status")
    return entries, sorted(set(counts))
