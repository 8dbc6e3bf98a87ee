"""The corpus summary counts every case once, per level and per index group."""

from __future__ import annotations

import json

from scheduler import corpus_report


def _row(name: str, group: str, summary: bool, scores: bool, whole: bool, error: str = ""):
    return {"name": name, "group": group, "summary": summary, "scores": scores,
            "whole": whole, "error": error}


def test_totals_groups_and_one_line_per_case_in_name_order(tmp_path):
    rows = [_row("b", "1", True, True, False), _row("a", "1", True, False, False, "boom"),
            _row("c", "12", True, True, True)]
    for r in rows:
        (tmp_path / f"{r['name']}.json").write_text(json.dumps(r))
    out = tmp_path / "report.txt"
    assert corpus_report.write(tmp_path, out) == 3
    assert out.read_text().splitlines() == [
        "cases 3: summary 3, scores 2, whole 1",
        "group   1 (  2): summary 2, scores 1, whole 0",
        "group  12 (  1): summary 1, scores 1, whole 1",
        "+-- a boom",
        "++- b",
        "+++ c",
    ]


def test_no_results_writes_nothing(tmp_path):
    out = tmp_path / "report.txt"
    assert corpus_report.write(tmp_path, out) == 0 and not out.exists()
