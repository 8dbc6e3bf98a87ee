"""A fenced node that is back before the fencing result: the result leaves its new state alone.

The sandbox's power switch (``fence_hacrm``) reboots a node by killing its daemon and starting
it again at once, so the node can rejoin (and report its fresh, empty history) before the
fencing result reaches the DC.  Writing the "fenced" node state then marked a running member as
down and offline until the next membership change: nothing was placed on it (a ``resource
move`` to it did nothing).  A node still absent, or one switched off, is recorded as fenced.

The reboot can even be quicker than the membership: the node is back before anyone saw it go,
and the new membership names it as having left and joined again (``rejoined``) although it
was a member throughout.
"""

from __future__ import annotations

from hacrm.engine.controller_events import (
    Compute,
    DcState,
    Fence,
    FenceDone,
    FenceRequested,
    NodeHistory,
    Planned,
    WriteStatus,
)

from .fakes import NODES, Driver, event, patch_changes, plan


def _fence_node2(d: Driver, action: str = "reboot") -> Fence:
    """node1 is DC alone (node2 lost) and schedules node2's fencing."""
    out = d.become_dc(["node1"])
    [compute] = d.of(Compute, out)[-1:]
    out = d.step(Planned(compute.request, plan(
        (event(1, "stonith", "node2", stonith_action=action), ()))))
    [fence] = d.of(Fence, out)
    return fence


def _changes(out) -> list:
    return [c for w in out if isinstance(w, WriteStatus) for c in patch_changes(w.body)]


def _assert_result_leaves_the_rejoined_node_alone(d: Driver, fence: Fence) -> None:
    """node2 reports its fresh, empty history, then the reboot's success arrives: node2's
    state and history are not written over."""
    d.step(NodeHistory("node2", b"<lrm_resources/>", fresh=True))
    d.step(NodeHistory("node1", b"<lrm_resources/>"))
    changes = _changes(d.step(FenceDone(fence.ref, True)))
    assert not [c for c in changes if c[0] == "node2" and c[1] in ("state", "lrm_clear")], \
        changes


def test_node_back_before_the_reboot_result_keeps_its_state():
    d = Driver()
    fence = _fence_node2(d)
    d.step(DcState(True, {"node1": "1", "node2": "2"}, dict(NODES)))   # rebooted, rejoined
    _assert_result_leaves_the_rejoined_node_alone(d, fence)


def test_node_back_before_anyone_saw_it_go_keeps_its_state():
    d = Driver()
    d.become_dc(["node1", "node2"])
    out = d.step(FenceRequested("r1", "node2", "reboot", "node1"))
    [fence] = d.of(Fence, out)
    out = d.step(DcState(True, {"node1": "1", "node2": "2"}, dict(NODES),
                         rejoined=("node2",)))
    assert ("node2", "attrs_clear", {}) in _changes(out), "a rebooted node's attributes go"
    _assert_result_leaves_the_rejoined_node_alone(d, fence)


def test_node_still_away_is_recorded_as_fenced():
    d = Driver()
    fence = _fence_node2(d)
    out = d.step(FenceDone(fence.ref, True))
    changes = _changes(out)
    assert ("node2", "state", {"in_ccm": "false", "crmd": "offline", "join": "down",
                               "expected": "down"}) in changes
    assert ("node2", "lrm_clear", {}) in changes
