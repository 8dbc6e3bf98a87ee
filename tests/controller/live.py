"""Helpers for tests against running sandboxes: API calls, configuration, waiting, reading
resource states out of a node's CIB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from hacrm.backends.embedded import EmbeddedBackend
from hacrm.cib.workcopy import WorkingCopy
from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.localapi import ApiClient, ApiError
from hacrm.scheduler.model import R_PROMOTABLE, Role
from hacrm.scheduler.unpack import parse_cib, unpack_cluster


def api(sb: sandbox_mod.Sandbox, at: str, op: str, **args: Any) -> dict[str, Any]:
    """Call the local API of node ``at``."""
    with ApiClient(sb.layout(at).socket, timeout=120) as client:
        return client.call(op, args, timeout=110)


def try_api(sb: sandbox_mod.Sandbox, at: str, op: str, **args: Any) -> dict[str, Any] | None:
    try:
        with ApiClient(sb.layout(at).socket, timeout=10) as client:
            return client.call(op, args, timeout=8)
    except (ApiError, OSError, ValueError):
        return None


CRM = str(os.path.join(os.path.dirname(sys.executable), "crm"))


def crm(sb: sandbox_mod.Sandbox, at: str, *args: str, home: str | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    """Our own ``crm`` (the venv's console script) pointed at node ``at`` of the sandbox, as a
    user would run it there; it must succeed without a traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_"))}
    env.update(HACRM_SANDBOX=str(sb.dir), HACRM_NODE=at, COLUMNS="80", LC_ALL="C.UTF-8")
    if home is not None:
        env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache")
    done = subprocess.run([CRM, *args], input=input, capture_output=True, text=True, env=env,
                          timeout=180, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr, \
        f"crm {' '.join(args)} -> {done.returncode}: {done.stdout}{done.stderr}"
    return done


def configure(sb: sandbox_mod.Sandbox, node: str, text: str) -> None:
    """``crm configure load update`` of crm text, through the node's embedded backend."""
    backend = EmbeddedBackend(sb.layout(node).socket, node)
    wc = WorkingCopy(backend)
    wc.load("update", text, xml=False, source="test")
    wc.commit()


def cib_text(sb: sandbox_mod.Sandbox, node: str) -> str:
    return api(sb, node, "query")["cib"]


def wait(predicate: Callable[[], Any], timeout: float, what: str, poll: float = 0.2) -> Any:
    """Poll until ``predicate()`` is truthy; its value, or a failure naming ``what``."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except (ApiError, OSError) as err:
            last = err
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what} "
                                 f"(last: {last!r})")
        time.sleep(poll)


def placement(cib: str) -> dict[str, list[tuple[str, str]]]:
    """Our scheduler's reading of a CIB: every primitive id (clone instances together) ->
    sorted (node, role) pairs where it is active."""
    cl = unpack_cluster(parse_cib(cib), None)
    out: dict[str, list[tuple[str, str]]] = {}

    def walk(rsc) -> None:
        if rsc.children:
            for child in rsc.children:
                walk(child)
            return
        nodes = [n.uname for n in rsc.running_on]
        if nodes:
            role = {Role.PROMOTED: "Promoted", Role.UNPROMOTED: "Unpromoted"}.get(
                rsc.role, "Started")
            parent = rsc.parent
            if role == "Started" and parent is not None and parent.has(R_PROMOTABLE):
                role = "Unpromoted"
            key = rsc.id.split(":")[0]
            out[key] = sorted(out.get(key, []) + [(n, role) for n in nodes])
    for rsc in cl.resources:
        walk(rsc)
    return out


def where(cib: str, rsc: str) -> list[str]:
    return [n for n, _ in placement(cib).get(rsc, [])]


def dc_of(sb: sandbox_mod.Sandbox, nodes: list[str] | None = None) -> str | None:
    for node in nodes or sb.names():
        st = try_api(sb, node, "status")
        if st and st.get("dc_name"):
            return st["dc_name"]
    return None


def at_rest(sb: sandbox_mod.Sandbox, nodes: list[str] | None = None) -> bool:
    """The DC's controller is idle (no transition, nothing to compute, no pending write)."""
    dc = dc_of(sb, nodes)
    if dc is None:
        return False
    st = try_api(sb, dc, "controller")
    return bool(st and st["core"]["dc"] and st["core"]["idle"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_node(port: int) -> str | None:
    """Which node's web server answers on the port (its X-Hacrm-Node header), or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
            return reply.headers.get("X-Hacrm-Node")
    except (urllib.error.URLError, OSError):
        return None
