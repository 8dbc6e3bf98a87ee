"""The node's resource manager with the real executor and ocf:hacrm:Dummy: history records,
reports to the DC, recurring monitors, cancellation, forgetting."""

from __future__ import annotations

import asyncio
import time

from lxml import etree

from hacrm.engine.controller_events import OpOutcome
from hacrm.engine.executor import Executor
from hacrm.engine.lrm import LocalResources
from hacrm.engine.plan import PlannedAction, RscRef

UUID = "0d1b2c3d-0000-4000-8000-000000000000"
RSC = RscRef("d1", None, "ocf", "hacrm", "Dummy")


def action(aid: int, task: str, *, interval: int = 0, target: int | None = None,
           **extra: str) -> PlannedAction:
    params = {"CRM_meta_timeout": "20000", "CRM_meta_on_node": "node1",
              "crm_feature_set": "3.16.1", **extra}
    if interval:
        params["CRM_meta_interval"] = str(interval)
        params["CRM_meta_name"] = task
    if target is not None:
        params["CRM_meta_op_target_rc"] = str(target)
    return PlannedAction(aid, "rsc_op", task, f"d1_{task}_{interval}", "node1", "1", RSC,
                         params)


class Reports:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict, bytes]] = []

    def __call__(self, kind, header, body) -> None:
        self.messages.append((kind, header, body))

    def results(self) -> list[OpOutcome]:
        return [OpOutcome.from_json(r) for _, h, _ in self.messages
                for r in h.get("results", [])]

    def ops(self, n: int = -1) -> dict[str, dict]:
        """The lrm_rsc_op entries of the n-th report (id -> attributes)."""
        body = [b for k, _, b in self.messages if k == "lrm-update" and b][n]
        return {op.get("id"): dict(op.attrib) for op in etree.fromstring(body).iter(
            "lrm_rsc_op")}


async def _until(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_life_of_a_resource(tmp_path):
    reports = Reports()
    state = tmp_path / "rsc" / "hacrm-Dummy-d1.state"

    async def scenario():
        lrm = LocalResources("node1", Executor("node1", rsc_tmp_dir=tmp_path / "rsc"),
                             reports)
        try:
            lrm.submit(3, UUID, action(1, "monitor", target=7))
            await _until(lambda: len(reports.results()) == 1)
            probe = reports.results()[0]
            assert (probe.rc, probe.transition_key) == (7, f"1:3:7:{UUID}")
            pending = reports.ops(0)["d1_last_0"]
            assert (pending["rc-code"], pending["op-status"]) == ("193", "-1")

            lrm.submit(3, UUID, action(2, "start"))
            await _until(lambda: len(reports.results()) == 2)
            assert reports.results()[1].rc == 0 and state.exists()
            last = reports.ops()["d1_last_0"]
            assert (last["operation"], last["rc-code"], last["on_node"]) == \
                ("start", "0", "node1")
            assert last["op-digest"] and last["transition-magic"] == f"0:0;2:3:0:{UUID}"

            lrm.submit(3, UUID, action(3, "monitor", interval=300))
            await _until(lambda: len(reports.results()) == 3)
            assert "d1_monitor_300" in reports.ops()
            state.unlink()          # the service "dies": the change is reported
            await _until(lambda: len(reports.results()) == 4)
            change = reports.results()[3]
            assert (change.rc, change.interval_ms, change.transition_key) == \
                (7, 300, f"3:3:0:{UUID}")
            assert "d1_last_failure_0" in reports.ops()
            assert lrm.active() == ["d1"]

            lrm.submit(4, UUID, action(1, "stop"))
            await _until(lambda: len(reports.results()) == 5)
            assert not lrm.executor.recurring_ops(), "a stop cancels the monitors first"
            count = len(reports.messages)
            await asyncio.sleep(0.8)
            assert len(reports.messages) == count, "a cancelled monitor reports nothing"
            assert lrm.active() == []

            lrm.submit(5, UUID, action(2, "monitor", interval=300))
            await _until(lambda: len(reports.results()) == 6)
            lrm.submit(5, UUID, action(3, "cancel", interval=300, CRM_meta_operation="monitor"))
            await _until(lambda: len(reports.results()) == 7)
            assert "d1_monitor_300" not in reports.ops()
            assert not lrm.executor.recurring_ops()

            snapshot = etree.fromstring(lrm.snapshot())
            assert [r.get("id") for r in snapshot] == ["d1"]
            assert lrm.forget(["d1", "unknown"]) == ["d1"]
            await asyncio.sleep(0.01)       # reports go out once per turn of the loop
            kind, header, _ = reports.messages[-1]
            assert kind == "lrm-update" and header["deleted"] == ["d1"]
            assert len(etree.fromstring(lrm.snapshot())) == 0
        finally:
            await lrm.close()
    asyncio.run(scenario())


def test_agent_attributes_are_handed_over(tmp_path):
    """A promotable Dummy publishes its promotion score through crm_master."""
    reports = Reports()
    applied = []

    async def apply(updates):
        applied.extend(updates)

    async def scenario():
        lrm = LocalResources("node1", Executor("node1", rsc_tmp_dir=tmp_path / "rsc"),
                             reports, apply)
        try:
            lrm.submit(1, UUID, action(1, "start", CRM_meta_promoted_max="1",
                                       CRM_meta_clone="0", CRM_meta_clone_max="2"))
            await _until(lambda: len(reports.results()) == 1)
        finally:
            await lrm.close()
    asyncio.run(scenario())
    assert reports.results()[0].rc == 0
    assert [(u.name, u.value) for u in applied] == [("master-d1", "5")]
