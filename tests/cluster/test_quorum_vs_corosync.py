"""Quorum, differentially: the same scenarios on real corosync (votequorum) and on our daemons,
both in network namespaces, compared node by node after every step: quorate, expected votes,
total votes, quorum and the votequorum flags."""

from __future__ import annotations

import time

import pytest
from oracles import oracle

from cluster.corosync_oracle import CorosyncCluster, HacrmCluster, wait_members
from hacrm.engine import netns

pytestmark = pytest.mark.oracle


@pytest.fixture
def pair(clusters, tmp_path):
    oracle("corosync")
    reason = netns.available()
    if reason:
        pytest.skip(f"corosync runs in network namespaces here: {reason}")
    made: list[CorosyncCluster] = []

    def make(count: int, quorum: str):
        theirs = CorosyncCluster(tmp_path / f"corosync{count}", count, quorum)
        made.append(theirs)
        ours = HacrmCluster(clusters, count, quorum)
        return theirs, ours
    try:
        yield make
    finally:
        for c in made:
            c.stop()


def same(theirs, ours, groups: list[set[int]], settle: float = 1.5) -> None:
    wait_members(theirs, groups)
    wait_members(ours, groups)
    time.sleep(settle)  # let votequorum finish its own round on both sides
    a = wait_members(theirs, groups)
    b = wait_members(ours, groups)
    for i in a:
        keys = ("quorate", "expected", "total", "quorum", "flags")
        assert {k: a[i][k] for k in keys} == {k: b[i][k] for k in keys}, (
            f"node {i} in {groups}: corosync {a[i]}, hacrm {b[i]}")


def both(action, *args) -> None:
    for cluster in action:
        getattr(cluster[0], cluster[1])(*args)


def test_majority_of_three(pair):
    theirs, ours = pair(3, "")
    for c in (theirs, ours):
        for i in (1, 2, 3):
            c.start(i)
    same(theirs, ours, [{1, 2, 3}])
    for c in (theirs, ours):
        c.kill(3)
    same(theirs, ours, [{1, 2}])
    for c in (theirs, ours):
        c.kill(2)
    same(theirs, ours, [{1}])


def test_two_node_and_its_wait_for_all(pair):
    theirs, ours = pair(2, "\ttwo_node: 1\n")
    for c in (theirs, ours):
        c.start(1)
        c.start(2)
    same(theirs, ours, [{1, 2}])
    for c in (theirs, ours):
        c.kill(2)
    same(theirs, ours, [{1}])
    for c in (theirs, ours):
        c.kill(1)
        c.start(1)  # alone after a restart
    same(theirs, ours, [{1}])
    for c in (theirs, ours):
        c.start(2)
    same(theirs, ours, [{1, 2}])


def test_wait_for_all_and_a_partition(pair):
    theirs, ours = pair(3, "\twait_for_all: 1\n")
    for c in (theirs, ours):
        c.start(1)
        c.start(2)
    same(theirs, ours, [{1, 2}])
    for c in (theirs, ours):
        c.start(3)
    same(theirs, ours, [{1, 2, 3}])
    for c in (theirs, ours):
        c.partition({1}, {2, 3})
    same(theirs, ours, [{1}, {2, 3}])
    for c in (theirs, ours):
        c.partition({1}, {2, 3}, on=False)
    same(theirs, ours, [{1, 2, 3}])


def test_auto_tie_breaker_even_split(pair):
    theirs, ours = pair(4, "\tauto_tie_breaker: 1\n")
    for c in (theirs, ours):
        for i in (1, 2, 3, 4):
            c.start(i)
    same(theirs, ours, [{1, 2, 3, 4}])
    for c in (theirs, ours):
        c.partition({1, 2}, {3, 4})
    same(theirs, ours, [{1, 2}, {3, 4}])


def test_last_man_standing_cascade(pair):
    quorum = "\tlast_man_standing: 1\n\tlast_man_standing_window: 3000\n\twait_for_all: 1\n"
    theirs, ours = pair(4, quorum)
    for c in (theirs, ours):
        for i in (1, 2, 3, 4):
            c.start(i)
    same(theirs, ours, [{1, 2, 3, 4}])
    for victim, rest in ((4, {1, 2, 3}), (3, {1, 2}), (2, {1})):
        for c in (theirs, ours):
            c.kill(victim)
        same(theirs, ours, [rest], settle=5.0)  # past the window
