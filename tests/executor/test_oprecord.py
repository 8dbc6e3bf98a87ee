"""Operation history records (``lrm_rsc_op``) against Debian's crm_simulate.

Two oracles:

1. crm_simulate -S -O writes records for the actions it simulates, from the transition graph
   it saves with -G; we build the same records from the same graph actions and compare every
   attribute (except the clock).
2. A status section we write after really running agents (our executor, real
   ``ocf:heartbeat:Dummy``, ``ocf:pacemaker:Dummy``, our own agents) is read back by
   crm_simulate: it must see every resource started and nothing to do, no digest mismatch; and
   changing a parameter must then give a restart or a reload exactly as the agents' meta-data
   says.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from oracles import oracle, shared_dir

from hacrm.engine.executor import Executor
from hacrm.engine.oprecord import (
    build_op_records,
    decode_transition_key,
    lrm_resource,
    pending_record,
    remove_op,
    TransitionKey,
    transition_key,
)
from hacrm.engine.opresult import (
    AgentRef,
    ExecStatus,
    OcfRc,
    OpRequest,
    OpResult,
    request_from_graph_action,
)

from .conftest import run

CLOCK_ATTRS = ("last-rc-change", "last-run")


# ----------------------------------------------------------------------------- units


def _result(action, interval=0, rc=0, status=ExecStatus.DONE, call_id=3, params=None,
            key=None, reason=""):
    request = OpRequest("rsc", AgentRef("ocf", "Dummy", "heartbeat"), action,
                        params or {}, interval, 20000, 0, key)
    return OpResult(request, call_id, rc, status, reason, t_run=1700000000,
                    t_rcchange=1700000000, exec_time_ms=12, queue_time_ms=1)


def test_record_ids_follow_pacemaker():
    parent = etree.Element("lrm_resource")
    (start,) = build_op_records(parent, _result("start", key=transition_key(5, 2, 0, "u")),
                                "n1")
    assert start.get("id") == "rsc_last_0" and start.get("operation_key") == "rsc_start_0"
    assert start.get("transition-magic") == "0:0;5:2:0:u"
    (mon,) = build_op_records(parent, _result("monitor", 10000, key=transition_key(6, 2, 0, "u")),
                              "n1")
    assert mon.get("id") == "rsc_monitor_10000"
    failed = build_op_records(parent, _result("stop", rc=1, reason="boom",
                                              key=transition_key(7, 2, 0, "u")), "n1")
    assert [e.get("id") for e in failed] == ["rsc_last_failure_0", "rsc_last_0"]
    assert all(e.get("exit-reason") == "boom" for e in failed)
    # The failed stop updated the start record in place: one rsc_last_0 only.
    assert [e.get("id") for e in parent] == ["rsc_last_0", "rsc_monitor_10000",
                                             "rsc_last_failure_0"]
    timeout = build_op_records(None, _result("monitor", 10000, rc=1, status=ExecStatus.TIMEOUT,
                                             key=transition_key(8, 2, 0, "u")), "n1")
    assert [e.get("id") for e in timeout] == ["rsc_last_failure_0"]
    assert timeout[0].get("op-status") == "2"


def test_reload_notify_and_fake_keys():
    (reload_ok,) = build_op_records(None, _result("reload-agent"), None)
    assert reload_ok.get("operation") == "start" and reload_ok.get("id") == "rsc_last_0"
    reload_bad = build_op_records(None, _result("reload", rc=1, status=ExecStatus.ERROR), None)
    assert [(e.get("id"), e.get("operation")) for e in reload_bad] == [
        ("rsc_last_failure_0", "monitor"), ("rsc_last_0", "monitor")]
    (notify,) = build_op_records(None, _result("notify", rc=1, params={
        "CRM_meta_notify_type": "pre", "CRM_meta_notify_operation": "start"}), None)
    assert notify.get("id") == "rsc_pre_notify_start_0" and notify.get("rc-code") == "0"
    (fake,) = build_op_records(None, _result("monitor", rc=7, call_id=9), None, target_rc=7)
    # Outside a transition: the call id as action number, transition -1, the target rc.
    assert fake.get("transition-key") == "9:-1:7:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    assert fake.get("id") == "rsc_last_0"
    assert "on_node" not in fake.attrib
    assert decode_transition_key("9:-1:7:abc") == TransitionKey(9, -1, 7, "abc")


def test_pending_records_and_removal():
    parent = etree.Element("lrm_resource")
    request = OpRequest("rsc", AgentRef("ocf", "Dummy", "heartbeat"), "start", {}, 0, 20000,
                        0, transition_key(3, 1, 0, "u"))
    (pending,) = pending_record(parent, request, 4, "n1", t_run=1700000000)
    assert (pending.get("rc-code"), pending.get("op-status")) == ("193", "-1")
    assert remove_op(parent, "rsc_last_0") and not remove_op(parent, "rsc_last_0")
    resources = etree.Element("lrm_resources")
    el = lrm_resource(resources, "r1", "ocf", "Dummy", "heartbeat")
    assert lrm_resource(resources, "r1", "ocf", "Dummy", "heartbeat") is el
    assert dict(el.attrib) == {"id": "r1", "type": "Dummy", "class": "ocf",
                               "provider": "heartbeat"}


# ----------------------------------------------------------------------------- oracle 1


def _graph_actions(graph) -> dict:
    """{(rsc, record-id-or-key, node): (rsc_op element, params)} from a saved graph."""
    out = {}
    for rop in graph.iter("rsc_op"):
        prim = rop.find("primitive")
        attrs = rop.find("attributes")
        if prim is None or attrs is None:
            continue
        out[(prim.get("id"), rop.get("operation_key"), rop.get("on_node"))] = (rop, prim,
                                                                               dict(attrs.attrib))
    return out


def _simulate(crm_simulate: str, cib: Path, tmp: Path, *extra: str):
    out, graph = tmp / "out.xml", tmp / "graph.xml"
    subprocess.run([crm_simulate, "-x", str(cib), "-S", "-Q", "-O", str(out), "-G", str(graph),
                    *extra], capture_output=True, timeout=120, check=False)
    if not out.exists() or not graph.exists():
        return None, None
    return etree.parse(str(out)), etree.parse(str(graph))


def _compare_simulated(crm_simulate: str, cib: Path, tmp: Path, *extra: str):
    result, graph = _simulate(crm_simulate, cib, tmp, *extra)
    if result is None:
        return 0, []
    actions = _graph_actions(graph)
    before = etree.parse(str(cib))
    compared, bad = 0, []
    for state in result.iter("node_state"):
        node = state.get("uname")
        for rec in state.iter("lrm_rsc_op"):
            if rec.get("crm-debug-origin") != "crm_simulate":
                continue
            rsc = rec.getparent()
            old = before.find(f"status/node_state[@uname='{node}']//lrm_resource"
                              f"[@id='{rsc.get('id')}']")
            unchanged = old is not None and any(
                dict(e.attrib) == dict(rec.attrib) for e in old.iter("lrm_rsc_op"))
            if unchanged:
                continue   # written by an earlier run of crm_simulate, not by this one
            key = rec.get("operation_key")
            if rec.get("operation") == "notify":
                key = rec.get("id")
            found = actions.get((rsc.get("id"), key, node))
            if found is None:
                continue
            rop, prim, params = found
            if any(not re.fullmatch(r"[A-Za-z_][\w.-]*", k) for k in params):
                continue
            target = int(params.get("CRM_meta_op_target_rc", "0"))
            request = OpRequest(rsc.get("id"), AgentRef(prim.get("class"), prim.get("type"),
                                                        prim.get("provider")),
                                rec.get("operation") if rec.get("operation") != "notify"
                                else "notify",
                                params, int(rec.get("interval")), 20000)
            res = OpResult(request, int(rec.get("call-id")), int(rec.get("rc-code")),
                           ExecStatus(int(rec.get("op-status"))), rec.get("exit-reason") or "",
                           t_run=int(rec.get("last-rc-change", "0")),
                           t_rcchange=int(rec.get("last-rc-change", "0")))
            # Pacemaker updates an existing entry in place: start from the input's copy.
            parent = etree.fromstring(etree.tostring(old)) if old is not None else None
            (ours,) = [e for e in build_op_records(parent, res, None, origin="crm_simulate",
                                                   target_rc=target)
                       if e.get("id") == rec.get("id")]
            theirs = {k: v for k, v in rec.attrib.items() if k not in CLOCK_ATTRS}
            mine = {k: v for k, v in ours.attrib.items() if k not in CLOCK_ATTRS}
            compared += 1
            if mine != theirs or list(mine) != list(theirs):
                bad.append((cib.name, extra, theirs, mine))
    return compared, bad


@pytest.mark.oracle
def test_records_match_crm_simulate_on_corpus_samples(tmp_path):
    crm_simulate = oracle("crm_simulate")
    corpus = shared_dir("pacemaker-scheduler-2.1.5")
    files = sorted((corpus / "xml").glob("*.xml"))[::10]
    compared, bad = 0, []
    for i, path in enumerate(files):
        work = tmp_path / str(i)
        work.mkdir()
        n, b = _compare_simulated(crm_simulate, path, work)
        compared += n
        bad += b
    assert not bad, bad[:3]
    assert compared > 300, compared


@pytest.mark.oracle
def test_failure_records_match_crm_simulate(tmp_path):
    """With -F the simulated action fails: last_failure_0 and last_0 are both written."""
    crm_simulate = oracle("crm_simulate")
    corpus = shared_dir("pacemaker-scheduler-2.1.5")
    cases = [("simple2", "rsc1_start_0@node1=1"), ("simple2", "rsc1_monitor_0@node1=5"),
             ("simple7", "rsc1_stop_0@node1=1"), ("simple8", "rsc1_monitor_0@node1=0")]
    compared, bad = 0, []
    for i, (name, spec) in enumerate(cases):
        work = tmp_path / str(i)
        work.mkdir()
        n, b = _compare_simulated(crm_simulate, corpus / "xml" / f"{name}.xml", work, "-F", spec)
        compared += n
        bad += b
    assert not bad, bad[:3]
    assert compared >= len(cases)


# ----------------------------------------------------------------------------- oracle 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CIB = """\
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="5" num_updates="0"
     admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
      <nvpair id="o2" name="no-quorum-policy" value="ignore"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <primitive id="hb" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="hb-ia">
          <nvpair id="hb-fake" name="fake" value="a &lt;b&gt; &amp; c"/>
          <nvpair id="hb-state" name="state" value="{tmp}/hb.state"/>
        </instance_attributes>
        <operations><op id="hb-mon" name="monitor" interval="10s" timeout="25s"/></operations>
      </primitive>
      <primitive id="pm" class="ocf" provider="pacemaker" type="Dummy">
        <instance_attributes id="pm-ia">
          <nvpair id="pm-state" name="state" value="{tmp}/pm.state"/>
          <nvpair id="pm-passwd" name="passwd" value="secret"/>
          <nvpair id="pm-fake" name="fake" value="1"/>
        </instance_attributes>
        <operations><op id="pm-mon" name="monitor" interval="7s"/></operations>
      </primitive>
      <primitive id="ours" class="ocf" provider="hacrm" type="Dummy">
        <instance_attributes id="ours-ia">
          <nvpair id="ours-fake" name="fake" value="x"/>
        </instance_attributes>
        <operations><op id="ours-mon" name="monitor" interval="9s" timeout="15s"/></operations>
      </primitive>
      <primitive id="web" class="ocf" provider="hacrm" type="webserver">
        <instance_attributes id="web-ia">
          <nvpair id="web-port" name="port" value="{port}"/>
          <nvpair id="web-ip" name="ip" value="127.0.0.1"/>
        </instance_attributes>
        <operations><op id="web-mon" name="monitor" interval="10s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member"
                expected="member" crm-debug-origin="hacrm"/>
  </status>
</cib>
"""


def _summary(text: str) -> list[str]:
    lines = text.split("Transition Summary:", 1)[-1].splitlines()
    out = []
    for line in lines:
        if line.startswith(("Executing", "Revised", "Using the original")):
            break
        if line.strip().startswith("*"):
            out.append(" ".join(line.split()))
    return out


def _our_simulation(path: Path) -> str:
    """hacrm's scheduler, through its crm_simulate-compatible command line."""
    return subprocess.run([sys.executable, "-m", "hacrm.scheduler", "-x", str(path), "-R"],
                          capture_output=True, text=True, timeout=120).stdout


class _Controller:
    """Just enough of a controller to run one transition on one node and record it."""

    def __init__(self, executor: Executor, status_node) -> None:
        self.executor = executor
        self.lrm = etree.SubElement(etree.SubElement(status_node, "lrm", id="1"),
                                    "lrm_resources")
        self.started: list[OpRequest] = []

    async def run_graph(self, graph) -> list[OpResult]:
        requests = [request_from_graph_action(rop, 1, "2d7a0ca5-0c43-4b27-9f1b-38ad4e1e7c43")
                    for rop in graph.iterfind("synapse/action_set/rsc_op")]
        results = []
        # Probes, then starts, then recurring monitors: the graph's order for one fresh node.
        phase = {"monitor": 0, "start": 1}
        for request in sorted(requests, key=lambda r: (2 if r.interval_ms else
                                                       phase.get(r.action, 2),
                                                       int(r.transition_key.split(":")[0]))):
            result = await self.executor.execute(request)
            results.append(result)
            metadata = await self.executor.metadata(request.agent)
            parent = lrm_resource(self.lrm, request.rsc_id, request.agent.cls,
                                  request.agent.type, request.agent.provider)
            build_op_records(parent, result, "node1", metadata=metadata)
            if request.action == "start":
                self.started.append(request)
        assert any(r.transition_key.split(":")[2] == "7" for r in requests), "probes expect 7"
        return results

    async def stop_all(self) -> None:
        for request in self.started:
            await self.executor.execute(OpRequest(request.rsc_id, request.agent, "stop",
                                                  request.params, 0, 20000))


@pytest.mark.oracle
def test_status_we_write_is_stable_for_crm_simulate(tmp_path):
    crm_simulate = oracle("crm_simulate")
    for agent in ("heartbeat/Dummy", "pacemaker/Dummy"):
        if not Path("/usr/lib/ocf/resource.d", agent).exists():
            pytest.skip(f"ocf:{agent.replace('/', ':')} is not installed")
    cib_path = tmp_path / "cib.xml"
    cib_path.write_text(CIB.format(tmp=tmp_path, port=_free_port()))
    graph_path = tmp_path / "graph.xml"
    subprocess.run([crm_simulate, "-x", str(cib_path), "-R", "-Q", "-G", str(graph_path)],
                   capture_output=True, timeout=60, check=True)
    cib = etree.parse(str(cib_path))
    executor = Executor("node1", rsc_tmp_dir=tmp_path / "rsctmp")
    controller = _Controller(executor, cib.find("status/node_state"))

    async def transition():
        try:
            return await controller.run_graph(etree.parse(str(graph_path)))
        except BaseException:
            await controller.stop_all()
            raise

    results = run(transition())
    try:
        assert all(r.status == ExecStatus.DONE for r in results), results
        probes = [r for r in results if r.request.is_probe]
        assert probes and all(r.rc == OcfRc.NOT_RUNNING for r in probes)
        recorded = tmp_path / "recorded.xml"
        cib.write(str(recorded))
        pm = cib.find(".//lrm_resource[@id='pm']/lrm_rsc_op[@id='pm_last_0']")
        assert pm.get("op-force-restart") == "  state  "
        assert pm.get("op-secure-params") == "  passwd  "

        check = subprocess.run([crm_simulate, "-x", str(recorded), "-R", "-VVVV"],
                               capture_output=True, text=True, timeout=60)
        assert "hash was" not in check.stdout + check.stderr
        assert _summary(check.stdout) == [], check.stdout
        for rsc in ("hb", "pm", "ours", "web"):
            assert re.search(rf"\* {rsc}\s+\(ocf:\S+\):\s+Started node1", check.stdout), rsc

        ours = _our_simulation(recorded)
        assert ours == subprocess.run([crm_simulate, "-x", str(recorded), "-R"],
                                      capture_output=True, text=True, timeout=60).stdout

        def summary_after(rsc: str, name: str, value: str) -> list[str]:
            changed = etree.parse(str(recorded))
            nv = changed.find(f".//primitive[@id='{rsc}']//nvpair[@name='{name}']")
            nv.set("value", value)
            path = tmp_path / f"changed-{rsc}-{name}.xml"
            changed.write(str(path))
            out = subprocess.run([crm_simulate, "-x", str(path), "-R"], capture_output=True,
                                 text=True, timeout=60).stdout
            # hacrm's own scheduler reads the records we wrote the same way.
            assert _our_simulation(path) == out
            return _summary(out)

        # Non-reloadable parameters restart, reloadable ones reload (restart digests in use).
        assert summary_after("pm", "state", str(tmp_path / "other.state")) == [
            "* Restart pm ( node1 )"]
        assert summary_after("pm", "fake", "2") == ["* Reload pm ( node1 )"]
        # crm_simulate works "sanitized": when only private parameters changed (the secure
        # digest still matches), it schedules nothing.
        assert summary_after("pm", "passwd", "another secret") == []
        assert summary_after("hb", "state", str(tmp_path / "other.state")) == [
            "* Restart hb ( node1 )"]
        assert summary_after("hb", "fake", "changed") == ["* Reload hb ( node1 )"]
        assert summary_after("ours", "fake", "y") == ["* Reload ours ( node1 )"]
    finally:
        run(controller.stop_all())
