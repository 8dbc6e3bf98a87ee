"""Unpacking: node states and resource roles read from the status section."""

from hacrm.scheduler.model import Role
from hacrm.scheduler.unpack import CibError, parse_cib, unpack_cluster

import pytest

BASE = """<cib have-quorum="1" dc-uuid="1"><configuration><crm_config>
<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="{stonith}"/>
</cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
<resources><primitive id="r" class="ocf" provider="heartbeat" type="Dummy"/></resources>
<constraints/></configuration><status>{status}</status></cib>"""

ONLINE = ('<node_state id="{i}" uname="node{i}" in_ccm="true" crmd="online" join="member" '
          'expected="member">{lrm}</node_state>')


def _op(op_id, task, rc, call, target=0):
    return (f'<lrm_rsc_op id="{op_id}" operation="{task}" interval="0" op-status="0" '
            f'rc-code="{rc}" call-id="{call}" transition-key="1:{call}:{target}:abc" '
            f'transition-magic="0:{rc};1:{call}:{target}:abc"/>')


def _cluster(status, stonith="false"):
    return unpack_cluster(parse_cib(BASE.format(stonith=stonith, status=status)), None)


def test_online_and_offline_nodes():
    cl = _cluster(ONLINE.format(i=1, lrm=""))
    n1, n2 = cl.nodes
    assert n1.online and not n1.unclean
    assert not n2.online          # no node_state at all


def test_unseen_node_is_unclean_with_fencing():
    cl = _cluster(ONLINE.format(i=1, lrm=""), stonith="true")
    assert cl.nodes[1].unclean    # startup-fencing: never seen, so must be fenced


def test_history_start_then_stop_is_stopped():
    lrm = ('<lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="heartbeat" '
           'type="Dummy">' + _op("r_last_0", "start", 0, 3) + _op("r_stop", "stop", 0, 4)
           + '</lrm_resource></lrm_resources></lrm>')
    cl = _cluster(ONLINE.format(i=1, lrm=lrm))
    rsc = cl.resources[0]
    assert rsc.role == Role.STOPPED and rsc.running_on == []


def test_history_started_resource_runs_there():
    lrm = ('<lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="heartbeat" '
           'type="Dummy">' + _op("r_last_0", "start", 0, 3) + '</lrm_resource></lrm_resources></lrm>')
    cl = _cluster(ONLINE.format(i=1, lrm=lrm))
    rsc = cl.resources[0]
    assert rsc.role == Role.STARTED and [n.uname for n in rsc.running_on] == ["node1"]


def test_failed_start_marks_failed_and_bans_node_when_fatal():
    lrm = ('<lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="heartbeat" '
           'type="Dummy">' + _op("r_last_failure_0", "start", 1, 3)
           + '</lrm_resource></lrm_resources></lrm>')
    cl = _cluster(ONLINE.format(i=1, lrm=lrm))
    rsc = cl.resources[0]
    assert rsc.has(1 << 16)       # failed
    assert rsc.running_on and rsc.running_on[0].uname == "node1"


def test_not_a_cib_is_a_clear_error():
    with pytest.raises(CibError, match="expected"):
        parse_cib("<cib><unclosed></cib>")
    with pytest.raises(CibError, match="<cib>"):
        parse_cib("<configuration/>")
