"""The resources a constraint names, and the edits that keep constraints right.

When a resource is renamed, moved into a container or deleted, the constraints that name it
change the way crmsh changes them: references are renamed or dropped, resource sets left with
two resources become the simple form, and a constraint left pointing at nothing (or twice at
the same resource) is "silly" and goes.
"""

from __future__ import annotations

from typing import Any

from hacrm.cib import model as m


def referenced(c: Any) -> list[str]:
    """Resources a constraint names (simple attributes or resource sets)."""
    refs = [r for s in c.sets for r in s.refs]
    if refs:
        return refs
    if isinstance(c, m.Location):
        return [c.rsc] if c.rsc else []
    if isinstance(c, m.Colocation):
        return [x for x in (c.rsc, c.with_rsc) if x]
    if isinstance(c, m.Order):
        return [x for x in (c.first, c.then) if x]
    if isinstance(c, m.Ticket):
        return [c.rsc] if c.rsc else []
    return []


_SIMPLE_REFS = {
    m.Location: ("rsc",), m.Colocation: ("rsc", "with_rsc"), m.Order: ("first", "then"),
    m.Ticket: ("rsc",),
}


def rename_refs(c: Any, old: str, new: str) -> bool:
    changed = False
    for attr in _SIMPLE_REFS.get(type(c), ()):
        if getattr(c, attr) == old:
            setattr(c, attr, new)
            changed = True
    for s in c.sets:
        if old in s.refs:
            s.refs = [new if r == old else r for r in s.refs]
            changed = True
    if c.sets and changed:
        seen: dict[str, int] = {}
        for s in c.sets:
            kept = []
            for r in s.refs:
                seen[r] = seen.get(r, 0) + 1
                if seen[r] == 1:
                    kept.append(r)
            s.refs = kept
        c.sets = [s for s in c.sets if s.refs]
        if sum(len(s.refs) for s in c.sets) == 2 and not isinstance(c, m.Location):
            sets_to_simple(c)
    return changed


def delete_refs(c: Any, rsc: str) -> bool:
    changed = False
    for attr in _SIMPLE_REFS.get(type(c), ()):
        if getattr(c, attr) == rsc:
            setattr(c, attr, None)
            changed = True
    if c.sets:
        for s in c.sets:
            if rsc in s.refs:
                s.refs = [r for r in s.refs if r != rsc]
                changed = True
        c.sets = [s for s in c.sets if s.refs]
        nonseq = any(s.sequential == "false" and len(s.refs) > 1 for s in c.sets)
        if not nonseq and sum(len(s.refs) for s in c.sets) == 2 \
                and not isinstance(c, m.Location):
            sets_to_simple(c)
    return changed


def sets_to_simple(c: Any) -> None:
    """Two resources left in sets: write the constraint in its simple form (crmsh does)."""
    pairs = [(r, s) for s in c.sets for r in s.refs]
    if len(pairs) != 2:
        return
    (a, sa), (b, sb) = pairs
    single_set = len(c.sets) == 1
    if isinstance(c, m.Colocation):
        c.rsc, c.rsc_role = a, sa.role
        c.with_rsc, c.with_rsc_role = b, sb.role
        if single_set:
            c.rsc, c.with_rsc = c.with_rsc, c.rsc
            c.rsc_role, c.with_rsc_role = c.with_rsc_role, c.rsc_role
    elif isinstance(c, m.Order):
        c.first, c.first_action = a, sa.action
        c.then, c.then_action = b, sb.action
    elif isinstance(c, m.Ticket):
        return
    c.sets = []


def is_silly(c: Any, rsc: str) -> bool:
    """A constraint left useless after an edit (crmsh removes it)."""
    if c.sets:
        count = sum(len(s.refs) for s in c.sets)
        if isinstance(c, (m.Location, m.Ticket)):
            return count < 1
        return count <= 1
    refs = [getattr(c, a) for a in _SIMPLE_REFS.get(type(c), ()) if getattr(c, a)]
    if isinstance(c, m.Location):
        return len(refs) < 1 and c.rsc_pattern is None
    if isinstance(c, m.Ticket):
        return len(refs) < 1
    return refs.count(rsc) == 2 or len(refs) < 2
