"""The membership protocol on a simulated network with a simulated clock."""

from __future__ import annotations

import random

import pytest

from engine import invariants
from engine.fakenet import FAST, FakeNet
from hacrm.engine.membership import Membership, Phase, Tick


def test_nodes_starting_together_form_one_ring():
    net = FakeNet(5)
    net.run_until(net.settled, 5)
    rings = {net.nodes[i].core.ring for i in net.ids}
    assert len(rings) == 1
    ring = rings.pop()
    assert ring.rep == 1 and ring.seq > 0
    assert all(len(net.nodes[i].views) == 1 for i in net.ids)


def test_lonely_node_forms_a_ring_of_its_own_after_listening():
    net = FakeNet(3, start=False)
    net.start(1)
    took = net.run_until(lambda: net.nodes[1].core.phase is Phase.OPERATIONAL, 5)
    assert took >= FAST.startup_wait  # it listened first
    assert net.nodes[1].core.members == (1,)


def test_late_starters_merge_in():
    net = FakeNet(3, start=False)
    net.start(1)
    net.run(1.0)
    net.start(2)
    net.run(0.5)
    net.start(3)
    net.run_until(net.settled, 5)
    views = net.nodes[1].views
    assert [v.members for v in views] == [(1,), (1, 2), (1, 2, 3)]
    assert views[-1].joined == (3,)


@pytest.mark.parametrize("victim", [1, 3])  # the representative, and another member
def test_killed_member_is_detected_within_token_plus_a_round(victim):
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    net.run(0.37)
    net.kill(victim)
    survivors = {1, 2, 3} - {victim}
    took = net.run_until(lambda: net.settled(survivors), 10)
    assert FAST.token - FAST.heartbeat <= took <= FAST.token + 3 * FAST.tick + 0.05
    view = net.nodes[min(survivors)].views[-1]
    assert view.left == (victim,) and view.left_cleanly == ()


def test_clean_leave_is_seen_at_once():
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    net.shutdown(2)
    took = net.run_until(lambda: net.settled({1, 3}), 5)
    assert took < FAST.token / 4
    assert net.nodes[1].views[-1].left_cleanly == (2,)


def test_restarted_node_rejoins_with_a_higher_ring():
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    first = net.nodes[1].core.ring
    net.kill(2)
    net.run_until(lambda: net.settled({1, 3}), 10)
    net.start(2)
    net.run_until(net.settled, 5)
    assert net.nodes[2].core.ring > first
    assert net.nodes[1].views[-1].joined == (2,)


def test_a_node_restarted_before_anyone_noticed_has_left_and_joined():
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    before = len(net.nodes[1].views)
    net.kill(2)
    net.start(2)            # back well within the token timeout: nobody saw it go
    net.run_until(lambda: net.settled() and len(net.nodes[1].views) > before, 5)
    view = net.nodes[1].views[-1]
    assert view.members == (1, 2, 3)
    assert view.left == (2,) and view.joined == (2,)   # what it ran is gone
    assert net.nodes[3].views[-1].left == (2,)


def test_members_learn_a_new_stable_point_within_a_few_ticks_not_a_heartbeat():
    """A configuration change is confirmed to its client once it is stable; members other than
    the representative learn that from it, so it says so at once (simulated time)."""
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    beat = net.nodes[1].core.last_heartbeat
    net.run_until(lambda: net.nodes[1].core.last_heartbeat > beat, 1)
    net.broadcast(3, b"change")           # just after the representative's regular heartbeat
    got = net.run_until(lambda: all(net.messages(i)[-1:] == [(3, b"change")] for i in net.ids),
                        1)
    seq = net.nodes[3].core.cur.delivered
    took = got + net.run_until(lambda: all(net.nodes[i].core.cur.stable >= seq
                                           for i in net.ids), 1)
    assert took <= 4 * FAST.tick + 0.01 < FAST.heartbeat


def test_partition_and_heal():
    net = FakeNet(5)
    net.run_until(net.settled, 5)
    net.partition({1, 2}, {3, 4, 5})
    net.run_until(lambda: net.settled({1, 2}) and net.settled({3, 4, 5}), 10)
    assert net.nodes[1].core.ring != net.nodes[3].core.ring
    net.heal()
    net.run_until(net.settled, 10)
    view = net.nodes[1].views[-1]       # the other side joins the ring 1 and 2 had
    assert view.joined == (3, 4, 5) and view.left == ()


def test_one_way_link_failure_ends_in_one_agreed_membership():
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    net.one_way = {(1, 3)}  # 1 cannot reach 3, 3 still reaches 1
    net.run(5)
    net.heal()
    net.run_until(net.settled, 10)


def test_messages_are_delivered_everywhere_in_one_order_despite_loss_and_duplicates():
    net = FakeNet(4, seed=5)
    net.run_until(net.settled, 5)
    net.loss, net.dup = 0.15, 0.1
    rng = random.Random(3)
    sent = []
    for k in range(200):
        i = rng.choice(net.ids)
        data = f"{k}:{i}:".encode() * rng.randint(1, 30)  # up to several fragments
        sent.append((i, data))
        net.broadcast(i, data)
        net.run(rng.choice([0, 0, 0.001, 0.01]))
    net.loss = net.dup = 0
    net.run(3)
    orders = [net.messages(i) for i in net.ids]
    assert all(o == orders[0] for o in orders)
    assert sorted(orders[0]) == sorted(sent)
    for i in net.ids:  # each origin's messages keep their order
        mine = [d for o, d in orders[0] if o == i]
        assert mine == [d for o, d in sent if o == i]


def test_large_message_is_fragmented_and_reassembled():
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    big = bytes(range(256)) * 400  # 100 KiB, ~1600 fragments of 64 bytes
    net.broadcast(2, big)
    net.run_until(lambda: all(net.messages(i) == [(2, big)] for i in net.ids), 30)


def test_messages_sent_before_a_ring_exists_are_delivered_after():
    net = FakeNet(2, start=False)
    net.start(1)
    net.broadcast(1, b"early bird")
    net.start(2)
    net.run_until(net.settled, 5)
    net.run(0.5)
    assert net.messages(1)[-1] == (1, b"early bird")


def test_survivors_agree_on_messages_in_flight_when_a_member_dies():
    for seed in range(10):
        net = FakeNet(4, seed=seed)
        net.run_until(net.settled, 5)
        lives = {i: [] for i in net.ids}
        for k in range(30):
            net.broadcast(1 + k % 4, f"msg {k}".encode() * 20)
        net.run(0.003 * (seed + 1))
        net.kill(1)  # the sequencer dies mid-stream
        lives[1].append(net.nodes[1].events)
        net.run_until(lambda: net.settled({2, 3, 4}), 10)
        net.run(1)
        for i in (2, 3, 4):
            lives[i].append(net.nodes[i].events)
        invariants.check(lives)
        # what node 2-4 sent is never lost
        for i in (2, 3, 4):
            got = [d for o, d in net.messages(i) if o == i]
            assert got == [f"msg {k}".encode() * 20 for k in range(30) if 1 + k % 4 == i]


def test_a_paused_node_rejoins_in_one_merge_without_breaking_the_majority():
    net = FakeNet(3)
    net.run_until(net.settled, 5)
    net.pause(3)
    net.run_until(lambda: net.settled({1, 2}), 10)
    views_before = {i: len(net.nodes[i].views) for i in (1, 2)}
    net.run(2)
    net.resume(3)
    net.run_until(net.settled, 10)
    net.run(1)
    for i in (1, 2):
        new_views = net.nodes[i].views[views_before[i]:]
        assert [v.members for v in new_views] == [(1, 2, 3)], new_views


def test_own_stall_is_forgiven_not_blamed_on_peers():
    core = Membership(1, (1, 2), FAST, now=0.0)
    core.phase = Phase.OPERATIONAL
    core.installed = True
    core.alive_at = {1: 0.0, 2: 0.0}
    core.cur.members = (1, 2)
    core.last_tick = 0.0
    effects = core.step(Tick(), 3.0)  # we were frozen for 3 s; peer 2 looks silent
    assert core.phase is Phase.OPERATIONAL
    assert any("stalled" in getattr(e, "text", "") for e in effects)


def _random_history(seed: int, n: int = 4, steps: int = 40):
    rng = random.Random(seed)
    net = FakeNet(n, seed=seed)
    net.loss = rng.choice([0, 0.02, 0.1])
    net.dup = rng.choice([0, 0.05])
    lives = {i: [] for i in net.ids}
    sent = {i: [] for i in net.ids}
    crashed = set()
    for k in range(steps):
        op = rng.random()
        alive = net.alive_ids()
        if op < 0.55:
            i = rng.choice(alive)
            data = f"m{k}-{i}-".encode() * rng.randint(1, 12)
            sent[i].append(data)
            net.broadcast(i, data)
        elif op < 0.62 and len(alive) > 1:
            i = rng.choice(alive)
            lives[i].append(net.nodes[i].events)
            net.kill(i)
            crashed.add(i)
        elif op < 0.70:
            dead = [i for i in net.ids if not net.nodes[i].alive]
            if dead:
                net.start(rng.choice(dead))
        elif op < 0.78:
            ids = list(net.ids)
            rng.shuffle(ids)
            cut = rng.randint(1, n - 1)
            net.partition(set(ids[:cut]), set(ids[cut:]))
        elif op < 0.86:
            net.heal()
        net.run(rng.choice([0.005, 0.05, 0.3, 1.5]))
    net.heal()
    net.loss = net.dup = 0
    for i in net.ids:
        if not net.nodes[i].alive:
            net.start(i)
    net.run_until(net.settled, 30)
    net.run(2)
    for i in net.ids:
        lives[i].append(net.nodes[i].events)
    return net, lives, sent, crashed


@pytest.mark.parametrize("seed", range(25))
def test_virtual_synchrony_under_random_crashes_partitions_and_loss(seed):
    net, lives, sent, crashed = _random_history(seed)
    invariants.check(lives)
    for i in net.ids:
        if i not in crashed:  # a node that never crashed sees all its own messages delivered
            assert [d for o, d in net.messages(i) if o == i] == sent[i]


def test_invariant_checker_catches_a_broken_recovery(monkeypatch):
    """The checker is not vacuous: break recovery (deliver less than the survivors hold) and
    it must complain on some history."""
    import hacrm.engine.membership as m

    original = m.Membership._start_recovery

    def broken(self, commit, now, commit_sent=-1e9):
        original(self, commit, now, commit_sent)
        if self.recovery is not None and not self.recovery.done:
            self.recovery.target = self.cur.aru  # stop at our own progress
    monkeypatch.setattr(m.Membership, "_start_recovery", broken)
    failures = 0
    for seed in range(40):
        try:
            _, lives, _, _ = _random_history(seed)
            invariants.check(lives)
        except AssertionError:
            failures += 1
    assert failures > 0
