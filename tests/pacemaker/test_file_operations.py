"""Resource and node commands on the pacemaker backend, on a ``CIB_file``, against crmsh.

Two copies of one CIB (the web service, a clone, a promotable clone, two nodes with their
``node_state``): crmsh runs a command on one, we run the same on the other, and the two CIBs
must come out the same (configuration and status, ids included), here through the backend's
operations (:class:`~hacrm.backends.pacemaker_ops.PacemakerOps`, one Pacemaker tool call each;
the whole ``crm --backend pacemaker`` command line is compared in
``test_crmsh_ops_on_pacemaker``).  Commands that need the cluster's daemons refuse on a file
with a message, never a traceback.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from oracles import oracle

from hacrm.backends.base import BackendError
from hacrm.backends.pacemaker import connect
from hacrm.backends.pacemaker_ops import PacemakerOps
from pacemaker.conftest import run_crm

pytestmark = pytest.mark.oracle

BASE = """\
node 1: node1
node 2: node2
primitive webip ocf:heartbeat:Dummy op monitor interval=10s timeout=20s
primitive webserver ocf:heartbeat:Dummy op monitor interval=10s timeout=20s \\
    params fake=1 meta resource-stickiness=50
group webservice webip webserver
primitive dc ocf:heartbeat:Dummy
clone c1 dc
primitive st ocf:pacemaker:Stateful
clone ms1 st meta promotable=true
location prefer-node1 webservice 100: node1
property stonith-enabled=false
"""

#: (crmsh's command words, the same through PacemakerOps)
OPS_CASES: list[tuple[str, Callable[[PacemakerOps], object]]] = [
    ("resource start webip", lambda o: o.set_role("webip", "Started")),
    ("resource stop webserver", lambda o: o.set_role("webserver", "Stopped")),
    ("resource stop c1", lambda o: o.set_role("c1", "Stopped")),
    ("resource param webserver set fake 9",
     lambda o: o.resource_attr("param", "webserver", "set", "fake", "9")),
    ("resource param webserver delete fake",
     lambda o: o.resource_attr("param", "webserver", "delete", "fake")),
    ("resource meta webip set target-role Stopped",
     lambda o: o.resource_attr("meta", "webip", "set", "target-role", "Stopped")),
    ("resource meta webserver delete resource-stickiness",
     lambda o: o.resource_attr("meta", "webserver", "delete", "resource-stickiness")),
    ("resource utilization webip set cpu 2",
     lambda o: o.resource_attr("utilization", "webip", "set", "cpu", "2")),
    ("resource maintenance webip on",
     lambda o: o.resource_attr("meta", "webip", "set", "maintenance", "true")),
    ("resource move webservice node2", lambda o: o.move("webservice", "node2")),
    ("resource move webservice node2 PT1H",
     lambda o: o.move("webservice", "node2", lifetime="PT1H")),
    ("resource ban webip node2", lambda o: o.ban("webip", "node2")),
    ("resource ban c1 node1", lambda o: o.ban("c1", "node1")),
    ("node maintenance node2", lambda o: o.node_maintenance("node2")),
    ("node ready node2", lambda o: o.node_maintenance("node2", on=False)),
    ("node attribute node1 set rack r1", lambda o: o.node_attr("nodes", "node1", "set",
                                                                "rack", "r1")),
    ("node utilization node1 set cpu 4", lambda o: o.node_attr("utilization", "node1", "set",
                                                                "cpu", "4")),
    ("node status-attr node2 set probe 7", lambda o: o.node_attr("status", "node2", "set",
                                                                  "probe", "7")),
]

#: standby as crmsh means it; crmsh itself refuses nodes it cannot ping, so the oracle is
#: Pacemaker's crm_attribute doing the same steps (set the new kind, drop the other one)
STANDBY_CASES: list[tuple[str, list[list[str]], Callable[[PacemakerOps], object]]] = [
    ("forever", [["-N", "node1", "-v", "on"]], lambda o: o.standby("node1")),
    ("reboot", [["-N", "node2", "-v", "on", "-l", "reboot"]],
     lambda o: o.standby("node2", lifetime="reboot")),
    ("reboot then forever", [["-N", "node2", "-v", "on", "-l", "reboot"],
                             ["-N", "node2", "-v", "on"], ["-N", "node2", "-D", "-l", "reboot"]],
     lambda o: (o.standby("node2", lifetime="reboot"), o.standby("node2"))),
    ("forever then online", [["-N", "node1", "-v", "on"], ["-N", "node1", "-v", "off"]],
     lambda o: (o.standby("node1"), o.standby("node1", on=False))),
    ("online when never standby", [], lambda o: o.standby("node1", on=False)),
]

#: read-only commands: what crmsh prints is what the operation returns
SHOW_CASES: list[tuple[str, str, Callable[[PacemakerOps], object]]] = [
    ("resource param webserver show fake", "1",
     lambda o: o.resource_attr("param", "webserver", "show", "fake")),
    ("resource meta webserver show resource-stickiness", "50",
     lambda o: o.resource_attr("meta", "webserver", "show", "resource-stickiness")),
    ("node attribute node1 show rack", None,
     lambda o: o.node_attr("nodes", "node1", "show", "rack")),
]

#: commands that need the daemons: refused on a file, with the reason
CLUSTER_ONLY: list[tuple[str, Callable[[PacemakerOps], object]]] = [
    ("cleanup", lambda o: o.cleanup("webip")),
    ("refresh", lambda o: o.refresh()),
    ("restart", lambda o: o.restart("webip")),
    ("fence", lambda o: o.fence("node2")),
    ("clearstate", lambda o: o.clearstate("node2")),
    ("node delete", lambda o: o.node_delete("node2")),
    ("node list", lambda o: o.node_list()),
]


@pytest.fixture(scope="module")
def base_cib(tmp_path_factory) -> Path:
    """The starting CIB, written by crmsh, with both nodes' node_state added by cibadmin."""
    crm, cibadmin = oracle("crm"), oracle("cibadmin")
    work = tmp_path_factory.mktemp("base")
    cib = work / "cib.xml"
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True,
                                  check=True).stdout)
    env = {"CIB_file": str(cib), "HOME": str(work), "PATH": "/usr/sbin:/usr/bin:/bin",
           "LC_ALL": "C.UTF-8"}
    subprocess.run([crm, "-F", "configure"], input=BASE, text=True, capture_output=True,
                   env=env, check=True, timeout=120)
    for n in (1, 2):
        subprocess.run([cibadmin, "--create", "--scope", "status", "--xml-text",
                        (f'<node_state id="{n}" uname="node{n}" in_ccm="true" '
                         'crmd="online" join="member" expected="member"/>')],
                       env=env, check=True, capture_output=True)
    return cib


def normalised(cib: Path) -> str:
    """Configuration and status with sorted attributes; times of lifetimes blanked (the two
    runs happen seconds apart)."""
    root = etree.fromstring(cib.read_bytes(), etree.XMLParser(remove_blank_text=True))
    for expr in root.iter("date_expression"):
        for key in ("end", "start"):
            if expr.get(key):
                expr.set(key, "TIME")
    for elem in root.iter():
        if isinstance(elem.tag, str):
            attrs = sorted(elem.attrib.items())
            elem.attrib.clear()
            elem.attrib.update(attrs)
    return "".join(etree.tostring(root.find(s), encoding="unicode")
                   for s in ("configuration", "status"))


def _pair(base_cib: Path, tool_env: dict[str, str], tmp_path: Path):
    ours = Path(tool_env["CIB_file"])
    shutil.copy(base_cib, ours)
    theirs = tmp_path / "crmsh.xml"
    shutil.copy(base_cib, theirs)
    return ours, theirs, dict(tool_env, CIB_file=str(theirs))


def _crmsh(words: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([oracle("crm"), "-F", *words.split()], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize(("words", "call"), OPS_CASES, ids=[w for w, _ in OPS_CASES])
def test_operation_changes_the_cib_as_crmsh(words, call, base_cib, tool_env, tmp_path):
    ours, theirs, crmsh_env = _pair(base_cib, tool_env, tmp_path)
    done = _crmsh(words, crmsh_env)
    assert done.returncode == 0, done.stderr
    call(connect(env=tool_env).ops())
    assert normalised(ours) == normalised(theirs)


@pytest.mark.parametrize(("name", "steps", "call"), STANDBY_CASES,
                         ids=[n for n, _, _ in STANDBY_CASES])
def test_standby_as_pacemakers_own_tool(name, steps, call, base_cib, tool_env, tmp_path):
    ours, theirs, oracle_env = _pair(base_cib, tool_env, tmp_path)
    for step in steps:
        subprocess.run([oracle("crm_attribute"), "--name", "standby", *step], env=oracle_env,
                       check=True,
                       capture_output=True, timeout=60)
    call(connect(env=tool_env).ops())
    assert normalised(ours) == normalised(theirs)


@pytest.mark.parametrize(("words", "value", "call"), SHOW_CASES,
                         ids=[w for w, _, _ in SHOW_CASES])
def test_show_prints_what_crmsh_prints(words, value, call, base_cib, tool_env, tmp_path):
    _, _, crmsh_env = _pair(base_cib, tool_env, tmp_path)
    ops = connect(env=tool_env).ops()
    if value is None:  # a node attribute: set it on both first
        _crmsh(words.replace(" show ", " set ") + " r1", crmsh_env)
        ops.node_attr("nodes", "node1", "set", "rack", "r1")
    done = _crmsh(words, crmsh_env)
    assert done.returncode == 0, done.stderr
    assert call(ops) == done.stdout.strip()


@pytest.mark.parametrize(("what", "call"), CLUSTER_ONLY, ids=[w for w, _ in CLUSTER_ONLY])
def test_cluster_only_operations_refuse_on_a_file(what, call, base_cib, tool_env, tmp_path):
    ours, _, _ = _pair(base_cib, tool_env, tmp_path)
    before = ours.read_bytes()
    with pytest.raises(BackendError) as refused:
        call(connect(env=tool_env).ops())
    assert "needs a running cluster" in str(refused.value)
    assert ours.read_bytes() == before


def test_tool_refusal_is_reported_with_context(base_cib, tool_env, tmp_path):
    _pair(base_cib, tool_env, tmp_path)
    ops = connect(env=tool_env).ops()
    with pytest.raises(BackendError) as refused:
        ops.move("nosuch", "node2")
    message = str(refused.value)
    assert message.startswith("moving nosuch: crm_resource: ")
    assert "nosuch" in message.split("crm_resource: ", 1)[1]
    done = run_crm(["--backend", "pacemaker", "resource", "param", "nosuch", "set", "a", "1"],
                   env=tool_env)
    assert done.returncode != 0 and "Traceback" not in done.stderr and "nosuch" in done.stderr
