"""The ``cib`` level: shadow CIBs — make one, work on it, compare it, commit it to the cluster."""

from __future__ import annotations

import difflib
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from hacrm.shadow import ShadowError, check_name
from hacrm.shell.commands import CommandError, command, sublevel
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.backends.pacemaker_shadow import PacemakerShadows
    from hacrm.shell.dispatch import Context

_NEW_FLAGS = ("force", "--force", "withstatus", "empty")


def _shadow_names(ctx: Context, words: list[str]) -> list[str]:
    return ctx.session.shadows().names()


def _use_names(ctx: Context, words: list[str]) -> list[str]:
    if len(words) >= 3:
        return ["withstatus"]
    return ctx.session.shadows().names() + ["live"]


def _new_words(ctx: Context, words: list[str]) -> list[str]:
    return list(_NEW_FLAGS[1:]) if len(words) > 2 else []


class CibLevel(BaseLevel):
    """CIB shadow management."""

    name = "cib"

    cibstatus = sublevel("hacrm.shell.levels.cibstatus:CibStatusLevel",
                         help="CIB status management and editing")

    def _crm_shadow(self) -> PacemakerShadows | None:
        """With the pacemaker backend, Pacemaker's crm_shadow makes, resets, deletes,
        compares and commits shadows (as crmsh has it do); None otherwise."""
        if self.session.backend_kind() != "pacemaker":
            return None
        from hacrm.backends.pacemaker_shadow import PacemakerShadows
        from hacrm.backends.pacemaker_tools import Tools

        return PacemakerShadows(Tools(self.session.env))

    @command(help="Create a new shadow CIB", complete=_new_words)
    def do_new(self, ctx: Context, *args: str) -> bool:
        words = [w for w in args if w not in _NEW_FLAGS]
        flags = {w for w in args if w in _NEW_FLAGS}
        if len(words) > 1:
            raise CommandError("Unexpected argument(s): " + " ".join(words[1:]))
        session = self.session
        temporary = not words
        name = words[0] if words else f"crmsh_{secrets.token_hex(4)}"
        check_name(name)
        if "empty" in flags:
            from hacrm.cib.document import empty_cib_xml

            content = empty_cib_xml()
        elif self._crm_shadow() is not None:
            content = ""  # crm_shadow copies the live CIB itself
        else:
            content = session.live_backend().read()
        force = temporary or session.force or bool(flags & {"force", "--force"})
        store = session.shadows()
        if store.exists(name) and not force:
            raise CommandError(f"{name} shadow CIB already exists; use 'new {name} force' "
                               "to overwrite it")
        crm_shadow = self._crm_shadow()
        if crm_shadow is not None:
            crm_shadow.create(name, empty="empty" in flags, force=force)
        else:
            store.create(name, content, force=force)
        session.messages.info(f"{ctx.qualified()}: {name} shadow CIB created")
        self._use(ctx, name, temporary=temporary)
        return True

    @command(help="Change working CIB", complete=_use_names)
    def do_use(self, ctx: Context, name: str = "", withstatus: str = "") -> bool:
        if withstatus and withstatus != "withstatus":
            raise CommandError(f"Expected 'withstatus', got '{withstatus}'")
        if name and name != "live":
            check_name(name)
            if not self.session.shadows().exists(name):
                raise CommandError(f"{name}: no such shadow CIB")
        return self._use(ctx, "" if name == "live" else name)

    def _use(self, ctx: Context, name: str, *, temporary: bool = False) -> bool:
        session = self.session
        if session.has_working_copy() and session.working_copy().has_changes():
            session.messages.error(f"{ctx.qualified()}: the requested CIB is different from "
                                   "the current one")
            if session.force:
                session.messages.info("CIB overwrite forced")
            elif not session.ask("All changes will be dropped. Do you want to proceed?"):
                return False
        previous, was_temporary = session.shadow, session.temporary_shadow
        session.use_shadow(name or None, temporary=temporary)
        if was_temporary and previous and previous != name:
            try:
                session.shadows().delete(previous)
            except ShadowError:
                pass
        return True

    @command(help="List all shadow CIBs")
    def do_list(self, ctx: Context) -> bool:
        names = self.session.shadows().names()
        if self.session.flags.regression:
            self.session.messages.write("".join(n + "\n" for n in names))
        else:
            import shutil

            from hacrm.shell.levels.ra import multicolumn

            width = 80
            if self.session.flags.interactive:
                width = shutil.get_terminal_size((80, 24)).columns
            self.session.messages.write(multicolumn(names, width) if names else "")
        return True

    @command(help="Delete a shadow CIB", complete=_shadow_names)
    def do_delete(self, ctx: Context, name: str) -> bool:
        check_name(name)
        if self.session.shadow == name:
            raise CommandError(f"{name} shadow CIB is in use")
        crm_shadow = self._crm_shadow()
        if crm_shadow is not None:
            crm_shadow.delete(name)
        else:
            self.session.shadows().delete(name)
        self.session.messages.info(f"{ctx.qualified()}: {name} shadow CIB deleted")
        return True

    @command(help="Copy live cib to a shadow CIB", complete=_shadow_names)
    def do_reset(self, ctx: Context, name: str) -> bool:
        check_name(name)
        session = self.session
        store = session.shadows()
        if not store.exists(name):
            raise CommandError(f"{name}: no such shadow CIB")
        crm_shadow = self._crm_shadow()
        if crm_shadow is not None:
            crm_shadow.reset(name)
        else:
            store.replace(name, session.live_backend().read())
        if session.shadow == name:
            session.drop_working_copy()
        session.messages.info(f"{ctx.qualified()}: copied live CIB to {name}")
        return True

    @command(help="Copy a shadow CIB to the cluster", complete=_shadow_names, waits=True)
    def do_commit(self, ctx: Context, name: str = "") -> bool:
        session = self.session
        if name:
            check_name(name)
        name = name or (session.shadow or "")
        if not name:
            raise CommandError("There is nothing to commit")
        crm_shadow = self._crm_shadow()
        if crm_shadow is not None:
            crm_shadow.commit(name)
        else:
            shadow_xml = session.shadows().read(name)
            live = session.live_backend()
            from hacrm.cib.document import CibDocument

            base = CibDocument.from_xml(live.read()).version
            live.replace_configuration(shadow_xml, base)
        session.messages.info(f"{ctx.qualified()}: committed '{name}' shadow CIB to the cluster")
        if session.temporary_shadow and session.shadow == name:
            self._use(ctx, "")
        return True

    @command(help="Diff between the shadow CIB and the live CIB")
    def do_diff(self, ctx: Context) -> bool:
        session = self.session
        if not session.shadow:
            raise CommandError("No active shadow configuration defined")
        crm_shadow = self._crm_shadow()
        if crm_shadow is not None:
            session.page(crm_shadow.diff(session.shadow))
            return True
        live = _as_text(session, session.live_backend().read())
        shadow = _as_text(session, session.shadows().read(session.shadow))
        diff = difflib.unified_diff(live.splitlines(), shadow.splitlines(), "live",
                                    session.shadow, lineterm="")
        session.page("\n".join(diff))
        return True

    @command(name="import", help="Import a CIB or PE input file to a shadow")
    def do_import(self, ctx: Context, infile: str, name: str = "") -> bool:
        path = Path(infile)
        if not path.exists():
            path = _find_pe_input(self.session, infile)
        name = name or path.name.removesuffix(".bz2")
        check_name(name)
        from hacrm import xmlsafe

        try:
            text = xmlsafe.read_text(path)
            xmlsafe.parse(text, str(path))
        except xmlsafe.XmlRefused as err:
            raise CommandError(f"cannot import: {err}") from None
        self.session.shadows().create(name, text, force=True)
        return self._use(ctx, name)


def _as_text(session: object, cib_xml: str) -> str:
    """A CIB as crm text, for a diff a person can read."""
    from hacrm.cib.workcopy import render_cib_text

    return render_cib_text(cib_xml)


def _find_pe_input(session: object, what: str) -> Path:
    from hacrm.shell.session import Session

    assert isinstance(session, Session)
    directory = Path(session.prefs.get("path.pe_state_dir") or "/var/lib/pacemaker/pengine")
    found: list[Path] = []
    for pattern in (what, f"{what}.bz2", f"pe-*-{what}.bz2"):
        found = sorted(directory.glob(pattern))
        if found:
            break
    if not found:
        raise CommandError(f"no {what} pe input file")
    if len(found) > 1:
        raise CommandError(f"more than one {what} pe input file: "
                           + " ".join(str(f) for f in found))
    return found[0]
