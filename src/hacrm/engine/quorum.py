"""Quorum by votequorum's rules (corosync's ``votequorum(5)``), as a pure state machine.

At every membership change each member announces its votes, its idea of the expected votes and
two flags (quorate, waiting for all) through the ordered messaging; every member feeds the same
announcements in the same order to :meth:`VoteQuorum.node_info` and so reaches the same answer.
The rules, as votequorum applies them:

* ``quorum = max(expected // 2 + 1, total // 2 + 1)`` and, unless lowered on purpose (last man
  standing), quorum never decreases; ``expected_votes`` defaults to the nodelist's votes and
  rises to the total votes ever seen together.
* ``two_node``: with at most two nodes present quorum is 1; it switches ``wait_for_all`` on
  unless that is set explicitly.
* ``wait_for_all``: not quorate until all expected votes were present at the same time; losing
  quorum arms it again.  A node joining a quorate cluster that is not waiting stops waiting.
* ``last_man_standing``: ``last_man_standing_window`` after nodes left a quorate cluster,
  expected votes are recalculated down to the nodes present.
* ``auto_tie_breaker``: when exactly half of the expected votes are present, the half holding
  the tie-breaker node (lowest id by default, highest, or the first present of a list) is
  quorate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hacrm.engine.config import NodeEntry, QuorumConfig


@dataclass(frozen=True)
class NodeInfo:
    """What a node announces about itself at a membership change."""

    nodeid: int
    votes: int
    expected_votes: int
    quorate: bool
    wait_for_all_status: bool
    first: bool = False

    def to_json(self) -> dict:
        return {"v": self.votes, "e": self.expected_votes, "q": self.quorate,
                "w": self.wait_for_all_status, "f": self.first}

    @classmethod
    def from_json(cls, nodeid: int, data: dict) -> NodeInfo:
        def num(key: str) -> int:
            value = data.get(key)
            if type(value) is not int or not 0 <= value < 2**31:
                raise ValueError(f"bad {key}")
            return value

        return cls(nodeid, num("v"), num("e"), bool(data.get("q")), bool(data.get("w")),
                   bool(data.get("f")))


@dataclass(frozen=True)
class QuorumStatus:
    """What ``crm cluster status`` shows, in corosync-quorumtool's terms."""

    quorate: bool
    expected_votes: int
    highest_expected: int
    total_votes: int
    quorum: int
    flags: tuple[str, ...]
    members: tuple[int, ...]
    votes: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"quorate": self.quorate, "expected_votes": self.expected_votes,
                "highest_expected": self.highest_expected, "total_votes": self.total_votes,
                "quorum": self.quorum, "flags": list(self.flags),
                "members": list(self.members),
                "votes": {str(k): v for k, v in self.votes.items()}}


@dataclass
class _Node:
    votes: int
    expected: int
    quorate: bool = False
    wfa_status: bool = False
    member: bool = False


class QuorumConfigError(Exception):
    """A combination of options votequorum refuses to start with."""


class VoteQuorum:
    """One node's votequorum state."""

    def __init__(self, me: int, conf: QuorumConfig, nodes: tuple[NodeEntry, ...]) -> None:
        self.me = me
        self.warnings: list[str] = []
        node_votes = {n.nodeid: n.votes for n in nodes}
        my_votes = node_votes.get(me, conf.votes if conf.votes is not None else 1)
        expected = conf.expected_votes or sum(node_votes.values()) or 1
        self.two_node = conf.two_node
        self.wait_for_all = conf.two_node if conf.wait_for_all is None else conf.wait_for_all
        self.lms = conf.last_man_standing
        self.lms_window = conf.last_man_standing_window / 1000
        self.atb: str | tuple[int, ...] | None = (conf.auto_tie_breaker_node
                                                  if conf.auto_tie_breaker else None)
        if self.two_node and self.atb is not None:
            self.warnings.append("two_node and auto_tie_breaker are not compatible; "
                                 "two_node is disabled")
            self.two_node = False
            if conf.wait_for_all is None:
                self.wait_for_all = False
        if self.atb is not None and sum(node_votes.values()) % 2 and not self.wait_for_all:
            if self.lms:
                raise QuorumConfigError(
                    "auto_tie_breaker and last_man_standing need wait_for_all in a cluster "
                    "with an odd number of votes")
            self.warnings.append("auto_tie_breaker needs wait_for_all with an odd number of "
                                 "votes; auto_tie_breaker is disabled")
            self.atb = None
        if self.lms and any(v > 1 for v in node_votes.values()):
            self.warnings.append("last_man_standing needs every node to have one vote; "
                                 "it is disabled")
            self.lms = False
        self.expected = expected
        self.wfa_status = self.wait_for_all
        self.quorate = False
        self.first = True
        self.nodes: dict[int, _Node] = {me: _Node(my_votes, expected, member=True)}
        self.members: tuple[int, ...] = (me,)
        self.previous: tuple[int, ...] = ()
        self.lowest_id = 0
        self.highest_id = 0
        self.quorum = 0
        self.lms_deadline: float | None = None
        self.total_votes = my_votes
        self._recalculate(allow_decrease=False, by_current=False)

    # ------------------------------------------------------------------ announcements
    def my_info(self) -> NodeInfo:
        me = self.nodes[self.me]
        return NodeInfo(self.me, me.votes, self.expected, self.quorate, self.wfa_status,
                        self.first)

    # ------------------------------------------------------------------ membership change
    def view_change(self, members: tuple[int, ...], now: float) -> None:
        """A new membership was installed; announcements follow (votequorum's sync_init)."""
        if len(members) > 1:
            self.first = False
        left = [n for n in self.members if n not in members]
        for n in left:
            if n in self.nodes:
                self.nodes[n].member = False
        if self.lms:
            if (len(members) >= self.quorum and left) or (
                    len(members) <= self.quorum and self.atb is not None
                    and self._low_node_present(members)):
                self.lms_deadline = now + self.lms_window
        self.previous = self.members
        self.members = tuple(sorted(members))

    def node_info(self, info: NodeInfo) -> None:
        """A member's announcement, in the agreed order (votequorum's nodeinfo message)."""
        if info.nodeid not in self.members:
            return
        node = self.nodes.get(info.nodeid)
        if node is None:
            node = self.nodes[info.nodeid] = _Node(info.votes, self.expected)
        node.votes = info.votes
        node.member = True
        node.quorate = info.quorate
        node.wfa_status = info.wait_for_all_status
        allow_decrease = False
        if not self.quorate and info.quorate:
            allow_decrease = True
            self.expected = info.expected_votes
        node.expected = info.expected_votes if info.quorate else self.expected
        if info.nodeid == self.me:
            node.expected = self.expected
        if self.lms and info.votes > 1:
            self.warnings.append("last_man_standing needs every node to have one vote; "
                                 "it is disabled")
            self.lms = False
            self.lms_deadline = None
        self._recalculate(allow_decrease=allow_decrease, by_current=False)
        if self.wait_for_all and not info.wait_for_all_status and info.quorate:
            self.wfa_status = False

    def sync_done(self) -> None:
        """All announcements arrived (votequorum's sync_activate)."""
        self._recalculate(allow_decrease=False, by_current=False)

    def tick(self, now: float) -> bool:
        """Run the last-man-standing timer; True when something changed."""
        if self.lms_deadline is not None and now >= self.lms_deadline:
            self.lms_deadline = None
            if self.quorate:
                before = self.status()
                self._recalculate(allow_decrease=True, by_current=True)
                return self.status() != before
        return False

    # ------------------------------------------------------------------ the rules
    def _present(self) -> list[tuple[int, _Node]]:
        return [(n, self.nodes[n]) for n in self.members
                if n in self.nodes and (self.nodes[n].member or n == self.me)]

    def _recalculate(self, allow_decrease: bool, by_current: bool) -> None:
        present = self._present()
        total = sum(node.votes for _, node in present)
        count = len(present) if by_current else 0
        if total > self.expected:
            self.expected = total
            self.nodes[self.me].expected = total
        highest = max([node.expected for _, node in present] + [0])
        if count:
            highest = count
        quorum = max((highest + 2) // 2, (total + 2) // 2)
        if not allow_decrease:
            quorum = max(self.quorum, quorum)
        if self.two_node and len(present) <= 2:
            quorum = 1
        self.quorum = quorum
        if count:
            for _, node in present:
                node.expected = count
            self.expected = count
        self.total_votes = total
        self.highest_expected = highest
        self._decide(total, present)

    def _decide(self, total: int, present: list[tuple[int, _Node]]) -> None:
        if self.wait_for_all and self.wfa_status:
            if total != self.expected:
                self.quorate = False
                return
            self.wfa_status = False
        quorate = self.quorum <= total
        ids = [n for n, _ in present]
        if quorate:
            self.lowest_id = min(ids)
            self.highest_id = max(ids)
        if (self.atb is not None and total == self.expected // 2
                and len(self.previous) - len(self.members) < self.quorum
                and self._tie_breaker_present(ids)):
            quorate = True
        self.quorate = quorate
        if self.wait_for_all:
            self.wfa_status = not quorate

    def _low_node_present(self, members: tuple[int, ...]) -> bool:
        return self.lowest_id in members

    def _tie_breaker_present(self, ids: list[int]) -> bool:
        if self.atb == "lowest":
            return self.lowest_id in ids
        if self.atb == "highest":
            return self.highest_id in ids
        assert isinstance(self.atb, tuple)
        for i, candidate in enumerate(self.atb):
            if candidate in ids:
                # a preferred tie-breaker that was with us before but is not here now may be
                # in the other half: then we cannot claim the tie
                return not any(c in self.previous for c in self.atb[:i])
        return False

    # ------------------------------------------------------------------ reporting
    def status(self) -> QuorumStatus:
        flags = []
        if self.two_node:
            flags.append("2Node")
        if self.quorate:
            flags.append("Quorate")
        if self.wait_for_all:
            flags.append("WaitForAll")
        if self.lms:
            flags.append("LastManStanding")
        if self.atb is not None:
            flags.append("AutoTieBreaker")
        votes = {n: node.votes for n, node in self._present()}
        return QuorumStatus(self.quorate, self.expected, self.highest_expected,
                            self.total_votes, self.quorum, tuple(flags), self.members, votes)
