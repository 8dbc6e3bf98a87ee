"""Node attributes: ``crm node attribute|utilization|status-attr|standby|online|maintenance|ready``.

Two writers, as in crmsh:

* ``crm_attribute``'s (``attribute``, ``utilization``, ``status-attr``, ``ready``): a permanent
  attribute lives in the node's entry of the nodes section, set ``nodes-<id>`` (utilization:
  ``nodes-<id>-utilization``), nvpair ``<set>-<name>``; a transient one in the status section,
  ``node_state/transient_attributes/instance_attributes`` ``status-<id>``.  An existing value
  is changed where it is, wherever it is in the node's sets.
* crmsh's own edits (``standby``, ``online``, ``maintenance``): ``standby`` sets ``standby=on``
  in the node's first attribute set (made with crmsh's ids, ``num-1-instance_attributes`` for
  node 1) or, with ``reboot``, among its transient attributes, removing the other lifetime's
  value; ``online`` turns both off; ``maintenance`` first offers to remove ``maintenance`` and
  ``is-managed`` meta attributes from resources, which would hide the node's value.

On the engine, transient attributes are the attribute manager's: each change also records an
``attribute`` call for the local API.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from hacrm.operations.changes import Change, EngineOp
from hacrm.operations.xmltree import (
    OperationError,
    all_ids,
    crmsh_set,
    crmsh_set_nvpair,
    drop_empty_sets,
    find_node,
)

Ask = Callable[[str], bool]
SCOPES = {"nodes": "instance_attributes", "utilization": "utilization", "status": "status"}


def _node(change: Change, name: str) -> tuple[etree._Element, str]:
    node = find_node(change.root, name)
    return node, node.get("id") or name


def _state(change: Change, node_id: str) -> etree._Element | None:
    status = change.root.find("status")
    if status is None:
        return None
    return next((s for s in status.iterfind("node_state") if s.get("id") == node_id), None)


def _matches(change: Change, scope: str, node: etree._Element, node_id: str,
             name: str) -> list[etree._Element]:
    if scope == "status":
        state = _state(change, node_id)
        if state is None:
            return []
        return [nv for t in state.iter("transient_attributes") for nv in t.iter("nvpair")
                if nv.get("name") == name]
    return [nv for s in node.iter(SCOPES[scope]) for nv in s.iter("nvpair")
            if nv.get("name") == name]


def _one(found: list[etree._Element], name: str) -> etree._Element | None:
    if len(found) > 1:
        values = "\n".join(f"  Value: {nv.get('value')} \t(id={nv.get('id')})" for nv in found)
        raise OperationError(f"Multiple attributes match name={name}\n{values}")
    return found[0] if found else None


def _engine_attr(change: Change, node_name: str, scope: str, name: str,
                 value: str | None) -> None:
    args: dict[str, object] = {"node": node_name, "name": name,
                               "lifetime": "reboot" if scope == "status" else "forever"}
    if scope == "utilization":
        args["set"] = "utilization"
    if value is None:
        args["delete"] = True
    else:
        args["value"] = value
    change.engine.append(EngineOp("attribute", args))


def set_attr(change: Change, node_name: str, scope: str, name: str, value: str) -> None:
    """``crm_attribute [-z] -t nodes|status -N NODE -n NAME -v VALUE``."""
    node, node_id = _node(change, node_name)
    existing = _one(_matches(change, scope, node, node_id, name), name)
    if existing is not None:
        existing.set("name", name)
        existing.set("value", value)
    elif scope == "status":
        status = change.root.find("status")
        if status is None:
            status = etree.SubElement(change.root, "status")
        state = _state(change, node_id)
        if state is None:
            state = etree.SubElement(status, "node_state", id=node_id)
        transient = next((t for t in state.iterfind("transient_attributes")
                          if t.get("id") == node_id), None)
        if transient is None:
            transient = etree.SubElement(state, "transient_attributes", id=node_id)
        _append(transient, "instance_attributes", f"status-{node_id}", name, value)
    else:
        set_id = f"nodes-{node_id}" + ("-utilization" if scope == "utilization" else "")
        _append(node, SCOPES[scope], set_id, name, value)
    change.wrote("status" if scope == "status" else "config")
    _engine_attr(change, node.get("uname") or node_name, scope, name, value)


def _append(parent: etree._Element, tag: str, set_id: str, name: str, value: str) -> None:
    attr_set = next((s for s in parent.iterfind(tag) if s.get("id") == set_id), None)
    if attr_set is None:
        attr_set = etree.SubElement(parent, tag, id=set_id)
    etree.SubElement(attr_set, "nvpair", id=_sanitise(f"{set_id}-{name}"), name=name,
                     value=value)


def _sanitise(ident: str) -> str:
    """crm_xml_sanitize_id: ``:`` and ``#`` (fail-count names) become ``.``."""
    return ident.replace(":", ".").replace("#", ".")


def delete_attr(change: Change, node_name: str, scope: str, name: str) -> None:
    """``crm_attribute -D``: remove the value (wherever it is); nothing to do is no error."""
    node, node_id = _node(change, node_name)
    existing = _one(_matches(change, scope, node, node_id, name), name)
    if existing is None:
        return
    existing.getparent().remove(existing)
    section = "status" if scope == "status" else "nodes"
    change.out(f"Deleted {section} attribute: id={existing.get('id')} name={name}")
    change.wrote("status" if scope == "status" else "config")
    _engine_attr(change, node.get("uname") or node_name, scope, name, None)


def show_attr(change: Change, node_name: str, scope: str, name: str) -> None:
    """``crm_attribute -G``: ``scope=nodes  name=NAME value=VALUE``."""
    node, node_id = _node(change, node_name)
    existing = _one(_matches(change, scope, node, node_id, name), name)
    label = "status" if scope == "status" else "nodes"
    if existing is None:
        raise OperationError("Error performing operation: No such device or address")
    change.out(f"scope={label}  name={name} value={existing.get('value')}")


# ---------------------------------------------------------------------- crmsh's own edits
def _standby_nvpair(change: Change, node_id: str, reboot: bool) -> list[etree._Element]:
    if reboot:
        state = _state(change, node_id)
        if state is None:
            return []
        return [nv for t in state.iterfind("transient_attributes")
                for s in t.iterfind("instance_attributes") for nv in s.iterfind("nvpair")
                if nv.get("name") == "standby"]
    node = next((n for n in change.root.iterfind("configuration/nodes/node")
                 if n.get("id") == node_id), None)
    if node is None:
        return []
    return [nv for s in node.iterfind("instance_attributes") for nv in s.iterfind("nvpair")
            if nv.get("name") == "standby"]


def _patched(change: Change) -> None:
    """crmsh's diff-and-patch of the whole CIB: one write, counted against the configuration
    when that changed (status sections change all the time and do not bump the epoch)."""
    from hacrm.operations.target import section_changed

    if section_changed(change, "configuration"):
        change.wrote("config")
    elif section_changed(change, "status"):
        change.wrote("status")


def standby(change: Change, names: list[str], lifetime: str) -> None:
    """crmsh's ``node standby``: ``standby=on`` with a lifetime of ``forever`` (nodes
    section) or ``reboot`` (status section), the other lifetime's value removed."""
    reboot = lifetime == "reboot"
    used = all_ids(change.root)
    items = (change.root.iterfind("status/node_state") if reboot
             else change.root.iterfind("configuration/nodes/node"))
    for item in list(items):
        if item.get("uname") not in names:
            continue
        node_id = item.get("id") or ""
        for nv in _standby_nvpair(change, node_id, not reboot):
            nv.getparent().remove(nv)
            if not reboot:
                change.engine.append(EngineOp("attribute", {
                    "node": item.get("uname"), "name": "standby", "delete": True,
                    "lifetime": "reboot"}))
        current = _standby_nvpair(change, node_id, reboot)
        if current and current[0].get("value") != "on":
            current[0].set("value", "on")
        else:
            holder = crmsh_set(item, "transient_attributes", used) if reboot else item
            crmsh_set_nvpair(crmsh_set(holder, "instance_attributes", used), "standby", "on",
                             used)
    _patched(change)
    for name in names:
        if reboot:
            change.engine.append(EngineOp("attribute", {"node": name, "name": "standby",
                                                        "value": "on",
                                                        "lifetime": "reboot"}))
        change.info(f"standby node {name}")


def online(change: Change, names: list[str]) -> None:
    """crmsh's ``node online``: every ``standby`` of the node (both lifetimes) set to off."""
    for name in names:
        node_id = _node(change, name)[1]
        for reboot in (False, True):
            found = _standby_nvpair(change, node_id, reboot)
            if found and found[0].get("value") != "off":
                found[0].set("value", "off")
                if reboot:
                    change.engine.append(EngineOp("attribute", {
                        "node": name, "name": "standby", "value": "off",
                        "lifetime": "reboot"}))
        change.info(f"online node {name}")
    _patched(change)


def maintenance(change: Change, name: str, ask: Ask) -> None:
    """crmsh's ``node maintenance``: ``maintenance=true`` on the node, after offering to
    remove the resources' own ``maintenance`` and ``is-managed`` meta attributes."""
    change.crmsh_edit()
    node, node_id = _node(change, name)
    other_prefer = {loc.get("id", "").removeprefix("cli-prefer-")
                    for loc in change.root.iterfind("configuration/constraints/rsc_location")
                    if loc.get("id", "").startswith("cli-prefer-") and loc.get("node") != name}
    resources = change.root.find("configuration/resources")
    # crmsh's order: primitives, then groups, then clones (each in the CIB's order)
    rank = {"primitive": 0, "group": 1, "clone": 2}
    objects = [] if resources is None else sorted(
        (r for r in resources.iter("primitive", "group", "clone")
         if r.get("id") not in other_prefer), key=lambda r: rank[r.tag])
    for rsc in objects:
        ident = rsc.get("id")
        exists = f"'maintenance' attribute already exists in {ident}. Remove it?"
        conflicts = f"'is-managed' conflicts with 'maintenance' in {ident}. Remove it?"
        questions = (("maintenance", exists), ("is-managed", conflicts))
        for meta in rsc.iterfind("meta_attributes"):
            for attr, question in questions:
                nv = next((n for n in meta.iterfind("nvpair") if n.get("name") == attr), None)
                if nv is not None and ask(question):
                    meta.remove(nv)
                    drop_empty_sets(rsc)
    conflicting = node.xpath("./instance_attributes/nvpair[@name='is-managed']")
    if conflicting and ask(f"'is-managed' conflicts with 'maintenance' in "
                           f"{node.get('uname')}. Remove it?"):
        for nv in conflicting:
            nv.getparent().remove(nv)
        drop_empty_sets(node)
    existing = node.xpath("./instance_attributes/nvpair[@name='maintenance']")
    if existing:
        for nv in existing:
            nv.set("value", "true")
    else:
        used = all_ids(change.root)
        sets = node.findall("instance_attributes")
        if not sets:
            sets = [etree.SubElement(node, "instance_attributes", id=f"nodes-{node_id}")]
            used.add(sets[0].get("id"))
        for attr_set in sets:
            crmsh_set_nvpair(attr_set, "maintenance", "true", used)
    change.wrote("config")
