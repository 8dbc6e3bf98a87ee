"""The executor: environment, exit codes, timeouts, cancellation, limits, meta-data, fencing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from hacrm import agents as shipped
from hacrm.engine.agentmeta import MetadataError
from hacrm.engine.opresult import AgentRef, ExecStatus, OcfRc, OpRequest

from .conftest import PROVIDER, alive, run, runs_of, until


def ocf(name: str) -> AgentRef:
    return AgentRef("ocf", name, PROVIDER)


def req(rsc: str, agent: str, action: str = "start", timeout_ms: int = 10000, **params):
    p = {"CRM_meta_timeout": str(timeout_ms)}
    p.update({k: str(v) for k, v in params.items()})
    return OpRequest.from_params(rsc, ocf(agent), action, p)


# ----------------------------------------------------------------------------- environment


def test_environment_and_stdin_of_an_ocf_agent(make_executor, tmp_path, paths):
    out = tmp_path / "env.txt"
    request = OpRequest.from_params("rsc1", ocf("envdump"), "monitor", {
        "out": str(out), "with space": "a b", "CRM_meta_timeout": "20000",
        "CRM_meta_interval": "10000", "CRM_meta_on_node": "node1", "OCF_CHECK_LEVEL": "10",
        "crm_feature_set": "3.16.1"})
    result = run(make_executor().execute(request))
    assert result.ok, result
    env = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    assert env["OCF_ROOT"] == paths.ocf_root
    assert env["OCF_RESOURCE_INSTANCE"] == "rsc1"
    assert env["OCF_RESOURCE_TYPE"] == "envdump"
    assert env["OCF_RESOURCE_PROVIDER"] == PROVIDER
    assert (env["OCF_RA_VERSION_MAJOR"], env["OCF_RA_VERSION_MINOR"]) == ("1", "1")
    assert env["OCF_EXIT_REASON_PREFIX"] == "ocf-exit-reason:"
    assert env["OCF_RESKEY_out"] == str(out)
    assert env["OCF_RESKEY_CRM_meta_timeout"] == "20000"
    assert env["OCF_RESKEY_CRM_meta_interval"] == "10000"
    assert env["OCF_RESKEY_CRM_meta_on_node"] == "node1"
    assert env["OCF_RESKEY_crm_feature_set"] == "3.16.1"
    assert env["OCF_CHECK_LEVEL"] == "10" and "OCF_RESKEY_OCF_CHECK_LEVEL" not in env
    assert env["HA_RSCTMP"] == str(tmp_path / "rsctmp")
    assert env["HACRM_NODE_NAME"] == "node1"
    assert env["PATH"].split(":")[0] == str(shipped.shim_dir())
    assert env["stdin"] == "[]"
    assert request.interval_ms == 10000 and request.timeout_ms == 20000


def test_request_from_params_follows_the_controller():
    p = {"CRM_meta_interval": "5000", "CRM_meta_op_target_rc": "7", "CRM_meta_start_delay": "50"}
    r = OpRequest.from_params("r", ocf("x"), "monitor", p)
    assert (r.interval_ms, r.timeout_ms, r.start_delay_ms) == (5000, 5000, 50)
    assert "CRM_meta_op_target_rc" not in r.params
    assert OpRequest.from_params("r", ocf("x"), "start", p).interval_ms == 0
    assert OpRequest.from_params("r", ocf("x"), "start", {}).timeout_ms == 20000
    fence = OpRequest.from_params("f", AgentRef("stonith", "fence_x"), "monitor",
                                  {"CRM_meta_interval": "60000", "CRM_meta_timeout": "20000",
                                   "pcmk_monitor_timeout": "2min"})
    assert fence.timeout_ms == 120000


# ----------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize("code,rc", [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6),
                                     (7, 7), (8, 8), (9, 9), (190, 190), (191, 191),
                                     (10, 1), (42, 1), (189, 1), (255, 1)])
def test_ocf_exit_codes(make_executor, code, rc):
    result = run(make_executor().execute(req("r", "exitcode", rc=code)))
    assert (result.rc, result.status) == (rc, ExecStatus.DONE)
    assert result.exit_reason == "first reason"


def test_exit_reason_is_the_last_one_truncated(make_executor):
    result = run(make_executor().execute(req("r", "exitcode", rc=1, reason="x" * 300)))
    assert result.exit_reason == "x" * 128


def test_agent_killed_by_a_signal(make_executor):
    result = run(make_executor().execute(req("r", "suicide")))
    assert (result.rc, result.status) == (OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR)
    assert "SIGSEGV" in result.exit_reason


def test_missing_and_unexecutable_agents(make_executor):
    ex = make_executor()
    missing = run(ex.execute(req("r", "nosuchagent")))
    assert (missing.rc, missing.status) == (OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED)
    noexec = run(ex.execute(req("r", "noexec")))
    assert (noexec.rc, noexec.status) == (OcfRc.INSUFFICIENT_PRIV, ExecStatus.ERROR)
    unknown = run(ex.execute(OpRequest("r", AgentRef("nagios", "x"), "start")))
    assert unknown.status == ExecStatus.NOT_INSTALLED


@pytest.mark.parametrize("action,code,rc", [
    ("monitor", 0, 0), ("monitor", 1, 7), ("monitor", 2, 7), ("monitor", 3, 7),
    ("monitor", 4, 1), ("monitor", 150, 5), ("monitor", 151, 4), ("monitor", 9, 1),
    ("start", 0, 0), ("start", 1, 1), ("start", 7, 7), ("start", 8, 1), ("stop", 5, 5)])
def test_lsb_exit_codes(make_executor, agent_tree, action, code, rc):
    word = "status" if action == "monitor" else action
    (agent_tree / "init.d" / f"hacrmtest.{word}").write_text(str(code))
    request = OpRequest("svc", AgentRef("lsb", "hacrmtest"), action, {})
    result = run(make_executor().execute(request))
    assert (result.rc, result.status) == (rc, ExecStatus.DONE)
    service = run(make_executor().execute(OpRequest("svc", AgentRef("service", "hacrmtest"),
                                                    action, {})))
    assert service.rc == rc


# ----------------------------------------------------------------------------- timeouts


def test_timeout_kills_the_whole_process_group(make_executor, tmp_path, reap_pids):
    out = tmp_path / "child.pid"
    started = time.monotonic()
    # 3 s: enough for the agent to start its child and write its pid on a loaded machine
    result = run(make_executor().execute(req("r", "hang", timeout_ms=3000, out=out)))
    elapsed = time.monotonic() - started
    assert out.exists(), "the agent was killed before it wrote its child's pid"
    child = int(out.read_text())
    reap_pids.append(child)
    assert (result.rc, result.status) == (OcfRc.UNKNOWN_ERROR, ExecStatus.TIMEOUT)
    assert "did not complete within" in result.exit_reason
    assert elapsed < 30, "the agent ran on (it sleeps 300 s) instead of timing out"
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the agent's child survived the timeout"


def test_agent_leaving_a_daemon_on_stdout_does_not_block(make_executor, tmp_path, reap_pids):
    out = tmp_path / "daemon.pid"
    started = time.monotonic()
    result = run(make_executor().execute(req("r", "daemonize", out=out)))
    reap_pids.append(int(out.read_text()))
    assert result.ok and result.stdout.strip() == "started"
    assert time.monotonic() - started < 30, "waited for the agent's daemon (it sleeps 300 s)"
    assert alive(int(out.read_text())), "a normal exit must not kill what the agent started"


# ----------------------------------------------------------------------------- cancellation


def test_cancel_a_running_and_a_queued_operation(make_executor, tmp_path, reap_pids):
    out = tmp_path / "child.pid"
    log = tmp_path / "slow.log"

    async def scenario():
        ex = make_executor()
        running = asyncio.ensure_future(ex.execute(req("r", "hang", timeout_ms=60000, out=out)))
        queued = asyncio.ensure_future(ex.execute(req("r", "slow", action="stop", log=log)))
        await until(lambda: Path(f"{out}.started").exists(), "the agent to start")
        assert ex.cancel("r", "stop", 0)
        assert ex.cancel("r", "start", 0)
        assert not ex.cancel("r", "promote", 0)
        return await running, await queued

    first, second = run(scenario())
    reap_pids.append(int(out.read_text()))
    assert (first.rc, first.status) == (OcfRc.OK, ExecStatus.CANCELLED)
    assert second.status == ExecStatus.CANCELLED
    assert not log.exists(), "a cancelled queued operation must never run"


# ----------------------------------------------------------------------------- limits


def _intervals(log: Path) -> dict[str, tuple[float, float]]:
    spans: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        kind, name, stamp = line.split()
        spans.setdefault(name, [0.0, 0.0])[0 if kind == "START" else 1] = float(stamp)
    return {k: (v[0], v[1]) for k, v in spans.items()}


def _max_overlap(spans) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    best = cur = 0
    for _, delta in events:
        cur += delta
        best = max(best, cur)
    return best


def test_per_node_concurrency_limit(make_executor, tmp_path):
    log = tmp_path / "slow.log"
    ex = make_executor(max_concurrent=2)

    async def scenario():
        return await asyncio.gather(*(ex.execute(req(f"r{i}", "slow", log=log, seconds=0.4))
                                      for i in range(6)))

    results = run(scenario())
    assert all(r.ok for r in results)
    spans = _intervals(log)
    assert len(spans) == 6
    assert _max_overlap(spans.values()) == 2
    assert ex.peak_running == 2
    assert max(r.queue_time_ms for r in results) >= 300   # the last ones waited


def test_one_operation_at_a_time_per_resource(make_executor, tmp_path):
    log = tmp_path / "slow.log"
    ex = make_executor(max_concurrent=8)

    async def scenario():
        ops = [ex.execute(OpRequest.from_params("same", ocf("slow"), action, {
            "log": str(log), "seconds": "0.2", "CRM_meta_timeout": "10000"}))
            for action in ("start", "monitor", "stop")]
        return await asyncio.gather(*ops)

    results = run(scenario())
    calls = [r.call_id for r in results]
    assert calls == sorted(calls)
    lines = log.read_text().split("\n")
    kinds = [line.split()[0] for line in lines if line]
    assert kinds == ["START", "END"] * 3


def test_start_delay(make_executor, tmp_path):
    log = tmp_path / "slow.log"
    request = OpRequest.from_params("r", ocf("slow"), "start", {
        "log": str(log), "seconds": "0", "CRM_meta_start_delay": "300"})
    started = time.monotonic()
    assert run(make_executor().execute(request)).ok
    assert time.monotonic() - started >= 0.3


# ----------------------------------------------------------------------------- recurring


def test_recurring_monitor_reports_first_result_and_changes(make_executor, tmp_path):
    state = tmp_path / "rc"
    state.write_text("0")
    runs = Path(f"{state}.runs")
    seen = []

    async def scenario():
        ex = make_executor()
        request = OpRequest.from_params("r", ocf("fromfile"), "monitor", {
            "file": str(state), "CRM_meta_interval": "150", "CRM_meta_timeout": "5000"})
        handle = ex.start_recurring(request, seen.append)
        await until(lambda: runs_of(state) >= 3, "three runs with rc 0")
        state.write_text("7")
        await until(lambda: len(seen) >= 2, "the change to rc 7")
        await until(lambda: runs_of(state) >= 5, "five runs")
        assert handle.active and ex.recurring_ops() == [handle]
        assert ex.cancel("r", "monitor", 150)
        await until(lambda: len(seen) >= 3, "the cancellation")
        count = runs_of(state)
        await asyncio.sleep(0.5)
        return count, handle

    count, handle = run(scenario())
    assert [(r.rc, r.status) for r in seen] == [(0, ExecStatus.DONE), (7, ExecStatus.DONE),
                                               (0, ExecStatus.CANCELLED)]
    assert len({r.call_id for r in seen}) == 1, "a recurring op keeps its call id"
    assert seen[1].t_rcchange >= seen[0].t_rcchange
    assert count >= 5
    assert len(runs.read_text().splitlines()) == count, "runs continued after cancel"
    assert not handle.active


def test_a_recurring_change_is_newer_than_what_it_replaces_after_a_clock_step_back(
        make_executor, tmp_path, monkeypatch):
    """A failed monitor's record (same call id as the op's own) is ordered by last-rc-change:
    with the wall clock stepped back an hour it must still come after the success."""
    state = tmp_path / "rc"
    state.write_text("0")
    seen = []
    real = time.time
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    async def scenario():
        ex = make_executor()
        request = OpRequest.from_params("r", ocf("fromfile"), "monitor", {
            "file": str(state), "CRM_meta_interval": "150", "CRM_meta_timeout": "5000"})
        ex.start_recurring(request, seen.append)
        await until(lambda: len(seen) >= 1, "the first result")
        offset[0] = -3600.0
        # a run already under way was stamped with the old clock; runs are one at a time, so
        # the second run to begin after the step is stamped with the new one
        began = runs_of(state)
        await until(lambda: runs_of(state) >= began + 2, "two runs after the clock step")
        state.write_text("7")
        await until(lambda: len(seen) >= 2, "the change to rc 7")
        assert ex.cancel("r", "monitor", 150)
        await until(lambda: len(seen) >= 3, "the cancellation")

    run(scenario())
    assert [r.rc for r in seen[:2]] == [0, 7]
    assert seen[1].t_run < seen[0].t_run, "the clock was stepped back"
    assert seen[1].t_rcchange > seen[0].t_rcchange


# ----------------------------------------------------------------------------- meta-data


def test_metadata_is_parsed_and_cached_until_the_agent_changes(make_executor, agent_tree):
    calls = agent_tree / "resource.d" / PROVIDER / "counted.calls"
    agent = ocf("counted")

    async def scenario():
        ex = make_executor()
        first = await ex.metadata(agent)
        again = await ex.metadata(agent)
        via_op = await ex.execute(OpRequest("", agent, "meta-data"))
        count_before = len(calls.read_text().splitlines())
        path = agent_tree / "resource.d" / PROVIDER / "counted"
        stamp = path.stat().st_mtime + 5
        import os
        os.utime(path, (stamp, stamp))
        await ex.metadata(agent)
        return first, again, via_op, count_before

    md, again, via_op, count = run(scenario())
    assert md is again and count == 1
    assert len(calls.read_text().splitlines()) == 2
    assert via_op.ok and "<resource-agent" in via_op.stdout
    assert md.ocf_version == "1.1" and md.supports_reload_agent
    assert [(p.name, p.unique, p.reloadable, p.private, p.required) for p in md.params] == [
        ("a", True, False, False, False), ("b", False, True, False, False),
        ("secret", False, True, True, False), ("c", False, False, False, True)]
    assert md.param("b").default == "x"
    assert md.action("start").timeout_ms == 40000
    assert md.action("monitor").interval_ms == 10000
    # Pacemaker lists parameters in reverse meta-data order.
    assert md.restart_list() == "  c a  "
    assert md.secure_list() == "  secret  "


def test_metadata_errors(make_executor):
    async def scenario():
        ex = make_executor()
        with pytest.raises(MetadataError):
            await ex.metadata(ocf("nosuchagent"))
        with pytest.raises(MetadataError):
            await ex.metadata(ocf("exitcode"))   # prints nothing on stdout, exits 0
    run(scenario())


def test_lsb_metadata_from_the_init_header(make_executor):
    md = run(make_executor().metadata(AgentRef("lsb", "hacrmtest")))
    assert md.shortdesc == "test script"
    assert md.longdesc == "An init script for tests, over two lines."
    assert md.action("status") is not None and md.params == ()


@pytest.mark.oracle
def test_metadata_lists_of_pacemakers_dummy_match_its_records(make_executor):
    """Pacemaker 2.1.x wrote op-force-restart="  state  " and op-secure-params="  passwd  "
    for ocf:pacemaker:Dummy in the corpus; our reading of its meta-data gives the same."""
    agent = AgentRef("ocf", "Dummy", "pacemaker")
    if make_executor().paths.resolve(agent) is None:
        pytest.skip("ocf:pacemaker:Dummy is not installed")
    md = run(make_executor().metadata(agent))
    assert md.supports_reload_agent
    assert md.restart_list() == "  state  "
    assert md.secure_list() == "  passwd  "


# ----------------------------------------------------------------------------- fencing


def _calls(agent_tree) -> list[dict[str, str]]:
    text = (agent_tree / "fence" / "fence_recorder.calls").read_text()
    out = []
    for block in text.split("---\n"):
        lines = [line for line in block.splitlines() if "=" in line]
        if lines:
            out.append(dict(line.split("=", 1) for line in lines))
    return out


def test_fence_agent_gets_its_arguments_on_stdin(make_executor, agent_tree):
    device = {"ipaddr": "10.0.0.1", "pcmk_host_map": "node2:plug2;node3:plug3",
              "pcmk_host_list": "node2 node3", "pcmk_reboot_action": "off",
              "CRM_meta_timeout": "20000", "crm_feature_set": "3.16.1", "provides": "unfencing"}

    async def scenario():
        ex = make_executor()
        off = await ex.fence("fd", "stonith:fence_recorder", device, "off", "node2")
        reboot = await ex.fence("fd", "fence_recorder", device, "reboot", "node4",
                                target_nodeid=4)
        named = await ex.fence("fd", "fence_recorder", dict(device, pcmk_host_argument="ipport"),
                               "on", "node3")
        none = await ex.fence("fd", "fence_recorder", dict(device, pcmk_host_argument="none"),
                              "on", "node3")
        return off, reboot, named, none

    results = run(scenario())
    assert all(r.ok for r in results)
    calls = _calls(agent_tree)
    assert calls[0] == {"action": "off", "nodename": "node2", "plug": "plug2",
                        "ipaddr": "10.0.0.1"}
    # reboot: renamed by pcmk_reboot_action; unmapped target passed as itself.
    assert calls[1] == {"action": "off", "nodename": "node4", "nodeid": "4", "plug": "node4",
                        "ipaddr": "10.0.0.1"}
    assert calls[2]["ipport"] == "plug3" and "plug" not in calls[2]
    assert "plug" not in calls[3] and calls[3]["nodename"] == "node3"


def test_fence_failure_and_stonith_resource_lifecycle(make_executor, agent_tree):
    rcfile = agent_tree / "fence" / "fence_recorder.rc"
    agent = AgentRef("stonith", "fence_recorder")
    params = {"ipaddr": "10.0.0.1", "CRM_meta_timeout": "20000"}

    async def scenario():
        ex = make_executor()
        out = [await ex.execute(OpRequest.from_params("fd", agent, "monitor", params))]
        rcfile.write_text("1")
        out.append(await ex.execute(OpRequest.from_params("fd", agent, "start", params)))
        out.append(await ex.fence("fd", agent, params, "off", "node2"))
        rcfile.write_text("0")
        out.append(await ex.execute(OpRequest.from_params("fd", agent, "start", params)))
        out.append(await ex.execute(OpRequest.from_params("fd", agent, "monitor", params)))
        out.append(await ex.execute(OpRequest.from_params(
            "fd", agent, "monitor", dict(params, CRM_meta_interval="60000"))))
        out.append(await ex.execute(OpRequest.from_params("fd", agent, "stop", params)))
        out.append(await ex.execute(OpRequest.from_params("fd", agent, "monitor", params)))
        return out

    probe, bad_start, bad_fence, start, probe2, recurring, stop, probe3 = run(scenario())
    assert probe.rc == OcfRc.NOT_RUNNING
    assert bad_start.rc == OcfRc.UNKNOWN_ERROR and bad_fence.rc == OcfRc.UNKNOWN_ERROR
    assert start.ok and probe2.rc == OcfRc.OK and recurring.ok and stop.ok
    assert probe3.rc == OcfRc.NOT_RUNNING
    monitors = [c for c in _calls(agent_tree) if c["action"] == "monitor"]
    assert monitors and all("nodename" not in c and c["ipaddr"] == "10.0.0.1" for c in monitors)


# ----------------------------------------------------------------------------- real agents


@pytest.mark.oracle
def test_real_heartbeat_dummy_runs_unmodified(make_executor, tmp_path):
    agent = AgentRef("ocf", "Dummy", "heartbeat")
    ex = make_executor()
    if ex.paths.resolve(agent) is None:
        pytest.skip("resource-agents' ocf:heartbeat:Dummy is not installed")
    params = {"CRM_meta_timeout": "20000", "fake": "x"}

    async def scenario():
        out = []
        for action in ("monitor", "start", "monitor", "stop", "monitor"):
            out.append(await ex.execute(OpRequest.from_params("hbd", agent, action, params)))
        return out

    results = run(scenario())
    assert [r.rc for r in results] == [7, 0, 0, 0, 7]
    assert all(r.status == ExecStatus.DONE for r in results)
    md = run(ex.metadata(agent))
    assert md.supports_legacy_reload and md.restart_list() == "  state  "


@pytest.mark.oracle
def test_pacemaker_stateful_sets_its_promotion_score_through_the_shims(make_executor, tmp_path):
    agent = AgentRef("ocf", "Stateful", "pacemaker")
    ex = make_executor()
    if ex.paths.resolve(agent) is None:
        pytest.skip("ocf:pacemaker:Stateful is not installed")
    # (Stateful keeps its state under HA_VARRUN, /var/run by default: keep it private.)
    params = {"CRM_meta_timeout": "20000", "CRM_meta_on_node": "node1",
              "state": str(tmp_path / "stateful.state")}

    async def scenario():
        out = []
        for action in ("start", "promote", "monitor", "demote", "stop"):
            out.append(await ex.execute(OpRequest.from_params("st", agent, action, params)))
        return out

    results = run(scenario())
    assert [r.rc for r in results] == [0, 0, 8, 0, 0]
    scores = [[(a.name, a.value, a.lifetime) for a in r.attributes] for r in results]
    assert scores[0] == [("master-st", "5", "reboot")]
    assert scores[1] == [("master-st", "10", "reboot")]
    assert ("master-st", None, "reboot") in scores[4]


def test_concurrent_metadata_requests_share_one_run(make_executor, agent_tree):
    calls = agent_tree / "resource.d" / PROVIDER / "counted.calls"

    async def scenario():
        ex = make_executor()
        return await asyncio.gather(*(ex.metadata(ocf("counted")) for _ in range(8)))

    results = run(scenario())
    assert all(md is results[0] for md in results)
    assert len(calls.read_text().splitlines()) == 1


def test_a_failing_result_callback_does_not_stop_a_recurring_op(make_executor, tmp_path):
    state = tmp_path / "rc"
    state.write_text("0")
    seen = []

    def callback(result):
        seen.append(result)
        raise RuntimeError("controller bug")

    async def scenario():
        ex = make_executor()
        request = OpRequest.from_params("r", ocf("fromfile"), "monitor", {
            "file": str(state), "CRM_meta_interval": "100", "CRM_meta_timeout": "5000"})
        handle = ex.start_recurring(request, callback)
        await until(lambda: runs_of(state) >= 2, "two runs with rc 0")
        state.write_text("1")
        await until(lambda: len(seen) >= 2, "the change to rc 1")
        active = handle.active
        await ex.close()
        return active

    assert run(scenario())
    assert [r.rc for r in seen][:2] == [0, 1]
    assert seen[-1].status == ExecStatus.CANCELLED


def test_cancel_recurring_of_one_resource(make_executor, tmp_path):
    state = tmp_path / "rc"
    state.write_text("0")
    seen = []

    async def scenario():
        ex = make_executor()
        for rsc, interval in (("a", "100"), ("a", "150"), ("b", "100")):
            ex.start_recurring(OpRequest.from_params(rsc, ocf("fromfile"), "monitor", {
                "file": str(state), "CRM_meta_interval": interval,
                "CRM_meta_timeout": "5000"}), seen.append)
        await asyncio.sleep(0.3)
        cancelled = ex.cancel_recurring("a")
        # a cancelled op leaves the list once its task is done (an agent run is reaped first)
        await until(lambda: len(ex.recurring_ops()) == 1, "a's monitors to go")
        left = [op.request.key for op in ex.recurring_ops()]
        await ex.close()
        return cancelled, left

    cancelled, left = run(scenario())
    assert cancelled == 2 and left == ["b_monitor_100"]
    assert seen[-1].status == ExecStatus.CANCELLED
