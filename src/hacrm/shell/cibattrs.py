"""Attribute edits straight on CIB XML: what ``resource meta``/``node attribute`` do.

These commands change one attribute of one resource or node without a configure session, the
way Pacemaker's ``crm_resource``/``crm_attribute`` do: find the element, find (or make) its
attribute set of the right kind, set or remove one name=value.  Ids follow those tools:
``<rsc>-meta_attributes`` / ``<rsc>-meta_attributes-<name>`` for resources,
``nodes-<node-id>`` / ``nodes-<node-id>-<name>`` for node attributes and
``nodes-<node-id>-utilization`` for node utilization.  The functions here are pure (an lxml
tree in, the same tree changed); :class:`CibEdit` reads the CIB from a backend and writes it
back in one replace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from hacrm.shell.commands import CommandError

if TYPE_CHECKING:
    from hacrm.backends.base import Backend

RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")
SET_TAGS = {"meta": "meta_attributes", "param": "instance_attributes",
            "utilization": "utilization"}


def sanitize_id(text: str) -> str:
    """An XML id from free text: what Pacemaker keeps (letters, digits, ``-_.``)."""
    text = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return text if text and (text[0].isalpha() or text[0] == "_") else f"_{text}"


def find_resource(root: etree._Element, rsc_id: str) -> etree._Element:
    for tag in RESOURCE_TAGS:
        found = root.find(f"configuration/resources//{tag}[@id='{rsc_id}']")
        if found is not None:
            return found
    raise CommandError(f"Resource '{rsc_id}' not found")


def clone_parent(elem: etree._Element) -> etree._Element | None:
    """The clone a resource belongs to (directly or through a group), if any."""
    parent = elem.getparent()
    while parent is not None and parent.tag in ("group", "clone", "master"):
        if parent.tag in ("clone", "master"):
            return parent
        parent = parent.getparent()
    return None


def find_node(root: etree._Element, uname: str) -> etree._Element:
    for node in root.iterfind("configuration/nodes/node"):
        if node.get("uname") == uname or node.get("id") == uname:
            return node
    raise CommandError(f"Could not map name={uname} to a UUID")


def nvpairs(elem: etree._Element, set_tag: str) -> list[etree._Element]:
    return [nv for s in elem.findall(set_tag) for nv in s.findall("nvpair")]


def get_attr(elem: etree._Element, set_tag: str, name: str) -> str | None:
    for nv in nvpairs(elem, set_tag):
        if nv.get("name") == name:
            return nv.get("value")
    return None


def set_attr(elem: etree._Element, set_tag: str, name: str, value: str,
             set_id: str) -> etree._Element:
    """Set ``name`` in the element's first set of that kind (made with ``set_id`` if there is
    none); returns the nvpair."""
    for nv in nvpairs(elem, set_tag):
        if nv.get("name") == name:
            nv.set("value", value)
            return nv
    attr_set = elem.find(set_tag)
    if attr_set is None:
        attr_set = etree.Element(set_tag, id=sanitize_id(set_id))
        children = [c for c in elem if isinstance(c.tag, str)]
        position = 0
        for index, child in enumerate(children):
            if child.tag in ("meta_attributes", "instance_attributes", "utilization",
                             "operations") or child.tag.endswith("_attributes"):
                position = index + 1
        if elem.tag in ("group", "clone", "master"):
            position = sum(1 for c in children if c.tag in ("meta_attributes",
                                                             "instance_attributes",
                                                             "utilization"))
        elem.insert(position, attr_set)
    nv = etree.SubElement(attr_set, "nvpair", id=sanitize_id(f"{attr_set.get('id')}-{name}"),
                          name=name, value=value)
    return nv


def delete_attr(elem: etree._Element, set_tag: str, name: str) -> list[str]:
    """Remove ``name`` from the element's sets; returns the ids removed."""
    removed = []
    for attr_set in elem.findall(set_tag):
        for nv in attr_set.findall("nvpair"):
            if nv.get("name") == name:
                removed.append(nv.get("id", ""))
                attr_set.remove(nv)
    return removed


def sub_resources(elem: etree._Element) -> list[etree._Element]:
    return [e for e in elem.iter() if e is not elem and e.tag in RESOURCE_TAGS]


def rsc_location(root: etree._Element, ident: str, rsc: str, node: str, score: str,
                 role: str | None = "Started") -> None:
    """Add (or replace) a ``cli-*`` location constraint as ``crm_resource`` writes it."""
    constraints = root.find("configuration/constraints")
    if constraints is None:
        raise CommandError("the CIB has no constraints section")
    for old in constraints.findall(f"rsc_location[@id='{ident}']"):
        constraints.remove(old)
    attrs = {"id": ident, "rsc": rsc}
    if role:
        attrs["role"] = role
    attrs.update(node=node, score=score)
    etree.SubElement(constraints, "rsc_location", attrs)


def clear_locations(root: etree._Element, rsc: str, node: str | None = None) -> list[str]:
    """Remove the ``cli-prefer-``/``cli-ban-`` constraints of a resource."""
    constraints = root.find("configuration/constraints")
    removed = []
    if constraints is None:
        return removed
    for loc in constraints.findall("rsc_location"):
        ident = loc.get("id", "")
        if loc.get("rsc") != rsc:
            continue
        if ident == f"cli-prefer-{rsc}" or (ident.startswith(f"cli-ban-{rsc}-on-")
                                             and (node is None or loc.get("node") == node)):
            constraints.remove(loc)
            removed.append(ident)
    return removed


@dataclass
class CibEdit:
    """Read the CIB once, change the tree, write it back all at once."""

    backend: Backend
    root: etree._Element = field(init=False)

    def __post_init__(self) -> None:
        from hacrm.cib.document import CibDocument
        from hacrm.cib.xmlio import parse_xml

        text = self.backend.read()
        self.root = parse_xml(text)
        self.base = CibDocument.from_xml(text).version

    def write(self) -> None:
        xml = etree.tostring(self.root, encoding="unicode")
        self.backend.replace_configuration(xml, self.base)
