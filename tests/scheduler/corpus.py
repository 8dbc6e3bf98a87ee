"""Running one case of Pacemaker's scheduler regression corpus and comparing three levels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hacrm.scheduler.bundle import Unsupported
from hacrm.scheduler.rules import parse_iso8601
from hacrm.scheduler.scheduler import SimulateOptions, simulate

LEVELS = ("summary", "scores", "whole")


def normalise(text: str) -> list[str]:
    """The corpus's sed normalisation plus diff -w --ignore-blank-lines."""
    out = []
    for line in text.split("\n"):
        line = line.replace("ocf::", "ocf:")
        line = re.sub(r"Masters:", "Promoted:", line)
        line = re.sub(r"Slaves:", "Unpromoted:", line)
        line = re.sub(r" Master( |\[|$)", r" Promoted\1", line)
        line = line.replace(" Slave ", " Unpromoted ")
        line = re.sub(r"\s+", " ", line).strip()
        if line:
            out.append(line)
    return out


def section(lines: list[str], start: str, end: str) -> list[str] | None:
    if start not in lines:
        return None
    s = lines.index(start)
    e = lines.index(end) if end in lines else len(lines)
    return lines[s:e]


@dataclass
class CaseResult:
    name: str
    group: str
    summary: bool
    scores: bool
    whole: bool
    error: str | None = None


def load_index(corpus: Path) -> dict[str, tuple[str, str]]:
    idx = {}
    for line in (corpus / "index.tsv").read_text().splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 2:
            idx[parts[1]] = (parts[0], parts[3] if len(parts) > 3 else "")
    return idx


def run_case(corpus: Path, name: str, group: str, extra: str) -> CaseResult:
    xml = (corpus / "xml" / f"{name}.xml").read_bytes()
    now = parse_iso8601(extra[3:].strip()) if extra.startswith("-t") else None
    if now is None and b"execution-date" not in xml[:4096]:
        # crm_simulate falls back to the wall clock, as the recorded outputs did
        now = datetime.now(timezone.utc)
    expected = normalise((corpus / "summary" / f"{name}.summary").read_text())
    try:
        got = simulate(xml, SimulateOptions(simulate=True, now=now))
        scored = simulate(xml, SimulateOptions(simulate=True, show_scores=True, now=now))
    except Unsupported as exc:
        return CaseResult(name, group, False, False, False, f"unsupported: {exc}")
    except Exception as exc:  # a crash is a failing case, reported with its cause
        return CaseResult(name, group, False, False, False, f"{type(exc).__name__}: {exc}")
    got_lines = normalise(got.format())
    ts = section(got_lines, "Transition Summary:", "Executing Cluster Transition:") == \
        section(expected, "Transition Summary:", "Executing Cluster Transition:")
    exp_scores = sorted(normalise((corpus / "scores" / f"{name}.scores").read_text()))
    our_scores = sorted(normalise("\n".join(scored.scores)))
    return CaseResult(name, group, ts, exp_scores == our_scores, got_lines == expected)
