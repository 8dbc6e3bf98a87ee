"""What ``crm_mon --output-as=xml`` says about a Pacemaker cluster, as plain data.

crm_mon is Pacemaker's own reading of the cluster (the scheduler's unpacking of the live CIB
plus the daemons' view of membership), and its XML output is a stable, versioned API (the
``crm_mon-2.x.rng`` schemas).  This module turns that XML into small frozen dataclasses the
shell can render, query (where does a resource run? is a node online, standby?) and compare,
with no I/O: the backend runs the tool, this module only reads its answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hacrm.backends.base import BackendError, CibVersion

if TYPE_CHECKING:
    from lxml import etree

    from hacrm.backends.embedded import ClusterInfo


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class MonSummary:
    stack: str = ""
    dc: str | None = None
    dc_id: str | None = None
    dc_version: str | None = None
    quorate: bool = False
    last_update: str = ""
    last_change: str = ""
    last_change_user: str = ""
    last_change_client: str = ""
    last_change_origin: str = ""
    nodes_configured: int = 0
    resources_configured: int = 0
    resources_disabled: int = 0
    resources_blocked: int = 0
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MonNode:
    name: str
    id: str
    online: bool
    standby: bool = False
    standby_onfail: bool = False
    maintenance: bool = False
    pending: bool = False
    unclean: bool = False
    shutdown: bool = False
    is_dc: bool = False
    resources_running: int = 0
    type: str = "member"
    health: str = "green"

    @property
    def state(self) -> str:
        """One word for the node, as crm_mon's node list groups them."""
        if self.unclean:
            return "UNCLEAN"
        if not self.online:
            return "OFFLINE"
        if self.pending:
            return "pending"
        if self.standby_onfail:
            return "standby (on-fail)"
        if self.standby:
            return "standby"
        if self.maintenance:
            return "maintenance"
        return "online"


@dataclass(frozen=True)
class MonResource:
    """A primitive (or a clone/bundle instance of one)."""

    id: str
    agent: str
    role: str
    active: bool
    nodes: tuple[str, ...] = ()
    target_role: str | None = None
    orphaned: bool = False
    blocked: bool = False
    managed: bool = True
    failed: bool = False
    failure_ignored: bool = False
    pending: str | None = None
    kind: str = "primitive"
    children: tuple[MonResource, ...] = ()

    def primitives(self) -> Iterator[MonResource]:
        if self.kind == "primitive":
            yield self
        for child in self.children:
            yield from child.primitives()


@dataclass(frozen=True)
class MonCollective:
    """A group, clone or bundle (``kind``) and what it holds."""

    id: str
    kind: str
    children: tuple[Any, ...] = ()
    managed: bool = True
    disabled: bool = False
    failed: bool = False
    promotable: bool = False
    unique: bool = False
    target_role: str | None = None
    image: str | None = None

    def primitives(self) -> Iterator[MonResource]:
        for child in self.children:
            yield from child.primitives()


@dataclass(frozen=True)
class MonFailure:
    op_key: str
    node: str
    exitstatus: str
    exitreason: str
    exitcode: int
    status: str
    task: str = ""
    interval_ms: int = 0
    last_rc_change: str = ""
    exec_ms: int = 0

    @property
    def resource(self) -> str:
        """The resource the operation ran on (``op_key`` is ``RSC_TASK_INTERVAL``)."""
        m = re.match(r"^(.*)_[^_]+_\d+$", self.op_key)
        return m.group(1) if m else self.op_key


@dataclass(frozen=True)
class MonTicket:
    id: str
    status: str
    standby: bool
    last_granted: str = ""


@dataclass(frozen=True)
class MonBan:
    id: str
    resource: str
    node: str
    weight: int
    promoted_only: bool = False


@dataclass(frozen=True)
class MonStatus:
    """The whole of one crm_mon answer."""

    summary: MonSummary
    nodes: tuple[MonNode, ...]
    resources: tuple[Any, ...]
    node_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    failures: tuple[MonFailure, ...] = ()
    tickets: tuple[MonTicket, ...] = ()
    bans: tuple[MonBan, ...] = ()
    pacemakerd: str | None = None

    def node(self, name: str) -> MonNode | None:
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    def primitives(self) -> Iterator[MonResource]:
        for rsc in self.resources:
            yield from rsc.primitives()

    def walk(self) -> Iterator[Any]:
        """Every resource, instance and collective, parents before children."""
        def walk(items: tuple[Any, ...]) -> Iterator[Any]:
            for item in items:
                yield item
                yield from walk(getattr(item, "children", ()))
        return walk(self.resources)

    def find(self, rsc_id: str) -> Any | None:
        """The first resource or collective with that id."""
        for item in self.walk():
            if item.id == rsc_id:
                return item
        return None

    def locate(self, rsc_id: str) -> list[str] | None:
        """Nodes a resource (or any instance or member of it) is active on; None if unknown.

        "Active" means what ``crm_resource --locate`` means: the nodes crm_mon lists for the
        resource (it runs there, perhaps failed).  Clone instances are matched with and without
        their ``:N`` suffix, and all the instances of an anonymous clone (which carry the
        primitive's own id) count."""
        found: list[str] = []
        known = False
        for item in self.walk():
            if item.id != rsc_id and item.id.split(":")[0] != rsc_id:
                continue
            known = True
            for prim in item.primitives():
                found += [n for n in prim.nodes if n not in found]
        return found if known else None

    def placement(self) -> dict[str, tuple[str, ...]]:
        """Every active primitive instance -> the nodes it runs on (what tests compare)."""
        out: dict[str, tuple[str, ...]] = {}
        for prim in self.primitives():
            if prim.active and prim.nodes:
                key = prim.id
                out[key] = tuple(sorted(set(out.get(key, ())) | set(prim.nodes)))
        return out


# ---------------------------------------------------------------------- parsing
def _resource(elem: etree._Element) -> MonResource:
    return MonResource(
        id=elem.get("id", ""), agent=elem.get("resource_agent", ""),
        role=elem.get("role", ""), active=_bool(elem.get("active")),
        nodes=tuple(n.get("name", "") for n in elem.iterfind("node")),
        target_role=elem.get("target_role"), orphaned=_bool(elem.get("orphaned")),
        blocked=_bool(elem.get("blocked")), managed=_bool(elem.get("managed", "true")),
        failed=_bool(elem.get("failed")), failure_ignored=_bool(elem.get("failure_ignored")),
        pending=elem.get("pending"))


def _item(elem: etree._Element) -> Any:
    if elem.tag == "resource":
        return _resource(elem)
    if elem.tag == "group":
        return MonCollective(elem.get("id", ""), "group", _items(elem),
                             managed=_bool(elem.get("managed", "true")),
                             disabled=_bool(elem.get("disabled")))
    if elem.tag == "clone":
        return MonCollective(elem.get("id", ""), "clone", _items(elem),
                             managed=_bool(elem.get("managed", "true")),
                             disabled=_bool(elem.get("disabled")),
                             failed=_bool(elem.get("failed")),
                             promotable=_bool(elem.get("multi_state")),
                             unique=_bool(elem.get("unique")),
                             target_role=elem.get("target_role"))
    if elem.tag == "bundle":
        # "/" cannot appear in a CIB id, so a replica never shadows a real resource
        replicas = tuple(MonCollective(f"{elem.get('id')}/{r.get('id')}", "replica", _items(r))
                         for r in elem.iterfind("replica"))
        return MonCollective(elem.get("id", ""), "bundle", replicas,
                             managed=_bool(elem.get("managed", "true")),
                             failed=_bool(elem.get("failed")), unique=_bool(elem.get("unique")),
                             image=elem.get("image"))
    return None


def _items(parent: etree._Element) -> tuple[Any, ...]:
    out = []
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        item = _item(child)
        if item is not None:
            out.append(item)
    return tuple(out)


def _summary(elem: etree._Element | None) -> MonSummary:
    if elem is None:
        return MonSummary()
    dc = elem.find("current_dc")
    change = elem.find("last_change")
    rc = elem.find("resources_configured")
    options = elem.find("cluster_options")
    present = dc is not None and _bool(dc.get("present"))
    return MonSummary(
        stack=(elem.find("stack").get("type", "") if elem.find("stack") is not None else ""),
        dc=dc.get("name") if present else None,
        dc_id=dc.get("id") if present else None,
        dc_version=dc.get("version") if present else None,
        quorate=present and _bool(dc.get("with_quorum")),
        last_update=(elem.find("last_update").get("time", "")
                     if elem.find("last_update") is not None else ""),
        last_change=change.get("time", "") if change is not None else "",
        last_change_user=change.get("user", "") if change is not None else "",
        last_change_client=change.get("client", "") if change is not None else "",
        last_change_origin=change.get("origin", "") if change is not None else "",
        nodes_configured=_int(elem.find("nodes_configured").get("number")
                              if elem.find("nodes_configured") is not None else None),
        resources_configured=_int(rc.get("number") if rc is not None else None),
        resources_disabled=_int(rc.get("disabled") if rc is not None else None),
        resources_blocked=_int(rc.get("blocked") if rc is not None else None),
        options=dict(options.attrib) if options is not None else {},
    )


def parse_mon(xml_text: str) -> MonStatus:
    """Parse one ``crm_mon --output-as=xml`` answer; :class:`BackendError` if it is not one."""
    from hacrm.xmlsafe import XmlRefused, parse

    try:
        root = parse(xml_text, "crm_mon's answer")
    except XmlRefused as err:
        raise BackendError(str(err)) from None
    if root.tag not in ("pacemaker-result", "crm_mon"):
        raise BackendError(f"crm_mon printed <{root.tag}>, not its status document")
    status = root.find("status")
    if status is not None and _int(status.get("code")) != 0:
        errors = [e.text or "" for e in status.iterfind("errors/error")]
        raise BackendError("crm_mon: " + "; ".join([status.get("message", "error")] + errors))
    nodes = tuple(
        MonNode(name=n.get("name", ""), id=n.get("id", ""), online=_bool(n.get("online")),
                standby=_bool(n.get("standby")), standby_onfail=_bool(n.get("standby_onfail")),
                maintenance=_bool(n.get("maintenance")), pending=_bool(n.get("pending")),
                unclean=_bool(n.get("unclean")), shutdown=_bool(n.get("shutdown")),
                is_dc=_bool(n.get("is_dc")), resources_running=_int(n.get("resources_running")),
                type=n.get("type", "member"), health=n.get("health", "green"))
        for n in root.iterfind("nodes/node"))
    resources = _items(root.find("resources")) if root.find("resources") is not None else ()
    attrs = {n.get("name", ""): {a.get("name", ""): a.get("value", "")
                                 for a in n.iterfind("attribute")}
             for n in root.iterfind("node_attributes/node")}
    failures = tuple(
        MonFailure(op_key=f.get("op_key") or f.get("id", ""), node=f.get("node", ""),
                   exitstatus=f.get("exitstatus", ""), exitreason=f.get("exitreason", ""),
                   exitcode=_int(f.get("exitcode")), status=f.get("status", ""),
                   task=f.get("task", ""), interval_ms=_int(f.get("interval")),
                   last_rc_change=f.get("last-rc-change", ""), exec_ms=_int(f.get("exec")))
        for f in root.iterfind("failures/failure"))
    tickets = tuple(MonTicket(t.get("id", ""), t.get("status", ""), _bool(t.get("standby")),
                              t.get("last-granted", ""))
                    for t in root.iterfind("tickets/ticket"))
    bans = tuple(MonBan(b.get("id", ""), b.get("resource", ""), b.get("node", ""),
                        _int(b.get("weight")),
                        _bool(b.get("promoted-only") or b.get("master_only")))
                 for b in root.iterfind("bans/ban"))
    pcmkd = root.find("pacemakerd")
    return MonStatus(_summary(root.find("summary")), nodes, resources, attrs, failures,
                     tickets, bans, pcmkd.get("state") if pcmkd is not None else None)


# ---------------------------------------------------------------------- membership facts
def parse_quorumtool(text: str) -> dict[str, Any]:
    """Votes and flags from ``corosync-quorumtool -s``."""
    def value(name: str) -> str | None:
        m = re.search(rf"^{re.escape(name)}:\s*(.*)$", text, re.MULTILINE)
        return m.group(1).strip() if m else None

    quorum = value("Quorum")
    return {"ring_id": value("Ring ID"),
            "expected_votes": _int((value("Expected votes") or "0").split()[0]),
            "total_votes": _int((value("Total votes") or "0").split()[0]),
            "quorum": _int(quorum.split()[0]) if quorum else 0,
            "flags": tuple((value("Flags") or "").split())}


def cluster_info(mon: MonStatus, version: CibVersion, *, local_node: str,
                 quorum: dict[str, Any] | None = None) -> ClusterInfo:
    """The embedded backend's :class:`ClusterInfo`, filled from crm_mon (and corosync's
    quorum tool when its counts are known)."""
    from hacrm.backends.embedded import ClusterInfo, ClusterNode

    quorum = quorum or {}
    nodes = []
    for i, node in enumerate(mon.nodes, start=1):
        if node.type not in ("member", ""):
            continue
        nodeid = _int(node.id, i) if node.id.isdigit() else i
        nodes.append(ClusterNode(nodeid, node.name, node.online, 1, node.is_dc,
                                 node.name == local_node))
    name = mon.summary.options.get("cluster-name", "")
    return ClusterInfo(
        cluster_name=name, local_node=local_node, ring_id=quorum.get("ring_id"),
        quorate=mon.summary.quorate,
        expected_votes=int(quorum.get("expected_votes") or len(nodes)),
        total_votes=int(quorum.get("total_votes") or sum(1 for n in nodes if n.online)),
        quorum=int(quorum.get("quorum") or len(nodes) // 2 + 1),
        flags=tuple(quorum.get("flags") or ()), dc=mon.summary.dc, nodes=tuple(nodes),
        synced=mon.summary.dc is not None, cib_version=version)
