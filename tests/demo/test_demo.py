"""``make demo``: the non-interactive story end to end through the Makefile's own target, and
the interactive path under pexpect (the guide, the prompt, a command, quit stops the sandbox).

Every run keeps its sandbox under the test's temporary directory (``TMPDIR`` for ``make demo``,
``--dir`` for the shell).  A process is ours when its command line or environment names that
directory: after each run none may be left, and at teardown any left over is killed (SIGKILL,
by pid), so a failing test leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
ANSI = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"   # rich's colours, anywhere on a terminal


def _on_screen(text: str) -> str:
    """A pattern for ``text`` as a terminal shows it: colour codes anywhere, any run of blanks
    where ``text`` has one."""
    parts = [r"\s+" if char == " " else re.escape(char) for char in text]
    return ANSI + ANSI.join(parts)


def _processes(directory: Path) -> list[int]:
    """Pids of the processes whose command line or environment names ``directory``."""
    needle = str(directory).encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for name in ("cmdline", "environ"):
            try:
                if needle in Path(f"/proc/{entry}/{name}").read_bytes():
                    found.append(int(entry))
                    break
            except OSError:
                continue
    return found


@pytest.fixture
def scratch(tmp_path: Path):
    """A directory for one demo run; whatever still runs from it at the end is killed."""
    directory = tmp_path / "run"
    directory.mkdir()
    yield directory
    for pid in _processes(directory):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _env(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CIB_file", "CIB_shadow", "HACRM_SANDBOX", "HACRM_NODE", "KEEP")}
    env.update(PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="110", LINES="50", TERM="xterm",
               PYTHONUNBUFFERED="1", TMPDIR=str(scratch))
    return env


def test_make_demo_without_a_terminal(scratch: Path) -> None:
    """`make demo < /dev/null`, as the README has it: the whole story, then nothing left."""
    if shutil.which("make") is None or not PYTHON.exists():
        pytest.skip("needs make and the project's .venv (`make venv`)")
    proc = subprocess.run(["make", "-s", "demo"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=_env(scratch), cwd=ROOT, timeout=400, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:] + proc.stderr[-3000:]
    on = "web-server\t(ocf:hacrm:webserver):\t Started {}".format
    steps = ["$ crm cluster sandbox start --nodes 2", "$ crm -w configure load update",
             "$ crm status", "Online: [ node1 node2 ]", on("node1"), "Served by node node1",
             "$ crm -w node standby node1", "$ crm status", "Node node1: standby",
             on("node2"), "Served by node node2",
             "$ crm -w node online node1", "$ crm status", "Online: [ node1 node2 ]",
             on("node2"), "Served by node node2",
             "$ crm cluster sandbox stop", "stopped node1, node2"]
    position = 0
    for step in steps:
        found = out.find(step, position)
        assert found >= 0, f"{step!r} missing after position {position}:\n{out}"
        position = found + len(step)
    # the configuration shown is the classic two-node web service, fencing included
    for line in ("group web-service web-data web-server", "colocation watch-with-web inf:",
                 "order web-then-watch Mandatory:", "location prefer-node1 web-service 100: node1",
                 "stonith:fence_hacrm", "property stonith-enabled=true no-quorum-policy=ignore",
                 "rsc_defaults resource-stickiness="):
        assert line in out
    assert re.search(r"Membership: ring \S+, 2 members \[ node1 node2 \], quorate", out)
    assert "fence-sandbox\t(stonith:fence_hacrm):\t Started" in out
    assert _processes(scratch) == []
    assert not list(scratch.glob("hacrm-demo-*")), "the demo's temporary sandbox was left"


def test_shell_on_a_terminal(scratch: Path) -> None:
    """The guide, crm's prompt on node1, `status` through the live engine, and `quit` stopping
    the sandbox."""
    pexpect = pytest.importorskip("pexpect")
    sandbox = scratch / "sandbox"
    child = pexpect.spawn(str(PYTHON), ["-m", "hacrm.demo", "--dir", str(sandbox)],
                          env=_env(scratch), cwd=str(ROOT), encoding="utf-8", timeout=240,
                          dimensions=(50, 110))
    prompt = r"crm\(live/node1\)#"
    try:
        child.expect_exact("This is crm on node1. Try:")
        child.expect_exact("node standby node1")
        child.expect(prompt, timeout=60)
        child.sendline("status")
        child.expect(_on_screen("Online: [ node1 node2 ]"), timeout=60)
        child.expect(_on_screen("web-server (ocf:hacrm:webserver): Started node1"), timeout=30)
        child.expect(prompt, timeout=30)
        child.sendline("quit")
        child.expect_exact("stopped node1, node2", timeout=120)
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert _processes(sandbox) == []
