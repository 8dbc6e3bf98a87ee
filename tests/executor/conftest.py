"""Fixtures for executor tests: a private agent tree of small shell agents, and an executor
pointed at it (plus hacrm's shipped agents and the system's OCF root)."""

from __future__ import annotations

import asyncio
import os
import signal
import textwrap
from pathlib import Path

import pytest

from hacrm import agents as shipped
from hacrm.engine.agentenv import AgentPaths
from hacrm.engine.executor import Executor

PROVIDER = "hacrmtest"

OCF_AGENTS = {
    # Writes its environment and stdin to $OCF_RESKEY_out.
    "envdump": """\
        #!/bin/sh
        env > "$OCF_RESKEY_out"
        echo "stdin=[$(cat)]" >> "$OCF_RESKEY_out"
        exit 0
        """,
    # Exits with $OCF_RESKEY_rc, after printing exit reasons.
    "exitcode": """\
        #!/bin/sh
        echo "${OCF_EXIT_REASON_PREFIX}first reason" >&2
        [ -n "$OCF_RESKEY_reason" ] && echo "${OCF_EXIT_REASON_PREFIX}$OCF_RESKEY_reason" >&2
        echo "noise" >&2
        exit "$OCF_RESKEY_rc"
        """,
    # Kills itself with a signal.
    "suicide": """\
        #!/bin/sh
        kill -SEGV $$
        sleep 5
        """,
    # Never finishes; also leaves a child in its process group (its pid in $OCF_RESKEY_out).
    "hang": """\
        #!/bin/sh
        sleep 300 &
        echo $! > "$OCF_RESKEY_out"
        touch "$OCF_RESKEY_out.started"
        wait
        """,
    # Appends "START name t" / "END name t" lines around a sleep (concurrency checks).
    "slow": """\
        #!/bin/sh
        echo "START $OCF_RESOURCE_INSTANCE $(date +%s.%N)" >> "$OCF_RESKEY_log"
        sleep "${OCF_RESKEY_seconds:-0.3}"
        echo "END $OCF_RESOURCE_INSTANCE $(date +%s.%N)" >> "$OCF_RESKEY_log"
        exit 0
        """,
    # Leaves a background process holding stdout open, then exits at once.
    "daemonize": """\
        #!/bin/sh
        sleep 300 &
        echo $! > "$OCF_RESKEY_out"
        echo started
        exit 0
        """,
    # Exit status read from a file (for recurring monitors); counts runs.
    "fromfile": """\
        #!/bin/sh
        echo run >> "$OCF_RESKEY_file.runs"
        exit "$(cat "$OCF_RESKEY_file")"
        """,
    # Meta-data that counts how often it is asked for.
    "counted": """\
        #!/bin/sh
        if [ "$1" = meta-data ]; then
            echo x >> "$(dirname "$0")/counted.calls"
            cat <<'EOF'
        <?xml version="1.0"?>
        <resource-agent name="counted" version="0.9">
        <version>1.1</version>
        <longdesc lang="en">Counts meta-data calls.</longdesc>
        <shortdesc lang="en">counted</shortdesc>
        <parameters>
        <parameter name="a" unique="1"><content type="string"/></parameter>
        <parameter name="b" reloadable="1"><content type="string" default="x"/></parameter>
        <parameter name="secret" private="1" reloadable="1"><content type="string"/></parameter>
        <parameter name="c" required="1"><content type="integer"/></parameter>
        </parameters>
        <actions>
        <action name="start" timeout="40s"/>
        <action name="monitor" timeout="20s" interval="10s"/>
        <action name="reload-agent" timeout="10s"/>
        <action name="meta-data" timeout="5s"/>
        </actions>
        </resource-agent>
        EOF
            exit 0
        fi
        exit 0
        """,
}

LSB_SCRIPT = """\
    #!/bin/sh
    ### BEGIN INIT INFO
    # Provides:          hacrmtest
    # Required-Start:    $remote_fs
    # Short-Description: test script
    # Description:       An init script for tests,
    #                    over two lines.
    ### END INIT INFO
    code=$(cat "$(dirname "$0")/hacrmtest.$1" 2>/dev/null || echo 0)
    exit "$code"
    """

FENCE_AGENT = """\
    #!/bin/sh
    # Records its stdin; answers metadata; exit status from a file.
    dir="$(dirname "$0")"
    input="$(cat)"
    case "$input" in
    *action=metadata*)
        cat <<'EOF'
    <?xml version="1.0" ?>
    <resource-agent name="fence_recorder" shortdesc="records">
    <parameters>
    <parameter name="action"><content type="string"/></parameter>
    <parameter name="plug"><content type="string"/></parameter>
    <parameter name="ipaddr"><content type="string"/></parameter>
    </parameters>
    <actions><action name="off"/><action name="on"/><action name="monitor"/>
    <action name="metadata"/></actions>
    </resource-agent>
    EOF
        exit 0;;
    esac
    printf '%s\\n' "$input" >> "$dir/fence_recorder.calls"
    echo "---" >> "$dir/fence_recorder.calls"
    exit "$(cat "$dir/fence_recorder.rc" 2>/dev/null || echo 0)"
    """


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    path.chmod(0o755)
    return path


@pytest.fixture
def agent_tree(tmp_path) -> Path:
    root = tmp_path / "agents"
    for name, body in OCF_AGENTS.items():
        _write(root / "resource.d" / PROVIDER / name, body)
    _write(root / "init.d" / "hacrmtest", LSB_SCRIPT)
    _write(root / "fence" / "fence_recorder", FENCE_AGENT)
    noexec = root / "resource.d" / PROVIDER / "noexec"
    noexec.write_text("#!/bin/sh\nexit 0\n")
    noexec.chmod(0o644)
    return root


@pytest.fixture
def paths(agent_tree) -> AgentPaths:
    system = AgentPaths.default()
    return AgentPaths(ocf_root=system.ocf_root,
                      ocf_dirs=(agent_tree / "resource.d",) + system.ocf_dirs,
                      lsb_dir=agent_tree / "init.d",
                      fence_dirs=(agent_tree / "fence", shipped.fence_dir()),
                      shim_dir=shipped.shim_dir())


@pytest.fixture
def make_executor(paths, tmp_path):
    def make(**kwargs) -> Executor:
        kwargs.setdefault("rsc_tmp_dir", tmp_path / "rsctmp")
        return Executor("node1", paths=paths, **kwargs)
    return make


def run(coro, timeout: float = 60):
    """Run a coroutine with a hard time bound."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(predicate, what: str, timeout: float = 20.0, step: float = 0.02) -> None:
    """Poll ``predicate`` until it holds (bounded): a loaded machine can spawn an agent process
    slower than any fixed sleep a test would pick."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"timed out after {timeout} s waiting for {what}"
        await asyncio.sleep(step)


def runs_of(state: Path) -> int:
    """How many times the ``fromfile`` agent ran against ``state``."""
    try:
        return len(Path(f"{state}.runs").read_text().splitlines())
    except FileNotFoundError:
        return 0


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def reap_pids():
    """Pids of processes a test's agents left behind; killed at teardown."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
