"""The DC's controller, as a pure state machine: ``step(event, now) -> effects``.

What Pacemaker's controller does on the DC, in one loop:

1. **Join.**  After every membership change each member sends its whole resource history; the
   DC writes it into the status section (replacing what was there) and waits for every member
   (or ``join_timeout``) before scheduling, so it never schedules from stale history.  A node
   that left loses its transient attributes.
2. **Schedule.**  When something changed (configuration, node state or attributes, an
   unexpected result, a new membership) and no transition runs, no status write is pending and
   no scheduler run is under way, ask for a scheduler run (:class:`Compute`).  A plan computed
   from a CIB that changed meanwhile is thrown away and computed again.
3. **Execute.**  Fire the plan's actions in dependency order (:mod:`hacrm.engine.transition`):
   resource actions go to their node (:class:`Dispatch`), fencing to a fencing executor, CIB-only
   events are done here.  Never two transitions at once.
4. **Record.**  Every history change a node reports is written to the status section
   (:class:`WriteStatus`, one patch per step); results are matched to the running transition by
   their transition key.
5. **Fail.**  A result other than the expected one fails its action, aborts the transition (no
   new actions; running ones are waited for) and bumps ``fail-count-RSC#OP_INTERVAL`` and
   ``last-failure-RSC#OP_INTERVAL`` by Pacemaker's rules (a start failure counts as
   ``failed-start-offset``, a stop failure as INFINITY, probes do not count).  A change of the
   CIB's inputs aborts as well, except the state of nodes the transition itself takes down.

Time: ``now`` is monotonic seconds; wall-clock values written to the CIB (``last-failure``) are
``now + wall_offset``.
"""

from __future__ import annotations

from typing import Any

from hacrm.engine.controller_events import (
    CibChanged,
    Compute,
    DcState,
    Dispatch,
    Fence,
    FenceDone,
    FenceReply,
    FenceRequested,
    Log,
    NodeHistory,
    NodeUpdate,
    OpOutcome,
    Planned,
    Tick,
    TransitionDone,
    TransitionStarted,
    WriteDone,
    WriteStatus,
)
from hacrm.engine.oprecord import decode_transition_key, did_fail
from hacrm.engine.opresult import ExecStatus
from hacrm.engine.statusops import StatusPatch
from hacrm.engine.transition import INFINITY, State, Transition

JOIN_TIMEOUT = 15.0
STONITH_MAX_ATTEMPTS = 10
PLAN_RETRY = 5.0
FENCE_HISTORY = 100
#: node_state attributes a fencing success writes (as Pacemaker's controller does)
FENCED_STATE = {"in_ccm": "false", "crmd": "offline", "join": "down", "expected": "down"}


def effective_rc(rc: int) -> int:
    """Degraded results count as their healthy counterparts (``pcmk__effective_rc``)."""
    return {190: 0, 191: 8}.get(rc, rc)


class ControllerCore:
    def __init__(self, me: str, uuid: str, *, wall_offset: float = 0.0,
                 join_timeout: float = JOIN_TIMEOUT,
                 stonith_max_attempts: int = STONITH_MAX_ATTEMPTS) -> None:
        self.me = me
        self.uuid = uuid
        self.wall_offset = wall_offset
        self.join_timeout = join_timeout
        self.stonith_max_attempts = stonith_max_attempts
        self.is_dc = False
        self.members: dict[str, str] = {}
        self.all_nodes: dict[str, str] = {}
        self.awaiting: set[str] = set()
        self.join_deadline = 0.0
        self.dirty = False
        self.dirty_reason = ""
        self.fingerprint: str | None = None
        self.node_prints: dict[str, str] = {}
        self.computing: int | None = None
        self.requests = 0
        self.transition: Transition | None = None
        self.last_transition = 0
        self.write_seq = 0
        self.writes: set[int] = set()
        self.recheck_at: float | None = None
        self.fencing: dict[str, dict[str, Any]] = {}
        self.fence_failures: dict[str, int] = {}
        #: outcomes of recent fencing requests, for requests sent again
        self.fence_history: dict[str, tuple[bool, str]] = {}
        self.stats = {"transitions": 0, "actions": 0, "failures": 0, "aborts": 0}
        self._out: list[Any] = []
        self._patch = StatusPatch()
        self._now = 0.0

    # ------------------------------------------------------------------ public
    def step(self, event: Any, now: float) -> list[Any]:
        self._out = []
        self._patch = StatusPatch()
        self._now = now
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is None:
            raise TypeError(f"the controller does not handle {type(event).__name__}")
        handler(event)
        self._fire()
        self._flush()
        self._maybe_compute()
        out, self._out = self._out, []
        return out

    def wall(self) -> int:
        return int(self._now + self.wall_offset)

    def next_timer(self) -> float | None:
        """When the core next wants a :class:`Tick` (monotonic), or None."""
        times = []
        if self.is_dc and self.awaiting:
            times.append(self.join_deadline)
        if self.transition is not None and self.transition.next_deadline() is not None:
            times.append(self.transition.next_deadline())
        if self.is_dc and self.recheck_at is not None:
            times.append(self.recheck_at)
        return min(times) if times else None

    def status(self) -> dict[str, Any]:
        """What ``crm cluster status`` and tests ask the controller."""
        t = self.transition
        return {"dc": self.is_dc, "transition": t.id if t else None,
                "transition_counts": t.counts() if t else None,
                "last_transition": self.last_transition,
                "idle": self.idle, "awaiting": sorted(self.awaiting),
                "dirty": self.dirty, "computing": self.computing is not None,
                "writes": len(self.writes), "fencing": sorted(
                    f["target"] for f in self.fencing.values()), **self.stats}

    @property
    def idle(self) -> bool:
        """DC with nothing to do: no transition, no scheduler run, no write, no pending join."""
        return (self.is_dc and self.transition is None and self.computing is None
                and not self.writes and not self.awaiting and not self.dirty)

    # ------------------------------------------------------------------ helpers
    def _log(self, level: str, text: str) -> None:
        self._out.append(Log(level, text))

    def _mark(self, reason: str) -> None:
        if not self.dirty:
            self.dirty_reason = reason
        self.dirty = True

    def _abort(self, reason: str, priority: int = INFINITY) -> None:
        self._mark(reason)
        t = self.transition
        if t is not None and not t.aborted:
            self.stats["aborts"] += 1
            self._log("info", f"transition {t.id} aborted: {reason}")
        if t is not None:
            t.abort(priority, reason)

    def _node_id(self, node: str) -> str:
        return self.members.get(node) or self.all_nodes.get(node) or node

    def _flush(self) -> None:
        if self._patch and self.is_dc:
            self.write_seq += 1
            self.writes.add(self.write_seq)
            self._out.append(WriteStatus(self.write_seq, self._patch.body()))
        self._patch = StatusPatch()

    # ------------------------------------------------------------------ membership and joins
    def _on_DcState(self, ev: DcState) -> None:
        self.all_nodes = dict(ev.all_nodes) or self.all_nodes
        if not ev.is_dc:
            if self.is_dc:
                self._log("notice", "no longer the DC: the controller stands by")
            self._reset()
            self.members = dict(ev.members)
            return
        before = set(self.members) if self.is_dc else set(self.all_nodes)
        # a member that rebooted in between lost what it ran, as one that left did
        lost = sorted((before - set(ev.members)) | (set(ev.rejoined) & before))
        if not self.is_dc:
            self._log("notice", f"this node is the DC: controlling {len(ev.members)} "
                      f"member(s)")
        self.is_dc = True
        self.members = dict(ev.members)
        t = self.transition
        for node in lost:
            if t is not None:
                for action in t.node_lost(node):
                    self._log("warning", f"{action.describe()} lost with its node")
            if ev.quorate:
                # transient attributes go with their node; a partition without quorum
                # leaves them alone (its view of who left is the least reliable one)
                self._patch.attrs_clear(self._node_id(node), node)
        if self.is_dc and before:
            # a node whose fencing is under way and that is back already (a sandbox "reboot"
            # restarts the daemon at once): its rejoin, not the fencing, now says its state
            joined = (set(ev.members) - before) | set(ev.rejoined)
            for info in self.fencing.values():
                if info["target"] in joined:
                    info["rejoined"] = True
        if t is not None:
            self._abort("the membership changed")
        # every member sends its history after a membership change
        self.awaiting = set(self.members)
        self.join_deadline = self._now + self.join_timeout
        self._mark("new membership")

    def _reset(self) -> None:
        self.is_dc = False
        self.transition = None
        self.computing = None
        self.awaiting = set()
        self.writes = set()
        self.fencing = {}
        self.dirty = False
        self.recheck_at = None

    def _on_NodeHistory(self, ev: NodeHistory) -> None:
        if not self.is_dc:
            return
        from lxml import etree

        try:
            root = etree.fromstring(ev.resources) if ev.resources else None
        except etree.XMLSyntaxError as err:
            self._log("error", f"unreadable resource history from {ev.node}: {err}")
            return
        resources = list(root) if root is not None else []
        if ev.fresh:
            self._patch.attrs_clear(self._node_id(ev.node), ev.node)
        self._patch.lrm(self._node_id(ev.node), ev.node, resources, replace=True)
        if ev.node in self.awaiting:
            self.awaiting.discard(ev.node)
            if not self.awaiting:
                self._log("info", "every member reported its resource history")
        else:
            self._mark(f"resource history of {ev.node} refreshed")

    # ------------------------------------------------------------------ the CIB
    def _on_CibChanged(self, ev: CibChanged) -> None:
        if not self.is_dc:
            self.fingerprint = ev.fingerprint
            return
        if ev.fingerprint == self.fingerprint:
            return
        old = self.fingerprint
        self.fingerprint = ev.fingerprint
        if old is None:
            self._mark("first look at the CIB")
            return
        if self._expected_change(old, ev.fingerprint):
            return
        self._abort("the CIB changed")

    def _expected_change(self, old: str, new: str) -> bool:
        """Only the state of nodes this transition takes down changed (fencing, shutdown):
        no reason to abort.  Fingerprints are ``global|node=hash|...``."""
        t = self.transition
        if t is None:
            return False
        a, b = _split_print(old), _split_print(new)
        if a[0] != b[0]:
            return False
        changed = {n for n in set(a[1]) | set(b[1]) if a[1].get(n) != b[1].get(n)}
        down = {act.node for act in t.plan.actions()
                if act.task in ("stonith", "do_shutdown") and act.node
                and t.state(act.id) in (State.RUNNING, State.DONE)}
        return bool(changed) and changed <= down

    def _on_WriteDone(self, ev: WriteDone) -> None:
        self.writes.discard(ev.seq)
        if not ev.ok:
            self._log("error", f"status update {ev.seq} failed: {ev.error}")
            self._mark("a status update failed")

    # ------------------------------------------------------------------ scheduling
    def _maybe_compute(self) -> None:
        if not self.is_dc or self.computing is not None:
            return
        if self.awaiting:
            if self._now < self.join_deadline:
                return
            self._log("warning", "no resource history from "
                      f"{', '.join(sorted(self.awaiting))} within {self.join_timeout:g} s; "
                      "scheduling without it")
            self.awaiting = set()
        t = self.transition
        if t is not None:
            if not t.complete:
                return
            self._finish()
        if self.writes:
            return
        if not self.dirty:
            if self.recheck_at is None or self._now < self.recheck_at:
                return
            self.dirty_reason = "recheck"
        self.dirty = False
        self.requests += 1
        self.computing = self.requests
        self._out.append(Compute(self.requests))

    def _finish(self) -> None:
        t = self.transition
        assert t is not None
        self.transition = None
        self.last_transition = t.id
        counts = t.counts()
        if t.aborted and t.recompute:
            self._mark(f"transition {t.id} was aborted")
        if not t.plan.empty:
            level = "notice" if not t.aborted else "info"
            self._log(level, f"transition {t.id} " + ("aborted" if t.aborted else "complete")
                      + f": {counts['done']} done, {counts['failed']} failed, "
                      f"{counts['waiting']} not run")
        self._out.append(TransitionDone(t.id, counts, t.abort_reason))

    def _on_Planned(self, ev: Planned) -> None:
        if ev.request != self.computing:
            return
        self.computing = None
        if not self.is_dc:
            return
        if ev.plan is None:
            self._log("error", f"the scheduler failed: {ev.error}; trying again in "
                      f"{PLAN_RETRY:g} s")
            self.recheck_at = self._now + PLAN_RETRY
            return
        if self.dirty:
            return   # computed from a CIB that changed meanwhile: compute again
        plan = ev.plan
        self.last_transition += 1
        t = Transition(self.last_transition, plan, self._now)
        self.transition = t
        self.stats["transitions"] += 1
        recheck = [self._now + plan.recheck_interval_ms / 1000] \
            if plan.recheck_interval_ms > 0 else []
        if plan.recheck_by:
            recheck.append(max(self._now, plan.recheck_by - self.wall_offset))
        self.recheck_at = min(recheck) if recheck else None
        self._out.append(TransitionStarted(t.id, plan))
        if not plan.empty:
            self._log("notice", f"transition {t.id}: {len(plan.synapses)} action(s)"
                      + "".join(f"\n  {line.strip()}" for line in plan.summary if line.strip()))

    def _fire(self) -> None:
        t = self.transition
        if t is None or not self.is_dc:
            return
        while True:
            fired = t.fire(self._now)
            if not fired:
                break
            for action in fired:
                self._start(t, action)

    def _start(self, t: Transition, action: Any) -> None:
        if action.kind == "pseudo_event":
            return
        self.stats["actions"] += 1
        node = action.node or ""
        if action.task == "stonith":
            what = action.params.get("CRM_meta_stonith_action", "reboot")
            self._start_fence(f"t{t.id}:{action.id}", node, what, tid=t.id, aid=action.id)
        elif action.task == "clear_failcount":
            rsc = action.rsc.id if action.rsc else action.key.split("_clear_failcount")[0]
            nid = self._node_id(node)
            self._patch.attrs_delete(nid, node, f"fail-count-{rsc}#")
            self._patch.attrs_delete(nid, node, f"last-failure-{rsc}#")
        elif action.task == "lrm_delete":
            if action.rsc is not None:
                self._patch.lrm_delete(self._node_id(node), node, action.rsc.id)
            t.confirm(action.id, True)
        else:
            self._out.append(Dispatch(t.id, action, self.uuid))

    def _on_Tick(self, ev: Tick) -> None:
        t = self.transition
        if t is not None:
            for action in t.expired(self._now):
                self.stats["failures"] += 1
                self._log("error", f"{action.describe()} did not report within its timeout "
                          "plus cluster-delay: taken as failed")
                self._mark("an action timed out")

    # ------------------------------------------------------------------ results
    def _on_NodeUpdate(self, ev: NodeUpdate) -> None:
        if not self.is_dc:
            return
        from lxml import etree

        nid = self._node_id(ev.node)
        if ev.resources:
            try:
                root = etree.fromstring(ev.resources)
            except etree.XMLSyntaxError as err:
                self._log("error", f"unreadable history update from {ev.node}: {err}")
                root = None
            if root is not None and len(root):
                self._patch.lrm(nid, ev.node, list(root))
        for rsc in ev.deleted:
            self._patch.lrm_delete(nid, ev.node, rsc)
        if ev.deleted:
            self._mark(f"history of {', '.join(ev.deleted)} on {ev.node} deleted")
        for outcome in ev.results:
            self._result(outcome)

    def _result(self, res: OpOutcome) -> None:
        if res.status in (ExecStatus.PENDING, ExecStatus.CANCELLED):
            return
        rc = effective_rc(res.rc)
        tk = decode_transition_key(res.transition_key)
        target = tk.target_rc if tk is not None else 0
        failed = did_fail(res.status, rc, target)
        t = self.transition
        desc = None
        if tk is None or tk.transition_id == -1:
            desc = "initiated outside of the cluster"
        elif tk.uuid != self.uuid:
            desc = "initiated by a different DC"
        elif (t is None or tk.transition_id != t.id
              or t.state(tk.action_id) != State.RUNNING):
            desc = ("arrived after initial scheduling" if res.interval_ms
                    else "arrived late")
        if desc is not None:
            if failed:
                self.stats["failures"] += 1
                self._log("notice", f"{res.key} on {res.node}: expected rc {target}, got "
                          f"{rc} ({desc})" + (f": {res.exit_reason}" if res.exit_reason
                                              else ""))
                self._failcount(res, rc, target, tk is None or tk.transition_id == -1,
                                False)
            self._abort(f"{res.key} on {res.node} {desc}")
            return
        assert t is not None and tk is not None
        ignore = (res.on_fail or "").lower() == "ignore"
        t.confirm(tk.action_id, not failed or ignore)
        if failed:
            self.stats["failures"] += 1
            self._log("notice", f"transition {t.id} action {tk.action_id} ({res.key} on "
                      f"{res.node}): expected rc {target}, got {rc}"
                      + (f": {res.exit_reason}" if res.exit_reason else ""))
            self._failcount(res, rc, target, False, ignore)
            if not ignore:
                self._abort(f"{res.key} on {res.node} failed",
                            priority=t.abort_priority)

    def _failcount(self, res: OpOutcome, rc: int, target: int, do_update: bool,
                   ignore: bool) -> None:
        """``update_failcount``: which failures count, and by how much."""
        if rc == target:
            return
        value = None
        if res.interval_ms > 0 or res.task in ("promote", "demote"):
            do_update = True
        elif res.task == "start":
            do_update = True
            t = self.transition
            value = t.plan.failed_start_offset if t is not None else "INFINITY"
        elif res.task == "stop":
            do_update = True
            value = "INFINITY"
        if value != "INFINITY":
            value = "value++"
        if not do_update:
            return
        suffix = f"{res.rsc}#{res.task}_{res.interval_ms}"
        nid = self._node_id(res.node)
        if not ignore:
            self._patch.attr(nid, res.node, f"fail-count-{suffix}", value)
        self._patch.attr(nid, res.node, f"last-failure-{suffix}", str(self.wall()))

    # ------------------------------------------------------------------ fencing
    def _start_fence(self, ref: str, target: str, action: str, *, tid: int | None = None,
                     aid: int | None = None, origin: str | None = None) -> None:
        info = {"target": target, "action": action, "tid": tid, "aid": aid,
                "origin": origin}
        if self.fence_failures.get(target, 0) >= self.stonith_max_attempts:
            self._log("error", f"fencing of {target} failed {self.stonith_max_attempts} "
                      "times: giving up until the configuration or membership changes")
            self.fencing[ref] = info
            self._fence_finished(ref, False, "too many failed attempts", retry=False)
            return
        executor = self.me
        if target == self.me:
            others = sorted(n for n in self.members if n != self.me)
            if not others:
                self.fencing[ref] = info
                self._fence_finished(ref, False, "no other node can fence this one")
                return
            executor = others[0]
        self.fencing[ref] = info
        self._log("notice", f"fencing {target} ({action}), executed by {executor}")
        self._out.append(Fence(ref, target, action, executor))

    def _on_FenceRequested(self, ev: FenceRequested) -> None:
        if not self.is_dc or ev.ref in self.fencing:
            return      # a request sent again (after a membership change) while it runs
        done = self.fence_history.get(ev.ref)
        if done is not None:
            self._out.append(FenceReply(ev.ref, done[0], done[1], ev.origin))
            return
        self.fence_failures.pop(ev.target, None)   # an administrator asks again
        self._start_fence(ev.ref, ev.target, ev.action, origin=ev.origin)

    def _on_FenceDone(self, ev: FenceDone) -> None:
        if ev.ref in self.fencing:
            self._fence_finished(ev.ref, ev.ok, ev.detail)

    def _fence_finished(self, ref: str, ok: bool, detail: str, retry: bool = True) -> None:
        info = self.fencing.pop(ref)
        target, action = info["target"], info["action"]
        if ok:
            self.fence_failures.pop(target, None)
            self._log("notice", f"{target} fenced ({action})")
            if action == "off" or (action == "reboot" and not (
                    info.get("rejoined") and target in self.members)):
                nid = self._node_id(target)
                self._patch.state(nid, target, dict(FENCED_STATE))
                self._patch.lrm_clear(nid, target)
                self._patch.attrs_clear(nid, target)
        else:
            if retry:
                self.fence_failures[target] = self.fence_failures.get(target, 0) + 1
            self._log("error", f"fencing of {target} ({action}) failed: {detail}")
        t = self.transition
        if info["tid"] is not None and t is not None and info["tid"] == t.id:
            t.confirm(info["aid"], ok)
            if not ok:
                if retry:
                    self._abort(f"fencing of {target} failed")
                else:
                    t.recompute = False
                    t.abort(INFINITY, f"fencing of {target} failed")
        if info["origin"] is not None:
            self.fence_history[ref] = (ok, detail)
            while len(self.fence_history) > FENCE_HISTORY:
                del self.fence_history[next(iter(self.fence_history))]
            self._out.append(FenceReply(ref, ok, detail, info["origin"]))


def _split_print(fp: str) -> tuple[str, dict[str, str]]:
    head, *rest = fp.split("|")
    nodes = {}
    for item in rest:
        name, _, value = item.partition("=")
        nodes[name] = value
    return head, nodes
