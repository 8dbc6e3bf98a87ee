"""The controller's CIB operations: resource history and node attributes.

Everything the controller and the attribute manager change in the CIB goes through two
operations of the replicated CIB store (:mod:`hacrm.engine.cibstore` lists them with its own):

``status_patch`` (a status change: bumps ``num_updates``)
    An ordered list of changes to ``node_state`` elements, one ``<node id= uname=>`` per node::

        <status_patch>
          <node id="2" uname="node2">
            <state in_ccm="false" crmd="offline" join="down" expected="down"/>
            <lrm replace="true"> <lrm_resource .../> ... </lrm>   (the node's whole history)
            <lrm> <lrm_resource .../> </lrm>                      (one resource's, replaced)
            <lrm_delete id="rsc"/>          <lrm_clear/>
            <attr name="fail-count-rsc#monitor_10000" value="value++"/>
            <attr name="master-db"/>        (no value: delete)
            <attrs_delete prefix="fail-count-rsc#"/>    <attrs_clear/>
          </node>
          <node id="3" uname="node3"><forget/></node>      (the whole node_state goes)
        </status_patch>

``node_config_attrs`` (a configuration change: bumps ``epoch``)
    Permanent node attributes and utilization in the ``nodes`` section::

        <node_config id="2" uname="node2">
          <attr set="instance_attributes" name="standby" value="on"/>
          <attr set="utilization" name="cpu"/>      (no value: delete)
        </node_config>

Patches rather than whole elements: a patch computed before a membership update and applied
after it must not undo it (the membership code sets ``in_ccm`` and friends on the same
``node_state``).  Applying is deterministic on every node: the only thing evaluated at apply
time is an attribute's ``value++``/``value+=N``, against the value in the CIB being patched,
which is the same everywhere.  Element ids are Pacemaker's (``status-ID-NAME``,
``nodes-ID-NAME``), so Pacemaker's tools find what we write.

This module does not import the CIB store (the store imports it); a bad request raises
``ValueError``, which the store reports as a refused operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from hacrm import xmlsafe

INFINITY = 1000000
Mutation = Callable[[etree._Element], None]

_VALUE_EXPR = re.compile(r"^value(\+\+|\+=\s*(\S+))$")
_STATE_ATTRS = frozenset({"in_ccm", "crmd", "join", "expected", "crm-debug-origin"})
_ATTR_SETS = frozenset({"instance_attributes", "utilization"})


class PatchError(ValueError):
    """A patch that cannot be applied anywhere (malformed); nothing changes."""


def _parse(body: bytes, what: str) -> etree._Element:
    try:
        return xmlsafe.parse(body, what)
    except xmlsafe.XmlRefused as err:
        raise PatchError(str(err)) from None


# ---------------------------------------------------------------------------- values


def score_int(text: str | None) -> int:
    """A score as Pacemaker reads one (``INFINITY``, ``+INFINITY``, ``-INFINITY``, clamped)."""
    if text is None:
        return 0
    t = text.strip()
    if t in ("INFINITY", "+INFINITY"):
        return INFINITY
    if t == "-INFINITY":
        return -INFINITY
    m = re.match(r"^[+-]?\d+", t)
    if not m:
        return 0
    return max(-INFINITY, min(INFINITY, int(m.group(0))))


def score_text(value: int) -> str:
    if value >= INFINITY:
        return "INFINITY"
    if value <= -INFINITY:
        return "-INFINITY"
    return str(value)


def expand_value(expr: str, old: str | None) -> str:
    """``value++`` and ``value+=N`` against the old value, as Pacemaker's attribute manager
    expands them (scores: INFINITY saturates); anything else is the new value itself."""
    m = _VALUE_EXPR.match(expr)
    if not m:
        return expr
    step = 1 if m.group(1) == "++" else score_int(m.group(2))
    return score_text(score_int(old) + step)


# ---------------------------------------------------------------------------- status patches


def _child(parent: etree._Element, tag: str) -> etree._Element | None:
    for c in parent:
        if c.tag == tag:
            return c
    return None


def _ensure(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    el = _child(parent, tag)
    if el is None:
        el = etree.SubElement(parent, tag)
        for k, v in attrs.items():
            el.set(k, v)
    return el


def node_state(status: etree._Element, node_id: str, uname: str) -> etree._Element:
    """The ``node_state`` of a node (created with only its id and name when missing, as
    Pacemaker's attribute manager does for a node that was never seen)."""
    for s in status:
        if s.tag == "node_state" and s.get("id") == node_id:
            return s
    state = etree.SubElement(status, "node_state")
    state.set("id", node_id)
    state.set("uname", uname)
    return state


def _lrm_resources(state: etree._Element) -> etree._Element:
    lrm = _ensure(state, "lrm", id=state.get("id") or "")
    return _ensure(lrm, "lrm_resources")


def _transient_set(state: etree._Element, create: bool) -> etree._Element | None:
    nid = state.get("id") or ""
    ta = _child(state, "transient_attributes")
    if ta is None:
        if not create:
            return None
        ta = etree.SubElement(state, "transient_attributes", id=nid)
    ia = _child(ta, "instance_attributes")
    if ia is None:
        if not create:
            return None
        ia = etree.SubElement(ta, "instance_attributes", id=f"status-{nid}")
    return ia


def set_transient(state: etree._Element, name: str, value: str | None) -> None:
    """Set (``value`` may be ``value++``) or delete (None) one transient attribute."""
    ia = _transient_set(state, value is not None)
    if ia is None:
        return
    found = [nv for nv in ia if nv.tag == "nvpair" and nv.get("name") == name]
    if value is None:
        for nv in found:
            ia.remove(nv)
        return
    new = expand_value(value, found[0].get("value") if found else None)
    if found:
        found[0].set("value", new)
        for extra in found[1:]:
            ia.remove(extra)
    else:
        etree.SubElement(ia, "nvpair", id=f"status-{state.get('id')}-{name}", name=name,
                         value=new)


def _check_node(el: etree._Element) -> tuple[str, str]:
    nid, uname = el.get("id"), el.get("uname")
    if not nid or not uname:
        raise PatchError("every <node> of a status patch needs an id and a uname")
    return nid, uname


def _check_status_patch(root: etree._Element) -> None:
    if root.tag != "status_patch":
        raise PatchError(f"a status patch is a <status_patch>, not <{root.tag}>")
    for node in root:
        if node.tag != "node":
            raise PatchError(f"unexpected <{node.tag}> in a status patch")
        _check_node(node)
        for change in node:
            tag = change.tag
            if tag == "state":
                bad = set(change.attrib) - _STATE_ATTRS
                if bad:
                    raise PatchError(f"node_state attribute(s) {', '.join(sorted(bad))} "
                                     "cannot be patched")
            elif tag == "lrm":
                for rsc in change:
                    if rsc.tag != "lrm_resource" or not rsc.get("id"):
                        raise PatchError("<lrm> holds lrm_resource elements with an id")
            elif tag in ("lrm_delete",):
                if not change.get("id"):
                    raise PatchError("<lrm_delete> needs the resource id")
            elif tag == "attr":
                if not change.get("name"):
                    raise PatchError("<attr> needs a name")
            elif tag == "attrs_delete":
                if not change.get("prefix"):
                    raise PatchError("<attrs_delete> needs a prefix")
            elif tag not in ("lrm_clear", "attrs_clear", "forget"):
                raise PatchError(f"unknown status change <{tag}>")


def apply_status_patch(root: etree._Element, patch: etree._Element) -> None:
    """Apply a checked ``<status_patch>`` to a whole CIB (``root`` is ``<cib>``)."""
    status = root.find("status")
    if status is None:
        status = etree.SubElement(root, "status")
    for node in patch:
        nid, uname = _check_node(node)
        if any(c.tag == "forget" for c in node):
            for s in [s for s in status if s.tag == "node_state" and s.get("id") == nid]:
                status.remove(s)
            continue
        state = node_state(status, nid, uname)
        for change in node:
            tag = change.tag
            if tag == "state":
                for k, v in change.attrib.items():
                    state.set(k, v)
            elif tag == "lrm":
                resources = _lrm_resources(state)
                if change.get("replace") in ("true", "1"):
                    for old in list(resources):
                        resources.remove(old)
                for rsc in change:
                    new = _copy(rsc)
                    old = [r for r in resources if r.tag == "lrm_resource"
                           and r.get("id") == new.get("id")]
                    if old:
                        resources.replace(old[0], new)
                        for extra in old[1:]:
                            resources.remove(extra)
                    else:
                        resources.append(new)
            elif tag == "lrm_delete":
                lrm = _child(state, "lrm")
                resources = _child(lrm, "lrm_resources") if lrm is not None else None
                if resources is not None:
                    for r in [r for r in resources if r.get("id") == change.get("id")]:
                        resources.remove(r)
            elif tag == "lrm_clear":
                for lrm in [c for c in state if c.tag == "lrm"]:
                    state.remove(lrm)
            elif tag == "attr":
                set_transient(state, change.get("name"), change.get("value"))
            elif tag == "attrs_delete":
                ia = _transient_set(state, False)
                if ia is not None:
                    prefix = change.get("prefix")
                    for nv in [nv for nv in ia if (nv.get("name") or "").startswith(prefix)]:
                        ia.remove(nv)
            elif tag == "attrs_clear":
                for ta in [c for c in state if c.tag == "transient_attributes"]:
                    state.remove(ta)


def _copy(el: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(el))


def _status_patch(args: dict[str, Any], body: bytes) -> Mutation:
    patch = _parse(body, "the status patch")
    _check_status_patch(patch)

    def mutate(root: etree._Element) -> None:
        apply_status_patch(root, patch)
    return mutate


# ---------------------------------------------------------------------------- configuration


def _node_config_attrs(args: dict[str, Any], body: bytes) -> Mutation:
    patch = _parse(body, "the node attribute change")
    if patch.tag != "node_config":
        raise PatchError(f"a node attribute change is a <node_config>, not <{patch.tag}>")
    nid, uname = _check_node(patch)
    for change in patch:
        if change.tag != "attr" or not change.get("name"):
            raise PatchError("<node_config> holds <attr name=...> elements")
        if change.get("set", "instance_attributes") not in _ATTR_SETS:
            raise PatchError(f"unknown attribute set {change.get('set')!r} "
                             "(instance_attributes or utilization)")

    def mutate(root: etree._Element) -> None:
        conf = root.find("configuration")
        assert conf is not None
        nodes = nodes_section(conf)
        node = next((n for n in nodes if n.tag == "node" and n.get("id") == nid), None)
        if node is None:
            node = next((n for n in nodes if n.tag == "node" and n.get("uname") == uname),
                        None)
        if node is None:
            node = etree.SubElement(nodes, "node", id=nid, uname=uname)
        for change in patch:
            set_permanent(node, change.get("set", "instance_attributes"), change.get("name"),
                          change.get("value"))
    return mutate


def nodes_section(conf: etree._Element) -> etree._Element:
    """The ``<nodes>`` section of a ``<configuration>``, made where the schema wants it (right
    after ``<crm_config>``) when the CIB has none yet."""
    nodes = conf.find("nodes")
    if nodes is None:
        nodes = etree.Element("nodes")
        crm_config = conf.find("crm_config")
        if crm_config is not None:
            crm_config.addnext(nodes)
        else:
            conf.insert(0, nodes)
    return nodes


def set_permanent(node: etree._Element, set_tag: str, name: str, value: str | None) -> None:
    """Set or delete (None) a node attribute in the node's first set of that kind (ids as
    crmsh and crm_attribute make them: ``nodes-ID``, ``nodes-ID-NAME``)."""
    nid = node.get("id") or node.get("uname") or ""
    suffix = "-utilization" if set_tag == "utilization" else ""
    sets = [s for s in node if s.tag == set_tag]
    found = [nv for s in sets for nv in s if nv.tag == "nvpair" and nv.get("name") == name]
    if value is None:
        for nv in found:
            nv.getparent().remove(nv)
        return
    if found:
        found[0].set("value", expand_value(value, found[0].get("value")))
        for extra in found[1:]:
            extra.getparent().remove(extra)
        return
    target = sets[0] if sets else etree.SubElement(node, set_tag, id=f"nodes-{nid}{suffix}")
    etree.SubElement(target, "nvpair", id=f"nodes-{nid}{suffix}-{name}", name=name,
                     value=expand_value(value, None))


#: name -> (kind, prepare); :mod:`hacrm.engine.cibstore` turns these into its operations
OPERATIONS: dict[str, tuple[str, Callable[[dict[str, Any], bytes], Mutation]]] = {
    "status_patch": ("status", _status_patch),
    "node_config_attrs": ("config", _node_config_attrs),
}


# ---------------------------------------------------------------------------- building


class StatusPatch:
    """Builds a ``<status_patch>`` body change by change (the order is kept)."""

    def __init__(self) -> None:
        self.root = etree.Element("status_patch")
        self._nodes: dict[str, etree._Element] = {}

    def __bool__(self) -> bool:
        return len(self.root) > 0

    def node(self, node_id: str, uname: str) -> etree._Element:
        el = self._nodes.get(node_id)
        if el is None or el is not self.root[-1]:
            el = etree.SubElement(self.root, "node", id=node_id, uname=uname)
            self._nodes[node_id] = el
        return el

    def state(self, node_id: str, uname: str, attrs: dict[str, str]) -> StatusPatch:
        etree.SubElement(self.node(node_id, uname), "state", attrs)
        return self

    def lrm(self, node_id: str, uname: str, resources: list[etree._Element],
            replace: bool = False) -> StatusPatch:
        el = etree.SubElement(self.node(node_id, uname), "lrm")
        if replace:
            el.set("replace", "true")
        for r in resources:
            el.append(_copy(r))
        return self

    def lrm_delete(self, node_id: str, uname: str, rsc_id: str) -> StatusPatch:
        etree.SubElement(self.node(node_id, uname), "lrm_delete", id=rsc_id)
        return self

    def lrm_clear(self, node_id: str, uname: str) -> StatusPatch:
        etree.SubElement(self.node(node_id, uname), "lrm_clear")
        return self

    def attr(self, node_id: str, uname: str, name: str, value: str | None) -> StatusPatch:
        el = etree.SubElement(self.node(node_id, uname), "attr", name=name)
        if value is not None:
            el.set("value", value)
        return self

    def attrs_delete(self, node_id: str, uname: str, prefix: str) -> StatusPatch:
        etree.SubElement(self.node(node_id, uname), "attrs_delete", prefix=prefix)
        return self

    def attrs_clear(self, node_id: str, uname: str) -> StatusPatch:
        etree.SubElement(self.node(node_id, uname), "attrs_clear")
        return self

    def forget(self, node_id: str, uname: str) -> StatusPatch:
        """Remove the node's whole ``node_state`` (a node deleted from the cluster)."""
        etree.SubElement(self.node(node_id, uname), "forget")
        return self

    def extend(self, other: StatusPatch) -> StatusPatch:
        for node in list(other.root):
            self.root.append(node)
        self._nodes = {}
        return self

    def body(self) -> bytes:
        return etree.tostring(self.root)


def node_config_body(node_id: str, uname: str,
                     changes: list[tuple[str, str, str | None]]) -> bytes:
    """The body of a ``node_config_attrs`` change: (set, name, value or None) triples."""
    root = etree.Element("node_config", id=node_id, uname=uname)
    for set_tag, name, value in changes:
        el = etree.SubElement(root, "attr", set=set_tag, name=name)
        if value is not None:
            el.set("value", value)
    return etree.tostring(root)
