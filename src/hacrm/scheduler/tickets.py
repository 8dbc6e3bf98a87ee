"""rsc_ticket constraints: a resource may run only while its ticket is granted; loss-policy
decides what happens when it is not (stop, demote, fence, freeze)."""

from __future__ import annotations

from typing import Any

from .cluster import Cluster
from .model import INFINITY, R_PROMOTABLE, Resource, Role, text_to_role


def unpack_ticket_constraint(cl: Cluster, xml: Any) -> None:
    from .constraints import find_constraint_resource
    tid = xml.get("ticket")
    rid = xml.get("rsc")
    if not tid:
        return
    ticket = cl.tickets.setdefault(tid, {"id": tid, "granted": False, "standby": False})
    rscs: list[tuple[Resource, str | None]] = []
    if rid:
        r = find_constraint_resource(cl, rid)
        if r is None:
            return
        rscs.append((r, xml.get("rsc-role")))
    for s in xml:
        if s.tag != "resource_set":
            continue
        for ref in s:
            if ref.tag == "resource_ref":
                r = find_constraint_resource(cl, ref.get("id"))
                if r is None:
                    return
                rscs.append((r, s.get("role")))
    policy = (xml.get("loss-policy") or "stop").lower()
    for rsc, role_s in rscs:
        _apply(cl, rsc, ticket, policy, text_to_role(role_s) if role_s else Role.UNKNOWN)


def _apply(cl: Cluster, rsc: Resource, ticket: dict, policy: str, role: Role) -> None:
    from .unpack import resource_location
    if rsc.children:
        for c in rsc.children:
            _apply(cl, c, ticket, policy, role)
        if rsc.has(R_PROMOTABLE) and role == Role.PROMOTED:
            return
    if ticket.get("granted") and not ticket.get("standby"):
        return
    if role != Role.UNKNOWN and role != Role.PROMOTED:
        pass
    if not ticket.get("granted"):
        if role == Role.PROMOTED:
            from .bundle import Unsupported
            raise Unsupported(f"ticket {ticket['id']}: role-specific tickets are not supported yet")
        if policy in ("stop", "demote"):
            resource_location(cl, rsc, None, -INFINITY, "__loss_of_ticket__")
        elif policy == "fence":
            resource_location(cl, rsc, None, -INFINITY, "__loss_of_ticket__")
            from .history import fence_node
            for node in list(rsc.running_on):
                fence_node(cl, node, "deadman ticket was lost", False)
        elif policy == "freeze":
            if not rsc.running_on:
                resource_location(cl, rsc, None, -INFINITY, "__no_ticket__")
    elif ticket.get("standby"):
        if role == Role.PROMOTED:
            from .bundle import Unsupported
            raise Unsupported(f"ticket {ticket['id']}: role-specific tickets are not supported yet")
        resource_location(cl, rsc, None, -INFINITY, "__ticket_standby__")
