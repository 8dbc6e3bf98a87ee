"""Graph stage: our transition graph against the one Pacemaker recorded (exp/) for the same CIB:
same synapses (operation key and node) and the same inputs for each."""

import pytest

from oracles import SHARED
from hacrm.scheduler.rules import parse_iso8601
from hacrm.scheduler.scheduler import SimulateOptions, simulate
from scheduler.graphcmp import canonical

CORPUS = SHARED / "pacemaker-scheduler-2.1.5"

CASES = ["simple1", "simple2", "simple7", "simple8", "group1", "group5", "group9", "group10",
         "order1", "order3", "order7", "coloc-loop", "rsc-sets-seq-true", "attrs1", "mon-rsc-2",
         "rec-rsc-2", "quorum-1", "rec-node-2", "multi1", "clone-anon-probe-1",
         "cloned_start_one", "promoted-0", "promoted-1", "promoted-2", "interleave-0",
         "notify-0", "notify-1", "stopped-monitor-00", "ticket-primitive-1",
         "ticket-clone-1", "template-1", "target-1", "date-1", "standby"]


@pytest.mark.parametrize("name", CASES)
def test_graph_matches_recorded(name):
    if not CORPUS.is_dir():
        pytest.skip("corpus absent")
    xml = (CORPUS / "xml" / f"{name}.xml").read_bytes()
    now = parse_iso8601("2005-020") if name == "date-1" else None
    ours = canonical(simulate(xml, SimulateOptions(now=now)).graph_xml)
    recorded = canonical((CORPUS / "exp" / f"{name}.exp").read_bytes())
    assert ours == recorded
