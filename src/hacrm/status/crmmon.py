"""The cluster status as ``crm_mon -1`` lays it out, section by section, as text lines.

The scheduler's own reading of the CIB (:func:`hacrm.scheduler.unpack.unpack_cluster`) decides
every state shown (the same code that plans transitions); this module only arranges it in
crm_mon's sections and wording:

* the summary (stack, DC and quorum, times, counts) and the maintenance banner;
* the node list (online nodes folded into ``Online: [ ... ]``, others one per line, or every
  node with its resources with ``bynode``);
* the resources (``Full List of Resources`` with ``inactive``, ``Active Resources`` without,
  ``Inactive Resources`` after a by-node list);
* fail-counts (``Migration Summary``) or operation history (``Operations``, ``timing``);
* failed actions, and the tickets.

Each line is a :class:`Line`: its depth in crm_mon's nested lists and its text, so that the
plain renderer prints crm_mon's exact layout and the rich one styles the same content.  A
running engine adds two summary items crm_mon does not have: the backend, and the membership
and quorum as the engine's membership layer sees them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from lxml import etree

from hacrm.status.options import StatusOptions


@dataclass(frozen=True)
class Line:
    """``depth`` -1 is a section title, -2 raw text (the maintenance banner), -3 a blank."""

    depth: int
    text: str
    header: bool = False

    def render(self) -> str:
        if self.depth == -1:
            return f"{self.text}:"
        if self.depth in (-2, -3):
            return self.text
        return "  " * (self.depth + 1) + "* " + self.text + (":" if self.header else "")


@dataclass
class Membership:
    """What the engine knows beyond the CIB (embedded backend): shown in the summary."""

    backend: str
    local_node: str = ""
    ring_id: str | None = None
    quorate: bool = False
    total_votes: int = 0
    expected_votes: int = 0
    quorum: int = 0
    members: tuple[str, ...] = ()
    offline: tuple[str, ...] = ()


def epoch2str(seconds: float) -> str:
    return time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(seconds))


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


class _Section:
    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[Line] = []

    def item(self, depth: int, text: str, header: bool = False) -> None:
        self.lines.append(Line(depth, text, header))


def _lines_from(strings: list[str]) -> list[Line]:
    """The scheduler's status lines ("    * text") back into (depth, text)."""
    out = []
    for s in strings:
        stripped = s.lstrip(" ")
        depth = (len(s) - len(stripped)) // 2 - 1
        text = stripped.removeprefix("* ")
        header = text.endswith(":") and not text.endswith("::")
        out.append(Line(depth, text[:-1] if header else text, header))
    return out


# ------------------------------------------------------------------------------ summary
def feature_set(node: Any) -> str | None:
    """The Pacemaker feature set a cluster node runs (what ``-R`` shows): online full
    members only; a node without the attribute runs something older than 3.15.1."""
    if not node.online or node.type == "remote" or node.is_guest:
        return None
    return node.attrs.get("#feature-set") or "<3.15.1"


def display_name(node: Any, detail: bool) -> str:
    """The node as crm_mon names it: with ``-R``, a guest node's host (``name@host``) and
    the node id when it differs from the name."""
    if not detail:
        return node.uname
    name = node.uname
    if node.is_guest:
        container = node.remote_rsc.container
        host = container.current_node() if container is not None else None
        name += "@" + (host.uname if host is not None else "")
    if node.id.lower() != node.uname.lower():
        name += f" ({node.id})"
    return name


def summary(cl: Any, root: etree._Element, now: float,
            membership: Membership | None, opts: StatusOptions | None = None,
            counts: tuple[int, int, int] | None = None) -> list[Line]:
    """The summary items; ``counts`` (instances, disabled, blocked) as the status alone
    gives them, before constraints are read (crm_mon counts them then)."""
    from hacrm.scheduler.status_text import count_instances

    props = {nv.get("name"): nv.get("value")
             for nv in root.iterfind("configuration/crm_config/cluster_property_set/nvpair")}
    lines = [Line(0, f"Stack: {props.get('cluster-infrastructure') or 'unknown'}")]
    if membership is not None:
        lines.append(Line(0, f"Backend: {membership.backend}"
                          + (f" (node {membership.local_node})" if membership.local_node
                             else "")))
        quorum = "quorate" if membership.quorate else "NOT quorate"
        ring = f"ring {membership.ring_id}, " if membership.ring_id else ""
        lines.append(Line(0, f"Membership: {ring}{len(membership.members)} member"
                          f"{'s' if len(membership.members) != 1 else ''} "
                          f"[ {' '.join(membership.members)} ], {quorum} "
                          f"({membership.total_votes} of {membership.expected_votes} votes, "
                          f"quorum {membership.quorum})"))
    opts = opts or StatusOptions()
    dc = getattr(cl, "dc_node", None)
    if dc is not None:
        version = props.get("dc-version") or "unknown"
        with_quorum = (root.get("have-quorum") or "").lower() in ("1", "true", "yes", "on")
        sets = {fs for fs in map(feature_set, cl.nodes) if fs is not None}
        mixed = "MIXED-VERSION " if len(sets) > 1 else ""
        lines.append(Line(0, f"Current DC: {display_name(dc, opts.detail)} (version "
                          f"{version}) - {mixed}partition "
                          f"{'with' if with_quorum else 'WITHOUT'} quorum"))
    else:
        lines.append(Line(0, "Current DC: NONE"))
    if not opts.quiet:  # crm_mon -Q leaves the times out
        lines.append(Line(0, f"Last updated: {epoch2str(now)}"))
        parts = [root.get("cib-last-written") or ""]
        for attr, word in (("update-user", " by "), ("update-client", " via "),
                           ("update-origin", " on ")):
            if root.get(attr) is not None:
                parts.append(word + root.get(attr))
        lines.append(Line(0, f"Last change:  {''.join(parts)}"))
    nodes = len(getattr(cl, "nodes", []))
    total, disabled, blocked = counts if counts is not None else count_instances(cl)
    lines.append(Line(0, f"{nodes} node{'s' if nodes != 1 else ''} configured"))
    extra = []
    if disabled:
        extra.append(f"{disabled} DISABLED")
    if blocked:
        extra.append(f"{blocked} BLOCKED from further action due to failure")
    lines.append(Line(0, f"{total} resource instance{'s' if total != 1 else ''} configured"
                      + (f" ({', '.join(extra)})" if extra else "")))
    return lines


def maintenance_banner(cl: Any) -> list[Line]:
    if getattr(cl, "maintenance_mode", False):
        return [Line(-3, ""), Line(-2, "              *** Resource management is DISABLED ***"),
                Line(-2, "  The cluster will not attempt to start, stop or recover services")]
    if getattr(cl, "stop_everything", False):
        return [Line(-3, ""), Line(-2, "    *** Resource management is DISABLED ***"),
                Line(-2, "  The cluster will keep all resources stopped")]
    return []


# ------------------------------------------------------------------------------ nodes
def node_list(cl: Any, opts: StatusOptions) -> list[Line]:
    from hacrm.scheduler.status_text import (Lines, format_brief, is_internal, node_health,
                                             node_status_text, primitive_line)

    lines: list[Line] = []
    groups: dict[str, list[str]] = {k: [] for k in ("Online", "OFFLINE", "RemoteOnline",
                                                    "RemoteOFFLINE", "GuestOnline")}
    for node in cl.nodes:
        health = node_health(cl, node)
        name = display_name(node, opts.detail)
        individually = (node.unclean or node.pending or (node.standby_onfail and node.online)
                        or node.standby or node.maintenance or opts.by_node or opts.detail
                        or health <= 0)
        if not individually:
            if node.online:
                key = "GuestOnline" if node.is_guest else (
                    "RemoteOnline" if node.type == "remote" else "Online")
                groups[key].append(name)
            elif node.type == "remote" and not node.is_guest:
                groups["RemoteOFFLINE"].append(name)
            elif not node.is_guest:
                groups["OFFLINE"].append(name)
            continue
        kind = "GuestNode" if node.is_guest else (
            "RemoteNode" if node.type == "remote" else "Node")
        text = f"{kind} {name}: {node_status_text(node)}"
        if health < 0:
            text += " (health is RED)"
        elif health == 0:
            text += " (health is YELLOW)"
        if opts.detail and feature_set(node) is not None:
            text += f", feature set {feature_set(node)}"
        if not opts.by_node:
            lines.append(Line(0, text))
            continue
        if opts.brief:  # counted by agent; a node running nothing is not listed at all
            if not node.running_rsc:
                continue
            counted = Lines(rsc_only=True, show_inactive=False)
            format_brief(node.running_rsc, counted, 3)
            lines.append(Line(0, text, header=True))
            lines.append(Line(1, "Resources", header=True))
            lines.extend(_lines_from(counted.out))
            continue
        lines.append(Line(0, text, header=True))
        lines.append(Line(1, "Resources", header=True))
        for rsc in node.running_rsc:
            if is_internal(rsc) and not opts.detail:
                continue
            lines.append(Line(2, primitive_line(cl, rsc, rsc.printable_id(), node, True,
                                                show_pending=True)))
    for key, names in groups.items():
        if names:
            lines.append(Line(0, f"{key}: [ {' '.join(names)} ]"))
    return lines


# ------------------------------------------------------------------------------ resources
def resources(cl: Any, opts: StatusOptions) -> tuple[str, list[Line]] | None:
    from hacrm.scheduler.actions import rsc_active
    from hacrm.scheduler.model import R_ORPHAN
    from hacrm.scheduler.model import Variant
    from hacrm.scheduler.status_text import Lines, format_brief, format_resource

    if opts.by_node and not opts.inactive:
        return None
    if opts.by_node:
        title = "Inactive Resources"
    elif opts.inactive:
        title = "Full List of Resources"
    else:
        title = "Active Resources"
    lines = Lines(show_pending=True, show_inactive=opts.inactive, brief=opts.brief,
                  details=opts.detail)
    # brief: the top-level primitives counted by agent first (the title shown even if
    # that says nothing), then groups and clones as usual
    summed = opts.brief and not opts.by_node
    printed = summed and format_brief(cl.resources, lines, 1)
    for rsc in cl.resources:
        active = rsc_active(rsc, True)
        partially = rsc_active(rsc, False)
        if rsc.has(R_ORPHAN) and not active:
            continue
        if opts.by_node:
            if active:
                continue
        elif summed and rsc.variant == Variant.PRIMITIVE:
            continue
        elif not partially and not opts.inactive:
            continue
        if format_resource(cl, rsc, lines, 1):
            printed = True
    body = _lines_from(lines.out)
    if not printed:
        word = ("No inactive resources" if opts.by_node else
                "No resources" if opts.inactive else "No active resources")
        body.append(Line(0, word))
    return title, body


# ------------------------------------------------------------------------------ history
def _history_header(rsc: Any, rsc_id: str, all_: bool, failcount: int,
                    last_failure: int) -> str | None:
    if rsc is None:
        return f"{rsc_id}: orphan"
    if all_ or failcount or last_failure > 0:
        text = f"{rsc_id}: migration-threshold={rsc.migration_threshold}"
        if failcount > 0:
            text += f" fail-count={failcount}"
        if last_failure > 0:
            text += f" last-failure='{epoch2str(last_failure)}'"
        return text
    return f"{rsc_id}:"


def _op_text(op: etree._Element, task: str, timing: bool) -> str:
    from hacrm.scheduler.history import OCF_EXIT_TEXT

    call = op.get("call-id")
    interval = op.get("interval")
    interval_str = f' interval="{interval}ms"' if interval and interval != "0" else ""
    if not timing:
        return f"({call}) {task}" + (f":{interval_str}" if interval_str else "")
    rc = max(0, _int(op.get("rc-code")))
    extra = ""
    changed = _int(op.get("last-rc-change"))
    if changed > 0:
        extra += f' last-rc-change="{epoch2str(changed)}"'
    if op.get("exec-time") is not None:
        extra += f' exec-time="{op.get("exec-time")}ms"'
    if op.get("queue-time") is not None:
        extra += f' queue-time="{op.get("queue-time")}ms"'
    return f"({call}) {task}:{interval_str}{extra} rc={rc} ({OCF_EXIT_TEXT.get(rc, 'unknown')})"


def _operation_list(entry: etree._Element) -> list[etree._Element]:
    from hacrm.scheduler.history import sort_ops

    ops = []
    for op in entry.iterfind("lrm_rsc_op"):
        task = op.get("operation") or ""
        if task == "monitor" and (op.get("interval") or "0") == "0":
            task = "probe"
        if task == "notify" or (task == "probe" and _int(op.get("rc-code")) == 7):
            continue
        ops.append(op)
    return sort_ops(ops)


def node_summary(cl: Any, root: etree._Element, opts: StatusOptions) -> tuple[str, list[Line]] | None:
    from hacrm.scheduler.history import get_failcount

    by_id = {n.id: n for n in cl.nodes}
    lines: list[Line] = []
    any_online = False
    for state in root.iterfind("status/node_state"):
        node = by_id.get(state.get("id") or "")
        if node is None or not node.online:
            continue
        any_online = True  # crm_mon titles the section as soon as one node is online
        node_lines: list[Line] = []
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rsc_id = entry.get("id") or ""
            rsc = cl.find_resource(rsc_id)
            if rsc is None:
                rsc = cl.find_resource(f"{rsc_id}:0")
            if not opts.operations:
                if rsc is None:
                    continue
                failcount, last = get_failcount(cl, node, rsc, True, None, True)
                if failcount <= 0:
                    continue
                node_lines.append(Line(1, _history_header(rsc, rsc_id, False, failcount,
                                                          last) or ""))
                continue
            ops = _operation_list(entry)
            if not ops:
                continue
            failcount, last = (get_failcount(cl, node, rsc, True, None, True)
                               if rsc is not None else (0, 0))
            name = rsc.printable_id() if rsc is not None else rsc_id
            node_lines.append(Line(1, _history_header(rsc, name, True, failcount, last) or "",
                                   header=rsc is not None))
            for op in ops:
                task = op.get("operation") or ""
                if task == "monitor" and (op.get("interval") or "0") == "0":
                    task = "probe"
                node_lines.append(Line(2, _op_text(op, task, opts.timing)))
        if node_lines:
            lines.append(Line(0, f"Node: {display_name(node, opts.detail)}", header=True))
            lines.extend(node_lines)
    if not any_online:
        return None
    return ("Operations" if opts.operations else "Migration Summary"), lines


# ------------------------------------------------------------------------------ failures, tickets
def readable_interval(ms: int) -> str:
    """pcmk__readable_interval: ``1d2h3m4.500s``, ``30.160s``, ``33ms`` (whole units only
    when strictly above one, as Pacemaker writes them: 60000 ms is ``60s``)."""
    day, hour, minute, second = 86_400_000, 3_600_000, 60_000, 1000
    out = ""
    for size, unit in ((day, "d"), (hour, "h"), (minute, "m")):
        if ms > size:
            out += f"{ms // size}{unit}"
            ms -= (ms // size) * size
    if ms > second:
        out += f"{ms // second}"
        ms -= (ms // second) * second
        if ms > 0:
            out += f".{ms:03d}"
        return out + "s"
    if ms > 0:
        return out + f"{ms}ms"
    return out or "0s"




def _split_key(key: str) -> tuple[str, str, int] | None:
    """``rsc_task_interval`` (the operation key) -> its three parts."""
    parts = key.rsplit("_", 2)
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    rsc, task, interval = parts
    if task in ("to", "from") and rsc.endswith("_migrate"):
        rsc, task = rsc[: -len("_migrate")], f"migrate_{task}"
    return rsc, task, int(interval)


def failed_action_texts(cl: Any) -> list[str]:
    """One line per failed operation, as crm_mon words them (masked probe failures, which
    only mean "not running here", left out)."""
    from hacrm.scheduler.history import EXEC_STATUS_TEXT, OCF_EXIT_TEXT, mask_probe_failure

    lines = []
    for op, node, _rsc in getattr(cl, "failed_ops", []):
        if mask_probe_failure(op):
            continue
        parsed = _split_key(op.get("operation_key") or op.get("id") or "")
        if parsed is None:
            rsc_id, task, interval = "unknown resource", "unknown action", 0
        else:
            rsc_id, task, interval = parsed
        if task == "monitor" and interval == 0:
            action = "probe"
        elif interval:
            action = f"{readable_interval(interval)}-interval {task}"
        else:
            action = task
        status = _int(op.get("op-status"))
        reason = op.get("exit-reason") or ""
        text = f"{rsc_id} {action} on {node.uname}"
        if status == 0:
            rc = _int(op.get("rc-code"), 1)
            text += f" returned '{OCF_EXIT_TEXT.get(rc, 'error')}'"
            if reason:
                text += f" ({reason})"
        else:
            # the one-line form says "Pending" where the detailed form says "pending"
            said = "Pending" if status == -1 else EXEC_STATUS_TEXT.get(status, "Error")
            text += f" could not be executed ({said}"
            text += f": {reason})" if reason else ")"
        changed = op.get("last-rc-change")
        if changed and changed.lstrip("-").isdigit():
            text += " at " + epoch2str(int(changed))
        exec_ms = _int(op.get("exec-time"))
        if exec_ms > 0:
            text += f" after {readable_interval(exec_ms)}"
        lines.append(text)
    return lines




def failed_action_details(cl: Any) -> list[str]:
    """The failed operations as ``-R`` shows them: the operation key, the raw exit and
    execution status, and every recorded time (for whoever reads the logs next)."""
    from hacrm.scheduler.history import EXEC_STATUS_TEXT, OCF_EXIT_TEXT, mask_probe_failure

    lines = []
    for op, node, _rsc in getattr(cl, "failed_ops", []):
        if mask_probe_failure(op):
            continue
        rc = max(0, _int(op.get("rc-code")))
        status = max(0, _int(op.get("op-status")))
        key = op.get("operation_key") or op.get("id") or "unknown operation"
        call = op.get("call-id") or "unknown"
        text = (f"{key} on {node.uname} '{OCF_EXIT_TEXT.get(rc, 'unknown')}' ({rc}): "
                f"call={call}, status='{EXEC_STATUS_TEXT.get(status, 'UNKNOWN!')}'")
        if op.get("exit-reason"):
            text += f", exitreason='{op.get('exit-reason')}'"
        changed = op.get("last-rc-change")
        if changed and changed.lstrip("-").isdigit():
            text += f", last-rc-change='{epoch2str(int(changed))}'"
        if op.get("queue-time"):
            text += f", queued={op.get('queue-time')}ms"
        if op.get("exec-time"):
            text += f", exec={op.get('exec-time')}ms"
        lines.append(text)
    return lines


def failed_actions(cl: Any, detail: bool = False) -> list[Line]:
    texts = failed_action_details(cl) if detail else failed_action_texts(cl)
    return [Line(0, text) for text in texts]


def tickets(root: etree._Element) -> list[Line]:
    """Tickets named by ``rsc_ticket`` constraints or recorded in the status section, with
    their recorded state (granted or revoked, standby, when last granted)."""
    state: dict[str, dict[str, str]] = {}
    for cons in root.iterfind("configuration/constraints/rsc_ticket"):
        if cons.get("ticket"):
            state.setdefault(cons.get("ticket"), {})
    for ts in root.iterfind("status/tickets/ticket_state"):
        if ts.get("id"):
            state.setdefault(ts.get("id"), {}).update(
                {k: v for k, v in ts.attrib.items() if k != "id"})
    out = []
    for ident in sorted(state):
        values = state[ident]
        granted = (values.get("granted") or "").lower() in ("true", "yes", "on", "1", "y")
        standby = (values.get("standby") or "").lower() in ("true", "yes", "on", "1", "y")
        text = f"{ident}: {'granted' if granted else 'revoked'}{' [standby]' if standby else ''}"
        last = values.get("last-granted")
        if last is not None:
            text += f' last-granted="{epoch2str(_int(last))}"'
        out.append(Line(0, text))
    return out


# ------------------------------------------------------------------------------ all of it
def sections(cib_xml: str, opts: StatusOptions, *, now: float | None = None,
             membership: Membership | None = None) -> list[tuple[str | None, list[Line]]]:
    """The status, as (title, lines) sections in crm_mon's order; title None for text that
    belongs to no section (the maintenance banner)."""
    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster
    from hacrm.scheduler.status_text import count_instances

    now = time.time() if now is None else now
    cl = unpack_cluster(parse_cib(cib_xml.encode()), None)
    counts = count_instances(cl)
    if opts.tickets or opts.bans:
        # as crm_mon: the constraints are read only when a section needs them, and a
        # ticket's loss-policy may then block resources ("freeze" on a revoked ticket)
        from hacrm.scheduler.constraints import unpack_constraints

        unpack_constraints(cl)
    root = etree.fromstring(cib_xml.encode())
    out: list[tuple[str | None, list[Line]]] = []
    if not opts.no_headers:
        out.append(("Cluster Summary", summary(cl, root, now, membership, opts, counts)))
        banner = maintenance_banner(cl)
        if banner:
            out.append((None, banner))
    elif getattr(cl, "dc_node", None) is None:  # crm_mon says so even without headers
        out.append(("Cluster Summary", [Line(0, "Current DC: NONE")]))
    nodes = node_list(cl, opts)
    if nodes or cl.nodes:  # titled even when brief by-node has nothing to list
        out.append(("Node List", nodes))
    listed = resources(cl, opts)
    if listed is not None:
        out.append(listed)
    if opts.operations or opts.failcounts:
        history = node_summary(cl, root, opts)
        if history is not None:
            out.append(history)
    failed = failed_actions(cl, opts.detail)
    if failed:
        out.append(("Failed Resource Actions", failed))
    if opts.tickets:
        found = tickets(root)
        if found:
            out.append(("Tickets", found))
    return out


def simple_status(cl: Any) -> str:
    """``crm_mon -s``: one line for a monitoring system.  A cluster without a DC or with an
    offline node is a warning that names them; otherwise the node and instance counts."""
    from hacrm.scheduler.status_text import count_instances

    online = standby = maintenance = 0
    offline: list[str] = []
    for node in cl.nodes:
        if node.standby and node.online:
            standby += 1
        elif node.maintenance and node.online:
            maintenance += 1
        elif node.online:
            online += 1
        else:
            offline.append(f"offline node: {node.uname}")
    no_dc = getattr(cl, "dc_node", None) is None
    if no_dc or offline:
        return ("CLUSTER WARN: " + ("No DC" if no_dc else "") + (", " if no_dc and offline
                                                                 else "") + " ".join(offline))
    extra = ""
    if standby:
        extra += f", {standby} standby node{'s' if standby != 1 else ''}"
    if maintenance:
        extra += f", {maintenance} maintenance node{'s' if maintenance != 1 else ''}"
    total = count_instances(cl)[0]
    return (f"CLUSTER OK: {online} node{'s' if online != 1 else ''} online{extra}, "
            f"{total} resource instance{'s' if total != 1 else ''} configured")


def text(cib_xml: str, opts: StatusOptions, *, now: float | None = None,
         membership: Membership | None = None) -> str:
    """crm_mon's plain text."""
    if opts.simple:
        from hacrm.scheduler.scheduler import parse_cib, unpack_cluster

        return simple_status(unpack_cluster(parse_cib(cib_xml.encode()), None)) + "\n"
    out: list[str] = []
    for title, lines in sections(cib_xml, opts, now=now, membership=membership):
        if title is not None:
            if out:
                out.append("")
            out.append(f"{title}:")
        out.extend(line.render() for line in lines)
    return "".join(line + "\n" for line in out)
