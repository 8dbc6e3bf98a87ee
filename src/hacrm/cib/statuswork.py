"""The ``cibstatus`` workspace: a copy of a CIB whose status section is edited for "what if".

A user loads the status of the live CIB, a shadow or a CIB file, changes it (a node goes
offline or fails, an operation fails, a ticket is revoked, quorum is lost), and asks the
scheduler what the cluster would do (``cibstatus run``, and ``configure ptest`` with the
configuration being edited).  The edits are the scheduler's own injections
(:mod:`hacrm.scheduler.inject`, the same as crm_simulate's); nothing reaches the cluster: the
edited copy can only be saved to a file or a shadow.

This module is pure: loading and saving text is the shell level's job.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from hacrm.scheduler import inject

#: the states ``cibstatus node`` sets, and the injection each one is
NODE_STATES = {"online": inject.node_up, "offline": inject.node_down,
               "unclean": inject.node_fail}
#: OCF exit codes by crmsh's names
EXIT_CODES = {"success": 0, "unknown": 1, "args": 2, "unimplemented": 3, "perm": 4,
              "installed": 5, "configured": 6, "not_running": 7, "master": 8,
              "failed_master": 9}
#: operation statuses by crmsh's names
OP_STATUSES = {"pending": -1, "done": 0, "cancelled": 1, "timeout": 2, "notsupported": 3,
               "error": 4}


class StatusEditError(ValueError):
    """The edit cannot be made; the message says why, and nothing was changed."""


def _number(word: str, names: dict[str, int], what: str) -> int:
    if word in names:
        return names[word]
    if re.fullmatch(r"-?\d+", word):
        return int(word)
    raise StatusEditError(f"Invalid {what} '{word}' (a number or one of {', '.join(names)})")


def _interval_ms(text: str) -> int:
    """``monitor:INTERVAL``: a bare number is milliseconds, as the CIB records intervals;
    otherwise a time span such as ``10s`` or ``1min``."""
    from hacrm.scheduler.intervals import get_msec

    text = text.strip()
    value = int(text) if text.isdigit() else get_msec(text)
    if value < 0:
        raise StatusEditError(f"bad interval '{text}'")
    return value


@dataclass
class StatusWorkspace:
    """A CIB being edited (``cib``, an lxml ``<cib>``), where it came from, what changed."""

    origin: str
    cib: Any
    #: the changes made, oldest first (``show changed``): what was changed -> to what
    changes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, origin: str, text: str) -> StatusWorkspace:
        root = _parse_cib(text, "the cib contains no status")
        if root.find("status") is None:
            raise StatusEditError("the cib contains no status")
        return cls(origin, root)

    @property
    def modified(self) -> bool:
        return bool(self.changes)

    # ------------------------------------------------------------------ reading
    def status(self) -> Any:
        return self.cib.find("status")

    def status_xml(self) -> str:
        return etree.tostring(self.status(), pretty_print=True, encoding="unicode").rstrip()

    def node_names(self) -> list[str]:
        return [ns.get("uname") or ns.get("id") for ns in self.status().iter("node_state")]

    def resource_names(self) -> list[str]:
        return list(dict.fromkeys(r.get("id") for r in self.status().iter("lrm_resource")))

    def changed_lines(self) -> list[str]:
        return [f"{what} {how}" for what, how in self.changes.items()]

    def text(self) -> str:
        return etree.tostring(self.cib, pretty_print=True, encoding="unicode")

    # ------------------------------------------------------------------ editing
    def set_node(self, node: str, state: str) -> None:
        if state not in NODE_STATES:
            raise StatusEditError(f"unknown state {state} ({', '.join(NODE_STATES)})")
        found = inject.find_node_state(self.cib, node)
        if found is None:
            raise StatusEditError(f"node {node} not found in the status section")
        NODE_STATES[state](self.cib, found.get("uname") or node)
        self.changes[node] = state

    def set_ticket(self, ticket: str, action: str) -> None:
        try:
            inject.ticket(self.cib, ticket, action)
        except inject.InjectionError as err:
            raise StatusEditError(str(err)) from None
        self.changes[ticket] = action

    def set_quorum(self, quorate: bool) -> None:
        inject.set_quorum(self.cib, quorate)
        self.changes["quorum:"] = "true" if quorate else "false"

    def set_op(self, op: str, rsc: str, rc: str, op_status: str | None, node: str | None,
               now: int) -> None:
        """The outcome of operation ``op`` (``probe``, ``monitor``, ``monitor:INTERVAL``,
        ``start``...) of ``rsc``: found in the history (on ``node``, or on the one node whose
        history has it), then recorded with exit code ``rc`` and ``op_status``."""
        code = _number(rc, EXIT_CODES, "exit code")
        status = 0 if op_status is None else _number(op_status, OP_STATUSES,
                                                      "operation status")
        task, interval = self._split(op)
        found = self._find(rsc, task, interval, node)
        # an operation that failed has two records (its own and the last failure): each
        # counts once
        if interval is None:  # a monitor: the recurring one the history has
            intervals = {int(rec.get("interval") or 0) for _, rec in found}
            if len(intervals) != 1:
                raise StatusEditError("need interval for the monitor op")
            interval = intervals.pop()
        if node is None:
            nodes = list(dict.fromkeys(name for name, _ in found))
            if len(nodes) != 1:
                raise StatusEditError(f"operation {op} found at {' '.join(nodes)}" if nodes
                                      else f"operation {op} not found")
            node = nodes[0]
        elif inject.find_node_state(self.cib, node) is None:
            raise StatusEditError(f"node {node} not found in the status section")
        inject.op_result(self.cib, inject.OpSpec(rsc, task, interval, node, code), now,
                         op_status=status)
        self.changes[f"{node}:{rsc}:{op}"] = f"rc={code}" + (
            f",op-status={status}" if op_status is not None else "")

    @staticmethod
    def _split(op: str) -> tuple[str, int | None]:
        """crmsh's operation words: ``probe`` is the 0-interval monitor, ``monitor`` the
        recurring one, ``monitor:INTERVAL`` a given one; anything else has interval 0."""
        if op == "probe":
            return "monitor", 0
        if op == "monitor":
            return "monitor", None
        if op.startswith("monitor:"):
            return "monitor", _interval_ms(op[len("monitor:"):])
        return op, 0

    def _find(self, rsc: str, task: str, interval: int | None,
              node: str | None) -> list[tuple[str, Any]]:
        """(node, lrm_rsc_op) of every recorded ``task`` of ``rsc`` with that interval (any
        non-zero one when None), on ``node`` or on every node."""
        out = []
        for ns in self.status().iter("node_state"):
            name = ns.get("uname") or ns.get("id")
            if node is not None and node not in (name, ns.get("id")):
                continue
            for entry in ns.iter("lrm_resource"):
                if entry.get("id") != rsc:
                    continue
                for rec in entry.iter("lrm_rsc_op"):
                    if rec.get("operation") != task:
                        continue
                    value = int(rec.get("interval") or 0)
                    if (interval is None and value != 0) or value == interval:
                        out.append((name, rec))
        return out

    # ------------------------------------------------------------------ saving
    def merged_into(self, text: str) -> str:
        """Another CIB (``text``) with its status section replaced by this one's."""
        return self._with_status(_parse_cib(text, "no cib inside"))

    def with_configuration_of(self, cib_xml: str) -> str:
        """``cib_xml`` (the configuration being edited) with this status and quorum: what
        ``configure ptest`` schedules while a status is loaded here."""
        root = _parse_cib(cib_xml, "no cib to schedule")
        quorum = self.cib.get("have-quorum")
        if quorum is not None:
            root.set("have-quorum", quorum)
        return self._with_status(root)

    def _with_status(self, root: Any) -> str:
        old = root.find("status")
        if old is not None:
            root.remove(old)
        root.append(copy.deepcopy(self.status()))
        return etree.tostring(root, pretty_print=True, encoding="unicode")


def _parse_cib(text: str, problem: str) -> Any:
    from hacrm.cib.xmlparse import parse_xml

    root = parse_xml(text)
    if root.tag != "cib":
        raise StatusEditError(problem)
    return root
