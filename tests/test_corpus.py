"""Pacemaker 2.1.5's scheduler regression corpus, read in place from ../shared.

Every case runs (parametrised, one test each, xdist-friendly).  Three levels are compared with
crm_simulate's recorded output: the Transition Summary block, the allocation scores, and the
whole summary.  A result per case goes to reports/scheduler-corpus/; the summary per level and
per index group, reports/scheduler-corpus.txt, is written at the end of the session
(tests/conftest.py, scheduler/corpus_report.py).  The checked-in lists
tests/data/scheduler/passing-<level>.txt are a ratchet: a listed case must keep passing.  Set
HACRM_UPDATE_RATCHET=1 to add newly passing cases to the lists (or run
``python tests/scheduler/update_ratchet.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from oracles import SHARED
from scheduler.corpus import LEVELS, load_index, run_case

CORPUS = SHARED / "pacemaker-scheduler-2.1.5"
DATA = Path(__file__).resolve().parent / "data" / "scheduler"
REPORTS = Path(__file__).resolve().parents[1] / "reports" / "scheduler-corpus"


def _cases() -> list[str]:
    if not (CORPUS / "xml").is_dir():
        return []
    return sorted(p.stem for p in (CORPUS / "xml").glob("*.xml"))


def _ratchet(level: str) -> set[str]:
    path = DATA / f"passing-{level}.txt"
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


CASES = _cases()
RATCHET = {level: _ratchet(level) for level in LEVELS}


@pytest.fixture(scope="session")
def index():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus {CORPUS} is not present (set HACRM_SHARED to its parent)")
    return load_index(CORPUS)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", CASES or ["(corpus absent)"])
def test_corpus_case(name, index):
    if name == "(corpus absent)":
        pytest.skip("corpus absent")
    group, extra = index.get(name, ("-", ""))
    result = run_case(CORPUS, name, group, extra)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(result.__dict__))
    newly = [lvl for lvl in LEVELS if getattr(result, lvl) and name not in RATCHET[lvl]]
    if newly and os.environ.get("HACRM_UPDATE_RATCHET") == "1":
        for lvl in newly:
            with open(DATA / f"passing-{lvl}.txt", "a") as fh:
                fh.write(name + "\n")
    lost = [lvl for lvl in LEVELS if name in RATCHET[lvl] and not getattr(result, lvl)]
    assert not lost, f"{name} regressed at level(s) {lost}: {result.error or 'output differs'}"
