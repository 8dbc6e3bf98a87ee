"""The top level of the shell: the sub-levels, and the commands that stand alone there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacrm.shell.commands import sublevel
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    pass


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
