"""Packet authentication, replay protection, reject accounting and the fault hook (no sockets)."""

from __future__ import annotations

import pytest

from hacrm.engine.authkey import packet_key
from hacrm.engine.faults import FaultError, FaultPlan, rule_from_json
from hacrm.engine.transport import OVERHEAD, REPLAY_WINDOW, PacketAuth, Rejected, RejectLog

KEY = packet_key(b"k" * 256, "test")
NODES = {1, 2, 3}


def pair(key_b: bytes = KEY, incarnation: int = 1000):
    a = PacketAuth(KEY, 1, incarnation, NODES)
    b = PacketAuth(key_b, 2, 5000, NODES)
    return a, b


def reason(auth: PacketAuth, data: bytes) -> str:
    with pytest.raises(Rejected) as exc:
        auth.open(data)
    return exc.value.reason


def test_roundtrip():
    a, b = pair()
    assert b.open(a.seal(b"hello", 2)) == (1, b"hello")


def test_wrong_key_never_authenticates():
    a, b = pair(key_b=packet_key(b"x" * 256, "test"))
    assert reason(b, a.seal(b"hello", 2)) == "bad-signature"


def test_same_key_other_cluster_name_does_not_authenticate():
    a = PacketAuth(packet_key(b"k" * 256, "other"), 1, 1, NODES)
    _, b = pair()
    assert reason(b, a.seal(b"hello", 2)) == "bad-signature"


def test_every_flipped_byte_is_caught():
    a, b = pair()
    packet = a.seal(b"a message of some length", 2)
    for i in range(len(packet)):
        forged = bytearray(packet)
        forged[i] ^= 0x40
        with pytest.raises(Rejected):
            b.open(bytes(forged))


def test_truncated_and_oversized():
    a, b = pair()
    packet = a.seal(b"hello", 2)
    assert reason(b, packet[:OVERHEAD]) == "truncated"
    assert reason(b, packet[:-1]) in ("bad-signature", "truncated")
    assert reason(b, b"") == "truncated"
    big = PacketAuth(KEY, 1, 1, NODES, max_packet=100_000).seal(b"x" * 20_000, 2)
    assert reason(b, big) == "oversized"


def test_not_ours_and_unknown_sender():
    a, b = pair()
    assert reason(b, b"GET / HTTP/1.0\r\n" * 8) == "not-hacrm"
    stranger = PacketAuth(KEY, 9, 1, NODES | {9})
    assert reason(b, stranger.seal(b"hi there", 2)) == "unknown-node"


def test_packet_for_another_node_cannot_be_replayed_to_this_one():
    a, b = pair()
    c = PacketAuth(KEY, 3, 7000, NODES)
    to_c = a.seal(b"meant for node 3", 3)
    assert c.open(to_c) == (1, b"meant for node 3")
    assert reason(b, to_c) == "misdirected"


def test_own_node_id_refused():
    _, b = pair()
    twin = PacketAuth(KEY, 2, 1, NODES)
    assert reason(b, twin.seal(b"hi there", 2)) == "own-node-id"


def test_replayed_packet_refused_but_reordering_within_window_accepted():
    a, b = pair()
    packets = [a.seal(bytes([i]) * 8, 2) for i in range(10)]
    for p in reversed(packets):  # arrive in reverse order: all fresh
        b.open(p)
    for p in packets:
        assert reason(b, p) == "replay"


def test_packets_older_than_the_window_refused():
    a, b = pair()
    old = a.seal(b"old", 2)
    for _ in range(REPLAY_WINDOW + 1):
        a.seal(b"x", 2)
    b.open(a.seal(b"new", 2))
    assert reason(b, old) == "replay"


def test_older_incarnation_refused_after_newer_seen():
    old_a, b = pair(incarnation=1000)
    captured = old_a.seal(b"from the first run", 2)
    new_a = PacketAuth(KEY, 1, 2000, NODES)  # the daemon restarted
    b.open(new_a.seal(b"hello", 2))
    assert b.changed and b.known[1] == 2000
    assert reason(b, captured) == "replay"


def test_remembered_incarnation_survives_receiver_restart():
    old_a, _ = pair(incarnation=1000)
    captured = old_a.seal(b"from the first run", 2)
    restarted_b = PacketAuth(KEY, 2, 6000, NODES, known={1: 2000})
    assert reason(restarted_b, captured) == "replay"


def test_reject_log_once_per_sender_reason_and_interval():
    log = RejectLog(interval=60)
    lines = [log.note("10.0.0.9:5405", "bad-signature", t) for t in range(50)]
    assert sum(1 for line in lines if line) == 1
    assert log.note("10.0.0.8:5405", "bad-signature", 50)  # another sender: its own line
    assert log.note("10.0.0.9:5405", "replay", 50)  # another reason: its own line
    later = log.note("10.0.0.9:5405", "bad-signature", 61)
    assert later and "49 more" in later
    assert log.counts["bad-signature"] == 52 and log.total == 53


# ---------------------------------------------------------------------------- faults


def test_partition_rule_is_symmetric_and_expires():
    plan = FaultPlan(seed=1)
    plan.add(rule_from_json({"kind": "drop", "a": [1], "b": [2, 3], "duration": 5}, now=0))
    assert plan.on_send(1, 2, 1) == [] and plan.on_send(3, 1, 1) == []
    assert plan.on_send(2, 3, 1) == [0.0]
    assert plan.drops_incoming(2, 1, 1)
    assert plan.on_send(1, 2, 6) == [0.0]  # expired
    assert plan.to_json(6) == []


def test_loss_dup_delay():
    plan = FaultPlan(seed=7)
    plan.add(rule_from_json({"kind": "loss", "p": 0.5, "duration": 10}, now=0))
    sent = [plan.on_send(1, 2, 1) for _ in range(1000)]
    assert 350 < sum(1 for s in sent if not s) < 650
    plan.clear()
    plan.add(rule_from_json({"kind": "dup", "p": 1.0, "duration": 10}, now=0))
    plan.add(rule_from_json({"kind": "delay", "ms": 30, "jitter": 0, "duration": 10}, now=0))
    assert plan.on_send(1, 2, 1) == [0.03, 0.03]


@pytest.mark.parametrize("rule, words", [
    ({"kind": "explode", "duration": 1}, "unknown fault kind"),
    ({"kind": "drop"}, "duration"),
    ({"kind": "drop", "duration": 1e9}, "duration"),
    ({"kind": "loss", "p": 2, "duration": 1}, "probability"),
    ({"kind": "drop", "a": "1", "duration": 1}, "list of node ids"),
    ({"kind": "delay", "ms": -1, "duration": 1}, "delay"),
])
def test_bad_rules_explained(rule, words):
    with pytest.raises(FaultError, match=words):
        rule_from_json(rule, now=0)
