"""Can an element be shown as crm text without losing anything?

crmsh decides this by printing an element, parsing the text back and comparing the XML; when
they differ the element is shown (and edited) as ``xml <...>``.  The same answer comes from
looking for what the language has no words for: elements kept raw, attributes kept in
``extra``, rules nested in rules, a second ``operations`` list, resource-set attributes other
than sequential/require-all/role/action.  Checking the structure is much cheaper than a round
trip, which matters with thousands of elements.
"""

from __future__ import annotations

from typing import Any

from hacrm.cib import model as m
from hacrm.cib.ids import children


def _recipient_swallows_select(alert: m.Alert) -> bool:
    """``to r meta a=1 select nodes``: without braces, the words after a recipient's
    attributes are read as more attributes; crmsh prints braces only when a plain
    attribute set follows a recipient, so a later ``select`` would not read back."""
    kids = [c for c in alert.children if isinstance(c, (m.Recipient, m.AttrSet))]
    first = next((i for i, c in enumerate(kids) if isinstance(c, m.Recipient)), None)
    braced = first is not None and any(isinstance(c, m.AttrSet) for c in kids[first + 1:])
    if braced:
        return False
    pending = False
    for c in alert.children:
        if isinstance(c, m.Recipient):
            pending = bool(c.sets)
        elif isinstance(c, m.AlertSelect) and pending:
            return True
    return False


def _all(items: Any) -> bool:
    for c in items:
        if not is_textable(c):
            return False
    return True


def _comments_ok(obj: Any) -> bool:
    # a comment over several lines is no crm comment line
    return not any("\n" in c for c in obj.comments)


def _nvpair(obj: m.NvPair) -> bool:
    return not (obj.id_ref and obj.value is not None)


def _expression(obj: m.Expression) -> bool:
    # a literal value-source is shown as a plain value, which reads back without it
    return not obj.extra and not (obj.value_source == "literal" and obj.value)


def _date_expression(obj: m.DateExpression) -> bool:
    return not obj.extra and (obj.spec is None or not isinstance(obj.spec, m.Raw))


def _rule(obj: m.Rule) -> bool:
    if obj.extra:
        return False
    if obj.id_ref and (obj.items or obj.score or obj.score_attribute):
        return False
    for i in obj.items:
        if not isinstance(i, (m.Expression, m.DateExpression)) or not is_textable(i):
            return False  # nested rules and raw content have no crm words
    return True


def _attr_set(obj: m.AttrSet) -> bool:
    if obj.extra or (obj.id_ref and obj.items):
        return False
    return _all(obj.items)


def _op(obj: m.Op) -> bool:
    return not obj.id_ref and "name" not in obj.attrs and _all(obj.sets)


def _operations(obj: m.Operations) -> bool:
    return _all(obj.ops)


def _primitive(obj: m.Primitive) -> bool:
    if obj.extra or not _comments_ok(obj):
        return False
    if obj.template and (obj.cls or obj.type):
        return False
    lists = 0
    for c in obj.children:
        if isinstance(c, m.Operations):
            lists += 1
            if lists > 1:
                return False
        if not is_textable(c):
            return False
    return True


def _container(obj: m.Group | m.Clone) -> bool:
    # children are shown as their own elements; only the container's own parts count here
    return not obj.extra and _comments_ok(obj) and _all(obj.sets)


def _bundle(obj: m.Bundle) -> bool:
    return not obj.extra and _comments_ok(obj) and \
        _all(p for p in obj.parts if not isinstance(p, m.Primitive))


def _resource_set(obj: m.ResourceSet) -> bool:
    return not obj.extra and not obj.id_ref


def _location(obj: m.Location) -> bool:
    if obj.extra or not _comments_ok(obj):
        return False
    if obj.node is not None and (obj.rules or obj.score is None):
        return False
    if obj.node is None and not obj.rules:
        return False
    if sum(x is not None for x in (obj.rsc, obj.rsc_pattern)) + bool(obj.sets) != 1:
        return False
    return _all(obj.sets) and _all(obj.rules)


def _constraint(obj: m.Colocation | m.Order | m.Ticket) -> bool:
    if obj.extra or not _comments_ok(obj):
        return False
    if isinstance(obj, m.Colocation) and obj.score is None and obj.score_attribute is None:
        return False  # the text needs a score
    if obj.sets and any(getattr(obj, a, None) for a in ("rsc", "with_rsc", "first", "then")):
        return False
    return _all(obj.sets)


def _alert(obj: m.Alert) -> bool:
    if not _comments_ok(obj):
        return False
    if sum(1 for c in obj.children if isinstance(c, m.AlertSelect)) > 1:
        return False
    if _recipient_swallows_select(obj):
        return False
    return _all(obj.children)


def _plain(obj: Any) -> bool:
    """Elements judged by their ``extra`` attributes, comments and children only."""
    if getattr(obj, "extra", None):
        return False
    if hasattr(obj, "comments") and not _comments_ok(obj):
        return False
    return _all(children(obj))


_CHECKS: dict[type, Any] = {
    m.NvPair: _nvpair, m.Expression: _expression, m.DateExpression: _date_expression,
    m.Rule: _rule, m.AttrSet: _attr_set, m.Op: _op, m.Operations: _operations,
    m.Primitive: _primitive, m.Group: _container, m.Clone: _container, m.Bundle: _bundle,
    m.ResourceSet: _resource_set, m.Location: _location, m.Colocation: _constraint,
    m.Order: _constraint, m.Ticket: _constraint, m.Alert: _alert,
    m.DateSpec: lambda obj: True, m.SelectAttribute: lambda obj: True,
    m.AlertSelect: lambda obj: True, m.BundlePart: lambda obj: True,
    m.Raw: lambda obj: False,
}


def is_textable(obj: Any) -> bool:
    """True when the crm text of ``obj`` describes it completely."""
    return _CHECKS.get(type(obj), _plain)(obj)
