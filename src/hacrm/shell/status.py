"""Status helpers the shell's levels use: the cluster status text (``crm status``, see
:mod:`hacrm.status` for the whole command), the resource list (``crm resource status``) and
where a resource runs (``crm resource locate``).
"""

from __future__ import annotations

import time
from typing import Any


def status_text(cib_xml: str, now: float | None = None) -> str:
    """``crm_mon -1 -r``'s text for the cluster described by ``cib_xml``."""
    from hacrm.status.crmmon import text
    from hacrm.status.options import StatusOptions

    return text(cib_xml, StatusOptions(inactive=True), now=time.time() if now is None else now)


def failed_actions(cl: Any) -> list[str]:
    """One line per failed operation, as crm_mon lists them."""
    from hacrm.status.crmmon import failed_action_texts

    return failed_action_texts(cl)


def _cluster(cib_xml: str) -> Any:
    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster

    return unpack_cluster(parse_cib(cib_xml.encode()), None)


def resources_text(cib_xml: str) -> str:
    """``crm resource status`` without arguments: ``crm_resource --list``, the resource list
    without node names on primitives."""
    from hacrm.scheduler.actions import rsc_active
    from hacrm.scheduler.model import R_ORPHAN
    from hacrm.scheduler.status_text import Lines, format_resource

    cl = _cluster(cib_xml)
    lines = Lines(rsc_only=True)
    for rsc in cl.resources:
        if rsc.has(R_ORPHAN) and not rsc_active(rsc, True):
            continue
        format_resource(cl, rsc, lines, 1)
    if not lines.out:
        return "NO resources configured\n"
    return "Full List of Resources:\n" + "".join(line + "\n" for line in lines.out)


def locate(cib_xml: str, rsc_id: str) -> list[str] | None:
    """Names of the nodes a resource (or any part of it) is active on; None if unknown."""
    cl = _cluster(cib_xml)
    for top in cl.resources:
        for rsc in top.walk():
            if rsc.id == rsc_id or getattr(rsc, "clone_name", None) == rsc_id:
                nodes: list[str] = []
                for part in rsc.walk():
                    for node in part.running_on:
                        if node.uname not in nodes:
                            nodes.append(node.uname)
                return nodes
    return None

