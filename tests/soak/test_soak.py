"""The soak's own parts, and a two-minute seeded soak run that must keep every invariant.

``make soak`` runs the same harness for ten minutes (docs/reliability.md).  The short run here
is what CI affords; its seed (68) draws every kind of fault but ``hang-short`` in its first
two minutes.  The invariant checker and the clock shim are tested on their own first, so a soak
that passes is known to be able to fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from soak import observe, schedule
from soak.harness import Options, run
from soak.inject import CLOCK_ENV, CLOCKSHIFT

#: the CI run: seconds of faults and the schedule's seed
CI_SECONDS = float(os.environ.get("HACRM_SOAK_CI_SECONDS", "120"))
CI_SEED = int(os.environ.get("HACRM_SOAK_CI_SEED", "68"))


def _snap(at, agents, status=None, config=None, acked=None):
    status = status or {n: {"quorate": True, "dc": 1, "nodeid": i + 1, "ring_id": "1.4"}
                        for i, n in enumerate(agents)}
    return observe.Snapshot(at, status, agents, config, acked or {})


def test_invariants_flag_a_single_resource_on_two_nodes_once_per_onset():
    inv = observe.Invariants()
    two = {"node1": {"solo": "Started"}, "node2": {"solo": "Started"}, "node3": {}}
    inv.check(_snap(1.0, two))
    inv.check(_snap(1.5, two))
    inv.check(_snap(2.0, {"node1": {"solo": "Started"}, "node2": {}, "node3": {}}))
    inv.check(_snap(2.5, two))
    assert [(v.kind, v.at) for v in inv.violations] == [("active-twice", 1.0),
                                                          ("active-twice", 2.5)]
    assert "node1, node2" in inv.violations[0].detail


def test_invariants_flag_two_promoted_and_a_minority_that_keeps_running():
    inv = observe.Invariants()
    agents = {"node1": {"db": "Promoted"}, "node2": {"db": "Promoted"}, "node3": {"base": "Started"}}
    status = {"node1": {"quorate": True, "dc": 1, "nodeid": 1, "ring_id": "1.8"},
              "node2": {"quorate": True, "dc": 1, "nodeid": 2, "ring_id": "1.8"},
              "node3": {"quorate": False, "dc": 3, "nodeid": 3, "ring_id": "3.8"}}
    for t in range(0, 30, 5):
        inv.check(_snap(float(t), agents, status))
    kinds = [v.kind for v in inv.violations]
    assert kinds == ["promoted-twice", "minority-runs"]
    assert inv.violations[1].at > observe.MINORITY_GRACE


def test_invariants_flag_two_quorate_dcs_only_past_the_grace():
    inv = observe.Invariants()
    status = {"node1": {"quorate": True, "dc": 1, "nodeid": 1, "ring_id": "1.8"},
              "node2": {"quorate": True, "dc": 2, "nodeid": 2, "ring_id": "2.8"},
              "node3": None}
    empty = {"node1": {}, "node2": {}, "node3": {}}
    inv.check(_snap(0.0, empty, status))
    inv.check(_snap(observe.DC_GRACE - 1, empty, status))
    assert inv.violations == []
    inv.check(_snap(observe.DC_GRACE + 1, empty, status))
    assert [v.kind for v in inv.violations] == ["two-dcs"]


def test_invariants_flag_a_lost_commit_and_a_rollback_but_not_replication_lag():
    inv = observe.Invariants()
    empty = {"node1": {}, "node2": {}, "node3": {}}
    acked = {"soak-a-1": 0.5, "soak-a-2": 1.0}
    inv.check(_snap(1.2, empty, config=("node1", (0, 9), {"soak-a-1": "1"}), acked=acked))
    inv.check(_snap(1.5, empty))    # no configuration read
    assert inv.violations == []     # soak-a-2 may still be on its way to the DC
    late = 1.0 + observe.COMMIT_GRACE + 0.5
    inv.check(_snap(late, empty, config=("node2", (0, 9), {}), acked=acked))
    inv.check(_snap(late + 1, empty, config=("node2", (0, 9), {}), acked=acked))
    assert sorted((v.kind, v.detail.split()[0]) for v in inv.violations) == [
        ("commit-lost", "soak-a-2"), ("rollback", "soak-a-1")]


def test_converged_wants_the_agents_to_agree_with_the_cib():
    nodes = ["node1", "node2", "node3"]
    status = {n: {"quorate": True, "synced": True, "ring_id": "1.8", "members": [1, 2, 3],
                  "dc": 1} for n in nodes}
    placement = {"solo": [("node1", "Started")], "webdata": [("node2", "Started")],
                 "web": [("node2", "Started")],
                 "base": [(n, "Started") for n in nodes],
                 "db": [("node1", "Promoted"), ("node2", "Unpromoted"), ("node3", "Unpromoted")]}
    agents = {"node1": {"solo": "Started", "base": "Started", "db": "Promoted"},
              "node2": {"webdata": "Started", "web": "Started", "base": "Started",
                        "db": "Unpromoted"},
              "node3": {"base": "Started", "db": "Unpromoted"}}
    assert observe.converged(status, agents, placement, True, "node2", nodes) is None
    agents["node3"]["solo"] = "Started"
    assert "solo" in observe.converged(status, agents, placement, True, "node2", nodes)
    del agents["node3"]["solo"]
    assert "answers from node3" in observe.converged(status, agents, placement, True, "node3",
                                                     nodes)


def test_the_schedule_is_a_function_of_the_seed_and_draws_every_kind():
    nodes = ["node1", "node2", "node3"]
    first = [e for _, e in zip(range(200), schedule.episodes(7, nodes))]
    again = [e for _, e in zip(range(200), schedule.episodes(7, nodes))]
    assert first == again
    drawn = {f.kind for e in first for f in e.faults}
    assert drawn == set(schedule.KINDS)


def test_the_clock_shim_steps_the_wall_clock_and_leaves_the_monotonic_one(tmp_path):
    offset = tmp_path / "offset"
    offset.write_text("86400\n")
    (tmp_path / "offset.new").write_text("-60\n")
    code = ("import time, os, sys\n"
            "real = float(sys.argv[2])\n"
            "w, m = time.time(), time.monotonic()\n"
            "os.replace(sys.argv[1] + '.new', sys.argv[1])\n"
            "print(round(w - real), round(time.time() - real), round(time.monotonic() - m),"
            " time.gmtime().tm_yday == time.gmtime(real - 60).tm_yday)\n")
    env = dict(os.environ, PYTHONPATH=str(CLOCKSHIFT), **{CLOCK_ENV: str(offset)})
    out = subprocess.run([sys.executable, "-c", code, str(offset), str(time.time())],
                         env=env, capture_output=True, text=True, timeout=60, check=True)
    shifted, stepped_back, mono, gm = out.stdout.split()
    assert int(shifted) in range(86400, 86403) and int(stepped_back) in range(-60, -57)
    assert mono == "0" and gm == "True"


def _processes_naming(directory: Path) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and str(directory).encode() in Path(
                    f"/proc/{entry}/cmdline").read_bytes():
                out.append(int(entry))
        except OSError:
            pass
    return out


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.timeout(CI_SECONDS + 600)
def test_a_seeded_soak_run_keeps_every_invariant(tmp_path):
    directory = tmp_path / "soak"
    lines: list[str] = []
    report = run(Options(CI_SECONDS, CI_SEED, directory, verbose=True), log=lines.append)
    text = "\n".join(lines + report.lines())
    print(text)
    assert sum(report.injected.values()) >= 5, text
    assert not report.violations, text
    assert not report.not_converged, text
    assert report.final_converge is not None, text
    assert report.commits.get("acknowledged", 0) > 0, text
    assert _processes_naming(directory) == [], "processes of the sandbox left running"
