"""The ``cluster`` level: node daemon life cycle, handed to the embedded engine's own CLI.

The engine owns these commands (``hacrm.engine.cluster_cli``); this level only passes the words
on, so ``crm cluster start`` and the engine's tool behave the same.  The engine module is
imported when a command runs, never at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context


def run_engine_cli(argv: list[str]) -> int:
    """Call ``hacrm.engine.cluster_cli.main(argv)``; refuse clearly when it is not there."""
    try:
        from hacrm.engine import cluster_cli  # type: ignore[attr-defined]
    except ImportError:
        raise CommandError("the cluster engine is not part of this build yet; "
                           "cluster commands are unavailable") from None
    return int(cluster_cli.main(argv) or 0)


def _passthrough(name: str, summary: str) -> Callable[..., bool]:
    def run(self: ClusterLevel, ctx: Context, *args: str) -> bool:
        return run_engine_cli([name, *args]) == 0

    run.__name__ = "do_" + name.replace("-", "_")
    run.__doc__ = summary
    return command(name, help=summary)(run)


class ClusterLevel(BaseLevel):
    """Cluster setup and management."""

    name = "cluster"

    do_init = _passthrough("init", "Write the cluster configuration (and a key)")
    do_keygen = _passthrough("keygen", "Write a new authentication key")
    do_start = _passthrough("start", "Start this node's daemon")
    do_stop = _passthrough("stop", "Leave the membership and stop the daemon")
    do_restart = _passthrough("restart", "Stop, then start this node's daemon")
    do_status = _passthrough("status", "Membership, quorum and DC of this node")
    do_sandbox = _passthrough("sandbox", "Several node daemons on this machine (tests, demos)")
