"""A real network agent, ocf:heartbeat:IPaddr2, run unmodified by our executor inside a
network namespace this test creates (and deletes): the address really appears and goes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from oracles import oracles_required

RUNNER = """\
import asyncio, json, subprocess, sys
from hacrm.engine.executor import Executor
from hacrm.engine.opresult import AgentRef, OpRequest

async def main():
    ex = Executor("node1", rsc_tmp_dir=sys.argv[1])
    agent = AgentRef("ocf", "IPaddr2", "heartbeat")
    params = {"CRM_meta_timeout": "20000", "ip": "10.199.0.50", "cidr_netmask": "24",
              "nic": "v0"}
    out = []
    for action in ("monitor", "start", "monitor", "stop", "monitor"):
        r = await ex.execute(OpRequest.from_params("vip", agent, action, params))
        addrs = subprocess.run(["ip", "-4", "-o", "addr", "show", "v0"], capture_output=True,
                               text=True).stdout
        out.append([action, r.rc, r.status.name, "10.199.0.50/24" in addrs, r.exit_reason])
    print(json.dumps(out))

asyncio.run(asyncio.wait_for(main(), 120))
"""


def _skip(reason: str):
    if oracles_required():
        pytest.fail(reason + " and HACRM_REQUIRE_ORACLES=1")
    pytest.skip(reason)


@pytest.mark.oracle
def test_ipaddr2_in_a_private_network_namespace(tmp_path):
    if not Path("/usr/lib/ocf/resource.d/heartbeat/IPaddr2").exists():
        _skip("resource-agents' IPaddr2 is not installed")
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to create a network namespace")
    ns = f"hacrm-t-{uuid.uuid4().hex[:8]}"
    created = subprocess.run(["ip", "netns", "add", ns], capture_output=True, timeout=30)
    if created.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {created.stderr.decode().strip()}")
    try:
        setup = ("ip link set lo up && ip link add v0 type veth peer name v1 && "
                 "ip addr add 10.199.0.1/24 dev v0 && ip link set v0 up && ip link set v1 up")
        subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", setup], check=True, timeout=30)
        script = tmp_path / "runner.py"
        script.write_text(RUNNER)
        run = subprocess.run(["ip", "netns", "exec", ns, sys.executable, str(script),
                              str(tmp_path / "rsctmp")], capture_output=True, text=True,
                             timeout=180)
        assert run.returncode == 0, run.stderr
        steps = json.loads(run.stdout.strip().splitlines()[-1])
        assert [(a, rc, st, present) for a, rc, st, present, _ in steps] == [
            ("monitor", 7, "DONE", False), ("start", 0, "DONE", True),
            ("monitor", 0, "DONE", True), ("stop", 0, "DONE", False),
            ("monitor", 7, "DONE", False)], steps
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
