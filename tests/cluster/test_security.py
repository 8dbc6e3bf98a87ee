"""Security on real daemons: the authkey keeps strangers out, bad packets are dropped and
counted (and logged once), the local API is for the cluster's user only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from cluster.conftest import TIMEOUT
from hacrm.engine import authkey as authkey_mod
from hacrm.engine import control
from hacrm.engine.authkey import packet_key
from hacrm.engine.transport import PacketAuth


def test_node_with_a_wrong_authkey_never_joins(clusters, tmp_path):
    sb = clusters.start(3)
    sb.wait_converged(timeout=TIMEOUT)
    sb.stop_node("node3")
    sb.wait_converged(["node1", "node2"], timeout=TIMEOUT)
    wrong = tmp_path / "wrong-authkey"
    authkey_mod.generate(wrong)
    cmd = sb.command(sb.node("node3"))
    cmd[cmd.index("--authkey") + 1] = str(wrong)
    proc = control.spawn(cmd, sb.layout("node3"))
    clusters.pids[proc.pid] = str(sb.dir)
    control.wait_ready(sb.layout("node3"), TIMEOUT, proc)
    # node3 settles alone; the others see its packets fail authentication
    sb.wait(lambda s: s["node3"].get("members") == [3] and s["node3"].get("synced"),
            TIMEOUT, "node3 alone", ["node3"])
    sb.wait(lambda s: s["node1"].get("rejected", {}).get("bad-signature", 0) >= 5,
            TIMEOUT, "node1 to reject node3's packets", ["node1"])
    # observe for a while (several token timeouts): it must never get in
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        for name in ("node1", "node2"):
            assert 3 not in sb.status(name)["members"]
        assert sb.status("node3")["members"] == [3]
        time.sleep(0.2)
    log = (sb.layout("node1").logfile).read_text()
    lines = [line for line in log.splitlines() if "authentication failed" in line]
    assert len(lines) == 1, lines  # logged once per sender per interval, however many came


def _send(port: int, packets: list[bytes], host: str = "127.0.0.1") -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for p in packets:
            s.sendto(p, (host, port))


def test_forged_truncated_replayed_oversized_packets_are_dropped_and_counted(clusters):
    sb = clusters.start(3)
    before = sb.wait_converged(timeout=TIMEOUT)
    port = sb.node("node1").port
    key = packet_key(sb.authkey_path.read_bytes(), "sandbox")
    node2 = sb.status("node2")
    accepted = sb.status("node1")["peers"]["2"]["last_counter"]  # node1 has this one
    seen = PacketAuth(key, 2, node2["incarnation"], {1, 2, 3})
    old_run = PacketAuth(key, 2, node2["incarnation"] - 1, {1, 2, 3})
    elsewhere = PacketAuth(key, 2, node2["incarnation"], {1, 2, 3})
    hb = b'\x01\x00\x02{}'
    forged = bytearray(PacketAuth(key, 2, node2["incarnation"], {1, 2, 3}).seal(hb, 1))
    forged[-1] ^= 0xFF
    replays = []
    for _ in range(20):  # a counter node1 already accepted from node2: exact replays
        seen.counters[1] = accepted - 1
        replays.append(seen.seal(hb, 1))
    batch = (
        [os.urandom(200) for _ in range(20)]                       # noise
        + [bytes(forged)] * 20                                     # wrong tag
        + [seen.seal(hb, 1)[:30] for _ in range(20)]               # truncated
        + [b"HC" + os.urandom(20_000) for _ in range(5)]           # oversized
        + replays                                                  # replay: seen counters
        + [old_run.seal(hb, 1) for _ in range(20)]                 # replay: previous run
        + [elsewhere.seal(hb, 3) for _ in range(20)]               # signed for node3
    )
    _send(port, batch)
    st = sb.wait(lambda s: sum(s["node1"].get("rejected", {}).values()) >= len(batch),
                 TIMEOUT, "node1 to count the bad packets", ["node1"])["node1"]
    rejected = st["rejected"]
    for reason in ("not-hacrm", "bad-signature", "truncated", "oversized", "replay",
                   "misdirected"):
        assert rejected.get(reason, 0) >= 5, rejected
    assert rejected["replay"] >= 40, str(rejected)
    sb.wait_converged(timeout=TIMEOUT)  # the daemons took no harm
    assert before["node1"]["pid"] == sb.status("node1")["pid"]
    log = sb.layout("node1").logfile.read_text().splitlines()
    dropped = [line for line in log if "dropped packet from" in line]
    # one line per (sender address, reason), not one per packet
    assert 5 <= len(dropped) <= 8, dropped


NOBODY = 65534
CLIENT = """
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as err:
    print(json.dumps({"connect": type(err).__name__}))
    sys.exit(0)
f = s.makefile("rb")
try:
    s.sendall(b'{"id": 1, "op": "query"}\\n')
except OSError:
    pass  # a refused connection may already be closed
print(json.dumps({"reply": f.readline().decode()}))
"""


def _as_nobody(path: str) -> dict:
    def drop():
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    # the system interpreter: ours may live where other users cannot read
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    out = subprocess.run([python, "-c", CLIENT, path], capture_output=True,
                         preexec_fn=drop, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr.decode()
    return json.loads(out.stdout)


def test_local_socket_refuses_other_users(clusters):
    if os.geteuid() != 0:
        pytest.skip("needs root to run a client as another user")
    # outside pytest's private temporary tree, so that another user can reach the socket's
    # directory once its permissions are opened
    top = Path(tempfile.mkdtemp(prefix="hacrm-socket-test-"))
    try:
        _check_socket(clusters, top)
    finally:
        for sb in clusters.sandboxes:
            for name in sb.names():
                sb.kill_node(name)
        shutil.rmtree(top, ignore_errors=True)


def _check_socket(clusters, top: Path) -> None:
    os.chmod(top, 0o755)
    sb = clusters.start(1, directory=top / "sb")
    sb.wait_converged(timeout=TIMEOUT)
    layout = sb.layout("node1")
    sock = layout.socket
    # root and the haclient group (when it exists) may use the socket; nobody else
    try:
        import grp

        grp.getgrnam("haclient")
        modes = ("0o660", "0o750")
    except KeyError:
        modes = ("0o600", "0o700")
    assert oct(os.stat(sock).st_mode & 0o777) == modes[0]
    assert oct(os.stat(layout.run).st_mode & 0o777) == modes[1]
    assert _as_nobody(str(sock)) == {"connect": "PermissionError"}
    # even with the file permissions opened by mistake, the daemon checks who is calling
    for path in (sb.dir, layout.root, layout.root / "run", layout.run):
        os.chmod(path, 0o755)
    os.chmod(sock, 0o666)
    reply = json.loads(_as_nobody(str(sock))["reply"])
    assert not reply["ok"] and "permission denied" in reply["error"]
    assert "node1" in sb.status("node1")["node"]  # and the owner still gets in
