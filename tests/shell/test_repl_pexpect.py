"""The real shell on a pseudo-terminal (pexpect), as a user types into it.

prompt_toolkit draws with escape sequences and does not print the prompt's trailing blank, and
``show`` is coloured on a terminal, so expectations are regular expressions that allow colour
codes between characters (:func:`shown`).  CPR requests are disabled and the terminal size is
fixed.  Each test starts its own ``crm`` on a scratch file CIB.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

CRM = str(Path(sys.executable).with_name("crm"))
FIXTURE_OCF = Path(__file__).with_name("fixtures") / "ocf"
_CODES = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"


def shown(text: str) -> str:
    """A regex matching ``text`` with any terminal escape codes between its characters."""
    return "".join(re.escape(ch) + _CODES for ch in text)


@pytest.fixture
def crm(scratch):
    env = dict(os.environ)
    env.update(scratch.env())
    env.update(PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="120", LINES="40", TERM="xterm",
               EDITOR="false", OCF_ROOT=str(FIXTURE_OCF))
    children = []

    def spawn(*args: str, extra_env: dict[str, str] | None = None):
        child = pexpect.spawn(CRM, ["--node", "n1", *args], env={**env, **(extra_env or {})},
                              encoding="utf-8", timeout=15, dimensions=(40, 120),
                              cwd=str(scratch.root))
        children.append(child)
        return child

    yield spawn
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def prompt(child, path: str = "", cib: str = "cib.xml") -> None:
    child.expect_exact(f"crm({cib}/n1){path}#")


def eventually(check, timeout: float = 10.0) -> bool:
    """Poll ``check`` until it holds (bounded: at most ``timeout`` seconds)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def enter(child, line: str) -> None:
    """Type a line and wait until the shell took it (its echo after the prompt is redrawn)."""
    child.sendline(line)
    child.expect(shown(line.split()[-1]) if line.split() else "\n")


@pytest.mark.slow
def test_levels_completion_show_commit(crm, scratch) -> None:
    c = crm()
    prompt(c)
    c.sendline("configure")
    prompt(c, "configure")
    enter(c, "property stonith-enabled=false")
    prompt(c, "configure")
    c.send("primitive p1 ocf:heartbeat:Pro")
    c.expect(shown("Pro"))
    c.send("\t")                                         # agent completed by Tab
    c.expect(shown("be"))
    c.send(" params ho")
    c.expect(shown("ho"))
    c.send("\t")                                         # parameter name completed, '=' added
    c.expect(shown("st="))
    c.sendline("1")
    prompt(c, "configure")
    c.sendline("show changed")
    c.expect(shown("primitive p1 Probe"))
    c.expect(shown("params host=1"))
    prompt(c, "configure")
    enter(c, "commit")
    prompt(c, "configure")
    assert eventually(lambda: 'id="p1"' in scratch.cib.read_text())
    c.sendline("up")
    prompt(c)
    c.sendline("quit")
    c.expect("bye")
    c.expect(pexpect.EOF)


@pytest.mark.slow
def test_a_resource_its_agent_refuses_is_refused_as_typed(crm, scratch) -> None:
    """check-frequency always (the default), at a terminal: a primitive missing a parameter
    its agent requires is not staged; one with only a warning is."""
    c = crm()
    prompt(c)
    c.sendline("configure")
    prompt(c, "configure")
    c.sendline("primitive bad ocf:heartbeat:Probe params colour=red")
    c.expect(shown('bad: required parameter "host" not defined'))
    c.expect(shown('bad: parameter "colour" is not known'))
    prompt(c, "configure")
    c.sendline("primitive good ocf:heartbeat:Probe params host=h op monitor interval=0")
    c.expect(shown("good: interval in monitor should be larger than 0, advised is 10s"))
    prompt(c, "configure")
    c.sendline("show")
    c.expect(shown("primitive good Probe"))
    prompt(c, "configure")
    assert "bad" not in c.before
    c.sendline("quit")
    c.expect("commit them")
    c.sendline("n")
    c.expect(pexpect.EOF)


@pytest.mark.slow
def test_help_and_syntax_error(crm) -> None:
    c = crm()
    prompt(c)
    c.sendline("configure")
    prompt(c, "configure")
    c.sendline("help show")
    c.expect(shown("Show the configuration"))
    prompt(c, "configure")
    c.sendline("help primitive")
    c.expect(shown("primitive"))
    prompt(c, "configure")
    c.sendline("primitive")
    c.expect(r"<input>:1:\d+: .*error")
    prompt(c, "configure")
    c.sendline("location l1 p1 100 node1")
    c.expect("error")
    prompt(c, "configure")
    c.sendcontrol("d")
    prompt(c)
    c.sendcontrol("d")
    c.expect("bye")
    c.expect(pexpect.EOF)


@pytest.mark.slow
def test_ctrl_c_and_multiline(crm) -> None:
    c = crm("configure")
    prompt(c, "configure")
    c.send("primitive cancelled Dummy")
    c.sendcontrol("c")
    prompt(c, "configure")
    c.sendline("primitive p2 Probe \\")
    c.expect_exact("   >")
    c.sendline("   params host=2")
    prompt(c, "configure")
    c.sendline("show")
    c.expect(shown("primitive p2 Probe"))
    prompt(c, "configure")
    c.sendline("show cancelled")
    c.expect("does not exist")
    prompt(c, "configure")
    c.sendcontrol("d")
    c.expect(r"changes pending.*commit")
    c.sendline("n")
    prompt(c)
    c.sendline("quit")
    c.expect(pexpect.EOF)


@pytest.mark.slow
def test_shadow_cib_new_use_commit(crm, scratch) -> None:
    c = crm()
    prompt(c)
    c.sendline("cib new trial")
    c.expect("trial shadow CIB created")
    prompt(c, cib="trial")
    c.sendline("configure property stonith-enabled=false")
    prompt(c, cib="trial")
    enter(c, "configure primitive s1 Probe params host=s1")
    prompt(c, cib="trial")
    assert eventually(lambda: 'id="s1"' in (scratch.shadow / "shadow.trial").read_text())
    assert 'id="s1"' not in scratch.cib.read_text()
    c.sendline("cib commit trial")
    c.expect("committed 'trial' shadow CIB to the cluster")
    prompt(c, cib="trial")
    assert eventually(lambda: 'id="s1"' in scratch.cib.read_text())
    c.sendline("cib use live")
    prompt(c)
    c.sendline("quit")
    c.expect(pexpect.EOF)


@pytest.mark.slow
def test_edit_with_a_scripted_editor(crm, scratch) -> None:
    editor = scratch.root / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/host=1/host=42/' \"$1\"\n")
    editor.chmod(0o755)
    c = crm("configure", extra_env={"EDITOR": str(editor)})
    prompt(c, "configure")
    c.sendline("primitive e1 Probe params host=1")
    prompt(c, "configure")
    c.sendline("edit e1")
    prompt(c, "configure")
    c.sendline("show e1")
    c.expect(shown("host=42"))
    prompt(c, "configure")
    c.sendline("quit")
    c.expect(r"changes pending.*commit")
    c.sendline("n")
    c.expect(pexpect.EOF)


@pytest.mark.slow
def test_keys_typed_before_the_shell_loaded_are_not_lost(crm) -> None:
    c = crm()
    c.send("ra cl")            # typed at once: the early prompt holds it for the line editor
    c.sendcontrol("c")         # Ctrl-C early cancels that line instead of killing the shell
    c.send("ls\r")
    c.expect(shown("configure"))
    prompt(c)
    c.sendline("quit")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0


def test_early_prompt_levels_match_the_registry() -> None:
    from hacrm.cli import LEVELS
    from hacrm.shell.levels.root import RootLevel

    assert LEVELS == tuple(sorted(i.name for i in RootLevel.visible() if i.is_level))
