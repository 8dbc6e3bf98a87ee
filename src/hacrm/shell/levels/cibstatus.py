"""The ``cibstatus`` level: edit a copy of the CIB's status section and see what would happen.

The workspace (:class:`~hacrm.cib.statuswork.StatusWorkspace`) holds the copy; this level
reads and writes it (live CIB, shadow, file) and runs the scheduler on it.  The copy starts as
the status of the CIB in use (the shadow in use, else the live CIB) the first time a command
needs it, and ``configure ptest`` schedules the configuration being edited with it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from hacrm.cib.statuswork import (
    EXIT_CODES,
    NODE_STATES,
    OP_STATUSES,
    StatusEditError,
    StatusWorkspace,
)
from hacrm.cib.xmlparse import CibXmlError
from hacrm.scheduler.inject import TICKET_ACTIONS
from hacrm.shadow import ShadowError
from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel
from hacrm.shell.whatif import WORDS, schedule_and_page

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context
    from hacrm.shell.session import Session

def _complete_op(ctx: Context, words: list[str]) -> list[str]:
    """op OPERATION RESOURCE EXIT_CODE [OP_STATUS] [NODE]"""
    space = workspace(ctx.session, quiet=True)
    position = len(words) - 1
    if position == 1:
        return ["probe", "monitor", "start", "stop", "promote", "demote", "migrate_to",
                "migrate_from", "notify"]
    if position == 2:
        return space.resource_names() if space else []
    if position == 3:
        return list(EXIT_CODES)
    if position == 4:
        return list(OP_STATUSES) + (space.node_names() if space else [])
    return space.node_names() if space and position == 5 else []


def _complete_node(ctx: Context, words: list[str]) -> list[str]:
    if len(words) == 2:
        space = workspace(ctx.session, quiet=True)
        return space.node_names() if space else []
    return list(NODE_STATES) if len(words) == 3 else []


def _source_text(session: Session, source: str) -> str:
    """The CIB named by a ``load``/``save`` argument: ``live``, ``shadow:NAME`` or a file."""
    try:
        if source == "live":
            return session.live_backend().read()
        if source.startswith("shadow:"):
            return session.shadows().read(source[len("shadow:"):])
        return Path(source).read_text(encoding="utf-8")
    except ShadowError as err:
        raise CommandError(str(err)) from None
    except OSError as err:
        raise CommandError(f"cannot read {source}: {err.strerror}") from None


def _load(session: Session, source: str) -> StatusWorkspace:
    try:
        return StatusWorkspace.from_text(source, _source_text(session, source))
    except (StatusEditError, CibXmlError) as err:
        raise CommandError(f"{source}: {err}") from None


def workspace(session: Session, *, quiet: bool = False) -> StatusWorkspace | None:
    """The session's status workspace, loaded from the CIB in use on first use (None, when
    ``quiet``, if that CIB cannot be read: completion must not fail)."""
    if session.cibstatus is None:
        source = f"shadow:{session.shadow}" if session.shadow else "live"
        try:
            session.cibstatus = _load(session, source)
        except Exception:  # completion must not fail; the commands say why
            if quiet:
                return None
            raise
    return session.cibstatus


class CibStatusLevel(BaseLevel):
    """CIB status management and editing."""

    name = "cibstatus"

    def _space(self) -> StatusWorkspace:
        space = workspace(self.session)
        assert space is not None
        return space

    @command(help="Load the CIB status section", complete=lambda ctx, words: ["live"])
    def do_load(self, ctx: Context, source: str) -> bool:
        """``load {FILE | shadow:NAME | live}``: a fresh copy; earlier edits are dropped."""
        self.session.cibstatus = _load(self.session, source)
        return True

    @command(help="Save the CIB status section", complete=lambda ctx, words: ["shadow:"])
    def do_save(self, ctx: Context, dest: str = "") -> bool:
        """``save [FILE | shadow:NAME]``: the edited status into that CIB (its configuration
        kept), or the whole edited CIB where there is none yet; by default where it came
        from.  Never to the cluster: the status there is the cluster's own record."""
        space = self._space()
        messages = self.session.messages
        if not space.modified:
            messages.info("apparently you didn't modify status")
            return False
        target = dest or space.origin
        if target == "live":
            messages.warning("cannot save status to the cluster")
            return False
        try:
            if target.startswith("shadow:"):
                name = target[len("shadow:"):]
                store = self.session.shadows()
                if store.exists(name):
                    store.replace(name, space.merged_into(store.read(name)))
                else:
                    store.create(name, space.text())
            else:
                from hacrm.backends.file import write_atomically

                path = Path(target)
                text = space.merged_into(path.read_text(encoding="utf-8")) \
                    if path.is_file() else space.text()
                write_atomically(path, text)
        except (StatusEditError, CibXmlError) as err:
            raise CommandError(f"{target} exists, but {err}") from None
        except ShadowError as err:
            raise CommandError(str(err)) from None
        except OSError as err:
            raise CommandError(f"cannot write {target}: {err.strerror}") from None
        return True

    @command(help="Display origin of the CIB status section")
    def do_origin(self, ctx: Context) -> bool:
        space = self._space()
        self.session.messages.line(space.origin + (" (modified)" if space.modified else ""))
        return True

    @command(help="Show CIB status section", complete=lambda ctx, words: ["changed"])
    def do_show(self, ctx: Context, changed: str = "") -> bool:
        """``show``: the status section as XML; ``show changed``: the edits made."""
        if changed and changed != "changed":
            raise CommandError(f"Expected 'changed', got '{changed}'")
        space = self._space()
        if changed:
            for line in space.changed_lines():
                self.session.messages.line(line)
            return True
        self.session.page(space.status_xml())
        return True

    @command(help="Set the quorum", complete=lambda ctx, words: ["true", "false"])
    def do_quorum(self, ctx: Context, value: str) -> bool:
        word = value.lower()
        if word not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            raise CommandError(f"{value}: bad boolean option")
        self._space().set_quorum(word in ("true", "yes", "on", "1"))
        return True

    @command(help="Change node status", complete=_complete_node)
    def do_node(self, ctx: Context, node: str, state: str) -> bool:
        """``node NODE {online|offline|unclean}``."""
        self._edit(lambda space: space.set_node(node, state))
        return True

    @command(help="Manage tickets",
             complete=lambda ctx, words: list(TICKET_ACTIONS) if len(words) == 3 else [])
    def do_ticket(self, ctx: Context, ticket: str, action: str) -> bool:
        """``ticket TICKET {grant|revoke|activate|standby}``."""
        self._edit(lambda space: space.set_ticket(ticket, action))
        return True

    @command(help="Edit outcome of a resource operation", complete=_complete_op)
    def do_op(self, ctx: Context, op: str, rsc: str, rc: str, *rest: str) -> bool:
        """``op OPERATION RESOURCE EXIT_CODE [OP_STATUS] [NODE]``; an operation status is a
        number or a name (done, timeout, error, ...), anything else there is the node."""
        if len(rest) > 2:
            raise CommandError("usage: op <operation> <resource> <exit_code> [<op_status>] "
                               "[<node>]")
        op_status = node = None
        if len(rest) == 2:
            op_status, node = rest
        elif rest:
            word = rest[0]
            if word in OP_STATUSES or word.lstrip("-").isdigit():
                op_status = word
            else:
                node = word
        now = int(time.time())  # an injected failure is as recent as a real one would be
        self._edit(lambda space: space.set_op(op, rsc, rc, op_status, node, now))
        return True

    def _edit(self, change) -> None:
        try:
            change(self._space())
        except StatusEditError as err:
            raise CommandError(str(err)) from None

    @command(help="Run policy engine", complete=lambda ctx, words: list(WORDS))
    def do_run(self, ctx: Context, *args: str) -> bool:
        """``run [nograph] [v...] [scores] [utilization]``: what the cluster would do."""
        return self._schedule(args, execute=False)

    @command(help="Simulate cluster transition", complete=lambda ctx, words: list(WORDS))
    def do_simulate(self, ctx: Context, *args: str) -> bool:
        """``simulate [nograph] [v...] [scores] [utilization]``: also carry it out."""
        return self._schedule(args, execute=True)

    def _schedule(self, args: tuple[str, ...], *, execute: bool) -> bool:
        name = "simulate" if execute else "run"
        return schedule_and_page(self.session, self._space().text(), args, execute=execute,
                                 usage=f"{name} [nograph] [v...] [scores] [utilization]")
