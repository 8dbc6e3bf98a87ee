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


def _failed(entry: Any, operation: str | None = None, interval_ms: int | None = None
            ) -> bool:
    for op in entry.findall("lrm_rsc_op"):
        if operation is not None and op.get("operation") != operation:
            continue
        if interval_ms is not None and op.get("interval", "0") != str(interval_ms):
            continue
        status = op.get("op-status", "0")
        if status == "-1":
            continue
        rc = op.get("rc-code", "0")
        probe = op.get("operation") == "monitor" and op.get("interval", "0") == "0"
        if probe and status == "0" and rc in ("0", "7", "8", "190", "191"):
            continue    # a probe finding the resource running or stopped: no failure
        if (op.get("id") or "").endswith("_last_failure_0"):
            return True
        key = decode_transition_key(op.get("transition-key"))
        target = key.target_rc if key is not None else 0
        if status not in ("0", "1"):
            return True
        if rc != str(target) and rc not in ("190", "191"):
            return True
    return False


def _count_rsc(name: str) -> tuple[str, str]:
    """``fail-count-RSC#OP_INTERVAL`` (or ``last-failure-...``) -> (RSC, OP_INTERVAL)."""
    body = name.removeprefix("fail-count-").removeprefix("last-failure-")
    rsc, _, op = body.partition("#")
    return rsc, op


def targets(cib: Any, resource: str | None, node: str | None, refresh: bool,
            operation: str | None = None, interval_ms: int | None = None
            ) -> tuple[list[Target], list[tuple[str, str]]]:
    """(history entries to forget, (node, attribute) pairs to delete).

    ``operation``/``interval_ms`` narrow a cleanup to one operation's failures and its
    fail-count (``crm_resource --cleanup -n OP -I INTERVAL``); the resources with such a
    failure still have their whole history forgotten, as Pacemaker does."""
    prims: list[str] | None = None
    if resource:
        prims = primitives(cib, resource) or [resource]
    op_suffix = None
    if operation is not None:
        op_suffix = f"{operation}_{interval_ms or 0}"
    entries: list[Target] = []
    attrs: set[tuple[str, str]] = set()
    found_any = False
    for state in cib.iterfind("status/node_state"):
        uname = state.get("uname")
        if node and uname != node:
            continue
        counts = [nv.get("name", "") for nv in state.iterfind(
            "transient_attributes/instance_attributes/nvpair")
            if nv.get("name", "").startswith(("fail-count-", "last-failure-"))]
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = entry.get("id") or ""
            if prims is not None and not _matches(rid, prims):
                continue
            found_any = True
            counted = any(_count_rsc(c)[0] == rid and op_suffix in (None, _count_rsc(c)[1])
                          for c in counts)
            if refresh or counted or _failed(entry, operation, interval_ms
                                             if operation is not None else None):
                entries.append(Target(uname, rid))
        for name in counts:
            rid, op = _count_rsc(name)
            if prims is not None and not _matches(rid, prims):
                continue
            if op_suffix is not None and op != op_suffix:
                continue
            found_any = True
            attrs.add((uname, name))
    if resource and not found_any and not primitives(cib, resource):
        raise CleanupError(f"resource {resource!r} not found in the configuration or the "
                           "status")
    return entries, sorted(attrs)
