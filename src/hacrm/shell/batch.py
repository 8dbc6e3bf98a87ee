"""Batch mode: commands read line by line from a pipe or a file (``crm < script``, ``crm -f``).

No prompts and no questions (a question gets "no" unless ``-F`` forces "yes").  A line ending in
a backslash continues on the next one; the command keeps its continuations so that the
configure language can point at the right physical line.  At the end of the input the levels
still open are left as crmsh leaves them (a configure level with changes commits).

On an error the run stops at once: nothing after the failing line runs, nothing staged is
committed, and the exit code is 1.  In crmsh's regression mode (``-R``) the run goes on after
errors instead, as crmsh does, so that crmsh's own regression sessions can be replayed; the
exit code is still 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hacrm.shell.dispatch import Quit

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context


@dataclass(frozen=True)
class InputCommand:
    """One command as read: its text (continuations kept) and its physical lines."""

    text: str
    first_line: int
    lines: tuple[str, ...]


def read_commands(lines: Iterable[str], first_line: int = 1) -> Iterator[InputCommand]:
    """Group physical lines into commands: a trailing backslash continues a command."""
    pending: list[str] = []
    start = first_line
    number = first_line - 1
    for raw in lines:
        number += 1
        line = raw.rstrip("\n").rstrip("\r")
        if not pending:
            start = number
        pending.append(line)
        if line.rstrip().endswith("\\"):
            continue
        yield InputCommand("\n".join(pending), start, tuple(pending))
        pending = []
    if pending:
        yield InputCommand("\n".join(pending), start, tuple(pending))


def run_batch(ctx: Context, lines: Iterable[str], *, source: str) -> int:
    """Run every command of ``lines``; return the exit code (0 when all succeeded)."""
    session = ctx.session
    messages = session.messages
    keep_going = session.flags.regression
    rc = 0
    stopped = False
    try:
        for cmd in read_commands(lines):
            for offset, physical in enumerate(cmd.lines):
                if session.flags.regression:
                    messages.lineno = cmd.first_line + offset
                    messages.echo_input(physical)
            session.source, session.line = source, cmd.first_line
            if not ctx.run(cmd.text):
                rc = 1
                if not keep_going:
                    stopped = True
                    break
    except Quit as done:
        rc = rc or done.code
    except KeyboardInterrupt:
        return 1
    if stopped:
        _abandon(ctx)
        return 1
    if not leave_all(ctx):
        rc = 1
    return rc


def leave_all(ctx: Context) -> bool:
    """Leave every open level as a finished script does (configure commits its changes,
    since nobody is there to ask)."""
    ok = True
    while len(ctx.stack) > 1:
        ok = ctx.stack[-1].on_leave(ctx, in_transit=False) is not False and ok
        ctx.stack.pop()
    return ok


def _abandon(ctx: Context) -> None:
    """After an error: drop staged changes instead of committing them."""
    session = ctx.session
    if session.has_working_copy():
        try:
            pending = session.working_copy().has_changes()
        except Exception:  # noqa: BLE001 - a broken working copy has nothing to keep
            pending = False
        if pending:
            session.messages.error("stopped at the first error; the changes staged in this "
                                   "configure session were not committed")
    session.drop_working_copy()
    del ctx.stack[1:]
