"""The DC dies: the new DC learns the truth from the survivors' histories and leaves healthy
resources alone; the dead DC's resources are recovered; the node comes back and is probed.

3 nodes, fencing disabled: after kill -9 of the DC (node1), the survivors elect node2, every
survivor sends its resource history, and the new DC schedules from it.  A resource running on
node3 must not be restarted (same call id in its history), the resource that ran on node1 must
be started elsewhere, and when node1's daemon comes back it is probed and joins the clone.
"""

from __future__ import annotations

import pytest
from lxml import etree

from . import live

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

T = 60.0

CONFIG = """\
primitive on3 ocf:hacrm:Dummy op monitor interval=3s
location on3-prefers-node3 on3 100: node3
primitive on1 ocf:hacrm:Dummy op monitor interval=3s
location on1-prefers-node1 on1 100: node1
primitive base ocf:hacrm:Dummy op monitor interval=3s
clone base-clone base
property stonith-enabled=false
"""


def _start_of(cib: str, node: str, rsc: str) -> tuple[str | None, str | None]:
    root = etree.fromstring(cib.encode())
    op = root.find(f"status/node_state[@uname='{node}']/lrm/lrm_resources/"
                   f"lrm_resource[@id='{rsc}']/lrm_rsc_op[@id='{rsc}_last_0']")
    return (op.get("call-id"), op.get("transition-key")) if op is not None else (None, None)


def test_dc_killed(sandboxes):
    sb = sandboxes.start(3)
    live.configure(sb, "node2", CONFIG)
    cib = live.wait(lambda: live.at_rest(sb) and live.where(c := live.cib_text(sb, "node2"),
                                                           "on1") == ["node1"] and c,
                    T, "the first placement")
    assert live.dc_of(sb) == "node1"
    assert live.where(cib, "on3") == ["node3"]
    before = _start_of(cib, "node3", "on3")
    assert before[0] is not None

    sb.kill_node("node1")
    survivors = ["node2", "node3"]
    cib = live.wait(lambda: live.at_rest(sb, survivors)
                    and live.where(c := live.cib_text(sb, "node2"), "on1") in (["node2"],
                                                                               ["node3"])
                    and c, T, "on1 recovered by the new DC")
    assert live.dc_of(sb, survivors) == "node2"
    assert live.where(cib, "on3") == ["node3"]
    assert _start_of(cib, "node3", "on3") == before, "a healthy resource was restarted"
    assert sorted(n for n, _ in live.placement(cib)["base"]) == ["node2", "node3"]

    sb.start_node("node1", timeout=T)
    cib = live.wait(lambda: live.at_rest(sb)
                    and len(live.placement(c := live.cib_text(sb, "node1"))["base"]) == 3
                    and c, T, "node1 back, probed, in the clone")
    probe = etree.fromstring(cib.encode()).find(
        "status/node_state[@uname='node1']/lrm/lrm_resources/lrm_resource[@id='on3']")
    assert probe is not None, "node1 was probed for on3 after its restart"
    assert _start_of(cib, "node3", "on3") == before
