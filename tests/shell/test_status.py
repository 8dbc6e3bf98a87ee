"""``crm status`` against ``crm_mon -1 -r`` on CIBs of Pacemaker's scheduler corpus.

A sample of the corpus (every 8th input) is shown by both; the "Last updated" line (the
current time) is left out.  This is a ratchet: the number of inputs shown identically may
not fall below the baseline; the differences left are listed when the test runs with -s.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from oracles import oracle, shared_dir

BASELINE_IDENTICAL = 94


def _mask(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "Last updated:" not in line)


@pytest.mark.oracle
@pytest.mark.slow
def test_status_matches_crm_mon_on_the_corpus() -> None:
    from hacrm.shell.status import status_text

    crm_mon = oracle("crm_mon")
    inputs = sorted((shared_dir("pacemaker-scheduler-2.1.5") / "xml").glob("*.xml"))[::8]
    same, different = 0, []
    for path in inputs:
        theirs = subprocess.run([crm_mon, "-1", "-r"], capture_output=True, text=True,
                                env={**os.environ, "CIB_file": str(path)}, timeout=60, check=False)
        if theirs.returncode != 0:
            continue
        try:
            ours = status_text(path.read_text())
        except Exception as err:  # noqa: BLE001 - counted as a difference, not a crash
            different.append(f"{path.name}: {type(err).__name__}: {err}")
            continue
        if _mask(ours) == _mask(theirs.stdout):
            same += 1
        else:
            different.append(path.name)
    print(f"status identical to crm_mon for {same} of {len(inputs)}; different: {different}")
    assert same >= BASELINE_IDENTICAL, different


def test_status_command_on_a_file_cib(shell, scratch) -> None:
    assert shell.run("configure node node1", "configure property stonith-enabled=false",
                     "configure primitive p1 Dummy")
    shell.take()
    assert shell.run("status")
    out, _ = shell.take()
    assert out.startswith("Cluster Summary:\n  * Stack: unknown\n  * Current DC: NONE\n")
    assert "* 1 node configured" in out and "* 1 resource instance configured" in out
    assert "Full List of Resources:\n  * p1\t(ocf:heartbeat:Dummy):\t Stopped" in out
    assert Path(scratch.cib).exists()
