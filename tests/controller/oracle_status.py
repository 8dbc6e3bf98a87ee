"""Debian's crm_simulate reading a status section our controller wrote.

``check(cib)`` runs ``crm_simulate -x CIB -S`` (the oracle) and our own ``simulate`` on the
same CIB and returns both readings: the "Current cluster status" block (where each resource
runs, in which role, which nodes are online) and the Transition Summary (what each would do
next).  A cluster at rest must read the same in both and need nothing from either.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from oracles import oracle

from hacrm.scheduler.scheduler import SimulateOptions, simulate


@dataclass
class Reading:
    current: str
    summary: str
    revised: str


def _blocks(text: str) -> Reading:
    def between(start: str, ends: tuple[str, ...]) -> str:
        if start not in text:
            return ""
        rest = text.split(start, 1)[1]
        cut = min((rest.index(e) for e in ends if e in rest), default=len(rest))
        return "\n".join(line.rstrip() for line in rest[:cut].strip("\n").splitlines())
    return Reading(between("Current cluster status:", ("Transition Summary:",)),
                   between("Transition Summary:", ("Executing Cluster Transition:",)),
                   between("Revised Cluster Status:", ("\n\n\n",)))


def oracle_reading(cib: str) -> Reading:
    crm_simulate = oracle("crm_simulate")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cib.xml"
        path.write_text(cib)
        out = subprocess.run([crm_simulate, "-x", str(path), "-S"], capture_output=True,
                             text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return _blocks(out.stdout)


def our_reading(cib: str) -> Reading:
    return _blocks(simulate(cib, SimulateOptions(simulate=True)).format())


def check(cib: str) -> tuple[Reading, Reading]:
    return oracle_reading(cib), our_reading(cib)
