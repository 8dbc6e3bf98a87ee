"""DC election: one Designated Controller per partition, the same answer on every member.

Every member announces, in the agreed order after a membership change, whether it was the DC of
its previous partition and whether that partition was quorate.  Each member then applies the
same function to the same announcements, so no further messages are needed and no two members
can disagree:

1. a node that already was DC keeps the role (a node joining never disturbs a running DC);
2. when partitions merge and several were DC, the one from a quorate partition wins, then the
   lowest node id;
3. when no member was DC (the DC left), the lowest node id is elected.

Pacemaker elects a DC in every partition, quorate or not (it then refuses to run resources
without quorum unless ``no-quorum-policy`` says otherwise); so does this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    nodeid: int
    was_dc: bool = False
    was_quorate: bool = False


def elect(candidates: list[Candidate]) -> int:
    """The node id of the DC among ``candidates`` (all members of one partition)."""
    if not candidates:
        raise ValueError("no candidates")
    incumbents = [c for c in candidates if c.was_dc]
    pool = incumbents or candidates
    best = min(pool, key=lambda c: (not c.was_quorate if incumbents else False, c.nodeid))
    return best.nodeid
