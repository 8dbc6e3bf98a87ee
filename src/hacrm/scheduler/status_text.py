"""The cluster status block ("Current cluster status" / "Revised Cluster Status") exactly as
crm_simulate 2.1.5 prints it: a node list, then every resource by variant."""

from __future__ import annotations

import functools

from .cluster import Cluster, numeric_strcasecmp
from .history import OCF_EXIT_TEXT, _int, is_probe
from .model import (R_BLOCK, R_FAILED, R_FAILURE_IGNORED, R_MANAGED, R_ORPHAN, R_PROMOTABLE,
                    R_UNIQUE, Node, Resource, Role, Variant, text_to_role)
from .actions import rsc_active


class Lines:
    """A tiny text list builder with crm_simulate's "  * " nesting."""

    def __init__(self, show_pending: bool = False, rsc_only: bool = False,
                 show_inactive: bool = True, brief: bool = False,
                 details: bool = False) -> None:
        self.out: list[str] = []
        self.show_pending = show_pending
        #: primitives without their node (``crm_resource --list``)
        self.rsc_only = rsc_only
        #: stopped members and clone instances too (crm_mon -r; crm_simulate always)
        self.show_inactive = show_inactive
        #: a group's members counted by agent instead of listed (crm_mon -b)
        self.brief = brief
        #: every clone instance on its own line, implicit resources shown (crm_mon -R)
        self.details = details

    def item(self, depth: int, text: str) -> None:
        self.out.append("  " * depth + "* " + text)

    def header(self, depth: int, text: str) -> None:
        self.out.append("  " * depth + "* " + text + ":")


def node_health(cl: Cluster, node: Node) -> int:
    from .health import node_health as _health
    return _health(cl, node)


def node_status_text(node: Node) -> str:
    if node.unclean:
        if node.online:
            return "UNCLEAN (online)"
        if node.pending:
            return "UNCLEAN (pending)"
        return "UNCLEAN (offline)"
    if node.pending:
        return "pending"
    if node.standby_onfail and node.online:
        return "standby (on-fail)"
    if node.standby:
        if node.online:
            return "standby (with active resources)" if node.running_rsc else "standby"
        return "OFFLINE (standby)"
    if node.maintenance:
        return "maintenance" if node.online else "OFFLINE (maintenance)"
    if node.online:
        return "online"
    return "OFFLINE"


def format_node_list(cl: Cluster, lines: Lines) -> None:
    lines.header(1, "Node List")
    online, offline, remote_on, remote_off, guest_on = [], [], [], [], []
    for node in cl.nodes:
        health = node_health(cl, node)
        if node.unclean or node.pending or (node.standby_onfail and node.online) or \
                node.standby or node.maintenance or health <= 0:
            kind = "GuestNode" if node.is_guest else ("RemoteNode" if node.type == "remote" else "Node")
            text = f"{kind} {node.uname}: {node_status_text(node)}"
            if health < 0:
                text += " (health is RED)"
            elif health == 0:
                text += " (health is YELLOW)"
            lines.item(2, text)
        elif node.online:
            if node.is_guest:
                guest_on.append(node.uname)
            elif node.type == "remote":
                remote_on.append(node.uname)
            else:
                online.append(node.uname)
        else:
            if node.type == "remote" and not node.is_guest:
                remote_off.append(node.uname)
            elif node.is_guest:
                pass
            else:
                offline.append(node.uname)
    for label, names in (("Online", online), ("OFFLINE", offline), ("RemoteOnline", remote_on),
                         ("RemoteOFFLINE", remote_off), ("GuestOnline", guest_on)):
        if names:
            lines.item(2, f"{label}: [ {' '.join(names)} ]")


def displayable_role(rsc: Resource) -> Role:
    role = rsc.role
    if role == Role.STARTED and rsc.top.has(R_PROMOTABLE):
        role = Role.UNPROMOTED
    return role


def failed_probe_for(cl: Cluster, rsc: Resource, node_name: str | None):
    """pe__failed_probe_for_rsc: a masked probe failure of this resource recorded on node."""
    from .actions import parse_op_key
    from .history import mask_probe_failure
    top = rsc.top
    if rsc.variant == Variant.CLONE:
        rsc_id = rsc.xml_child.get("id")
    elif top.variant == Variant.CLONE:
        rsc_id = top.xml_child.get("id")
    else:
        rsc_id = rsc.id
    for op, _node, _frsc in cl.failed_ops:
        if not mask_probe_failure(op):
            continue
        target = op.get("on_node")
        if target is None or (node_name is not None and target.lower() != node_name.lower()):
            continue
        parsed = parse_op_key(op.get("operation_key") or op.get("id") or "")
        if parsed is None or parsed[0] != rsc_id:
            continue
        return op
    return None


_PENDING = {"start": "Starting", "stop": "Stopping", "migrate_to": "Migrating",
            "migrate_from": "Migrating", "promote": "Promoting", "demote": "Demoting"}


def primitive_line(cl: Cluster, rsc: Resource, name: str, node: Node | None, rsc_only: bool,
                   show_nodes: bool = True, show_pending: bool = False) -> str:
    cls = rsc.xml.get("class") or "unknown"
    kind = rsc.xml.get("type") or "unknown"
    provider = rsc.xml.get("provider") if cls == "ocf" else None
    if node is None and rsc.lock_node is not None:
        node = rsc.lock_node
    multiple = len(rsc.running_on) > 1
    if rsc_only or multiple:
        node = None
    agent = f"{cls}:{provider}:{kind}" if provider else f"{cls}:{kind}"
    out = f"{name}\t({agent}):\t"
    if rsc.has(R_ORPHAN):
        out += " ORPHANED"
    if rsc.has(R_FAILED):
        role = displayable_role(rsc)
        out += " FAILED"
        if role > Role.UNPROMOTED:
            out += " " + role.text
    else:
        state = _PENDING.get(rsc.pending_task or "") if show_pending else None
        out += " " + (state or displayable_role(rsc).text)
    if node is not None:
        out += " " + node.uname
    if displayable_role(rsc) == Role.STOPPED:
        probe = failed_probe_for(cl, rsc, node.uname if node else None)
        if probe is not None:
            rc = _int(probe.get("rc-code"))
            out += f" ({OCF_EXIT_TEXT.get(rc, 'error')}) "
    flags: list[str] = []
    if node is not None and not node.online and node.unclean:
        flags.append("UNCLEAN")
    if node is not None and node is rsc.lock_node:
        flags.append("LOCKED")
    if show_pending and rsc.pending_task == "monitor":
        flags.append("Monitoring")
    target_role = rsc.meta.get("target-role")
    if target_role:
        tr = text_to_role(target_role)
        if tr == Role.STOPPED:
            flags.append("disabled")
        elif rsc.top.has(R_PROMOTABLE) and tr == Role.UNPROMOTED:
            flags.append("target-role:" + target_role)
    if rsc.has(R_BLOCK):
        flags.append("blocked")
    elif not rsc.has(R_MANAGED):
        flags.append("unmanaged")
    if rsc.has(R_FAILURE_IGNORED):
        flags.append("failure ignored")
    if flags:
        out += " (" + ", ".join(flags) + ")"
    if rsc_only or multiple:
        desc = rsc.xml.get("description")
        if desc:
            out += " " + desc
    if show_nodes and not rsc_only and multiple:
        out += " [ " + " ".join(n.uname for n in rsc.running_on) + " ]"
    return out


def is_internal(rsc: Resource) -> bool:
    """A resource the cluster made for itself (a bundle's parts): shown only in detail."""
    return (rsc.meta.get("internal_rsc") or "").lower() in ("true", "yes", "1", "on", "y")


def format_primitive(cl: Cluster, rsc: Resource, lines: Lines, depth: int) -> bool:
    if is_internal(rsc) and not lines.details:
        return False
    node = rsc.current_node() or rsc.pending_node
    lines.item(depth, primitive_line(cl, rsc, rsc.printable_id(), node, lines.rsc_only,
                                     show_pending=lines.show_pending))
    return True


def is_disabled(rsc: Resource) -> bool:
    tr = rsc.meta.get("target-role")
    if tr:
        role = text_to_role(tr)
        if role == Role.STOPPED or (role == Role.UNPROMOTED and rsc.top.has(R_PROMOTABLE)):
            return True
    return False


def format_group(cl: Cluster, rsc: Resource, lines: Lines, depth: int) -> bool:
    attrs = []
    inactive = [c for c in rsc.children if not rsc_active(c, True)]
    if inactive and not lines.show_inactive and not rsc_active(rsc, True) \
            and rsc_active(rsc, False):
        attrs.append(f"{len(inactive)} member{'s' if len(inactive) != 1 else ''} inactive")
    if not rsc.has(R_MANAGED):
        attrs.append("unmanaged")
    if is_disabled(rsc):
        attrs.append("disabled")
    header = f"Resource Group: {rsc.id}" + (f" ({', '.join(attrs)})" if attrs else "")
    if lines.brief:  # the members counted by agent, stopped ones included
        if not rsc.children:
            return False
        lines.header(depth, header)
        format_brief(rsc.children, lines, depth + 1, show_inactive=True)
        return True
    printed = False
    for child in rsc.children:
        if not lines.show_inactive and not rsc_active(child, False):
            continue
        if not printed:
            lines.header(depth, header)
            printed = True
        format_resource(cl, child, lines, depth + 1)
    return printed


def _configured_role(rsc: Resource) -> Role:
    tr = rsc.meta.get("target-role")
    if tr is None and rsc.children:
        tr = rsc.children[0].meta.get("target-role")
    return text_to_role(tr) if tr else Role.UNKNOWN


def _recursive_flag(rsc: Resource, flag: int, any_: bool) -> bool:
    if any_:
        return rsc.has(flag) or any(_recursive_flag(c, flag, True) for c in rsc.children)
    if not rsc.has(flag):
        return False
    return all(_recursive_flag(c, flag, False) for c in rsc.children)


def _child_location(rsc: Resource) -> Node | None:
    nodes: list[Node] = []
    for r in rsc.walk():
        if r.children:
            continue
        for n in r.running_on:
            if n not in nodes:
                nodes.append(n)
    return nodes[0] if len(nodes) == 1 else None


def _state(rsc: Resource) -> Role:
    """clone/group 'state' (current): the highest child role."""
    if not rsc.children:
        return rsc.role
    role = Role.UNKNOWN
    for c in rsc.children:
        r = _state(c)
        if r > role:
            role = r
    return role


_name_key = functools.cmp_to_key(lambda a, b: numeric_strcasecmp(a.uname, b.uname))


def format_clone(cl: Cluster, rsc: Resource, lines: Lines, depth: int) -> bool:
    attrs = []
    if rsc.has(R_PROMOTABLE):
        attrs.append("promotable")
    if rsc.has(R_UNIQUE):
        attrs.append("unique")
    if not rsc.has(R_MANAGED):
        attrs.append("unmanaged")
    if is_disabled(rsc):
        attrs.append("disabled")
    child_id = rsc.xml_child.get("id")
    header = f"Clone Set: {rsc.id} [{child_id}]" + (f" ({', '.join(attrs)})" if attrs else "")
    state = {"printed": False}

    def head() -> None:
        if not state["printed"]:
            lines.header(depth, header)
            state["printed"] = True
    stopped: dict[str, str] = {}
    promoted: list[Node] = []
    started: list[Node] = []
    for child in rsc.children:
        print_full = lines.details  # crm_mon -R: every instance on its own line
        partially = rsc_active(child, False)
        if rsc.has(R_UNIQUE):
            if partially or not rsc.has(R_ORPHAN):
                print_full = True
        elif lines.show_pending and child.pending_task is not None and \
                child.pending_task != "probe":
            print_full = True
        elif not partially:
            if not child.has(R_ORPHAN) and lines.show_inactive and not lines.details:
                stopped[child.id] = "Stopped"
        elif _recursive_flag(child, R_ORPHAN, True) or not _recursive_flag(child, R_MANAGED, False) \
                or _recursive_flag(child, R_FAILED, True):
            print_full = True
        elif rsc_active(child, True):
            loc = _child_location(child)
            if loc is not None:
                if not loc.online and loc.unclean:
                    print_full = True
                elif _state(child) > Role.UNPROMOTED:
                    promoted.append(loc)
                else:
                    started.append(loc)
            else:
                print_full = True
        else:
            print_full = True
        if print_full:
            head()
            format_resource(cl, child, lines, depth + 1)
    if lines.details:
        return True  # crm_mon counts the clone as shown even when no instance was
    active = 0
    if promoted:
        promoted.sort(key=_name_key)
        head()
        lines.item(depth + 1, "Promoted: [ " + " ".join(n.uname for n in promoted) + " ]")
        active += len(promoted)
    if started:
        started.sort(key=_name_key)
        head()
        active += len(started)
        names = " ".join(n.uname for n in started)
        if rsc.has(R_PROMOTABLE):
            if _configured_role(rsc) == Role.UNPROMOTED:
                lines.item(depth + 1, f"Unpromoted (target-role): [ {names} ]")
            else:
                lines.item(depth + 1, f"Unpromoted: [ {names} ]")
        else:
            lines.item(depth + 1, f"Started: [ {names} ]")
    if not rsc.has(R_UNIQUE) and rsc.clone_max > active and lines.show_inactive:
        stopped = {}
        nodes = [ns.node for ns in rsc.allowed_nodes.values()]
        if not nodes:
            nodes = list(rsc.known_on.values())
        nodes.sort(key=_name_key)
        for node in nodes:
            if node in rsc.running_on:
                continue
            probe = failed_probe_for(cl, rsc, node.uname)
            st = "Stopped (disabled)" if _configured_role(rsc) == Role.STOPPED else "Stopped"
            if probe is not None:
                st = f"Stopped ({OCF_EXIT_TEXT.get(_int(probe.get('rc-code')), 'error')})"
            stopped[node.uname] = st
    if stopped:
        head()
        for status in sorted(set(stopped.values())):
            names = sorted((k for k, v in stopped.items() if v == status),
                           key=functools.cmp_to_key(numeric_strcasecmp))
            lines.item(depth + 1, f"{status}: [ {' '.join(names)} ]")
    elif active == 0:
        head()
    return state["printed"]


def format_resource(cl: Cluster, rsc: Resource, lines: Lines, depth: int) -> bool:
    if rsc.variant == Variant.PRIMITIVE:
        return format_primitive(cl, rsc, lines, depth)
    if rsc.variant == Variant.GROUP:
        return format_group(cl, rsc, lines, depth)
    if rsc.variant == Variant.CLONE:
        return format_clone(cl, rsc, lines, depth)
    from .bundle import format_bundle
    return format_bundle(cl, rsc, lines, depth)


def agent_name(rsc: Resource) -> str:
    """``class:provider:type`` (the provider only for classes that have one: ocf)."""
    cls = rsc.xml.get("class") or ""
    kind = rsc.xml.get("type") or ""
    provider = rsc.xml.get("provider") if cls == "ocf" else None
    return f"{cls}:{provider}:{kind}" if provider is not None else f"{cls}:{kind}"


def format_brief(resources: list[Resource], lines: Lines, depth: int,
                 show_inactive: bool | None = None) -> bool:
    """crm_mon -b's summary of primitives: per agent, how many run on each node.

    Only primitives of ``resources`` are counted (groups and clones are shown on their own).
    A copy on a node that is cleanly offline does not count when the resource is managed.
    With inactive resources shown, each line also says how many are configured
    (``1/2``), and an agent with nothing running still gets a line.  When the lines belong
    to one node already (``lines.rsc_only``, the by-node list), the node is not repeated.
    """
    show_inactive = lines.show_inactive if show_inactive is None else show_inactive
    configured: dict[str, int] = {}
    active: dict[str, dict[str, int]] = {}
    for rsc in resources:
        if rsc.variant != Variant.PRIMITIVE:
            continue
        agent = agent_name(rsc)
        configured[agent] = configured.get(agent, 0) + 1
        for node in rsc.running_on:
            if not node.unclean and not node.online and rsc.has(R_MANAGED):
                continue
            per_node = active.setdefault(node.uname, {})
            per_node[agent] = per_node.get(agent, 0) + 1
    nodes = sorted(active, key=functools.cmp_to_key(numeric_strcasecmp))
    printed = False
    for agent in sorted(configured, key=lambda a: a.encode()):
        running = 0
        for uname in nodes:
            count = active[uname].get(agent, 0)
            if count == 0:
                continue
            running += count
            where = "" if lines.rsc_only else uname
            amount = f"{count}/{configured[agent]}" if show_inactive else f"{count}"
            lines.item(depth, f"{amount}\t({agent}):\tActive {where}")
            printed = True
        if show_inactive and running == 0:
            lines.item(depth, f"0/{configured[agent]}\t({agent}):\tActive")
            printed = True
    return printed


def format_status(cl: Cluster, title: str, show_pending: bool = False) -> list[str]:
    lines = Lines(show_pending)
    lines.out.append(f"{title}:")
    format_node_list(cl, lines)
    lines.out.append("")
    header_done = False
    any_out = False
    for rsc in cl.resources:
        if rsc.has(R_ORPHAN) and not rsc_active(rsc, True):
            continue
        if not header_done:
            lines.header(1, "Full List of Resources")
            header_done = True
        if format_resource(cl, rsc, lines, 2):
            any_out = True
    if not any_out:
        if not header_done:
            lines.header(1, "Full List of Resources")
        lines.item(2, "No resources")
    return lines.out


def count_instances(cl: Cluster) -> tuple[int, int, int]:
    """(instances, disabled, blocked) as pe__count_common counts them."""
    total = disabled = blocked = 0
    for top in cl.resources:
        for r in top.walk():
            if r.children:
                continue
            if r.has(R_ORPHAN) and r.role <= Role.STOPPED:
                continue
            total += 1
            if is_disabled(r):
                disabled += 1
            if r.has(R_BLOCK):
                blocked += 1
    return total, disabled, blocked
