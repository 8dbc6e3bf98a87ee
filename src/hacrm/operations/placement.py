"""``crm resource move|ban|clear``: the ``cli-prefer-`` / ``cli-ban-`` location constraints.

These are ``crm_resource --move/--ban/--clear``'s constraints, with its ids, so that any tool
(ours, crmsh, pcs) recognises and clears them:

* ``move R N`` -> ``cli-prefer-R`` (score INFINITY on N, role Started), after clearing R's old
  preference and any ban of R from N; ``move R force`` without a node bans R from where it runs;
* ``ban R N`` -> ``cli-ban-R-on-N`` (-INFINITY); ``ban R`` bans it from the one node it runs on;
* with a lifetime (an ISO 8601 duration: ``PT10M``, ``P1D``) the constraint becomes a rule
  with a ``date_expression`` ending then, so it stops counting by itself;
* ``clear R`` removes R's preference and its bans from every known node.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from lxml import etree

from hacrm.operations.changes import Change
from hacrm.operations.xmltree import OperationError, find_resource, node_names, section

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
#: what crmsh takes as a lifetime rather than a node name (utils.fetch_lifetime_opt)
_LOOKS_LIKE_LIFETIME = re.compile(r"(PT?[0-9]|[0-9]+.*[:-])")


def looks_like_lifetime(word: str) -> bool:
    return word in ("reboot", "forever") or bool(_LOOKS_LIKE_LIFETIME.match(word))


def lifetime_end(duration: str, now: float | None = None) -> str:
    """When a constraint with this lifetime stops counting, as crm_resource writes it."""
    match = _DURATION.match(duration)
    if match is None or duration in ("P", "PT") or duration.endswith("T"):
        raise OperationError(f"Invalid duration specified: {duration}\nPlease refer to "
                             "https://en.wikipedia.org/wiki/ISO_8601#Durations for examples "
                             "of valid durations")
    years, months, weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    moment = datetime.fromtimestamp(time.time() if now is None else now).astimezone()
    month_index = moment.month - 1 + months + 12 * years
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, _days_in(year, month))
    moment = moment.replace(year=year, month=month, day=day)
    moment += timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    offset = moment.utcoffset() or timedelta(0)
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
    if not offset:
        return stamp + "Z"
    total = int(offset.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    return f"{stamp} {sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def _days_in(year: int, month: int) -> int:
    nxt = datetime(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def _constraint(change: Change, ident: str, rsc: str, node: str, score: str,
                lifetime: str | None, rule_ids: tuple[str, str, str]) -> None:
    """Add (or merge into an existing one, as the CIB's modify does) a cli- constraint."""
    constraints = section(change.root, "constraints")
    end = lifetime_end(lifetime) if lifetime else None
    attrs: dict[str, str] = {"id": ident, "rsc": rsc, "role": "Started"}
    if end is None:
        attrs.update(node=node, score=score)
    existing = next((c for c in constraints.iterfind("rsc_location") if c.get("id") == ident),
                    None)
    if existing is not None:
        for key, value in attrs.items():
            existing.set(key, value)
        location = existing
    else:
        location = etree.SubElement(constraints, "rsc_location", attrs)
    if end is not None:
        for old in location.findall("rule"):
            location.remove(old)
        rule = etree.SubElement(location, "rule", {"id": rule_ids[0], "score": score,
                                                   "boolean-op": "and"})
        etree.SubElement(rule, "expression", {"id": rule_ids[1], "attribute": "#uname",
                                              "operation": "eq", "value": node,
                                              "type": "string"})
        etree.SubElement(rule, "date_expression", {"id": rule_ids[2], "operation": "lt",
                                                   "end": end})
        change.out(f"Migration will take effect until: {end}")
    change.wrote("config")


def prefer(change: Change, rsc: str, node: str, lifetime: str | None) -> None:
    _constraint(change, f"cli-prefer-{rsc}", rsc, node, "INFINITY", lifetime,
                (f"cli-prefer-rule-{rsc}", f"cli-prefer-expr-{rsc}",
                 f"cli-prefer-lifetime-end-{rsc}"))


def ban(change: Change, rsc: str, node: str, lifetime: str | None) -> None:
    ident = f"cli-ban-{rsc}-on-{node}"
    if lifetime:
        lifetime_end(lifetime)  # refuse a bad duration before saying anything
    change.out(f"WARNING: Creating rsc_location constraint '{ident}' with a score of "
               f"-INFINITY for resource {rsc} on {node}.\n\tThis will prevent {rsc} from "
               f"running on {node} until the constraint is removed using the clear option or "
               f"by editing the CIB with an appropriate tool\n\tThis will be the case even if "
               f"{node} is the last node in the cluster")
    _constraint(change, ident, rsc, node, "-INFINITY", lifetime,
                (f"{ident}-rule", f"{ident}-expr", f"{ident}-lifetime"))


def _remove(change: Change, predicate) -> None:
    constraints = change.root.find("configuration/constraints")
    if constraints is None:
        return
    doomed = [loc for loc in constraints.iterfind("rsc_location") if predicate(loc)]
    for loc in doomed:
        constraints.remove(loc)
    if doomed:
        change.wrote("config")


def clear_node(change: Change, rsc: str, node: str, *, bans: bool, force: bool) -> None:
    """cli_resource_clear for one node: the prefer rule naming it, its ban, and the short
    prefer constraint when it names that node (any node with ``force``)."""
    def expr_form(loc: etree._Element) -> bool:
        return loc.get("id") == f"cli-prefer-{rsc}" and any(
            r.get("id") == f"cli-prefer-rule-{rsc}" and any(
                e.get("attribute") == "#uname" and e.get("value") == node
                for e in r.iterfind("expression")) for r in loc.iterfind("rule"))

    def short_form(loc: etree._Element) -> bool:
        if bans and loc.get("id") == f"cli-ban-{rsc}-on-{node}":
            return True
        return loc.get("id") == f"cli-prefer-{rsc}" and (force or loc.get("node") == node)

    _remove(change, expr_form)
    _remove(change, short_form)


def clear(change: Change, rsc: str, node: str | None = None, force: bool = False) -> None:
    find_resource(change.root, rsc)
    nodes = [node] if node else node_names(change.root)
    for name in nodes:
        clear_node(change, rsc, name, bans=True, force=force)


def running_on(change: Change, rsc_id: str) -> tuple[list[str], list[str]]:
    """Nodes the resource (any part of it) is active on, and those where it is promoted."""
    from hacrm.scheduler.model import Role
    from hacrm.scheduler.scheduler import parse_cib, unpack_cluster

    cluster = unpack_cluster(parse_cib(etree.tostring(change.root)), None)
    for top in cluster.resources:
        for rsc in top.walk():
            if rsc.id != rsc_id and getattr(rsc, "clone_name", None) != rsc_id:
                continue
            active: list[str] = []
            promoted: list[str] = []
            for part in rsc.walk():
                for node in part.running_on:
                    if node.uname not in active:
                        active.append(node.uname)
                    if part.role == Role.PROMOTED and not part.children \
                            and node.uname not in promoted:
                        promoted.append(node.uname)
            return active, promoted
    return [], []


def ban_here(change: Change, rsc: str, lifetime: str | None, promotable: bool) -> None:
    """``ban R`` without a node: from the one node R is active (or promoted) on."""
    active, promoted = running_on(change, rsc)
    if len(active) == 1:
        ban(change, rsc, active[0], lifetime)
    elif promotable and len(promoted) == 1:
        ban(change, rsc, promoted[0], lifetime)
    elif promotable:
        raise OperationError(
            f"Resource '{rsc}' not moved: active in {len(active)} locations (promoted in "
            f"{len(promoted)}).\nTo prevent '{rsc}' from running on a specific location, "
            f"specify a node.To prevent '{rsc}' from being promoted at a specific location, "
            "specify a node and the --promoted option.")
    else:
        raise OperationError(
            f"Resource '{rsc}' not moved: active in {len(active)} locations.\nTo prevent "
            f"'{rsc}' from running on a specific location, specify a node.")


def move(change: Change, rsc: str, node: str, lifetime: str | None, force: bool,
         promotable: bool, clone: bool) -> None:
    """cli_resource_move: prefer ``node``; with ``force`` also ban the current node."""
    active, promoted = running_on(change, rsc)
    current = active
    if promotable and promoted:
        current = promoted
    if len(current) > 1 and not clone:
        raise OperationError(f"Resource '{rsc}' is currently active in more than one "
                             "location; specify a clone or use ban")
    here = current[0] if len(current) == 1 else None
    if here == node and not force:
        raise OperationError(f"Error performing operation: Situation already as requested "
                             f"({rsc} is already active on {node})")
    if lifetime:
        lifetime_end(lifetime)
    for name in node_names(change.root):
        clear_node(change, rsc, name, bans=False, force=force)
    clear_node(change, rsc, node, bans=True, force=force)
    prefer(change, rsc, node, lifetime)
    if force and here is not None and here != node:
        ban(change, rsc, here, lifetime)
