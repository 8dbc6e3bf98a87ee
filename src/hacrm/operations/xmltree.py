"""Finding things in a CIB tree, and the id and ordering rules of the tools we mimic.

Two families of tools write the CIB in different styles, and the result must be the same as
theirs to the last id:

* Pacemaker's tools (``crm_resource``, ``crm_attribute``) send small fragments that the CIB
  merges in place: a new attribute set is appended at the end of its element, ids are
  ``<rsc>-meta_attributes-<name>``, ``nodes-<id>-<name>``, ``status-<id>-<name>``.
* crmsh's own edits (``resource start``/``stop``, ``node standby``...) change its in-memory copy
  and commit the difference.  Its ids come from ``<parent-id>-<suffix>`` (``num-`` before an id
  that is only digits), and because it reads the CIB into a normalised form, every commit also
  moves the attribute sets of groups and clones before their members and drops
  ``type="string"`` from rule expressions anywhere in the configuration
  (:func:`crmsh_normalise`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")
CONTAINER_TAGS = ("group", "clone", "master", "bundle")
ATTR_SETS = ("meta_attributes", "instance_attributes", "utilization")
_DIGITS = re.compile(r"^\d+$")


class OperationError(Exception):
    """A command cannot be carried out; the message is for the user (nothing was changed)."""


def configuration(root: etree._Element) -> etree._Element:
    conf = root.find("configuration")
    if conf is None:
        raise OperationError("the CIB has no configuration section")
    return conf


def section(root: etree._Element, name: str) -> etree._Element:
    """``configuration/<name>`` (resources, constraints, nodes...), created when missing."""
    conf = configuration(root)
    found = conf.find(name)
    if found is None:
        found = etree.SubElement(conf, name)
    return found


def find_resource(root: etree._Element, rsc_id: str) -> etree._Element:
    """The resource element called ``rsc_id`` (any depth), or an error crm_resource's way."""
    resources = root.find("configuration/resources")
    if resources is not None:
        for elem in resources.iter(*RESOURCE_TAGS):
            if elem.get("id") == rsc_id:
                return elem
    raise OperationError(f"Resource '{rsc_id}' not found")


def resource_ids(root: etree._Element) -> list[str]:
    resources = root.find("configuration/resources")
    if resources is None:
        return []
    return [e.get("id", "") for e in resources.iter(*RESOURCE_TAGS)]


def is_clone(elem: etree._Element) -> bool:
    return elem.tag in ("clone", "master")


def is_promotable(elem: etree._Element) -> bool:
    """A ``master`` or a clone with ``promotable=true`` among its meta attributes."""
    if elem.tag == "master":
        return True
    if elem.tag != "clone":
        return False
    for nv in elem.iterfind("meta_attributes/nvpair[@name='promotable']"):
        return (nv.get("value") or "").lower() in ("true", "yes", "on", "1", "y")
    return False


def parent_resource(elem: etree._Element) -> etree._Element | None:
    parent = elem.getparent()
    return parent if parent is not None and parent.tag in CONTAINER_TAGS else None


def top_resource(elem: etree._Element) -> etree._Element:
    """The outermost resource containing ``elem`` (crmsh's and Pacemaker's uber-parent)."""
    while (parent := parent_resource(elem)) is not None:
        elem = parent
    return elem


def find_node(root: etree._Element, name: str) -> etree._Element:
    """The ``<node>`` of the nodes section with that name (or id)."""
    nodes = root.find("configuration/nodes")
    if nodes is not None:
        for node in nodes.iterfind("node"):
            if node.get("uname") == name:
                return node
        for node in nodes.iterfind("node"):
            if node.get("id") == name:
                return node
    raise OperationError(f"Could not map name={name} to a UUID")


def node_names(root: etree._Element) -> list[str]:
    names = []
    for node in root.iterfind("configuration/nodes/node"):
        name = node.get("uname") or node.get("id") or ""
        if name and name not in names:
            names.append(name)
    for state in root.iterfind("status/node_state"):
        name = state.get("uname") or ""
        if name and name not in names:
            names.append(name)
    return names


def node_state(root: etree._Element, node_id: str) -> etree._Element | None:
    for state in root.iterfind("status/node_state"):
        if state.get("id") == node_id:
            return state
    return None


def all_ids(root: etree._Element) -> set[str]:
    return {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}


def crmsh_id(elem: etree._Element, prefix: str, used: set[str]) -> str:
    """The id crmsh gives a new element under a parent whose id is ``prefix``.

    ``<prefix>-<name>`` for an nvpair, ``<prefix>-<name>-<interval>`` for an op, the parent's
    id and the element kind (``-meta_attributes``) for sets; ``num-`` before an all-digit
    prefix; ``-0``, ``-1``... when the id is taken.
    """
    if _DIGITS.match(prefix) and elem.tag != "node":
        prefix = f"num-{prefix}"
    name = elem.get("name")
    if elem.tag == "nvpair":
        ident = f"{prefix}-{name}"
    elif elem.tag == "op":
        interval = elem.get("interval")
        ident = f"{prefix}-{name}-{interval}" if interval else f"{prefix}-{name}"
    elif elem.tag in ATTR_SETS:
        ident = f"{prefix}-{elem.tag}"
    else:
        ident = prefix
    if ident in used:
        for count in range(99):
            candidate = f"{ident}-{count}"
            if candidate not in used:
                ident = candidate
                break
    used.add(ident)
    return ident


def crmsh_set(elem: etree._Element, tag: str, used: set[str]) -> etree._Element:
    """The element's first attribute set of that kind, appended (crmsh's way) when missing."""
    found = elem.find(tag)
    if found is not None:
        return found
    new = etree.SubElement(elem, tag, id="")
    new.set("id", crmsh_id(new, elem.get("id", ""), used))
    return new


def crmsh_set_nvpair(attr_set: etree._Element, name: str, value: str, used: set[str]) -> None:
    """Set ``name`` in one set: change the value in place or append ``id name value``."""
    for nv in attr_set.iterfind("nvpair"):
        if nv.get("name") == name:
            nv.set("name", name)
            nv.set("value", value)
            return
    nv = etree.SubElement(attr_set, "nvpair", id="", name=name, value=value)
    nv.set("id", crmsh_id(nv, attr_set.get("id", ""), used))


def drop_empty_sets(elem: etree._Element) -> None:
    """crmsh removes attribute sets it emptied (``xml_processnodes(is_emptynvpairs)``)."""
    for child in list(elem.iter(*ATTR_SETS)):
        if len([c for c in child if isinstance(c.tag, str)]) == 0 and child.getparent() is not None:
            child.getparent().remove(child)


def crmsh_normalise(root: etree._Element) -> None:
    """What every crmsh commit does to the whole configuration (see the module docstring)."""
    conf = configuration(root)
    for container in list(conf.iter(*CONTAINER_TAGS)):
        members = [c for c in container if c.tag in ("group", "primitive")]
        for member in members:
            container.remove(member)
        for member in members:
            container.append(member)
    for expr in conf.iter("expression"):
        if expr.get("type") == "string":
            del expr.attrib["type"]


def nvpairs(elem: etree._Element, set_tag: str) -> Iterable[etree._Element]:
    for attr_set in elem.findall(set_tag):
        yield from attr_set.findall("nvpair")
