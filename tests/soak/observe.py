"""What the soak looks at, and the invariants it holds the cluster to.

The truth about what runs where comes from the agents' own state, never from the CIB: a Dummy
instance runs on a node when its state file exists in that node's ``HA_RSCTMP`` (the file says
``promoted`` or ``unpromoted`` for the promotable clone), the web server runs when the pid in its
pid file is alive.  A node whose daemon was killed still "runs" what its agents left behind, as
a machine whose cluster software crashed would, until it is fenced (a fence powers the whole
node off, which empties that directory).

:class:`Invariants` is pure: it is fed snapshots (time, every node's status or None, every
node's agent state, the acknowledged commits) and keeps the violations.  A violation is counted
once per onset, not once per poll.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: seconds a node may take to notice it lost the others (token + consensus with the sandbox's
#: 1 s token, with margin for a loaded machine): two nodes both claiming to be the DC of a
#: quorate partition for longer than this is a violation
DC_GRACE = 5.0
#: seconds a node without quorum may take to stop what it runs (no-quorum-policy=stop)
MINORITY_GRACE = 20.0

#: seconds an acknowledged commit may take to show on the DC (the shell's node answers once
#: the change is on its own disk; the DC applies it when the ordered message reaches it)
COMMIT_GRACE = 5.0

#: the soak's resources: the non-clone ones may run on one node at most
SINGLE = ("solo", "webdata", "web")
CLONES = ("base", "db")
PROMOTED_MAX = 1


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def agent_state(root: Path) -> dict[str, str]:
    """What the agents of the node rooted at ``root`` say runs there: resource -> role
    (``Started``, ``Promoted``, ``Unpromoted``)."""
    rsctmp = root / "run" / "resource-agents"
    out: dict[str, str] = {}
    try:
        names = os.listdir(rsctmp)
    except OSError:
        return out
    for name in names:
        if name.startswith("hacrm-Dummy-") and name.endswith(".state"):
            rsc = name[len("hacrm-Dummy-"):-len(".state")].split(":")[0]
            try:
                text = (rsctmp / name).read_text().strip()
            except OSError:
                continue  # removed between listdir and read: stopped
            out[rsc] = {"promoted": "Promoted", "unpromoted": "Unpromoted"}.get(text, "Started")
        elif name.startswith("hacrm-webserver-") and name.endswith(".pid"):
            rsc = name[len("hacrm-webserver-"):-len(".pid")]
            try:
                pid = int((rsctmp / name).read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            if _alive(pid):
                out[rsc] = "Started"
    return out


@dataclass
class Violation:
    kind: str
    at: float
    detail: str


@dataclass
class Snapshot:
    at: float                                   # seconds since the run started
    status: dict[str, dict[str, Any] | None]    # node -> its status (None: no answer)
    agents: dict[str, dict[str, str]]           # node -> agent_state()
    #: the configuration of the quorate DC: (node, (admin_epoch, epoch), {property: value}),
    #: with the commits acknowledged before it was read: {property: when (run seconds)}
    dc_config: tuple[str, tuple[int, int], dict[str, str]] | None = None
    acked_before: dict[str, float] = field(default_factory=dict)


class Invariants:
    """Checks snapshots; ``violations`` lists every onset of a broken invariant."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self._active: dict[tuple[str, str], float] = {}     # open violations: key -> onset
        self._since: dict[tuple[str, str], float] = {}      # conditions waiting out a grace
        self._seen: set[str] = set()     # acknowledged properties seen on the DC
        self.checks = 0

    # -- bookkeeping ------------------------------------------------------------------------
    def _flag(self, key: tuple[str, str], at: float, detail: str, now_bad: set) -> None:
        now_bad.add(key)
        if key not in self._active:
            self._active[key] = at
            self.violations.append(Violation(key[0], at, detail))

    def _grace(self, key: tuple[str, str], at: float, bad: bool, grace: float) -> bool:
        """True once ``bad`` has held for longer than ``grace`` seconds without a break."""
        if not bad:
            self._since.pop(key, None)
            return False
        start = self._since.setdefault(key, at)
        return at - start > grace

    # -- the invariants -----------------------------------------------------------------------
    def check(self, snap: Snapshot) -> None:
        self.checks += 1
        bad: set = set()
        at = snap.at
        for rsc in SINGLE:
            nodes = sorted(n for n, st in snap.agents.items() if rsc in st)
            if len(nodes) > 1:
                self._flag(("active-twice", rsc), at, f"{rsc} active on {', '.join(nodes)}", bad)
        promoted = sorted(n for n, st in snap.agents.items()
                          if any(st.get(c) == "Promoted" for c in CLONES))
        if len(promoted) > PROMOTED_MAX:
            self._flag(("promoted-twice", "db"), at, f"promoted on {', '.join(promoted)}", bad)

        dcs = sorted(n for n, st in snap.status.items() if st and st.get("quorate")
                     and st.get("dc") == st.get("nodeid"))
        if self._grace(("two-dcs", "*"), at, len(dcs) > 1, DC_GRACE):
            self._flag(("two-dcs", "*"), at, f"{', '.join(dcs)} each DC of a quorate partition",
                       bad)
        rings: dict[str, set] = {}
        for st in snap.status.values():
            if st and st.get("quorate") and st.get("dc") is not None:
                rings.setdefault(str(st.get("ring_id")), set()).add(st["dc"])
        for ring, seen in rings.items():
            if self._grace(("split-dc", ring), at, len(seen) > 1, DC_GRACE):
                self._flag(("split-dc", ring), at, f"ring {ring} members disagree on the DC: "
                           f"{sorted(seen)}", bad)

        for node, st in snap.status.items():
            minority = st is not None and not st.get("quorate")
            key = ("minority-runs", node)
            if self._grace(key, at, minority and bool(snap.agents.get(node)), MINORITY_GRACE):
                self._flag(key, at, f"{node} without quorum for over {MINORITY_GRACE:g} s still "
                           f"runs {sorted(snap.agents[node])}", bad)

        if snap.dc_config is not None:
            dc, _, props = snap.dc_config
            for prop, when in snap.acked_before.items():
                if prop in props:
                    self._seen.add(prop)
                elif prop in self._seen:
                    self._flag(("rollback", prop), at, f"{prop} (acknowledged at {when:.1f} s) "
                               f"was in the configuration and is gone from DC {dc}", bad)
                elif at - when > COMMIT_GRACE:
                    self._flag(("commit-lost", prop), at, f"{prop} (acknowledged at {when:.1f} "
                               f"s) is not on DC {dc} {at - when:.1f} s later", bad)
        for key in list(self._active):
            # the configuration is not read at every check: its violations stay open until a
            # check that read it finds them gone
            if key not in bad and (snap.dc_config is not None
                                   or key[0] not in ("rollback", "commit-lost")):
                del self._active[key]


def converged(status: dict[str, dict[str, Any] | None], agents: dict[str, dict[str, str]],
              placement: dict[str, list[tuple[str, str]]] | None, idle: bool,
              http_node: str | None, nodes: list[str]) -> str | None:
    """None when the cluster has converged, else what is still missing.

    Converged: every node up in one quorate, synced membership with one DC; the DC's
    controller idle; every resource placed (the singles once, the clones on every node, one
    instance promoted); the agents' own state exactly what the CIB says; the web service
    answering from the node that runs it.
    """
    ids = set()
    for node in nodes:
        st = status.get(node)
        if not st:
            return f"{node} does not answer"
        if not (st.get("quorate") and st.get("synced")):
            return f"{node} not quorate and synced"
        ids.add((st.get("ring_id"), tuple(st.get("members") or ()), st.get("dc")))
    if len(ids) != 1 or len(next(iter(ids))[1]) != len(nodes):
        return f"no single membership of all nodes: {sorted(map(str, ids))}"
    if not idle or placement is None:
        return "the DC is not idle"
    for rsc in SINGLE:
        if len(placement.get(rsc, [])) != 1:
            return f"{rsc} placed on {placement.get(rsc)}"
    if placement.get("webdata") != placement.get("web"):
        return "the group's members apart"
    for rsc in CLONES:
        if len(placement.get(rsc, [])) != len(nodes):
            return f"{rsc} placed on {placement.get(rsc)}"
    if sum(1 for _, role in placement.get("db", []) if role == "Promoted") != PROMOTED_MAX:
        return f"db roles {placement.get('db')}"
    for rsc in SINGLE + CLONES:
        want = sorted(placement.get(rsc, []))
        have = sorted((n, st[rsc]) for n, st in agents.items() if rsc in st)
        if rsc in ("base",) or rsc in SINGLE:
            want = [(n, "Started") for n, _ in want]
        if want != have:
            return f"{rsc}: the CIB says {want}, the agents {have}"
    web = placement["web"][0][0]
    if http_node != web:
        return f"the web service answers from {http_node}, not {web}"
    return None
