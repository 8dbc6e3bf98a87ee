"""``make soak``: one seeded soak run, its figures printed; exit status 1 when it fails.

Run from ``tests/`` (the Makefile does): ``python -m soak [--seconds S] [--seed N]``, with
``SOAK_SECONDS`` and ``SOAK_SEED`` as the defaults.  The sandbox lives in a fresh temporary
directory, removed after a passing run and kept (its path printed) after a failing one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .harness import Options, remove, run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soak", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "600")),
                   help="seconds of faults (default $SOAK_SECONDS or 600)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", "1")),
                   help="the schedule's seed (default $SOAK_SEED or 1)")
    p.add_argument("--dir", type=Path, help="sandbox directory (default: a new temporary one)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every episode")
    args = p.parse_args(argv)
    if not 1 <= args.seconds <= 24 * 3600:
        p.error("--seconds must be between 1 and 86400")
    directory = args.dir or Path(tempfile.mkdtemp(prefix="hacrm-soak-"))
    report = run(Options(args.seconds, args.seed, directory.absolute(), verbose=args.verbose))
    for line in report.lines():
        print(line)
    if report.ok and args.dir is None:
        remove(directory)
    else:
        print(f"sandbox, logs and the episode log (soak.log) kept in {directory}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
