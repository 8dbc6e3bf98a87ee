"""A running sandbox node for the live fuzz targets, and the two live targets.

The sandbox has two nodes; node2 is stopped once both have formed a membership, so the
fuzzer can speak as node2 (it holds the sandbox's authkey) to node1, which stays up alone.
Every daemon started here is killed by pid at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

from fuzz.targets import Violation
from hacrm.engine import control
from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.authkey import packet_key
from hacrm.engine.localapi import ApiClient, ApiError
from hacrm.engine.transport import PacketAuth

TIMEOUT = 90.0
#: how long a daemon may take to answer one fuzz request before it counts as a hang
ANSWER_WITHIN = 15.0


class LiveNode:
    def __init__(self, directory: Path) -> None:
        self.sb = sandbox_mod.start(directory, 2, timeout=TIMEOUT)
        self.pids = {n: self.sb.pid(n) for n in self.sb.names()}
        self.sb.stop_node("node2", timeout=20)
        self.sb.wait(lambda s: s["node1"].get("members") == [1] and s["node1"].get("synced"),
                     TIMEOUT, "node1 alone", ["node1"])
        self.layout = self.sb.layout("node1")
        self.pid = self.sb.pid("node1")
        self.port = self.sb.node("node1").port
        self.key = packet_key(self.sb.authkey_path.read_bytes(), "sandbox")
        # a run of "node2" newer than any the daemon has seen
        self.auth = PacketAuth(self.key, 2, time.time_ns() // 1000 + 10**9, {1, 2})
        self.baseline = self.configuration()

    # -- observation ----------------------------------------------------------------------
    def call(self, op: str, args: dict[str, Any] | None = None, body: str | None = None,
             ) -> dict[str, Any]:
        with ApiClient(self.layout.socket, timeout=ANSWER_WITHIN) as client:
            return client.call(op, args, body)

    def configuration(self) -> str:
        from lxml import etree

        from hacrm import xmlsafe

        root = xmlsafe.parse(self.call("query")["cib"])
        conf = root.find("configuration")
        return etree.tostring(conf, method="c14n").decode()

    def check_alive(self, what: str) -> None:
        try:
            info = self.call("ping")
        except ApiError as err:
            raise Violation(f"node1 stopped answering after {what}: {err}") from None
        if info.get("pid") != self.pid:
            raise Violation(f"node1 restarted (pid {self.pid} -> {info.get('pid')}) after "
                            f"{what}")

    def log_problems(self) -> list[str]:
        text = ""
        for path in (self.layout.logfile, self.layout.logdir / "daemon.out"):
            try:
                text += path.read_text(errors="replace")
            except FileNotFoundError:
                pass
        return [line for line in text.splitlines()
                if "Traceback" in line or "internal error" in line
                or "exception was never retrieved" in line.lower()]

    def close(self) -> None:
        for name in self.sb.names():
            pid = self.sb.pid(name)
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                control._wait_gone(pid, 10)


def _raw_exchange(path: Path, payload: bytes) -> bytes:
    """Send raw bytes on a fresh connection; return what came back before the daemon closed
    or went quiet."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(ANSWER_WITHIN)
    try:
        s.connect(str(path))
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon closed early (a refused oversized request): read its answer
        chunks = []
        while True:
            try:
                chunk = s.recv(1 << 16)
            except TimeoutError:
                raise Violation(f"no answer and no close within {ANSWER_WITHIN:g} s for "
                                f"{payload[:200]!r}") from None
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        s.close()


def api_request(node: LiveNode, payload: bytes) -> None:
    """Raw bytes as request lines: each complete line gets a JSON answer (an error unless it
    was a valid request), the daemon stays up, and a refused request changes nothing."""
    reply = _raw_exchange(node.layout.socket, payload)
    lines = [line for line in reply.split(b"\n") if line]
    expected = payload.count(b"\n") - payload.count(b"\n\n")
    if expected and payload.strip() and not lines:
        raise Violation(f"no answer to {payload[:300]!r}")
    accepted = False
    for line in lines:
        try:
            answer = json.loads(line)
        except ValueError:
            raise Violation(f"answer is not JSON: {line[:200]!r}") from None
        if not isinstance(answer, dict) or "ok" not in answer and "event" not in answer:
            raise Violation(f"answer without ok: {answer!r}")
        if answer.get("ok") is False and not answer.get("error"):
            raise Violation(f"refusal without an error message: {answer!r}")
        accepted = accepted or bool(answer.get("ok"))
    node.check_alive(f"request {payload[:200]!r}")
    if not accepted and node.configuration() != node.baseline:
        raise Violation(f"a refused request changed the configuration: {payload[:300]!r}")
    if accepted:
        node.baseline = node.configuration()


def udp_packets(node: LiveNode, messages: list[bytes], signed: bool) -> None:
    """Datagrams to node1, signed as node2 or not: dropped or handled, the daemon stays up
    and its configuration unchanged."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for body in messages:
            data = node.auth.seal(body, 1) if signed else body
            s.sendto(data, ("127.0.0.1", node.port))
    node.check_alive(f"{len(messages)} packet(s) {messages[:3]!r}")
    if node.configuration() != node.baseline:
        raise Violation(f"packets changed the configuration: {messages[:5]!r}")
