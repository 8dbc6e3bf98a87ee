"""Batch scripts mixing levels give the same output and exit codes as crmsh 4.4.1.

Each ``scripts/*.crm`` runs through Debian's ``/usr/sbin/crm`` and through ours on identical
scratch directories (``differential.py``); exit code, stdout, the kinds of messages on stderr,
the resulting ``configure show``, the shadow CIBs and the saved preferences must match.
Scripts whose difference is known and explained are listed in ``KNOWN`` and are expected to
fail (strictly: when one starts passing, the list must shrink).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from oracles import oracle

from shell.differential import differences, parse_header, run_script, scripts

OURS = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "crm")

KNOWN: dict[str, str] = {}


def test_there_are_enough_scripts() -> None:
    assert len(scripts()) >= 30


@pytest.mark.oracle
@pytest.mark.slow
@pytest.mark.parametrize("path", scripts(), ids=lambda p: p.name)
def test_same_as_crmsh(path: Path, tmp_path: Path) -> None:
    crm = oracle("crm")
    cibadmin = oracle("cibadmin")
    text = path.read_text()
    theirs = run_script(crm, text, tmp_path / "crmsh", cibadmin)
    ours = run_script(OURS, text, tmp_path / "hacrm", cibadmin)
    diffs = differences(theirs, ours, parse_header(text)[1])
    if path.name in KNOWN:
        assert diffs, f"{path.name} now matches crmsh: remove it from KNOWN"
        pytest.xfail(KNOWN[path.name])
    assert not diffs, "\n".join(diffs) + "\n-- our stderr:\n" + ours.stderr
