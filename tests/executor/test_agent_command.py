"""hacrm's own agents run under the daemon's interpreter; every other agent runs as itself."""

from __future__ import annotations

import sys
from pathlib import Path

from hacrm import agents as shipped
from hacrm.engine.agentenv import command


def test_shipped_agents_run_under_the_daemons_interpreter() -> None:
    dummy = shipped.resource_dir() / "hacrm" / "Dummy"
    fence = shipped.fence_dir() / "fence_hacrm"
    assert dummy.exists() and fence.exists()
    assert command(dummy, "monitor") == [sys.executable, str(dummy), "monitor"]
    assert command(fence) == [sys.executable, str(fence)]


def test_other_agents_run_as_themselves() -> None:
    agent = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")
    assert command(agent, "start") == [str(agent), "start"]
