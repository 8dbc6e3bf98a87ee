"""What cleanup and refresh forget, read from a CIB."""

from __future__ import annotations

import pytest
from lxml import etree

from hacrm.engine.cleanup import CleanupError, Target, primitives, targets

CIB = """\
<cib><configuration><resources>
  <group id="g"><primitive id="a" class="ocf" provider="hacrm" type="Dummy"/>
                <primitive id="b" class="ocf" provider="hacrm" type="Dummy"/></group>
  <clone id="c-clone"><primitive id="c" class="ocf" provider="hacrm" type="Dummy"/></clone>
</resources></configuration><status>
  <node_state id="1" uname="node1">
    <transient_attributes id="1"><instance_attributes id="status-1">
      <nvpair id="x1" name="fail-count-a#monitor_10000" value="2"/>
      <nvpair id="x2" name="last-failure-a#monitor_10000" value="1700000000"/>
      <nvpair id="x3" name="fail-count-a#start_0" value="1"/>
      <nvpair id="x4" name="master-c" value="5"/>
    </instance_attributes></transient_attributes>
    <lrm id="1"><lrm_resources>
      <lrm_resource id="a" class="ocf" provider="hacrm" type="Dummy">
        <lrm_rsc_op id="a_last_0" operation="start" interval="0" rc-code="0" op-status="0"
                    transition-key="3:1:0:u"/>
        <lrm_rsc_op id="a_last_failure_0" operation="monitor" interval="10000" rc-code="7"
                    op-status="0" transition-key="4:1:0:u"/>
      </lrm_resource>
      <lrm_resource id="b" class="ocf" provider="hacrm" type="Dummy">
        <lrm_rsc_op id="b_last_0" operation="start" interval="0" rc-code="0" op-status="0"
                    transition-key="5:1:0:u"/>
      </lrm_resource>
      <lrm_resource id="c" class="ocf" provider="hacrm" type="Dummy">
        <lrm_rsc_op id="c_last_0" operation="monitor" interval="0" rc-code="7" op-status="0"
                    transition-key="6:1:7:u"/>
      </lrm_resource>
    </lrm_resources></lrm>
  </node_state>
  <node_state id="2" uname="node2">
    <lrm id="2"><lrm_resources>
      <lrm_resource id="c" class="ocf" provider="hacrm" type="Dummy">
        <lrm_rsc_op id="c_last_0" operation="start" interval="0" rc-code="1" op-status="0"
                    transition-key="7:1:0:u"/>
      </lrm_resource>
    </lrm_resources></lrm>
  </node_state>
</status></cib>"""


@pytest.fixture
def cib():
    return etree.fromstring(CIB)


def test_primitives_of_containers(cib):
    assert primitives(cib, "g") == ["a", "b"]
    assert primitives(cib, "c-clone") == ["c"]
    assert primitives(cib, "b") == ["b"]
    assert primitives(cib, "zzz") == []


def test_cleanup_takes_failed_history_and_its_counts(cib):
    entries, attrs = targets(cib, None, None, refresh=False)
    assert entries == [Target("node1", "a"), Target("node2", "c")]
    assert attrs == [("node1", "fail-count-a#monitor_10000"), ("node1", "fail-count-a#start_0"),
                     ("node1", "last-failure-a#monitor_10000")]


def test_refresh_takes_everything_of_a_group(cib):
    entries, _ = targets(cib, "g", None, refresh=True)
    assert entries == [Target("node1", "a"), Target("node1", "b")]


def test_node_and_clone_filters(cib):
    entries, attrs = targets(cib, "c-clone", "node2", refresh=False)
    assert entries == [Target("node2", "c")] and attrs == []
    entries, _ = targets(cib, "c-clone", "node1", refresh=False)
    assert entries == [], "a probe that found it stopped is no failure"


def test_one_operation(cib):
    entries, attrs = targets(cib, "a", None, False, "monitor", 10000)
    assert entries == [Target("node1", "a")]
    assert attrs == [("node1", "fail-count-a#monitor_10000"),
                     ("node1", "last-failure-a#monitor_10000")]
    entries, attrs = targets(cib, "a", None, False, "stop", 0)
    assert attrs == [] and entries == []


def test_unknown_resource(cib):
    with pytest.raises(CleanupError, match="zzz"):
        targets(cib, "zzz", None, refresh=True)
