"""Fencing: devices and levels from the CIB, capable devices, levels tried in turn."""

from __future__ import annotations

import asyncio

from lxml import etree

from hacrm.engine import fencer
from hacrm.engine.fencer import Device
from hacrm.engine.opresult import AgentRef, ExecStatus, OcfRc, OpRequest, OpResult

CIB = """\
<cib><configuration>
  <nodes><node id="1" uname="node1"><instance_attributes id="n1">
    <nvpair id="n1r" name="rack" value="a"/></instance_attributes></node>
    <node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
  <resources>
    <primitive id="ipmi-1" class="stonith" type="fence_ipmilan">
      <instance_attributes id="i1"><nvpair id="i1a" name="ip" value="10.0.0.1"/>
        <nvpair id="i1b" name="pcmk_host_list" value="node1"/></instance_attributes>
    </primitive>
    <primitive id="pdu" class="stonith" type="fence_apc">
      <instance_attributes id="p"><nvpair id="pa" name="pcmk_host_map" value="node1:3;node2:4"/>
      </instance_attributes>
      <meta_attributes id="pm"><nvpair id="pmp" name="priority" value="10"/></meta_attributes>
    </primitive>
    <primitive id="off" class="stonith" type="fence_apc">
      <meta_attributes id="om"><nvpair id="omr" name="target-role" value="Stopped"/>
      </meta_attributes>
    </primitive>
    <primitive id="web" class="ocf" provider="hacrm" type="webserver"/>
  </resources>
  <fencing-topology>
    <fencing-level id="l2" target="node1" index="2" devices="pdu"/>
    <fencing-level id="l1" target="node1" index="1" devices="ipmi-1"/>
    <fencing-level id="l3" target-pattern="node[23]" index="1" devices="pdu,ipmi-1"/>
    <fencing-level id="l4" target-attribute="rack" target-value="a" index="3" devices="pdu"/>
  </fencing-topology>
</configuration><status/></cib>"""


def test_devices_and_levels():
    cib = etree.fromstring(CIB)
    assert [d.id for d in fencer.devices(cib)] == ["pdu", "ipmi-1"]   # priority first
    assert fencer.levels_for(cib, "node1") == [(1, ["ipmi-1"]), (2, ["pdu"]), (3, ["pdu"])]
    assert fencer.levels_for(cib, "node3") == [(1, ["pdu", "ipmi-1"])]
    plan = fencer.fencing_plan(cib, "node3")
    assert [[d.id for d in level] for level in plan] == [["pdu", "ipmi-1"]]
    no_topology = etree.fromstring(CIB.replace("fencing-topology", "x"))
    assert [[d.id for d in lv] for lv in fencer.fencing_plan(no_topology, "node2")] == \
        [["pdu"], ["ipmi-1"]]


class FakeAgents:
    """Fence agents by outcome: ``ok`` maps (device, action) to success; ``lists`` gives the
    output of ``list``; ``states`` the rc of ``status`` per target."""

    def __init__(self, ok=None, lists=None, states=None):
        self.ok = ok or {}
        self.lists = lists or {}
        self.states = states or {}
        self.calls = []

    async def run(self, device: Device, action: str, target):
        self.calls.append((device.id, action, target))
        req = OpRequest(device.id, AgentRef("stonith", device.agent), action)
        if action == "list":
            return OpResult(req, 1, OcfRc.OK, ExecStatus.DONE, stdout=self.lists.get(
                device.id, ""))
        if action == "status":
            return OpResult(req, 1, self.states.get((device.id, target), OcfRc.UNKNOWN_ERROR),
                            ExecStatus.DONE)
        good = self.ok.get((device.id, action), True)
        return OpResult(req, 1, OcfRc.OK if good else OcfRc.UNKNOWN_ERROR, ExecStatus.DONE,
                        exit_reason="" if good else "power switch says no")

    async def actions(self, device: Device):
        return {"list", "status", "off", "on", "reboot"} if device.agent != "plain" else \
            {"off"}


def _run(levels, target, agents, action="reboot"):
    logs = []
    result = asyncio.run(fencer.run_fencing(levels, target, action, agents.run,
                                            agents.actions, lambda lvl, t: logs.append(t)))
    return result, logs


def test_host_checks():
    static = Device("s", "fence_x", {"pcmk_host_list": "node1, node2"})
    mapped = Device("m", "fence_x", {"pcmk_host_map": "node1:3;node3:4"})
    dynamic = Device("d", "fence_x", {})
    status = Device("st", "fence_x", {"pcmk_host_check": "status"})
    anything = Device("n", "plain", {})
    agents = FakeAgents(lists={"d": "node1,\nnode2,\n"},
                        states={("st", "node2"): OcfRc.NOT_RUNNING})

    def can(dev, target):
        return asyncio.run(fencer.can_fence(dev, target, agents.run,
                                            asyncio.run(agents.actions(dev))))
    assert can(static, "node2") and not can(static, "node3")
    assert can(mapped, "node3") and not can(mapped, "node2")
    assert can(dynamic, "node2") and not can(dynamic, "node3")
    assert can(status, "node2") and not can(status, "node1")   # off counts; unknown does not
    assert fencer.host_check(anything, {"off"}) == "none" and can(anything, "node9")


def test_levels_in_turn_and_all_devices_of_a_level():
    a = Device("a", "fence_x", {"pcmk_host_list": "node1"})
    b = Device("b", "fence_x", {"pcmk_host_list": "node1"})
    c = Device("c", "fence_x", {"pcmk_host_list": "node1"})
    agents = FakeAgents(ok={("b", "reboot"): False})
    (ok, detail), _ = _run([[a, b], [c]], "node1", agents)
    assert ok and detail == "fenced by c"
    assert [x for x in agents.calls if x[1] == "reboot"] == [
        ("a", "reboot", "node1"), ("b", "reboot", "node1"), ("c", "reboot", "node1")]
    agents = FakeAgents(ok={("c", "reboot"): False, ("a", "reboot"): False})
    (ok, detail), _ = _run([[a], [c]], "node1", agents)
    assert not ok and "power switch says no" in detail


def test_no_device_or_none_capable():
    assert _run([], "node1", FakeAgents())[0] == (False, "no fence device is configured")
    only2 = Device("x", "fence_x", {"pcmk_host_list": "node2"})
    ok, detail = _run([[only2]], "node1", FakeAgents())[0]
    assert not ok and "no device can fence node1" in detail
