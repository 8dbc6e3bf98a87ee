"""The ``configure`` level: a configure session on a working copy of the CIB.

Element commands (``primitive ...``, ``location ...``) are handed as text to the working copy,
which parses and stages them; nothing reaches the CIB before ``commit`` (or before the level is
left by a script, which commits as crmsh does).  Showing, editing, deleting and loading all go
through :class:`hacrm.cib.workcopy.WorkingCopy`; this module only turns commands into calls,
runs the editor and the filters, and prints the results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.shell.commands import CommandError, command, sublevel
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.cib.agentcheck import AgentChecker
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.shell.dispatch import Context

#: the configure element keywords, each a command of this level taking crm text
ELEMENTS = (
    "node", "primitive", "rsc_template", "group", "clone", "ms", "bundle", "monitor",
    "location", "colocation", "order", "rsc_ticket", "property", "rsc_defaults", "op_defaults",
    "fencing_topology", "tag", "role", "user", "acl_target", "alert", "xml",
)


def _complete_ids(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.completer import session_ids

    return session_ids(ctx.session)


_KINDS = ("node", "primitive", "group", "clone", "ms", "bundle", "rsc_template", "location",
          "colocation", "order", "rsc_ticket", "property", "rsc_defaults", "op_defaults",
          "fencing_topology", "tag", "role", "user", "acl_target", "alert")


def _complete_selection(ctx: Context, words: list[str]) -> list[str]:
    """show/edit arguments: ids, ``type:KIND``, ``tag:TAG``, ``related:ID``, ``changed``,
    ``xml`` first."""
    from hacrm.shell.completer import snapshot

    names = snapshot(ctx.session)
    word = words[-1]
    if word.startswith("type:"):
        return [f"type:{k}" for k in _KINDS]
    if word.startswith("tag:"):
        return [f"tag:{t}" for t in names.of("tag")]
    if word.startswith("related:"):
        return [f"related:{r}" for r in names.resources]
    extra = ["changed", "type:", "tag:", "related:"] + (["xml"] if len(words) == 2 else [])
    return extra + names.of(None)


def _cluster_properties() -> tuple:
    from hacrm.ra.pacemaker_options import CLUSTER_PROPERTIES

    return CLUSTER_PROPERTIES


def _complete_modgroup(ctx: Context, words: list[str]) -> list[str]:
    """modgroup <group> add|remove <rsc> [after|before <rsc>]"""
    from hacrm.shell.completer import snapshot

    names = snapshot(ctx.session)
    index = len(words) - 1
    if index == 1:
        return names.of("group")
    if index == 2:
        return ["add", "remove"]
    if index == 4:
        return ["after", "before"]
    return names.of("primitive")


def _complete_load(ctx: Context, words: list[str]) -> list[str]:
    """load [xml] {replace|update|push} <file>"""
    from hacrm.shell.completer import file_candidates

    args = [w for w in words[1:-1] if w != "xml"]
    if not args:
        return ["xml", "replace", "update", "push"] if len(words) == 2 else \
            ["replace", "update", "push"]
    return file_candidates(words[-1])


def _complete_schemas(ctx: Context, words: list[str]) -> list[str]:
    """schema [<name>]"""
    from hacrm.cib.schema_base import KNOWN_SCHEMAS

    return list(KNOWN_SCHEMAS) if len(words) == 2 else []


def _complete_save(ctx: Context, words: list[str]) -> list[str]:
    """save [xml] <file>"""
    from hacrm.shell.completer import file_candidates

    return (["xml"] if len(words) == 2 else []) + file_candidates(words[-1])


def _element(keyword: str, summary: str, **names: tuple[str, ...]) -> Callable[..., bool]:
    """A command for one configure element: its whole text goes to the working copy."""

    def define(self: ConfigureLevel, ctx: Context, text: str) -> bool:
        session = self.session
        wc = self.wc()
        # crmsh's check-frequency always: at a terminal, a resource its agent would refuse
        # is refused as it is typed (in a script the commit checks it)
        at_once = session.flags.interactive and \
            session.prefs.get("core.check_frequency") == "always"
        state = wc.editor.snapshot() if at_once else None
        if keyword == "property":
            self._maintenance_mode_takes_over(text)
        warnings = wc.define(text, source=session.source, line=session.line)
        if state is not None:
            found, blocks = self._checked_now(wc.last_defined)
            warnings = warnings + found
            if blocks:
                wc.editor.restore(state)
                self._print(warnings)
                return False
        return self._print(warnings)

    define.__name__ = f"do_{keyword}"
    define.__doc__ = summary
    return command(keyword, raw=True, help=summary, topic=keyword, **names)(define)


class ConfigureLevel(BaseLevel):
    """CIB configuration: define, show, edit, delete, commit."""

    name = "configure"

    cib = sublevel("hacrm.shell.levels.cib:CibLevel", help="CIB shadow management")
    cibstatus = sublevel("hacrm.shell.levels.cibstatus:CibStatusLevel",
                         help="CIB status management and editing")
    ra = sublevel("hacrm.shell.levels.ra:RaLevel", help="Resource Agents (RA) lists", hidden=True)

    # ----------------------------------------------------------------- helpers
    def wc(self) -> WorkingCopy:
        return self.session.working_copy()

    def _print(self, diagnostics: list[Diagnostic]) -> bool:
        """Print what a call reported; False when it reported an error (the command failed,
        even though the working copy may have done the rest, as crmsh's commands do)."""
        for diag in diagnostics:
            self.session.messages.diagnostic(diag)
        return not any(d.severity == "error" for d in diagnostics)

    # ----------------------------------------------------------------- elements
    do_node = _element("node", "Define a cluster node")
    do_primitive = _element("primitive", "Define a resource", old_names=("resource",))
    do_rsc_template = _element("rsc_template", "Define a resource template")
    do_group = _element("group", "Define a group")
    do_clone = _element("clone", "Define a clone")
    do_ms = _element("ms", "Define a master-slave resource (deprecated)",
                     old_names=("master",))
    do_bundle = _element("bundle", "Container bundle")
    do_monitor = _element("monitor", "Add monitor operation to a primitive")
    do_location = _element("location", "A location preference")
    do_colocation = _element("colocation", "Colocate resources", old_names=("collocation",))
    do_order = _element("order", "Order resources")
    do_rsc_ticket = _element("rsc_ticket", "Resources ticket dependency")
    do_property = _element("property", "Set a cluster property")
    do_rsc_defaults = _element("rsc_defaults", "Set resource defaults")
    do_op_defaults = _element("op_defaults", "Set resource operations defaults")
    do_fencing_topology = _element("fencing_topology", "Node fencing order")
    do_tag = _element("tag", "Define resource tags")
    do_role = _element("role", "Define role access rights")
    do_user = _element("user", "Define user access rights")
    do_acl_target = _element("acl_target", "Define target access rights")
    do_alert = _element("alert", "Event-driven alerts")
    do_xml = _element("xml", "Raw xml")

    # ----------------------------------------------------------------- looking
    @command(help="Display CIB objects", complete=_complete_selection)
    def do_show(self, ctx: Context, *args: str) -> bool:
        xml, selectors, obscure = _show_args(args)
        text = self.wc().show(selectors or None, xml=xml, obscure=obscure)
        if text:
            if not xml and ctx.session.colour:
                from hacrm.shell.highlight import highlight

                text = highlight(text, self.session.colours())
            self.session.page(text)
        return True

    def _agent_checker(self) -> AgentChecker:
        """The agent meta-data checks for the working copy (errors stop a commit only with
        ``check-mode strict``)."""
        from hacrm.cib.agentcheck import AgentChecker

        return AgentChecker(self.wc().editor, self.session.agents(),
                            strict=self.session.prefs.get("core.check_mode") != "relaxed")

    def _checked(self, changed_only: bool) -> tuple[list[Diagnostic], bool]:
        """The findings of crmsh's checks (what changed, for a commit; everything, for
        verify), each resource against its agent's meta-data too, and whether they stop a
        commit: the configuration's own errors always do; the agent checks' errors only
        with ``check-mode strict``, and a clash of unique parameters."""
        semantic = self.session.prefs.get("core.check_frequency") != "never"
        checker = self._agent_checker() if semantic else None
        diagnostics = self.wc().verify(agents=checker, changed_only=changed_only,
                                       semantic=semantic)
        from_agents = {id(d) for d in checker.made} if checker is not None else set()
        blocks = any(d.severity == "error" and id(d) not in from_agents for d in diagnostics)
        return diagnostics, blocks or (checker is not None and checker.blocks)

    def _maintenance_mode_takes_over(self, text: str) -> None:
        """``property maintenance-mode=...`` (as the first option) takes over from the
        elements' own maintenance settings: crmsh offers to remove them
        (:mod:`hacrm.cib.maintenance`), as the ``manage-children`` preference says: ask
        (yes when forced), always, never."""
        from hacrm.cib.maintenance import release_maintenance

        words = text.split()
        if len(words) < 2 or not words[1].startswith("maintenance-mode="):
            return
        policy = self.session.prefs.get("core.manage_children")
        if policy != "never":
            release_maintenance(self.wc().editor,
                                (lambda _q: True) if policy == "always" else self.session.ask)

    def _checked_now(self, keys: list[tuple[str, bool]]) -> tuple[list[Diagnostic], bool]:
        """The agent checks of just-defined resources, and whether they refuse them."""
        editor = self.wc().editor
        checker = self._agent_checker()
        found: list[Diagnostic] = []
        for key, is_node in keys:
            obj = None if is_node else editor.find(key)
            if obj is not None:
                found += checker.check(obj)
        return found, checker.blocks

    @command(help="Verify the CIB")
    def do_verify(self, ctx: Context) -> bool:
        diagnostics, blocks = self._checked(changed_only=False)
        self._print(diagnostics)
        return not blocks

    # ----------------------------------------------------------------- changing
    @command(help="Delete CIB objects", old_names=("rm",), complete=_complete_ids)
    def do_delete(self, ctx: Context, *ids: str) -> bool:
        if not ids:
            raise CommandError("usage: delete <id> [<id>...]")
        return self._print(self.wc().delete(list(ids)))

    @command(help="Modify group", complete=_complete_modgroup)
    def do_modgroup(self, ctx: Context, group_id: str, action: str, rsc: str,
                    *where: str) -> bool:
        """``modgroup G add R [after|before M]`` / ``modgroup G remove R``: change a group's
        member list; the group is redefined through the working copy, so a member that may
        not go there is refused as ``group`` itself would refuse it."""
        from hacrm.cib.edit import kind_of

        if action not in ("add", "remove"):
            raise CommandError(f"modgroup subcommand {action} unknown")
        if where and action != "add":
            raise CommandError(f"Expected add (found {action})")
        if where and (len(where) != 2 or where[0] not in ("after", "before")):
            raise CommandError("Expected 'after|before <id>'")
        wc = self.wc()
        found = [o for o in wc.select([group_id]) if getattr(o, "id", None) == group_id]
        if not found:
            raise CommandError(f"group {group_id} does not exist")
        if kind_of(found[0]) != "group":
            raise CommandError(f"element {group_id} is not a group")
        members = [m.id for m in found[0].members]
        if where and where[1] not in members:
            raise CommandError(f"{where[1]} is not member of {group_id}")
        if action == "remove":
            if rsc not in members:
                raise CommandError(f"{rsc} is not member of {group_id}")
            new = [m for m in members if m != rsc]
        else:
            anchor = members.index(where[1]) if where else len(members) - 1
            position = anchor if where and where[0] == "before" else anchor + 1
            new = members[:position] + [rsc] + members[position:]
        text = wc.show([group_id], obscure=())
        head, sep, rest = text.partition("\n")
        words = head.rstrip(" \\").split()
        tail = words[2 + len(members):]
        line = " ".join(words[:2] + new + tail)
        if head.rstrip().endswith("\\"):
            line += " \\"
        return self._print(wc.replace_selection([group_id], line + sep + rest))

    @command(name="get_property", old_names=("get-property",), help="Get property value",
             complete=lambda ctx, words: [o.name for o in _cluster_properties()] + ["-t"])
    def do_get_property(self, ctx: Context, *args: str) -> bool:
        """The value of cluster properties: as set, else Pacemaker's default; with ``-t``
        as a canonical boolean."""
        names = [a for a in args if a not in ("-t", "--true")]
        truth = len(names) != len(args)
        messages = self.session.messages
        if not names:
            from hacrm.shell.levels.ra import multicolumn

            messages.write(multicolumn(sorted(o.name for o in _cluster_properties())))
            return True
        values: dict[str, str] = {}
        for obj in self.wc().select(["type:property"]):
            for nv in obj.attrs.nvpairs:
                if nv.name and nv.value is not None:
                    values.setdefault(nv.name, nv.value)
        defaults = {o.name: o.default for o in _cluster_properties() if o.default}
        for name in names:
            value = values.get(name, defaults.get(name))
            if value is None and not truth:
                raise CommandError(f"{name}: Property not set")
            if truth:
                value = "true" if (value or "").lower() in ("yes", "true", "on", "1", "y") \
                    else "false"
            messages.line(value or "")
        return True

    @command(help="Set or display current CIB RNG schema", complete=_complete_schemas)
    def do_schema(self, ctx: Context, schema: str | None = None) -> bool:
        """Without a name, the schema the CIB validates with (``validate-with``); with one,
        switch to it at the next commit (refused when the configuration would not validate)."""
        if schema is None:
            self.session.messages.line(self.wc().schema)
            return True
        return self._print(self.wc().set_schema(schema))

    @command(help="Upgrade the CIB to the newest schema")
    def do_upgrade(self, ctx: Context, force: str | None = None) -> bool:
        """crmsh's ``upgrade [force]``: a CIB without ``validate-with`` (or on the 0.6
        schemas) is moved to the newest schema; any other needs ``force``.  The change is
        committed at once, as crmsh's ``cibadmin --upgrade`` is, so nothing else may be
        waiting in the working copy."""
        from hacrm.cib.schema_base import NEWEST_SCHEMA

        if force not in (None, "force"):
            raise CommandError("Expected 'force' or no argument")
        wc = self.wc()
        messages = self.session.messages
        current = wc.document.root_attrs.get("validate-with", "")
        if not (force or self.session.force or not current or "0.6" in current):
            messages.info(f"the CIB validates with {current}; "
                          f"'upgrade force' moves it to {NEWEST_SCHEMA}")
            return True
        if current == NEWEST_SCHEMA:
            messages.info(f"already using schema {NEWEST_SCHEMA}")
            return True
        if wc.has_changes():
            raise CommandError("there are changes not committed yet; "
                               "commit or discard them (refresh) before upgrading")
        if not self._print(wc.set_schema(NEWEST_SCHEMA)):
            return False
        return self.commit()

    @command(help="Set an attribute value", complete=_complete_ids)
    def do_set(self, ctx: Context, path: str, value: str) -> bool:
        """``set ID.NAME VALUE``, ``set ID.OP.NAME VALUE``, ``set ID.OP.INTERVAL.NAME VALUE``."""
        return self._print(self.wc().set_attribute(path, value))

    @command(name="default-timeouts", help="Set timeouts for operations to minimums from the "
                                           "meta-data", complete=_complete_ids,
             old_names=("default_timeouts",))
    def do_default_timeouts(self, ctx: Context, *ids: str) -> bool:
        from hacrm.cib.agenttimeouts import default_timeouts

        if not ids:
            raise CommandError("usage: default-timeouts <id> [<id>...]")
        found, ok = default_timeouts(self.wc().editor, list(ids), self.session.agents())
        return self._print(found) and ok

    @command(name="validate-all", help="Call agent validate-all for resource",
             complete=_complete_ids, old_names=("validate_all",))
    def do_validate_all(self, ctx: Context, rsc: str) -> bool:
        """Run the resource's agent ``validate-all`` with the parameters configured for it."""
        from hacrm.cib import model as m
        from hacrm.cib.agentcheck import resolve
        from hacrm.ra.metadata import AgentError
        from hacrm.ra.validate import validate

        editor = self.wc().editor
        obj = editor.find(rsc)
        if obj is None:
            raise CommandError(f"Not found: {rsc}")
        if not isinstance(obj, m.Primitive) or obj.is_template:
            raise CommandError(f"Not a primitive: {rsc}")
        res = resolve(obj, editor)
        if res is None:
            raise CommandError(f"No resource template {obj.template} for {rsc}")
        if any(v is None for v in res.params.values()):
            raise CommandError(f"Primitive too complex: {rsc}")
        agent = f"{res.cls}:{res.provider}:{res.type}"
        agents = self.session.agents()
        try:
            meta = agents.get(agent) if res.cls == "ocf" and os.geteuid() == 0 else None
        except AgentError:
            meta = None
        if meta is None or not any(a.name == "validate-all" for a in meta.actions):
            raise CommandError(f"{rsc}: Cannot run validate-all for agent: {agent}")
        spec = agents.directory.parse(agent)
        try:
            done = validate(agents.directory, spec, {k: v or "" for k, v in res.params.items()})
        except OSError as err:
            raise CommandError(f"{rsc}: {err}") from None
        for severity, text in done.lines:
            if severity != "debug":
                self.session.messages.say(severity, text)
        return done.rc == 0

    @command(help="Rename a CIB object", complete=_complete_ids)
    def do_rename(self, ctx: Context, old_id: str, new_id: str) -> bool:
        return self._print(self.wc().rename(old_id, new_id))

    @command(help="Erase the CIB")
    def do_erase(self, ctx: Context, nodes: str = "") -> bool:
        if nodes and nodes != "nodes":
            raise CommandError(f"Expected 'nodes', got '{nodes}'")
        self.wc().erase(nodes=bool(nodes))
        return True

    @command(help="Refresh from CIB")
    def do_refresh(self, ctx: Context) -> bool:
        wc = self.wc()
        if self.session.flags.interactive and wc.has_changes() and not self.session.ask(
                "All changes will be dropped. Do you want to proceed?"):
            return False
        wc.refresh()
        return True

    @command(help="Commit the changes to the CIB", waits=True)
    def do_commit(self, ctx: Context, *flags: str) -> bool:
        for flag in flags:
            if flag not in ("force", "replace"):
                raise CommandError(f"syntax: unexpected '{flag}' (commit [force] [replace])")
        return self.commit(force="force" in flags)

    def commit(self, *, force: bool = False) -> bool:
        """Verify, then commit; forced or confirmed when the checks found errors."""
        wc = self.wc()
        messages = self.session.messages
        if not wc.has_changes():
            messages.info("apparently there is nothing to commit")
            messages.info("try changing something first")
            return True
        diagnostics, blocks = self._checked(changed_only=True)
        self._print(diagnostics)
        if blocks:
            if force or self.session.force:
                messages.info("commit forced")
            elif not self.session.ask("Do you still want to commit?"):
                return False
            wc.commit(force=True)
        else:
            wc.commit()
        return True

    @command(help="Import the CIB from a file", complete=_complete_load)
    def do_load(self, ctx: Context, *args: str) -> bool:
        words = list(args)
        xml = False
        if words and words[0] == "xml":
            xml = True
            words.pop(0)
        if len(words) != 2 or words[0] not in ("replace", "update", "push"):
            raise CommandError("usage: load [xml] {replace|update|push} <url>")
        method, url = words
        text = _read_source(url)
        if not xml and text.lstrip().startswith("<"):
            xml = True
        return self._print(self.wc().load(method, text, xml=xml, source=url))  # type: ignore[arg-type]

    @command(help="Save the CIB to a file", complete=_complete_save)
    def do_save(self, ctx: Context, *args: str) -> bool:
        words = list(args)
        xml = bool(words and words[0] == "xml")
        if xml:
            words.pop(0)
        if len(words) != 1:
            raise CommandError("usage: save [xml] <file>")
        text = self.wc().save_text(xml=xml)
        if words[0] == "-":
            self.session.messages.write(text)
            return True
        Path(words[0]).write_text(text, encoding="utf-8")
        return True

    @command(help="Edit CIB objects", complete=_complete_selection)
    def do_edit(self, ctx: Context, *args: str) -> bool:
        if not self.session.flags.interactive:
            self.session.messages.info("edit not allowed in batch mode")  # use filter there
            return False
        xml, selectors, _ = _show_args(args)
        editor = self.session.prefs.get("core.editor") or os.environ.get("EDITOR", "vi")
        original = self._editable(selectors, xml)
        text = original
        while True:
            text = _run_editor(editor, text, suffix=".xml" if xml else ".crm")
            if text == original:
                return True
            try:
                self._apply_edit(selectors, text, xml=xml)
                return True
            except ConfigureError as err:
                for diag in err.diagnostics:
                    self.session.messages.diagnostic(diag)
                if not self.session.ask("Do you want to edit again?"):
                    return False

    @command(help="Filter CIB objects", complete=_complete_ids)
    def do_filter(self, ctx: Context, filter_cmd: str, *args: str) -> bool:
        xml, selectors, _ = _show_args(args)
        # as crmsh: one element per line, so that line-wise tools see whole elements
        original = self._editable(selectors, xml, one_line=True)
        import subprocess

        proc = subprocess.run(filter_cmd, shell=True, input=original, text=True,
                              capture_output=True, check=False)
        if proc.returncode != 0:
            raise CommandError(f"filter {filter_cmd!r} failed: {proc.stderr.strip()}")
        if proc.stdout != original:
            self._apply_edit(selectors, proc.stdout, xml=xml)
        return True

    def _editable(self, selectors: list[str], xml: bool, *, one_line: bool = False) -> str:
        wc = self.wc()
        if xml and not selectors:
            return wc.save_text(xml=True)
        return wc.show(selectors or None, xml=xml, obscure=(), one_line=one_line) + \
            ("" if xml else "\n")

    def _apply_edit(self, selectors: list[str], text: str, *, xml: bool) -> None:
        """The edited text replaces the selection, all or nothing (elements it no longer
        defines are deleted)."""
        self._print(self.wc().replace_selection(selectors, text, xml=xml))

    # ----------------------------------------------------------------- what would happen
    @command(help="Show cluster actions if changes were committed", old_names=("simulate",),
             complete=lambda ctx, words: ["nograph", "scores", "utilization", "actions"])
    def do_ptest(self, ctx: Context, *args: str) -> bool:
        """Run the scheduler on the working copy and print what the cluster would do."""
        from hacrm.shell.whatif import schedule_and_page

        cib = self.wc().cib_xml()
        if self.session.cibstatus is not None:  # the status being edited in cibstatus
            cib = self.session.cibstatus.with_configuration_of(cib)
        return schedule_and_page(self.session, cib, args, execute=True, extra=("actions",),
                                 usage="ptest [nograph] [v...] [scores] [utilization] "
                                       "[actions]")

    @command(help="Generate a directed graph")
    def do_graph(self, ctx: Context, *args: str) -> bool:
        from hacrm.shell.graph import graph_command

        graph_command(self.session, self.wc(), list(args))
        return True

    # ----------------------------------------------------------------- crmsh's test hooks
    @command(name="_test", hidden=True)
    def do_test(self, ctx: Context) -> bool:
        """Regression hook (crmsh's ``_test``): crmsh checks there that every element and its
        parent reference each other; the model here keeps those links by construction, so
        there is nothing to report (the semantic checks are ``verify``'s job)."""
        return True

    @command(name="_regtest", hidden=True)
    def do_regtest(self, ctx: Context, state: str = "on") -> bool:
        """Regression hook: crmsh switches its id generation to a deterministic mode."""
        return True

    @command(name="_objects", hidden=True)
    def do_objects(self, ctx: Context) -> bool:
        for ident in self.wc().ids():
            self.session.messages.line(ident)
        return True

    # ----------------------------------------------------------------- leaving
    def on_leave(self, ctx: Context, *, in_transit: bool) -> bool:
        session = self.session
        if not session.has_working_copy():
            return True
        ok = True
        try:
            if session.working_copy().has_changes():
                if in_transit or not session.flags.interactive or session.ask("There are changes pending. Do you want to commit them?"):
                    ok = self.commit()
                if ok:
                    session.wait_for_cluster()
        except ConfigureError as err:
            for diag in err.diagnostics:
                session.messages.diagnostic(diag)
            ok = False
        if ok or not session.flags.interactive or in_transit:
            session.drop_working_copy()
        return ok


def _show_args(args: tuple[str, ...] | list[str]) -> tuple[bool, list[str], tuple[str, ...] | None]:
    xml = False
    obscure: list[str] | None = None
    selectors: list[str] = []
    for word in args:
        if word == "xml" and not selectors:
            xml = True
        elif word.startswith("obscure:"):
            obscure = (obscure or []) + [word[len("obscure:"):]]
        else:
            selectors.append(word)
    return xml, selectors, tuple(obscure) if obscure is not None else None


def _read_source(url: str) -> str:
    if url == "-":
        import sys

        return sys.stdin.read()
    try:
        return Path(url).read_text(encoding="utf-8")
    except OSError as err:
        raise CommandError(f"could not open {url}: {err.strerror}") from None


def _run_editor(editor: str, text: str, *, suffix: str) -> str:
    import shlex
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=suffix, prefix="crm-edit-", delete=False,
                                     encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    try:
        rc = subprocess.run(shlex.split(editor) + [path], check=False).returncode
        if rc != 0:
            raise CommandError(f"the editor {editor!r} exited with status {rc}")
        return Path(path).read_text(encoding="utf-8")
    finally:
        os.unlink(path)
