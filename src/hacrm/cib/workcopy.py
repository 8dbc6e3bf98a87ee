"""A configure session's working copy of the CIB: staged edits, show, commit.

This is the one object the shell's ``configure`` level talks to.  It reads the CIB from a
backend once, keeps the typed model of its configuration, applies element definitions and
edits to that model, renders it as crm text or XML, and commits the whole configuration back in
one all-or-nothing replace based on the version it read.

What changed is tracked the way crmsh tracks it, by flags set when an edit changes an element
(not by comparing the whole configuration), so that a session on a large CIB stays fast.
Reading, showing and committing never load the parser: the grammar is imported only when text
has to be parsed.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any, Literal

from lxml import etree

from hacrm.backends.base import Backend, BackendError, CibVersion
from hacrm.cib import model as m
from hacrm.cib.defaults import drop_read_defaults
from hacrm.cib.document import DEFAULT_SCHEMA, CibDocument
from hacrm.cib.edit import Editor, kind_of, object_key
from hacrm.cib.xmlio import CibXmlError, parse_xml, read_configuration
from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.language.context import SystemContext
from hacrm.language.render import RenderOptions, referenced_rule_ids, render
from hacrm.records import field, record

if TYPE_CHECKING:
    from hacrm.cib.agentcheck import AgentChecker
    from hacrm.language.vocabulary import Definition

__all__ = ["ConfigureError", "Diagnostic", "WorkingCopy", "render_cib_text"]

LoadMethod = Literal["replace", "update", "push"]


def _object_id(obj: Any) -> str:
    return object_key(obj)[0]


@record
class WorkingCopy:
    """The staged configuration of one configure session."""

    backend: Backend
    force: bool = False
    base: CibVersion = field(default_factory=CibVersion)
    obscure: tuple[str, ...] = ("passw*",)
    sort_elements: bool = True

    def __post_init__(self) -> None:
        self._context = SystemContext()
        self._schema_cache: tuple[Any, list[Diagnostic]] | None = None
        self.refresh()

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Drop staged changes and read the CIB again."""
        try:
            document = CibDocument.from_xml(self.backend.read())
        except CibXmlError as err:
            raise ConfigureError([Diagnostic("error", f"cannot read the CIB: {err}")]) from None
        except BackendError as err:
            raise ConfigureError([Diagnostic("error", str(err))]) from None
        self._adopt(document)

    def _adopt(self, document: CibDocument) -> None:
        self.document = document
        self.base = document.version
        drop_read_defaults(document.configuration)
        self.editor = Editor(document.configuration)
        self._context.schema = document.schema
        self._context.node_names_fn = self.editor.node_names

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
        from hacrm.cib.update import definition_key
        from hacrm.language.build import build_line
        from hacrm.language.parse import logical_lines

        warnings: list[Diagnostic] = []
        #: the keys of the elements this call defined (the shell may check them at once)
        self.last_defined: list[tuple[str, bool]] = []
        for ll in logical_lines(text, source, line):
            if not ll.text:
                continue
            definition = build_line(ll, self._context, interactive=interactive)
            self.editor.infos = []
            self.editor.create(definition)
            self.last_defined.append(definition_key(definition))
            warnings.extend(definition.warnings + self.editor.infos)
        return warnings

    def load(self, method: LoadMethod, text: str, *, xml: bool,
             source: str) -> list[Diagnostic]:
        """Load a configuration (crm text or CIB XML), all or nothing, as crmsh does:
        ``replace`` erases everything but the nodes first; ``update`` creates and redefines
        the elements the input defines (cluster option sets are merged); ``push`` is
        ``update`` that also deletes every element the input does not define."""
        from hacrm.cib.update import apply_definitions, definition_key

        if method not in ("replace", "update", "push"):
            raise ConfigureError([Diagnostic("error", f"unknown load method {method!r}",
                                             hint="load replace|update|push <file>")])
        definitions = self._read_definitions(text, xml=xml, source=source)
        kept = {definition_key(d) for d in definitions if not d.members_of} if xml else None
        state = self.editor.snapshot()
        try:
            if method == "replace":
                self.editor.erase()
            return apply_definitions(self.editor, definitions, remove=method == "push",
                                     merge=method != "replace" and not xml, kept=kept)
        except ConfigureError:
            self.editor.restore(state)
            raise

    def replace_selection(self, selectors: list[str], text: str, *,
                          xml: bool = False) -> list[Diagnostic]:
        """Save an edited selection (``edit``, ``filter``): the elements ``text`` defines
        are created or redefined, the selected ones it no longer defines are deleted; all or
        nothing.  An element outside the selection may not be redefined."""
        from hacrm.cib.update import apply_definitions, definition_key

        scope = self.select(selectors) if selectors else list(self.editor.objects())
        definitions = self._read_definitions(text, xml=xml, source="<edit>")
        chosen = {object_key(o) for o in scope}
        others = [d for d in definitions if definition_key(d) not in chosen
                  and self._exists(definition_key(d))]
        if others:
            raise ConfigureError([Diagnostic(
                "error", "Elements " + ", ".join(definition_key(d)[0] for d in others)
                + " already exist")])
        state = self.editor.snapshot()
        try:
            return apply_definitions(self.editor, definitions, remove=True, merge=False,
                                     scope=scope)
        except ConfigureError:
            self.editor.restore(state)
            raise

    def _exists(self, key: tuple[str, bool]) -> bool:
        return (self.editor.find_node(key[0]) if key[1] else self.editor.find(key[0])) \
            is not None

    def _read_definitions(self, text: str, *, xml: bool, source: str) -> list[Definition]:
        """Every element of a text or XML input; all its errors at once, or nothing."""
        if xml:
            return self._xml_definitions(text, source)
        from hacrm.language.build import build_line
        from hacrm.language.parse import logical_lines

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

    def _xml_definitions(self, text: str, source: str) -> list[Definition]:
        from hacrm.language.parse import LogicalLine
        from hacrm.language.vocabulary import Definition

        try:
            root = parse_xml(text)
        except CibXmlError as err:
            raise ConfigureError([Diagnostic("error", f"{source}: {err}")]) from None
        conf = root.find("configuration") if root.tag == "cib" else root
        if conf is None or conf.tag != "configuration":
            raise ConfigureError([Diagnostic("error", f"{source}: no <configuration> found",
                                             hint="load xml takes a CIB or its "
                                                  "<configuration> element")])
        cfg = read_configuration(conf)
        drop_read_defaults(cfg)
        anchor = LogicalLine("", source, 1)
        defs: list[Definition] = []

        def add(obj: Any, parent: str | None = None) -> None:
            # a container's resources become definitions of their own, made before it and
            # adopted by it, as when the same configuration is written in crm text
            children = _children(obj)
            for child in children:
                add(child, obj.id)
            if isinstance(obj, m.Group):
                obj.members = []
            elif isinstance(obj, m.Clone):
                obj.child = None
            elif isinstance(obj, m.Bundle) and children:
                obj.primitive = m.Primitive(id=children[0].id)
            defs.append(Definition(kind_of(obj), obj, anchor,
                                   members=[c.id for c in children], members_of=parent))

        for obj in Editor(cfg).top_objects():
            add(obj)
        return defs

    def delete(self, ids: list[str]) -> list[Diagnostic]:
        self.editor.infos = []
        self.editor.delete(ids, force=self.force, sort_elements=self.sort_elements)
        return list(self.editor.infos)

    def rename(self, old: str, new: str) -> list[Diagnostic]:
        self.editor.infos = []
        self.editor.rename(old, new)
        return list(self.editor.infos)

    def erase(self, *, nodes: bool = False) -> None:
        if nodes:
            self.editor.erase_nodes()
        else:
            self.editor.erase()

    def set_attribute(self, path: str, value: str) -> list[Diagnostic]:
        """crmsh's ``set <id>.[<op>.[<interval>.]]<name> <value>``: set a parameter or meta
        attribute of an element, or an attribute of one of its operations."""
        from hacrm.cib.paths import set_by_path

        set_by_path(self.editor, path, value)
        return []

    def modgroup(self, group_id: str, action: Literal["add", "remove"], rsc_id: str,
                 position: Literal["after", "before"] | None = None,
                 ref_id: str | None = None) -> list[Diagnostic]:
        """crmsh's ``modgroup <group> add <rsc> [after|before <ref>]`` and ``modgroup
        <group> remove <rsc>``: the group redefined with one member more or less."""
        group = self.editor.find(group_id)
        if group is None:
            raise ConfigureError([Diagnostic("error", f"group {group_id} does not exist")])
        if not isinstance(group, m.Group):
            raise ConfigureError([Diagnostic("error", f"element {group_id} is not a group")])
        members = [c.id for c in group.members]
        if ref_id is not None and ref_id not in members:
            raise ConfigureError([Diagnostic("error", f"{ref_id} is not member of {group_id}")])
        if action == "remove":
            if rsc_id not in members:
                raise ConfigureError([Diagnostic("error",
                                                 f"{rsc_id} is not member of {group_id}")])
            members.remove(rsc_id)
        elif action == "add":
            ref_id = ref_id or members[-1]
            at = members.index(ref_id) + (0 if position == "before" else 1)
            members.insert(at, rsc_id)
        else:
            raise ConfigureError([Diagnostic("error", f"modgroup subcommand {action} unknown")])
        import copy

        from hacrm.cib.update import apply_definitions
        from hacrm.language.parse import LogicalLine
        from hacrm.language.vocabulary import Definition

        new = copy.deepcopy(group)
        new.members = []
        definition = Definition("group", new, LogicalLine("", "<modgroup>", 1),
                                members=members)
        state = self.editor.snapshot()
        try:
            return apply_definitions(self.editor, [definition], remove=False, merge=False,
                                     scope=[group])
        except ConfigureError:
            self.editor.restore(state)
            raise

    def get_property(self, name: str) -> str | None:
        """The value of cluster option ``name`` as configured (crmsh's ``get_property``
        without its fallback to Pacemaker's defaults), or None."""
        for item in self.editor.cfg.crm_config:
            if isinstance(item, m.NvSet):
                value = item.attrs.get(name)
                if value is not None:
                    return value
        return None

    def set_schema(self, schema: str) -> list[Diagnostic]:
        """Switch ``validate-with`` (crmsh's ``schema <name>``), staged until the commit;
        refused when Pacemaker has no such schema or the staged configuration would not
        validate under it.  Older schemas are not converted (Pacemaker's upgrade transforms
        are not applied): a configuration that needs them is refused with the reasons."""
        from hacrm.cib.check import schema_diagnostics
        from hacrm.cib.schema_base import KNOWN_SCHEMAS
        from hacrm.cib.xmlio import write_configuration

        if schema == self.document.root_attrs.get("validate-with"):
            return [Diagnostic("info", f"already using schema {schema}")]
        if schema not in KNOWN_SCHEMAS:
            raise ConfigureError([Diagnostic(
                "error", f"schema {schema} does not exist",
                hint=f"one of {KNOWN_SCHEMAS[0]} ... {KNOWN_SCHEMAS[-2]}, {KNOWN_SCHEMAS[-1]}")])
        problems = schema_diagnostics(write_configuration(self.editor.cfg), schema)
        if problems:
            raise ConfigureError(problems + [Diagnostic(
                "error", f"Schema {schema} conflicts with current configuration")])
        self.document.root_attrs["validate-with"] = schema
        self._context.schema = schema
        self.editor.changed.add(("cib", False))
        return []

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
            # a tag may name any element (a constraint too), not only resources
            return [r for t in tags for ref in t.refs
                    if (r := self.editor.find_resource(ref) or self.editor.find(ref))
                    is not None]
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
        """Elements created or changed since the CIB was read (crmsh's ``show changed``)."""
        changed = self.editor.changed
        return [o for o in self.editor.objects() if object_key(o) in changed]

    def show(self, selectors: list[str] | None = None, *, xml: bool = False,
             obscure: tuple[str, ...] | None = None, one_line: bool = False) -> str:
        """crm text (or XML) of everything, of ids, ``type:KIND``, ``tag:TAG``, ``changed``;
        with ``one_line``, each element on one line (what ``filter`` feeds its command)."""
        objs = self.select(selectors)
        if xml:
            return self._show_xml(objs)
        opts = self._render_options()
        opts.break_lines = not one_line
        if obscure is not None:
            opts.obscure = obscure
        return render(objs, opts)

    def _show_xml(self, objs: list[Any]) -> str:
        cfg = m.Configuration(section_order=["crm_config", "nodes", "resources", "constraints"])
        seen: set[int] = set()
        for o in objs:
            top = o
            while not isinstance(top, m.Node) and \
                    (parent := self.editor.parent_of(_object_id(top))) is not None:
                top = parent
            if id(top) in seen:
                continue
            seen.add(id(top))
            _place_copy(cfg, top)
        # crmsh builds the XML in its processing order of element kinds
        later = ("tags", "fencing-topology", "rsc_defaults", "op_defaults", "acls", "alerts")
        cfg.section_order = ["crm_config", "nodes", "resources", "constraints"] + [
            sec for sec in later if sec in cfg.section_order]
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
        text = render(self.editor.objects(), opts)
        return text + "\n" if text else ""

    # ------------------------------------------------------------ checking and committing
    def has_changes(self) -> bool:
        """Was anything created, changed or removed since the CIB was read?"""
        return bool(self.editor.changed or self.editor.removed)

    def verify(self, *, agents: AgentChecker | None = None, changed_only: bool = False,
               semantic: bool = True) -> list[Diagnostic]:
        """crmsh's warnings about the staged configuration (every element, or those changed
        since the CIB was read, as a commit checks them; each resource against its agent's
        meta-data when ``agents`` is given; none with ``semantic`` off, crmsh's
        ``check-frequency never``), then what Pacemaker's own check refuses: the schema's
        errors, resources without fencing while fencing is enabled."""
        from hacrm.cib.check import fencing_problems, semantic_warnings
        from hacrm.cib.xmlio import write_configuration

        only = {object_key(o) for o in self.changed_objects()} if changed_only else None
        warnings = semantic_warnings(self.editor, only, agents) if semantic else []
        return warnings + self._schema_check(write_configuration(self.editor.cfg)) \
            + fencing_problems(self.editor)

    def _schema_check(self, conf: etree._Element) -> list[Diagnostic]:
        """Schema errors of the staged configuration (kept until the next edit: a commit
        right after verify does not validate twice)."""
        key = (self.editor.edits, id(self.editor.cfg), self.schema)
        if self._schema_cache is not None and self._schema_cache[0] == key:
            return list(self._schema_cache[1])
        from hacrm.cib.check import schema_diagnostics

        found = schema_diagnostics(conf, self.schema, self.editor.origins)
        self._schema_cache = (key, found)
        return list(found)

    def commit(self, *, force: bool = False) -> list[Diagnostic]:
        """Replace the cluster's configuration with the working copy, all or nothing.

        Refused (and nothing written) when the configuration breaks Pacemaker's schema, even
        when forced, because Pacemaker would refuse it; refused when other checks found errors
        unless forced; refused when the CIB changed since it was read.  Warnings are those
        crmsh gives at commit: about the elements that changed.
        """
        document = self._document()
        root = document.to_element()
        changed = {object_key(o) for o in self.changed_objects()}
        from hacrm.cib.check import semantic_warnings

        diagnostics = semantic_warnings(self.editor, only=changed) \
            + self._schema_check(root.find("configuration"))
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
        # what was committed is what we have: no need to read it back
        document.root_attrs.update({"admin_epoch": str(version.admin_epoch),
                                    "epoch": str(version.epoch),
                                    "num_updates": str(version.num_updates)})
        self.document = document
        self.base = version
        drop_read_defaults(self.editor.cfg)
        self.editor.reset_changes()
        self.editor.origins = {}
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


def render_cib_text(cib_xml: str, *, obscure: tuple[str, ...] = ("passw*",)) -> str:
    """``configure show`` of a CIB given as XML text (for ``cib diff`` and the like)."""
    document = CibDocument.from_xml(cib_xml)
    drop_read_defaults(document.configuration)
    editor = Editor(document.configuration)
    opts = RenderOptions(obscure=obscure, referenced_rules=referenced_rule_ids(editor.objects()),
                         node_count=len(editor.node_names()))
    return render(editor.objects(), opts)


def _children(obj: Any) -> list[Any]:
    if isinstance(obj, m.Group):
        return list(obj.members)
    if isinstance(obj, m.Clone):
        return [obj.child] if obj.child is not None else []
    if isinstance(obj, m.Bundle):
        return [obj.primitive] if obj.primitive is not None else []
    return []


def _related(rsc_id: str, obj: Any) -> bool:
    from hacrm.cib.constraint_refs import referenced

    if isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
        return rsc_id in referenced(obj)
    if isinstance(obj, m.Tag):
        return rsc_id in obj.refs
    return any(c.id == rsc_id for c in _children(obj))


def _place_copy(cfg: m.Configuration, obj: Any) -> None:
    import copy

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
