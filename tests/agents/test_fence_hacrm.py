"""fence_hacrm against a fake sandbox: node "daemons" (and a service each one started) that
the test itself launches, in node roots laid out like hacrm's (ROOT/run/hacrm/hacrm.pid)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import textwrap
import time
from pathlib import Path

import pytest

from hacrm import agents as shipped
from hacrm.engine.executor import Executor
from hacrm.engine.opresult import AgentRef, OcfRc, OpRequest

from .conftest import alive, kill_mentioning, run

AGENT = shipped.fence_dir() / "fence_hacrm"

FAKE_DAEMON = """\
import os, subprocess, sys, time
root = sys.argv[sys.argv.index("--root") + 1]
run = os.path.join(root, "run", "hacrm")
os.makedirs(run, exist_ok=True)
env = dict(os.environ, HA_RSCTMP=os.path.join(root, "run", "resource-agents"))
service = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], env=env,
                           start_new_session=True)
with open(os.path.join(root, "service.pid"), "w") as handle:
    handle.write(str(service.pid))
with open(os.path.join(run, "hacrm.pid.tmp"), "w") as handle:
    handle.write(str(os.getpid()))
os.replace(os.path.join(run, "hacrm.pid.tmp"), os.path.join(run, "hacrm.pid"))
time.sleep(120)
"""


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


@pytest.fixture
def sandbox(tmp_path):
    box = tmp_path / "sandbox"
    script = tmp_path / "fake_daemon.py"
    script.write_text(textwrap.dedent(FAKE_DAEMON))
    for node in ("node1", "node2"):
        root = box / node
        root.mkdir(parents=True)
        with open(root / "daemon.out", "ab") as log:
            subprocess.Popen([sys.executable, str(script), "--root", str(root)],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
    for node in ("node1", "node2"):
        assert wait_for(lambda: pid_in(box / node / "run/hacrm/hacrm.pid") is not None
                        and pid_in(box / node / "service.pid") is not None)
    yield box
    kill_mentioning(box)


def fence(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(AGENT), *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_status_list_off_on_reboot(sandbox):
    daemon1 = pid_in(sandbox / "node1/run/hacrm/hacrm.pid")
    service1 = pid_in(sandbox / "node1/service.pid")
    daemon2 = pid_in(sandbox / "node2/run/hacrm/hacrm.pid")
    box = f"--sandbox={sandbox}"
    assert fence("-o", "list", box).stdout == "node1,\nnode2,\n"
    status = fence("-o", "status", "-n", "node1", box)
    assert (status.returncode, status.stdout) == (0, "Status: ON\n")

    volatile = sandbox / "node1/run/resource-agents"
    (volatile / "sub").mkdir(parents=True)
    (volatile / "Dummy.state").write_text("promoted")
    off = fence("-o", "off", "-n", "node1", box)
    assert off.returncode == 0, off.stderr
    assert wait_for(lambda: not alive(daemon1) and not alive(service1))
    assert volatile.is_dir() and not list(volatile.iterdir()), "a power cut empties tmpfs"
    assert alive(daemon2), "another node must not be touched"
    assert fence("-o", "status", "-n", "node1", box).returncode == 2
    assert fence("-o", "list-status", box).stdout == "node1,,off\nnode2,,on\n"

    on = fence("-o", "on", "-n", "node1", box)
    assert on.returncode == 0, on.stderr
    restarted = pid_in(sandbox / "node1/run/hacrm/hacrm.pid")
    assert restarted not in (None, daemon1) and alive(restarted)
    assert os.readlink(f"/proc/{restarted}/fd/1") == str(sandbox / "node1/daemon.out")
    assert fence("-o", "status", "-n", "node1", box).returncode == 0

    # The stdin protocol, as Pacemaker's fencer speaks it.
    reboot = fence(stdin=f"action=reboot\nport=node2\nnodename=node2\nsandbox={sandbox}\n")
    assert reboot.returncode == 0, reboot.stderr
    assert not alive(daemon2)
    assert alive(pid_in(sandbox / "node2/run/hacrm/hacrm.pid"))


def test_errors(sandbox, tmp_path):
    box = f"--sandbox={sandbox}"
    unknown = fence("-o", "off", "-n", "node9", box)
    assert unknown.returncode == 1 and "node9" in unknown.stderr
    assert fence("-o", "on", "-n", "node2", box).returncode == 0   # already on: nothing to do
    (sandbox / "node3").mkdir()
    never = fence("-o", "on", "-n", "node3", box)
    assert never.returncode == 1 and "not switched off by fence_hacrm" in never.stderr
    assert fence("-o", "monitor", f"--sandbox={tmp_path / 'none'}").returncode == 1
    assert fence("-o", "off", "-n", "../x", box).returncode == 1
    assert fence("-o", "dance", "-n", "node1", box).returncode == 1
    assert fence("-o", "off").returncode == 1


def test_through_the_executor(sandbox, tmp_path):
    daemon = pid_in(sandbox / "node2/run/hacrm/hacrm.pid")
    executor = Executor("node1", rsc_tmp_dir=tmp_path / "rsctmp")
    agent = AgentRef("stonith", "fence_hacrm")
    device = {"sandbox": str(sandbox), "pcmk_host_list": "node1 node2",
              "CRM_meta_timeout": "20000"}

    async def scenario():
        md = await executor.metadata(agent)
        start = await executor.execute(OpRequest.from_params("fence-sandbox", agent, "start",
                                                             device))
        probe = await executor.execute(OpRequest.from_params("fence-sandbox", agent, "monitor",
                                                             device))
        off = await executor.fence("fence-sandbox", agent, device, "off", "node2")
        status = await executor.fence("fence-sandbox", agent, device, "status", "node2")
        return md, start, probe, off, status

    md, start, probe, off, status = run(scenario())
    assert {p.name for p in md.params} >= {"port", "plug", "sandbox", "action"}
    assert md.action("reboot") is not None
    assert start.ok and probe.rc == OcfRc.OK
    assert off.ok, off
    assert wait_for(lambda: not alive(daemon))
    assert status.rc == OcfRc.NOT_RUNNING and "OFF" in status.stdout


def test_list_follows_the_sandbox_manifest(sandbox):
    (sandbox / "sandbox.json").write_text(json.dumps({"nodes": [{"name": "node2"},
                                                                {"name": "node1"}]}))
    assert fence("-o", "list", f"--sandbox={sandbox}").stdout == "node2,\nnode1,\n"


def test_a_node_in_a_network_namespace_comes_back_in_it(tmp_path):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to create a network namespace")
    ns = f"hacrm-f-{uuid.uuid4().hex[:8]}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True, timeout=30).returncode:
        pytest.skip("cannot create a network namespace")
    box = tmp_path / "sandbox"
    root = box / "node1"
    root.mkdir(parents=True)
    script = tmp_path / "fake_daemon.py"
    script.write_text(textwrap.dedent(FAKE_DAEMON))
    try:
        subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, str(script), "--root",
                          str(root)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        pidfile = root / "run/hacrm/hacrm.pid"
        assert wait_for(lambda: pid_in(pidfile) is not None)
        first = pid_in(pidfile)
        netns_inode = os.stat(f"/run/netns/{ns}").st_ino
        assert os.stat(f"/proc/{first}/ns/net").st_ino == netns_inode
        assert fence("-o", "reboot", "-n", "node1", f"--sandbox={box}").returncode == 0
        second = pid_in(pidfile)
        assert second != first and alive(second)
        assert os.stat(f"/proc/{second}/ns/net").st_ino == netns_inode
    finally:
        kill_mentioning(box)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)


def test_a_daemon_killed_on_its_own_can_be_switched_on_after_a_monitor(sandbox):
    """kill -9 of a node's daemon, then fencing with reboot: the device's monitor had seen the
    daemon, so reboot brings the node back; without that, reboot still fences (exit 0)."""
    box = f"--sandbox={sandbox}"
    assert fence("-o", "monitor", box).returncode == 0
    daemon = pid_in(sandbox / "node1/run/hacrm/hacrm.pid")
    service = pid_in(sandbox / "node1/service.pid")
    os.kill(daemon, 9)
    assert wait_for(lambda: not alive(daemon))
    assert alive(service), "the node's services outlive its daemon until it is fenced"
    reboot = fence("-o", "reboot", "-n", "node1", box)
    assert reboot.returncode == 0, reboot.stderr
    assert not alive(service)
    assert wait_for(lambda: alive(pid_in(sandbox / "node1/run/hacrm/hacrm.pid") or 0))
    # A node never seen running: reboot fences it and says it stays off.
    (sandbox / "node2" / "fence_hacrm.json").unlink(missing_ok=True)
    daemon2 = pid_in(sandbox / "node2/run/hacrm/hacrm.pid")
    os.kill(daemon2, 9)
    assert wait_for(lambda: not alive(daemon2))
    lost = fence("-o", "reboot", "-n", "node2", box)
    assert lost.returncode == 0 and "not on again" in lost.stderr
    assert fence("-o", "status", "-n", "node2", box).returncode == 2
