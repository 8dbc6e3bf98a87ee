"""rsc_ticket constraints: a resource may run (or be promoted) only while its ticket is granted
and not in standby; loss-policy (stop, demote, fence, freeze) says what happens otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .cluster import Cluster
from .model import INFINITY, R_BLOCK, R_MANAGED, Resource, Role, text_to_role


@dataclass(eq=False)
class RscTicket:
    id: str
    rsc: Resource
    ticket: dict
    loss_policy: str
    role: Role


def unpack_ticket_constraint(cl: Cluster, xml: Any) -> None:
    from .constraints import _tag_members, _tag_to_set, expand_sets, find_constraint_resource
    import copy
    cid = xml.get("id")
    tid = xml.get("ticket")
    if cid is None or not tid:
        return
    ticket = cl.tickets.setdefault(tid, {"id": tid, "granted": False, "standby": False})
    loss = xml.get("loss-policy")
    expanded = expand_sets(cl, xml)
    rid = expanded.get("rsc")
    if rid is not None and find_constraint_resource(cl, rid) is None:
        if _tag_members(cl, rid) is None:
            return
        expanded = copy.deepcopy(expanded)
        rs = _tag_to_set(cl, expanded, "rsc", False)
        if rs is not None and expanded.get("rsc-role"):
            rs.set("role", expanded.get("rsc-role"))
            del expanded.attrib["rsc-role"]
    any_sets = False
    for s in expanded:
        if s.tag != "resource_set":
            continue
        any_sets = True
        s = cl.ids.resolve(s)
        if s is None:
            return
        for ref in s:
            if ref.tag != "resource_ref":
                continue
            r = find_constraint_resource(cl, ref.get("id"))
            if r is None:
                return
            _new(cl, s.get("id"), r, ticket, s.get("role"), loss)
    if not any_sets:
        r = find_constraint_resource(cl, expanded.get("rsc"))
        if r is None:
            return
        _new(cl, cid, r, ticket, expanded.get("rsc-role"), loss)


def _new(cl: Cluster, cid: str, rsc: Resource, ticket: dict, state: str | None,
         loss: str | None) -> None:
    role = Role.UNKNOWN if state is None or state.lower() == "started" else text_to_role(state)
    lp = (loss or "").lower()
    if lp == "fence" and not cl.stonith_enabled:
        lp = "stop"
    if lp not in ("fence", "freeze", "demote", "stop"):
        lp = "demote" if role == Role.PROMOTED else "stop"
    rt = RscTicket(cid, rsc, ticket, lp, role)
    rsc.rsc_tickets.append(rt)
    if not ticket.get("granted") or ticket.get("standby"):
        _constraints_for(cl, rsc, rt)


def _role_matches(rsc: Resource, rt: RscTicket) -> bool:
    return rt.role == Role.UNKNOWN or rt.role == rsc.role


def _constraints_for(cl: Cluster, rsc: Resource, rt: RscTicket) -> None:
    from .history import fence_node
    from .unpack import resource_location
    t = rt.ticket
    if t.get("granted") and not t.get("standby"):
        return
    if rsc.children:
        for c in rsc.children:
            _constraints_for(cl, c, rt)
        return
    if not t.get("granted") and rsc.running_on:
        if rt.loss_policy == "stop":
            resource_location(cl, rsc, None, -INFINITY, "__loss_of_ticket__")
        elif rt.loss_policy == "demote":
            if rt.role != Role.PROMOTED:
                resource_location(cl, rsc, None, -INFINITY, "__loss_of_ticket__")
        elif rt.loss_policy == "fence":
            if not _role_matches(rsc, rt):
                return
            resource_location(cl, rsc, None, -INFINITY, "__loss_of_ticket__")
            for node in list(rsc.running_on):
                fence_node(cl, node, "deadman ticket was lost", False)
        elif rt.loss_policy == "freeze":
            if not _role_matches(rsc, rt):
                return
            if rsc.running_on:
                rsc.clear(R_MANAGED)
                rsc.set(R_BLOCK)
    elif not t.get("granted"):
        if rt.role != Role.PROMOTED or rt.loss_policy == "stop":
            resource_location(cl, rsc, None, -INFINITY, "__no_ticket__")
    elif t.get("standby"):
        if rt.role != Role.PROMOTED or rt.loss_policy == "stop":
            resource_location(cl, rsc, None, -INFINITY, "__ticket_standby__")


def require_promotion_tickets(cl: Cluster, rsc: Resource) -> None:
    from .unpack import resource_location
    for rt in rsc.rsc_tickets:
        if rt.role == Role.PROMOTED and (not rt.ticket.get("granted") or rt.ticket.get("standby")):
            resource_location(cl, rsc, None, -INFINITY, "__stateful_without_ticket__")
