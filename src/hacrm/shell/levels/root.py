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

    @command(help="Cluster status")
    def do_status(self, ctx: Context, *options: str) -> bool:
        """What runs where, as ``crm_mon -1 -r`` shows it, from the CIB in use."""
        from hacrm.shell.status import status_text

        backend = self.session.backend()
        own = getattr(backend, "status_text", None)
        if own is not None:  # Pacemaker: crm_mon's own display, as crmsh shows it
            self.session.page(own(options))
            return True
        for word in options:
            if word not in ("bynode", "inactive", "ops", "timing", "failcounts", "noheaders"):
                raise CommandError(f"unknown option {word!r}")
        try:
            text = status_text(backend.read())
        except Exception as err:  # the scheduler's words for a CIB it cannot read
            if type(err).__name__ in ("CibError", "Unsupported"):
                raise CommandError(str(err)) from None
            raise
        self.session.page(text.rstrip("\n"))
        return True

    @command(help="Verify cluster status")
    def do_verify(self, ctx: Context) -> bool:
        """Run the configuration checks on the CIB in use (configure's ``verify`` without a
        session)."""
        from hacrm.cib.workcopy import WorkingCopy

        diagnostics = WorkingCopy(self.session.backend()).verify()
        for diag in diagnostics:
            self.session.messages.diagnostic(diag)
        return not any(d.severity == "error" for d in diagnostics)
