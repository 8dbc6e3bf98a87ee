"""Taking elements away: delete, rename, erase, with crmsh's effect on what named them.

Deleting a resource drops it from constraints and tags (which go when nothing is left, or
when a constraint is left pointing twice at the same resource); a simple constraint on a
deleted container moves to the container's first resource; deleting a template deletes the
primitives made from it.  Renaming rewrites the constraints but, like crmsh, not the tags.
(Mixed into :class:`hacrm.cib.edit.Editor`.)
"""

from __future__ import annotations

import copy
from typing import Any

from hacrm.cib import model as m
from hacrm.cib.constraint_refs import delete_refs, is_silly, rename_refs
from hacrm.cib.elements import _child_resources, _err, kind_of
from hacrm.cib.ids import walk_ids_thin
from hacrm.diagnostics import Diagnostic
from hacrm.language.vocabulary import is_valid_id


class Removals:
    """delete, rename, erase, snapshot/restore for the editor."""



    def delete(self, ids: list[str], force: bool = False, sort_elements: bool = True) -> None:
        """Delete elements; a container's children go back to the top level, a resource is
        removed from constraints and tags (which disappear when left empty).

        Whatever order they are named in, they go as crmsh deletes them: the reverse of its
        listing order (clones before groups before primitives; by id within a kind when
        elements are sorted), which decides where a constraint on a deleted container moves.
        """
        from hacrm.language.render import KIND_ORDER, sort_key

        missing = [i for i in ids if self.find(i) is None]
        if missing and not force:
            raise _err(f"object {missing[0]} does not exist")
        objs = [obj for obj in (self.find(i) for i in ids) if obj is not None]
        key = sort_key if sort_elements else (lambda o: KIND_ORDER.get(kind_of(o), 1000))
        self.delete_objects(list(reversed(sorted(objs, key=key))))

    def delete_objects(self, objs: list[Any]) -> None:
        """Delete these elements (see :meth:`delete`); deleting a template deletes the
        primitives made from it, as crmsh does."""
        for obj in objs:
            if isinstance(obj, m.Primitive) and obj.is_template:
                for prim in [o for o in self.objects()
                             if isinstance(o, m.Primitive) and o.template == obj.id]:
                    self.infos.append(Diagnostic("info", f"hanging primitive:{prim.id} deleted"))
                    self._delete_one(prim)
            self._delete_one(obj)

    def _delete_one(self, obj: Any, quiet: bool = False) -> None:
        ident = obj.id
        children = list(_child_resources(obj))
        parent = self.parent_of(ident) if not isinstance(obj, m.Node) else None
        if parent is not None and len(list(_child_resources(parent))) == 1:
            self._delete_one(parent, quiet)
            parent = None
        if parent is not None:
            if isinstance(parent, m.Group):
                parent.members = [x for x in parent.members if x is not obj]
            elif isinstance(parent, m.Clone):
                parent.child = None
            elif isinstance(parent, m.Bundle):
                parent.primitive = None
            for i in walk_ids_thin(obj):
                self.registry.discard(i)
            self._unindex(obj)
            self._gone(obj)
            self._touch(parent)
        elif self.find(ident) is obj or isinstance(obj, m.Node):
            # children of a deleted container return to the top level
            for child in list(_child_resources(obj)):
                self.cfg.resources.append(child)
                self._parent.pop(child.id, None)
                self._touch(child)
            if isinstance(obj, m.Group):
                obj.members = []
            elif isinstance(obj, m.Clone):
                obj.child = None
            self._remove_top(obj)
        else:
            return
        if isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)):
            self._drop_references(obj, quiet, children)

    def _drop_references(self, obj: Any, quiet: bool, children: list[Any]) -> None:
        """Tags and constraints lose the deleted resource; a simple constraint on a deleted
        container moves to the container's first child (crmsh)."""
        ident = obj.id
        for tag in [t for t in self.cfg.tags if isinstance(t, m.Tag) and ident in t.refs]:
            tag.refs = [r for r in tag.refs if r != ident]
            self._touch(tag)
            if not tag.refs:
                self._remove_top(tag)
                if not quiet:
                    self.infos.append(Diagnostic("info", f"hanging tag:{tag.id} deleted"))
        for c in self._constraints_on(ident):
            if not c.sets and children:
                if self._edit_constraint(c, rename_refs, ident, children[0].id):
                    self.infos.append(Diagnostic("info", f"modified {kind_of(c)}:{c.id} from "
                                                         f"{ident} to {children[0].id}"))
            deleted = self._edit_constraint(c, delete_refs, ident)
            self._touch(c)
            if is_silly(c, ident):
                self._remove_top(c)
                if not quiet:
                    self.infos.append(Diagnostic("info", f"hanging {kind_of(c)}:{c.id} deleted"))
            elif deleted:
                self.infos.append(Diagnostic("info", f"constraint {kind_of(c)}:{c.id} updated"))

    def rename(self, old: str, new: str) -> None:
        if not new:
            raise _err("no new id given")
        if new in self.registry:
            raise _err(f"id {new} is already in use")
        if not is_valid_id(new):
            raise _err(f"'{new}': invalid object id")
        obj = self.find(old)
        if obj is None:
            raise _err(f"object {old} does not exist")
        if isinstance(obj, m.FencingTopology):
            raise _err("fencing_topology cannot be renamed")
        if isinstance(obj, m.Node):
            raise _err("cannot rename nodes")
        if isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)):
            for c in self._constraints_on(old):
                if self._edit_constraint(c, rename_refs, old, new):
                    self._touch(c)
                    self.infos.append(Diagnostic("info", f"modified {kind_of(c)}:{c.id} from "
                                                         f"{old} to {new}"))
            # crmsh leaves tags naming the old id as they are
        self._unindex(obj)
        self._gone(obj)
        if isinstance(obj, m.NvSet):
            obj.attrs.id = new
        else:
            obj.id = new
        self._touch(obj)
        self.registry.discard(old)
        self.registry.add(new)
        parent = self._parent.get(old)
        self._index(obj, parent)
        for child in _child_resources(obj):
            self._parent[child.id] = obj

    def erase(self) -> None:
        """Remove everything but the nodes."""
        for obj in list(self.objects()):
            if not isinstance(obj, m.Node):
                self._gone(obj)
        nodes = self.cfg.nodes
        order = [s for s in self.cfg.section_order]
        self.cfg = m.Configuration(nodes=nodes, section_order=order)
        self.reindex()

    def erase_nodes(self) -> None:
        for obj in self.cfg.nodes:
            if isinstance(obj, m.Node):
                self._gone(obj)
        self.cfg.nodes = [n for n in self.cfg.nodes if isinstance(n, m.Raw)]
        self.reindex()

    def snapshot(self) -> tuple[m.Configuration, set[tuple[str, bool]], set[tuple[str, bool]]]:
        """A copy of the configuration and of the change flags, for :meth:`restore`."""
        return copy.deepcopy(self.cfg), set(self.changed), set(self.removed)

    def restore(self, state: tuple[m.Configuration, set[tuple[str, bool]],
                                   set[tuple[str, bool]]]) -> None:
        """Go back to a :meth:`snapshot` (an all-or-nothing operation failed)."""
        self.cfg, self.changed, self.removed = state
        self.reindex()
