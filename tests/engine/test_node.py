"""Whole nodes on a simulated network: sync, DC, replicated CIB, failover, partitions."""

from __future__ import annotations

from engine.fakecluster import FakeCluster
from hacrm.backends.base import CibVersion
from hacrm.engine.cibstore import Cib
from hacrm.engine.node import Send


def with_resource(cib: Cib, rid: str) -> str:
    root = cib.copy()
    res = root.find("configuration/resources")
    res.append(res.makeelement("primitive", {"id": rid, "class": "ocf",
                                             "provider": "heartbeat", "type": "Dummy"}))
    from lxml import etree
    return etree.tostring(root, encoding="unicode")


def resources(cib: Cib) -> list[str]:
    return [p.get("id") for p in cib.root.findall("configuration/resources/primitive")]


def converged(c: FakeCluster, ids=None) -> bool:
    ids = ids or c.alive_ids()
    return c.settled(set(ids)) and len({c.cib(i).digest for i in ids}) == 1 and all(
        not c.hosts[i].core.inflight for i in ids)


def test_start_elects_one_dc_and_records_membership_in_the_cib():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    c.run(0.2)
    assert {c.hosts[i].core.dc for i in c.ids} == {1}
    cib = c.cib(2)
    assert [n.get("uname") for n in cib.root.findall("configuration/nodes/node")] == [
        "node1", "node2", "node3"]
    states = cib.root.findall("status/node_state")
    assert {s.get("uname") for s in states} == {"node1", "node2", "node3"}
    assert all(s.get("crmd") == "online" for s in states)
    assert cib.root.get("have-quorum") == "1" and cib.root.get("dc-uuid") == "1"
    assert len({c.cib(i).text() for i in c.ids}) == 1


def test_commit_on_one_node_is_on_all_with_the_same_xml_and_epoch():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    base = c.cib(3).version
    reply = c.commit(3, with_resource(c.cib(3), "web"), base)
    assert reply.ok, reply.error
    new = CibVersion(*reply.result["version"])
    assert new == CibVersion(base.admin_epoch, base.epoch + 1, 0)
    assert c.hosts[3].disk.version >= new  # acknowledged only once on disk
    c.run_until(lambda: converged(c), 5)
    assert {c.cib(i).text() for i in c.ids} == {c.cib(1).text()}
    assert resources(c.cib(1)) == ["web"]


def test_reply_waits_for_the_disk():
    c = FakeCluster(2, persist_delay=0.5)
    c.run_until(lambda: converged(c), 5)
    call = c.call(2, "replace_configuration",
                  {"base": list(c.cib(2).version.__dict__.values())},
                  with_resource(c.cib(2), "web").encode())
    c.run(0.2)
    assert call not in c.hosts[2].replies  # applied in memory, not yet durable
    assert c.reply(2, call).ok


def test_stale_base_is_refused_and_nothing_changes():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    base = c.cib(1).version
    assert c.commit(1, with_resource(c.cib(1), "a"), base).ok
    reply = c.commit(2, with_resource(c.cib(2), "b"), base)
    assert not reply.ok and reply.result["conflict"]
    c.run(0.2)
    assert resources(c.cib(3)) == ["a"]


def test_two_concurrent_commits_on_the_same_base_one_wins():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    base = c.cib(1).version
    calls = {i: c.call(i, "replace_configuration",
                       {"base": [base.admin_epoch, base.epoch, base.num_updates]},
                       with_resource(c.cib(i), f"r{i}").encode()) for i in (2, 3)}
    replies = {i: c.reply(i, call) for i, call in calls.items()}
    assert sorted(r.ok for r in replies.values()) == [False, True]
    winner = next(i for i, r in replies.items() if r.ok)
    c.run_until(lambda: converged(c), 5)
    assert resources(c.cib(1)) == [f"r{winner}"]


def test_status_updates_do_not_conflict_with_a_configuration_commit():
    c = FakeCluster(2)
    c.run_until(lambda: converged(c), 5)
    base = c.cib(1).version
    call = c.call(2, "cib_update", {"op": "status_replace", "args": {}},
                  b'<node_state id="2" uname="node2" in_ccm="true" crmd="online"/>')
    assert c.reply(2, call).ok
    assert c.cib(1).version.num_updates == base.num_updates + 1
    assert c.commit(1, with_resource(c.cib(1), "x"), base).ok


def test_dc_death_with_a_request_in_flight_still_gets_an_answer():
    for delay in (0.0, 0.0005, 0.001, 0.002, 0.004):
        c = FakeCluster(3, seed=int(delay * 10000))
        c.run_until(lambda: converged(c), 5)
        base = c.cib(2).version
        call = c.call(2, "replace_configuration",
                      {"base": [base.admin_epoch, base.epoch, base.num_updates]},
                      with_resource(c.cib(2), "web").encode())
        c.run(delay)
        c.kill(1)  # the DC
        reply = c.reply(2, call, limit=10)
        assert reply.ok, reply.error
        c.run_until(lambda: converged(c, [2, 3]), 10)
        assert {c.hosts[i].core.dc for i in (2, 3)} == {2}
        assert resources(c.cib(3)) == ["web"]


def test_partition_minority_refuses_configuration_changes_and_the_majority_cib_wins():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    c.partition({1}, {2, 3})
    c.run_until(lambda: converged(c, [1]) and converged(c, [2, 3]), 10)
    assert not c.hosts[1].core.vq.quorate
    assert c.hosts[2].core.vq.quorate
    # a change acknowledged by the minority would vanish (or roll the majority back) when the
    # sides merge: it is refused, and nothing of the minority's configuration moves
    before = c.cib(1).version
    refused = c.commit(1, with_resource(c.cib(1), "minority"), before)
    assert not refused.ok and "no quorum" in refused.error
    assert c.cib(1).version.epoch == before.epoch and resources(c.cib(1)) == []
    for rid in ("m1", "m2"):
        assert c.commit(2, with_resource(c.cib(2), rid), c.cib(2).version).ok
    winner = c.cib(2).version
    c.heal()
    c.run_until(lambda: converged(c), 10)
    c.run(0.3)
    assert resources(c.cib(1)) == ["m1", "m2"]
    assert c.cib(1).version >= winner
    assert c.hosts[1].core.vq.quorate
    # with quorum back, the same node commits again
    assert c.commit(1, with_resource(c.cib(1), "after"), c.cib(1).version).ok


def test_merge_prefers_the_quorate_sides_cib_over_a_higher_one_from_a_cut_off_node():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    c.partition({1}, {2, 3})
    c.run_until(lambda: converged(c, [1]) and converged(c, [2, 3]), 10)
    assert c.commit(2, with_resource(c.cib(2), "acked"), c.cib(2).version).ok
    won = c.cib(2).version
    # node 1 holds an update the others never received (delivered to it alone as the ring
    # broke), at the same epoch, with more status updates on top: a higher version
    from lxml import etree
    root = etree.fromstring(with_resource(c.cib(1), "stray").encode())
    root.set("epoch", str(won.epoch))
    root.set("num_updates", str(won.num_updates + 50))
    c.hosts[1].core.cib = Cib.from_text(etree.tostring(root))
    assert c.cib(1).version > won
    c.heal()
    c.run_until(lambda: converged(c), 10)
    c.run(0.3)
    assert all(resources(c.cib(i)) == ["acked"] for i in c.ids)


def test_a_commit_is_acknowledged_only_once_it_cannot_be_lost_to_a_partition():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    assert c.hosts[1].core.dc == 1      # node 1 is DC and orders the ring's messages
    base = c.cib(1).version
    c.partition({1}, {2, 3})            # before anyone notices, node 1 takes a commit:
    call = c.call(1, "replace_configuration",  # it alone applies it, the others never do
                  {"base": [base.admin_epoch, base.epoch, base.num_updates]},
                  with_resource(c.cib(1), "cut-off").encode())
    c.run_until(lambda: converged(c, [1]) and converged(c, [2, 3]), 10)
    assert call not in c.hosts[1].replies, "acknowledged while only node 1 had it"
    assert c.commit(2, with_resource(c.cib(2), "majority"), c.cib(2).version).ok
    c.heal()
    reply = c.reply(1, call)
    c.run_until(lambda: converged(c), 10)
    assert resources(c.cib(1)) == ["majority"]
    assert not reply.ok and "not confirmed" in reply.error


def test_merge_of_equal_versions_with_different_content_converges():
    c = FakeCluster(2, quorum="two_node: 1\nwait_for_all: 0")
    c.run_until(lambda: converged(c), 5)
    c.partition({1}, {2})
    c.run_until(lambda: converged(c, [1]) and converged(c, [2]), 10)
    assert c.commit(1, with_resource(c.cib(1), "left"), c.cib(1).version).ok
    assert c.commit(2, with_resource(c.cib(2), "right"), c.cib(2).version).ok
    c.heal()
    c.run_until(lambda: converged(c), 10)
    assert resources(c.cib(1)) == resources(c.cib(2))


def test_restarted_node_receives_the_current_cib():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    c.kill(3)
    c.run_until(lambda: converged(c, [1, 2]), 10)
    assert c.commit(1, with_resource(c.cib(1), "while-away"), c.cib(1).version).ok
    c.start(3)  # from its old disk
    c.run_until(lambda: converged(c), 10)
    assert resources(c.cib(3)) == ["while-away"]
    c.run_until(lambda: c.hosts[3].disk.digest == c.cib(1).digest, 2)  # and on its disk


def test_a_node_joining_with_a_newer_cib_brings_it():
    c = FakeCluster(3, start=False)
    newer = Cib.from_text(with_resource(Cib.empty(), "precious"))
    newer.root.set("epoch", "40")
    c.start(1)
    c.start(2)
    c.start(3, cib=Cib(newer.root))
    c.run_until(lambda: converged(c), 10)
    assert resources(c.cib(1)) == ["precious"]
    assert c.cib(1).version.epoch >= 40


def test_clean_shutdown_is_recorded_as_expected_down():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    c.shutdown(3)
    c.run_until(lambda: converged(c, [1, 2]), 5)
    c.run(0.2)
    state = [s for s in c.cib(1).root.findall("status/node_state") if s.get("id") == "3"][0]
    assert (state.get("crmd"), state.get("join"), state.get("expected")) == (
        "offline", "down", "down")
    c.kill(2)
    c.run_until(lambda: c.settled({1}), 5)
    c.run(0.2)
    state = [s for s in c.cib(1).root.findall("status/node_state") if s.get("id") == "2"][0]
    assert (state.get("crmd"), state.get("expected")) == ("offline", "member")  # unclean


def test_two_node_cluster_keeps_quorum_when_one_dies():
    c = FakeCluster(2, quorum="two_node: 1")
    c.run_until(lambda: converged(c), 5)
    assert c.hosts[1].core.vq.quorate
    c.kill(2)
    c.run_until(lambda: converged(c, [1]), 5)
    assert c.hosts[1].core.vq.quorate and c.hosts[1].core.dc == 1


def test_application_messages_reach_every_node_in_one_order():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    for k in range(20):
        i = 1 + k % 3
        c._apply(i, c.hosts[i].core.step(Send("ctl", {"n": k}, b"x" * k), c.now))
    c.run(1)
    orders = [[(m.origin, m.header["n"]) for m in c.hosts[i].app] for i in c.ids]
    assert orders[0] == orders[1] == orders[2] and len(orders[0]) == 20


def test_status_reports_what_crm_status_needs():
    c = FakeCluster(3)
    c.run_until(lambda: converged(c), 5)
    st = c.hosts[2].core.status()
    assert st["node"] == "node2" and st["dc_name"] == "node1" and st["quorate"]
    assert st["members"] == [1, 2, 3] and st["synced"]
    assert [n["name"] for n in st["nodes"]] == ["node1", "node2", "node3"]
    assert st["quorum"]["expected_votes"] == 3 and st["quorum"]["quorum"] == 2
    assert st["ring_id"].startswith("1.")
