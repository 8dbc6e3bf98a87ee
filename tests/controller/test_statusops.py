"""The controller's CIB operations: status patches and permanent node attributes."""

from __future__ import annotations

import pytest
from lxml import etree

from hacrm.backends.base import CibVersion
from hacrm.engine import cibstore
from hacrm.engine.cibstore import Cib, CibError
from hacrm.engine.statusops import StatusPatch, expand_value, node_config_body


def _cib() -> Cib:
    cib = Cib.empty()
    return cibstore.apply(cib, "membership", {"nodes": [
        {"id": "1", "uname": "node1", "member": True},
        {"id": "2", "uname": "node2", "member": True}], "quorate": True, "dc_uuid": "1"}, b"")


def _rsc(rid: str, *ops: str) -> etree._Element:
    el = etree.Element("lrm_resource", id=rid, type="Dummy", provider="hacrm")
    el.set("class", "ocf")
    for op in ops:
        etree.SubElement(el, "lrm_rsc_op", id=op, operation="start")
    return el


def test_lrm_upsert_replace_delete_and_version():
    cib = _cib()
    before = cib.version
    patch = StatusPatch().lrm("1", "node1", [_rsc("a", "a_last_0"), _rsc("b", "b_last_0")])
    cibstore.apply(cib, "status_patch", {}, patch.body())
    assert cib.version == CibVersion(before.admin_epoch, before.epoch, before.num_updates + 1)
    state = cib.root.find("status/node_state[@id='1']")
    assert state.get("in_ccm") == "true"      # the membership's attributes are kept
    assert [r.get("id") for r in state.iterfind("lrm/lrm_resources/lrm_resource")] == ["a", "b"]
    # one resource's history replaced as a whole
    cibstore.apply(cib, "status_patch", {},
                   StatusPatch().lrm("1", "node1", [_rsc("a", "a_last_0", "a_monitor_5000")])
                   .body())
    ops = cib.root.findall("status/node_state[@id='1']/lrm/lrm_resources/"
                           "lrm_resource[@id='a']/lrm_rsc_op")
    assert [o.get("id") for o in ops] == ["a_last_0", "a_monitor_5000"]
    cibstore.apply(cib, "status_patch", {}, StatusPatch().lrm_delete("1", "node1", "b").body())
    assert cib.root.find("status//lrm_resource[@id='b']") is None
    # the whole history at once
    cibstore.apply(cib, "status_patch", {},
                   StatusPatch().lrm("1", "node1", [_rsc("c")], replace=True).body())
    assert [r.get("id") for r in cib.root.iterfind("status//lrm_resource")] == ["c"]


def test_transient_attributes_expressions_and_clearing():
    cib = _cib()
    p = (StatusPatch().attr("2", "node2", "fail-count-a#monitor_10000", "value++")
         .attr("2", "node2", "fail-count-a#monitor_10000", "value++")
         .attr("2", "node2", "last-failure-a#monitor_10000", "1700000000")
         .attr("2", "node2", "master-db", "10"))
    cibstore.apply(cib, "status_patch", {}, p.body())
    ia = cib.root.find("status/node_state[@id='2']/transient_attributes/instance_attributes")
    assert ia.get("id") == "status-2"
    values = {nv.get("name"): (nv.get("id"), nv.get("value")) for nv in ia}
    assert values["fail-count-a#monitor_10000"] == ("status-2-fail-count-a#monitor_10000", "2")
    assert values["master-db"][1] == "10"
    cibstore.apply(cib, "status_patch", {},
                   StatusPatch().attrs_delete("2", "node2", "fail-count-a#")
                   .attr("2", "node2", "master-db", None).body())
    names = [nv.get("name") for nv in cib.root.iterfind("status//nvpair")]
    assert names == ["last-failure-a#monitor_10000"]
    cibstore.apply(cib, "status_patch", {}, StatusPatch().attrs_clear("2", "node2").body())
    assert cib.root.find("status//transient_attributes") is None


def test_fenced_node_state():
    cib = _cib()
    cibstore.apply(cib, "status_patch", {}, StatusPatch().lrm("2", "node2", [_rsc("a")])
                   .attr("2", "node2", "x", "1").body())
    p = (StatusPatch().state("2", "node2", {"in_ccm": "false", "crmd": "offline",
                                            "join": "down", "expected": "down"})
         .lrm_clear("2", "node2").attrs_clear("2", "node2"))
    cibstore.apply(cib, "status_patch", {}, p.body())
    state = cib.root.find("status/node_state[@id='2']")
    assert (state.get("in_ccm"), state.get("expected"), len(state)) == ("false", "down", 0)


def test_unknown_node_gets_a_bare_state():
    cib = _cib()
    cibstore.apply(cib, "status_patch", {}, StatusPatch().attr("3", "node3", "a", "b").body())
    state = cib.root.find("status/node_state[@id='3']")
    assert state.get("uname") == "node3" and state.get("in_ccm") is None


@pytest.mark.parametrize("body", [
    b"<status_patch><node id='1'/></status_patch>",
    b"<status_patch><node id='1' uname='n'><state id='x'/></node></status_patch>",
    b"<status_patch><node id='1' uname='n'><bogus/></node></status_patch>",
    b"<status_patch><node id='1' uname='n'><lrm><x/></lrm></node></status_patch>",
    b"<oops/>", b"<status_patch>",
])
def test_malformed_patches_change_nothing(body):
    cib = _cib()
    text, version = cib.text(), cib.version
    with pytest.raises(CibError):
        cibstore.apply(cib, "status_patch", {}, body)
    assert (cib.text(), cib.version) == (text, version)


def test_permanent_attributes_bump_epoch_and_use_crmsh_ids():
    cib = _cib()
    epoch = cib.version.epoch
    body = node_config_body("2", "node2", [("instance_attributes", "standby", "on"),
                                           ("utilization", "cpu", "4")])
    cibstore.apply(cib, "node_config_attrs", {}, body)
    assert cib.version.epoch == epoch + 1 and cib.version.num_updates == 0
    node = cib.root.find("configuration/nodes/node[@uname='node2']")
    assert node.get("id") == "2"
    assert node.find("instance_attributes").get("id") == "nodes-2"
    assert node.find("instance_attributes/nvpair").attrib == {
        "id": "nodes-2-standby", "name": "standby", "value": "on"}
    assert node.find("utilization/nvpair").get("id") == "nodes-2-utilization-cpu"
    cibstore.apply(cib, "node_config_attrs", {},
                   node_config_body("2", "node2", [("instance_attributes", "standby", None)]))
    assert node.find("instance_attributes/nvpair") is None or \
        cib.root.find("configuration/nodes/node[@uname='node2']/instance_attributes/nvpair") \
        is None


def test_value_expressions():
    assert expand_value("value++", None) == "1"
    assert expand_value("value++", "4") == "5"
    assert expand_value("value+=10", "4") == "14"
    assert expand_value("value++", "INFINITY") == "INFINITY"
    assert expand_value("value+=INFINITY", "3") == "INFINITY"
    assert expand_value("7", "4") == "7"
