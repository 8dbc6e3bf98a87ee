"""Shared pytest configuration: make tests/ importable for the oracle helpers, and write the
scheduler corpus summary once every case of the session has its result."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

CORPUS_RESULTS = Path(__file__).resolve().parents[1] / "reports" / "scheduler-corpus"
STARTED = pytest.StashKey[float]()


def pytest_sessionstart(session) -> None:
    session.config.stash[STARTED] = time.time()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Aggregate the corpus results in the controlling process only (an xdist worker has
    ``workerinput``), after all workers are done, and only when corpus cases wrote results
    in this session (under xdist the controller collects no items to tell by)."""
    if hasattr(session.config, "workerinput") or not CORPUS_RESULTS.is_dir():
        return
    started = session.config.stash.get(STARTED, 0.0)
    if not any(p.stat().st_mtime >= started for p in CORPUS_RESULTS.glob("*.json")):
        return
    from scheduler import corpus_report
    corpus_report.write(CORPUS_RESULTS, CORPUS_RESULTS.parent / "scheduler-corpus.txt")
