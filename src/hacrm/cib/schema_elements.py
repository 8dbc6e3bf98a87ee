"""The schema's rules for each kind of element: resources, constraints, nodes, fencing,
access control, tags, alerts, option sets (pacemaker-3.0 to 3.9, version differences gated)."""

from __future__ import annotations

from typing import Callable

from lxml import etree

from hacrm.cib.schema_base import (
    _DEVICES, _RANGE, ACTIONS, KINDS, RESOURCE_CLASSES, Check, _attrs, _boolean, _children,
    _count, _enum, _id, _idref, _integer, _leaf, _nvset, _only, _positive, _roles, _rule,
    _Run, _score, _text, _top,
)


# ---------------------------------------------------------------- resources

def _operations(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "id-ref": _idref})
    on_fail = ("ignore", "block", "stop", "restart", "standby", "fence", "restart-container")
    if run.at_least(3, 4):
        on_fail += ("demote",)
    for op in _only(run, e, ("op",)):
        _attrs(run, op, {"id": _id, "name": _text, "interval": _text, "description": _text,
                         "start-delay": _text, "interval-origin": _text, "timeout": _text,
                         "enabled": _boolean, "record-pending": _boolean, "role": _roles,
                         "on-fail": _enum(*on_fail)}, ("id", "name", "interval"))
        if op.get("start-delay") is not None and op.get("interval-origin") is not None:
            run.problem(op, "start-delay and interval-origin exclude each other")
        for c in _only(run, op, ("meta_attributes", "instance_attributes")):
            _nvset(run, c, "op-meta" if c.tag == "meta_attributes" else "")


def _primitive(run: _Run, e: etree._Element) -> None:
    template = e.tag == "template"
    spec = {"id": _id, "class": _text, "provider": _text, "type": _text, "description": _text}
    if not template:
        spec["template"] = _idref
    _attrs(run, e, spec, ("id",))
    cls = e.get("class")
    if e.get("template") is not None:
        if cls is not None or e.get("type") is not None or e.get("provider") is not None:
            run.problem(e, "a primitive made from a template has no class, provider or type")
    else:
        if cls is None or e.get("type") is None:
            run.problem(e, "class and type are required")
        elif cls == "ocf":
            if e.get("provider") is None:
                run.problem(e, "an ocf resource needs a provider")
        elif cls not in RESOURCE_CLASSES:
            run.problem(e, f"class='{cls}' is not one of ocf, {', '.join(RESOURCE_CLASSES)}")
        elif e.get("provider") is not None:
            run.problem(e, f"class {cls} takes no provider")
    kids = _only(run, e, ("meta_attributes", "instance_attributes", "operations",
                          "utilization"))
    _count(run, e, kids, "operations", 0, 1)
    for c in kids:
        if c.tag == "operations":
            _operations(run, c)
        elif c.tag == "meta_attributes":
            _nvset(run, c, "primitive-meta")
        elif c.tag == "instance_attributes":
            _nvset(run, c, "primitive-params")
        else:
            _nvset(run, c)


def _resource_extra(run: _Run, e: etree._Element, kids: list[etree._Element]) -> None:
    for c in kids:
        if c.tag in ("meta_attributes", "instance_attributes"):
            _nvset(run, c)


def _group(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "description": _text}, ("id",))
    kids = _only(run, e, ("meta_attributes", "instance_attributes", "primitive"))
    _resource_extra(run, e, kids)
    _count(run, e, kids, "primitive", 1, None)
    for c in kids:
        if c.tag == "primitive":
            _primitive(run, c)


def _clone(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "description": _text}, ("id",))
    kids = _only(run, e, ("meta_attributes", "instance_attributes", "primitive", "group"))
    _resource_extra(run, e, kids)
    if sum(1 for c in kids if c.tag in ("primitive", "group")) != 1:
        run.problem(e, f"a {e.tag} contains exactly one primitive or group")
    for c in kids:
        if c.tag == "primitive":
            _primitive(run, c)
        elif c.tag == "group":
            _group(run, c)


def _bundle(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "description": _text}, ("id",))
    engines = ("docker", "rkt", "podman") if run.at_least(3, 2) else ("docker", "rkt")
    kids = _only(run, e, engines + ("network", "storage", "primitive", "meta_attributes",
                                    "instance_attributes"))
    _resource_extra(run, e, kids)
    if sum(1 for c in kids if c.tag in engines) != 1:
        run.problem(e, f"a bundle has exactly one of {', '.join(engines)}")
    for tag in ("network", "storage", "primitive"):
        _count(run, e, kids, tag, 0, 1)
    for c in kids:
        if c.tag in engines:
            _attrs(run, c, {"image": _text, "replicas": _integer,
                            "replicas-per-host": _integer, "masters": _integer,
                            "promoted-max": _integer, "run-command": _text, "network": _text,
                            "options": _text}, ("image",))
            _leaf(run, c)
            if c.get("masters") is not None and c.get("promoted-max") is not None:
                run.problem(c, "masters and promoted-max exclude each other")
        elif c.tag == "network":
            _attrs(run, c, {"ip-range-start": _text, "control-port": _integer,
                            "host-interface": _text, "host-netmask": _integer,
                            "add-host": _boolean})
            for pm in _only(run, c, ("port-mapping",)):
                _attrs(run, pm, {"id": _id, "port": _integer, "internal-port": _integer,
                                 "range": _text}, ("id",))
                _leaf(run, pm)
                if (pm.get("port") is None) == (pm.get("range") is None):
                    run.problem(pm, "a port-mapping has either port= or range=")
                elif pm.get("range") is not None:
                    if pm.get("internal-port") is not None:
                        run.problem(pm, "internal-port goes with port=, not range=")
                    if not _RANGE.match(pm.get("range", "")):
                        run.problem(pm, f"range='{pm.get('range')}' is not a port range")
        elif c.tag == "storage":
            _attrs(run, c, {})
            for sm in _only(run, c, ("storage-mapping",)):
                _attrs(run, sm, {"id": _id, "source-dir": _text, "source-dir-root": _text,
                                 "target-dir": _text, "options": _text}, ("id", "target-dir"))
                _leaf(run, sm)
                if (sm.get("source-dir") is None) == (sm.get("source-dir-root") is None):
                    run.problem(sm, "a storage-mapping has either source-dir= or "
                                    "source-dir-root=")
        elif c.tag == "primitive":
            _primitive(run, c)


_RESOURCES: dict[str, Callable[[_Run, etree._Element], None]] = {
    "primitive": _primitive, "template": _primitive, "group": _group, "clone": _clone,
    "master": _clone, "bundle": _bundle,
}


# ---------------------------------------------------------------- constraints

def _resource_set(run: _Run, e: etree._Element, with_kind: bool) -> None:
    if e.get("id-ref") is not None:
        _attrs(run, e, {"id-ref": _idref}, ("id-ref",))
        return
    spec: dict[str, Check] = {"id": _id, "sequential": _boolean, "require-all": _boolean,
                              "ordering": _enum("group", "listed"), "action": _enum(*ACTIONS),
                              "role": _roles, "score": _score, "kind": _enum(*KINDS)}
    _attrs(run, e, spec, ("id",))
    if e.get("score") is not None and e.get("kind") is not None:
        run.problem(e, "score and kind exclude each other")
    refs = _only(run, e, ("resource_ref",))
    if not refs:
        run.problem(e, "a resource set needs at least one resource_ref")
    for r in refs:
        _attrs(run, r, {"id": _idref}, ("id",))
        _leaf(run, r)


def _sets_or(run: _Run, e: etree._Element, kids: list[etree._Element],
             simple: tuple[str, ...], what: str) -> None:
    has_sets = any(c.tag == "resource_set" for c in kids)
    present = [a for a in simple if e.get(a) is not None]
    if has_sets and present:
        run.problem(e, f"{', '.join(present)} cannot be combined with resource sets")
    elif not has_sets and len(present) != len(simple):
        missing = [a for a in simple if e.get(a) is None]
        run.problem(e, f"needs {what} (missing {', '.join(missing)})")
    for c in kids:
        if c.tag == "resource_set":
            _resource_set(run, c, False)


def _lifetime(run: _Run, e: etree._Element) -> None:
    for r in _only(run, e, ("rule",)):
        _rule(run, r, "location")


def _location(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "rsc": _idref, "rsc-pattern": _text, "role": _roles,
                    "score": _score, "node": _text, "resource-discovery":
                    _enum("always", "never", "exclusive")}, ("id",))
    kids = _only(run, e, ("resource_set", "rule", "lifetime"))
    has_sets = any(c.tag == "resource_set" for c in kids)
    targets = [a for a in ("rsc", "rsc-pattern") if e.get(a) is not None]
    if has_sets:
        if targets or e.get("role") is not None:
            run.problem(e, "rsc, rsc-pattern and role cannot be combined with resource sets")
    elif len(targets) != 1:
        run.problem(e, "needs exactly one of rsc, rsc-pattern or resource sets")
    rules = [c for c in kids if c.tag == "rule"]
    has_node = e.get("node") is not None or e.get("score") is not None
    if rules and has_node:
        run.problem(e, "score/node and rules exclude each other")
    elif not rules and not (e.get("node") is not None and e.get("score") is not None):
        run.problem(e, "needs a score and a node, or rules")
    _count(run, e, kids, "lifetime", 0, 1)
    for c in kids:
        if c.tag == "resource_set":
            _resource_set(run, c, False)
        elif c.tag == "rule":
            _rule(run, c, "location")
        elif c.tag == "lifetime":
            _lifetime(run, c)


def _colocation(run: _Run, e: etree._Element) -> None:
    spec: dict[str, Check] = {"id": _id, "score": _score, "rsc": _idref, "with-rsc": _idref,
                              "node-attribute": _text, "rsc-role": _roles,
                              "with-rsc-role": _roles}
    if run.at_least(3, 6):
        spec["influence"] = _text
    if run.version >= (99, 0):
        spec.update({"rsc-instance": _integer, "with-rsc-instance": _integer})
    _attrs(run, e, spec, ("id",))
    kids = _only(run, e, ("resource_set", "lifetime"))
    _sets_or(run, e, kids, ("rsc", "with-rsc"), "rsc and with-rsc, or resource sets")
    if any(c.tag == "resource_set" for c in kids):
        for a in ("node-attribute", "rsc-role", "with-rsc-role"):
            if e.get(a) is not None:
                run.problem(e, f"{a} cannot be combined with resource sets")
    for c in kids:
        if c.tag == "lifetime":
            _lifetime(run, c)


def _order(run: _Run, e: etree._Element) -> None:
    spec: dict[str, Check] = {"id": _id, "symmetrical": _boolean, "require-all": _boolean,
                              "score": _score, "kind": _enum(*KINDS), "first": _idref,
                              "then": _idref, "first-action": _enum(*ACTIONS),
                              "then-action": _enum(*ACTIONS)}
    if run.version >= (99, 0):
        spec.update({"first-instance": _integer, "then-instance": _integer})
    _attrs(run, e, spec, ("id",))
    if e.get("score") is not None and e.get("kind") is not None:
        run.problem(e, "score and kind exclude each other")
    kids = _only(run, e, ("resource_set", "lifetime"))
    _sets_or(run, e, kids, ("first", "then"), "first and then, or resource sets")
    if any(c.tag == "resource_set" for c in kids):
        for a in ("first-action", "then-action"):
            if e.get(a) is not None:
                run.problem(e, f"{a} cannot be combined with resource sets")
    for c in kids:
        if c.tag == "lifetime":
            _lifetime(run, c)


def _ticket(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "rsc": _idref, "rsc-role": _roles, "ticket": _text,
                    "loss-policy": _enum("stop", "demote", "fence", "freeze")},
           ("id", "ticket"))
    kids = _only(run, e, ("resource_set",))
    _sets_or(run, e, kids, ("rsc",), "rsc or resource sets")
    if kids and e.get("rsc-role") is not None:
        run.problem(e, "rsc-role cannot be combined with resource sets")


_CONSTRAINTS: dict[str, Callable[[_Run, etree._Element], None]] = {
    "rsc_location": _location, "rsc_colocation": _colocation, "rsc_order": _order,
    "rsc_ticket": _ticket,
}


# ---------------------------------------------------------------- the other sections

def _node(run: _Run, e: etree._Element) -> None:
    types = ("member", "ping", "remote")
    _attrs(run, e, {"id": _text, "uname": _text, "type": _enum(*types),
                    "description": _text, "score": _score}, ("id", "uname"))
    for c in _only(run, e, ("instance_attributes", "utilization")):
        _nvset(run, c)


def _fencing(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for lv in _only(run, e, ("fencing-level",)):
        _attrs(run, lv, {"id": _id, "target": _text, "target-pattern": _text,
                         "target-attribute": _text, "target-value": _text,
                         "index": _positive, "devices": _text}, ("id", "index", "devices"))
        _leaf(run, lv)
        kinds = [a for a in ("target", "target-pattern") if lv.get(a) is not None]
        pair = [a for a in ("target-attribute", "target-value") if lv.get(a) is not None]
        if len(pair) == 1:
            run.problem(lv, "target-attribute and target-value go together")
        if len(kinds) + (1 if pair else 0) != 1:
            run.problem(lv, "needs exactly one of target, target-pattern or "
                            "target-attribute/target-value")
        devices = lv.get("devices")
        if devices is not None and not _DEVICES.match(devices):
            run.problem(lv, f"devices='{devices}' is not a comma-separated list of ids")


def _acls(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for c in _only(run, e, ("acl_target", "acl_group", "acl_role")):
        _top(run, c)
        if c.tag in ("acl_target", "acl_group"):
            spec: dict[str, Check] = {"id": _text if c.tag == "acl_target" else _id}
            if run.at_least(3, 8):
                spec["name"] = _text
            _attrs(run, c, spec, ("id",))
            for r in _only(run, c, ("role",)):
                _attrs(run, r, {"id": _idref}, ("id",))
                _leaf(run, r)
            continue
        _attrs(run, c, {"id": _id, "description": _text}, ("id",))
        for p in _only(run, c, ("acl_permission",)):
            _attrs(run, p, {"id": _id, "kind": _enum("read", "write", "deny"), "xpath": _text,
                            "reference": _idref, "object-type": _text, "attribute": _text,
                            "description": _text}, ("id", "kind"))
            _leaf(run, p)
            chosen = [a for a in ("xpath", "reference", "object-type") if p.get(a) is not None]
            if len(chosen) != 1:
                run.problem(p, "needs exactly one of xpath, reference or object-type")
            elif p.get("attribute") is not None and chosen != ["object-type"]:
                run.problem(p, "attribute goes with object-type only")


def _tags(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for t in _only(run, e, ("tag",)):
        _top(run, t)
        _attrs(run, t, {"id": _id}, ("id",))
        refs = _only(run, t, ("obj_ref",))
        if not refs:
            run.problem(t, "a tag needs at least one obj_ref")
        for r in refs:
            _attrs(run, r, {"id": _text if run.at_least(3, 3) else _idref}, ("id",))
            _leaf(run, r)


def _alerts(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for a in _only(run, e, ("alert",)):
        _top(run, a)
        _attrs(run, a, {"id": _id, "description": _text, "path": _text}, ("id", "path"))
        kids = _only(run, a, ("meta_attributes", "instance_attributes", "select", "recipient"))
        _count(run, a, kids, "select", 0, 1)
        for c in kids:
            if c.tag in ("meta_attributes", "instance_attributes"):
                _nvset(run, c, "alert")
            elif c.tag == "recipient":
                _attrs(run, c, {"id": _id, "description": _text, "value": _text},
                       ("id", "value"))
                for s in _only(run, c, ("meta_attributes", "instance_attributes")):
                    _nvset(run, s, "alert")
            elif c.tag == "select":
                _attrs(run, c, {})
                sel = _only(run, c, ("select_attributes", "select_fencing", "select_nodes",
                                     "select_resources"))
                for tag in ("select_attributes", "select_fencing", "select_nodes",
                            "select_resources"):
                    _count(run, c, sel, tag, 0, 1)
                for s in sel:
                    _attrs(run, s, {})
                    if s.tag == "select_attributes":
                        for at in _only(run, s, ("attribute",)):
                            _attrs(run, at, {"id": _id, "name": _text}, ("id", "name"))
                            _leaf(run, at)
                    elif _children(s):
                        run.problem(s, f"<{s.tag}> has no content")


def _defaults(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for c in _only(run, e, ("meta_attributes",)):
        _top(run, c)
        _nvset(run, c, str(e.tag))
