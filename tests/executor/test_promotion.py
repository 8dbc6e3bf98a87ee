"""A promotable clone of ocf:hacrm:Dummy and a clone of ocf:heartbeat:Dummy on two nodes,
driven to rest by a minimal graph runner: Debian's crm_simulate schedules, our executors run
the real agents, our records and the promotion scores the agents publish go into the status
section, and crm_simulate schedules again until it has nothing left to do.

It checks the executor/record/attribute contract a controller relies on: call ids, transition
keys, recurring-monitor entries, cancellations, and promotion scores as transient attributes.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from lxml import etree
from oracles import oracle

from hacrm.engine.executor import Executor
from hacrm.engine.oprecord import build_op_records, lrm_resource, remove_op
from hacrm.engine.opresult import OpResult, request_from_graph_action

from .conftest import run

CIB = """\
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="3" num_updates="0"
     admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <clone id="db-clone">
        <meta_attributes id="db-clone-meta">
          <nvpair id="db-p" name="promotable" value="true"/>
          <nvpair id="db-pm" name="promoted-max" value="1"/>
        </meta_attributes>
        <primitive id="db" class="ocf" provider="hacrm" type="Dummy">
          <instance_attributes id="db-ia">
            <nvpair id="db-ps" name="promoted_score" value="10"/>
          </instance_attributes>
          <operations>
            <op id="db-m1" name="monitor" interval="10s" role="Promoted"/>
            <op id="db-m2" name="monitor" interval="11s" role="Unpromoted"/>
          </operations>
        </primitive>
      </clone>
      <clone id="c-clone">
        <primitive id="c" class="ocf" provider="heartbeat" type="Dummy">
          <operations><op id="c-m" name="monitor" interval="15s"/></operations>
        </primitive>
      </clone>
    </resources>
    <constraints>
      <rsc_location id="db-prefers-node2" rsc="db-clone" role="Promoted" node="node2"
                    score="50"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member"
                expected="member"/>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member"
                expected="member"/>
  </status>
</cib>
"""

UUID = "5b0c8e0e-6f3c-4c1e-9a59-7c1d6f0e2a11"


def _ordered_actions(graph):
    """Resource actions of a graph in an order that respects its inputs (pseudo actions and
    other events count as done once their own inputs are)."""
    synapses = []
    for syn in graph.iterfind("synapse"):
        (action,) = list(syn.find("action_set"))
        inputs = {int(t[0].get("id")) for t in syn.iterfind("inputs/trigger")}
        synapses.append((int(action.get("id")), action, inputs))
    done: set[int] = set()
    ordered = []
    while synapses:
        ready = [s for s in synapses if s[2] <= done]
        assert ready, "graph has a cycle or an unknown input"
        for s in sorted(ready, key=lambda s: s[0]):
            synapses.remove(s)
            done.add(s[0])
            if s[1].tag == "rsc_op":
                ordered.append(s[1])
    return ordered


def _transient(state):
    attrs = state.find("transient_attributes/instance_attributes")
    if attrs is None:
        ta = etree.SubElement(state, "transient_attributes", id=state.get("id"))
        attrs = etree.SubElement(ta, "instance_attributes", id=f"status-{state.get('id')}")
    return attrs


def _apply_attributes(cib, node: str, result: OpResult) -> None:
    for update in result.attributes:
        target = update.node or node
        state = cib.find(f"status/node_state[@uname='{target}']")
        attrs = _transient(state)
        for nv in attrs.findall(f"nvpair[@name='{update.name}']"):
            attrs.remove(nv)
        if update.value is not None:
            etree.SubElement(attrs, "nvpair", id=f"status-{state.get('id')}-{update.name}",
                             name=update.name, value=update.value)


def _lrm_resources(state):
    lrm = state.find("lrm")
    if lrm is None:
        lrm = etree.SubElement(state, "lrm", id=state.get("id"))
        etree.SubElement(lrm, "lrm_resources")
    return lrm.find("lrm_resources")


@pytest.mark.oracle
@pytest.mark.slow
def test_promotable_clone_comes_to_rest(tmp_path):
    crm_simulate = oracle("crm_simulate")
    cib_path = tmp_path / "cib.xml"
    cib_path.write_text(CIB)
    executors = {n: Executor(n, rsc_tmp_dir=tmp_path / n) for n in ("node1", "node2")}
    started: list = []

    async def transition(number: int, graph) -> int:
        cib = etree.parse(str(cib_path))
        count = 0
        for rop in _ordered_actions(graph):
            node = rop.get("on_node")
            request = request_from_graph_action(rop, number, UUID)
            state = cib.find(f"status/node_state[@uname='{node}']")
            parent = lrm_resource(_lrm_resources(state), request.rsc_id, request.agent.cls,
                                  request.agent.type, request.agent.provider)
            if request.action == "cancel":
                # The controller cancels the recurring op and erases its history entry.
                operation = request.params["CRM_meta_operation"]
                executors[node].cancel(request.rsc_id, operation, request.interval_ms)
                remove_op(parent, f"{request.rsc_id}_{operation}_{request.interval_ms}")
                continue
            result = await executors[node].execute(request)
            assert result.status.name == "DONE", result
            expected = int(request.transition_key.split(":")[2])
            assert result.rc == expected, (result, expected)
            metadata = await executors[node].metadata(request.agent)
            build_op_records(parent, result, node, metadata=metadata)
            _apply_attributes(cib, node, result)
            if request.action == "start":
                started.append((node, request))
            count += 1
        cib.write(str(cib_path))
        return count

    async def stop_everything():
        for node, request in reversed(started):
            for action in ("demote", "stop"):
                await executors[node].execute(type(request)(
                    request.rsc_id, request.agent, action, request.params, 0, 20000))

    try:
        for number in range(6):
            graph_path = tmp_path / f"graph-{number}.xml"
            subprocess.run([crm_simulate, "-x", str(cib_path), "-R", "-Q", "-G",
                            str(graph_path)], capture_output=True, timeout=60, check=True)
            if run(transition(number, etree.parse(str(graph_path)))) == 0:
                break
        else:
            pytest.fail("the cluster did not come to rest in 6 transitions")
        final = subprocess.run([crm_simulate, "-x", str(cib_path), "-R"], capture_output=True,
                               text=True, timeout=60).stdout
        assert "Transition Summary:" in final
        assert not re.search(r"^\s+\*", final.split("Transition Summary:", 1)[1], re.M), final
        assert re.search(r"Promoted: \[ node2 \]", final), final
        assert re.search(r"Unpromoted: \[ node1 \]", final), final
        assert re.search(r"Started: \[ node1 node2 \]", final), final
        scores = etree.parse(str(cib_path)).xpath(
            "//transient_attributes//nvpair[@name='master-db']/@value")
        assert sorted(scores) == ["10", "5"]
    finally:
        run(stop_everything())
