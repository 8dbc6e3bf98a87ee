"""Bad input, differentially: crmsh refuses it, so must we, with a located error and no harm.

Each script in ``refusals/`` is a small configuration with some lines crmsh refuses (or that
leave a CIB crmsh cannot commit).  Markers say what we must do:

``# refused: TEXT``
    the next command is refused: an error located at its line (``script:LINE:COL: error:``)
    whose message contains TEXT; the line changes nothing.
``# commit refused: TEXT``
    the script's final commit is refused (Pacemaker's schema would reject the CIB) with an
    error containing TEXT, and the CIB file is left untouched, as crmsh leaves it.

For line refusals, what we commit must equal what crmsh commits for the same script without
the refused lines (crmsh sometimes keeps part of a refused element, or refuses the whole
commit, where we refuse just the line: the reduced script is the fair comparison).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from language.crmsh_oracle import normalised_configuration, run_crmsh, run_ours, scratch_dir
from oracles import oracle
from hacrm.cib.document import empty_cib_xml

SCRIPTS = sorted((Path(__file__).parent / "refusals").glob("*.crm"))
_MARK = re.compile(r"^#\s*(commit refused|refused):\s*(.+?)\s*$")


def markers(text: str) -> tuple[dict[int, str], str | None, str]:
    """(refused line -> expected text, commit refusal text, the script without those lines)."""
    refused: dict[int, str] = {}
    commit: str | None = None
    pending: str | None = None
    kept: list[str] = []
    lines = text.split("\n")
    skipping = False
    for number, line in enumerate(lines, start=1):
        mark = _MARK.match(line.strip())
        if mark:
            if mark.group(1) == "commit refused":
                commit = mark.group(2)
            else:
                pending = mark.group(2)
            kept.append(line)
            continue
        if pending is not None and line.strip():
            refused[number] = pending
            pending = None
            skipping = line.rstrip().endswith("\\")
            continue
        if skipping:
            skipping = line.rstrip().endswith("\\")
            continue
        kept.append(line)
    return refused, commit, "\n".join(kept)


@pytest.fixture(scope="module")
def crm() -> str:
    return oracle("crm")


@pytest.mark.oracle
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_refused_like_crmsh(script: Path, crm: str) -> None:
    text = script.read_text()
    refused, commit, reduced = markers(text)
    assert refused or commit, "a refusal script needs at least one marker"
    work = scratch_dir()
    theirs = run_crmsh(crm, text, work)
    assert "ERROR" in theirs.messages or "Error" in theirs.messages, \
        "the oracle accepted everything; this script tests nothing"
    ours = run_ours(text, work, source=script.name)
    errors = []
    for line in ours.messages.splitlines():
        if line.startswith("  hint: ") and errors:
            errors[-1] += "\n" + line
        elif ": error: " in line or line.startswith("ERROR:"):
            errors.append(line)
    for number, expected in refused.items():
        located = [e for e in errors if e.startswith(f"{script.name}:{number}:")]
        assert located, f"line {number} was not refused:\n{ours.messages}"
        assert any(expected.lower() in e.lower() for e in located), located
    stray = [e for e in errors if e.startswith(f"{script.name}:")
             and int(e.split(":")[1]) not in refused
             and not (commit is not None and ": error: schema:" in e)]
    assert not stray, f"unexpected refusals: {stray}"
    if commit is not None:
        assert any(expected_in(commit, e) for e in errors), ours.messages
        assert ours.cib_path.read_text() == empty_cib_xml(), "a refused commit changed the CIB"
        assert theirs.configuration == normalised_configuration(empty_cib_xml()), \
            "crmsh committed what we refuse"
        return
    reference = run_crmsh(crm, reduced, scratch_dir())
    assert ours.configuration == reference.configuration, ours.messages
    assert ours.show == reference.show, ours.messages


def expected_in(text: str, message: str) -> bool:
    return text.lower() in message.lower()
