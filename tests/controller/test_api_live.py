"""The controller's local API on a live 2-node sandbox: node attributes in rules, lost when
the node leaves; failure-timeout; cleanup and refresh; the DC's published state; fencing on
request; forgetting a node that is down."""

from __future__ import annotations

import pytest
from lxml import etree

from . import live

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

T = 60.0


def _config(sandbox_dir) -> str:
    return f"""\
primitive p ocf:hacrm:Dummy op monitor interval=2s \\
    meta failure-timeout=3s migration-threshold=10
location p-east p rule 100: site eq east
primitive fence-sandbox stonith:fence_hacrm params sandbox={sandbox_dir} \\
    pcmk_host_list="node1 node2" op monitor interval=5s
property stonith-enabled=true no-quorum-policy=ignore
"""


def _attrs(sb, at, node):
    return live.api(sb, at, "attributes", node=node)


def _state(sb, node):
    root = etree.fromstring(live.cib_text(sb, "node1").encode())
    return root.find(f"status/node_state[@uname='{node}']")


def _history(sb, node, rsc):
    state = _state(sb, node)
    return state is not None and state.find(f"lrm/lrm_resources/lrm_resource[@id='{rsc}']") \
        is not None


def test_attributes_failures_cleanup_and_fencing_through_the_api(sandboxes):
    sb = sandboxes.start(2)
    live.configure(sb, "node1", _config(sb.dir))
    live.wait(lambda: live.at_rest(sb), T, "the first placement")

    # a transient attribute used by a location rule moves the resource
    live.api(sb, "node1", "attribute", node="node2", name="site", value="east")
    assert live.api(sb, "node1", "attribute", node="node2", name="site",
                    query=True)["value"] == "east"
    live.wait(lambda: live.where(live.cib_text(sb, "node1"), "p") == ["node2"]
              and live.at_rest(sb), T, "p on node2, where site=east")

    # the DC's state, from either node
    assert live.api(sb, "node2", "wait_idle", timeout=30)["idle"]
    st = live.api(sb, "node2", "dc_status")
    assert st["known"] and st["idle"] and st["dc"] == live.dc_of(sb)

    # a failure with failure-timeout: counted, then forgotten by the cluster itself
    state = sb.layout("node2").root / "run/resource-agents/hacrm-Dummy-p.state"
    switch = state.parent / (state.name + ".fail-monitor")
    switch.touch()
    live.wait(lambda: "fail-count-p#monitor_2000" in _attrs(sb, "node1", "node2")["transient"],
              T, "p's fail-count on node2")
    switch.unlink()
    live.wait(lambda: "fail-count-p#monitor_2000" not in
              _attrs(sb, "node1", "node2")["transient"] and live.at_rest(sb), T,
              "the expired failure cleared by the cluster (failure-timeout)")

    # cleanup forgets the history with the (expired) failure, the resource is probed
    # again; a second cleanup finds nothing; refresh forgets everything and re-probes
    done = live.api(sb, "node1", "resource_cleanup", resource="p")
    assert done["cleaned"] == [["node2", "p"]], done
    live.wait(lambda: _history(sb, "node2", "p") and live.at_rest(sb), T,
              "p probed again on node2")
    assert live.where(live.cib_text(sb, "node1"), "p") == ["node2"]
    assert live.api(sb, "node1", "resource_cleanup", resource="p")["cleaned"] == []
    done = live.api(sb, "node1", "resource_cleanup", resource="p", refresh=True)
    assert sorted(map(tuple, done["cleaned"])) == [("node1", "p"), ("node2", "p")]
    live.wait(lambda: _history(sb, "node1", "p") and _history(sb, "node2", "p")
              and live.at_rest(sb), T, "p probed again on both nodes")
    assert live.where(live.cib_text(sb, "node1"), "p") == ["node2"]
    errors = live.try_api(sb, "node1", "resource_cleanup", resource="nope")
    assert errors is None      # refused: unknown resource

    # fencing on request: node2 is rebooted by fence_hacrm and comes back
    old = sb.pid("node2")
    reply = live.api(sb, "node1", "node_fence", node="node2", action="reboot")
    assert reply["node"] == "node2" and "fence-sandbox" in reply["detail"]
    live.wait(lambda: sb.pid("node2") not in (None, old), T, "node2 switched on again")
    live.wait(lambda: (live.try_api(sb, "node1", "status") or {}).get("members") == [1, 2]
              and live.at_rest(sb), T, "node2 back in the membership")
    assert "site" not in _attrs(sb, "node1", "node2")["transient"], \
        "transient attributes do not survive fencing"

    # a node that leaves loses its transient attributes; forgetting it needs it down
    live.api(sb, "node1", "attribute", node="node2", name="site", value="east")
    live.wait(lambda: live.where(live.cib_text(sb, "node1"), "p") == ["node2"]
              and live.at_rest(sb), T, "p back on node2")
    assert live.try_api(sb, "node1", "node_forget", node="node2") is None
    sb.stop_node("node2", timeout=30)
    live.wait(lambda: "site" not in _attrs(sb, "node1", "node2")["transient"]
              and live.where(live.cib_text(sb, "node1"), "p") == ["node1"]
              and live.at_rest(sb, ["node1"]), T, "node2's attributes gone, p on node1")
    live.api(sb, "node1", "node_clearstate", node="node2")
    state2 = _state(sb, "node2")
    assert state2.get("expected") == "down" and state2.find("lrm") is None
    live.api(sb, "node1", "node_forget", node="node2")
    assert _state(sb, "node2") is None
