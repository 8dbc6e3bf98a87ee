"""Commands every level has: navigation (cd, up, ls, quit) and help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandError, Level, command, resolve

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context


def _cd_targets(ctx: Context, words: list[str]) -> list[str]:
    level = type(ctx.current)
    names = [i.name for i in level.visible() if i.is_level]
    return ([".."] if ctx.parent is not None else []) + names


def _help_subjects(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.help import topic_keys
    from hacrm.shell.levels.configure import ELEMENTS

    return sorted(set(type(ctx.current).words()) | set(topic_keys()) | set(ELEMENTS))


class BaseLevel(Level):
    """The navigation and help commands, inherited by every level."""

    @command(help="Navigate the level structure", complete=_cd_targets)
    def do_cd(self, ctx: Context, path: str = "..") -> bool:
        ok = True
        for part in path.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                ok = ctx.up() and ok
                continue
            info, _ = resolve(type(ctx.current), part)
            if info is None or not info.is_level:
                raise CommandError(f"{part} not found in {ctx.current.name or 'the top level'}")
            ctx.enter(info)
        ctx.save_position()
        return ok

    @command(aliases=("..",), old_names=("end", "back"), help="Go back to the previous level")
    def do_up(self, ctx: Context) -> bool:
        ok = ctx.up()
        ctx.save_position()
        return ok

    @command(help="List levels and commands")
    def do_ls(self, ctx: Context) -> None:
        names = [".."] if ctx.parent is not None else []
        names += [n for n in type(ctx.current).words() if not n.startswith(("-", "_"))]
        ctx.session.messages.write(ls_layout(sorted(names)))

    @command(aliases=("?",), help="Show help (help topics for the list of topics)",
             complete=_help_subjects)
    def do_help(self, ctx: Context, subject: str = "", detail: str = "") -> bool:
        from hacrm.shell.help import render_help

        text = render_help(ctx, subject, detail)
        if text is None:
            raise CommandError(f"no help for {subject}")
        ctx.session.page(text.rstrip("\n"))
        return True

    @command(old_names=("bye", "exit"), help="Exit the interactive shell")
    def do_quit(self, ctx: Context) -> None:
        from hacrm.shell.dispatch import Quit

        raise Quit(0)


def ls_layout(words: list[str]) -> str:
    """``ls`` as crmsh lays it out: a third of the names per row, taken down the columns,
    in cells of at least 18 characters."""
    width = max([16] + [len(w) for w in words])
    if width >= 16:
        width += 2
    rows = len(words) // 3
    return "".join("".join(f"{w:<{width}} " for w in words[i::rows]) + "\n"
                   for i in range(rows))


def columns(words: list[str], width: int = 80) -> str:
    """Words in columns across, the way ``ls`` lists a level."""
    if not words:
        return ""
    cell = max(16, max(len(w) for w in words) + 2)
    per_row = max(1, width // cell)
    rows = [words[i:i + per_row] for i in range(0, len(words), per_row)]
    return "".join("".join(w.ljust(cell) for w in row).rstrip() + "\n" for row in rows)
