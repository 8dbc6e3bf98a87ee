"""Running one command line: walk the level path, call the command, come back.

The :class:`Context` is the user's position in the level tree (a stack of level instances) and
the one place that turns a line of text into a call.  A line is a path of level names followed
by at most one command (``configure show``, ``cib use s1``, ``cd configure``); levels named on
the way are entered, the command runs, and when a command ran the stack goes back to where it
was, leaving the levels it entered "in transit" (a configure level left that way commits, as in
crmsh).  A line holding only level names stays in the last one.

Errors never escape as tracebacks: they are reported as ``ERROR: level.command: message`` (or
as located diagnostics for the configure language) and make :meth:`Context.run` return False.
"""

from __future__ import annotations

import importlib
import re
import shlex
import sys
from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandError, CommandInfo, Level, check_arity, resolve

if TYPE_CHECKING:
    from hacrm.shell.session import Session

_WORD = re.compile(r"\s*(\S+)")
_HELP_WORDS = ("help", "?", "-h", "--help")


class Quit(Exception):
    """Raised by ``quit``: leave the shell with ``code`` (after the levels' leave hooks)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code


def load_level(target: str) -> type[Level]:
    """Import a sub-level class named ``module:Class`` (levels load only when used)."""
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


class Context:
    """Where the user is in the level tree, and the dispatcher of command lines."""

    def __init__(self, session: Session, root: type[Level] | None = None) -> None:
        if root is None:
            from hacrm.shell.levels.root import RootLevel

            root = RootLevel
        self.session = session
        self.stack: list[Level] = [root(session)]
        self.command_name = ""
        self._mark = 0
        self._in_transit = False

    # ------------------------------------------------------------------ position
    @property
    def current(self) -> Level:
        return self.stack[-1]

    @property
    def parent(self) -> Level | None:
        return self.stack[-2] if len(self.stack) > 1 else None

    def path(self) -> list[str]:
        return [lvl.prompt_name() for lvl in self.stack[1:]]

    def prompt(self) -> str:
        """``crm(live/node1)configure# `` as crmsh shows it."""
        return f"crm({self.session.cib_label()}/{self.session.node}){' '.join(self.path())}# "

    def qualified(self, name: str | None = None) -> str:
        """``level.sublevel.command`` for messages (just the command at the top)."""
        parts = [lvl.name for lvl in self.stack[1:]]
        name = self.command_name if name is None else name
        if name:
            parts.append(name)
        return ".".join(parts)

    def in_level(self, name: str) -> bool:
        return any(lvl.name == name for lvl in self.stack)

    # ------------------------------------------------------------------ moving
    def enter(self, info: CommandInfo) -> Level:
        """Push the sub-level ``info`` names (its enter hook may refuse)."""
        level = load_level(info.target or "")(self.session)
        level.on_enter(self)
        self.stack.append(level)
        return level

    def up(self, *, in_transit: bool | None = None) -> bool:
        """Leave the current level (running its leave hook); False if that hook failed."""
        if len(self.stack) <= 1:
            return True
        transit = self._in_transit if in_transit is None else in_transit
        ok = self.stack[-1].on_leave(self, in_transit=transit)
        if ok is False and self.session.flags.interactive and not transit:
            return False  # e.g. uncommitted changes and the user said no: stay
        self.stack.pop()
        return ok is not False

    def to_top(self) -> bool:
        ok = True
        while len(self.stack) > 1:
            before = len(self.stack)
            ok = self.up() and ok
            if len(self.stack) == before:
                return False
        return ok

    def save_position(self) -> None:
        """Commands that move (cd, up) make the new position stick."""
        self._mark = len(self.stack)

    def abandon_line(self) -> None:
        """Ctrl-C while a line ran: go back to where the line started, without the leave
        hooks (nothing more is committed or asked)."""
        if 0 < self._mark < len(self.stack):
            del self.stack[self._mark:]

    def _back_out(self) -> bool:
        ok = True
        while self._mark > 0 and len(self.stack) > self._mark:
            ok = self.up(in_transit=True) and ok
        return ok

    # ------------------------------------------------------------------ running
    def run(self, line: str) -> bool:
        """Run one command line; True when it succeeded."""
        text = line.strip()
        indent = len(line) - len(line.lstrip())
        if not text or text.startswith("#"):
            return True
        text = _help_flag(text)
        self._mark = len(self.stack)
        self._in_transit = False
        ran_command = False
        ok = True
        pos = 0
        saved: list[Level] | None = None
        self.command_name = ""
        try:
            while True:
                match = _WORD.match(text, pos)
                if match is None:
                    break
                word = match.group(1)
                self.command_name = word
                if pos == 0 and saved is None and self._is_absolute(word):
                    saved, self.stack = self.stack, self.stack[:1]
                    self._mark = 1
                info = self._resolve(word)
                self.command_name = info.name
                if info.is_level:
                    self.enter(info)
                    self._in_transit = True
                    pos = match.end()
                    continue
                ran_command = True
                # the command's own text, blanked before it so that columns in diagnostics
                # count from the start of the line as typed
                start = match.start(1)
                whole = " " * (indent + start) + text[start:]
                ok = self._call(info, whole, text[match.end():])
                if ok and info.waits:
                    self.session.wait_for_cluster()
                break
        except Quit:
            if saved is not None:
                self.stack = saved
            raise
        except Exception as err:  # noqa: BLE001 - every failure becomes a message
            self.report(err)
            ok = False
        if ran_command or not ok:
            ok = self._back_out() and ok
            if saved is not None:
                self.stack = saved
                self._mark = len(saved)
        elif saved is not None:
            self._leave_abandoned(saved)
        return ok

    def _is_absolute(self, word: str) -> bool:
        """A level of the top level named from inside another level (``configure show`` typed
        in ``cib``): the line runs from the top and the position is restored afterwards."""
        if len(self.stack) <= 1 or type(self.current).lookup(word) is not None:
            return False
        info = type(self.stack[0]).lookup(word)
        return info is not None and info.is_level

    def _leave_abandoned(self, saved: list[Level]) -> None:
        """Moving to another branch of the tree by its absolute name leaves the old one."""
        new = self.stack
        self.stack = saved
        while len(self.stack) > 1:
            if not self.up(in_transit=False):
                self.stack = saved  # e.g. uncommitted changes kept: stay where we were
                return
        self.stack = new
        self._mark = len(new)

    def _resolve(self, word: str) -> CommandInfo:
        level = type(self.current)
        info, how = resolve(level, word)
        if info is None:
            raise CommandError("No such command")
        messages = self.session.messages
        if how == "old":
            messages.warning(f"This command '{word}' is deprecated, please use '{info.name}'")
        if how in ("old", "abbrev"):
            messages.info(f'"{word}" is accepted as "{info.name}"')
        return info

    def _call(self, info: CommandInfo, whole: str, rest: str) -> bool:
        level = self.current
        method = getattr(level, info.method or "")
        if info.raw:
            words = rest.split()
            if len(words) == 1 and words[0] in _HELP_WORDS:
                return self.run_help(info.topic or info.name)
            result = method(self, whole)
        else:
            try:
                args = shlex.split(rest)
            except ValueError as err:
                raise CommandError(f"cannot parse the arguments: {err}") from None
            check_arity(type(level), info, args)
            result = method(self, *args)
        return result is not False

    def run_help(self, subject: str) -> bool:
        help_info = type(self.current).lookup("help")
        assert help_info is not None and help_info.method
        return getattr(self.current, help_info.method)(self, subject) is not False

    # ------------------------------------------------------------------ reporting
    def report(self, err: BaseException) -> None:
        """Turn any failure into messages; tracebacks only for bugs, and only with -d."""
        from hacrm.diagnostics import ConfigureError

        messages = self.session.messages
        if isinstance(err, ConfigureError):
            for diag in err.diagnostics:
                messages.diagnostic(diag)
            return
        known = _user_errors()
        if isinstance(err, known):
            messages.error(f"{self.qualified()}: {err}")
            return
        if self.session.flags.debug:
            import traceback

            traceback.print_exception(err, file=sys.stderr)
        messages.error(f"{self.qualified()}: internal error: {type(err).__name__}: {err}"
                       + ("" if self.session.flags.debug else " (run with -d for details)"))


def _help_flag(text: str) -> str:
    """``primitive --help`` and ``property -h`` mean ``help primitive``."""
    words = text.split()
    if len(words) == 2 and words[1] in ("-h", "--help") and words[0] not in _HELP_WORDS:
        return f"help {words[0]}"
    return text


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is meant for the user as it is."""
    from hacrm.backends.base import BackendError
    from hacrm.cib.xmlparse import CibXmlError
    from hacrm.scheduler.unpack import CibError
    from hacrm.shadow import ShadowError
    from hacrm.shell.preferences import PreferenceError
    from hacrm.shell.session import NoBackend

    return (CommandError, BackendError, ShadowError, PreferenceError, NoBackend, OSError,
            CibXmlError, CibError)
