"""Constraint unpacking: rsc_location (scores, rules, roles, resource-discovery, rsc-pattern),
rsc_colocation and rsc_order (simple and with resource sets), with tags and templates expanded.

Locations become per-node score lists attached to the resource; colocations are sorted onto both
resources; orderings are recorded and turned into action links after actions exist."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from typing import Any

from .cluster import Cluster, is_true
from .model import (INFINITY, O_ANTI_COLOCATION, O_ASYMMETRICAL, O_IMPLIES_FIRST,
                    O_IMPLIES_THEN, O_IMPLIES_THEN_PRINTED, O_NONE, O_ONE_OR_MORE, O_OPTIONAL,
                    O_RUNNABLE_LEFT, O_SERIALIZE_ONLY, A_REQUIRES_ANY, Action, Colocation,
                    Location, Node, NodeScore, R_CRITICAL, R_PROMOTABLE, Resource, Role,
                    Variant, parse_score, text_to_role)
from .rules import RuleContext, eval_rule


@dataclass(eq=False)
class Ordering:
    id: int
    flags: int
    first_rsc: Resource | None
    first_task: str | None
    first_action: Action | None
    then_rsc: Resource | None
    then_task: str | None
    then_action: Action | None


def new_ordering(cl: Cluster, first_rsc: Resource | None, first_task: str | None,
                 first_action: Action | None, then_rsc: Resource | None, then_task: str | None,
                 then_action: Action | None, flags: int) -> None:
    if first_rsc is None and first_action is not None:
        first_rsc = first_action.rsc
    if then_rsc is None and then_action is not None:
        then_rsc = then_action.rsc
    if first_task is None and first_action is not None:
        first_task = first_action.uuid
    if then_task is None and then_action is not None:
        then_task = then_action.uuid
    order = Ordering(len(cl.orderings), flags, first_rsc, first_task, first_action,
                     then_rsc, then_task, then_action)
    cl.orderings.append(order)
    if first_rsc is not None and then_rsc is not None and first_rsc is not then_rsc:
        from .migration import order_migration_equivalents
        order_migration_equivalents(cl, order)


def order_rsc_actions(cl: Cluster, first: Resource, first_task: str, then: Resource,
                      then_task: str, flags: int) -> None:
    new_ordering(cl, first, f"{first.id}_{first_task}_0", None, then, f"{then.id}_{then_task}_0",
                 None, flags)


def find_constraint_resource(cl: Cluster, rid: str | None) -> Resource | None:
    """pcmk__find_constraint_resource: top-level ids, or a clone's child by its XML id."""
    if rid is None:
        return None
    index = getattr(cl, "_cons_index", None)
    if index is None:
        index = {}
        for top in cl.resources:
            for r in top.walk():
                index.setdefault(r.id, r)
                if r.clone_name is not None:
                    index.setdefault(r.clone_name, r.top)
        cl._cons_index = index  # type: ignore[attr-defined]
    return index.get(rid)


def _find_cons(rsc: Resource, rid: str) -> Resource | None:
    for r in rsc.walk():
        if r.id == rid:
            return r
        if r.clone_name is not None and r.clone_name == rid:
            return r.top
    return None


def unpack_constraints(cl: Cluster) -> None:
    cons = None
    config = cl.cib.find("configuration")
    if config is not None:
        cons = config.find("constraints")
    if cons is None:
        return
    for x in cons:
        if not isinstance(x.tag, str):
            continue
        x = cl.ids.resolve(x) if x.get("id-ref") else x
        if x is None:
            continue
        if x.tag == "rsc_location":
            unpack_location(cl, x)
        elif x.tag == "rsc_colocation":
            unpack_colocation(cl, x)
        elif x.tag == "rsc_order":
            unpack_order(cl, x)
        elif x.tag == "rsc_ticket":
            from .tickets import unpack_ticket_constraint
            unpack_ticket_constraint(cl, x)


# --- tags / templates -----------------------------------------------------------------------

def _tag_members(cl: Cluster, tid: str) -> list[str] | None:
    if tid in cl.template_members:
        return list(cl.template_members[tid])
    if tid in cl.templates:
        return []
    if tid in cl.tags:
        return list(cl.tags[tid])
    return None


def expand_sets(cl: Cluster, xml: Any) -> Any:
    """Replace tag/template references inside resource_set elements by their members."""
    changed = False
    new = copy.deepcopy(xml)
    for rs in new.iter("resource_set"):
        for ref in list(rs):
            if ref.tag != "resource_ref":
                continue
            rid = ref.get("id")
            if find_constraint_resource(cl, rid) is not None:
                continue
            members = _tag_members(cl, rid)
            if members is None:
                continue
            idx = list(rs).index(ref)
            rs.remove(ref)
            for i, m in enumerate(members):
                el = copy.copy(ref)
                el.attrib.clear()
                el.tag = "resource_ref"
                el.set("id", m)
                rs.insert(idx + i, el)
            changed = True
    return new if changed else xml


def _tag_to_set(cl: Cluster, xml: Any, attr: str, convert_rsc: bool) -> Any:
    from lxml import etree
    rid = xml.get(attr)
    if rid is None:
        return None
    members = _tag_members(cl, rid) if find_constraint_resource(cl, rid) is None else None
    if members is None:
        if not convert_rsc:
            return None
        members = [rid]
    rs = etree.SubElement(xml, "resource_set")
    rs.set("id", f"{xml.get('id')}-{attr}")
    for m in members:
        r = etree.SubElement(rs, "resource_ref")
        r.set("id", m)
    del xml.attrib[attr]
    return rs


# --- locations ------------------------------------------------------------------------------

def new_location(cl: Cluster, cid: str, rsc: Resource, weight: int, discovery: str | None,
                 node: Node | None) -> Location | None:
    mode = (discovery or "always").lower()
    if mode not in ("always", "never", "exclusive"):
        mode = "always"
    if mode == "exclusive":
        rsc.exclusive_discover = True
    loc = Location(cid, rsc, [], Role.UNKNOWN, mode)
    if node is not None:
        loc.nodes.append(NodeScore(node, weight))
    cl.locations.append(loc)
    rsc.rsc_location.append(loc)
    return loc


def unpack_location(cl: Cluster, xml: Any) -> None:
    cid = xml.get("id")
    if cid is None:
        return
    expanded = expand_sets(cl, xml)
    rid = expanded.get("rsc")
    if rid is not None and find_constraint_resource(cl, rid) is None and _tag_members(cl, rid) is not None:
        expanded = copy.deepcopy(expanded)
        rs = _tag_to_set(cl, expanded, "rsc", False)
        if rs is not None and expanded.get("role"):
            rs.set("role", expanded.get("role"))
            del expanded.attrib["role"]
    sets = [s for s in expanded if s.tag == "resource_set"]
    if sets:
        for s in sets:
            s = cl.ids.resolve(s)
            if s is None:
                return
            for ref in s:
                if ref.tag != "resource_ref":
                    continue
                r = find_constraint_resource(cl, ref.get("id"))
                if r is None:
                    return
                _unpack_rsc_location(cl, expanded, r, s.get("role"), s.get("score"), None)
        return
    if rid is not None:
        _unpack_rsc_location(cl, expanded, find_constraint_resource(cl, rid), None, None, None)
    pattern = expanded.get("rsc-pattern")
    if pattern:
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:]
        try:
            rx = re.compile(pattern)
        except re.error:
            return
        for r in cl.resources:
            m = rx.search(r.id)
            if not invert and m is not None:
                _unpack_rsc_location(cl, expanded, r, None, None, m)
            elif invert and m is None:
                _unpack_rsc_location(cl, expanded, r, None, None, None)


def _role_filter(role: str | None) -> Role | None:
    if role is None:
        return Role.UNKNOWN
    r = text_to_role(role)
    if r == Role.UNKNOWN:
        return None
    if r in (Role.STARTED, Role.UNPROMOTED):
        return Role.UNKNOWN
    return r


def _unpack_rsc_location(cl: Cluster, xml: Any, rsc: Resource | None, role: str | None,
                         score: str | None, match: Any) -> None:
    if rsc is None:
        return
    cid = xml.get("id")
    node_name = xml.get("node")
    discovery = xml.get("resource-discovery")
    if score is None:
        score = xml.get("score")
    if node_name is not None and score is not None:
        node = cl.find_node(node_name)
        if node is None:
            return
        loc = new_location(cl, cid, rsc, parse_score(score), discovery, node)
        if role is None:
            role = xml.get("role")
        if loc is not None and role is not None:
            rf = _role_filter(role)
            if rf is None:
                return
            loc.role_filter = rf
        return
    for rule in xml:
        if rule.tag != "rule":
            continue
        _location_rule(cl, rsc, cl.ids.resolve(rule), discovery, match)


def _location_rule(cl: Cluster, rsc: Resource, rule: Any, discovery: str | None, match: Any) -> None:
    from .unpack import rsc_params
    if rule is None:
        return
    role = rule.get("role")
    if role is not None and text_to_role(role) == Role.UNKNOWN:
        return
    score = rule.get("score")
    raw = True
    if score is None:
        score = rule.get("score-attribute")
        if score is not None:
            raw = False
    do_and = (rule.get("boolean-op") or "and").lower() != "or"
    loc = new_location(cl, rule.get("id") or "", rsc, 0, discovery, None)
    if match is not None and not raw and score:
        score = re.sub(r"%(\d)", lambda m: (match.group(int(m.group(1))) or "") if int(m.group(1)) <= (match.re.groups) else "", score)
    if role is not None:
        rf = text_to_role(role)
        loc.role_filter = Role.UNKNOWN if rf == Role.UNPROMOTED else rf

    def node_score(node: Node) -> int:
        if score is None:
            return 0
        if raw:
            return parse_score(score)
        val = _node_attr_calculated(node, score, rsc)
        return -INFINITY if val is None else parse_score(val)
    match_list: dict[str, NodeScore] = {}
    order: list[str] = []
    if do_and:
        for n in cl.nodes:
            match_list[n.id] = NodeScore(n, node_score(n))
            order.append(n.id)
    for n in cl.nodes:
        ctx = RuleContext(node_attrs=n.attrs, now=cl.now, params=rsc_params(cl, rsc, n),
                          meta=rsc.meta, regex_match=match)
        accept = eval_rule(rule, ctx)
        sf = node_score(n)
        if accept:
            local = match_list.get(n.id)
            if local is None and do_and:
                continue
            if local is None:
                local = NodeScore(n, n.weight)
                match_list[n.id] = local
                order.append(n.id)
            if not do_and:
                from .model import add_scores
                local.weight = add_scores(local.weight, sf)
        elif do_and:
            if n.id in match_list:
                del match_list[n.id]
                order.remove(n.id)
    loc.nodes = [match_list[i] for i in order]
    if not loc.nodes:
        cl.locations.remove(loc)
        rsc.rsc_location.remove(loc)


def _node_attr_calculated(node: Node, name: str, rsc: Resource) -> str | None:
    """pe_node_attribute_calculated: guest nodes may take the attribute from their host."""
    if not node.is_guest:
        return node.attrs.get(name)
    container = node.remote_rsc.container
    source = container.meta.get("container-attribute-target") if container else None
    if source != "host" or container is None:
        return node.attrs.get(name)
    host = container.running_on[0] if container.running_on else None
    return host.attrs.get(name) if host else None


# --- colocations ----------------------------------------------------------------------------

def _cmp_priority(side: str):
    def cmp(a: Colocation, b: Colocation) -> int:
        ra, rb = getattr(a, side), getattr(b, side)
        if ra.priority != rb.priority:
            return -1 if ra.priority > rb.priority else 1
        if ra.variant != rb.variant:
            return -1 if ra.variant > rb.variant else 1
        if ra.variant == Variant.CLONE:
            pa, pb = ra.has(R_PROMOTABLE), rb.has(R_PROMOTABLE)
            if pa and not pb:
                return -1
            if pb and not pa:
                return 1
        return (ra.id > rb.id) - (ra.id < rb.id)
    return cmp


_cmp_primary = _cmp_priority("primary")
_cmp_dependent = _cmp_priority("dependent")


def _insert_sorted(lst: list[Colocation], item: Colocation, cmp) -> None:
    """g_list_insert_sorted: after every element that does not sort after the new one."""
    i = 0
    while i < len(lst) and cmp(item, lst[i]) >= 0:
        i += 1
    lst.insert(i, item)


def add_this_with(rsc: Resource, c: Colocation) -> None:
    _insert_sorted(rsc.rsc_cons, c, _cmp_primary)


def add_with_this(rsc: Resource, c: Colocation) -> None:
    _insert_sorted(rsc.rsc_cons_lhs, c, _cmp_dependent)


def new_colocation(cl: Cluster, cid: str, node_attr: str | None, score: int, dependent: Resource | None,
                   primary: Resource | None, dep_role: str | None, pri_role: str | None,
                   influence: bool) -> None:
    if score == 0 or dependent is None or primary is None:
        return

    def role_of(r: str | None) -> Role:
        if r is None or r.lower() == "started":
            return Role.UNKNOWN
        return text_to_role(r)
    c = Colocation(cid, dependent, primary, score, role_of(dep_role), role_of(pri_role),
                   node_attr or "#uname", influence)
    add_this_with(dependent, c)
    add_with_this(primary, c)
    cl.colocations.append(c)
    if score <= -INFINITY:
        _anti_colocation_order(cl, dependent, c.dependent_role, primary, c.primary_role)
        _anti_colocation_order(cl, primary, c.primary_role, dependent, c.dependent_role)


def _anti_colocation_order(cl: Cluster, first: Resource, first_role: Role, then: Resource,
                           then_role: Role) -> None:
    if first_role == Role.PROMOTED:
        first_tasks = ["demote"]
    else:
        first_tasks = ["stop"] + (["promote"] if first_role == Role.UNPROMOTED else [])
    if then_role == Role.PROMOTED:
        then_tasks = ["promote"]
    else:
        then_tasks = ["start"] + (["demote"] if then_role == Role.UNPROMOTED else [])
    for ft in first_tasks:
        for tt in then_tasks:
            order_rsc_actions(cl, first, ft, then, tt, O_ANTI_COLOCATION)


def _influence(rsc: Resource, influence_s: str | None) -> bool:
    if influence_s is not None:
        v = influence_s.strip().lower()
        if v in ("true", "on", "yes", "y", "1"):
            return True
        if v in ("false", "off", "no", "n", "0"):
            return False
    return rsc.has(R_CRITICAL)


def unpack_colocation(cl: Cluster, xml: Any) -> None:
    cid = xml.get("id")
    score = parse_score(xml.get("score")) if xml.get("score") else 0
    influence_s = xml.get("influence")
    expanded = expand_sets(cl, xml)
    if all(expanded.get(a) is not None and find_constraint_resource(cl, expanded.get(a)) is None
           and _tag_members(cl, expanded.get(a)) is not None for a in ("rsc", "with-rsc")):
        return  # two templates/tags cannot be colocated: Pacemaker ignores the constraint
    for attr in ("rsc", "with-rsc"):
        rid = expanded.get(attr)
        if rid is not None and find_constraint_resource(cl, rid) is None and _tag_members(cl, rid) is not None:
            expanded = copy.deepcopy(expanded) if expanded is xml else expanded
            role_attr = "rsc-role" if attr == "rsc" else "with-rsc-role"
            # convert both sides to sets (tags) keeping order rsc, with-rsc
            return _colocation_tags(cl, expanded, cid, score, influence_s)
    last = None
    for s in expanded:
        if s.tag != "resource_set":
            continue
        s = cl.ids.resolve(s)
        if s is None:
            return
        _colocation_set(cl, s, score, cid, influence_s)
        if last is not None:
            _colocate_sets(cl, cid, last, s, score, influence_s)
        last = s
    if last is None:
        dep = find_constraint_resource(cl, expanded.get("rsc"))
        pri = find_constraint_resource(cl, expanded.get("with-rsc"))
        if dep is None or pri is None:
            return
        new_colocation(cl, cid, expanded.get("node-attribute"), score, dep, pri,
                       expanded.get("rsc-role"), expanded.get("with-rsc-role"),
                       _influence(dep, influence_s))


def _colocation_tags(cl: Cluster, xml: Any, cid: str, score: int, influence_s: str | None) -> None:
    from lxml import etree
    x = copy.deepcopy(xml)
    sets = []
    for attr, role_attr in (("rsc", "rsc-role"), ("with-rsc", "with-rsc-role")):
        rid = x.get(attr)
        members = _tag_members(cl, rid) if find_constraint_resource(cl, rid) is None else [rid]
        rs = etree.Element("resource_set")
        rs.set("id", f"{cid}-{attr}")
        if x.get(role_attr):
            rs.set("role", x.get(role_attr))
        for m in members or []:
            e = etree.SubElement(rs, "resource_ref")
            e.set("id", m)
        sets.append(rs)
    # as Pacemaker builds them: the rsc set first, the with-rsc set second; between two sets
    # the earlier one is the dependent
    last = None
    for s in sets:
        _colocation_set(cl, s, score, cid, influence_s)
        if last is not None:
            _colocate_sets(cl, cid, last, s, score, influence_s)
        last = s


def _refs(cl: Cluster, s: Any) -> list[Resource] | None:
    out = []
    for ref in s:
        if ref.tag != "resource_ref":
            continue
        r = find_constraint_resource(cl, ref.get("id"))
        if r is None:
            return None
        out.append(r)
    return out


def _colocation_set(cl: Cluster, s: Any, score: int, cid: str, influence_s: str | None) -> None:
    set_id = s.get("id")
    role = s.get("role")
    local = parse_score(s.get("score")) if s.get("score") else score
    if local == 0:
        return
    ordering = (s.get("ordering") or "group").lower()
    seq = s.get("sequential")
    if seq is not None and not is_true(seq):
        return
    rscs = _refs(cl, s)
    if rscs is None:
        return
    if local > 0 and ordering == "group":
        with_ = None
        for r in rscs:
            if with_ is not None:
                new_colocation(cl, set_id, None, local, r, with_, role, role, _influence(r, influence_s))
            with_ = r
    elif local > 0:
        last = None
        for r in rscs:
            if last is not None:
                new_colocation(cl, set_id, None, local, last, r, role, role, _influence(last, influence_s))
            last = r
    else:
        for i, r in enumerate(rscs):
            infl = _influence(r, influence_s)
            for w in rscs[:i]:
                new_colocation(cl, set_id, None, local, r, w, role, role, infl)


def _seq(s: Any) -> bool:
    v = s.get("sequential")
    return v is None or is_true(v)


def _colocate_sets(cl: Cluster, cid: str, set1: Any, set2: Any, score: int,
                   influence_s: str | None) -> None:
    if score == 0:
        return
    role1, role2 = set1.get("role"), set2.get("role")
    r1s, r2s = _refs(cl, set1), _refs(cl, set2)
    if r1s is None or r2s is None:
        return
    rsc1 = r1s[0] if (_seq(set1) and r1s) else None
    rsc2 = r2s[-1] if (_seq(set2) and r2s) else None
    if rsc1 is not None and rsc2 is not None:
        new_colocation(cl, cid, None, score, rsc1, rsc2, role1, role2, _influence(rsc1, influence_s))
    elif rsc1 is not None:
        for r2 in r2s:
            new_colocation(cl, cid, None, score, rsc1, r2, role1, role2, _influence(rsc1, influence_s))
    elif rsc2 is not None:
        for r1 in r1s:
            new_colocation(cl, cid, None, score, r1, rsc2, role1, role2, _influence(r1, influence_s))
    else:
        for r1 in r1s:
            for r2 in r2s:
                new_colocation(cl, cid, None, score, r1, r2, role1, role2, _influence(r1, influence_s))


# --- orderings ------------------------------------------------------------------------------

KIND_OPTIONAL, KIND_MANDATORY, KIND_SERIALIZE = 0, 1, 2
SYM_ASYMMETRIC, SYM_SYMMETRIC, SYM_INVERSE = 0, 1, 2

_INVERT = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote",
           "promoted": "demoted", "demoted": "promoted", "running": "stopped",
           "stopped": "running"}


def _kind(xml: Any) -> int:
    kind = xml.get("kind")
    if kind is None:
        score = xml.get("score")
        if score is not None and parse_score(score) == 0:
            return KIND_OPTIONAL
        return KIND_MANDATORY
    k = kind.lower()
    return {"mandatory": KIND_MANDATORY, "optional": KIND_OPTIONAL,
            "serialize": KIND_SERIALIZE}.get(k, KIND_MANDATORY)


def _symmetry(xml: Any, parent_kind: int, parent_sym: str | None) -> int:
    kind = parent_kind
    if xml.get("kind") is not None or xml.get("score") is not None:
        kind = _kind(xml)
    sym_s = xml.get("symmetrical")
    if sym_s is None and parent_sym is not None:
        sym_s = parent_sym
    if sym_s is not None:
        if is_true(sym_s) and kind != KIND_SERIALIZE:
            return SYM_SYMMETRIC
        return SYM_ASYMMETRIC
    return SYM_ASYMMETRIC if kind == KIND_SERIALIZE else SYM_SYMMETRIC


def _flags_for(kind: int, first: str, sym: int) -> int:
    flags = O_OPTIONAL
    if kind == KIND_SERIALIZE:
        flags |= O_SERIALIZE_ONLY
    elif kind == KIND_MANDATORY:
        if sym == SYM_ASYMMETRIC:
            flags |= O_ASYMMETRICAL
        elif sym == SYM_SYMMETRIC:
            flags |= O_IMPLIES_THEN
            if first in ("start", "promote"):
                flags |= O_RUNNABLE_LEFT
        else:
            flags |= O_IMPLIES_FIRST
    return flags


def unpack_order(cl: Cluster, xml: Any) -> None:
    cid = xml.get("id")
    kind = _kind(xml)
    sym = _symmetry(xml, kind, None)
    invert = xml.get("symmetrical")
    expanded = expand_sets(cl, xml)
    first_id, then_id = expanded.get("first"), expanded.get("then")
    if first_id and then_id and (find_constraint_resource(cl, first_id) is None or
                                 find_constraint_resource(cl, then_id) is None):
        if _tag_members(cl, first_id) is not None or _tag_members(cl, then_id) is not None:
            expanded = copy.deepcopy(expanded)
            for attr, act_attr in (("first", "first-action"), ("then", "then-action")):
                rs = _tag_to_set(cl, expanded, attr, True)
                if rs is not None and expanded.get(act_attr):
                    rs.set("action", expanded.get(act_attr))
                    del expanded.attrib[act_attr]
    last = None
    for s in expanded:
        if s.tag != "resource_set":
            continue
        s = cl.ids.resolve(s)
        if s is None:
            return
        _order_set(cl, s, kind, invert)
        if last is not None:
            _order_sets(cl, cid, last, s, kind, sym)
            if sym == SYM_SYMMETRIC:
                _order_sets(cl, cid, s, last, kind, SYM_INVERSE)
        last = s
    if last is None:
        _simple_order(cl, expanded)


def _simple_order(cl: Cluster, xml: Any) -> None:
    cid = xml.get("id")
    first = find_constraint_resource(cl, xml.get("first"))
    then = find_constraint_resource(cl, xml.get("then"))
    if first is None or then is None:
        return
    for attr, side in (("first-instance", "first"), ("then-instance", "then")):
        inst = xml.get(attr)
        if inst is not None:
            base = first if side == "first" else then
            if base.variant != Variant.CLONE:
                return
            found = None
            for c in base.children:
                if c.id.endswith(":" + inst):
                    found = c
            if found is None:
                return
            if side == "first":
                first = found
            else:
                then = found
    action_first = xml.get("first-action") or "start"
    action_then = xml.get("then-action") or action_first
    kind = _kind(xml)
    sym = _symmetry(xml, kind, None)
    flags = _flags_for(kind, action_first, sym)
    if kind == KIND_OPTIONAL and _restart_type(then):
        flags |= O_IMPLIES_THEN
    min_before = 0
    if first.variant == Variant.CLONE:
        cm = first.meta.get("clone-min")
        if cm is not None:
            try:
                min_before = max(0, int(cm))
            except ValueError:
                min_before = 0
        elif xml.get("require-all") is not None and not is_true(xml.get("require-all")):
            min_before = 1
    if min_before > 0:
        pseudo = cl.get_pseudo_op(f"clone-one-or-more:{cid}")
        pseudo.required_runnable_before = min_before
        pseudo.set(A_REQUIRES_ANY)
        for child in first.children:
            new_ordering(cl, child, f"{child.id}_{action_first}_0", None, None, None, pseudo,
                         O_ONE_OR_MORE | O_IMPLIES_THEN_PRINTED)
        new_ordering(cl, None, None, pseudo, then, f"{then.id}_{action_then}_0", None,
                     flags | O_RUNNABLE_LEFT)
    else:
        order_rsc_actions(cl, first, action_first, then, action_then, flags)
    if sym == SYM_SYMMETRIC:
        at, af = _INVERT.get(action_then), _INVERT.get(action_first)
        if at is None or af is None:
            return
        iflags = _flags_for(kind, af, SYM_INVERSE)
        if kind == KIND_OPTIONAL and _restart_type(then):
            iflags |= O_IMPLIES_FIRST
        order_rsc_actions(cl, then, at, first, af, iflags)


def _restart_type(rsc: Resource) -> bool:
    """The deprecated restart-type=restart meta-attribute."""
    return (rsc.meta.get("restart-type") or "").lower() == "restart"


def _order_set(cl: Cluster, s: Any, parent_kind: int, parent_sym: str | None) -> None:
    action = s.get("action") or "start"
    local_kind = _kind(s) if s.get("kind") else parent_kind
    sequential = is_true(s.get("sequential") or "1")
    sym = _symmetry(s, parent_kind, parent_sym)
    flags = _flags_for(local_kind, action, sym)
    rscs = _refs(cl, s)
    if rscs is None or len(rscs) == 1:
        return
    last = None
    for i, r in enumerate(rscs):
        if local_kind == KIND_SERIALIZE:
            for then in rscs[i + 1:]:
                new_ordering(cl, r, f"{r.id}_{action}_0", None, then, f"{then.id}_{action}_0",
                             None, flags)
        elif sequential:
            if last is not None:
                order_rsc_actions(cl, last, action, r, action, flags)
            last = r
    if sym == SYM_ASYMMETRIC:
        return
    inv = _INVERT.get(action)
    if inv is None:
        return
    flags = _flags_for(local_kind, inv, SYM_INVERSE)
    last = None
    for r in rscs:
        if sequential:
            if last is not None:
                order_rsc_actions(cl, r, inv, last, inv, flags)
            last = r


def _order_sets(cl: Cluster, cid: str, set1: Any, set2: Any, kind: int, sym: int) -> None:
    a1 = set1.get("action") or "start"
    a2 = set2.get("action") or "start"
    require_all = set1.get("require-all") is None or is_true(set1.get("require-all"))
    if sym == SYM_INVERSE:
        a1, a2 = _INVERT.get(a1, a1), _INVERT.get(a2, a2)
    if a1 in ("stop", "demote"):
        require_all = True
    flags = _flags_for(kind, a2, sym)
    r1s, r2s = _refs(cl, set1), _refs(cl, set2)
    if r1s is None or r2s is None:
        return
    if not require_all:
        pseudo = cl.get_pseudo_op(f"one-or-more:{set1.get('id')}")
        pseudo.set(A_REQUIRES_ANY)
        for r1 in r1s:
            new_ordering(cl, r1, f"{r1.id}_{a1}_0", None, None, None, pseudo,
                         O_ONE_OR_MORE | O_IMPLIES_THEN_PRINTED)
        for r2 in r2s:
            new_ordering(cl, None, None, pseudo, r2, f"{r2.id}_{a2}_0", None,
                         flags | O_RUNNABLE_LEFT)
        return
    rsc1 = rsc2 = None
    if is_true(set1.get("sequential")) and r1s:
        rsc1 = r1s[0] if sym == SYM_INVERSE else r1s[-1]
    if is_true(set2.get("sequential")) and r2s:
        rsc2 = r2s[-1] if sym == SYM_INVERSE else r2s[0]
    if rsc1 is not None and rsc2 is not None:
        order_rsc_actions(cl, rsc1, a1, rsc2, a2, flags)
    elif rsc1 is not None:
        for r2 in r2s:
            order_rsc_actions(cl, rsc1, a1, r2, a2, flags)
    elif rsc2 is not None:
        for r1 in r1s:
            order_rsc_actions(cl, r1, a1, rsc2, a2, flags)
    else:
        for r1 in r1s:
            for r2 in r2s:
                order_rsc_actions(cl, r1, a1, r2, a2, flags)


_ = (functools, O_NONE, O_IMPLIES_FIRST)
