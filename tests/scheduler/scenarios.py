"""Small hand-written CIBs for stage tests, and a helper that runs crm_simulate on them."""

from __future__ import annotations

import subprocess
import tempfile

from oracles import oracle
from scheduler.corpus import normalise, section


def cib(resources: str, constraints: str = "", status: str = "", nodes: int = 3,
        options: str = "", defaults: str = "") -> str:
    names = [f"node{i}" for i in range(1, nodes + 1)]
    node_xml = "".join(f'<node id="{n}" uname="{n}"/>' for n in names)
    if not status:
        status = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" '
                         'join="member" expected="member"/>' for n in names)
    return ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" dc-uuid="node1" '
            'validate-with="pacemaker-3.7"><configuration><crm_config>'
            '<cluster_property_set id="cib-bootstrap-options">'
            '<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>' + options +
            f"</cluster_property_set></crm_config><nodes>{node_xml}</nodes>"
            f"<resources>{resources}</resources>{defaults}<constraints>{constraints}"
            f"</constraints></configuration><status>{status}</status></cib>")


def dummy(rid: str, monitor: bool = True) -> str:
    ops = f'<operations><op id="{rid}-mon" name="monitor" interval="10s"/></operations>' \
        if monitor else ""
    return f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy">{ops}</primitive>'


def running(node: str, entries: list[tuple[str, str, int]]) -> str:
    """A node_state with history: (resource, operation, rc) per entry, call ids in order."""
    lrm = []
    for call, (rid, task, rc) in enumerate(entries, start=2):
        lrm.append(
            f'<lrm_resource id="{rid}" class="ocf" provider="heartbeat" type="Dummy">'
            f'<lrm_rsc_op id="{rid}_last_{"failure_" if rc else ""}0" operation_key="{rid}_{task}_0" '
            f'operation="{task}" transition-key="1:{call}:0:00000000-0000-0000-0000-000000000000" '
            f'transition-magic="0:{rc};1:{call}:0:00000000-0000-0000-0000-000000000000" '
            f'call-id="{call}" rc-code="{rc}" op-status="0" interval="0" on_node="{node}" '
            'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>')
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member" '
            f'expected="member"><lrm id="{node}"><lrm_resources>{"".join(lrm)}'
            '</lrm_resources></lrm></node_state>')


def crm_simulate(xml: str, *args: str) -> list[str]:
    """Normalised stdout of crm_simulate -x <xml> args."""
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as fh:
        fh.write(xml)
        fh.flush()
        proc = subprocess.run([oracle("crm_simulate"), "-x", fh.name, *args],
                              capture_output=True, text=True, timeout=60)
    return normalise(proc.stdout)


def block(lines: list[str], start: str, end: str) -> list[str] | None:
    return section(lines, start, end)
