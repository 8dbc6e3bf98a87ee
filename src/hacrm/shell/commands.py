"""The command registry: each level is a class, each command a decorated method on it.

A level (``configure``, ``cib``, ``ra``...) is a subclass of :class:`Level`; its commands are
methods marked with :func:`command`, which records the name, aliases, one-line help and an
optional completer on the function.  ``__init_subclass__`` collects them into the class's own
table, so ``help`` and ``ls`` list exactly what exists and two levels never share state.
Sub-levels are named by an import path and only imported when the user goes there, which keeps
the start-up of ``crm`` cheap.

Command methods take ``(self, ctx, *args)`` where ``args`` are the words the user typed after
the command (shell-style quoting removed); the number of words is checked against the method's
signature before the call so every command gets a uniform usage message.  Commands marked
``raw`` instead receive the text of the whole command as typed (the configure language parses
it itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from hacrm.records import record

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context
    from hacrm.shell.session import Session

__all__ = ["CommandError", "CommandInfo", "Level", "command", "sublevel"]


class CommandError(Exception):
    """A command refused to do what was asked; the message is for the user."""


@record(frozen=True)
class CommandInfo:
    """What the registry knows about one command or sub-level of a level."""

    name: str
    summary: str = ""
    aliases: tuple[str, ...] = ()
    #: older names still accepted with a deprecation warning (crmsh's aliases)
    old_names: tuple[str, ...] = ()
    method: str | None = None  # attribute name on the level class
    target: str | None = None  # "module:Class" of a sub-level
    completer: Callable[..., list[str]] | None = None
    hidden: bool = False
    raw: bool = False
    #: a configure element keyword whose help topic lives in docs (``help primitive``)
    topic: str | None = None
    #: the command changes the cluster: with ``-w`` the shell waits for it to settle after
    waits: bool = False

    @property
    def is_level(self) -> bool:
        return self.target is not None


_MARK = "_crm_command"


def command(name: str | None = None, *, aliases: tuple[str, ...] | list[str] = (),
            old_names: tuple[str, ...] = (), help: str = "", complete: Callable[..., list[str]] | None = None,
            hidden: bool = False, raw: bool = False, topic: str | None = None,
            waits: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a level method as a command.

    ``name`` defaults to the method name without a ``do_`` prefix and with ``_`` turned into
    ``-`` (``do_check_mode`` -> ``check-mode``).  ``aliases`` are other names for it,
    ``old_names`` names still accepted with a deprecation warning.  ``help`` is the one-line
    summary ``help`` shows; the long help is the docs section of the same name.
    """

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        cmd_name = name or func.__name__.removeprefix("do_").replace("_", "-")
        setattr(func, _MARK, CommandInfo(
            name=cmd_name, summary=help, aliases=tuple(aliases), old_names=tuple(old_names),
            method=func.__name__,
            completer=complete, hidden=hidden, raw=raw, topic=topic, waits=waits,
        ))
        return func

    return mark


def sublevel(target: str, *, help: str = "", aliases: tuple[str, ...] = (),
             hidden: bool = False) -> CommandInfo:
    """A sub-level entry for a level's class body: ``configure = sublevel("mod:Class")``."""
    return CommandInfo(name="", summary=help, aliases=aliases, target=target, hidden=hidden)


def resolve(level: type[Level], word: str) -> tuple[CommandInfo | None, str]:
    """Find what ``word`` names on ``level``: a name, an alias, an old name, or an unambiguous
    abbreviation (a prefix, else the letters in order).  Returns the entry and how it was
    found ("exact", "old", "abbrev") so the caller can say so."""
    info = level.lookup(word)
    if info is not None:
        return info, ("old" if word in info.old_names else "exact")
    names = list(level._lookup)
    for matcher in (lambda n: n.startswith(word), lambda n: _in_order(word, n)):
        found = {id(level._lookup[n]): level._lookup[n] for n in names if matcher(n)}
        if len(found) == 1:
            return next(iter(found.values())), "abbrev"
        if found:
            return None, "ambiguous"
    return None, "unknown"


def _in_order(letters: str, name: str) -> bool:
    """``letters`` appear in ``name`` in order, the first one at its start."""
    if not letters or not name.lower().startswith(letters[0].lower()):
        return False
    pos = 0
    for ch in letters.lower():
        pos = name.lower().find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


class Level:
    """One level of the shell.  Subclasses set ``name`` and define commands."""

    name: ClassVar[str] = ""
    #: one line shown by ``help`` of the parent level
    summary: ClassVar[str] = ""
    #: commands and sub-levels in definition order (inherited ones first)
    commands: ClassVar[dict[str, CommandInfo]] = {}
    _lookup: ClassVar[dict[str, CommandInfo]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table: dict[str, CommandInfo] = {}
        for base in reversed(cls.__mro__[1:]):
            table.update(getattr(base, "commands", {}))
        for attr, value in list(vars(cls).items()):
            if isinstance(value, CommandInfo):  # a sub-level
                info = CommandInfo(name=attr.replace("_", "-"), summary=value.summary,
                                   aliases=value.aliases, target=value.target,
                                   hidden=value.hidden)
                table[info.name] = info
            elif callable(value) and hasattr(value, _MARK):
                info = getattr(value, _MARK)
                table[info.name] = info
        cls.commands = table
        lookup: dict[str, CommandInfo] = {}
        for info in table.values():
            lookup[info.name] = info
        for info in table.values():
            for alias in info.aliases + info.old_names:
                lookup.setdefault(alias, info)
        cls._lookup = lookup

    def __init__(self, session: Session) -> None:
        self.session = session

    # --------------------------------------------------------------- registry queries
    @classmethod
    def lookup(cls, word: str) -> CommandInfo | None:
        """The command or sub-level called ``word`` (its name or an alias) on this level."""
        return cls._lookup.get(word)

    @classmethod
    def visible(cls) -> list[CommandInfo]:
        """Commands and sub-levels to list in ``help``/``ls``/completion, sorted by name."""
        return sorted((i for i in cls.commands.values() if not i.hidden), key=lambda i: i.name)

    @classmethod
    def words(cls) -> list[str]:
        """Every name that completes at the start of a line on this level."""
        return sorted({i.name for i in cls.commands.values() if not i.hidden})

    # --------------------------------------------------------------- life cycle hooks
    def on_enter(self, ctx: Context) -> None:
        """Called when the level is entered; raise CommandError to refuse."""

    def on_leave(self, ctx: Context, *, in_transit: bool) -> bool:
        """Called when the level is left.  ``in_transit`` is true when the level was entered
        only to run one command from a path (``configure show`` from the top).  Return False
        when leaving failed (the batch exit code then says so)."""
        return True

    def prompt_name(self) -> str:
        return self.name


_CO_VARARGS = 0x04


def _parameters(func: Callable[..., Any]) -> tuple[list[tuple[str, bool]], str | None]:
    """The command's words: (name, optional) of each parameter after ``self`` and the
    context, and the name of its ``*args`` if any.

    Read from the code object rather than with :mod:`inspect`, whose import alone costs a few
    milliseconds of every ``crm`` start.
    """
    code = func.__code__
    names = code.co_varnames[:code.co_argcount]
    first_default = len(names) - len(func.__defaults__ or ())
    params = [(n, i >= first_default) for i, n in enumerate(names)][2:]
    varargs = None
    if code.co_flags & _CO_VARARGS:
        varargs = code.co_varnames[code.co_argcount + code.co_kwonlyargcount]
    return params, varargs


def usage_of(level: type[Level], info: CommandInfo) -> str:
    """``name <arg> [<opt>] [<more>...]`` from the command method's signature."""
    if info.method is None:
        return info.name + "/"
    if info.raw:
        return f"{info.name} ... (an element of the configure language)"
    func = getattr(level, info.method)
    parts = [info.name]
    params, varargs = _parameters(func)
    for name, optional in params:
        label = name.rstrip("_").replace("_", "-")
        parts.append(f"[<{label}>]" if optional else f"<{label}>")
    if varargs is not None:
        parts.append(f"[<{varargs.rstrip('_').replace('_', '-')}>...]")
    return " ".join(parts)


def check_arity(level: type[Level], info: CommandInfo, args: list[str]) -> None:
    """Refuse a call with too few or too many words, before the command runs."""
    func = getattr(level, info.method or "")
    params, varargs = _parameters(func)
    low = sum(not optional for _, optional in params)
    high = None if varargs is not None else len(params)
    if len(args) < low or (high is not None and len(args) > high):
        if high is None:
            wanted = f"at least {low}"
        elif low == high:
            wanted = f"exactly {low}"
        else:
            wanted = f"{low} to {high}"
        noun = "argument" if (high or low) == 1 else "arguments"
        raise CommandError(f"usage: {usage_of(level, info)} "
                           f"(takes {wanted} {noun}, {len(args)} given)")
