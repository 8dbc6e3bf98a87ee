"""What-if injections (quorum, nodes, tickets, operation results) against crm_simulate.

The same corpus CIB and the same options go to crm_simulate and to ours; the whole output
must be the same: the "Performing Requested Modifications" block, the transition summary and,
with ``-S``, the executed transition and the revised status.  The last-failure time of an
injected failure is the clock's, so it is the one thing compared loosely.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from oracles import oracle, shared_dir

CASES = {
    "quorum-lost": ("1360", ["--quorum=false", "-g", "unused"]),  # stops: no quorum
    "quorum-alone-is-not-applied": ("group1", ["--quorum=false"]),
    "node-down": ("group1", ["-d", "node1"]),
    "node-fail": ("group1", ["-f", "node2"]),
    "node-up-new": ("simple4", ["-u", "node2"]),
    "monitor-fails": ("group1", ["-i", "child_rsc1_monitor_10000@node1=7"]),
    "probe-finds-running": ("group1", ["-i", "child_rsc2_monitor_0@node2=0"]),
    "ticket-granted": ("ticket-primitive-1", ["-g", "ticketA"]),
    "ticket-revoked-standby": ("ticket-primitive-1", ["-g", "ticketA", "-r", "ticketA",
                                                      "-b", "ticketA"]),
    "ticket-activated": ("ticket-primitive-1", ["-g", "ticketA", "-b", "ticketA", "-e",
                                                "ticketA"]),
    "everything": ("clone-anon-failcount", ["--quorum=true", "-u", "srv01", "-f", "srv02",
                                            "-g", "T1", "-i",
                                            "prmExPostgreSQLDB2_monitor_10000@srv01=1"]),
}

_STAMP = re.compile(r"(last-failure-\S+=)\d+")


def _run(argv: list[str]) -> str:
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return _STAMP.sub(r"\1<now>", run.stdout)


@pytest.mark.parametrize("mode", ["-R", "-S"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_injections_schedule_as_crm_simulate_does(case, mode):
    name, options = CASES[case]
    xml = shared_dir("pacemaker-scheduler-2.1.5") / "xml" / f"{name}.xml"
    theirs = _run([oracle("crm_simulate"), "-x", str(xml), mode, *options])
    ours = _run([sys.executable, "-m", "hacrm.scheduler", "-x", str(xml), mode, *options])
    modified = "Performing Requested Modifications:" in theirs
    assert modified == (case != "quorum-alone-is-not-applied")
    assert ours == theirs
