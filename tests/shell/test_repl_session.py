"""The interactive shell in-process: prompt_toolkit reading from a pipe, writing nowhere.

Keys are sent as text (``\\x03`` Ctrl-C, ``\\x04`` Ctrl-D); what the commands print goes to
the captured message streams, the prompts to a DummyOutput.
"""

from __future__ import annotations

import pytest
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from hacrm.shell.repl import run_repl


def repl(shell, keys: str) -> int:
    shell.session.flags.interactive = True
    shell.session.flags.force = False
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        return run_repl(shell.ctx, input=pipe, output=DummyOutput(), history=InMemoryHistory())


@pytest.fixture(autouse=True)
def _no_pager(shell) -> None:
    shell.session.prefs.set_unchecked("core", "pager", "")


def test_define_show_commit_quit(shell, scratch) -> None:
    rc = repl(shell, "configure\nproperty stonith-enabled=false\nprimitive p1 Dummy\n"
                     "show changed\ncommit\nquit\n")
    out, err = shell.take()
    assert rc == 0, err
    assert "primitive p1 Dummy" in out
    assert out.endswith("bye\n")
    assert 'id="p1"' in scratch.cib.read_text()


def test_backslash_continues_the_line(shell) -> None:
    repl(shell, "configure\nprimitive p1 Dummy \\\n   params fake=3\nshow p1\n\x04n\n\x04")
    out, err = shell.take()
    assert "params fake=3" in out, err


def test_ctrl_c_cancels_the_line(shell) -> None:
    repl(shell, "configure\nprimitive junk Dummy\x03show\n\x04\x04")
    out, err = shell.take()
    assert "junk" not in out and not err


def test_ctrl_d_leaves_the_level_then_the_shell(shell) -> None:
    rc = repl(shell, "cib\n\x04ls\n\x04")
    out, _ = shell.take()
    assert rc == 0
    assert "configure" in out  # ls printed the top level's list after Ctrl-D left cib
    assert out.endswith("bye\n")


def test_leaving_configure_with_changes_asks(shell, scratch) -> None:
    before = scratch.cib.read_text()
    repl(shell, "configure\nprimitive p1 Dummy\nup\nn\nquit\n")
    assert scratch.cib.read_text() == before
    repl(shell, "configure\nproperty stonith-enabled=false\nprimitive p2 Dummy\nup\ny\nquit\n")
    assert 'id="p2"' in scratch.cib.read_text()


def test_syntax_error_is_reported_and_the_session_goes_on(shell) -> None:
    rc = repl(shell, "configure\nlocation l1 p1 100 node1\nprimitive ok Dummy\nshow ok\n"
                     "\x04n\n\x04")
    out, err = shell.take()
    assert rc == 0
    assert "<input>:1:" in err and "error" in err
    assert "primitive ok Dummy" in out


def test_shadow_cib_in_the_prompt(shell) -> None:
    seen = []
    original = shell.ctx.prompt

    def spy() -> str:
        text = original()
        seen.append(text)
        return text

    shell.ctx.prompt = spy  # type: ignore[method-assign]
    repl(shell, "cib new trial empty\nconfigure\n\x04cib use live\n\x04")
    assert "crm(cib.xml/node1)# " in seen
    assert "crm(trial/node1)# " in seen
    assert "crm(trial/node1)configure# " in seen


def test_history_is_kept(shell) -> None:
    history = InMemoryHistory()
    shell.session.flags.interactive = True
    with create_pipe_input() as pipe:
        pipe.send_text("ra classes\nls\n\x04")
        pipe.close()
        run_repl(shell.ctx, input=pipe, output=DummyOutput(), history=history)
    assert list(history.load_history_strings())[:2] == ["ls", "ra classes"]


def test_edit_reports_errors_and_offers_to_edit_again(shell, scratch, monkeypatch) -> None:
    editor = scratch.root / "editor.sh"
    count = scratch.root / "count"
    editor.write_text(
        "#!/bin/sh\n"
        f"n=$(cat {count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {count}\n"
        "if [ $n = 1 ]; then sed -i 's/fake=1/fake=1 op/' \"$1\"; "
        "else sed -i 's/fake=1 op/fake=5/' \"$1\"; fi\n")
    editor.chmod(0o755)
    shell.session.prefs.set_unchecked("core", "editor", str(editor))
    assert shell.run("configure primitive e1 Dummy params fake=1")
    shell.take()
    questions = []
    shell.session.flags.interactive = True
    shell.session.flags.force = False
    shell.session.prompt_yes_no = lambda q: questions.append(q) or True
    assert shell.run("configure", "edit e1", "show e1")
    out, err = shell.take()
    assert "<edit>:" in err and "error" in err       # the line of the edited text
    assert questions == ["Do you want to edit again?"]
    assert "params fake=5" in out
