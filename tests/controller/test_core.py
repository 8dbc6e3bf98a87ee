"""The DC's controller core, driven by hand-made events and a fake clock."""

from __future__ import annotations

from hacrm.engine.controller_events import (
    CibChanged,
    Compute,
    DcState,
    Dispatch,
    Fence,
    FenceDone,
    FenceReply,
    FenceRequested,
    NodeHistory,
    NodeUpdate,
    OpOutcome,
    Planned,
    Tick,
    TransitionDone,
    WriteStatus,
)
from hacrm.engine.oprecord import transition_key

from .fakes import NODES, WALL, Driver, event, patch_changes, plan, pseudo, rsc_op


def _result(d: Driver, dispatch: Dispatch, rc: int | None = None, status: int = 0,
            **kw) -> list:
    a = dispatch.action
    target = a.target_rc
    outcome = OpOutcome(a.node, a.rsc.id, a.task, a.interval_ms,
                        transition_key(a.id, dispatch.transition, target, dispatch.uuid),
                        target if rc is None else rc, status, **kw)
    return d.step(NodeUpdate(a.node, b"", (), (outcome,)))


def _compute(d: Driver, the_plan, out=None) -> list:
    computes = d.of(Compute, out)
    assert computes, "no scheduler run was asked for"
    return d.step(Planned(computes[-1].request, the_plan))


START = plan((rsc_op(1, "A", "monitor", "node1", target_rc=7), ()),
             (rsc_op(2, "A", "monitor", "node2", target_rc=7), ()),
             (rsc_op(3, "A", "start", "node1"), (1, 2)),
             (rsc_op(4, "A", "monitor", "node1", interval=10000), (3,)))


def test_join_then_schedule_then_execute_in_order():
    d = Driver()
    out = d.step(DcState(True, {"node1": "1", "node2": "2"}, dict(NODES)))
    assert not d.of(Compute, out), "scheduled before the members reported their history"
    out = d.step(NodeHistory("node1", b"<lrm_resources/>"))
    assert not d.of(Compute, out)
    out = d.step(NodeHistory("node2", b"<lrm_resources><lrm_resource id='A'/></lrm_resources>"))
    assert not d.of(Compute, out), "scheduled before the history was written"
    writes = d.of(WriteStatus)
    changes = [c for w in writes for c in patch_changes(w.body)]
    assert ("node2", "lrm", {"replace": "true"}) in changes
    out = d.ack_writes()
    out = _compute(d, START, out)
    sent = d.of(Dispatch, out)
    assert [x.action.id for x in sent] == [1, 2], "probes first, the start waits for them"
    out = _result(d, sent[0])
    assert not d.of(Dispatch, out)
    out = _result(d, sent[1])
    start = d.of(Dispatch, out)
    assert [x.action.key for x in start] == ["A_start_0"]
    out = _result(d, start[0])
    mon = d.of(Dispatch, out)
    assert [x.action.key for x in mon] == ["A_monitor_10000"]
    out = _result(d, mon[0])
    done = d.of(TransitionDone, out)
    assert done and done[0].counts["done"] == 4 and done[0].aborted is None
    assert not d.of(Compute, out), "a transition that went as planned needs no new run"
    assert d.core.idle


def test_failed_start_counts_infinity_aborts_and_recomputes():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "start", "node1"), ()),
                           (rsc_op(2, "A", "monitor", "node1", interval=5000), (1,))),
                   d.become_dc())
    start = d.of(Dispatch, out)[0]
    out = _result(d, start, rc=1, exit_reason="boom")
    assert not d.of(Dispatch, out), "nothing fires after a failure"
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node1", "attr", {"name": "fail-count-A#start_0", "value": "INFINITY"}) in changes
    assert ("node1", "attr", {"name": "last-failure-A#start_0",
                              "value": str(int(WALL + d.now))}) in changes
    assert d.of(TransitionDone, out)[0].aborted
    assert not d.of(Compute, out), "waits for the fail-count to be written"
    out = d.ack_writes()
    assert d.of(Compute, out)


def test_start_failure_not_fatal_counts_one():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "start", "node1"), ()), failed_start_offset="1"),
                   d.become_dc())
    out = _result(d, d.of(Dispatch, out)[0], rc=1)
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node1", "attr", {"name": "fail-count-A#start_0", "value": "value++"}) in changes


def test_recurring_failure_after_the_transition_counts_and_reschedules():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "monitor", "node1", interval=5000), ())),
                   d.become_dc())
    mon = d.of(Dispatch, out)[0]
    out = _result(d, mon)
    assert d.of(TransitionDone, out) and d.core.idle
    out = _result(d, mon, rc=7)         # the service died: a later result of the monitor
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node1", "attr", {"name": "fail-count-A#monitor_5000", "value": "value++"}) \
        in changes
    out = d.ack_writes()
    assert d.of(Compute, out)


def test_probe_finding_a_running_resource_aborts_without_fail_count():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "monitor", "node2", target_rc=7), ()),
                           (rsc_op(2, "A", "start", "node1"), (1,))), d.become_dc())
    out = _result(d, d.of(Dispatch, out)[0], rc=0)
    assert not d.of(Dispatch, out)
    assert not [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)
                if c[1] == "attr"]
    assert d.of(TransitionDone, out)[0].aborted
    assert d.of(Compute, out)


def test_on_fail_ignore_records_last_failure_only_and_goes_on():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "monitor", "node1", interval=5000), ()),
                           (rsc_op(2, "B", "start", "node1"), (1,))), d.become_dc())
    out = _result(d, d.of(Dispatch, out)[0], rc=1, on_fail="ignore")
    names = [c[2]["name"] for w in d.of(WriteStatus, out) for c in patch_changes(w.body)
             if c[1] == "attr"]
    assert names == ["last-failure-A#monitor_5000"]
    assert [x.action.key for x in d.of(Dispatch, out)] == ["B_start_0"]


def test_cib_change_aborts_and_stale_plan_is_discarded():
    d = Driver()
    d.become_dc()
    d.step(CibChanged("1.5|node1=a|node2=b"))
    computes = d.of(Compute)
    # the CIB changes while the scheduler runs: its plan is thrown away
    d.step(CibChanged("1.6|node1=a|node2=b"))
    out = d.step(Planned(computes[-1].request, START))
    assert not d.of(Dispatch, out)
    assert len(d.of(Compute, out)) == 1
    out = d.step(Planned(d.of(Compute, out)[0].request, START))
    assert len(d.of(Dispatch, out)) == 2
    out = d.step(CibChanged("1.7|node1=a|node2=b"))
    assert d.core.transition.aborted and not d.of(Compute, out), "waits for running probes"
    for x in d.of(Dispatch)[-2:]:
        out = _result(d, x)
    assert d.of(TransitionDone, out)[0].aborted and d.of(Compute, out)


def test_node_lost_fails_its_actions_and_clears_its_attributes():
    d = Driver()
    out = _compute(d, START, d.become_dc())
    out = d.step(DcState(True, {"node1": "1"}, dict(NODES)))
    t = d.core.transition
    assert t.aborted and t.counts()["failed"] == 1          # the probe on node2
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node2", "attrs_clear", {}) in changes
    assert d.core.awaiting == {"node1"}
    out = _result(d, d.of(Dispatch)[0])                     # node1's probe still reports
    out += d.step(NodeHistory("node1", b"<lrm_resources/>"))
    out += d.ack_writes()
    assert d.of(TransitionDone, out) and d.of(Compute, out)


def test_join_timeout():
    d = Driver(join_timeout=10)
    d.step(DcState(True, {"node1": "1", "node2": "2"}, dict(NODES)))
    d.step(NodeHistory("node1", b"<lrm_resources/>"))
    d.ack_writes()
    assert not d.of(Compute)
    assert d.core.next_timer() == d.now + 10
    out = d.step(Tick(), advance=10.5)
    assert d.of(Compute, out)


def test_action_timeout():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "start", "node1", timeout=20000), ())),
                   d.become_dc())
    assert d.core.next_timer() == d.now + 20 + 60
    out = d.step(Tick(), advance=79)
    assert not d.of(TransitionDone, out)
    out = d.step(Tick(), advance=2)
    assert d.of(TransitionDone, out)[0].counts["failed"] == 1 and d.of(Compute, out)


def test_fencing_then_recovery_and_fenced_state_does_not_abort():
    d = Driver()
    p = plan((event(1, "stonith", "node2", stonith_action="reboot"), ()),
             (pseudo(2, "A_stop_0", "stop"), (1,)),
             (rsc_op(3, "A", "start", "node1"), (2,)))
    out = _compute(d, p, d.become_dc(["node1"]))
    fence = d.of(Fence, out)
    assert fence == [Fence("t1:1", "node2", "reboot", "node1")]
    assert not d.of(Dispatch, out)
    out = d.step(FenceDone("t1:1", True))
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node2", "state", {"in_ccm": "false", "crmd": "offline", "join": "down",
                               "expected": "down"}) in changes
    assert ("node2", "lrm_clear", {}) in changes
    assert [x.action.key for x in d.of(Dispatch, out)] == ["A_start_0"]
    d.step(CibChanged("1.5|node1=a|node2=b"))
    d.step(CibChanged("1.5|node1=a|node2=fenced"))
    assert not d.core.transition.aborted
    d.step(CibChanged("1.5|node1=changed|node2=fenced"))
    assert d.core.transition.aborted


def test_fencing_failures_retry_then_give_up():
    d = Driver(stonith_max_attempts=3)
    d.become_dc(["node1"])
    p = plan((event(1, "stonith", "node2", stonith_action="reboot"), ()))
    for attempt in range(3):
        out = _compute(d, p)
        fence = d.of(Fence, out)
        assert len(fence) == 1, attempt
        out = d.step(FenceDone(fence[0].ref, False, "device said no"))
        assert d.of(TransitionDone, out)
    out = _compute(d, p)
    assert not d.of(Fence, out)
    assert d.of(TransitionDone, out)[0].counts["failed"] == 1
    assert not d.of(Compute, out), "gave up: no retry loop"


def test_fence_request_from_the_api_and_self_fencing_elsewhere():
    d = Driver()
    d.become_dc(["node1", "node2"])
    out = d.step(FenceRequested("api-1", "node1", "off", "node2"))
    assert d.of(Fence, out) == [Fence("api-1", "node1", "off", "node2")]
    out = d.step(FenceDone("api-1", True))
    assert d.of(FenceReply, out) == [FenceReply("api-1", True, "", "node2")]


def test_results_of_another_dc_or_outside_abort():
    d = Driver()
    out = _compute(d, plan((rsc_op(1, "A", "start", "node1"), ())), d.become_dc())
    res = OpOutcome("node1", "B", "monitor", 5000, transition_key(3, 1, 0, "other-dc"), 1, 0)
    out = d.step(NodeUpdate("node1", b"", (), (res,)))
    assert d.core.transition.aborted
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node1", "attr", {"name": "fail-count-B#monitor_5000", "value": "value++"}) \
        in changes


def test_clear_failcount_and_lrm_delete_are_done_by_the_dc():
    d = Driver()
    p = plan((event(1, "clear_failcount", "node1", rsc="A", op_no_wait="true"), ()),
             (event(2, "lrm_delete", "node2", rsc="B"), ()),
             (rsc_op(3, "A", "start", "node1"), (1, 2)))
    out = _compute(d, p, d.become_dc())
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node1", "attrs_delete", {"prefix": "fail-count-A#"}) in changes
    assert ("node2", "lrm_delete", {"id": "B"}) in changes
    assert [x.action.key for x in d.of(Dispatch, out)] == ["A_start_0"]


def test_standby_dc_ignores_everything():
    d = Driver()
    d.become_dc()
    out = d.step(DcState(False, {"node1": "1", "node2": "2"}, dict(NODES)))
    out += d.step(NodeHistory("node2", b"<lrm_resources/>"))
    out += d.step(CibChanged("x"))
    assert not d.of(WriteStatus, out) and not d.of(Compute, out)


def test_fencing_outlives_a_membership_change_and_requests_sent_twice():
    d = Driver()
    d.become_dc(["node1", "node2"])
    d.step(FenceRequested("api-7", "node2", "reboot", "node1"))
    # the fencing itself changes the membership; the DC stays DC
    d.step(DcState(True, {"node1": "1"}, dict(NODES)))
    out = d.step(FenceRequested("api-7", "node2", "reboot", "node1"))   # sent again
    assert not d.of(Fence, out), "not fenced twice"
    out = d.step(FenceDone("api-7", True, "fenced by dev"))
    assert d.of(FenceReply, out) == [FenceReply("api-7", True, "fenced by dev", "node1")]
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node2", "lrm_clear", {}) in changes
    out = d.step(FenceRequested("api-7", "node2", "reboot", "node1"))   # and once more
    assert d.of(FenceReply, out) and not d.of(Fence, out)


def test_a_restarted_node_loses_its_old_attributes_a_partition_without_quorum_keeps_them():
    d = Driver()
    d.become_dc(["node1", "node2"])
    out = d.step(DcState(True, {"node1": "1", "node2": "2"}, dict(NODES)))
    out += d.step(NodeHistory("node2", b"<lrm_resources/>", fresh=True))
    out += d.step(NodeHistory("node1", b"<lrm_resources/>"))
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node2", "attrs_clear", {}) in changes
    assert ("node1", "attrs_clear", {}) not in changes
    out = d.step(DcState(True, {"node1": "1"}, dict(NODES), quorate=False))
    changes = [c for w in d.of(WriteStatus, out) for c in patch_changes(w.body)]
    assert ("node2", "attrs_clear", {}) not in changes
