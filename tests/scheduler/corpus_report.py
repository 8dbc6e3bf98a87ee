"""The corpus summary, reports/scheduler-corpus.txt, aggregated from the per-case results.

It is written once at the end of the pytest session (``tests/conftest.py``), by the controlling
process: under xdist every worker has finished its cases by then, so the counts are whole.  An
aggregating *test* could run on one worker while others were still writing their results.
"""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.corpus import LEVELS


def summarise(rows: list[dict]) -> list[str]:
    """The report's lines: totals per level, then per index group, then one line per case."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    lines = [f"cases {len(rows)}: " + ", ".join(
        f"{lvl} {sum(1 for r in rows if r[lvl])}" for lvl in LEVELS)]
    for g in sorted(groups, key=lambda x: (len(x), x)):
        rs = groups[g]
        lines.append(f"group {g:>3} ({len(rs):3}): " + ", ".join(
            f"{lvl} {sum(1 for r in rs if r[lvl])}" for lvl in LEVELS))
    for r in sorted(rows, key=lambda r: r["name"]):
        flags = "".join("+" if r[lvl] else "-" for lvl in LEVELS)
        lines.append(f"{flags} {r['name']} {r['error'] or ''}".rstrip())
    return lines


def write(results: Path, out: Path) -> int:
    """Aggregate every ``results/*.json`` into ``out``; return the number of cases (0: none,
    and nothing is written)."""
    rows = [json.loads(p.read_text()) for p in sorted(results.glob("*.json"))]
    if rows:
        out.write_text("\n".join(summarise(rows)) + "\n")
    return len(rows)
