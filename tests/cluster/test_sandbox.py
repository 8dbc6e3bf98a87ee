"""Three real node daemons: membership, replication, failure and recovery, partitions.

Every test runs on 127.0.0.1 and, where root and ``ip netns`` are available, again with each
node in a network namespace of its own.  Times are measured and reported (``record_property``)
but never asserted: the figures belong to ``bench/membership.py``.
"""

from __future__ import annotations

import time

import pytest

from cluster.conftest import TIMEOUT
from hacrm.backends.base import BackendError, CibConflict
from hacrm.backends.embedded import connect
from hacrm.engine import netns


@pytest.fixture(params=["loopback", "netns"])
def mode(request):
    if request.param == "netns":
        reason = netns.available()
        if reason:
            pytest.skip(f"network namespace variant: {reason}")
    return request.param


def add_primitive(xml: str, rid: str) -> str:
    return xml.replace("<resources/>", "<resources>\n    </resources>").replace(
        "</resources>", f'  <primitive id="{rid}" class="ocf" provider="heartbeat" '
                        f'type="Dummy"/>\n    </resources>', 1)


def commit(sb, node: str, rid: str):
    backend = connect(node, str(sb.dir))
    version = backend.version()
    return backend.replace_configuration(add_primitive(backend.read(), rid), version)


def primitives(sb, node: str) -> list[str]:
    from lxml import etree
    root = etree.fromstring(connect(node, str(sb.dir)).read().encode())
    return [p.get("id") for p in root.iterfind("configuration/resources/primitive")]


def dc_of(statuses: dict) -> str:
    """The one DC every node in ``statuses`` agrees on."""
    names = {s["dc_name"] for s in statuses.values()}
    assert len(names) == 1, f"the nodes disagree on the DC: {names}"
    return names.pop()


def went_straight(statuses: dict, since: float, names: list[str]) -> bool:
    """Did each of ``names`` go from the old membership straight to the one all of
    ``statuses`` are in now?  A node that stalls past the token (a loaded machine) first forms
    a ring alone, and then the election's outcome is a different, equally correct, one."""
    ids = next(iter(statuses.values()))["members"]
    return all([v["members"] for v in statuses[n]["view_log"] if v["at"] >= since][:1] == [ids]
               for n in names)


def detection(statuses: dict, killed_at: float) -> float:
    return min(s["view_log"][-1]["at"] for s in statuses.values()) - killed_at


def test_three_nodes_one_membership_one_dc_and_replicated_commits(clusters, mode):
    sb = clusters.start(3, netns_mode=mode == "netns")
    st = sb.wait_converged(timeout=TIMEOUT)
    # which node is DC depends on which two daemons met first (a joining node never disturbs
    # a running DC): one DC, agreed by all, is what holds
    assert len({s["dc_name"] for s in st.values()}) == 1
    assert all(s["quorate"] and s["members"] == [1, 2, 3] for s in st.values())
    version = commit(sb, "node2", "web")
    assert version.num_updates == 0
    texts = {}
    for name in sb.names():
        backend = connect(name, str(sb.dir))
        sb.wait(lambda s, n=name: s[n].get("cib", {}).get("version") is not None and
                s[n]["cib"]["version"][1] >= version.epoch, TIMEOUT, "the commit", [name])
        texts[name] = backend.read()
        assert backend.version().epoch == version.epoch
    # the controller records the new resource's probe and start meanwhile (status updates):
    # the replicas agree once they have applied the same updates
    deadline = time.monotonic() + TIMEOUT
    while len(set(texts.values())) != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
        texts = {name: connect(name, str(sb.dir)).read() for name in sb.names()}
    assert len(set(texts.values())) == 1, "the three nodes hold different XML"
    assert primitives(sb, "node3") == ["web"]


def test_kill_member_then_dc_new_membership_and_rejoin_with_current_cib(clusters, mode,
                                                                       record_property):
    sb = clusters.start(3, netns_mode=mode == "netns")
    st = sb.wait_converged(timeout=TIMEOUT)
    # the DC is whichever node led the first membership (two daemons can meet before the
    # third, loaded machine or not); the test follows it instead of assuming node1
    dc = dc_of(st)
    member = max(n for n in sb.names() if n != dc)
    others = sorted(n for n in sb.names() if n != member)

    killed = clusters.kill(sb, member)
    st = sb.wait_converged(others, timeout=TIMEOUT)
    record_property("member_kill_to_new_membership_s", round(detection(st, killed), 3))
    if went_straight(st, killed, others):
        assert dc_of(st) == dc  # the DC stays
    else:
        dc = dc_of(st)
        assert dc in others
    commit(sb, dc, f"while-{member}-was-down")

    clusters.start_node(sb, member)
    sb.wait_converged(timeout=TIMEOUT)
    assert primitives(sb, member) == [f"while-{member}-was-down"]

    killed = clusters.kill(sb, dc)
    survivors = sorted(n for n in sb.names() if n != dc)
    st = sb.wait_converged(survivors, timeout=TIMEOUT)
    record_property("dc_kill_to_new_membership_s", round(detection(st, killed), 3))
    new_dc = dc_of(st)
    if went_straight(st, killed, survivors):
        assert new_dc == min(survivors, key=lambda n: sb.node(n).nodeid)  # no DC: lowest id
    else:
        assert new_dc in survivors
    commit(sb, member, "after-dc-death")

    back = time.time()
    clusters.start_node(sb, dc)
    st = sb.wait_converged(timeout=TIMEOUT)
    if went_straight(st, back, survivors):
        assert dc_of(st) == new_dc  # a returning node never disturbs
    assert primitives(sb, dc) == [f"while-{member}-was-down", "after-dc-death"]


def test_partition_minority_not_quorate_refuses_changes_and_heals_to_the_majority_cib(
        clusters, mode):
    sb = clusters.start(3, netns_mode=mode == "netns")
    sb.wait_converged(timeout=TIMEOUT)
    clusters.fault(sb, sb.names(), rules=[{"kind": "drop", "a": [1], "b": [2, 3],
                                           "duration": 120}])
    sb.wait_converged(["node1"], timeout=TIMEOUT)
    st = sb.wait_converged(["node2", "node3"], timeout=TIMEOUT)
    assert all(s["quorate"] for s in st.values())
    assert not sb.status("node1")["quorate"]
    assert sb.status("node1")["faults"]
    with pytest.raises(BackendError, match="no quorum"):   # it could not survive the merge
        commit(sb, "node1", "minority")
    commit(sb, "node2", "majority-1")
    commit(sb, "node3", "majority-2")
    clusters.fault(sb, sb.names(), clear=True)
    st = sb.wait_converged(timeout=TIMEOUT)
    assert all(s["quorate"] for s in st.values())
    assert len({s["cib"]["digest"] for s in sb.wait(
        lambda s: len({x["cib"]["digest"] for x in s.values()}) == 1, TIMEOUT,
        "one CIB").values()}) == 1
    assert primitives(sb, "node1") == ["majority-1", "majority-2"]


def test_fault_rules_expire_by_themselves(clusters):
    sb = clusters.start(2)
    sb.wait_converged(timeout=TIMEOUT)
    # long enough that a stalled poll cannot miss the partition before the rule runs out
    clusters.fault(sb, ["node1"], rules=[{"kind": "drop", "a": [1], "b": [2], "duration": 15}])
    sb.wait(lambda s: s["node1"].get("members") == [1], TIMEOUT, "the partition", ["node1"])
    sb.wait_converged(timeout=TIMEOUT)  # no clear: the rule ran out


def test_stale_working_copy_is_refused_through_the_backend(clusters):
    sb = clusters.start(2)
    sb.wait_converged(timeout=TIMEOUT)
    backend = connect("node1", str(sb.dir))
    base = backend.version()
    xml = backend.read()
    commit(sb, "node2", "first")
    with pytest.raises(CibConflict):
        backend.replace_configuration(add_primitive(xml, "second"), base)
    assert primitives(sb, "node1") == ["first"]


def test_two_node_wait_for_all_like_votequorum(clusters):
    sb = clusters.start(2)  # two nodes: two_node, hence wait_for_all
    st = sb.wait_converged(timeout=TIMEOUT)
    assert all(s["quorate"] and "2Node" in s["quorum"]["flags"] for s in st.values())
    clusters.kill(sb, "node2")
    st = sb.wait_converged(["node1"], timeout=TIMEOUT)
    assert st["node1"]["quorate"]  # the survivor keeps quorum
    sb.stop_node("node1")
    clusters.start_node(sb, "node1")  # alone after a restart: waits for all
    st = sb.wait_converged(["node1"], timeout=TIMEOUT)
    assert not st["node1"]["quorate"] and "WaitForAll" in st["node1"]["quorum"]["flags"]
    clusters.start_node(sb, "node2")
    st = sb.wait_converged(timeout=TIMEOUT)
    assert all(s["quorate"] for s in st.values())


def test_clean_stop_is_seen_at_once_and_recorded(clusters):
    sb = clusters.start(3)
    sb.wait_converged(timeout=TIMEOUT)
    t0 = time.time()
    assert sb.stop_node("node3")
    sb.wait_converged(["node1", "node2"], timeout=TIMEOUT)
    assert time.time() - t0 < TIMEOUT
    from lxml import etree

    def recorded(_):
        root = etree.fromstring(connect("node1", str(sb.dir)).read().encode())
        states = {s.get("uname"): s for s in root.iterfind("status/node_state")}
        return states["node3"].get("expected") == "down"
    sb.wait(recorded, TIMEOUT, "node3 recorded as cleanly down", ["node1"])


def test_commits_replicate_over_a_lossy_reordering_duplicating_network(clusters):
    sb = clusters.start(3)
    sb.wait_converged(timeout=TIMEOUT)
    rules = [{"kind": "loss", "p": 0.1, "duration": 120},
             {"kind": "dup", "p": 0.1, "duration": 120},
             {"kind": "delay", "ms": 2, "jitter": 10, "duration": 120}]
    clusters.fault(sb, sb.names(), rules=rules)
    names = sb.names()
    for k in range(9):
        commit(sb, names[k % 3], f"lossy{k}")
        # the next commit reads another node's replica: let the change reach it first
        sb.wait(lambda s: len({x["cib"]["digest"] for x in s.values()}) == 1, TIMEOUT,
                "replication")
    clusters.fault(sb, sb.names(), clear=True)
    sb.wait(lambda s: len({x["cib"]["digest"] for x in s.values()}) == 1, TIMEOUT, "one CIB")
    assert primitives(sb, "node3") == [f"lossy{k}" for k in range(9)]
    rejected = sb.status("node1")["rejected"]
    assert rejected.get("replay", 0) > 0  # the duplicates were there, and refused


def test_messages_from_every_node_are_delivered_in_one_order_everywhere(clusters):
    from hacrm.engine.localapi import ApiClient

    sb = clusters.start(3)
    sb.wait_converged(timeout=TIMEOUT)
    watchers = {}
    for name in sb.names():
        client = ApiClient(sb.layout(name).socket, timeout=TIMEOUT)
        watchers[name] = (client, client.events())
    senders = {name: ApiClient(sb.layout(name).socket, timeout=TIMEOUT)
               for name in sb.names()}
    for k in range(40):  # interleaved: every node sends while the others do
        for name, client in senders.items():
            client.call("send", {"kind": "test", "header": {"k": k}}, f"{name}:{k}")
    orders = {}
    for name, (client, stream) in watchers.items():
        got = []
        for event, data in stream:
            if event == "message" and data["kind"] == "test":
                got.append(data["body"])
                if len(got) == 120:
                    break
        orders[name] = got
        client.close()
    for client in senders.values():
        client.close()
    first = orders["node1"]
    assert orders["node2"] == first and orders["node3"] == first
    for name in sb.names():  # each sender's own messages keep their order
        assert [m for m in first if m.startswith(name)] == [f"{name}:{k}" for k in range(40)]


def test_watchers_see_membership_and_cib_changes(clusters):
    sb = clusters.start(2)
    sb.wait_converged(timeout=TIMEOUT)
    events = connect("node1", str(sb.dir)).watch()
    commit(sb, "node2", "watched")
    clusters.kill(sb, "node2")
    seen: list[str] = []
    for event, data in events:
        seen.append(event)
        if event == "view" and data["members"] == [1]:
            break
    assert "cib" in seen and "view" in seen


def test_a_paused_daemon_rejoins_without_the_majority_losing_quorum(clusters):
    """SIGSTOP longer than the token: the others exclude the node; after SIGCONT it must not
    act on the stale messages that piled up (they say it is gone) and rejoin in one merge."""
    import os
    import signal
    import threading

    # a 4 s token: node1 and node2 must not stall past it themselves while node3 is paused
    # (on a loaded machine a 1 s token can split them too, and then quorum is rightly lost)
    sb = clusters.start(3, token=4000)
    sb.wait_converged(timeout=TIMEOUT)
    quorum_events: list[bool] = []
    views: list[list[int]] = []
    events = connect("node1", str(sb.dir)).watch()

    def record():
        for event, data in events:
            if event == "quorum":
                quorum_events.append(bool(data["quorate"]))
            elif event == "view":
                views.append(data["members"])
                if len(views) >= 2 and data["members"] == [1, 2, 3]:
                    return
    watcher = threading.Thread(target=record, daemon=True)
    watcher.start()
    pid = sb.pid("node3")
    os.kill(pid, signal.SIGSTOP)
    try:
        sb.wait_converged(["node1", "node2"], timeout=TIMEOUT)
        time.sleep(2)  # past the token: the others moved on
    finally:
        os.kill(pid, signal.SIGCONT)
    sb.wait_converged(timeout=TIMEOUT)
    watcher.join(TIMEOUT)
    assert views[-1] == [1, 2, 3]
    assert all(quorum_events), f"node1 lost quorum on the way: {views}"
    log = sb.layout("node3").logfile.read_text()
    assert "received while this daemon was not running" in log
