"""The scheduler pipeline and its plain API.

``schedule(cib)`` runs Pacemaker's stage list on a parsed CIB -- unpack, locations and
stickiness, assignment, actions, fencing, orderings, graph -- and ``simulate()`` adds what
crm_simulate -S shows: the executed transition and the revised cluster status.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import constraints, fencing, graph as graph_mod, ordering, placement, probes
from .cluster import Cluster
from .model import Resource
from .config_changes import handle_rsc_config_changes
from .health import apply_node_health
from .remote import order_remote_connection_actions
from .clock import epoch
from .execute import execute_graph
from .status_text import count_instances, format_status
from .summary import transition_summary
from .unpack import parse_cib, unpack_cluster
from .variants import behaviour


def _clear_failcounts_if_orphaned(cl: Cluster, rsc: Resource) -> None:
    """An orphaned resource's fail counts are cleared on every online node."""
    from .actions import clear_failcount
    from .constraints import new_ordering
    from .history import get_failcount
    from .model import O_OPTIONAL, R_ORPHAN
    if not rsc.has(R_ORPHAN):
        return
    for node in cl.nodes:
        if not node.online or not get_failcount(cl, node, rsc, True):
            continue
        clear = clear_failcount(cl, rsc, node, "it is orphaned")
        new_ordering(cl, rsc, None, clear, rsc, f"{rsc.id}_stop_0", None, O_OPTIONAL)


def schedule(cib: Any, now: datetime | None, show_scores: bool = False,
             unpacked: Cluster | None = None) -> tuple[Cluster, graph_mod.Graph]:
    """pcmk__schedule_actions: every stage in order; returns the working set and the graph.

    ``unpacked`` may pass in the result of unpacking this very CIB, to save doing it twice."""
    cl = unpacked if unpacked is not None else unpack_cluster(cib, now)
    cl.show_scores = show_scores
    apply_node_health(cl)
    constraints.unpack_constraints(cl)
    placement.apply_node_criteria(cl)
    for rsc in cl.resources:
        behaviour(rsc).internal_constraints(cl, rsc)
    handle_rsc_config_changes(cl)
    placement.assign_all(cl)
    if cl.startup_probes:
        probes.schedule_probes(cl)
    if cl.stop_orphans:
        for rsc in cl.resources:
            _clear_failcounts_if_orphaned(cl, rsc)
    for rsc in cl.resources:
        behaviour(rsc).create_actions(cl, rsc)
    order_remote_connection_actions(cl)
    fencing.schedule_fencing_and_shutdowns(cl)
    ordering.apply_orderings(cl)
    g = graph_mod.create_graph(cl)
    return cl, g


@dataclass
class SimulateOptions:
    """What crm_simulate's options select (the CLI maps its flags onto this)."""

    run: bool = True
    simulate: bool = False
    show_scores: bool = False
    quiet: bool = False
    now: datetime | None = None
    node_up: list[str] = field(default_factory=list)
    node_down: list[str] = field(default_factory=list)
    node_fail: list[str] = field(default_factory=list)
    op_inject: list[str] = field(default_factory=list)
    op_fail: list[str] = field(default_factory=list)
    quorum: bool | None = None
    ticket_grant: list[str] = field(default_factory=list)
    ticket_revoke: list[str] = field(default_factory=list)
    ticket_standby: list[str] = field(default_factory=list)
    ticket_activate: list[str] = field(default_factory=list)


@dataclass
class SimulationResult:
    """Everything one simulation produced; ``format()`` prints it as crm_simulate does."""

    header: list[str]
    current: list[str]
    injections: list[str]
    scores: list[str]
    summary: list[str]
    executed: list[str] | None
    revised: list[str] | None
    graph_xml_fn: Any
    output_cib: str
    complete: bool = True
    options: SimulateOptions | None = None

    @property
    def graph_xml(self) -> str:
        return self.graph_xml_fn()

    def format(self) -> str:
        out: list[str] = []
        quiet = self.options.quiet if self.options else False
        if not quiet:
            out += self.header
            if self.header:
                out.append("")
            out += self.current
        if self.injections and not quiet:
            out.append("")
            out += self.injections
        if self.scores:
            if not quiet or True:
                out.append("")
                out.append("Allocation Scores:")
                out += self.scores
        if self.options is None or self.options.run or self.options.simulate:
            if not quiet:
                out.append("")
                out.append("Transition Summary:")
                out += self.summary
        if self.executed is not None and not quiet:
            out.append("")
            out.append("Executing Cluster Transition:")
            out += self.executed
        if self.revised is not None and not quiet:
            out.append("")
            out += self.revised
        return "\n".join(out) + "\n"


def simulate(cib_xml: str | bytes, options: SimulateOptions | None = None) -> SimulationResult:
    """Run the scheduler on a CIB (and, with options.simulate, the simulated transition)."""
    from . import inject
    options = options or SimulateOptions()
    cib = parse_cib(cib_xml)
    injecting = inject.injecting(options)
    cl0 = unpack_cluster(copy.deepcopy(cib) if injecting else cib, options.now)
    header: list[str] = []
    if (cib.get("validate-with") or "").lower() == "none":
        header.append("Schema validation of configuration is disabled (enabling is encouraged "
                      "and prevents common misconfigurations)")
    original_date = None
    if options.now is None and cib.get("execution-date"):
        original_date = (f"Using the original execution date of: "
                         f"{cl0.now.strftime('%Y-%m-%d %H:%M:%S')}Z") if cl0.now else None
        if original_date:
            header.append(original_date)
    total, disabled, blocked = count_instances(cl0)
    if cl0.maintenance_mode:
        header.append("              *** Resource management is DISABLED ***")
        header.append("  The cluster will not attempt to start, stop or recover services")
        header.append("")
    if disabled or blocked:
        header.append(f"{disabled} of {total} resource instances DISABLED and {blocked} "
                      "BLOCKED from further action due to failure")
    current = format_status(cl0, "Current cluster status", show_pending=True)
    # an injected failure happened "now" (the scheduler never reads the clock itself)
    injections = inject.apply_injections(cib, options, epoch(cl0)) if injecting else []
    cl, g = schedule(cib, options.now, options.show_scores,
                     None if injecting else cl0)
    summary = transition_summary(cl)
    scores = sorted(cl.score_log) if options.show_scores else []
    executed = revised = None
    complete = True
    out_cib = cib
    if options.simulate:
        out_cib = copy.deepcopy(cib)
        executed, complete = execute_graph(cl, g, out_cib, options.op_fail)
        cl2 = unpack_cluster(copy.deepcopy(out_cib), options.now)
        revised = format_status(cl2, "Revised Cluster Status")
        if original_date:
            executed = executed + ["", original_date]
    from lxml import etree
    for implicit in getattr(cl, "implicit_xml", []):
        for el in out_cib.iter("primitive"):
            if el.get("id") == implicit.get("id") and el.getparent() is not None \
                    and el.getparent().tag == "resources" and len(el) == len(implicit):
                el.getparent().remove(el)
                break
    return SimulationResult(header, current, injections, scores, summary, executed, revised,
                            lambda: graph_mod.to_xml(cl, g),
                            etree.tostring(out_cib, pretty_print=True).decode(), complete,
                            options)
