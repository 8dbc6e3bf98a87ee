"""``resource start|stop|manage|unmanage|maintenance``: crmsh's own meta attribute edit.

crmsh does not hand these to ``crm_resource``; it edits its copy of the CIB and commits it, with
rules of its own that an operator relies on:

* the attribute goes on the outermost resource (a cloned group is stopped as a whole) except
  for a primitive inside a group, which is stopped alone;
* on a clone, the same attribute is removed from the clone's direct members;
* on a group (or a cloned group), members that have their own value are offered to be
  cleared ("Do you want to override 'target-role' for child resource p2?"), as the
  ``manage-children`` preference says: ``ask`` (the default), ``always`` (cleared without a
  question) or ``never`` (left alone);
* ``maintenance`` and ``is-managed`` contradict each other: setting one offers to remove the
  other, on the members and on the resource itself;
* the value is set in every meta attribute set of the resource that has it, else in all of its
  meta sets (a new ``<rsc>-meta_attributes`` when there is none).

Resource names may be glob patterns or tags, as in crmsh.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from lxml import etree

from hacrm.operations.changes import Change
from hacrm.operations.xmltree import (
    ATTR_SETS,
    RESOURCE_TAGS,
    OperationError,
    all_ids,
    crmsh_set,
    crmsh_set_nvpair,
    is_clone,
)

Ask = Callable[[str], bool]
_CONFLICTS = {"maintenance": "is-managed", "is-managed": "maintenance"}


def resolve(root: etree._Element, pattern: str) -> list[etree._Element]:
    """The resources a name stands for: itself, a glob, or the members of a tag."""
    conf = root.find("configuration")
    if conf is None:
        return []
    found: list[etree._Element] = []
    for elem in conf.iter(*RESOURCE_TAGS, "tag"):
        ident = elem.get("id")
        if not ident or not fnmatch.fnmatch(ident, pattern):
            continue
        if elem.tag == "tag":
            for ref in elem.iterfind("obj_ref"):
                for target in resolve(root, ref.get("id", "")):
                    if target not in found:
                        found.append(target)
        elif elem not in found:
            found.append(elem)
    return found


def _collect(elem: etree._Element, name: str, out: list[etree._Element],
             force_children: bool = False) -> None:
    """crmsh's rm_meta_attribute: ``name`` in the element's meta sets, and in its members'
    (all the way down when ``force_children``, else not below a group)."""
    for child in elem.iterchildren():
        if child.tag == "meta_attributes":
            nv = next((n for n in child.iterchildren("nvpair") if n.get("name") == name), None)
            if nv is not None:
                out.append(nv)
        elif force_children or (child.tag in ("group", "primitive") and elem.tag != "group"):
            _collect(child, name, out, force_children)


def _primitives_with(elem: etree._Element, name: str) -> list[etree._Element]:
    return [p for p in elem.iter("primitive")
            if any(nv.get("name") == name for s in p.iterchildren("meta_attributes")
                   for nv in s.iterchildren("nvpair"))]


def _is_empty_set(elem: etree._Element) -> bool:
    return elem.tag in ATTR_SETS and not elem.get("id-ref") and len(elem) == 0


def _drop_empty(elem: etree._Element) -> None:
    for child in list(elem.iterchildren()):
        if len(child) > 0:
            _drop_empty(child)
    for child in [c for c in elem.iterchildren() if _is_empty_set(c)]:
        elem.remove(child)


def _remove(nvpairs: list[etree._Element]) -> None:
    for nv in {id(n): n for n in nvpairs}.values():
        if nv.getparent() is not None:
            nv.getparent().remove(nv)


def set_on(target: etree._Element, name: str, value: str, ask: Ask, used: set[str],
           children: str = "ask") -> None:
    """crmsh's set_deep_meta_attr_node on one (outermost) resource element; ``children`` is
    the manage-children preference."""
    doomed: list[etree._Element] = []
    conflicting = _CONFLICTS.get(name)
    if is_clone(target):
        for child in target.iterchildren("group", "primitive"):
            _collect(child, name, doomed)
    first = next((c for c in target.iterchildren(*RESOURCE_TAGS)), None)
    if children != "never" and (target.tag == "group" or (
            is_clone(target) and first is not None and first.tag == "group")):
        decide = ask if children == "ask" else (lambda question: True)
        if conflicting:
            for child in _primitives_with(target, conflicting):
                if decide(f"'{name}' conflicts with '{conflicting}' attribute. Remove "
                          f"'{conflicting}' for child resource {child.get('id')}?"):
                    _collect(child, conflicting, doomed, force_children=True)
        for child in _primitives_with(target, name):
            if decide(f"Do you want to override '{name}' for child resource "
                      f"{child.get('id')}?"):
                _collect(child, name, doomed, force_children=True)
    _remove(doomed)
    if conflicting:
        own = target.xpath(f"./meta_attributes/nvpair[@name='{conflicting}']")
        if own and ask(f"'{name}' conflicts with '{conflicting}' attribute. Remove "
                       f"'{conflicting}' for resource {target.get('id')}?"):
            _remove(own)
    _drop_empty(target)
    existing = target.xpath(f"./meta_attributes/nvpair[@name='{name}']")
    if existing:
        for nv in existing:
            nv.set("value", value)
        return
    sets = list(target.iterchildren("meta_attributes")) or [crmsh_set(target, "meta_attributes",
                                                                      used)]
    for attr_set in sets:
        crmsh_set_nvpair(attr_set, name, value, used)


def set_deep_meta(change: Change, resources: tuple[str, ...] | list[str], name: str,
                  value: str, ask: Ask, children: str = "ask") -> None:
    """Set ``name=value`` on each named resource the way crmsh does (see the docstring)."""
    if not resources:
        raise OperationError("Expected at least one resource as argument")
    change.crmsh_edit()
    used = all_ids(change.root)
    for pattern in resources:
        targets = resolve(change.root, pattern)
        if not targets:
            raise OperationError(f"Resource not found: {pattern}")
        for elem in targets:
            if not (elem.tag == "primitive" and elem.getparent() is not None
                    and elem.getparent().tag == "group"):
                while elem.getparent() is not None and elem.getparent().tag in (
                        "group", "clone", "master", "bundle"):
                    elem = elem.getparent()
            set_on(elem, name, value, ask, used, children)
    change.wrote("config")
