"""The top level of the shell: the sub-levels, and the commands that stand alone there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandError, command, sublevel
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context


class RootLevel(BaseLevel):
    """``crm``'s top level."""

    name = ""

    configure = sublevel("hacrm.shell.levels.configure:ConfigureLevel",
                         help="CIB configuration")
    cib = sublevel("hacrm.shell.levels.cib:CibLevel", help="CIB shadow management")
    cibstatus = sublevel("hacrm.shell.levels.cibstatus:CibStatusLevel",
                         help="CIB status management and editing")
    ra = sublevel("hacrm.shell.levels.ra:RaLevel",
                  help="Resource Agents (RA) lists and documentation")
    options = sublevel("hacrm.shell.levels.options:OptionsLevel", help="User preferences")
    cluster = sublevel("hacrm.shell.levels.cluster:ClusterLevel",
                       help="Cluster setup and management")
    resource = sublevel("hacrm.shell.levels.resource:ResourceLevel",
                        help="Resource management")
    node = sublevel("hacrm.shell.levels.node:NodeLevel", help="Node management")

    @command(hidden=True, help="Go back to the previous level")
    def do_up(self, ctx: Context) -> bool:
        """There is nothing above the top level; ``up`` there does nothing."""
        return True

    @command(help="Cluster status", complete=lambda ctx, words: [
        "bynode", "inactive", "ops", "timing", "failcounts", "tickets", "xml", "plain",
        "--watch", "--interval="])
    def do_status(self, ctx: Context, *options: str) -> bool:
        """What runs where, as ``crm_mon -1 -r`` shows it (see :mod:`hacrm.status.show`)."""
        from hacrm.status.show import StatusError, show

        try:
            return show(self.session, options)
        except StatusError as err:
            raise CommandError(str(err)) from None

    @command(help="Verify cluster status")
    def do_verify(self, ctx: Context) -> bool:
        """Run the configuration checks on the CIB in use (configure's ``verify`` without a
        session)."""
        from hacrm.cib.workcopy import WorkingCopy

        diagnostics = WorkingCopy(self.session.backend()).verify()
        for diag in diagnostics:
            self.session.messages.diagnostic(diag)
        return not any(d.severity == "error" for d in diagnostics)
