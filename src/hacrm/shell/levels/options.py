"""The ``options`` level: user preferences, saved in the user's crm.conf."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel
from hacrm.shell.preferences import COLOURS, PreferenceError

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context

#: the short commands and the option each one sets
SHORTCUTS = {
    "editor": ("core", "editor"),
    "pager": ("core", "pager"),
    "user": ("core", "user"),
    "skill-level": ("core", "skill_level"),
    "output": ("color", "style"),
    "sort-elements": ("core", "sort_elements"),
    "check-frequency": ("core", "check_frequency"),
    "check-mode": ("core", "check_mode"),
    "wait": ("core", "wait"),
    "add-quotes": ("core", "add_quotes"),
    "manage-children": ("core", "manage_children"),
}

#: the colour scheme lists, in order, the colours of these highlighting classes
SCHEME_SLOTS = ("keyword", "identifier", "attr_name", "attr_value", "resource_reference",
                "score")


def _values_of(name: str) -> Callable[[Context, list[str]], list[str]]:
    section, option = SHORTCUTS[name]

    def complete(ctx: Context, words: list[str]) -> list[str]:
        return list(ctx.session.prefs.kind(section, option).completions())

    return complete


def _option_names(ctx: Context, words: list[str]) -> list[str]:
    if len(words) <= 2:
        return ctx.session.prefs.names()
    section, _, name = words[1].partition(".")
    try:
        return list(ctx.session.prefs.kind(section, name).completions())
    except PreferenceError:
        return []


def _shortcut(name: str, summary: str, *, old: tuple[str, ...] = ()) -> Callable[..., bool]:
    section, option = SHORTCUTS[name]

    def set_option(self: OptionsLevel, ctx: Context, value: str = "") -> bool:
        if not value and name != "user":
            raise CommandError(f"usage: {name} <value>")
        self.session.prefs.set(section, option, value)
        return True

    set_option.__name__ = "do_" + name.replace("-", "_")
    set_option.__doc__ = summary
    return command(name, help=summary, old_names=old, complete=_values_of(name))(set_option)


class OptionsLevel(BaseLevel):
    """User preferences."""

    name = "options"

    do_editor = _shortcut("editor", "Set preferred editor program")
    do_pager = _shortcut("pager", "Set preferred pager program")
    do_user = _shortcut("user", "Set the cluster user")
    do_skill_level = _shortcut("skill-level", "Set skill level", old=("skill_level",))
    do_output = _shortcut("output", "Set output type")
    do_sort_elements = _shortcut("sort-elements", "Sort CIB elements", old=("sort_elements",))
    do_check_frequency = _shortcut("check-frequency", "When to perform semantic check",
                                   old=("check_frequency",))
    do_check_mode = _shortcut("check-mode", "How to treat semantic errors",
                              old=("check_mode",))
    do_wait = _shortcut("wait", "Synchronous operation")
    do_add_quotes = _shortcut("add-quotes", "Add quotes around parameters containing spaces",
                              old=("add_quotes",))
    do_manage_children = _shortcut("manage-children",
                                   "How to handle children resource attributes",
                                   old=("manage_children",))

    @command(help="Set colors for output")
    def do_colorscheme(self, ctx: Context, colors: str) -> bool:
        """Up to six colours for keywords, ids, attribute names and values, references,
        scores, in that order; they apply to this session (the ``color.*`` preferences keep
        the saved ones).  Slots left out keep their colour; crmsh accepts (and ignores) any
        scheme, so a shorter one is not an error, only a name that is no colour is."""
        parts = [c.strip() for c in colors.split(",")]
        if len(parts) > len(SCHEME_SLOTS) or any(p not in COLOURS for p in parts):
            raise CommandError(f"bad color scheme: {colors} (up to {len(SCHEME_SLOTS)} of "
                               f"{', '.join(COLOURS)})")
        self.session.scheme = {**self.session.scheme, **dict(zip(SCHEME_SLOTS, parts))}
        return True

    @command(help="Set the value of a given option", complete=_option_names)
    def do_set(self, ctx: Context, option: str, value: str) -> bool:
        section, dot, name = option.partition(".")
        if not dot or "." in name:
            raise CommandError(f"Unknown option: {option}")
        self.session.prefs.set(section, name, value)
        return True

    @command(old_names=("list",), help="Show current user preference", complete=_option_names)
    def do_show(self, ctx: Context, option: str = "") -> bool:
        prefs = self.session.prefs
        names = prefs.configured() if not option else prefs.names()
        if option and option != "all":
            names = [n for n in names if n.startswith(option) or n.endswith(option)]
        text = "".join(f"{n} = {prefs.raw(*n.split('.', 1))}\n" for n in names)
        self.session.page(text)
        return True

    @command(help="Save the user preferences to the rc file")
    def do_save(self, ctx: Context) -> bool:
        self.session.prefs.save()
        return True

    @command(help="Reset user preferences to what is saved")
    def do_reset(self, ctx: Context) -> bool:
        self.session.prefs.reset()
        return True

    def on_leave(self, ctx: Context, *, in_transit: bool) -> bool:
        """A script (or a one-shot ``crm options ...``) saves what it changed, as crmsh does."""
        if in_transit and not self.session.flags.interactive:
            self.session.prefs.save()
        return True
