"""Redefining many elements at once, as crmsh's ``load`` and ``edit`` do.

``load update`` and ``load replace`` (after an erase), ``load push`` and saving an edited
selection all come down to one operation: a set of new element definitions is compared with
the elements in scope; those not there yet are created, those there are redefined in place (or,
for cluster option sets under ``update``, merged), and with ``remove`` those in scope but no
longer defined are deleted.  The order follows crmsh: constraints and containers that go are
deleted first (so that their resources may move elsewhere), then new elements are created
(simple ones before the containers that adopt them), then the existing ones are redefined,
then the remaining deletions happen.  The caller makes the whole thing all or nothing.
"""

from __future__ import annotations

from typing import Any

from hacrm.cib import model as m
from hacrm.cib.edit import Editor, _child_resources, _err, kind_of, located, object_key
from hacrm.cib.ids import assign_ids
from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.language.vocabulary import Definition

# crmsh's processing order for new elements: what others refer to comes first
PROCESSING_ORDER = {
    k: i for i, ks in enumerate((
        ("node",), ("rsc_template",), ("primitive",), ("bundle",), ("group",), ("ms",),
        ("clone",), ("monitor",), ("tag",), ("location", "colocation", "order"),
        ("rsc_ticket", "fencing_topology"), ("property",), ("rsc_defaults",),
        ("op_defaults",), ("role",), ("acl_target", "acl_group", "user"), ("alert",),
    )) for k in ks
}
NVSET_KINDS = ("property", "rsc_defaults", "op_defaults")


def definition_key(d: Definition) -> tuple[str, bool]:
    """The key of the element a definition defines (for option sets, their set id)."""
    if d.kind == "fencing_topology":
        return "fencing_topology", False
    if d.kind in NVSET_KINDS:
        from hacrm.cib.edit import DEFAULT_SET_IDS

        return d.element.attrs.id or DEFAULT_SET_IDS[d.kind], False
    if d.kind == "node":
        return d.element.id or d.element.uname, True
    return d.id, False


def apply_definitions(editor: Editor, defs: list[Definition], *, remove: bool, merge: bool,
                      scope: list[Any] | None = None,
                      kept: set[tuple[str, bool]] | None = None) -> list[Diagnostic]:
    """Create, redefine (merge option sets when ``merge``) and, with ``remove``, delete the
    elements of ``scope`` (default: all) that ``defs`` no longer defines.

    ``kept`` narrows what counts as defined for the deletions: crmsh's XML push counts only
    the top-level elements of its input, so the resources inside a group it pushes are
    deleted afterwards (and the group with its last resource); for compatibility we do the
    same, and say so.  XML input also deletes last, in the configuration's order.
    """
    editor.infos = []
    warnings: list[Diagnostic] = []
    inputs: dict[tuple[str, bool], Definition] = {}
    for d in defs:
        key = definition_key(d)
        if key in inputs:
            raise ConfigureError([Diagnostic(
                "error", f"Duplicate {'node' if key[1] else 'resource'}: {key[0]}",
                d.line.source, d.line.line, 1)])
        inputs[key] = d
    objects = list(scope) if scope is not None else list(editor.objects())
    existing = {object_key(o): o for o in objects}
    for is_node in (True, False):
        group = {k: d for k, d in inputs.items() if k[1] == is_node}
        present = {k: o for k, o in existing.items() if k[1] == is_node}
        make = [d for k, d in group.items() if k not in present]
        update = [(present[k], d) for k, d in group.items() if k in present]
        defined = group if kept is None else {k for k in group if k in kept}
        gone = [o for k, o in present.items() if remove and k not in defined]
        first = [] if kept is not None else \
            [o for o in gone if _is_constraint(o) or _is_container(o)]
        for obj in first:
            _delete(editor, obj)
        for d in sorted(make, key=lambda d: PROCESSING_ORDER.get(d.kind, 1000)):
            editor.create(d)
            warnings.extend(d.warnings)
        for obj, d in _releasing_first(editor, update):
            if merge and d.kind in NVSET_KINDS:
                editor.create(d)
            else:
                editor._current = d
                try:
                    replace_element(editor, obj, d)
                finally:
                    editor._current = None
            warnings.extend(d.warnings)
        rest = [o for o in gone if not any(o is f for f in first)]
        for obj in (rest if kept is not None else reversed(rest)):
            if kept is not None and object_key(obj) in group:
                editor.infos.append(Diagnostic(
                    "warning", f"{object_key(obj)[0]}: deleted because it is not a top-level "
                               f"element of the pushed XML (crmsh does the same); push crm "
                               f"text or use load xml replace to keep it"))
            _delete(editor, obj)
    return warnings + editor.infos


def _releasing_first(editor: Editor, update: list[tuple[Any, Definition]]
                     ) -> list[tuple[Any, Definition]]:
    """The redefinitions in an order where no container takes a resource that another
    redefined container still holds: an edit is applied as a whole, so ``clone c1 p2`` and
    ``group g1 p3`` edited into ``clone c1 g1`` and ``group g1 p2`` must redefine c1 (which
    lets p2 go) before g1 takes it.  Otherwise (and within a cycle) the text's order."""
    def waits(item: tuple[Any, Definition], holders: set[int]) -> bool:
        obj, d = item
        return any(parent is not None and parent is not obj and id(parent) in holders
                   for parent in (editor.parent_of(child) for child in d.members))

    pending = list(update)
    ordered: list[tuple[Any, Definition]] = []
    while pending:
        holders = {id(obj) for obj, _ in pending}
        ready = next((item for item in pending if not waits(item, holders)), pending[0])
        ordered.append(ready)
        pending.remove(ready)
    return ordered


def _is_constraint(obj: Any) -> bool:
    return isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket))


def _is_container(obj: Any) -> bool:
    return isinstance(obj, (m.Group, m.Clone, m.Bundle))


def _delete(editor: Editor, obj: Any) -> None:
    """Delete what is now known by ``obj``'s key (it may have been redefined meanwhile)."""
    key = object_key(obj)
    current = editor.find_node(key[0]) if key[1] else editor.find(key[0])
    if current is not None and object_key(current) == key:
        editor.delete_objects([current])


def replace_element(editor: Editor, old: Any, d: Definition) -> None:
    """Redefine ``old`` by ``d`` in place (same position), reusing the ids of children that
    match; a container's children follow its new member list."""
    new = d.element
    if isinstance(new, m.Node) and not new.id:
        new.id = old.id
    if d.kind == "monitor" or d.kind == "xml" or kind_of(new) != kind_of(old) and not (
            kind_of(new) in ("ms", "clone") and kind_of(old) in ("ms", "clone")):
        if d.kind in ("monitor", "xml"):
            editor.create(d)
            return
        raise _err(f"cannot redefine {kind_of(old)} {object_key(old)[0]} as a {d.kind}", d)
    before = _fingerprint(old)
    members: list[Any] = []
    if _is_container(new):
        members = _new_members(editor, old, d)
    # the old version's ids stay taken (crmsh frees them only when an element is deleted),
    # so a child the new version adds gets an id no earlier version used
    editor._resolve_refs(new)
    assign_ids(new, editor.registry, old)
    parent = editor.parent_of(old.id) if not isinstance(old, (m.Node, m.NvSet,
                                                              m.FencingTopology)) else None
    old_children = list(_child_resources(old))
    _swap(editor, old, new, parent)
    if _is_container(new):
        keep = {id(c) for c in members}
        for child in old_children:
            if id(child) not in keep:
                editor.cfg.resources.append(child)  # back to the top level
                editor._parent.pop(child.id, None)
                editor._touch(child)
        for child in members:
            if editor.parent_of(child.id) is None and child in editor.cfg.resources:
                editor._remove_from_top(child)
        if isinstance(new, m.Group):
            new.members = members
        elif isinstance(new, m.Clone):
            new.child = members[0] if members else None
        elif isinstance(new, m.Bundle) and members:
            new.primitive = members[0]
        # (unlike a new container, a redefined one leaves constraints on its resources alone)
        editor._index(new, parent)
    if _fingerprint(new) != before:
        editor._touch(new)


def _new_members(editor: Editor, old: Any, d: Definition) -> list[Any]:
    """The resources a redefined container will hold (checked before anything changes)."""
    found: list[Any] = []
    seen: set[str] = set()
    for child_id in d.members:
        if child_id in seen:
            raise _err(f"in group {d.id} child {child_id} listed more than once", d)
        seen.add(child_id)
        child = editor.find_resource(child_id)
        if child is None:
            editor.infos.append(located("error", f"{d.id} refers to missing object "
                                                 f"{child_id}", d))
            continue
        if child is old:
            raise _err(f"{d.kind} {d.id} cannot contain itself", d)
        parent = editor.parent_of(child_id)
        if parent is not None and parent is not old:
            raise _err(f"Cannot create {d.kind}:{d.id}: Child {kind_of(child)}:{child_id} "
                       f"already in {kind_of(parent)}:{parent.id}", d)
        if d.kind == "group" and not isinstance(child, m.Primitive):
            raise _err(f"a group may contain only primitives; {child_id} is "
                       f"{kind_of(child)}", d)
        if d.kind in ("clone", "ms") and not isinstance(child, (m.Primitive, m.Group)):
            raise _err(f"{d.kind} may contain a primitive or a group; {child_id} is "
                       f"{kind_of(child)}", d)
        if isinstance(child, m.Primitive) and child.is_template:
            raise _err(f"{d.kind} {d.id}: {child_id} is a template, not a resource", d)
        found.append(child)
    if not found and d.kind in ("group", "clone", "ms"):
        raise _err(f"{d.kind} {d.id} would be left without resources", d)
    return found


def _swap(editor: Editor, old: Any, new: Any, parent: Any) -> None:
    """Put ``new`` where ``old`` is, and index it instead."""
    cfg = editor.cfg
    seq = editor._cseq.get(id(old))
    editor._unindex(old)
    if parent is not None:
        if isinstance(parent, m.Group):
            parent.members = [new if x is old else x for x in parent.members]
        elif isinstance(parent, m.Clone):
            parent.child = new
        elif isinstance(parent, m.Bundle):
            parent.primitive = new
    elif isinstance(old, m.FencingTopology):
        cfg.fencing_topology = new
    else:
        for section in (cfg.nodes, cfg.resources, cfg.constraints, cfg.crm_config,
                        cfg.rsc_defaults, cfg.op_defaults, cfg.acls, cfg.tags, cfg.alerts):
            for i, x in enumerate(section):
                if x is old:
                    section[i] = new
                    break
    editor._index(new, parent)
    if seq is not None and id(new) in editor._cseq:
        editor._cseq[id(new)] = seq


def _fingerprint(obj: Any) -> str:
    from lxml import etree

    from hacrm.language.render import element_xml

    return etree.tostring(element_xml(obj), encoding="unicode")
