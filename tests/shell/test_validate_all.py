"""validate-all runs the agent with the resource's parameters and relays what it says with
the severity it gives each line (crmsh's wording is compared by the batch differential
scripts 056/057)."""

from __future__ import annotations

from pathlib import Path

from hacrm.ra.discovery import AgentDirectory, AgentSpec
from hacrm.ra.validate import relay, validate

AGENT = """#!/bin/sh
case "$1" in
validate-all)
    echo "INFO: checking $OCF_RESKEY_colour"
    [ "$OCF_RESKEY_colour" = red ] && { echo "WARNING: red is loud"; exit 0; }
    echo "ERROR: colour $OCF_RESKEY_colour is not known"; echo "plain words"; exit 6;;
esac
exit 3
"""


def _root(tmp_path: Path) -> AgentDirectory:
    agent = tmp_path / "resource.d" / "test" / "Paint"
    agent.parent.mkdir(parents=True)
    agent.write_text(AGENT)
    agent.chmod(0o755)
    return AgentDirectory(ocf_root=tmp_path)


def test_the_agent_is_asked_with_the_parameters(tmp_path: Path) -> None:
    directory = _root(tmp_path)
    spec = AgentSpec("ocf", "test", "Paint")
    ok = validate(directory, spec, {"colour": "red"})
    assert (ok.rc, ok.lines) == (0, [("info", "checking red"), ("warning", "red is loud")])
    bad = validate(directory, spec, {"colour": "mauve"})
    assert bad.rc == 6
    assert bad.lines == [("info", "checking mauve"), ("error", "colour mauve is not known"),
                         ("info", "plain words")]


def test_relay_keeps_unprefixed_lines_as_information() -> None:
    assert relay("DEBUG: x\nNov 29 03:38:16 ERROR: dated\n") == [
        ("debug", "x"), ("info", "Nov 29 03:38:16 ERROR: dated")]
