"""The interactive shell: prompt_toolkit, prompts as crmsh shows them, history, completion.

Keys: Tab completes (from the grammar and the configuration, see :mod:`hacrm.shell.complete`);
Ctrl-C cancels the line being typed; Ctrl-D on an empty line leaves the current level, and at
the top level leaves the shell; a line ending in a backslash continues on the next line (the
continuation prompt is ``   > ``).  Input is highlighted with the crm lexer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hacrm.shell.dispatch import Quit

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

    from hacrm.shell.dispatch import Context

CONTINUATION = "   > "


def history_file() -> Path:
    """Where the command history is kept (``$XDG_STATE_HOME/crm/history``)."""
    base = os.environ.get("XDG_STATE_HOME")
    if base:
        return Path(base) / "crm" / "history"
    from platformdirs import user_state_dir

    return Path(user_state_dir("crm", appauthor=False)) / "history"


def _history() -> Any:
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


def _key_bindings() -> Any:
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @Condition
    def continued() -> bool:
        from prompt_toolkit.application.current import get_app

        return get_app().current_buffer.document.text_before_cursor.rstrip().endswith("\\")

    @bindings.add("enter", filter=continued)
    def _(event: Any) -> None:
        """A trailing backslash continues the command on a new line."""
        event.current_buffer.insert_text("\n")

    return bindings


def _lazy_lexer() -> Any:
    """A prompt_toolkit lexer that loads pygments and the crm lexer only once there is text
    to colour, which keeps them off the path to the first prompt."""
    from prompt_toolkit.lexers import Lexer

    class LazyCrmLexer(Lexer):
        def __init__(self) -> None:
            self._inner: Any = None

        def lex_document(self, document: Any) -> Any:
            if not document.text:
                return lambda lineno: []
            if self._inner is None:
                from prompt_toolkit.lexers import PygmentsLexer

                from hacrm.shell.highlight import CrmLexer

                self._inner = PygmentsLexer(CrmLexer)
            return self._inner.lex_document(document)

    return LazyCrmLexer()


def make_prompt_session(ctx: Context, *, input: Any = None, output: Any = None,
                        history: Any = None) -> PromptSession[str]:
    """The prompt_toolkit session of the shell (input/output can be replaced in tests)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import DynamicCompleter, ThreadedCompleter

    from hacrm.shell.completer import CrmCompleter

    completer = CrmCompleter(ctx)
    ctx.completer = completer  # type: ignore[attr-defined]
    colour = ctx.session.colour
    return PromptSession(
        history=history if history is not None else _history(),
        completer=ThreadedCompleter(DynamicCompleter(lambda: ctx.completer)),  # type: ignore[attr-defined]
        complete_while_typing=False,
        lexer=_lazy_lexer() if colour else None,
        key_bindings=_key_bindings(),
        prompt_continuation=lambda width, line, wrap: CONTINUATION,
        input=input, output=output,
        enable_history_search=False,
        mouse_support=False,
    )


def run_repl(ctx: Context, *, input: Any = None, output: Any = None,
             history: Any = None, before_first_prompt: Any = None) -> int:
    """Read, run, repeat until quit or Ctrl-D at the top; return the exit code.

    ``before_first_prompt(clear=False)`` is called just before the line editor draws its first
    prompt (the CLI hands the terminal back from its early prompt there)."""
    session = ctx.session
    prompt = make_prompt_session(ctx, input=input, output=output, history=history)
    completer = ctx.completer  # type: ignore[attr-defined]
    started = []

    def first_refresh() -> None:
        """Read the configuration's names once the first prompt is up, not before."""
        if not started:
            started.append(True)
            completer.refresh_in_background()

    def ask(question: str) -> bool:
        text = question.removesuffix("?")
        while True:
            try:
                answer = prompt.prompt(f"{text} (y/n)? ", completer=None,
                                       lexer=None).strip().lower()
            except (EOFError, KeyboardInterrupt):
                return False
            if answer[:1] in ("y", "n"):
                return answer.startswith("y")

    session.prompt_yes_no = ask
    session.messages.before_output = None
    if before_first_prompt is not None:
        before_first_prompt(clear=False)
    code = 0
    while True:
        try:
            text = prompt.prompt(ctx.prompt(), pre_run=first_refresh)
        except KeyboardInterrupt:
            continue
        except EOFError:
            if len(ctx.stack) > 1:
                if not ctx.up():
                    continue
                ctx.save_position()
                continue
            break
        session.source, session.line = "<input>", 1
        try:
            ctx.run(text)
        except Quit as done:
            code = done.code
            break
        except KeyboardInterrupt:
            ctx.abandon_line()
            session.messages.error("interrupted")
        completer.refresh_in_background()
    if not leave_asking(ctx):
        code = code or 1
    session.messages.line("bye")
    return code


def leave_asking(ctx: Context) -> bool:
    """Leave every open level on the way out, letting each ask (commit pending changes?)."""
    ok = True
    while len(ctx.stack) > 1:
        ok = ctx.stack[-1].on_leave(ctx, in_transit=False) is not False and ok
        ctx.stack.pop()
    return ok
