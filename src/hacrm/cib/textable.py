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


def is_textable(obj: Any) -> bool:
    """True when the crm text of ``obj`` describes it completely."""
    if isinstance(obj, m.Raw):
        return False
    if getattr(obj, "extra", None):
        return False
    if any("\n" in c for c in getattr(obj, "comments", ())):
        return False  # a comment over several lines is no crm comment line
    if isinstance(obj, m.Colocation) and obj.score is None and obj.score_attribute is None:
        return False  # the text needs a score
    if isinstance(obj, m.Location) and obj.node is not None and obj.score is None:
        return False
    if isinstance(obj, m.Expression) and obj.value_source == "literal" and obj.value:
        # shown as a plain value, which reads back without the value-source
        return False
    if isinstance(obj, m.Rule):
        if any(isinstance(i, (m.Rule, m.Raw)) for i in obj.items):
            return False
        if obj.id_ref and (obj.items or obj.score or obj.score_attribute):
            return False
    if isinstance(obj, m.AttrSet):
        if obj.id_ref and obj.items:
            return False
        if any(isinstance(i, m.NvPair) and i.id_ref and i.value is not None for i in obj.items):
            return False
    if isinstance(obj, m.Primitive):
        if sum(1 for c in obj.children if isinstance(c, m.Operations)) > 1:
            return False
        if obj.template and (obj.cls or obj.type):
            return False
    if isinstance(obj, m.Op):
        if obj.id_ref or "name" in obj.attrs:
            return False
    if isinstance(obj, m.Location):
        if obj.node is not None and obj.rules:
            return False
        if obj.node is None and not obj.rules:
            return False
        if sum(x is not None for x in (obj.rsc, obj.rsc_pattern)) + bool(obj.sets) != 1:
            return False
    if isinstance(obj, (m.Colocation, m.Order, m.Ticket)):
        if obj.sets and any(getattr(obj, a, None) for a in ("rsc", "with_rsc", "first", "then")):
            return False
    if isinstance(obj, m.ResourceSet):
        if obj.id_ref:
            return False
    if isinstance(obj, m.Group):
        if any(isinstance(s, m.Raw) for s in obj.sets):
            return False
    if isinstance(obj, (m.Group, m.Clone)):
        # children are shown as their own elements; only the container's own parts count here
        return all(is_textable(s) for s in obj.sets)
    if isinstance(obj, m.Bundle):
        return all(is_textable(p) for p in obj.parts if not isinstance(p, m.Primitive))
    if isinstance(obj, m.Alert):
        if sum(1 for c in obj.children if isinstance(c, m.AlertSelect)) > 1:
            return False
        if _recipient_swallows_select(obj):
            return False
    return all(is_textable(c) for c in children(obj))
