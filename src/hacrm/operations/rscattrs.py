"""``crm resource meta|param|utilization RSC set|delete|show NAME``: ``crm_resource``'s rules.

Where an attribute goes is not always the resource named:

* a meta attribute of a cloned resource goes to the clone, unless the resource itself already
  has it ("Performing update of 'x' on 'c1', the parent of 'p4'");
* a meta attribute of a clone goes to its primitive when that already has it;
* a meta attribute of a group also changes the members that have their own value of it (they
  would otherwise hide the group's);
* a parameter is refused when the resource's top-level parent has a meta attribute of the
  same name (a classic mistake: ``target-role`` given as a parameter).

A new value goes into the set ``<rsc>-<kind>`` (made at the end of the resource when missing),
as ``<nvpair id="<set>-<name>" name= value=>``; an existing one is changed where it is.
"""

from __future__ import annotations

from lxml import etree

from hacrm.operations.changes import Change
from hacrm.operations.xmltree import (
    OperationError,
    find_resource,
    is_clone,
    parent_resource,
    top_resource,
)

KINDS = {"meta": "meta_attributes", "param": "instance_attributes",
         "utilization": "utilization"}


def _matches(elem: etree._Element, set_tag: str, name: str) -> list[etree._Element]:
    """crm_resource's lookup: nvpairs called ``name`` anywhere under the element's sets of
    that kind."""
    return [nv for s in elem.findall(set_tag) for nv in s.iter("nvpair")
            if nv.get("name") == name]


def _find(elem: etree._Element, set_tag: str, name: str) -> etree._Element | None:
    found = _matches(elem, set_tag, name)
    if len(found) > 1:
        values = "\n".join(f"  Value: {nv.get('value')} \t(id={nv.get('id')})" for nv in found)
        raise OperationError(f"Multiple attributes match name={name}\n{values}")
    return found[0] if found else None


def _first_member(elem: etree._Element) -> etree._Element | None:
    for child in elem:
        if child.tag in ("primitive", "group"):
            return child
    return None


def _targets(rsc: etree._Element, set_tag: str, name: str, action: str,
             change: Change) -> list[etree._Element]:
    """find_matching_attr_resources: which resources a meta attribute change applies to."""
    parent = parent_resource(rsc)
    if parent is not None and is_clone(parent):
        if _find(rsc, set_tag, name) is None:
            change.out(f"Performing {action} of '{name}' on '{parent.get('id')}', the parent "
                       f"of '{rsc.get('id')}'")
            return [parent]
        return [rsc]
    if parent is None and is_clone(rsc):
        child = _first_member(rsc)
        if child is not None and child.tag == "primitive" and _find(child, set_tag, name) \
                is not None:
            change.out(f"A value for '{name}' already exists in child '{child.get('id')}', "
                       f"performing {action} on that instead of '{rsc.get('id')}'")
            return [child]
        return [rsc]
    found: list[etree._Element] = []

    def visit(elem: etree._Element, depth: int) -> None:
        for child in elem:
            if child.tag in ("primitive", "group", "clone", "master"):
                visit(child, depth + 1)
                if is_clone(elem):
                    break
        if depth == 0 or _find(elem, set_tag, name) is not None:
            found.append(elem)

    visit(rsc, 0)
    return found


def set_attribute(change: Change, rsc_id: str, kind: str, name: str, value: str,
                  force: bool = False) -> None:
    set_tag = KINDS[kind]
    rsc = find_resource(change.root, rsc_id)
    if set_tag == "instance_attributes":
        top = top_resource(rsc)
        if not force:
            clash = _find(top, "meta_attributes", name)
            if clash is not None:
                raise OperationError(
                    f"WARNING: There is already a meta attribute for '{top.get('id')}' called "
                    f"'{name}' (id={clash.get('id')})\n         Delete '{clash.get('id')}' "
                    "first or use the force option to override")
        targets = [rsc]
    elif force:
        targets = [rsc]
    else:
        targets = _targets(rsc, set_tag, name, "update", change)
    for elem in targets:
        ident = elem.get("id")
        existing = _find(elem, set_tag, name)
        if existing is not None:
            existing.set("name", name)
            existing.set("value", value)
            change.out(f"Set '{ident}' option: id={existing.get('id')} name={name} "
                       f"value={value}")
        else:
            set_id = f"{ident}-{set_tag}"
            attr_set = next((s for s in elem.findall(set_tag) if s.get("id") == set_id), None)
            if attr_set is None:
                attr_set = etree.SubElement(elem, set_tag, id=set_id)
            nv_id = f"{set_id}-{name}"
            etree.SubElement(attr_set, "nvpair", id=nv_id, name=name, value=value)
            change.out(f"Set '{ident}' option: id={nv_id} set={set_id} name={name} "
                       f"value={value}")
        change.wrote("config")


def delete_attribute(change: Change, rsc_id: str, kind: str, name: str,
                     force: bool = False) -> None:
    set_tag = KINDS[kind]
    rsc = find_resource(change.root, rsc_id)
    if set_tag == "meta_attributes" and not force:
        targets = _targets(rsc, set_tag, name, "delete", change)
    else:
        targets = [rsc]
    for elem in targets:
        existing = _find(elem, set_tag, name)
        if existing is None:
            continue
        existing.getparent().remove(existing)
        change.out(f"Deleted '{elem.get('id')}' option: id={existing.get('id')} name={name}")
        change.wrote("config")


def _own_values(elem: etree._Element, set_tag: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for attr_set in elem.findall(set_tag):
        for nv in attr_set.iter("nvpair"):
            if nv.get("name") is not None and nv.get("name") not in values:
                values[nv.get("name")] = nv.get("value", "")
    return values


def _effective_meta(elem: etree._Element, root: etree._Element) -> dict[str, str]:
    """What the scheduler takes as the resource's meta attributes: the element's own XML
    attributes and meta sets, then its parent's, then ``rsc_defaults``."""
    values = {k: v for k, v in elem.attrib.items()}
    for key, value in _own_values(elem, "meta_attributes").items():
        values.setdefault(key, value)
    parent = parent_resource(elem)
    if parent is not None:
        for key, value in _effective_meta(parent, root).items():
            values.setdefault(key, value)
    defaults = root.find("configuration/rsc_defaults")
    if defaults is not None:
        for key, value in _own_values(defaults, "meta_attributes").items():
            values.setdefault(key, value)
    return values


def show_attribute(change: Change, rsc_id: str, kind: str, name: str) -> None:
    set_tag = KINDS[kind]
    rsc = find_resource(change.root, rsc_id)
    if set_tag == "meta_attributes":
        values = _effective_meta(rsc, change.root)
    else:
        values = _own_values(rsc, set_tag)
    if name in values:
        change.out(values[name])
    else:
        change.output.append(("err", f"Attribute '{name}' not found for '{rsc_id}'"))
