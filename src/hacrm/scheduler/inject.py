"""crm_simulate's injections: what-if edits of a CIB's status before scheduling.

Quorum, nodes up/down/failed, tickets and operation results (crm_simulate's ``--quorum``,
``-u``, ``-d``, ``-f``, ``-g``, ``-r``, ``-b``, ``-e`` and ``-i``).  Each edit changes the CIB
(an lxml ``<cib>`` element) in place and returns the lines crm_simulate prints for it under
"Performing Requested Modifications".  The shell's ``cibstatus`` level makes the same edits,
one command at a time, on a copy of a CIB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

#: a ticket's state after each ``cibstatus ticket``/crm_simulate action
TICKET_ACTIONS = {"grant": ("granted", "true", "Granting ticket {}"),
                  "revoke": ("granted", "false", "Revoking ticket {}"),
                  "standby": ("standby", "true", "Making ticket {} standby"),
                  "activate": ("standby", "false", "Activating ticket {}")}


class InjectionError(ValueError):
    """The edit names something the CIB does not have, or is malformed."""


def _status(cib: Any) -> Any:
    status = cib.find("status")
    return status if status is not None else etree.SubElement(cib, "status")


def find_node_state(cib: Any, node: str) -> Any | None:
    """The ``node_state`` of ``node`` (its uname, or its id), if the status has one."""
    for ns in _status(cib).findall("node_state"):
        if node in (ns.get("uname"), ns.get("id")):
            return ns
    return None


def _node_state(cib: Any, uname: str, *, configure: bool = False) -> Any:
    """The node's ``node_state``, made when missing (its id from the configured node; with
    ``configure``, the node is added to the configuration too, as crm_simulate -u does)."""
    ns = find_node_state(cib, uname)
    if ns is not None:
        return ns
    uuid = None
    for n in cib.iterfind("configuration/nodes/node"):
        if n.get("uname") == uname:
            uuid = n.get("id")
    if uuid is None and configure:
        nodes = cib.find("configuration/nodes")
        if nodes is not None:
            etree.SubElement(nodes, "node", id=uname, uname=uname)
    return etree.SubElement(_status(cib), "node_state", id=uuid or uname, uname=uname)


def set_quorum(cib: Any, quorate: bool) -> list[str]:
    value = "true" if quorate else "false"
    cib.set("have-quorum", value)
    return [f"  * Setting quorum: {value}"]


def _membership(ns: Any, *, up: bool, expected: str) -> None:
    ns.set("in_ccm", "true" if up else "false")
    ns.set("crmd", "online" if up else "offline")
    ns.set("join", "member" if up else "down")
    ns.set("expected", expected)


def shut_down(ns: Any) -> None:
    """A ``node_state`` of a node that left cleanly or was fenced: down, its resource history
    and transient attributes gone."""
    _membership(ns, up=False, expected="down")
    for child in list(ns):
        if child.tag in ("lrm", "transient_attributes"):
            ns.remove(child)


def node_up(cib: Any, node: str) -> list[str]:
    _membership(_node_state(cib, node, configure=True), up=True, expected="member")
    return [f"  * Bringing node {node} online"]


def node_down(cib: Any, node: str) -> list[str]:
    """A clean shutdown: the node and its resource history are gone."""
    shut_down(_node_state(cib, node))
    return [f"  * Taking node {node} offline"]


def node_fail(cib: Any, node: str) -> list[str]:
    """The node left while expected to stay: unclean, fenced before anything moves."""
    _membership(_node_state(cib, node), up=False, expected="member")
    return [f"  * Failing node {node}"]


def ticket(cib: Any, ticket_id: str, action: str) -> list[str]:
    if action not in TICKET_ACTIONS:
        raise InjectionError(f"unknown ticket action {action!r} "
                             f"({', '.join(TICKET_ACTIONS)})")
    attr, value, words = TICKET_ACTIONS[action]
    status = _status(cib)
    tickets = status.find("tickets")
    if tickets is None:
        tickets = etree.SubElement(status, "tickets")
    state = next((t for t in tickets.findall("ticket_state") if t.get("id") == ticket_id),
                 None)
    if state is None:
        state = etree.SubElement(tickets, "ticket_state", id=ticket_id)
    state.set(attr, value)
    return [f"  * {words.format(ticket_id)}"]


@dataclass(frozen=True)
class OpSpec:
    """An injected operation result: crm_simulate's ``RSC_TASK_INTERVAL@NODE=RC``."""

    rsc: str
    task: str
    interval: int
    node: str
    rc: int

    @classmethod
    def parse(cls, spec: str) -> OpSpec:
        match = re.fullmatch(r"(.+)_([^_]+)_(\d+)@([^=]+)=(-?\d+)", spec)
        if match is None:
            raise InjectionError(f"bad operation result {spec!r} "
                                 "(RESOURCE_TASK_INTERVAL@NODE=RC)")
        rsc, task, interval, node, rc = match.groups()
        return cls(rsc, task, int(interval), node, int(rc))

    def __str__(self) -> str:
        return f"{self.rsc}_{self.task}_{self.interval}@{self.node}={self.rc}"


def op_result(cib: Any, op: OpSpec, now: int, op_status: int = 0) -> list[str]:
    """Record ``op`` in the node's resource history; a failure also counts in the resource's
    fail count and sets its last-failure time (``now``), as the cluster would."""
    from .execute import _inject_failcount, _inject_result, _lrm_resource

    rsc_xml = next((p for p in cib.iter("primitive")
                    if p.get("id") in (op.rsc, op.rsc.split(":")[0])), None)
    ns = _node_state(cib, op.node)
    entry = _lrm_resource(ns, op.rsc, op.rsc,
                          *(rsc_xml.get(a) if rsc_xml is not None else None
                            for a in ("class", "type", "provider")))
    target = 7 if (op.task == "monitor" and op.interval == 0 and op.rc == 7) else 0
    _inject_result(entry, op.task, op.interval, op.rc, target, op.node, {}, when=now,
                   op_status=op_status)
    lines = [f"  * Injecting {op} into the configuration"]
    if op.rc != target or op_status != 0:
        key = f"{op.rsc}#{op.task}_{op.interval}"
        # an operation that did not complete (op_status) failed whatever its exit code
        _inject_failcount(cib, op.node, ns.get("id"), op.rsc, op.task, op.interval,
                          op.rc or 1, now)
        where = f"/node_state '{ns.get('id')}'"
        lines += [f"  * Injecting attribute fail-count-{key}=value++ into {where}",
                  f"  * Injecting attribute last-failure-{key}={now} into {where}"]
    return lines


def apply_injections(cib: Any, options: Any, now: int) -> list[str]:
    """Every injection ``options`` asks for, in crm_simulate's order; the printed block."""
    lines: list[str] = []
    if options.quorum is not None:
        lines += set_quorum(cib, options.quorum)
    for node in options.node_up:
        lines += node_up(cib, node)
    for node in options.node_down:
        lines += node_down(cib, node)
    for node in options.node_fail:
        lines += node_fail(cib, node)
    for action, names in (("grant", options.ticket_grant), ("revoke", options.ticket_revoke),
                          ("standby", options.ticket_standby),
                          ("activate", options.ticket_activate)):
        for name in names:
            lines += ticket(cib, name, action)
    for spec in options.op_inject:
        try:
            lines += op_result(cib, OpSpec.parse(spec), now)
        except InjectionError:
            continue  # crm_simulate skips a spec it cannot read, and so do we
    return ["Performing Requested Modifications:", *lines] if lines else []


def injecting(options: Any) -> bool:
    """Does ``options`` ask for any injection?  ``--quorum`` alone is not one: crm_simulate
    applies it only along with another modification."""
    return bool(options.node_up or options.node_down or options.node_fail or options.op_inject
                or options.ticket_grant or options.ticket_revoke or options.ticket_standby
                or options.ticket_activate)
