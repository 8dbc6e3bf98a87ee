"""Placement stage: allocation scores and chosen nodes, against crm_simulate -s on small CIBs."""

import pytest

from hacrm.scheduler.scheduler import SimulateOptions, simulate
from scheduler.corpus import normalise
from scheduler.scenarios import cib, crm_simulate, dummy, running

pytestmark = pytest.mark.oracle

CASES = {
    "location-scores": cib(dummy("a") + dummy("b"),
                           '<rsc_location id="l1" rsc="a" node="node2" score="100"/>'
                           '<rsc_location id="l2" rsc="b" node="node1" score="-INFINITY"/>'),
    "stickiness-keeps-running": cib(
        dummy("a"), '<rsc_location id="l1" rsc="a" node="node2" score="50"/>',
        running("node1", [("a", "start", 0)]) + running("node2", []) + running("node3", []),
        defaults='<rsc_defaults><meta_attributes id="d"><nvpair id="d1" '
                 'name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>'),
    "colocation-chain": cib(dummy("a") + dummy("b") + dummy("c"),
                            '<rsc_location id="l1" rsc="c" node="node3" score="200"/>'
                            '<rsc_colocation id="c1" rsc="a" with-rsc="b" score="INFINITY"/>'
                            '<rsc_colocation id="c2" rsc="b" with-rsc="c" score="500"/>'),
    "anti-colocation": cib(dummy("a") + dummy("b"),
                           '<rsc_colocation id="c1" rsc="a" with-rsc="b" score="-INFINITY"/>'),
    "group": cib('<group id="g">' + dummy("m1") + dummy("m2") + "</group>",
                 '<rsc_location id="l1" rsc="g" node="node3" score="10"/>'),
    "clone": cib('<clone id="c">' + dummy("p") + "</clone>" + dummy("x"),
                 '<rsc_colocation id="c1" rsc="x" with-rsc="c" score="INFINITY"/>'),
}


def _scores(lines):
    return sorted(line for line in lines if "allocation score on" in line)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scores_match_crm_simulate(name):
    xml = CASES[name]
    expected = _scores(crm_simulate(xml, "-s", "-Q"))
    ours = _scores(normalise("\n".join(simulate(xml, SimulateOptions(show_scores=True)).scores)))
    assert ours == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_placement_matches_crm_simulate(name):
    xml = CASES[name]
    expected = crm_simulate(xml, "-R")
    ours = normalise(simulate(xml, SimulateOptions()).format())
    assert ours == expected


def test_rejections_explain_why_not_running():
    xml = cib(dummy("a"), '<rsc_location id="ban" rsc="a" node="node1" score="-INFINITY"/>')
    from hacrm.scheduler.scheduler import schedule
    from hacrm.scheduler.unpack import parse_cib
    cl, _ = schedule(parse_cib(xml), None)
    rsc = cl.find_resource("a")
    assert any("ban" in why for why in rsc.rejections["node1"])
    assert "node2" not in rsc.rejections
