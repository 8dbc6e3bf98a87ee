"""``crm status [OPTIONS]``: read the CIB (and the engine's membership), pick the view.

* piped, or ``plain``: crm_mon's text, line for line (scripts grep it);
* ``xml``: crm_mon's XML structure;
* on a terminal: the rich view of the same sections;
* ``--watch`` (terminal only): the rich view refreshed in place every ``--interval`` seconds
  (default 2) until Ctrl-C.

A backend with a display of its own (``status_text``: Pacemaker's crm_mon) is asked for it when
the plain text is wanted.  With the embedded engine the summary also names the backend and
the membership and quorum the engine sees.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from hacrm.status.crmmon import Membership, sections, text
from hacrm.status.options import StatusOptions, StatusUsage


class StatusError(Exception):
    """The status cannot be shown; the message says why."""


def membership_of(backend: Any) -> Membership | None:
    """The engine's view of membership and quorum (embedded backend only)."""
    cluster = getattr(backend, "cluster", None)
    if getattr(backend, "name", "") != "embedded" or cluster is None:
        return None
    try:
        info = cluster()
    except Exception:  # noqa: BLE001 - the CIB still says a lot; show it without membership
        return None
    return Membership(backend="embedded", local_node=info.local_node, ring_id=info.ring_id,
                      quorate=info.quorate, total_votes=info.total_votes,
                      expected_votes=info.expected_votes, quorum=info.quorum,
                      members=tuple(info.online), offline=tuple(info.offline))


def _read(backend: Any) -> tuple[str, Membership | None]:
    return backend.read(), membership_of(backend)


def _unreadable(err: Exception) -> StatusError | None:
    if type(err).__name__ in ("CibError", "Unsupported", "XMLSyntaxError"):
        return StatusError(str(err))
    return None


def render_text(backend: Any, opts: StatusOptions) -> str:
    cib, membership = _read(backend)
    try:
        if opts.xml:
            from hacrm.status.xmlview import document

            return document(cib, membership=membership)
        return text(cib, opts, membership=membership)
    except Exception as err:
        mapped = _unreadable(err)
        if mapped is not None:
            raise mapped from None
        raise


def rich_view(backend: Any, opts: StatusOptions) -> Any:
    from hacrm.status.richview import render

    cib, membership = _read(backend)
    try:
        return render(sections(cib, opts, membership=membership))
    except Exception as err:
        mapped = _unreadable(err)
        if mapped is not None:
            raise mapped from None
        raise


def show(session: Any, words: tuple[str, ...] | list[str]) -> bool:
    """The ``status`` command."""
    try:
        opts = StatusOptions.parse(words)
    except StatusUsage as err:
        raise StatusError(str(err)) from None
    backend = session.backend()
    terminal = sys.stdout.isatty() and not session.flags.regression
    if opts.watch:
        if not terminal:
            raise StatusError("--watch needs a terminal (use `crm status` in a loop in scripts)")
        watch(session, backend, opts)
        return True
    if opts.xml or opts.plain or not terminal or not session.colour:
        own = getattr(backend, "status_text", None)
        if own is not None and not opts.xml:  # Pacemaker: crm_mon's own display
            session.page(own(tuple(words)))
            return True
        session.page(render_text(backend, opts).rstrip("\n"))
        return True
    from rich.console import Console

    session.messages.write("")  # clears an early prompt, as any output does
    Console().print(rich_view(backend, opts))
    return True


def watch(session: Any, backend: Any, opts: StatusOptions) -> None:
    """Redraw the rich view every ``opts.interval`` seconds until Ctrl-C."""
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console()

    def frame() -> Any:
        from rich.console import Group

        try:
            body = rich_view(backend, opts)
        except Exception as err:  # noqa: BLE001 - a DC election or a restart: keep watching
            body = Text(f"(cannot read the cluster right now: {err})", style="yellow")
        stamp = Text(f"refreshing every {opts.interval:g}s - Ctrl-C to stop", style="dim")
        return Group(body, stamp)

    try:
        with Live(frame(), console=console, refresh_per_second=4, screen=False) as live:
            while True:
                time.sleep(opts.interval)
                live.update(frame())
    except KeyboardInterrupt:
        pass
