"""crmsh's own regression sessions, replayed with Debian's crmsh and with ours (``-R`` mode).

The testcases that need no running cluster are run by ``crmsh_session.py`` (a re-implementation
of crmsh's test driver) once with ``/usr/sbin/crm`` and once with ours, and the normalised
outputs compared two ways: *strict* (every line), and *loose* (the text of INFO/WARNING/ERROR
messages masked, so the same kind of message on the same input line counts as equal).

This is a ratchet: ``regression_baseline.json`` holds, per testcase, the number of differing
lines in each comparison.  A run may not have more; when it has fewer, the test says so and the
baseline should be lowered in the same commit.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from oracles import oracle, shared_dir

from shell.crmsh_session import SessionRunner, loose, normalise

OURS = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "crm")
BASELINE_FILE = Path(__file__).with_name("regression_baseline.json")
TESTCASES = ("confbasic", "confbasic-xml", "rset", "rset-xml", "delete", "edit", "file",
             "shadow", "options", "acl", "newfeatures", "commit", "bugs", "bundle", "node",
             "resource")


def _count(a: str, b: str) -> tuple[int, str]:
    diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "crmsh", "hacrm",
                                     lineterm="", n=1))
    changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return changed, "\n".join(diff)


@pytest.mark.oracle
@pytest.mark.slow
@pytest.mark.parametrize("name", TESTCASES)
def test_regression_session_ratchet(name: str, tmp_path: Path) -> None:
    crm = oracle("crm")
    testcase = shared_dir("crmsh-regression-4.4.1") / "testcases" / name
    theirs = SessionRunner([crm], tmp_path / "crmsh").run(testcase)
    ours = SessionRunner([OURS], tmp_path / "hacrm").run(testcase)
    assert "Traceback" not in ours, ours
    strict, strict_diff = _count(normalise(theirs), normalise(ours))
    relaxed, relaxed_diff = _count(loose(theirs), loose(ours))
    baseline = json.loads(BASELINE_FILE.read_text())[name]
    report = (f"{name}: strict {strict} (baseline {baseline['strict']}), "
              f"loose {relaxed} (baseline {baseline['loose']})\n{relaxed_diff or strict_diff}")
    assert strict <= baseline["strict"] and relaxed <= baseline["loose"], report
    if strict < baseline["strict"] or relaxed < baseline["loose"]:
        print("IMPROVED (lower the baseline):", report.splitlines()[0])


def measure(names: tuple[str, ...] = TESTCASES) -> dict[str, dict[str, int]]:
    """Today's counts for every testcase (run this file directly to print a new baseline)."""
    import tempfile

    from oracles import ORACLES, SHARED

    counts = {}
    for name in names:
        testcase = SHARED / "crmsh-regression-4.4.1" / "testcases" / name
        with tempfile.TemporaryDirectory() as tmp:
            theirs = SessionRunner([ORACLES["crm"]], Path(tmp) / "crmsh").run(testcase)
            ours = SessionRunner([OURS], Path(tmp) / "hacrm").run(testcase)
        counts[name] = {"strict": _count(normalise(theirs), normalise(ours))[0],
                        "loose": _count(loose(theirs), loose(ours))[0]}
    return counts


if __name__ == "__main__":  # pragma: no cover - maintenance tool
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print(json.dumps(measure(), indent=1))
