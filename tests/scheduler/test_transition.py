"""Actions, orderings and the simulated execution: Transition Summary, the order actions run in
and the revised status, against crm_simulate -S on small scenarios."""

import pytest

from hacrm.scheduler.scheduler import SimulateOptions, simulate
from scheduler.corpus import normalise
from scheduler.scenarios import block, cib, crm_simulate, dummy, running

pytestmark = pytest.mark.oracle

ONLINE = running("node2", []) + running("node3", [])

SCENARIOS = {
    "move-on-ban": cib(dummy("a"), '<rsc_location id="l" rsc="a" node="node1" score="-INFINITY"/>',
                       running("node1", [("a", "start", 0)]) + ONLINE),
    "recover-failed": cib(dummy("a"), "", running("node1", [("a", "start", 0), ("a", "monitor", 1)])
                          + ONLINE),
    "group-restart-order": cib('<group id="g">' + dummy("m1") + dummy("m2") + dummy("m3")
                               + "</group>", '<rsc_location id="l" rsc="g" node="node1" '
                               'score="-INFINITY"/>',
                               running("node1", [("m1", "start", 0), ("m2", "start", 0),
                                                 ("m3", "start", 0)]) + ONLINE),
    "mandatory-order": cib(dummy("a") + dummy("b"),
                           '<rsc_order id="o" first="a" then="b" kind="Mandatory"/>'
                           '<rsc_location id="l" rsc="a" node="node1" score="-INFINITY"/>',
                           running("node1", [("a", "start", 0), ("b", "start", 0)]) + ONLINE),
    "clone-start": cib('<clone id="c">' + dummy("p") + "</clone>"),
    "stop-disabled": cib(dummy("a").replace(
        "</primitive>", '<meta_attributes id="a-m"><nvpair id="a-tr" name="target-role" '
                        'value="Stopped"/></meta_attributes></primitive>'), "",
        running("node1", [("a", "start", 0)]) + ONLINE),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_whole_simulation_matches(name):
    xml = SCENARIOS[name]
    expected = crm_simulate(xml, "-S")
    ours = normalise(simulate(xml, SimulateOptions(simulate=True)).format())
    assert block(ours, "Transition Summary:", "Executing Cluster Transition:") == \
        block(expected, "Transition Summary:", "Executing Cluster Transition:")
    assert block(ours, "Executing Cluster Transition:", "Revised Cluster Status:") == \
        block(expected, "Executing Cluster Transition:", "Revised Cluster Status:")
    assert ours == expected
