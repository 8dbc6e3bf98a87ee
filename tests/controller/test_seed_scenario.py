"""The seed scenario on a 2-node sandbox, end to end (issue #6, point 1).

A web server and a second resource in a group, another resource colocated with and ordered
after the group, a location preference for node1, stickiness, ``no-quorum-policy=ignore``,
fencing by ``fence_hacrm``:

1. the group starts on node1 and HTTP answers from node1;
2. ``crm node standby node1`` (our shell, run against node2): everything moves, HTTP answers
   from node2;
3. ``crm node online node1``: nothing moves back (stickiness);
4. kill -9 of node2's daemon: node2 is fenced by ``fence_hacrm`` before anything is recovered,
   the service comes back on node1 (and the power switch brings node2 back);
5. the data resource's monitor made to fail on node1: the fail-count rises (read with
   ``crm resource failcount``) and, past migration-threshold, the resources move to node2.

At every rest point Debian's crm_simulate reads the status section the controller wrote as our
own unpacking does, and wants nothing more done.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from lxml import etree

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


def _online(cib: str) -> list[str]:
    root = etree.fromstring(cib.encode())
    return sorted(n.get("uname") for n in root.iterfind("status/node_state")
                  if n.get("crmd") == "online" and n.get("join") == "member")


def _failcount(sb, home: str) -> int:
    """webdata's fail-count on node1 as ``crm resource failcount webdata show node1`` says."""
    out = live.crm(sb, "node1", "resource", "failcount", "webdata", "show", "node1",
                   home=home).stdout
    match = re.search(r"value=(\S+)", out)
    assert match, out
    return int(match.group(1))


def _oracle_agrees(sb) -> None:
    """crm_simulate reads the status we wrote as we do, and sees nothing left to do."""
    theirs, ours = check(live.cib_text(sb, "node1"))
    assert theirs.current == ours.current, (theirs.current, ours.current)
    assert theirs.summary == "" and ours.summary == "", (theirs.summary, ours.summary)


@pytest.mark.oracle
def test_seed_scenario(sandboxes, tmp_path):
    home = str(tmp_path / "home")
    sb = sandboxes.start(2)
    port = live.free_port()
    live.configure(sb, "node1", _seed(sb.dir, port))

    # 1. preferred node
    live.wait(lambda: _serving(sb, port, "node1") and live.at_rest(sb), T,
              "the group on node1 answering HTTP")
    _oracle_agrees(sb)

    # 2. standby moves everything
    live.crm(sb, "node2", "node", "standby", "node1", home=home)
    attrs = live.api(sb, "node1", "attributes", node="node1")
    assert attrs["permanent"].get("standby") == "on", attrs
    live.wait(lambda: _serving(sb, port, "node2") and live.at_rest(sb), T,
              "the group on node2 after node1's standby")
    _oracle_agrees(sb)

    # 3. back online: stickiness keeps it on node2
    live.crm(sb, "node2", "node", "online", "node1", home=home)
    attrs = live.api(sb, "node1", "attributes", node="node1")
    assert attrs["permanent"].get("standby") in (None, "off"), attrs
    live.wait(lambda: live.at_rest(sb), T, "the cluster at rest after node1 came back")
    cib = live.cib_text(sb, "node1")
    assert "node1" in _online(cib), cib
    assert {r: live.where(cib, r) for r in ("webdata", "webserver", "notifier")} == {
        "webdata": ["node2"], "webserver": ["node2"], "notifier": ["node2"]}, \
        live.placement(cib)
    assert live.http_node(port) == "node2"
    _oracle_agrees(sb)

    # 4. node2's daemon dies: fenced, service back on node1
    pid = sb.pid("node2")
    logged_before = len(sb.layout("node1").logfile.read_text())
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    live.wait(lambda: live.http_node(port) == "node1", T, "the service back on node1")
    recovery = time.monotonic() - killed
    log = (sb.layout("node1").logfile).read_text()[logged_before:]
    assert "fence-sandbox (fence_hacrm) fenced node2" in log
    planned = log.index("Fence (reboot) node2")
    assert planned < log.index("fenced node2")
    # recovered only after fencing: no transition planned the web server on node1 before the
    # one that fences node2 (whose graph orders every start after the fencing), and that one
    # or a later one did
    assert not re.search(r"(Start|Move|Recover)\s+webserver\b", log[:planned]), log
    assert re.search(r"(Start|Move|Recover)\s+webserver\b", log[planned:]), log
    print(f"kill -9 -> service answering from node1: {recovery:.1f} s")

    # the power switch brought node2 back (reboot = off, then on): it rejoins empty-handed
    live.wait(lambda: sb.pid("node2") not in (None, pid), T, "node2 switched on again")
    live.wait(lambda: (live.try_api(sb, "node1", "status") or {}).get("members") == [1, 2]
              and live.at_rest(sb), T, "node2 back in the membership, the cluster at rest")
    cib = live.cib_text(sb, "node1")
    assert {r: live.where(cib, r) for r in ("webdata", "webserver", "notifier")} == {
        "webdata": ["node1"], "webserver": ["node1"], "notifier": ["node1"]}, \
        live.placement(cib)
    _oracle_agrees(sb)

    # 5. a failing monitor: fail-count, then migration past the threshold (2)
    state = sb.layout("node1").root / "run/resource-agents/hacrm-Dummy-webdata.state"
    assert state.exists()
    assert _failcount(sb, home) == 0
    (state.parent / (state.name + ".fail-monitor")).touch()
    failed = time.monotonic()
    live.wait(lambda: _failcount(sb, home) >= 1, T, "a fail-count for webdata on node1")
    live.wait(lambda: _serving(sb, port, "node2") and live.at_rest(sb), T,
              "the group moved to node2 past migration-threshold")
    print(f"monitor failing -> group answering from node2: {time.monotonic() - failed:.1f} s")
    assert _failcount(sb, home) >= 2
    attrs = live.api(sb, "node1", "attributes", node="node1")["transient"]
    assert "last-failure-webdata#monitor_3000" in attrs, attrs
    _oracle_agrees(sb)
