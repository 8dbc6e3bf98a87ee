"""votequorum's rules (votequorum(5)), driven through membership changes like the real thing.

Each helper membership change does what the daemons do: every member of the new membership
learns the change, every member announces itself, and every member processes the same
announcements in the same order.
"""

from __future__ import annotations

import pytest

from engine.fakecluster import make_config
from hacrm.engine.quorum import QuorumConfigError, VoteQuorum


class Votes:
    def __init__(self, n: int, quorum: str = "", extra_nodes: str = "") -> None:
        self.config = make_config(n, quorum, extra_nodes)
        self.nodes: dict[int, VoteQuorum] = {}
        self.now = 0.0

    def boot(self, i: int) -> None:
        self.nodes[i] = VoteQuorum(i, self.config.quorum, self.config.nodes)

    def view(self, *members: int) -> None:
        infos = [self.nodes[m].my_info() for m in sorted(members)]
        for m in members:
            self.nodes[m].view_change(tuple(sorted(members)), self.now)
        for m in members:
            for info in infos:
                self.nodes[m].node_info(info)
            self.nodes[m].sync_done()

    def quorate(self, *members: int) -> set[bool]:
        return {self.nodes[m].quorate for m in members}

    def tick(self, seconds: float) -> None:
        self.now += seconds
        for node in self.nodes.values():
            node.tick(self.now)


def test_simple_majority():
    v = Votes(3)
    for i in (1, 2, 3):
        v.boot(i)
    v.view(1)
    assert v.quorate(1) == {False}
    v.view(1, 2)
    assert v.quorate(1, 2) == {True}
    s = v.nodes[1].status()
    assert (s.expected_votes, s.total_votes, s.quorum) == (3, 2, 2)
    v.view(1, 2, 3)
    v.view(3)  # 3 cut off: a minority
    v.view(1, 2)
    assert v.quorate(3) == {False} and v.quorate(1, 2) == {True}


def test_quorum_never_decreases_without_last_man_standing():
    v = Votes(5)
    for i in range(1, 6):
        v.boot(i)
    v.view(1, 2, 3, 4, 5)
    assert v.nodes[1].status().quorum == 3
    v.view(1, 2, 3)
    v.view(1, 2)
    assert v.nodes[1].status().quorum == 3 and v.quorate(1, 2) == {False}


def test_two_node_keeps_quorum_with_one_node_and_implies_wait_for_all():
    v = Votes(2, "two_node: 1")
    v.boot(1)
    v.boot(2)
    v.view(1)
    assert v.quorate(1) == {False}  # waiting for all
    assert "WaitForAll" in v.nodes[1].status().flags
    v.view(1, 2)
    assert v.quorate(1, 2) == {True}
    assert v.nodes[1].status().quorum == 1
    v.view(1)  # node 2 dies: node 1 stays quorate
    assert v.quorate(1) == {True}
    v.boot(1)  # node 1 restarts alone: waits for all again
    v.view(1)
    assert v.quorate(1) == {False}


def test_two_node_without_wait_for_all_when_explicitly_off():
    v = Votes(2, "two_node: 1\nwait_for_all: 0")
    v.boot(1)
    v.view(1)
    assert v.quorate(1) == {True}


def test_wait_for_all_needs_everyone_once_then_majority_rules():
    v = Votes(3, "wait_for_all: 1")
    for i in (1, 2, 3):
        v.boot(i)
    v.view(1, 2)
    assert v.quorate(1, 2) == {False}  # a majority, but not everyone seen yet
    v.view(1, 2, 3)
    assert v.quorate(1, 2, 3) == {True}
    v.view(1, 2)
    assert v.quorate(1, 2) == {True}
    v.view(1)  # every node on its own: quorum lost, waiting for all again
    v.view(2)
    assert v.quorate(1, 2) == {False}
    v.view(1, 2)
    assert v.quorate(1, 2) == {False}
    v.view(1, 2, 3)
    assert v.quorate(1, 2, 3) == {True}


def test_node_joining_a_quorate_cluster_stops_waiting():
    v = Votes(3, "wait_for_all: 1")
    for i in (1, 2, 3):
        v.boot(i)
    v.view(1, 2, 3)
    v.view(1, 2)
    v.boot(3)  # node 3 restarts; it waits for all, the others do not
    v.view(1, 2, 3)
    assert v.quorate(1, 2, 3) == {True}
    assert not v.nodes[3].wfa_status


def test_last_man_standing_shrinks_expected_votes_after_the_window():
    v = Votes(5, "last_man_standing: 1\nwait_for_all: 1\nlast_man_standing_window: 10000")
    for i in range(1, 6):
        v.boot(i)
    v.view(1, 2, 3, 4, 5)
    v.view(1, 2, 3)
    assert v.quorate(1, 2, 3) == {True}
    v.tick(11)
    s = v.nodes[1].status()
    assert (s.expected_votes, s.quorum) == (3, 2)
    v.view(1, 2)
    assert v.quorate(1, 2) == {True}  # 2 of 3 after the recalculation
    v.tick(11)
    assert v.nodes[1].status().expected_votes == 2
    v.view(1)
    assert v.quorate(1) == {False}  # without auto_tie_breaker, not below two


def test_without_last_man_standing_the_same_cascade_loses_quorum():
    v = Votes(5)
    for i in range(1, 6):
        v.boot(i)
    v.view(1, 2, 3, 4, 5)
    v.view(1, 2, 3)
    v.tick(11)
    v.view(1, 2)
    assert v.quorate(1, 2) == {False}


@pytest.mark.parametrize("atb, winner", [("lowest", {1, 2}), ("highest", {3, 4}),
                                         ("3 1", {3, 4})])
def test_auto_tie_breaker_decides_an_even_split(atb, winner):
    v = Votes(4, f"auto_tie_breaker: 1\nauto_tie_breaker_node: {atb}")
    for i in range(1, 5):
        v.boot(i)
    v.view(1, 2, 3, 4)
    v.view(1, 2)
    v.view(3, 4)
    loser = {1, 2, 3, 4} - winner
    assert v.quorate(*winner) == {True}
    assert v.quorate(*loser) == {False}


def test_without_tie_breaker_an_even_split_has_no_quorum():
    v = Votes(4)
    for i in range(1, 5):
        v.boot(i)
    v.view(1, 2, 3, 4)
    v.view(1, 2)
    v.view(3, 4)
    assert v.quorate(1, 2, 3, 4) == {False}


def test_expected_votes_from_configuration_and_votes_per_node():
    v = Votes(3, "expected_votes: 5")
    for i in (1, 2, 3):
        v.boot(i)
    v.view(1, 2, 3)
    s = v.nodes[1].status()
    assert (s.expected_votes, s.quorum, s.quorate) == (5, 3, True)
    heavy = Votes(3, "", "quorum_votes: 2\n")
    for i in (1, 2, 3):
        heavy.boot(i)
    heavy.view(1, 2)
    s = heavy.nodes[1].status()
    assert (s.expected_votes, s.total_votes, s.quorum, s.quorate) == (6, 4, 4, True)


def test_incompatible_options_warned_or_refused():
    v = Votes(2, "two_node: 1\nauto_tie_breaker: 1")
    v.boot(1)
    assert not v.nodes[1].two_node and v.nodes[1].warnings
    odd = Votes(3, "auto_tie_breaker: 1")
    odd.boot(1)
    assert odd.nodes[1].atb is None and odd.nodes[1].warnings
    with pytest.raises(QuorumConfigError):
        Votes(3, "auto_tie_breaker: 1\nlast_man_standing: 1").boot(1)
