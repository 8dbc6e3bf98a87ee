"""``crm -w``: wait until the cluster has carried out a change.

The cluster has settled when its DC is idle: no transition running, no scheduler run pending,
no CIB write or node join outstanding (``controller_core.ControllerCore.idle``).  The DC is
asked through the local API:

0. a backend's own ``wait_idle(timeout)`` when it has one;
1. ``dc_status`` on the local node, which answers for the DC wherever it is;
2. where that call does not exist, the DC's own ``controller`` call: on the local node when it
   is the DC, else on the DC's socket when the node belongs to a sandbox (which knows every
   node's socket).

A CIB file has nothing to wait for.  On a terminal a progress line shows the DC and the
transition's actions done out of the total (rich), elsewhere nothing is printed.  Idle must be
seen twice in a row: a change just committed may not have reached the DC's scheduler yet.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

POLL = 0.15


@dataclass(frozen=True)
class DcState:
    dc: str | None
    idle: bool
    done: int = 0
    total: int = 0


def _from_core(dc: str | None, core: dict[str, Any]) -> DcState:
    counts = core.get("transition_counts") or {}
    total = sum(int(v) for v in counts.values()) if counts else 0
    done = int(counts.get("done", 0)) + int(counts.get("failed", 0)) if counts else 0
    return DcState(dc, bool(core.get("idle")), done, total)


def dc_probe(backend: Any) -> Callable[[], DcState] | None:
    """A function asking the DC how far it is, or None when the backend has no DC."""
    if getattr(backend, "name", "") != "embedded":
        return None
    from hacrm.engine.localapi import ApiClient, ApiError

    def direct() -> DcState:
        result = backend._call("dc_status", {})
        return DcState(result.get("dc"), bool(result.get("idle")),
                       *_counts(result.get("transition_counts")))

    def through_dc() -> DcState:
        status = backend.status()
        dc = status.get("dc_name")
        if not dc:
            return DcState(None, False)
        if dc == status.get("node"):
            core = (backend._call("controller", {}) or {}).get("core") or {}
            return _from_core(dc, core)
        sandbox = status.get("sandbox")
        if not sandbox:
            raise ApiError("the DC cannot be asked from here (no dc_status call)")
        from hacrm.engine import sandbox as sandbox_mod

        socket = sandbox_mod.Sandbox.load(sandbox).layout(dc).socket
        with ApiClient(socket, timeout=10.0) as client:
            core = (client.call("controller", {}, timeout=10.0) or {}).get("core") or {}
        return _from_core(dc, core)

    state = {"probe": direct}

    def probe() -> DcState:
        try:
            return state["probe"]()
        except ApiError as err:
            if state["probe"] is direct and "unknown request" in str(err):
                state["probe"] = through_dc
                return through_dc()
            raise

    return probe


def _counts(counts: Any) -> tuple[int, int]:
    if not isinstance(counts, dict):
        return 0, 0
    total = sum(int(v) for v in counts.values())
    return int(counts.get("done", 0)) + int(counts.get("failed", 0)), total


def wait(probe: Callable[[], DcState], timeout: float,
         show: Callable[[DcState], None] | None = None,
         clock: Callable[[], float] = time.monotonic,
         sleep: Callable[[float], None] = time.sleep) -> bool:
    """Poll until the DC is idle twice in a row; False after ``timeout`` seconds."""
    deadline = clock() + timeout
    idle_seen = 0
    while clock() < deadline:
        try:
            state = probe()
        except Exception:  # noqa: BLE001 - a DC election in progress: ask again
            state = DcState(None, False)
        if show is not None:
            show(state)
        idle_seen = idle_seen + 1 if state.idle else 0
        if idle_seen >= 2:
            return True
        sleep(POLL)
    return False


def wait_settled(session: Any, backend: Any, timeout: float, what: str = "") -> bool:
    """The shell's ``-w``: wait, with a progress line on a terminal, warn on timeout.

    A backend may offer its own ``wait_idle(timeout) -> bool``; it is used when present."""
    own = getattr(backend, "wait_idle", None)
    if own is not None:
        settled = bool(own(timeout))
        if not settled:
            session.messages.warning(f"the cluster did not settle within {timeout:g} s")
        return settled
    probe = dc_probe(backend)
    if probe is None:
        return True
    label = f"waiting for the cluster to settle{f' ({what})' if what else ''}"
    if sys.stdout.isatty() and not session.flags.regression:
        from rich.console import Console

        console = Console()
        with console.status(label) as status:
            def show(state: DcState) -> None:
                where = f"DC {state.dc}" if state.dc else "no DC yet"
                step = f", transition {state.done}/{state.total} actions" if state.total else ""
                status.update(f"{label}: {where}{step}")

            settled = wait(probe, timeout, show)
    else:
        settled = wait(probe, timeout)
    if not settled:
        session.messages.warning(f"the cluster did not settle within {timeout:g} s")
    return settled
