"""A configure session's working copy of the CIB: staged edits, show, commit.

This is the one object the shell's ``configure`` level talks to.  It reads the CIB from a
backend once, keeps the typed model of its configuration, applies element definitions and
edits to that model, renders it as crm text or XML, and commits the whole configuration back in
one all-or-nothing replace based on the version it read.
"""

from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass, field
from typing import Any, Literal

from lxml import etree

from hacrm.backends.base import Backend, BackendError, CibVersion
from hacrm.cib import model as m
from hacrm.cib.check import check_configuration
from hacrm.cib.defaults import drop_read_defaults
from hacrm.cib.document import CibDocument, DEFAULT_SCHEMA
from hacrm.cib.edit import Editor, kind_of
from hacrm.cib.xmlio import CibXmlError, parse_xml, read_configuration
from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.language.build import Definition, build_line
from hacrm.language.context import SystemContext
from hacrm.language.parse import logical_lines
from hacrm.language.render import RenderOptions, element_xml, referenced_rule_ids, render

__all__ = ["ConfigureError", "Diagnostic", "WorkingCopy"]


def _object_id(obj: Any) -> str:
    return "fencing_topology" if isinstance(obj, m.FencingTopology) else obj.id


def _fingerprint(obj: Any) -> str:
    return etree.tostring(element_xml(obj), encoding="unicode")


@dataclass
class WorkingCopy:
    """The staged configuration of one configure session."""

    backend: Backend
    force: bool = False
    base: CibVersion = field(default_factory=CibVersion)
    obscure: tuple[str, ...] = ("passw*",)
    sort_elements: bool = True

    def __post_init__(self) -> None:
        self._context = SystemContext()
        self.refresh()

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Drop staged changes and read the CIB again."""
        try:
            self.document = CibDocument.from_xml(self.backend.read())
        except CibXmlError as err:
            raise ConfigureError([Diagnostic("error", f"cannot read the CIB: {err}")]) from None
        except BackendError as err:
            raise ConfigureError([Diagnostic("error", str(err))]) from None
        self.base = self.document.version
        drop_read_defaults(self.document.configuration)
        self.editor = Editor(self.document.configuration)
        self._context.schema = self.document.schema
        self._context.node_names_fn = self.editor.node_names
        self._original = {(_object_id(o), kind_of(o) == "node"): _fingerprint(o)
                          for o in self.editor.objects()}
        self._user_touched: set[tuple[str, bool]] = set()

    @property
    def schema(self) -> str:
        return self.document.root_attrs.get("validate-with", DEFAULT_SCHEMA)

    # ------------------------------------------------------------ editing
    def define(self, text: str, *, source: str = "<input>", line: int = 1,
               interactive: bool = True) -> list[Diagnostic]:
        """Parse element definitions (one per logical line) and stage each in turn.

        Each element is all or nothing; the first refused element raises ConfigureError and
        the ones before it stay staged, as crmsh does for a sequence of commands.
        """
        warnings: list[Diagnostic] = []
        for ll in logical_lines(text, source, line):
            if not ll.text:
                continue
            definition = build_line(ll, self._context, interactive=interactive)
            warnings.extend(self._apply(definition))
        return warnings

    def _apply(self, definition: Definition) -> list[Diagnostic]:
        editor = self.editor
        editor.infos = []
        before = copy.deepcopy(self._touched_target(definition))
        try:
            editor.create(definition)
        except ConfigureError:
            if before is not None:
                self._restore(before)
            raise
        self._mark(definition)
        return definition.warnings + editor.infos

    def _touched_target(self, definition: Definition) -> Any:
        """The existing element a definition may change in place (for undo on error)."""
        return None

    def _restore(self, before: Any) -> None:  # pragma: no cover - nothing to restore yet
        pass

    def _mark(self, definition: Definition) -> None:
        obj = definition.element
        if definition.kind == "monitor":
            self._user_touched.add((definition.op_target or "", False))
        elif definition.kind == "xml":
            return
        elif isinstance(obj, m.NvSet):
            self._user_touched.add((obj.attrs.id or "", False))
        else:
            self._user_touched.add((_object_id(obj), definition.kind == "node"))

    def load(self, method: Literal["replace", "update", "push"], text: str, *,
             xml: bool, source: str) -> list[Diagnostic]:
        """Load a configuration (crm text or CIB XML): ``replace`` it all, ``update`` the
        elements named in the input, or ``push`` (update, and delete what is not named).
        All or nothing."""
        saved = copy.deepcopy(self.editor.cfg)
        try:
            definitions = self._read_definitions(text, xml=xml, source=source)
            warnings = self._apply_set(definitions, method)
        except ConfigureError:
            self.editor.restore(saved)
            raise
        return warnings

    def _read_definitions(self, text: str, *, xml: bool, source: str) -> list[Definition]:
        if xml:
            try:
                root = parse_xml(text)
            except CibXmlError as err:
                raise ConfigureError([Diagnostic("error", f"{source}: {err}")]) from None
            conf = root.find("configuration") if root.tag == "cib" else root
            if conf is None:
                raise ConfigureError([Diagnostic("error", f"{source}: no configuration found")])
            cfg = read_configuration(conf)
            from hacrm.language.parse import LogicalLine

            anchor = LogicalLine("", source, 1)
            defs = []
            for obj in Editor(cfg).top_objects():
                defs.append(Definition(kind_of(obj), obj, anchor,
                                       members=[c.id for c in _children(obj)]))
            return defs
        errors: list[Diagnostic] = []
        defs = []
        for ll in logical_lines(text, source):
            if not ll.text:
                continue
            try:
                defs.append(build_line(ll, self._context, interactive=False))
            except ConfigureError as err:
                errors.extend(err.diagnostics)
        if errors:
            raise ConfigureError(errors)
        return defs

    def _apply_set(self, definitions: list[Definition], method: str) -> list[Diagnostic]:
        editor = self.editor
        editor.infos = []
        if method == "replace":
            editor.erase()
            editor.erase_nodes()
        named = {(d.id, d.kind == "node") for d in definitions}
        if method == "push":
            for obj in list(editor.top_objects()):
                key = (_object_id(obj), kind_of(obj) == "node")
                if key not in named:
                    editor.delete([key[0]], force=True)
        warnings: list[Diagnostic] = []
        # containers last, so that they adopt their (re)defined children
        order = {"node": 0, "rsc_template": 1, "primitive": 2, "bundle": 3, "group": 4,
                 "ms": 5, "clone": 6}
        for d in sorted(definitions, key=lambda d: order.get(d.kind, 7)):
            existing = editor.find(d.id) if d.kind != "node" else editor.find_node(d.id)
            if existing is not None and d.kind not in ("property", "rsc_defaults",
                                                       "op_defaults", "monitor"):
                self._replace(existing, d)
            else:
                editor.create(d)
            warnings.extend(d.warnings)
            self._mark(d)
        return warnings + editor.infos

    def _replace(self, existing: Any, d: Definition) -> None:
        """Redefine an element: children and constraints stay attached, ids are reused."""
        editor = self.editor
        from hacrm.cib.ids import assign_ids

        for child in _children(existing):
            if child.id not in d.members:
                editor.cfg.resources.append(child)
        if isinstance(existing, m.Group):
            existing.members = []
        elif isinstance(existing, m.Clone):
            existing.child = None
        editor._remove_top(existing) if editor.parent_of(d.id) is None else None
        parent = editor.parent_of(d.id)
        if parent is not None:
            editor.delete([d.id], force=True)
        assign_ids(d.element, editor.registry, existing)
        editor.reindex()
        saved_id_check = d.element
        editor.create(Definition(d.kind, saved_id_check, d.line, d.members, d.op_target))

    def delete(self, ids: list[str]) -> list[Diagnostic]:
        self.editor.infos = []
        self.editor.delete(ids, force=self.force)
        for i in ids:
            self._user_touched.discard((i, False))
        return list(self.editor.infos)

    def rename(self, old: str, new: str) -> list[Diagnostic]:
        self.editor.infos = []
        self.editor.rename(old, new)
        self._user_touched.add((new, False))
        return list(self.editor.infos)

    def erase(self, *, nodes: bool = False) -> None:
        if nodes:
            self.editor.erase_nodes()
        else:
            self.editor.erase()

    # ------------------------------------------------------------ showing
    def _render_options(self) -> RenderOptions:
        return RenderOptions(obscure=self.obscure, sort_elements=self.sort_elements,
                             referenced_rules=referenced_rule_ids(self.editor.objects()),
                             node_count=len(self.editor.node_names()))

    def select(self, selectors: list[str] | None = None) -> list[Any]:
        """The elements named by show/edit/save arguments (ids, globs, type:, tag:, changed)."""
        objs = list(self.editor.objects())
        if not selectors:
            return objs
        chosen: dict[int, Any] = {}
        and_set: dict[int, Any] | None = None
        for spec in selectors:
            if spec == "or":
                continue
            if spec == "and":
                and_set, chosen = chosen, {}
                continue
            found = self._match(spec, objs)
            if found is None:
                raise ConfigureError([Diagnostic("error", f"object {spec} does not exist")])
            for o in found:
                chosen[id(o)] = o
            if and_set is not None:
                chosen = {k: v for k, v in chosen.items() if k in and_set}
                and_set = None
        return list(chosen.values())

    def _match(self, spec: str, objs: list[Any]) -> list[Any] | None:
        if spec == "changed":
            return self.changed_objects()
        if spec.startswith("type:"):
            return [o for o in objs if kind_of(o) == spec[5:]]
        if spec.startswith("tag:"):
            tags = [o for o in objs if isinstance(o, m.Tag) and o.id == spec[4:]]
            return [r for t in tags for ref in t.refs
                    if (r := self.editor.find_resource(ref)) is not None]
        if spec.startswith("related:"):
            name = spec[8:]
            result = [o for o in objs if fnmatch.fnmatchcase(_object_id(o), name)]
            target = self.editor.find(name)
            if target is not None:
                result += [o for o in objs if _related(name, o)]
            return result
        found = [o for o in objs if fnmatch.fnmatchcase(_object_id(o), spec)
                 or (isinstance(o, m.Node) and fnmatch.fnmatchcase(o.uname, spec))]
        return found or None

    def changed_objects(self) -> list[Any]:
        out = []
        for o in self.editor.objects():
            key = (_object_id(o), isinstance(o, m.Node))
            if key in self._user_touched or self._original.get(key) != _fingerprint(o):
                out.append(o)
        return out

    def show(self, selectors: list[str] | None = None, *, xml: bool = False,
             obscure: tuple[str, ...] | None = None) -> str:
        """crm text (or XML) of everything, of ids, ``type:KIND``, ``tag:TAG``, ``changed``."""
        objs = self.select(selectors)
        if xml:
            return self._show_xml(objs)
        opts = self._render_options()
        if obscure is not None:
            opts.obscure = obscure
        return render(objs, opts)

    def _show_xml(self, objs: list[Any]) -> str:
        cfg = m.Configuration(section_order=["crm_config", "nodes", "resources", "constraints"])
        seen: set[int] = set()
        for o in objs:
            top = o
            while (parent := self.editor.parent_of(_object_id(top))) is not None \
                    and not isinstance(top, m.Node):
                top = parent
            if id(top) in seen:
                continue
            seen.add(id(top))
            _place_copy(cfg, top)
        doc = CibDocument(dict(self.document.root_attrs), cfg, None)
        root = doc.to_element()
        for nv in root.iter("nvpair"):
            name, value = nv.get("name"), nv.get("value")
            if name is not None and value is not None and any(
                    fnmatch.fnmatch(name, p) for p in self.obscure):
                nv.set("value", "******")
        return '<?xml version="1.0" ?>\n' + etree.tostring(root, pretty_print=True,
                                                           encoding="unicode")

    def save_text(self, *, xml: bool = False) -> str:
        """The whole configuration as crm text or CIB XML, unobscured, for `save`."""
        if xml:
            return self.cib_xml()
        opts = self._render_options()
        opts.obscure = ()
        return render(self.editor.objects(), opts) + "\n"

    # ------------------------------------------------------------ checking and committing
    def has_changes(self) -> bool:
        current = {(_object_id(o), isinstance(o, m.Node)): _fingerprint(o)
                   for o in self.editor.objects()}
        return current != self._original

    def verify(self) -> list[Diagnostic]:
        """crmsh's warnings about the staged configuration, and Pacemaker's schema errors."""
        return check_configuration(self.editor, self.schema)

    def commit(self, *, force: bool = False) -> list[Diagnostic]:
        """Replace the cluster's configuration with the working copy, all or nothing.

        Refused (and nothing written) when the configuration breaks Pacemaker's schema, even
        when forced, because Pacemaker would refuse it; refused when other checks found errors
        unless forced; refused when the CIB changed since it was read.
        """
        root = self._document().to_element()
        diagnostics = check_configuration(self.editor, self.schema,
                                          root.find("configuration"))
        errors = [d for d in diagnostics if d.severity == "error"]
        hard = [d for d in errors if d.message.startswith("schema:")]
        if hard:
            raise ConfigureError(hard + [Diagnostic(
                "error", "commit refused: the CIB would not pass Pacemaker's schema "
                         "validation; nothing was changed")])
        if errors and not (force or self.force):
            raise ConfigureError(errors + [Diagnostic(
                "error", "commit refused; fix the errors above (or use commit force)")])
        try:
            version = self.backend.replace_configuration(
                etree.tostring(root, pretty_print=True, encoding="unicode"), self.base)
        except BackendError as err:
            raise ConfigureError([Diagnostic("error", str(err))]) from None
        self.refresh()
        self.base = version
        return diagnostics

    def ids(self, kind: str | None = None) -> list[str]:
        return [_object_id(o) for o in self.editor.objects()
                if kind is None or kind_of(o) == kind]

    def _document(self) -> CibDocument:
        return CibDocument(dict(self.document.root_attrs), self.editor.cfg,
                           self.document.status_xml)

    def cib_xml(self) -> str:
        """The whole CIB with the staged configuration (for commit, simulate, save xml)."""
        return self._document().to_xml()


def _children(obj: Any) -> list[Any]:
    if isinstance(obj, m.Group):
        return list(obj.members)
    if isinstance(obj, m.Clone):
        return [obj.child] if obj.child is not None else []
    if isinstance(obj, m.Bundle):
        return [obj.primitive] if obj.primitive is not None else []
    return []


def _related(rsc_id: str, obj: Any) -> bool:
    from hacrm.cib.edit import _referenced

    if isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
        return rsc_id in _referenced(obj)
    if isinstance(obj, m.Tag):
        return rsc_id in obj.refs
    return any(c.id == rsc_id for c in _children(obj))


def _place_copy(cfg: m.Configuration, obj: Any) -> None:
    obj = copy.deepcopy(obj)
    if isinstance(obj, m.Node):
        cfg.nodes.append(obj)
    elif isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)):
        cfg.resources.append(obj)
    elif isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
        cfg.constraints.append(obj)
    elif isinstance(obj, m.NvSet):
        section = {"property": "crm_config"}.get(obj.kind, obj.kind)
        cfg.touch(section)
        getattr(cfg, section).append(obj)
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
