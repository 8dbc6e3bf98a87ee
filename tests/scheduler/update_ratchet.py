"""Regenerate tests/data/scheduler/passing-*.txt from a fresh run of the whole corpus."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parents[2] / "src"))

from oracles import SHARED  # noqa: E402
from scheduler.corpus import LEVELS, load_index, run_case  # noqa: E402


def main() -> int:
    corpus = SHARED / "pacemaker-scheduler-2.1.5"
    index = load_index(corpus)
    passing = {lvl: [] for lvl in LEVELS}
    for path in sorted((corpus / "xml").glob("*.xml")):
        group, extra = index.get(path.stem, ("-", ""))
        r = run_case(corpus, path.stem, group, extra)
        for lvl in LEVELS:
            if getattr(r, lvl):
                passing[lvl].append(path.stem)
    out = HERE.parents[1] / "data" / "scheduler"
    out.mkdir(parents=True, exist_ok=True)
    for lvl in LEVELS:
        (out / f"passing-{lvl}.txt").write_text("\n".join(passing[lvl]) + "\n")
        print(f"{lvl}: {len(passing[lvl])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
