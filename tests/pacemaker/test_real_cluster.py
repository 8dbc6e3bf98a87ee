"""The shell on a real 2-node corosync + Pacemaker cluster in network namespaces.

One test, one cluster (whatever the test runner's workers do), in named steps: the backend is
found without being named, the web-service scenario is configured through ``crm``, moved with
``node standby`` and the other steps of :mod:`pacemaker.scenario`, each placement read back with
Pacemaker's own ``crm_mon --output-as=xml``; a commit racing another writer is refused; shadows
go through crm_shadow; operations that need the daemons (cleanup, refresh, restart, transient
attributes, fencing) are carried out or refused by the tools, in their words.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from lxml import etree

from pacemaker import scenario
from pacemaker.conftest import run_crm
from pacemaker.realcluster import PacemakerCluster

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

Shell = Callable[..., subprocess.CompletedProcess]


def make_shell(cluster: PacemakerCluster, home) -> Shell:
    """Our ``crm`` run on a node (inside its namespaces) with a private home and shadows."""
    (home / "shadows").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_"))}
    env.update(HOME=str(home), CIB_shadow_dir=str(home / "shadows"), COLUMNS="80",
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))

    def crm(*args: str, input: str | None = None, node: str = "node1", ok: bool = True):
        done = run_crm(list(args), env=env, input=input, prefix=cluster.enter(node))
        assert "Traceback" not in done.stderr, done.stderr
        if ok:
            assert done.returncode == 0, f"crm {' '.join(args)}: {done.stdout}{done.stderr}"
        return done

    crm.env = env  # type: ignore[attr-defined]
    return crm


def python_on(cluster: PacemakerCluster, node: str, code: str, env: dict[str, str],
              timeout: float = 400) -> str:
    done = subprocess.run(cluster.enter(node) + [sys.executable, "-c", code], check=False,
                          capture_output=True, text=True, env=env, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---------------------------------------------------------------------- the steps
def step_backend_found_without_being_named(cluster: PacemakerCluster, crm: Shell) -> None:
    done = crm("node", "show")
    assert "node1" in done.stdout and "node2" in done.stdout
    done = crm("configure", "show")
    assert "stonith-enabled" not in done.stdout  # the fresh cluster's CIB, read live


def step_web_service(cluster: PacemakerCluster, crm: Shell) -> list[dict]:
    """Configure, then every scenario step; returns the placements crm_mon reported."""
    crm("--backend", "pacemaker", "-w", "configure", input=scenario.CONFIGURE)
    seen = [cluster.wait_placement(scenario.INITIAL)]
    for words, expected in scenario.STEPS:
        crm("--backend", "pacemaker", "-w", *words)
        # -w waited for the transition; a little grace for the status update closing it
        placed = cluster.wait_placement(expected, timeout=20)
        seen.append(placed)
        assert scenario.only(placed) == expected, words
    return seen


def step_standby_reads_back_in_crm_mon(cluster: PacemakerCluster, crm: Shell) -> None:
    crm("--backend", "pacemaker", "node", "standby", "node2")
    nodes = {n.get("name"): n for n in cluster.mon("node1").iterfind("nodes/node")}
    assert nodes["node2"].get("standby") == "true"
    assert nodes["node1"].get("standby") == "false"
    crm("--backend", "pacemaker", "-w", "node", "online", "node2")
    nodes = {n.get("name"): n for n in cluster.mon("node2").iterfind("nodes/node")}
    assert nodes["node2"].get("standby") == "false"


CONFLICT_SCRIPT = """
import subprocess
from hacrm.backends.base import CibConflict
from hacrm.backends.pacemaker import connect
from hacrm.cib.workcopy import WorkingCopy

b = connect()
wc = WorkingCopy(b)
wc.define("primitive extra ocf:heartbeat:Dummy meta target-role=Stopped")
subprocess.run(["crm_resource", "--resource", "webip", "--meta", "--set-parameter", "descr",
                "--parameter-value", "meanwhile"], check=True, capture_output=True)
try:
    b.replace_configuration(wc.cib_xml(), wc.base)
    print("COMMITTED")
except CibConflict as err:
    print("REFUSED", err)
print("extra" in b.read())
"""


def step_commit_refused_when_someone_else_committed(cluster: PacemakerCluster,
                                                    crm: Shell) -> None:
    out = python_on(cluster, "node1", CONFLICT_SCRIPT, crm.env)  # type: ignore[attr-defined]
    assert out.startswith("REFUSED CIB changed in the meantime"), out
    assert out.rstrip().endswith("False")


def step_shadow_made_and_committed_by_crm_shadow(cluster: PacemakerCluster,
                                                 crm: Shell) -> None:
    crm("--backend", "pacemaker", "cib", "new", "trial")
    shadow = os.path.join(crm.env["CIB_shadow_dir"], "shadow.trial")  # type: ignore
    assert os.path.exists(shadow)
    crm("--backend", "pacemaker", "-c", "trial", "configure",
        input="primitive spare ocf:heartbeat:Dummy meta target-role=Stopped\ncommit\n")
    assert "spare" not in crm("--backend", "pacemaker", "configure", "show", ok=False).stdout
    diff = crm("--backend", "pacemaker", "-c", "trial", "cib", "diff").stdout
    assert "primitive[@id='spare']" in diff or "spare" in diff  # crm_shadow --diff's words
    crm("--backend", "pacemaker", "cib", "commit", "trial")
    assert "primitive spare" in crm("--backend", "pacemaker", "configure", "show").stdout
    crm("--backend", "pacemaker", "cib", "delete", "trial")
    assert not os.path.exists(shadow)


OPS_SCRIPT = """
import json
import time
from hacrm.backends.base import BackendError
from hacrm.backends.pacemaker import connect

b = connect()
ops = b.ops()
out = {}
def attempt(key, call):
    try:
        out[key] = ["ok", call()]
    except BackendError as err:
        out[key] = ["error", str(err)]
def settle(call, ok, seconds=30.0):
    # a transient attribute reaches the CIB through attrd after the set returns
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ok(call()):
                return
        except BackendError:
            pass
        time.sleep(0.5)
attempt("locate", lambda: ops.locate("webip"))
attempt("cleanup", lambda: ops.cleanup("webip"))
attempt("refresh", lambda: ops.refresh("webserver", "node1"))
attempt("wait", lambda: b.wait_idle(60))
attempt("restart", lambda: ops.restart("webserver", timeout=60))
attempt("failcount", lambda: ops.failcount("webip", "show", "node1"))
attempt("attr_set", lambda: ops.node_attr("status", "node2", "set", "probe", "42"))
settle(lambda: ops.node_attr("status", "node2", "show", "probe"), lambda o: "value=42" in o)
attempt("attr_show", lambda: ops.node_attr("status", "node2", "show", "probe"))
attempt("attr_delete", lambda: ops.node_attr("status", "node2", "delete", "probe"))
attempt("util_set", lambda: ops.node_attr("utilization", "node1", "set", "cpu", "4"))
attempt("partition", lambda: sorted(ops.partition()))
attempt("node_list", lambda: sorted(n[1] for n in ops.node_list()))
attempt("fence", lambda: ops.fence("node2"))
attempt("clearstate", lambda: ops.clearstate("node2"))
attempt("delete_member", lambda: ops.node_delete("node2"))
attempt("operations", lambda: ops.operations("webip"))
attempt("cluster", lambda: [b.cluster().dc, b.cluster().quorate, b.cluster().local_node])
# the embedded engine's vocabulary, as the operations layer sends it
attempt("e_attr", lambda: b.engine_call("attribute", {"node": "node2", "name": "e1",
                                                      "value": "x", "lifetime": "reboot"}))
settle(lambda: b.engine_call("attribute", {"node": "node2", "name": "e1", "lifetime": "reboot",
                                           "query": True}), lambda o: o.get("value") == "x")
attempt("e_query", lambda: b.engine_call("attribute", {"node": "node2", "name": "e1",
                                                       "lifetime": "reboot", "query": True}))
attempt("e_perm", lambda: b.engine_call("attribute", {"node": "node1", "name": "rack",
                                                      "value": "r1", "lifetime": "forever"}))
attempt("e_cleanup", lambda: b.engine_call("resource_cleanup", {"resource": "webip",
                                                                "refresh": False}))
attempt("e_wait", lambda: b.engine_call("wait_idle", {"timeout": 60})["idle"])
attempt("e_fence", lambda: b.engine_call("node_fence", {"node": "node2", "action": "off"}))
attempt("e_unknown", lambda: b.engine_call("no_such_op", {}))
print(json.dumps(out))
"""


def step_cluster_only_operations(cluster: PacemakerCluster, crm: Shell) -> None:
    out = json.loads(python_on(cluster, "node1", OPS_SCRIPT,
                               crm.env))  # type: ignore[attr-defined]
    for key in ("locate", "cleanup", "refresh", "wait", "restart", "failcount", "attr_set",
                "attr_show", "attr_delete", "util_set", "partition", "node_list",
                "clearstate", "operations", "cluster", "e_attr", "e_query", "e_perm",
                "e_cleanup", "e_wait"):
        assert out[key][0] == "ok", (key, out[key])
    assert out["locate"][1] == ["node1"]
    assert out["wait"][1] is True and out["e_wait"][1] is True
    assert "value=42" in out["attr_show"][1]
    assert out["partition"][1] == ["node1", "node2"] == out["node_list"][1]
    assert out["failcount"][1].endswith("value=0")
    assert out["e_query"][1]["value"] == "x"
    # refused by the tools themselves, in their words, with what we were doing
    assert out["fence"][0] == "error" and out["fence"][1].startswith("fencing node2: ")
    assert out["e_fence"][0] == "error" and out["e_fence"][1].startswith("fencing node2: ")
    assert out["delete_member"][0] == "error" and \
        "still an active member" in out["delete_member"][1]
    assert out["e_unknown"] == ["error", "the pacemaker backend has no 'no_such_op' operation"]
    dc, quorate, local = out["cluster"][1]
    assert dc in ("node1", "node2") and quorate is True and local == "node1"
    cluster.wait_node_attribute("node2", "e1", "x")  # crm_mon sees the transient attribute
    assert cluster.wait_placement(scenario.INITIAL, timeout=60)


def step_status_side_commands_through_the_shell(cluster: PacemakerCluster, crm: Shell) -> None:
    """The resource/node levels' commands that change the cluster's state, not its
    configuration, reach Pacemaker through its tools."""
    status = crm("--backend", "pacemaker", "status").stdout
    assert "  * Backend: pacemaker" in status and "Online: [ node1 node2 ]" in status
    crm("--backend", "pacemaker", "node", "status-attr", "node2", "set", "shelf", "7")
    cluster.wait_node_attribute("node2", "shelf", "7")
    shown = crm("--backend", "pacemaker", "node", "status-attr", "node2", "show", "shelf")
    assert "value=7" in shown.stdout
    crm("--backend", "pacemaker", "node", "status-attr", "node2", "delete", "shelf")
    crm("--backend", "pacemaker", "-w", "resource", "cleanup", "webip")
    crm("--backend", "pacemaker", "-w", "resource", "refresh", "webserver")
    located = crm("--backend", "pacemaker", "resource", "locate", "webservice").stdout
    assert "node1" in located
    refused = crm("--backend", "pacemaker", "-F", "node", "fence", "node2", ok=False)
    assert refused.returncode != 0 and refused.stderr.strip()
    assert scenario.only(cluster.wait_placement(scenario.INITIAL, timeout=60)) == \
        scenario.INITIAL


def step_load_replace_keeps_the_clusters_own_options(cluster: PacemakerCluster, crm: Shell,
                                                     tmp_path) -> None:
    """A configuration saved on another engine (here with the embedded engine's stack and
    version) loads with ``load replace``; the options the DC maintains stay Pacemaker's."""
    crm("--backend", "pacemaker", "configure", "save", str(tmp_path / "here.crm"))
    text = (tmp_path / "here.crm").read_text()
    assert "cluster-infrastructure=corosync" in text and "dc-version=" in text
    foreign = re.sub(r"dc-version=\S+", "dc-version=0.1.0-hacrm", text).replace(
        "cluster-infrastructure=corosync", "cluster-infrastructure=hacrm")
    (tmp_path / "foreign.crm").write_text(foreign)
    before = cluster.mon("node1").find("summary")
    crm("--backend", "pacemaker", "-w", "configure", "load", "replace",
        str(tmp_path / "foreign.crm"))
    after = cluster.mon("node1").find("summary")
    assert after.find("stack").get("type") == "corosync"
    assert after.find("current_dc").get("version") == before.find("current_dc").get("version")
    shown = crm("--backend", "pacemaker", "configure", "show").stdout
    assert "0.1.0-hacrm" not in shown and "cluster-infrastructure=hacrm" not in shown
    assert "cluster-infrastructure=corosync" in shown
    assert scenario.only(cluster.placement("node1")) == scenario.INITIAL


def step_nodes_agree(cluster: PacemakerCluster) -> None:
    """crm_mon on both nodes agrees on the DC and the placement at the end."""
    deadline = time.monotonic() + 60
    while True:
        one, two = cluster.mon("node1"), cluster.mon("node2")
        dc1 = one.find("summary/current_dc").get("name") if one is not None else None
        dc2 = two.find("summary/current_dc").get("name") if two is not None else None
        if dc1 and dc1 == dc2 and cluster.placement("node1") == cluster.placement("node2"):
            return
        assert time.monotonic() < deadline, (etree.tostring(one), etree.tostring(two))
        time.sleep(1)


# ---------------------------------------------------------------------- the test
def test_shell_on_a_real_pacemaker_cluster(pcmk_cluster, tmp_path) -> None:
    crm = make_shell(pcmk_cluster, tmp_path)
    step_backend_found_without_being_named(pcmk_cluster, crm)
    seen = step_web_service(pcmk_cluster, crm)
    (tmp_path / "placements.json").write_text(json.dumps(seen))
    step_standby_reads_back_in_crm_mon(pcmk_cluster, crm)
    step_commit_refused_when_someone_else_committed(pcmk_cluster, crm)
    step_shadow_made_and_committed_by_crm_shadow(pcmk_cluster, crm)
    step_cluster_only_operations(pcmk_cluster, crm)
    step_status_side_commands_through_the_shell(pcmk_cluster, crm)
    step_load_replace_keeps_the_clusters_own_options(pcmk_cluster, crm, tmp_path)
    step_nodes_agree(pcmk_cluster)
