"""ocf:hacrm:Dummy and ocf:hacrm:webserver, run through the executor and checked by Debian's
ocf-tester; the attribute shims; the files themselves (executable, portable shebang)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from checkout import require_reachable_by_others
from oracles import oracles_required

from hacrm import agents as shipped
from hacrm.engine.executor import Executor
from hacrm.engine.opresult import AgentRef, ExecStatus, OcfRc, OpRequest

from .conftest import alive, free_port, run

DUMMY = AgentRef("ocf", "Dummy", "hacrm")
WEB = AgentRef("ocf", "webserver", "hacrm")
OCF_TESTER = "/usr/sbin/ocf-tester"


def op(rsc, agent, action, **params):
    p = {"CRM_meta_timeout": "20000", "CRM_meta_on_node": "node1"}
    p.update({k: str(v) for k, v in params.items()})
    return OpRequest.from_params(rsc, agent, action, p)


def actions(executor: Executor, rsc: str, agent: AgentRef, names, **params):
    async def go():
        return [await executor.execute(op(rsc, agent, name, **params)) for name in names]
    return run(go())


# ----------------------------------------------------------------------------- files


def agent_files() -> list[Path]:
    return [p for d in (shipped.resource_dir() / "hacrm", shipped.fence_dir(), shipped.shim_dir())
            for p in sorted(d.iterdir()) if not p.name.startswith((".", "_"))]


def test_agents_are_portable_executable_scripts():
    files = agent_files()
    assert {p.name for p in files} >= {"Dummy", "webserver", "fence_hacrm", "crm_attribute",
                                      "crm_master", "attrd_updater", "crm_node"}
    for path in files:
        assert os.access(path, os.X_OK), path
        assert path.read_text().splitlines()[0] == "#!/usr/bin/env python3", path
    system_python = Path("/usr/bin/python3")
    if system_python.exists():
        for path in files:
            subprocess.run([str(system_python), "-c",
                            "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                            str(path)], check=True, timeout=30)


def test_git_records_the_executable_bit():
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run(["git", "ls-files", "-s", "src/hacrm/agents"], cwd=repo,
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0 or not out.stdout:
        pytest.skip("not a git checkout")
    modes = {line.split()[3]: line.split()[0] for line in out.stdout.splitlines()}
    for path in agent_files():
        rel = str(path.relative_to(repo))
        assert modes.get(rel) in ("100755", "120000"), (rel, modes.get(rel))


# ----------------------------------------------------------------------------- Dummy


def test_dummy_lifecycle_and_state_isolation(executor, tmp_path):
    results = actions(executor, "d1", DUMMY, ["monitor", "start", "monitor", "start",
                                              "reload-agent", "stop", "stop", "monitor"])
    assert [r.rc for r in results] == [7, 0, 0, 0, 0, 0, 0, 7]
    # Another node (another HA_RSCTMP) does not see node1's state.
    other = Executor("node2", rsc_tmp_dir=tmp_path / "node2")
    assert actions(executor, "d1", DUMMY, ["start"])[0].ok
    assert actions(other, "d1", DUMMY, ["monitor"])[0].rc == OcfRc.NOT_RUNNING
    assert not any(r.attributes for r in results), "not promotable: no score"


def test_dummy_promotable_mode_publishes_scores(executor):
    results = actions(executor, "p:0", DUMMY, ["start", "monitor", "promote", "monitor",
                                               "demote", "monitor", "stop"],
                      CRM_meta_promoted_max=1, CRM_meta_clone_max=2, promoted_score=20)
    assert [r.rc for r in results] == [0, 0, 0, 8, 0, 0, 0]
    scores = [[(a.name, a.value, a.lifetime, a.node) for a in r.attributes] for r in results]
    assert scores == [[("master-p:0", "5", "reboot", "node1")],
                      [("master-p:0", "5", "reboot", "node1")],
                      [("master-p:0", "20", "reboot", "node1")],
                      [("master-p:0", "20", "reboot", "node1")],
                      [("master-p:0", "5", "reboot", "node1")],
                      [("master-p:0", "5", "reboot", "node1")],
                      [("master-p:0", None, "reboot", "node1")]]
    plain = actions(executor, "q", DUMMY, ["start", "promote", "stop"])
    assert plain[1].rc == OcfRc.UNIMPLEMENT_FEATURE


def test_dummy_failures_on_request(executor, rsctmp):
    state = rsctmp / "hacrm-Dummy-f.state"
    assert actions(executor, "f", DUMMY, ["start"])[0].ok
    Path(f"{state}.fail-monitor").touch()
    failed = actions(executor, "f", DUMMY, ["monitor"])[0]
    assert failed.rc == OcfRc.UNKNOWN_ERROR and "failure requested" in failed.exit_reason
    Path(f"{state}.fail-monitor").unlink()
    state.unlink()   # the service "died"
    assert actions(executor, "f", DUMMY, ["monitor"])[0].rc == OcfRc.NOT_RUNNING
    bad = actions(executor, "g", DUMMY, ["start", "stop"], op_sleep="soon")
    assert bad[0].rc == OcfRc.NOT_CONFIGURED and "op_sleep" in bad[0].exit_reason
    assert bad[1].rc == OcfRc.OK, "stop of a misconfigured stopped resource succeeds"


def test_dummy_op_sleep_runs_into_the_timeout(executor):
    request = op("s", DUMMY, "start", op_sleep=30, CRM_meta_timeout=500)
    result = run(executor.execute(request))
    assert result.status == ExecStatus.TIMEOUT


def test_dummy_metadata_for_records(executor):
    md = run(executor.metadata(DUMMY))
    assert md.supports_legacy_reload and not md.supports_reload_agent
    assert md.restart_list() == "  state  "
    assert md.secure_list() == "  passwd  "
    assert md.action("monitor", 11000).role == "Promoted"


# ----------------------------------------------------------------------------- webserver


def get(url: str):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_webserver_serves_and_monitor_does_a_real_get(executor, rsctmp):
    port = free_port()
    params = {"port": port, "ip": "127.0.0.1"}
    probe, start, monitor = actions(executor, "web", WEB, ["monitor", "start", "monitor"],
                                    **params)
    try:
        assert (probe.rc, start.rc, monitor.rc) == (7, 0, 0), (start, monitor)
        status, headers, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "node1" in body
        assert headers["X-Hacrm-Node"] == "node1" and headers["X-Hacrm-Resource"] == "web"
        # The server dies: monitor notices; start brings it back.
        pid = int((rsctmp / "hacrm-webserver-web.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert actions(executor, "web", WEB, ["monitor"], **params)[0].rc == 7
        assert actions(executor, "web", WEB, ["start", "monitor"], **params)[1].rc == 0
    finally:
        stop = actions(executor, "web", WEB, ["stop", "monitor"], **params)
    assert [r.rc for r in stop] == [0, 7]
    with pytest.raises(urllib.error.URLError):
        get(f"http://127.0.0.1:{port}/")


def test_webserver_port_taken_and_foreign_server(executor, tmp_path):
    port = free_port()
    first = {"port": port, "ip": "127.0.0.1"}
    try:
        assert actions(executor, "web1", WEB, ["start"], **first)[0].ok
        # Another resource on the same address: it is not running, and cannot start.
        probe, start = actions(executor, "web2", WEB, ["monitor", "start"], **first)
        assert probe.rc == OcfRc.NOT_RUNNING
        assert start.rc == OcfRc.UNKNOWN_ERROR and "in use" in start.exit_reason.lower()
        # A pid file pointing at web1's server does not make web2 believe it runs.
        assert actions(executor, "web2", WEB, ["monitor"], **first)[0].rc == 7
    finally:
        actions(executor, "web1", WEB, ["stop"], **first)
        actions(executor, "web2", WEB, ["stop"], **first)


def test_webserver_docroot_and_validation(executor, tmp_path):
    docroot = tmp_path / "www"
    docroot.mkdir()
    (docroot / "hello.txt").write_text("hello from the docroot\n")
    port = free_port()
    params = {"port": port, "ip": "127.0.0.1", "docroot": docroot}
    try:
        assert actions(executor, "site", WEB, ["start"], **params)[0].ok
        assert get(f"http://127.0.0.1:{port}/hello.txt")[2] == "hello from the docroot\n"
        assert "node1" in get(f"http://127.0.0.1:{port}/")[2]
    finally:
        actions(executor, "site", WEB, ["stop"], **params)
    missing = actions(executor, "x", WEB, ["validate-all", "monitor"], port=port,
                      docroot=tmp_path / "nope")
    assert missing[0].rc == OcfRc.NOT_INSTALLED and missing[1].rc == OcfRc.NOT_RUNNING
    assert actions(executor, "x", WEB, ["start"], port="eighty")[0].rc == OcfRc.NOT_CONFIGURED
    assert actions(executor, "x", WEB, ["start"], port=70000)[0].rc == OcfRc.NOT_CONFIGURED


# ----------------------------------------------------------------------------- ocf-tester


def ocf_tester(name: str, agent: Path, env: dict, *options: str) -> subprocess.CompletedProcess:
    args = [OCF_TESTER, "-n", name]
    for option in options:
        args += ["-o", option]
    return subprocess.run(args + [str(agent)], capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.mark.oracle
@pytest.mark.parametrize("agent,options", [
    ("Dummy", ()), ("Dummy", ("promotable=true",)), ("webserver", ("ip=127.0.0.1",))])
def test_ocf_tester_passes(rsctmp, agent, options):
    if not Path(OCF_TESTER).exists():
        if oracles_required():
            pytest.fail("ocf-tester (resource-agents) is not installed")
        pytest.skip("ocf-tester (resource-agents) is not installed")
    env = dict(os.environ, HA_RSCTMP=str(rsctmp))
    if agent == "webserver":
        options = options + (f"port={free_port()}",)
    out = ocf_tester("t" + agent.lower(), shipped.resource_dir() / "hacrm" / agent, env,
                     *options)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "passed all tests" in out.stdout


# ----------------------------------------------------------------------------- shims


def shim(tool: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(shipped.shim_dir() / tool), *args], capture_output=True,
                          text=True, env=env, timeout=30)


def test_attribute_shims(tmp_path):
    out = tmp_path / "attrs.jsonl"
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HACRM_ATTRIBUTE_FILE": str(out),
            "HACRM_NODE_NAME": "node1", "OCF_RESOURCE_INSTANCE": "st",
            "HACRM_NODE_ATTRIBUTES": json.dumps({"master-st": "7", "pingd": "100"})}
    assert shim("crm_master", "-l", "reboot", "-v", "10", env=base).returncode == 0
    assert shim("crm_attribute", "--promotion", "-D", env=base).returncode == 0
    assert shim("crm_attribute", "-p", "-v", "3", env=base).returncode == 0
    assert shim("crm_attribute", "-N", "node2", "-n", "rack", "-v", "A", env=base).returncode == 0
    assert shim("crm_attribute", "-t", "status", "-n", "x", "-v", "1", env=base).returncode == 0
    assert shim("attrd_updater", "-n", "pingd", "-U", "200", env=base).returncode == 0
    assert shim("attrd_updater", "-n", "pingd", "-D", env=base).returncode == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["name"], x["value"], x["lifetime"], x["node"]) for x in lines] == [
        ("master-st", "10", "reboot", "node1"), ("master-st", None, "reboot", "node1"),
        ("master-st", "3", "reboot", "node1"), ("rack", "A", "forever", "node2"),
        ("x", "1", "reboot", "node1"), ("pingd", "200", "reboot", "node1"),
        ("pingd", None, "reboot", "node1")]
    assert shim("crm_master", "-G", "-q", env=base).stdout == "7\n"
    query = shim("attrd_updater", "-n", "pingd", "-Q", env=base)
    assert query.returncode == 0 and "value=100" in query.stdout
    assert shim("crm_attribute", "-G", "-n", "nope", env=base).returncode == 105
    assert shim("crm_node", "-n", env=base).stdout == "node1\n"
    refused = shim("crm_attribute", "-t", "crm_config", "-n", "x", "-v", "1", env=base)
    assert refused.returncode != 0 and "not available" in refused.stderr
    outside = shim("crm_master", "-v", "1", env={k: v for k, v in base.items()
                                                if k != "HACRM_ATTRIBUTE_FILE"})
    assert outside.returncode != 0 and "HACRM_ATTRIBUTE_FILE" in outside.stderr


@pytest.mark.oracle
def test_the_example_agent_in_the_docs_passes_ocf_tester(tmp_path, rsctmp):
    """docs/resources.md teaches writing an agent; its example must be a conforming one."""
    if not Path(OCF_TESTER).exists():
        pytest.skip("ocf-tester (resource-agents) is not installed")
    require_reachable_by_others()
    docs = Path(__file__).resolve().parents[2] / "docs" / "resources.md"
    text = docs.read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    # ocf-tester also runs meta-data as user nobody: the file must be world-readable.
    public = Path(tempfile.mkdtemp(prefix="hacrm-doc-agent-"))
    try:
        public.chmod(0o755)
        agent = public / "marker"
        agent.write_text(block)
        agent.chmod(0o755)
        env = dict(os.environ, HA_RSCTMP=str(rsctmp))
        out = ocf_tester("m1", agent, env, f"path={tmp_path / 'marker.state'}")
    finally:
        shutil.rmtree(public, ignore_errors=True)
    assert out.returncode == 0, out.stdout + out.stderr
