"""Element ids, generated the way crmsh generates them.

Pacemaker requires an id on almost every element; users write only the top-level ones.  crmsh
derives the others from their parent's id: ``<rsc>-instance_attributes``, then
``<rsc>-instance_attributes-<name>`` for an nvpair, ``<rsc>-<op>-<interval>`` for an operation,
``<constraint>-rule``, ``<rule>-expression``, and appends ``-0``, ``-1``... when an id is taken.
When an element is redefined, ids are harvested from the old version for children that match
(same tag and key attributes), so that an edit changes only what changed.

:class:`IdRegistry` is the set of ids in use in one CIB; :func:`assign_ids` fills in the missing
ids of a new element.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from hacrm.cib import model as m
from hacrm.records import field, record

# The id suffix crmsh uses for each kind of child element.
SUBPREFIX = {
    "instance_attributes": "instance_attributes",
    "meta_attributes": "meta_attributes",
    "utilization": "utilization",
    "operations": "ops",
    "rule": "rule",
    "expression": "expression",
    "date_expression": "expression",
    "duration": "duration",
    "date_spec": "date_spec",
    "read": "read",
    "write": "write",
    "deny": "deny",
}
# Elements that never get a generated id.
IDLESS = frozenset({
    "operations", "fencing-topology", "network", "docker", "rkt", "podman", "storage",
    "select", "select_attributes", "select_fencing", "select_nodes", "select_resources",
})
# The prefix used when the top element itself has no id yet.
HINTS = {
    "node": "node", "primitive": "rsc", "template": "rsc", "master": "grp", "group": "grp",
    "clone": "grp", "rsc_location": "location", "fencing-topology": "fencing",
}
_DIGITS = re.compile(r"^\d+$")


@record
class IdRegistry:
    """The ids in use in one CIB configuration."""

    used: set[str] = field(default_factory=set)

    def __contains__(self, ident: str) -> bool:
        return ident in self.used

    def add(self, ident: str | None) -> None:
        if ident:
            self.used.add(ident)

    def discard(self, ident: str | None) -> None:
        if ident:
            self.used.discard(ident)

    def new(self, tag: str, prefix: str, name: str | None = None,
            interval: str | None = None) -> str:
        """A fresh id for a ``tag`` element under ``prefix``, registered as used."""
        if _DIGITS.match(prefix) and tag != "node":
            prefix = f"num-{prefix}"
        if tag == "nvpair":
            ident = f"{prefix}-{name}"
        elif tag == "op":
            ident = f"{prefix}-{name}-{interval}" if interval else f"{prefix}-{name}"
        else:
            sub = SUBPREFIX.get(tag, "")
            ident = f"{prefix}-{sub}" if sub else prefix
        if ident in self.used:
            for count in range(99):
                candidate = f"{ident}-{count}"
                if candidate not in self.used:
                    ident = candidate
                    break
        self.used.add(ident)
        return ident


# ---------------------------------------------------------------- the XML view of the model

@record
class _Node:
    """One model object seen as the XML element it stands for."""

    tag: str
    obj: Any
    keys: dict[str, str | None]

    def get_id(self) -> str | None:
        return getattr(self.obj, "id", None) if self.tag != "fencing-topology" else None

    def set_id(self, ident: str) -> None:
        self.obj.id = ident


_MATCH = {
    "node": ("uname",),
    "nvpair": ("name",),
    "op": ("name", "interval"),
    "rule": ("score", "score-attribute", "role"),
    "expression": ("attribute", "operation", "value"),
    "fencing-level": ("target", "devices"),
    "alert": ("path",),
    "recipient": ("value",),
}


def view(obj: Any) -> _Node | None:
    """The XML tag and matching keys of a model object (None for things without an id)."""
    if isinstance(obj, m.NvPair):
        return _Node("nvpair", obj, {"name": obj.name, "id-ref": obj.id_ref})
    if isinstance(obj, m.AttrSet):
        return _Node(obj.tag, obj, {"id-ref": obj.id_ref})
    if isinstance(obj, m.Rule):
        return _Node("rule", obj, {"score": obj.score, "score-attribute": obj.score_attribute,
                                   "role": obj.role, "id-ref": obj.id_ref})
    if isinstance(obj, m.Expression):
        return _Node("expression", obj, {"attribute": obj.attribute,
                                         "operation": obj.operation, "value": obj.value})
    if isinstance(obj, m.DateExpression):
        return _Node("date_expression", obj, {})
    if isinstance(obj, m.DateSpec):
        return _Node(obj.tag, obj, {})
    if isinstance(obj, m.Op):
        return _Node("op", obj, {"name": obj.name, "interval": obj.attrs.get("interval"),
                                 "id-ref": obj.id_ref})
    if isinstance(obj, m.Operations):
        return _Node("operations", obj, {"id-ref": obj.id_ref})
    if isinstance(obj, m.Primitive):
        return _Node("template" if obj.is_template else "primitive", obj, {})
    if isinstance(obj, m.Group):
        return _Node("group", obj, {})
    if isinstance(obj, m.Clone):
        return _Node(obj.tag, obj, {})
    if isinstance(obj, m.Bundle):
        return _Node("bundle", obj, {})
    if isinstance(obj, m.ResourceSet):
        return _Node("resource_set", obj, {"id-ref": obj.id_ref})
    if isinstance(obj, m.Location):
        return _Node("rsc_location", obj, {})
    if isinstance(obj, m.Colocation):
        return _Node("rsc_colocation", obj, {})
    if isinstance(obj, m.Order):
        return _Node("rsc_order", obj, {})
    if isinstance(obj, m.Ticket):
        return _Node("rsc_ticket", obj, {})
    if isinstance(obj, m.Node):
        return _Node("node", obj, {"uname": obj.uname})
    if isinstance(obj, m.FencingTopology):
        return _Node("fencing-topology", obj, {})
    if isinstance(obj, m.FencingLevel):
        return _Node("fencing-level", obj, {"target": obj.target, "devices": obj.devices})
    if isinstance(obj, m.Tag):
        return _Node("tag", obj, {})
    if isinstance(obj, m.AclRole):
        return _Node("acl_role", obj, {})
    if isinstance(obj, m.AclPermission):
        return _Node("acl_permission", obj, {})
    if isinstance(obj, m.AclTarget):
        return _Node(obj.tag, obj, {})
    if isinstance(obj, m.AclUser):
        return _Node("acl_user", obj, {})
    if isinstance(obj, m.Alert):
        return _Node("alert", obj, {"path": obj.path})
    if isinstance(obj, m.Recipient):
        return _Node("recipient", obj, {"value": obj.value})
    if isinstance(obj, m.AlertSelect):
        return _Node("select", obj, {})
    if isinstance(obj, m.SelectAttribute):
        return _Node("attribute", obj, {"name": obj.name})
    return None


_NO_CHILDREN: tuple[Any, ...] = ()
_CHILDREN: dict[type, Any] = {
    m.NvSet: lambda o: (o.attrs,),
    m.Primitive: lambda o: o.children,
    m.Operations: lambda o: o.ops,
    m.Op: lambda o: o.sets,
    m.AttrSet: lambda o: o.items,
    m.Rule: lambda o: o.items,
    m.DateExpression: lambda o: (o.spec,) if o.spec is not None else _NO_CHILDREN,
    m.Group: lambda o: o.sets + o.members,
    m.Clone: lambda o: o.sets + [o.child] if o.child is not None else o.sets,
    m.Bundle: lambda o: o.parts,
    m.Location: lambda o: o.sets + o.rules,
    m.Colocation: lambda o: o.sets,
    m.Order: lambda o: o.sets,
    m.Ticket: lambda o: o.sets,
    m.Node: lambda o: o.sets,
    m.FencingTopology: lambda o: o.levels,
    m.AclRole: lambda o: o.permissions,
    m.Alert: lambda o: o.children,
    m.AlertSelect: lambda o: o.attributes,
    m.Recipient: lambda o: o.sets,
}


def _none(obj: Any) -> tuple[Any, ...]:
    return _NO_CHILDREN


def children(obj: Any) -> list[Any] | tuple[Any, ...]:
    """The child objects of a model object, in XML order (do not modify the result)."""
    return _CHILDREN.get(type(obj), _none)(obj)


def walk_ids(obj: Any) -> Iterator[str]:
    """Every id inside a model object (including itself)."""
    node = view(obj)
    if node is not None:
        ident = node.get_id()
        if ident:
            yield ident
    for c in children(obj):
        yield from walk_ids(c)


def walk_ids_thin(obj: Any) -> Iterator[str]:
    """The ids of an element but not of resources nested in it (crmsh's 'thin' traversal)."""
    node = view(obj)
    if node is not None:
        ident = node.get_id()
        if ident:
            yield ident
    for c in children(obj):
        if isinstance(c, (m.Primitive, m.Group)):
            continue
        yield from walk_ids_thin(c)


def _lookup(node: _Node, old: Any, used: set[int]) -> Any:
    """The child of ``old`` that ``node`` replaces: same tag and key attributes (and id)."""
    if old is None:
        return None
    keys = _MATCH.get(node.tag, ())
    own_id = node.get_id()
    for c in children(old):
        if id(c) in used:
            continue
        cv = view(c)
        if cv is None or cv.tag != node.tag:
            continue
        if any(node.keys.get(k) != cv.keys.get(k) for k in keys):
            continue
        if own_id and cv.get_id() != own_id:
            continue
        return c
    return None


def assign_ids(element: Any, registry: IdRegistry, old: Any = None) -> None:
    """Give every element of ``element`` that needs one an id (crmsh's rules), reusing the ids
    of matching children of ``old`` (the previous version of the same element)."""
    used: set[int] = set()
    top = element.attrs if isinstance(element, m.NvSet) else element
    old_top = old.attrs if isinstance(old, m.NvSet) else old
    top_view = view(top)
    hint = HINTS.get(top_view.tag, "") if top_view is not None else ""
    _recurse(top, old_top, hint, registry, used, is_top=True)


def _recurse(obj: Any, old: Any, prefix: str, registry: IdRegistry, used: set[int],
             is_top: bool = False) -> None:
    node = view(obj)
    if node is None:
        return
    ref = old if is_top else _lookup(node, old, used)
    needs = node.tag not in ("resource_ref", "obj_ref") and not node.keys.get("id-ref")
    if needs and node.tag != "fencing-topology":
        current = node.get_id()
        old_id = view(ref).get_id() if ref is not None and view(ref) is not None else None
        uname = node.keys.get("uname") if node.tag == "node" else None
        new_id = current or old_id or uname
        if new_id:
            registry.add(new_id)
        elif node.tag not in IDLESS:
            new_id = registry.new(node.tag, prefix, name=node.keys.get("name"),
                                  interval=node.keys.get("interval"))
        if new_id:
            node.set_id(new_id)
            if ref is not None and old_id == new_id:
                used.add(id(ref))
    if node.tag == "node" and node.keys.get("uname"):
        prefix = node.keys["uname"] or prefix
    elif node.get_id():
        prefix = node.get_id() or prefix
    for c in children(obj):
        _recurse(c, ref if ref is not None else old, prefix, registry, used)
