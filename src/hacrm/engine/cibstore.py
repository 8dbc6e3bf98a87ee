"""The CIB as every node holds it: XML in a canonical form, versioned, changed only by operations.

The DC decides each change (is the base version still current? does the payload parse? what
is the new version?) and announces it through the ordered messaging as an *update*: the
operation, its payload, and the stamps before and after.  Every node, the DC included, applies
the update in place when it is delivered.  Applying is deterministic, so all nodes hold the
same XML.

A stamp is the version plus a *lineage*: a hash chained through every update since the last
point where the members compared full digests (load, membership change).  Checking the chain
costs a hash of the update, not of the whole CIB, so a large CIB changes in microseconds; the
full C14N digest is computed only when members compare CIBs.

Versions follow Pacemaker: a change of the configuration bumps ``epoch`` and resets
``num_updates``; a change of the status section bumps ``num_updates``; ``admin_epoch`` is the
administrator's.  Two CIBs are ordered by (admin_epoch, epoch, num_updates), and the highest
wins when partitions merge.

New operations (the controller's resource history, node attributes) are added to
:data:`OPERATIONS`: each parses and checks its input first (``prepare``, which may refuse) and
returns the mutation, which cannot fail; it says whether it touches the configuration or the
status.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from hacrm import xmlsafe
from hacrm.backends.base import CibVersion
from hacrm.cib.document import empty_cib_xml
from hacrm.engine import statusops


class CibError(Exception):
    """An operation or a CIB text that cannot be used; the message is for the user."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                           huge_tree=True)


def _parse(data: bytes, what: str) -> etree._Element:
    """Parse untrusted XML: no DTDs (a CIB never has one; entities could read files), bounded
    size and depth (:mod:`hacrm.xmlsafe`)."""
    try:
        return xmlsafe.parse(data, what)
    except xmlsafe.XmlRefused as err:
        raise CibError(str(err)) from None


def parse_cib(text: str | bytes) -> etree._Element:
    """Parse a whole CIB; make sure it has a configuration and a status section."""
    data = text.encode() if isinstance(text, str) else text
    root = _parse(data, "the CIB")
    if root.tag != "cib":
        raise CibError(f"the root element is <{root.tag}>, not <cib>")
    if root.find("configuration") is None:
        raise CibError("the CIB has no <configuration> section")
    if root.find("status") is None:
        etree.SubElement(root, "status")
    for name in ("admin_epoch", "epoch", "num_updates"):
        if root.get(name) is None:
            root.set(name, "0")
        else:
            try:
                if int(root.get(name)) < 0:
                    raise ValueError
            except ValueError:
                raise CibError(f"the CIB's {name} is not a number: {root.get(name)!r}") from None
    return root


def version_of(root: etree._Element) -> CibVersion:
    return CibVersion(int(root.get("admin_epoch", "0")), int(root.get("epoch", "0")),
                      int(root.get("num_updates", "0")))


def digest_of(root: etree._Element) -> str:
    """SHA-256 of the canonical (C14N) form: independent of how the text was indented."""
    return hashlib.sha256(etree.tostring(root, method="c14n")).hexdigest()


class Cib:
    """One CIB in memory: its tree, version, lineage; digest and text computed on demand."""

    def __init__(self, root: etree._Element, lineage: str | None = None) -> None:
        self.root = root
        self.version = version_of(root)
        self._digest: str | None = None
        self._text: str | None = None
        self.lineage = lineage if lineage is not None else self.digest

    @classmethod
    def from_text(cls, text: str | bytes) -> Cib:
        return cls(parse_cib(text))

    @classmethod
    def empty(cls) -> Cib:
        return cls.from_text(empty_cib_xml())

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical form (computed when asked, kept until the next change)."""
        if self._digest is None:
            self._digest = digest_of(self.root)
        return self._digest

    def text(self) -> str:
        """The CIB as Pacemaker writes it: indented, one element per line."""
        if self._text is None:
            self._text = etree.tostring(self.root, pretty_print=True, encoding="unicode")
        return self._text

    def copy(self) -> etree._Element:
        return etree.fromstring(etree.tostring(self.root), _parser())

    @property
    def stamp(self) -> tuple[CibVersion, str]:
        return self.version, self.lineage

    def restart_lineage(self) -> None:
        """Members agreed on this content: chain later updates from its digest."""
        self.lineage = self.digest

    def _changed(self) -> None:
        self.version = version_of(self.root)
        self._digest = None
        self._text = None


# ---------------------------------------------------------------------------- operations


Mutation = Callable[[etree._Element], None]


@dataclass(frozen=True)
class Operation:
    """A kind of change: ``kind`` is "config" (epoch) or "status" (num_updates)."""

    kind: str
    #: check the arguments and payload (raise :class:`CibError`), return the mutation
    prepare: Callable[[dict[str, Any], bytes], Mutation]
    #: whether the request names a base version the CIB must still be at
    checks_base: bool = False


def _replace_configuration(args: dict[str, Any], body: bytes) -> Mutation:
    new = _parse(body, "the new configuration")
    conf = new if new.tag == "configuration" else new.find("configuration")
    if conf is None:
        raise CibError("the new CIB has no <configuration> section")
    schema = new.get("validate-with") if new.tag == "cib" else None

    def mutate(root: etree._Element) -> None:
        old = root.find("configuration")
        assert old is not None
        root.replace(old, conf)
        if schema:
            root.set("validate-with", schema)
    return mutate


def _node_entries(args: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    entries = args.get("nodes", [])
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and all(k in e for k in keys) for e in entries):
        raise CibError(f"nodes must be a list of objects with {', '.join(keys)}")
    return entries


def _add_nodes(args: dict[str, Any], body: bytes) -> Mutation:
    entries = [(str(e["id"]), str(e["uname"])) for e in _node_entries(args, "id", "uname")]

    def mutate(root: etree._Element) -> None:
        conf = root.find("configuration")
        assert conf is not None
        nodes = statusops.nodes_section(conf)
        known = {n.get("id") for n in nodes.findall("node")}
        for nodeid, uname in entries:
            if nodeid not in known:
                etree.SubElement(nodes, "node", id=nodeid, uname=uname)
    return mutate


def bootstrap_options(root: etree._Element) -> dict[str, str]:
    """The DC-maintained cluster properties in ``cib-bootstrap-options``."""
    out = {}
    for nv in root.iterfind("configuration/crm_config/cluster_property_set[@id="
                            "'cib-bootstrap-options']/nvpair"):
        if nv.get("name") is not None:
            out[nv.get("name")] = nv.get("value", "")
    return out


def _dc_properties(args: dict[str, Any], body: bytes) -> Mutation:
    """Set cluster properties the DC maintains (``dc-version``, ``cluster-infrastructure``,
    ``cluster-name``), as Pacemaker's controller does when it becomes DC."""
    props_in = args.get("properties", [])
    if not isinstance(props_in, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
            and p[0].replace("-", "").isalnum() for p in props_in):
        raise CibError("properties must be a list of [name, value] pairs")
    wanted = [(name, str(value)) for name, value in props_in]

    def mutate(root: etree._Element) -> None:
        conf = root.find("configuration")
        assert conf is not None
        crm_config = conf.find("crm_config")
        if crm_config is None:
            crm_config = etree.Element("crm_config")
            conf.insert(0, crm_config)
        props = crm_config.find("cluster_property_set[@id='cib-bootstrap-options']")
        if props is None:
            props = etree.Element("cluster_property_set", id="cib-bootstrap-options")
            crm_config.insert(0, props)
        for name, value in wanted:
            nv = props.find(f"nvpair[@name='{name}']")
            if nv is None:
                nv = etree.SubElement(props, "nvpair", id=f"cib-bootstrap-options-{name}",
                                      name=name)
            nv.set("value", value)
    return mutate


def _membership(args: dict[str, Any], body: bytes) -> Mutation:
    """Record which nodes are members, as Pacemaker's controller does in ``node_state``."""
    entries = [(str(e["id"]), str(e["uname"]), bool(e["member"]), bool(e.get("clean")))
               for e in _node_entries(args, "id", "uname", "member")]
    quorate = bool(args["quorate"]) if "quorate" in args else None
    dc_uuid = str(args["dc_uuid"]) if args.get("dc_uuid") is not None else None

    def mutate(root: etree._Element) -> None:
        status = root.find("status")
        assert status is not None
        states = {s.get("id"): s for s in status.findall("node_state")}
        for nodeid, uname, member, clean in entries:
            state = states.get(nodeid)
            if state is None:
                if not member:
                    continue
                state = etree.SubElement(status, "node_state", id=nodeid, uname=uname)
            state.set("uname", uname)
            state.set("in_ccm", "true" if member else "false")
            state.set("crmd", "online" if member else "offline")
            state.set("crm-debug-origin", "hacrm-membership")
            state.set("join", "member" if member else "down")
            if member:
                state.set("expected", "member")
            elif clean:
                state.set("expected", "down")
        if quorate is not None:
            root.set("have-quorum", "1" if quorate else "0")
        if dc_uuid is not None:
            root.set("dc-uuid", dc_uuid)
    return mutate


def _status_replace(args: dict[str, Any], body: bytes) -> Mutation:
    """Replace (or delete, with an empty body) whole ``node_state`` elements."""
    delete = args.get("delete", [])
    if not isinstance(delete, list):
        raise CibError("delete must be a list of node ids")
    delete_ids = {str(d) for d in delete}
    items: list[etree._Element] = []
    if body:
        new = _parse(body, "the status update")
        items = [new] if new.tag == "node_state" else list(new.iterfind("node_state"))
        if any(item.get("id") is None for item in items):
            raise CibError("every node_state needs an id")

    def mutate(root: etree._Element) -> None:
        status = root.find("status")
        assert status is not None
        for state in status.findall("node_state"):
            if state.get("id") in delete_ids:
                status.remove(state)
        for item in items:
            old = [s for s in status.findall("node_state") if s.get("id") == item.get("id")]
            if old:
                status.replace(old[0], item)
            else:
                status.append(item)
    return mutate


OPERATIONS: dict[str, Operation] = {
    "replace_configuration": Operation("config", _replace_configuration, checks_base=True),
    "add_nodes": Operation("config", _add_nodes),
    "dc_properties": Operation("config", _dc_properties),
    "membership": Operation("status", _membership),
    "status_replace": Operation("status", _status_replace),
    # the controller's: resource history and node attributes (hacrm.engine.statusops)
    **{name: Operation(kind, prep) for name, (kind, prep) in statusops.OPERATIONS.items()},
}


def conflicts(cib: Cib, op: str, base: CibVersion | None) -> bool:
    """True when a request based on ``base`` must be refused because the CIB moved.

    Only the configuration's version counts: status updates (num_updates) happen all the time
    and never touch what a configuration change replaces.
    """
    operation = OPERATIONS[op]
    if not operation.checks_base or base is None:
        return False
    return (base.admin_epoch, base.epoch) != (cib.version.admin_epoch, cib.version.epoch)


@dataclass(frozen=True)
class Prepared:
    """A checked operation, ready to be applied; knows the stamp it will produce."""

    op: str
    kind: str
    mutate: Mutation
    lineage_input: bytes

    def next_version(self, v: CibVersion) -> CibVersion:
        if self.kind == "config":
            return CibVersion(v.admin_epoch, v.epoch + 1, 0)
        return CibVersion(v.admin_epoch, v.epoch, v.num_updates + 1)

    def next_stamp(self, stamp: tuple[CibVersion, str]) -> tuple[CibVersion, str]:
        version = self.next_version(stamp[0])
        h = hashlib.sha256(stamp[1].encode() + b"\0" + self.lineage_input + b"\0" +
                           f"{version}".encode())
        return version, h.hexdigest()


def prepare(op: str, args: dict[str, Any], body: bytes,
            attrs: dict[str, str] | None = None) -> Prepared:
    """Check an operation without applying it (the DC does this before announcing it)."""
    operation = OPERATIONS.get(op)
    if operation is None:
        raise CibError(f"unknown CIB operation {op!r}")
    if not isinstance(args, dict):
        raise CibError("operation arguments must be an object")
    try:
        mutation = operation.prepare(args, body)
    except (KeyError, TypeError, ValueError) as err:
        raise CibError(f"bad arguments for {op}: {err}") from None
    attr_items = sorted((attrs or {}).items())

    def mutate(root: etree._Element) -> None:
        mutation(root)
        for key, value in attr_items:
            root.set(key, value)
    material = (op + "\0" + encode_args(args) + "\0" + encode_args(dict(attr_items))).encode()
    return Prepared(op, operation.kind, mutate,
                    material + b"\0" + hashlib.sha256(body).digest())


def apply(cib: Cib, op: str, args: dict[str, Any], body: bytes,
          attrs: dict[str, str] | None = None) -> Cib:
    """Apply an operation to ``cib`` in place (version bumped, lineage chained); return it.

    Raises :class:`CibError` before changing anything when the operation is refused.
    """
    prepared = prepare(op, args, body, attrs)
    return apply_prepared(cib, prepared)


def apply_prepared(cib: Cib, prepared: Prepared) -> Cib:
    version, lineage = prepared.next_stamp(cib.stamp)
    prepared.mutate(cib.root)
    cib.root.set("epoch", str(version.epoch))
    cib.root.set("num_updates", str(version.num_updates))
    cib._changed()
    cib.lineage = lineage
    return cib


def encode_args(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, separators=(",", ":"))
