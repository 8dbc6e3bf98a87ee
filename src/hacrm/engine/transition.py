"""One transition's execution state: which actions may go, which are running, which are done.

The rules are those of Pacemaker's graph runner (``lib/pacemaker/pcmk_graph_consumer.c``):

- a synapse *fires* once every one of its inputs is confirmed and none of them failed; a
  synapse whose input failed never fires (it stays *incomplete*);
- pseudo actions are confirmed the moment they fire; so are actions marked
  ``CRM_meta_op_no_wait``;
- an *abort* (a failure, a change of the cluster, a new membership) sets an abort priority:
  synapses of lower priority no longer fire, while actions already running are waited for, so
  that the next transition is computed from what really happened;
- the transition is *complete* when nothing is running and nothing more can fire;
- ``batch-limit`` caps how many actions run at once (0: no cap).

Everything is a pure function of the calls made (time is passed in); :class:`Transition` never
sends anything itself: :meth:`Transition.fire` returns the actions to dispatch.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hacrm.engine.plan import Plan, PlannedAction

INFINITY = 1000000


class State(enum.Enum):
    WAITING = "waiting"        # not fired yet
    RUNNING = "running"        # sent, result awaited
    DONE = "done"              # confirmed, succeeded
    FAILED = "failed"          # confirmed, failed (or lost with its node, or timed out)


@dataclass
class Transition:
    id: int
    plan: Plan
    started: float
    abort_priority: int = 0
    abort_reason: str | None = None
    states: dict[int, State] = field(default_factory=dict)
    deadlines: dict[int, float] = field(default_factory=dict)
    fired: int = 0
    #: whether an abort calls for a new scheduler run (not when fencing was given up on)
    recompute: bool = True

    def __post_init__(self) -> None:
        self._by_id = {s.action.id: s for s in self.plan.synapses}
        for s in self.plan.synapses:
            self.states.setdefault(s.action.id, State.WAITING)

    # -- queries --------------------------------------------------------------------------
    def action(self, action_id: int) -> PlannedAction | None:
        syn = self._by_id.get(action_id)
        return syn.action if syn is not None else None

    def state(self, action_id: int) -> State | None:
        return self.states.get(action_id)

    @property
    def running(self) -> list[PlannedAction]:
        return [self._by_id[a].action for a, s in self.states.items() if s == State.RUNNING]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in State}
        for s in self.states.values():
            out[s.value] += 1
        return out

    @property
    def aborted(self) -> bool:
        return self.abort_reason is not None

    def _ready(self, syn) -> bool:
        if self.states[syn.action.id] != State.WAITING:
            return False
        if syn.priority < self.abort_priority:
            return False
        for aid in syn.inputs:
            state = self.states.get(aid)
            if state is None:
                # an input the graph does not hold (not runnable): never satisfied
                return False
            if state != State.DONE:
                return False
        return True

    @property
    def complete(self) -> bool:
        """Nothing runs and nothing more can fire."""
        if any(s == State.RUNNING for s in self.states.values()):
            return False
        return not any(self._ready(s) for s in self.plan.synapses)

    # -- transitions ----------------------------------------------------------------------
    def fire(self, now: float) -> list[PlannedAction]:
        """Every action that may start now, in graph order; pseudo and no-wait actions are
        confirmed on the spot (which may make more ready: they are returned too, so the
        caller learns about pseudo actions for its log but needs to send only real ones)."""
        out: list[PlannedAction] = []
        progress = True
        limit = self.plan.batch_limit
        while progress:
            progress = False
            for syn in self.plan.synapses:
                if not self._ready(syn):
                    continue
                action = syn.action
                real = action.kind != "pseudo_event"
                if real and limit > 0 and len(self.running) >= limit:
                    continue
                self.fired += 1
                out.append(action)
                if not real or action.no_wait:
                    self.states[action.id] = State.DONE
                    progress = True
                else:
                    self.states[action.id] = State.RUNNING
                    self.deadlines[action.id] = now + self._timeout(action)
        return out

    def _timeout(self, action: PlannedAction) -> float:
        if action.task == "stonith":
            base = self.plan.stonith_timeout_ms
        else:
            base = action.timeout_ms + int(action.params.get("CRM_meta_start_delay", "0") or 0)
        return (base + self.plan.cluster_delay_ms) / 1000

    def confirm(self, action_id: int, ok: bool) -> bool:
        """A result for a running action; False if it was not running (late, unknown)."""
        if self.states.get(action_id) != State.RUNNING:
            return False
        self.states[action_id] = State.DONE if ok else State.FAILED
        self.deadlines.pop(action_id, None)
        if not ok:
            syn = self._by_id[action_id]
            self.abort(syn.priority + 1, f"{syn.action.describe()} failed")
        return True

    def abort(self, priority: int, reason: str) -> None:
        """No more synapses below ``priority`` fire (INFINITY: none at all)."""
        self.abort_priority = max(self.abort_priority, priority)
        if self.abort_reason is None or priority >= INFINITY:
            self.abort_reason = reason

    def node_lost(self, node: str) -> list[PlannedAction]:
        """Actions running on a node that left can never report: they failed."""
        lost = [a for a in self.running if a.node == node and a.task != "stonith"]
        for a in lost:
            self.states[a.id] = State.FAILED
            self.deadlines.pop(a.id, None)
        if lost:
            self.abort(INFINITY, f"node {node} left with actions in flight")
        return lost

    def expired(self, now: float) -> list[PlannedAction]:
        """Running actions past their deadline (their timeout plus cluster-delay): failed."""
        out = []
        for aid, deadline in list(self.deadlines.items()):
            if now >= deadline and self.states.get(aid) == State.RUNNING:
                out.append(self._by_id[aid].action)
                self.states[aid] = State.FAILED
                del self.deadlines[aid]
        if out:
            self.abort(INFINITY, f"{out[0].describe()} timed out")
        return out

    def next_deadline(self) -> float | None:
        return min(self.deadlines.values()) if self.deadlines else None
