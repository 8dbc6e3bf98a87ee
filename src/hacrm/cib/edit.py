"""Editing a configuration the way crmsh does: create, merge, delete, rename, erase.

The operations here give the CIB the shape crmsh gives it for the same commands, because users
(and scripts) rely on that shape: a group adopts the primitives it names, constraints on those
primitives move to the group, a second ``property`` line merges into the same set, a ``node``
line for a known node merges its attributes, ``monitor`` adds an op to a primitive, deleting a
resource drops it from constraints and tags and removes constraints left pointing at nothing.

Everything works on the in-memory model; nothing here touches a file or the cluster.
"""

from __future__ import annotations

from typing import Any, Iterator

from hacrm.cib import model as m
from hacrm.cib.constraint_refs import is_silly, referenced, rename_refs
from hacrm.cib.edit_remove import Removals
from hacrm.cib.elements import (  # noqa: F401 - re-exported for callers
    _child_resources, _err, _nested_resources, _top_of, kind_of, located, object_key,
)
from hacrm.cib.ids import IdRegistry, assign_ids, walk_ids, walk_ids_thin
from hacrm.cib.xmlio import CibXmlError, parse_xml, read_configuration
from hacrm.diagnostics import Diagnostic
from hacrm.language.vocabulary import OP_ATTRIBUTES, Definition, is_valid_id
from hacrm.records import field, record

DEFAULT_SET_IDS = {"property": "cib-bootstrap-options", "rsc_defaults": "rsc-options",
                   "op_defaults": "op-options"}
RESOURCE_KINDS = ("primitive", "rsc_template", "group", "clone", "ms", "bundle")
CONSTRAINT_KINDS = ("location", "colocation", "order", "rsc_ticket")
ACL_KINDS = ("role", "user", "acl_target", "acl_group")


@record
class Editor(Removals):
    """A configuration plus the indexes needed to edit it quickly and the way crmsh does."""

    cfg: m.Configuration
    _registry: IdRegistry | None = None
    infos: list[Diagnostic] = field(default_factory=list)
    _objects: dict[str, Any] = field(default_factory=dict)
    _nodes: dict[str, m.Node] = field(default_factory=dict)
    _parent: dict[str, Any] = field(default_factory=dict)
    # resource id -> the constraints naming it (keyed by object identity), and the order in
    # which constraints were placed, so that "constraints on X" costs no scan of them all
    _crefs: dict[str, dict[int, Any]] = field(default_factory=dict)
    _cseq: dict[int, int] = field(default_factory=dict)
    _seq: int = 0
    # what the edits since the last reset touched, as crmsh flags it: the keys (id, is node)
    # of elements created or changed, and of elements removed
    changed: set[tuple[str, bool]] = field(default_factory=set)
    removed: set[tuple[str, bool]] = field(default_factory=set)
    # where each element staged in this session was defined: (source, line)
    origins: dict[tuple[str, bool], tuple[str, int]] = field(default_factory=dict)
    _current: Any = None  # the definition being applied (its line is the origin of changes)
    edits: int = 0  # counts changes, so that results computed on the configuration can be reused

    def __post_init__(self) -> None:
        self.reindex()

    # ------------------------------------------------------------ indexes
    def reindex(self) -> None:
        """Rebuild the id indexes from the configuration (after a wholesale change)."""
        self._registry = None
        self._objects, self._nodes, self._parent = {}, {}, {}
        self._crefs, self._cseq = {}, {}
        for obj in self.top_objects():
            self._index(obj)

    @property
    def registry(self) -> IdRegistry:
        """Every id in use, collected when first needed (showing never needs it)."""
        if self._registry is None:
            self._registry = IdRegistry()
            for obj in self.top_objects():
                for ident in walk_ids(obj):
                    self._registry.add(ident)
        return self._registry

    def reset_changes(self) -> None:
        """Forget what was changed (after a commit or a fresh read)."""
        self.changed, self.removed = set(), set()

    def _touch(self, obj: Any) -> None:
        self.edits += 1
        key = object_key(obj)
        self.changed.add(key)
        current = self._current
        if current is not None and current.line.source and current.line.line:
            self.origins.setdefault(key, (current.line.source, current.line.line))

    def _gone(self, obj: Any) -> None:
        self.edits += 1
        key = object_key(obj)
        self.changed.discard(key)
        self.removed.add(key)

    def _track(self, c: Any) -> None:
        """Index a constraint under the resources it names."""
        self._seq += 1
        self._cseq[id(c)] = self._seq
        for rsc in set(referenced(c)):
            self._crefs.setdefault(rsc, {})[id(c)] = c

    def _untrack(self, c: Any) -> None:
        for rsc in set(referenced(c)):
            refs = self._crefs.get(rsc)
            if refs is not None:
                refs.pop(id(c), None)
        self._cseq.pop(id(c), None)

    def _edit_constraint(self, c: Any, change: Any, *args: Any) -> Any:
        """Apply ``change(c, *args)`` to a constraint and keep the index right."""
        before = set(referenced(c))
        result = change(c, *args)
        after = set(referenced(c))
        for rsc in before - after:
            self._crefs.get(rsc, {}).pop(id(c), None)
        for rsc in after - before:
            self._crefs.setdefault(rsc, {})[id(c)] = c
        return result

    def _index(self, obj: Any, parent: Any = None) -> None:
        if isinstance(obj, m.Node):
            self._nodes[obj.id] = obj
            return
        ident = obj.id if not isinstance(obj, m.FencingTopology) else "fencing_topology"
        if ident:
            self._objects[ident] = obj
        if isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
            if id(obj) not in self._cseq:
                self._track(obj)
            return
        if parent is not None:
            self._parent[ident] = parent
        else:
            self._parent.pop(ident, None)
        for child in _child_resources(obj):
            self._index(child, obj)

    def _unindex(self, obj: Any) -> None:
        if isinstance(obj, m.Node):
            self._nodes.pop(obj.id, None)
            return
        ident = obj.id if not isinstance(obj, m.FencingTopology) else "fencing_topology"
        if self._objects.get(ident) is obj:
            del self._objects[ident]
        self._parent.pop(ident, None)
        if id(obj) in self._cseq:
            self._untrack(obj)

    def top_objects(self) -> Iterator[Any]:
        """Every element at the top of its section (nested resources not included)."""
        cfg = self.cfg
        for group in (cfg.crm_config, cfg.nodes, cfg.resources, cfg.constraints,
                      cfg.rsc_defaults, cfg.op_defaults, cfg.acls, cfg.tags, cfg.alerts):
            for obj in group:
                if not isinstance(obj, m.Raw):
                    yield obj
        if cfg.fencing_topology is not None:
            yield cfg.fencing_topology

    def objects(self) -> Iterator[Any]:
        """Every element crmsh shows as its own object (nested resources included)."""
        for obj in self.top_objects():
            yield obj
            yield from _nested_resources(obj)

    def find(self, ident: str) -> Any:
        """The element with this id (a node only when nothing else has it)."""
        obj = self._objects.get(ident)
        return obj if obj is not None else self._nodes.get(ident)

    def find_resource(self, ident: str) -> Any:
        obj = self._objects.get(ident)
        return obj if isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)) else None

    def find_node(self, ident: str) -> m.Node | None:
        node = self._nodes.get(ident)
        if node is not None:
            return node
        for n in self._nodes.values():
            if n.uname == ident:
                return n
        return None

    def parent_of(self, ident: str) -> Any:
        return self._parent.get(ident)

    def node_names(self) -> list[str]:
        return [n.id for n in self.cfg.nodes if isinstance(n, m.Node)]

    # ------------------------------------------------------------ create
    def create(self, d: Definition) -> None:
        """Add one parsed element as crmsh's configure commands do (raises ConfigureError)."""
        self._current = d
        try:
            self._create(d)
        finally:
            self._current = None

    def _create(self, d: Definition) -> None:
        kind = d.kind
        if kind in DEFAULT_SET_IDS:
            self._set_nvset(d)
        elif kind == "monitor":
            self._add_monitor(d)
        elif kind == "xml":
            self._create_from_xml(d)
        elif kind == "node" and self._merge_node(d):
            pass
        else:
            self._create_new(d)

    def _check_new_id(self, d: Definition, ident: str) -> None:
        existing = self.find(ident) if d.kind != "node" else self._nodes.get(ident)
        if d.kind != "node" and isinstance(existing, m.Node):
            existing = None
        if existing is not None:
            raise _err(f"Cannot create {d.kind} with ID '{ident}': Found existing "
                       f"{kind_of(existing)} with same ID.", d)
        if d.kind != "node" and not is_valid_id(ident):
            raise _err(f"'{ident}': invalid object id", d,
                       "an id starts with a letter or '_' and has letters, digits, '_', '.', '-'")

    def _create_new(self, d: Definition) -> None:
        obj = d.element
        if isinstance(obj, m.Node) and not obj.id:
            obj.id = obj.uname
        ident = obj.id if not isinstance(obj, m.FencingTopology) else "fencing_topology"
        self._check_new_id(d, ident)
        found: list[Any] = []
        if d.kind in ("group", "clone", "ms", "bundle"):
            found = self._check_children(d)
        self._resolve_refs(obj)
        assign_ids(obj, self.registry)
        if d.kind in ("group", "clone", "ms", "bundle"):
            self._adopt_children(d, found)
        self._place(obj)
        self._index(obj)
        self._touch(obj)  # (the resources it adopts are not flagged as changed, as in crmsh)
        if d.kind in ("group", "clone", "ms", "bundle"):
            self._redirect_constraints(obj)

    def _check_children(self, d: Definition) -> list[Any]:
        """The existing resources a new container names; refuses (before anything changes)
        children that are taken or of the wrong kind, and a group or clone left empty."""
        container = d.element
        found = []
        for child_id in d.members:
            child = self.find_resource(child_id)
            if child is None:
                continue
            parent = self.parent_of(child_id)
            if parent is not None and parent is not container:
                raise _err(f"Cannot create {d.kind}:{container.id}: Child "
                           f"{kind_of(child)}:{child_id} already in "
                           f"{kind_of(parent)}:{parent.id}", d)
            if isinstance(container, m.Group) and not isinstance(child, m.Primitive):
                raise _err(f"{d.kind} {container.id}: a group may contain only primitives; "
                           f"{child_id} is a {kind_of(child)}", d)
            if isinstance(container, m.Clone) and not isinstance(child, (m.Primitive, m.Group)):
                raise _err(f"{d.kind} {container.id}: a {d.kind} may contain a primitive or a "
                           f"group; {child_id} is a {kind_of(child)}", d,
                           "a clone of a clone is not allowed")
            if isinstance(container, m.Bundle) and not isinstance(child, m.Primitive):
                raise _err(f"bundle {container.id}: {child_id} is a {kind_of(child)}, "
                           f"not a primitive", d)
            if isinstance(child, m.Primitive) and child.is_template:
                raise _err(f"{d.kind} {container.id}: {child_id} is a template, "
                           f"not a resource", d)
            found.append(child)
        missing = [c for c in d.members if self.find_resource(c) is None]
        if missing and d.kind in ("group", "clone", "ms") and not found:
            raise _err(f"{d.kind} {container.id} refers to missing object"
                       f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}", d,
                       f"define the resource{'s' if len(missing) > 1 else ''} first")
        return found

    def _adopt_children(self, d: Definition, found: list[Any]) -> None:
        """Move the named resources inside the new container (they leave the top level)."""
        container = d.element
        for child_id in d.members:
            if self.find_resource(child_id) is None:
                self.infos.append(located("error", f"{container.id} refers to missing "
                                                   f"object {child_id}", d))
        for child in found:
            self._remove_from_top(child)
            if isinstance(container, m.Group):
                container.members.append(child)
            elif isinstance(container, m.Clone):
                container.child = child
            elif isinstance(container, m.Bundle):
                container.parts = [child if isinstance(p, m.Primitive) and p.id == child.id
                                   else p for p in container.parts]
        if isinstance(container, m.Bundle):
            # a reference to a missing primitive leaves nothing behind
            container.parts = [p for p in container.parts if not isinstance(p, m.Primitive)
                               or any(p is f for f in found) or p.children]

    def _place(self, obj: Any) -> None:
        cfg = self.cfg
        if isinstance(obj, m.Node):
            cfg.touch("nodes")
            cfg.nodes.append(obj)
        elif isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)):
            cfg.touch("resources")
            cfg.resources.append(obj)
        elif isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
            cfg.touch("constraints")
            cfg.constraints.append(obj)
        elif isinstance(obj, m.FencingTopology):
            cfg.touch("fencing-topology")
            cfg.fencing_topology = obj
        elif isinstance(obj, m.Tag):
            cfg.touch("tags")
            cfg.tags.append(obj)
        elif isinstance(obj, (m.AclRole, m.AclUser, m.AclTarget)):
            cfg.touch("acls")
            cfg.acls.append(obj)
        elif isinstance(obj, m.Alert):
            cfg.touch("alerts")
            cfg.alerts.append(obj)
        elif isinstance(obj, m.NvSet):
            section = {"property": "crm_config"}.get(obj.kind, obj.kind)
            cfg.touch(section)
            {"property": cfg.crm_config, "rsc_defaults": cfg.rsc_defaults,
             "op_defaults": cfg.op_defaults}[obj.kind].append(obj)

    def _remove_from_top(self, obj: Any) -> None:
        # the resources a new container adopts were usually defined just before it
        resources = self.cfg.resources
        for i in range(len(resources) - 1, -1, -1):
            if resources[i] is obj:
                del resources[i]
                return

    def _redirect_constraints(self, container: Any) -> None:
        """Constraints on a new container's children now apply to the container (crmsh)."""
        for child in _child_resources(container):
            for c in self._constraints_on(child.id):
                if self._edit_constraint(c, rename_refs, child.id, container.id):
                    self._touch(c)
                    self.infos.append(Diagnostic("info", f"modified {kind_of(c)}:{c.id} from "
                                                         f"{child.id} to {container.id}"))
        for c in self._constraints_on(container.id):
            if is_silly(c, container.id):
                self._remove_top(c)

    def _constraints_on(self, rsc_id: str) -> list[Any]:
        """The constraints naming ``rsc_id``, in the order they were placed."""
        found = list(self._crefs.get(rsc_id, {}).values())
        found.sort(key=lambda c: self._cseq.get(id(c), 0))
        return found

    def _remove_top(self, obj: Any) -> None:
        for section in (self.cfg.constraints, self.cfg.resources, self.cfg.nodes,
                        self.cfg.crm_config, self.cfg.rsc_defaults, self.cfg.op_defaults,
                        self.cfg.acls, self.cfg.tags, self.cfg.alerts):
            for i in range(len(section) - 1, -1, -1):
                if section[i] is obj:
                    del section[i]
                    break
        if self.cfg.fencing_topology is obj:
            self.cfg.fencing_topology = None
        for ident in walk_ids_thin(obj):
            self.registry.discard(ident)
        self._unindex(obj)
        self._gone(obj)

    # ------------------------------------------------------------ merges
    def _set_nvset(self, d: Definition) -> None:
        nvset: m.NvSet = d.element
        set_id = nvset.attrs.id or DEFAULT_SET_IDS[d.kind]
        if not is_valid_id(set_id):
            raise _err(f"'{set_id}': invalid object id", d)
        nvset.attrs.id = set_id
        existing = self.find(set_id)
        if existing is not None and not (isinstance(existing, m.NvSet) and existing.kind == d.kind):
            raise _err(f"Cannot create {d.kind} with ID '{set_id}': Found existing "
                       f"{kind_of(existing)} with same ID.", d)
        assign_ids(nvset, self.registry, existing)
        if existing is None:
            self._place(nvset)
            self._index(nvset)
            self._touch(nvset)
            return
        self._touch(existing)
        _copy_nvpairs(existing.attrs, nvset.attrs, self.registry)
        existing.comments.extend(c for c in nvset.comments if c not in existing.comments)

    def _merge_node(self, d: Definition) -> bool:
        node: m.Node = d.element
        ident = node.id or node.uname
        existing = self._nodes.get(ident)
        if existing is None:
            return False
        node.id = ident
        assign_ids(node, self.registry)
        self._touch(existing)
        for s in node.sets:
            if not isinstance(s, m.AttrSet):
                continue
            target = next((x for x in existing.sets if isinstance(x, m.AttrSet)
                           and x.tag == s.tag), None)
            if target is None:
                existing.sets.append(s)
                continue
            for nv in s.nvpairs:
                old = next((x for x in target.nvpairs if x.name == nv.name), None)
                if old is not None:
                    old.value = nv.value
                else:
                    target.items.append(nv)
        return True

    def _add_monitor(self, d: Definition) -> None:
        op: m.Op = d.element
        rsc_id = d.op_target or ""
        rsc = self.find_resource(rsc_id)
        if rsc is None:
            raise _err(f"object {rsc_id} does not exist", d)
        if not isinstance(rsc, m.Primitive) or rsc.is_template:
            raise _err(f"{rsc_id} is not a primitive", d)
        ops = rsc.operations
        interval = op.attrs.get("interval")
        if ops is not None:
            for existing in ops.ops:
                if isinstance(existing, m.Op) and existing.name == op.name \
                        and _same_interval(existing.attrs.get("interval"), interval):
                    raise _err(f"{rsc_id} already has a {op.name} op with interval {interval}", d)
        inst = {k: v for k, v in op.attrs.items() if k not in OP_ATTRIBUTES}
        op.attrs = {k: v for k, v in op.attrs.items() if k in OP_ATTRIBUTES}
        op.id = self.registry.new("op", rsc_id, name=op.name, interval=op.attrs.get("interval"))
        if inst:
            aset = m.AttrSet(tag="instance_attributes",
                             items=[m.NvPair(name=k, value=v) for k, v in inst.items()])
            assign_ids(aset, self.registry)
            op.sets.append(aset)
        if ops is None:
            ops = m.Operations()
            rsc.children.append(ops)
        ops.ops.append(op)
        self._touch(rsc)

    def _create_from_xml(self, d: Definition) -> None:
        try:
            elem = parse_xml(d.element)
        except CibXmlError as err:
            hint = None
            if "=" in d.element and '"' not in d.element and "'" not in d.element:
                hint = ("a command line loses the quotes around attribute values, as a shell "
                        "does: put the whole XML in single quotes, or use load")
            raise _err(f"cannot parse XML data: {err}", d, hint) from None
        section = {"node": "nodes", "primitive": "resources", "template": "resources",
                   "group": "resources", "clone": "resources", "master": "resources",
                   "bundle": "resources", "rsc_location": "constraints",
                   "rsc_colocation": "constraints", "rsc_order": "constraints",
                   "rsc_ticket": "constraints", "cluster_property_set": "crm_config",
                   "rsc_defaults": "rsc_defaults", "op_defaults": "op_defaults",
                   "fencing-topology": "configuration", "acl_role": "acls",
                   "acl_user": "acls", "acl_target": "acls", "acl_group": "acls",
                   "tag": "tags", "alert": "alerts"}.get(str(elem.tag))
        if section is None:
            raise _err(f"element {elem.tag} not recognized", d)
        from lxml import etree

        conf = etree.Element("configuration")
        if section == "configuration":
            conf.append(elem)
        else:
            etree.SubElement(conf, section).append(elem)
        parsed = read_configuration(conf)
        for obj in _top_of(parsed):
            ident = obj.id if not isinstance(obj, m.FencingTopology) else "fencing_topology"
            sub = Definition(kind_of(obj), obj, d.line)
            if isinstance(obj, m.NvSet):
                self._set_nvset(sub)
                continue
            self._check_new_id(sub, ident)
            for child in _nested_resources(obj):
                if self.find_resource(child.id) is not None:
                    self._delete_one(self.find_resource(child.id), quiet=True)
            assign_ids(obj, self.registry)
            self._place(obj)
            self._index(obj)
            self._touch(obj)

    def _resolve_refs(self, obj: Any) -> None:
        """``$id-ref=<object id>`` in an attribute list means that object's first set of the
        same kind (crmsh resolves it); a reference to a missing id is an error."""
        for aset in _walk_refs(obj):
            target = self._objects.get(aset.id_ref)
            if target is not None:
                first = _first_of_tag(target, _tag_of(aset))
                if first is not None and first.id:
                    aset.id_ref = first.id
                    continue
            if aset.id_ref not in self.registry:
                self.infos.append(located("error", f"Reference not found: {aset.id_ref}",
                                          self._current))


# ---------------------------------------------------------------- helpers

def _walk_refs(obj: Any) -> Iterator[Any]:
    from hacrm.cib.ids import children

    for c in children(obj):
        if isinstance(c, (m.AttrSet, m.Operations, m.Rule)) and c.id_ref:
            yield c
        yield from _walk_refs(c)


def _tag_of(obj: Any) -> str:
    if isinstance(obj, m.Operations):
        return "operations"
    return "rule" if isinstance(obj, m.Rule) else obj.tag


def _first_of_tag(obj: Any, tag: str) -> Any:
    from hacrm.cib.ids import children

    for c in children(obj):
        if isinstance(c, m.Operations) and tag == "operations":
            return c
        if isinstance(c, m.AttrSet) and c.tag == tag:
            return c
        if isinstance(c, m.Rule) and tag == "rule":
            return c
        found = _first_of_tag(c, tag)
        if found is not None:
            return found
    return None


def _same_interval(a: str | None, b: str | None) -> bool:
    from hacrm.cib.timespec import to_msec

    return to_msec(a or "0") == to_msec(b or "0")


def _copy_nvpairs(target: m.AttrSet, source: m.AttrSet, registry: IdRegistry) -> None:
    """Merge a new definition of a set into the existing one (crmsh's copy_nvpairs)."""
    for item in source.items:
        if isinstance(item, m.NvPair):
            if item.value is None:
                target.items.append(item)
                continue
            old = next((x for x in target.nvpairs if x.name == item.name), None)
            if old is not None:
                if item.id and item.id != old.id:
                    registry.discard(item.id)
                old.value = item.value
            else:
                if not item.id:
                    item.id = registry.new("nvpair", target.id or "", name=item.name)
                target.items.append(item)
        elif isinstance(item, m.Rule) and item.id:
            for i, x in enumerate(target.items):
                if isinstance(x, m.Rule) and x.id == item.id:
                    target.items[i] = item
                    break
            else:
                target.items.append(item)
        else:
            target.items.append(item)
