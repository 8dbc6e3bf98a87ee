"""The shell on a real 2-node corosync + Pacemaker cluster (network namespaces, one module-wide
cluster): the backend is found without being named, the web-service scenario is configured
through ``crm``, moved with ``node standby``, and every placement is read back with Pacemaker's
own ``crm_mon --output-as=xml``.  Commits race other writers safely, shadows go through
crm_shadow, and cluster-only commands (cleanup, fencing) answer with the tools' own words.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from lxml import etree

from pacemaker import scenario
from pacemaker.conftest import run_crm


@pytest.fixture(scope="module")
def shell(pcmk_cluster, tmp_path_factory):
    """Run our ``crm`` on node1 (inside its namespaces) with a private home and shadows."""
    home = tmp_path_factory.mktemp("home")
    (home / "shadows").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_"))}
    env.update(HOME=str(home), CIB_shadow_dir=str(home / "shadows"), COLUMNS="80",
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))

    def crm(*args: str, input: str | None = None, node: str = "node1", ok: bool = True):
        done = run_crm(list(args), env=env, input=input, prefix=pcmk_cluster.enter(node))
        assert "Traceback" not in done.stderr, done.stderr
        if ok:
            assert done.returncode == 0, f"crm {' '.join(args)}: {done.stdout}{done.stderr}"
        return done

    crm.env = env  # type: ignore[attr-defined]
    return crm


@pytest.fixture(scope="module")
def web_service(pcmk_cluster, shell):
    shell("--backend", "pacemaker", "-w", "configure", input=scenario.CONFIGURE)
    return pcmk_cluster.wait_placement(scenario.INITIAL)


def test_backend_found_without_being_named(pcmk_cluster, shell) -> None:
    done = shell("configure", "show", "xml")
    assert "<cib" in done.stdout or "<configuration" in done.stdout or "node1" in done.stdout
    done = shell("node", "show")
    assert "node1" in done.stdout and "node2" in done.stdout


def test_web_service_moves_with_standby(pcmk_cluster, shell, web_service) -> None:
    assert web_service == scenario.INITIAL
    for words, expected in scenario.STEPS:
        shell("--backend", "pacemaker", "-w", *words)
        # -w waited for the transition: crm_mon shows the result at once (a little grace for
        # the status update that closes the transition)
        placed = pcmk_cluster.wait_placement(expected, timeout=20)
        assert {k: v for k, v in placed.items() if k in ("webip", "webserver")} == expected, \
            words


def test_standby_reads_back_in_crm_mon(pcmk_cluster, shell, web_service) -> None:
    shell("--backend", "pacemaker", "node", "standby", "node2")
    try:
        nodes = {n.get("name"): n for n in pcmk_cluster.mon("node1").iterfind("nodes/node")}
        assert nodes["node2"].get("standby") == "true"
        assert nodes["node1"].get("standby") == "false"
    finally:
        shell("--backend", "pacemaker", "-w", "node", "online", "node2")
    mon = pcmk_cluster.mon("node2")
    node2 = next(n for n in mon.iterfind("nodes/node") if n.get("name") == "node2")
    assert node2.get("standby") == "false"


def test_commit_refused_when_someone_else_committed(pcmk_cluster, shell, web_service) -> None:
    """A configure session read before another writer's change is refused at commit."""
    env = shell.env  # type: ignore[attr-defined]
    code = (
        "from hacrm.backends.pacemaker import connect\n"
        "from hacrm.backends.base import CibConflict\n"
        "from hacrm.cib.workcopy import WorkingCopy\n"
        "import subprocess\n"
        "b = connect()\n"
        "wc = WorkingCopy(b)\n"
        "wc.define('primitive extra ocf:heartbeat:Dummy meta target-role=Stopped')\n"
        "subprocess.run(['crm_resource', '--resource', 'webip', '--meta', '--set-parameter',"
        " 'descr', '--parameter-value', 'meanwhile'], check=True, capture_output=True)\n"
        "try:\n"
        "    b.replace_configuration(wc.cib_xml(), wc.base)\n"
        "    print('COMMITTED')\n"
        "except CibConflict as err:\n"
        "    print('REFUSED', err)\n"
        "print('extra' in b.read())\n")
    done = subprocess.run(pcmk_cluster.enter("node1") + [sys.executable, "-c", code],
                          check=False, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("REFUSED CIB changed in the meantime"), done.stdout
    assert done.stdout.rstrip().endswith("False")


def test_shadow_made_and_committed_by_crm_shadow(pcmk_cluster, shell, web_service) -> None:
    shell("--backend", "pacemaker", "cib", "new", "trial")
    home_shadow = os.path.join(shell.env["CIB_shadow_dir"], "shadow.trial")  # type: ignore
    assert os.path.exists(home_shadow)
    shell("--backend", "pacemaker", "-c", "trial", "configure",
          input="primitive spare ocf:heartbeat:Dummy meta target-role=Stopped\ncommit\n")
    live = shell("--backend", "pacemaker", "configure", "show", "spare", ok=False)
    assert "spare" not in live.stdout  # only the shadow has it
    shell("--backend", "pacemaker", "cib", "commit", "trial")
    live = shell("--backend", "pacemaker", "configure", "show", "spare")
    assert "primitive spare" in live.stdout
    shell("--backend", "pacemaker", "cib", "delete", "trial")
    assert not os.path.exists(home_shadow)


OPS_SCRIPT = """
import json
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
attempt("locate", lambda: ops.locate("webip"))
attempt("cleanup", lambda: ops.cleanup("webip"))
attempt("refresh", lambda: ops.refresh("webserver", "node1"))
attempt("wait", lambda: b.wait_idle(60))
attempt("restart", lambda: ops.restart("webserver", timeout=60))
attempt("failcount", lambda: ops.failcount("webip", "show", "node1"))
attempt("attr_set", lambda: ops.node_attr("status", "node2", "set", "probe", "42"))
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
print(json.dumps(out))
"""


def test_cluster_only_operations(pcmk_cluster, shell, web_service) -> None:
    """Operations that need the daemons (cleanup, refresh, restart, transient attributes,
    fencing), through the backend's tool calls on the live cluster."""
    import json

    done = subprocess.run(pcmk_cluster.enter("node1") + [sys.executable, "-c", OPS_SCRIPT],
                          check=False, capture_output=True, text=True,
                          env=shell.env, timeout=400)  # type: ignore[attr-defined]
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for key in ("locate", "cleanup", "refresh", "wait", "restart", "failcount", "attr_set",
                "attr_show", "attr_delete", "util_set", "partition", "node_list",
                "clearstate", "operations", "cluster"):
        assert out[key][0] == "ok", (key, out[key])
    assert out["locate"][1] == ["node1"]
    assert out["wait"][1] is True
    assert "value=42" in out["attr_show"][1]
    assert out["partition"][1] == ["node1", "node2"] == out["node_list"][1]
    assert out["failcount"][1].endswith("value=0")
    # refused by the tools themselves, in their words, with what we were doing
    assert out["fence"][0] == "error" and out["fence"][1].startswith("fencing node2: ")
    assert out["delete_member"][0] == "error" and "still an active member" in \
        out["delete_member"][1]
    dc, quorate, local = out["cluster"][1]
    assert dc in ("node1", "node2") and quorate is True and local == "node1"
    assert pcmk_cluster.wait_placement(scenario.INITIAL, timeout=60)


def test_cluster_survives_and_reports(pcmk_cluster, web_service) -> None:
    """crm_mon on both nodes agrees on the DC and the placement at the end."""
    deadline = time.monotonic() + 60
    while True:
        one, two = pcmk_cluster.mon("node1"), pcmk_cluster.mon("node2")
        dc1 = one.find("summary/current_dc").get("name") if one is not None else None
        dc2 = two.find("summary/current_dc").get("name") if two is not None else None
        if dc1 and dc1 == dc2 and pcmk_cluster.placement("node1") == \
                pcmk_cluster.placement("node2"):
            break
        assert time.monotonic() < deadline, (etree.tostring(one), etree.tostring(two))
        time.sleep(1)
