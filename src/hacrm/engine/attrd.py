"""Node attributes: the attribute manager's part (Pacemaker's ``attrd``).

Two lifetimes, as in Pacemaker:

* **transient** (``reboot``): in the status section, ``node_state/transient_attributes``; lost
  when the node leaves the cluster (the DC clears them) or is fenced.  Fail-counts, promotion
  scores (``master-RSC``), ``shutdown`` live here.
* **permanent** (``forever``): in the configuration's ``nodes`` section, the node's
  ``instance_attributes`` (or ``utilization``).  ``standby`` set by ``crm node standby`` lives
  here.

Every change is a CIB operation sent through the DC (``status_patch`` or ``node_config_attrs``,
see :mod:`hacrm.engine.statusops`), so it is ordered with every other change and replicated to
all nodes; reads come from the node's own replica.  Rules, location constraints and promotion
read these values through the scheduler.

The pure helpers here read attributes out of a CIB and turn requests into CIB operations; the
controller carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hacrm.engine.statusops import StatusPatch, node_config_body

LIFETIMES = {"reboot": "reboot", "transient": "reboot", "status": "reboot",
             "forever": "forever", "permanent": "forever", "nodes": "forever"}
SETS = ("instance_attributes", "utilization")


class AttrError(ValueError):
    """A request that cannot be carried out; the message is for the user."""


@dataclass(frozen=True)
class AttrRequest:
    node: str
    name: str
    value: str | None           # None: delete
    lifetime: str = "reboot"    # reboot or forever
    set: str = "instance_attributes"

    @classmethod
    def from_args(cls, args: dict[str, Any], default_node: str) -> AttrRequest:
        name = args.get("name")
        if not isinstance(name, str) or not name or any(c in name for c in "<>&\"'"):
            raise AttrError("an attribute needs a name (letters, digits, -_#:.)")
        lifetime = LIFETIMES.get(str(args.get("lifetime") or "reboot").lower())
        if lifetime is None:
            raise AttrError(f"unknown lifetime {args.get('lifetime')!r}: "
                                  "reboot (transient) or forever (permanent)")
        set_tag = str(args.get("set") or "instance_attributes")
        if set_tag not in SETS:
            raise AttrError(f"unknown attribute set {set_tag!r} "
                                  "(instance_attributes or utilization)")
        if set_tag == "utilization" and lifetime != "forever":
            raise AttrError("utilization is permanent (lifetime forever)")
        value = args.get("value")
        if args.get("delete"):
            value = None
        elif value is None:
            raise AttrError("give a value to set, or delete")
        node = args.get("node") or default_node
        return cls(str(node), name, None if value is None else str(value), lifetime, set_tag)


def _nvpairs(parent: Any, tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if parent is None:
        return out
    for s in parent.findall(tag):
        for nv in s.findall("nvpair"):
            if nv.get("name") is not None and nv.get("name") not in out:
                out[nv.get("name")] = nv.get("value", "")
    return out


def transient(cib: Any, node: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for state in cib.iterfind("status/node_state"):
        if state.get("uname") == node:
            for ta in state.findall("transient_attributes"):
                out.update(_nvpairs(ta, "instance_attributes"))
    return out


def permanent(cib: Any, node: str, set_tag: str = "instance_attributes") -> dict[str, str]:
    out: dict[str, str] = {}
    for el in cib.iterfind("configuration/nodes/node"):
        if el.get("uname") == node:
            out.update(_nvpairs(el, set_tag))
    return out


def node_view(cib: Any, node: str) -> dict[str, str]:
    """What an agent on ``node`` sees (``crm_attribute -G``): permanent, then transient."""
    return {**permanent(cib, node), **transient(cib, node)}


def current(cib: Any, req: AttrRequest) -> str | None:
    if req.lifetime == "forever":
        return permanent(cib, req.node, req.set).get(req.name)
    return transient(cib, req.node).get(req.name)


def operation(req: AttrRequest, node_id: str) -> tuple[str, bytes]:
    """The CIB operation (name, body) carrying out one request."""
    if req.lifetime == "forever":
        return "node_config_attrs", node_config_body(node_id, req.node,
                                                     [(req.set, req.name, req.value)])
    return "status_patch", StatusPatch().attr(node_id, req.node, req.name, req.value).body()


def batch(requests: list[AttrRequest], node_ids: dict[str, str]) -> list[tuple[str, bytes]]:
    """Several requests as few operations as possible: one status patch for every transient
    change, one configuration change per node for the permanent ones."""
    out: list[tuple[str, bytes]] = []
    patch = StatusPatch()
    permanent_changes: dict[str, list[tuple[str, str, str | None]]] = {}
    for req in requests:
        nid = node_ids.get(req.node, req.node)
        if req.lifetime == "forever":
            permanent_changes.setdefault(req.node, []).append((req.set, req.name, req.value))
        else:
            patch.attr(nid, req.node, req.name, req.value)
    if patch:
        out.append(("status_patch", patch.body()))
    for node, changes in permanent_changes.items():
        out.append(("node_config_attrs",
                    node_config_body(node_ids.get(node, node), node, changes)))
    return out
