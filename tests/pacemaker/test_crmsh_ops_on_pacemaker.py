"""Every ``crm resource`` / ``crm node`` command of the operations suite, run with
``--backend pacemaker`` on a CIB file: Pacemaker's tools (cibadmin --patch for configuration
changes) must leave the CIB exactly as crmsh 4.4.1 leaves it.

The cases, the starting CIBs (made by crmsh and crm_simulate) and the comparison are the
operations suite's own (``tests/operations``); only our side of the run changes backend.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from oracles import oracle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operations"))

from crmsh_ops import (
    OUR_CRM,
    Bases,
    Case,
    differences,
    make_bases,
    oracle_env,
    our_env,
    run,
)
from test_crmsh_differential import CASES

pytestmark = [pytest.mark.oracle, pytest.mark.slow]


def _command(line: str) -> str:
    words = [w for w in line.split() if not w.startswith("-")]
    return " ".join(words[:2])


def _one_per_command(cases: list[Case]) -> list[Case]:
    """Enough cases that every command of the suite runs at least once (the file backend's
    run of the whole suite is in tests/operations)."""
    chosen, seen = [], set()
    for case in cases:
        commands = {_command(line) for line in case.commands}
        if commands - seen:
            chosen.append(case)
            seen |= commands
    return chosen


PACEMAKER_CASES = _one_per_command(CASES)


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Bases:
    return make_bases(tmp_path_factory.mktemp("bases"), oracle("crm"), oracle("cibadmin"),
                      oracle("crm_simulate"))


def test_every_command_is_here() -> None:
    every = {_command(line) for case in CASES for line in case.commands}
    assert every == {_command(line) for case in PACEMAKER_CASES for line in case.commands}
    assert len(every) >= 30


@pytest.mark.parametrize("case", PACEMAKER_CASES, ids=[c.name for c in PACEMAKER_CASES])
def test_pacemaker_backend_leaves_the_cib_crmsh_leaves(case: Case, bases: Bases,
                                                       tmp_path: Path) -> None:
    base = bases.status if case.base == "status" else bases.config
    theirs_dir, ours_dir = tmp_path / "crmsh", tmp_path / "hacrm"
    theirs_dir.mkdir()
    ours_dir.mkdir()
    theirs = run(oracle("crm"), case.commands, base, theirs_dir,
                 oracle_env(theirs_dir / "cib.xml", bases.shims, theirs_dir))
    ours = run(str(OUR_CRM), [f"--backend pacemaker {line}" for line in case.commands], base,
               ours_dir, our_env(ours_dir / "cib.xml", ours_dir))
    found = differences(theirs, ours, case)
    assert not found, "\n\n".join(found)
