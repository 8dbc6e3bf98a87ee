"""The guarantees the membership layer promises, checked on a :class:`FakeNet` history.

* Views agree: every node that installed a ring installed it with the same members.
* Total order: two nodes that delivered messages in the same ring delivered the same sequence
  (one is a prefix of the other).
* Virtual synchrony: two nodes that go from ring R to the same next ring R' delivered exactly
  the same messages in R.
* No duplicates: a node never delivers the same message twice in one life.
"""

from __future__ import annotations

from collections import defaultdict


def _per_ring(events: list) -> tuple[list, dict]:
    """(views in order, ring -> messages delivered in it)."""
    views = []
    msgs: dict = defaultdict(list)
    for e in events:
        if e[0] == "view":
            views.append(e[1])
        else:
            msgs[e[1]].append((e[2], e[3]))
    return views, msgs


def check(histories: dict[int, list[list]]) -> None:
    """``histories``: node -> list of lives, each life a list of delivered events."""
    ring_members: dict = {}
    ring_msgs: dict = defaultdict(list)  # ring -> [(node, msgs)]
    transitions: dict = defaultdict(list)  # (ring, next ring) -> [(node, msgs in ring)]
    for node, lives in histories.items():
        for life in lives:
            views, msgs = _per_ring(life)
            seen = set()
            for ring, items in msgs.items():
                for item in items:
                    assert item not in seen, f"node {node} delivered {item!r} twice"
                    seen.add(item)
                ring_msgs[ring].append((node, items))
            for view in views:
                prev = ring_members.setdefault(view.ring, view.members)
                assert prev == view.members, (
                    f"ring {view.ring} installed with {prev} and {view.members}")
            for a, b in zip(views, views[1:]):
                transitions[(a.ring, b.ring)].append((node, msgs.get(a.ring, [])))
    for ring, entries in ring_msgs.items():
        for (n1, m1), (n2, m2) in zip(entries, entries[1:]):
            short, long_ = (m1, m2) if len(m1) <= len(m2) else (m2, m1)
            assert long_[:len(short)] == short, (
                f"nodes {n1} and {n2} delivered different orders in ring {ring}")
    for (ring, nxt), entries in transitions.items():
        first_node, first = entries[0]
        for node, msgs in entries[1:]:
            assert msgs == first, (
                f"nodes {first_node} and {node} went from ring {ring} to {nxt} having "
                f"delivered {len(first)} and {len(msgs)} messages")
