"""The seed scenario on a 2-node sandbox, end to end (issue #6, point 1).

A web server and a second resource in a group, another resource colocated with and ordered
after the group, a location preference for node1, stickiness, ``no-quorum-policy=ignore``,
fencing by ``fence_hacrm``:

1. the group starts on node1 and HTTP answers from node1;
2. node1 in standby (the ``standby`` attribute through the local API): everything moves,
   HTTP answers from node2;
3. node1 online again: nothing moves back (stickiness);
4. kill -9 of node2's daemon: node2 is fenced, the service comes back on node1;
5. the data resource's monitor made to fail on node1: the fail-count rises and, past
   migration-threshold, the resources move to node2.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from . import live
from .oracle_status import check

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

T = 60.0   # generous: the machine is shared and loaded


def _seed(sandbox_dir, port: int) -> str:
    return f"""\
primitive webdata ocf:hacrm:Dummy op monitor interval=3s timeout=20s
primitive webserver ocf:hacrm:webserver params port={port} \\
    op monitor interval=3s timeout=20s
group webservice webdata webserver
primitive notifier ocf:hacrm:Dummy op monitor interval=5s
colocation notifier-with-web inf: notifier webservice
order web-then-notifier Mandatory: webservice notifier
location prefer-node1 webservice 100: node1
primitive fence-sandbox stonith:fence_hacrm \\
    params sandbox={sandbox_dir} pcmk_host_list="node1 node2" \\
    op monitor interval=5s
property stonith-enabled=true no-quorum-policy=ignore
rsc_defaults resource-stickiness=200 migration-threshold=2
"""


def _serving(sb, port, node):
    """HTTP answers from ``node`` and the CIB says the whole group runs there."""
    if live.http_node(port) != node:
        return False
    cib = live.cib_text(sb, "node1")     # node1 is up throughout
    return all(live.where(cib, r) == [node] for r in ("webdata", "webserver", "notifier"))


def _oracle_agrees(sb) -> None:
    """crm_simulate reads the status we wrote as we do, and sees nothing left to do."""
    theirs, ours = check(live.cib_text(sb, "node1"))
    assert theirs.current == ours.current, (theirs.current, ours.current)
    assert theirs.summary == "" and ours.summary == "", (theirs.summary, ours.summary)


@pytest.mark.oracle
def test_seed_scenario(sandboxes):
    sb = sandboxes.start(2)
    port = live.free_port()
    live.configure(sb, "node1", _seed(sb.dir, port))

    # 1. preferred node
    live.wait(lambda: _serving(sb, port, "node1") and live.at_rest(sb), T,
              "the group on node1 answering HTTP")
    _oracle_agrees(sb)

    # 2. standby moves everything
    live.api(sb, "node2", "attribute", node="node1", name="standby", value="on",
             lifetime="forever")
    live.wait(lambda: _serving(sb, port, "node2") and live.at_rest(sb), T,
              "the group on node2 after node1's standby")

    # 3. back online: stickiness keeps it on node2
    live.api(sb, "node2", "attribute", node="node1", name="standby", delete=True,
             lifetime="forever")
    live.wait(lambda: live.at_rest(sb), T, "the cluster at rest after node1 came back")
    cib = live.cib_text(sb, "node1")
    assert live.where(cib, "webserver") == ["node2"], live.placement(cib)
    assert live.http_node(port) == "node2"
    _oracle_agrees(sb)

    # 4. node2's daemon dies: fenced, service back on node1
    pid = sb.pid("node2")
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    live.wait(lambda: live.http_node(port) == "node1", T, "the service back on node1")
    recovery = time.monotonic() - killed
    log = (sb.layout("node1").logfile).read_text()
    assert "fence-sandbox (fence_hacrm) fenced node2" in log
    fence_at = log.index("fenced node2")
    assert log.index("Fence (reboot) node2") < fence_at
    # recovered only after fencing: the start on node1 is logged after the fencing
    assert "webserver" in log[fence_at:]
    print(f"kill -9 -> service answering from node1: {recovery:.1f} s")

    # 5. a failing monitor: fail-count, then migration past the threshold
    live.wait(lambda: live.at_rest(sb, ["node1"]), T, "rest after the recovery")
    _oracle_agrees(sb)
    nodes_up = live.wait(lambda: live.dc_of(sb, ["node1"]) and live.try_api(
        sb, "node1", "status")["members"], T, "a membership")
    other = "node2" if 2 in nodes_up else None
    state = sb.layout("node1").root / "run/resource-agents/hacrm-Dummy-webdata.state"
    live.wait(state.exists, T, "webdata's state file on node1")
    (state.parent / (state.name + ".fail-monitor")).touch()

    def failcount():
        attrs = live.api(sb, "node1", "attributes", node="node1")["transient"]
        return int(attrs.get("fail-count-webdata#monitor_3000", "0"))
    live.wait(lambda: failcount() >= 1, T, "a fail-count for webdata on node1")
    if other is None:
        # node2 did not come back after fencing: nowhere to go, it stays stopped
        live.wait(lambda: failcount() >= 2 and live.at_rest(sb, ["node1"]), T,
                  "fail-count past the threshold")
        assert live.where(live.cib_text(sb, "node1"), "webdata") == []
        return
    live.wait(lambda: _serving(sb, port, "node2") and live.at_rest(sb), T,
              "the group moved to node2 past migration-threshold")
    assert failcount() >= 2
    _oracle_agrees(sb)
