"""The CIB as every node holds it: XML in a canonical form, versioned, changed only by operations.

The DC decides each change (is the base version still current? what is the new version?) and
announces it through the ordered messaging as an *update*: the operation, its payload, the
version it applies to and the digest of the result.  Every node, the DC included, applies the
update when it is delivered.  Applying is deterministic, so all nodes hold the same XML; the
digest proves it, and a node whose result differs asks for the whole CIB again.

Versions follow Pacemaker: a change of the configuration bumps ``epoch`` and resets
``num_updates``; a change of the status section bumps ``num_updates``; ``admin_epoch`` is the
administrator's.  Two CIBs are ordered by (admin_epoch, epoch, num_updates), and the highest
wins when partitions merge.

New operations (the controller's resource history, node attributes) are added to
:data:`OPERATIONS`; each says whether it touches the configuration or the status.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from lxml import etree

from hacrm.backends.base import CibVersion
from hacrm.cib.document import empty_cib_xml


class CibError(Exception):
    """An operation or a CIB text that cannot be used; the message is for the user."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                           huge_tree=True)


def _parse(data: bytes, what: str) -> etree._Element:
    """Parse untrusted XML: no DTDs (a CIB never has one; entities could read files)."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        raise CibError(f"{what} is not well-formed XML: {err}") from None
    if root.getroottree().docinfo.doctype:
        raise CibError(f"{what} has a DOCTYPE; CIB XML never does")
    return root


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
    """One CIB in memory, with its version and digest."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.version = version_of(root)
        self.digest = digest_of(root)
        self._text: str | None = None

    @classmethod
    def from_text(cls, text: str | bytes) -> "Cib":
        return cls(parse_cib(text))

    @classmethod
    def empty(cls) -> "Cib":
        return cls.from_text(empty_cib_xml())

    def text(self) -> str:
        """The CIB as Pacemaker writes it: indented, one element per line."""
        if self._text is None:
            self._text = etree.tostring(self.root, pretty_print=True, encoding="unicode")
        return self._text

    def copy(self) -> etree._Element:
        return etree.fromstring(etree.tostring(self.root), _parser())

    @property
    def stamp(self) -> tuple[CibVersion, str]:
        return self.version, self.digest


# ---------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    """A kind of change: ``kind`` is "config" (epoch) or "status" (num_updates)."""

    kind: str
    apply: Callable[[etree._Element, dict[str, Any], bytes], None]
    #: whether the request names a base version the CIB must still be at
    checks_base: bool = False


def _replace_configuration(root: etree._Element, args: dict[str, Any], body: bytes) -> None:
    new = _parse(body, "the new configuration")
    conf = new if new.tag == "configuration" else new.find("configuration")
    if conf is None:
        raise CibError("the new CIB has no <configuration> section")
    old = root.find("configuration")
    assert old is not None
    root.replace(old, conf)
    if new.tag == "cib" and new.get("validate-with"):
        root.set("validate-with", new.get("validate-with"))


def _add_nodes(root: etree._Element, args: dict[str, Any], body: bytes) -> None:
    conf = root.find("configuration")
    assert conf is not None
    nodes = conf.find("nodes")
    if nodes is None:
        nodes = etree.Element("nodes")
        crm_config = conf.find("crm_config")
        if crm_config is not None:
            crm_config.addnext(nodes)
        else:
            conf.insert(0, nodes)
    known = {n.get("id") for n in nodes.findall("node")}
    for entry in args.get("nodes", []):
        nodeid, uname = str(entry["id"]), str(entry["uname"])
        if nodeid not in known:
            etree.SubElement(nodes, "node", id=nodeid, uname=uname)


def bootstrap_options(root: etree._Element) -> dict[str, str]:
    """The DC-maintained cluster properties in ``cib-bootstrap-options``."""
    out = {}
    for nv in root.iterfind("configuration/crm_config/cluster_property_set[@id="
                            "'cib-bootstrap-options']/nvpair"):
        if nv.get("name") is not None:
            out[nv.get("name")] = nv.get("value", "")
    return out


def _dc_properties(root: etree._Element, args: dict[str, Any], body: bytes) -> None:
    """Set cluster properties the DC maintains (``dc-version``, ``cluster-infrastructure``,
    ``cluster-name``), as Pacemaker's controller does when it becomes DC."""
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
    for name, value in sorted(args.get("properties", {}).items()):
        nv = props.find(f"nvpair[@name='{name}']")
        if nv is None:
            nv = etree.SubElement(props, "nvpair", id=f"cib-bootstrap-options-{name}",
                                  name=name)
        nv.set("value", str(value))


def _membership(root: etree._Element, args: dict[str, Any], body: bytes) -> None:
    """Record which nodes are members, as Pacemaker's controller does in ``node_state``."""
    status = root.find("status")
    assert status is not None
    states = {s.get("id"): s for s in status.findall("node_state")}
    for entry in args.get("nodes", []):
        nodeid, uname, member = str(entry["id"]), str(entry["uname"]), bool(entry["member"])
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
        elif entry.get("clean"):
            state.set("expected", "down")
    if "quorate" in args:
        root.set("have-quorum", "1" if args["quorate"] else "0")
    if args.get("dc_uuid") is not None:
        root.set("dc-uuid", str(args["dc_uuid"]))


def _status_replace(root: etree._Element, args: dict[str, Any], body: bytes) -> None:
    """Replace (or delete, with an empty body) whole ``node_state`` elements."""
    status = root.find("status")
    assert status is not None
    for nodeid in args.get("delete", []):
        for state in status.findall("node_state"):
            if state.get("id") == str(nodeid):
                status.remove(state)
    if body:
        new = _parse(body, "the status update")
        items = [new] if new.tag == "node_state" else list(new.iterfind("node_state"))
        for item in items:
            old = [s for s in status.findall("node_state") if s.get("id") == item.get("id")]
            if old:
                status.replace(old[0], item)
            else:
                status.append(item)


OPERATIONS: dict[str, Operation] = {
    "replace_configuration": Operation("config", _replace_configuration, checks_base=True),
    "add_nodes": Operation("config", _add_nodes),
    "dc_properties": Operation("config", _dc_properties),
    "membership": Operation("status", _membership),
    "status_replace": Operation("status", _status_replace),
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


def apply(cib: Cib, op: str, args: dict[str, Any], body: bytes,
          attrs: dict[str, str] | None = None) -> Cib:
    """A new :class:`Cib`: ``cib`` with the operation applied and the version bumped."""
    operation = OPERATIONS.get(op)
    if operation is None:
        raise CibError(f"unknown CIB operation {op!r}")
    root = cib.copy()
    operation.apply(root, args, body)
    v = cib.version
    if operation.kind == "config":
        root.set("epoch", str(v.epoch + 1))
        root.set("num_updates", "0")
    else:
        root.set("num_updates", str(v.num_updates + 1))
    for key, value in (attrs or {}).items():
        root.set(key, value)
    return Cib(root)


def encode_args(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, separators=(",", ":"))
