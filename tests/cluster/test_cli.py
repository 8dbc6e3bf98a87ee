"""``crm cluster ...`` and the shell on a live sandbox, through the real ``crm`` program."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cluster.conftest import TIMEOUT
from hacrm.engine import control
from hacrm.engine.cluster_cli import main as cluster_main
from hacrm.engine.paths import Layout

CRM = Path(sys.executable).parent / "crm"


def crm(*args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    full = dict(os.environ)
    full.update(env or {})
    full.setdefault("COLUMNS", "120")
    return subprocess.run([str(CRM), *args], capture_output=True, text=True, env=full,
                          input=stdin, timeout=TIMEOUT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_shell_configure_show_and_status_on_a_live_sandbox(clusters):
    if not CRM.exists():
        pytest.skip(f"{CRM} is not installed (make venv)")
    sb = clusters.start(3)
    states = sb.wait_converged(timeout=TIMEOUT)
    # the first daemon to come up forms the membership alone and stays DC as the others join
    dc = {s["dc_name"] for s in states.values()}.pop()
    env = {"HACRM_SANDBOX": str(sb.dir)}
    done = crm("configure", "property", "stonith-enabled=false",  # no fencing device here
               env={**env, "HACRM_NODE": "node2"})
    assert done.returncode == 0, done.stderr
    done = crm("configure", "primitive", "d1", "ocf:heartbeat:Dummy", "op", "monitor",
               "interval=10s", env={**env, "HACRM_NODE": "node2"})
    assert done.returncode == 0, done.stderr
    sb.wait(lambda s: len({x["cib"]["digest"] for x in s.values()}) == 1, TIMEOUT, "one CIB")
    shown = crm("configure", "show", env={**env, "HACRM_NODE": "node3"})
    assert shown.returncode == 0, shown.stderr
    assert "primitive d1 Dummy" in shown.stdout
    assert "node 1: node1" in shown.stdout
    status = crm("--node", "node1", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert "Online: [ node1 node2 node3 ]" in status.stdout
    assert f"Current DC: {dc} (" in status.stdout and "partition with quorum" in status.stdout
    cstatus = crm("cluster", "status", env={**env, "HACRM_NODE": "node3"})
    assert cstatus.returncode == 0, cstatus.stderr
    assert "node3 (id 3)" in cstatus.stdout and "Quorate:          Yes" in cstatus.stdout
    table = crm("cluster", "sandbox", "status", "--dir", str(sb.dir))
    assert table.returncode == 0 and table.stdout.count(" yes ") == 3


def test_single_node_lifecycle_init_start_status_restart_stop(tmp_path, capsys, clusters):
    root = tmp_path / "root"
    port = _free_port()
    assert cluster_main(["init", "--root", str(root), "-n", "solo", "-N", "solo=127.0.0.1",
                         "--port", str(port)]) == 0
    layout = Layout(root)
    assert oct(os.stat(layout.authkey).st_mode & 0o777) == "0o400"
    assert len(layout.authkey.read_bytes()) == 256
    assert cluster_main(["init", "--root", str(root)]) == 1  # refuses to overwrite
    assert "already exists" in capsys.readouterr().err
    try:
        assert cluster_main(["start", "--root", str(root)]) == 0
        pid = control.daemon_pid(layout)
        assert pid is not None
        clusters.pids[pid] = str(root)
        assert "hacrm.engine.daemon" in " ".join(control._cmdline(pid))
        st = control.wait_ready(layout, TIMEOUT, members=1)
        assert st["quorate"] and st["dc_name"] == "solo"
        capsys.readouterr()
        assert cluster_main(["status", "--root", str(root)]) == 0
        out = capsys.readouterr().out
        assert "Ring ID:" in out and "solo (local, DC)" in out
        assert cluster_main(["start", "--root", str(root)]) == 0  # already running: fine
        assert cluster_main(["restart", "--root", str(root)]) == 0
        new_pid = control.daemon_pid(layout)
        assert new_pid not in (None, pid)
        clusters.pids[new_pid] = str(root)
    finally:
        assert cluster_main(["stop", "--root", str(root)]) == 0
    assert control.daemon_pid(layout) is None
    capsys.readouterr()
    assert cluster_main(["status", "--root", str(root)]) == 3
    assert "not running" in capsys.readouterr().out


def test_daemon_refuses_bad_configuration_and_a_second_instance(tmp_path, clusters):
    root = tmp_path / "root"
    layout = Layout(root)
    layout.etc.mkdir(parents=True)
    layout.config.write_text("totem {\n\ttoken: soon\n}\nnodelist {\n}\n")
    run = subprocess.run([sys.executable, "-m", "hacrm.engine.daemon", "--root", str(root)],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert run.returncode == 2
    assert f"{layout.config}:2:9: error: token: expected a number" in run.stderr
    assert "Traceback" not in run.stderr
    port = _free_port()
    assert cluster_main(["init", "--root", str(root), "--force", "-N", "n1=127.0.0.1",
                         "--port", str(port)]) == 0
    assert cluster_main(["start", "--root", str(root)]) == 0
    pid = control.daemon_pid(layout)
    clusters.pids[pid] = str(root)
    try:
        second = subprocess.run([sys.executable, "-m", "hacrm.engine.daemon", "--root",
                                 str(root)], capture_output=True, text=True, timeout=TIMEOUT)
        assert second.returncode == 2 and "already running" in second.stderr
    finally:
        control.stop(layout)
