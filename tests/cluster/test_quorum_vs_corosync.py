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


KEYS = ("quorate", "expected", "total", "quorum", "flags")


def _facts(statuses: dict[int, dict]) -> dict[int, dict]:
    return {i: {k: st[k] for k in KEYS} for i, st in statuses.items()}


def same(theirs, ours, groups: list[set[int]], until=None, timeout: float = 90.0) -> None:
    """Poll both clusters until they show the memberships ``groups`` and the same votequorum
    facts on every node (and corosync's satisfy ``until``), twice in a row half a second
    apart; fail with both sides' facts when that does not happen in ``timeout``."""
    deadline = time.monotonic() + timeout
    a: dict = {}
    b: dict = {}
    agreed_once = False
    while time.monotonic() < deadline:
        a = wait_members(theirs, groups, timeout)
        b = wait_members(ours, groups, timeout)
        ok = _facts(a) == _facts(b) and (until is None or all(until(x) for x in a.values()))
        if ok and agreed_once:
            return
        agreed_once = ok
        time.sleep(0.5)
    raise AssertionError(f"{groups}: corosync {_facts(a)}\n             hacrm {_facts(b)}")


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
    quorum = "\tlast_man_standing: 1\n\tlast_man_standing_window: 2000\n\twait_for_all: 1\n"
    theirs, ours = pair(4, quorum)
    for c in (theirs, ours):
        for i in (1, 2, 3, 4):
            c.start(i)
    same(theirs, ours, [{1, 2, 3, 4}])

    def recalculated(st: dict) -> bool:  # the window passed: expected votes = nodes present
        return st["expected"] == len(st["members"])
    for victim, rest, until in ((4, {1, 2, 3}, recalculated), (3, {1, 2}, recalculated),
                                (2, {1}, None)):
        for c in (theirs, ours):
            c.kill(victim)
        same(theirs, ours, [rest], until)
