"""``verify`` warns about what crmsh warns about, in crmsh's words.

Each script in ``verify/`` is loaded by crmsh and by hacrm and then verified; the warnings of
the kinds crmsh derives from the configuration itself (references to missing nodes and
resources, constraints on grouped or cloned resources, unknown meta attributes and cluster
options, fencing topology, regular expressions) must be the same set.  crmsh's other output
(resource agent metadata, Pacemaker's crm_verify) is not compared: hacrm never runs those.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from language.crmsh_oracle import run_crmsh, run_ours, scratch_dir
from oracles import oracle

SCRIPTS = sorted((Path(__file__).parent / "verify").glob("*.crm"))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_OURS = re.compile(r"^(WARNING|ERROR): (?P<msg>.*)$")
_KINDS = ("does not exist", "is grouped", "ambiguous", "unknown attribute", "not a node",
          "not a stonith resource", "may not be a valid regular expression")


def _warnings(text: str) -> set[str]:
    found = set()
    for line in _ANSI.sub("", text).splitlines():
        match = _OURS.match(line.strip())
        if match is None:
            continue
        msg = match.group("msg")
        if msg.startswith("(") or "resource None" in msg:
            continue  # Pacemaker's own output, crmsh's slip on resource patterns
        if any(kind in msg for kind in _KINDS):
            found.add(msg)
    return found


@pytest.mark.oracle
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_verify_warns_like_crmsh(script: Path) -> None:
    crm = oracle("crm")
    text = script.read_text() + "verify\n"
    work = scratch_dir()
    theirs = run_crmsh(crm, text, work)
    ours = run_ours(text, work, source=script.name)
    assert _warnings(ours.messages) == _warnings(theirs.messages)
