"""The typed model -> CIB XML, as Pacemaker's schema names things.

Element and attribute names follow the schema; children come in the model's order; elements
kept raw are written back as they were read (:mod:`hacrm.cib.xmlread`).
"""

from __future__ import annotations

from lxml import etree

from hacrm.cib import model as m
from hacrm.cib.xmlparse import parse_xml


def _reorder(e: etree._Element, order: tuple[str, ...]) -> None:
    """Put the attributes back in the order the element was read with (crmsh shows a CIB's
    XML as it is stored); attributes it did not have follow in the usual order."""
    if not order or tuple(e.attrib) == order:
        return
    items = dict(e.attrib)
    e.attrib.clear()
    for name in order:
        if name in items:
            e.set(name, items.pop(name))
    for name, value in items.items():
        e.set(name, value)


def _set(e: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        e.set(name, value)


def _sub(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, tag)


def _append_raw(parent: etree._Element, raw: m.Raw) -> None:
    parent.append(parse_xml(raw.xml))


def _add_comments(e: etree._Element, comments: list[str]) -> None:
    for i, text in enumerate(comments):
        e.insert(i, etree.Comment(text))


def write_nvpair(parent: etree._Element, nv: m.NvPair) -> None:
    e = _sub(parent, "nvpair")
    _set(e, "id-ref", nv.id_ref)
    _set(e, "name", nv.name)
    _set(e, "value", nv.value)
    _set(e, "id", nv.id)
    _reorder(e, nv.order)


def write_expression(parent: etree._Element, x: m.Expression) -> None:
    e = _sub(parent, "expression")
    _set(e, "operation", x.operation)
    _set(e, "attribute", x.attribute)
    _set(e, "type", x.type)
    _set(e, "value", x.value)
    _set(e, "value-source", x.value_source)
    for k, v in x.extra.items():
        e.set(k, v)
    _set(e, "id", x.id)
    _reorder(e, x.order)


def write_date_expression(parent: etree._Element, x: m.DateExpression) -> None:
    e = _sub(parent, "date_expression")
    _set(e, "operation", x.operation)
    _set(e, "start", x.start)
    _set(e, "end", x.end)
    for k, v in x.extra.items():
        e.set(k, v)
    _set(e, "id", x.id)
    _reorder(e, x.order)
    if x.spec is not None:
        s = _sub(e, x.spec.tag)
        for k, v in x.spec.attrs.items():
            s.set(k, v)
        _set(s, "id", x.spec.id)
        _reorder(s, x.spec.order)


def write_rule(parent: etree._Element, r: m.Rule) -> None:
    e = _sub(parent, "rule")
    _set(e, "id-ref", r.id_ref)
    _set(e, "role", r.role)
    _set(e, "score", r.score)
    _set(e, "score-attribute", r.score_attribute)
    _set(e, "boolean-op", r.boolean_op)
    for k, v in r.extra.items():
        e.set(k, v)
    _set(e, "id", r.id)
    _reorder(e, r.order)
    for item in r.items:
        if isinstance(item, m.Expression):
            write_expression(e, item)
        elif isinstance(item, m.DateExpression):
            write_date_expression(e, item)
        elif isinstance(item, m.Rule):
            write_rule(e, item)
        else:
            _append_raw(e, item)


def write_attr_set(parent: etree._Element, s: m.AttrSet) -> None:
    e = _sub(parent, s.tag)
    _set(e, "id-ref", s.id_ref)
    _set(e, "score", s.score)
    for k, v in s.extra.items():
        e.set(k, v)
    _set(e, "id", s.id)
    _reorder(e, s.order)
    for item in s.items:
        if isinstance(item, m.NvPair):
            write_nvpair(e, item)
        elif isinstance(item, m.Rule):
            write_rule(e, item)
        else:
            _append_raw(e, item)


def _write_sets(e: etree._Element, sets: list) -> None:
    for s in sets:
        if isinstance(s, m.AttrSet):
            write_attr_set(e, s)
        elif isinstance(s, m.Raw):
            _append_raw(e, s)


def write_op(parent: etree._Element, op: m.Op) -> None:
    e = _sub(parent, "op")
    _set(e, "id-ref", op.id_ref)
    e.set("name", op.name)
    for k, v in op.attrs.items():
        e.set(k, v)
    _set(e, "id", op.id)
    _reorder(e, op.order)
    _write_sets(e, op.sets)


def write_primitive(parent: etree._Element, p: m.Primitive) -> None:
    e = _sub(parent, "template" if p.is_template else "primitive")
    e.set("id", p.id)
    _set(e, "class", p.cls)
    _set(e, "provider", p.provider)
    _set(e, "type", p.type)
    _set(e, "template", p.template)
    _set(e, "description", p.description)
    for k, v in p.extra.items():
        e.set(k, v)
    _reorder(e, p.order)
    _add_comments(e, p.comments)
    for c in p.children:
        if isinstance(c, m.AttrSet):
            write_attr_set(e, c)
        elif isinstance(c, m.Operations):
            ops = _sub(e, "operations")
            _set(ops, "id", c.id)
            _set(ops, "id-ref", c.id_ref)
            _reorder(ops, c.order)
            for op in c.ops:
                if isinstance(op, m.Op):
                    write_op(ops, op)
                else:
                    _append_raw(ops, op)
        else:
            _append_raw(e, c)


def write_group(parent: etree._Element, g: m.Group) -> None:
    e = _sub(parent, "group")
    e.set("id", g.id)
    _set(e, "description", g.description)
    for k, v in g.extra.items():
        e.set(k, v)
    _reorder(e, g.order)
    _add_comments(e, g.comments)
    _write_sets(e, g.sets)
    for p in g.members:
        write_primitive(e, p)


def write_clone(parent: etree._Element, c: m.Clone) -> None:
    e = _sub(parent, c.tag)
    e.set("id", c.id)
    _set(e, "description", c.description)
    for k, v in c.extra.items():
        e.set(k, v)
    _reorder(e, c.order)
    _add_comments(e, c.comments)
    _write_sets(e, c.sets)
    if isinstance(c.child, m.Primitive):
        write_primitive(e, c.child)
    elif isinstance(c.child, m.Group):
        write_group(e, c.child)


def write_bundle(parent: etree._Element, b: m.Bundle) -> None:
    e = _sub(parent, "bundle")
    e.set("id", b.id)
    _set(e, "description", b.description)
    for k, v in b.extra.items():
        e.set(k, v)
    _reorder(e, b.order)
    _add_comments(e, b.comments)
    for part in b.parts:
        if isinstance(part, m.BundlePart):
            pe = _sub(e, part.tag)
            for k, v in part.attrs.items():
                pe.set(k, v)
            for tag, attrs in part.children:
                se = _sub(pe, tag)
                for k, v in attrs.items():
                    se.set(k, v)
        elif isinstance(part, m.AttrSet):
            write_attr_set(e, part)
        elif isinstance(part, m.Primitive):
            write_primitive(e, part)
        else:
            _append_raw(e, part)


def write_resource(parent: etree._Element, r: m.Resource | m.Raw) -> None:
    if isinstance(r, m.Primitive):
        write_primitive(parent, r)
    elif isinstance(r, m.Group):
        write_group(parent, r)
    elif isinstance(r, m.Clone):
        write_clone(parent, r)
    elif isinstance(r, m.Bundle):
        write_bundle(parent, r)
    else:
        _append_raw(parent, r)


def write_resource_set(parent: etree._Element, s: m.ResourceSet) -> None:
    e = _sub(parent, "resource_set")
    _set(e, "id-ref", s.id_ref)
    _set(e, "require-all", s.require_all)
    _set(e, "sequential", s.sequential)
    _set(e, "role", s.role)
    _set(e, "action", s.action)
    for k, v in s.extra.items():
        e.set(k, v)
    _set(e, "id", s.id)
    _reorder(e, s.order)
    for ref in s.refs:
        _sub(e, "resource_ref").set("id", ref)


def _write_constraint_attrs(e: etree._Element, pairs: list[tuple[str, str | None]],
                            extra: dict[str, str]) -> None:
    for k, v in pairs:
        _set(e, k, v)
    for k, v in extra.items():
        e.set(k, v)


def write_constraint(parent: etree._Element, c: m.Constraint | m.Raw) -> None:
    if isinstance(c, m.Raw):
        _append_raw(parent, c)
        return
    if isinstance(c, m.Location):
        e = _sub(parent, "rsc_location")
        _write_constraint_attrs(e, [
            ("id", c.id), ("rsc", c.rsc), ("rsc-pattern", c.rsc_pattern), ("role", c.role),
            ("resource-discovery", c.resource_discovery), ("score", c.score),
            ("score-attribute", c.score_attribute), ("node", c.node)], c.extra)
        _reorder(e, c.order)
        _add_comments(e, c.comments)
        for s in c.sets:
            write_resource_set(e, s)
        for r in c.rules:
            if isinstance(r, m.Rule):
                write_rule(e, r)
            else:
                _append_raw(e, r)
        return
    if isinstance(c, m.Colocation):
        e = _sub(parent, "rsc_colocation")
        _write_constraint_attrs(e, [
            ("id", c.id), ("score", c.score), ("score-attribute", c.score_attribute),
            ("node-attribute", c.node_attribute),
            ("rsc", c.rsc), ("rsc-role", c.rsc_role), ("rsc-instance", c.rsc_instance),
            ("with-rsc", c.with_rsc), ("with-rsc-role", c.with_rsc_role),
            ("with-rsc-instance", c.with_rsc_instance)], c.extra)
    elif isinstance(c, m.Order):
        e = _sub(parent, "rsc_order")
        _write_constraint_attrs(e, [
            ("id", c.id), ("kind", c.kind), ("score", c.score),
            ("symmetrical", c.symmetrical), ("first", c.first),
            ("first-action", c.first_action), ("first-instance", c.first_instance),
            ("then", c.then), ("then-action", c.then_action),
            ("then-instance", c.then_instance)], c.extra)
    else:
        e = _sub(parent, "rsc_ticket")
        _write_constraint_attrs(e, [
            ("id", c.id), ("ticket", c.ticket), ("loss-policy", c.loss_policy),
            ("rsc", c.rsc), ("rsc-role", c.rsc_role)], c.extra)
    _reorder(e, c.order)
    _add_comments(e, c.comments)
    for s in c.sets:
        write_resource_set(e, s)


def write_node(parent: etree._Element, n: m.Node) -> None:
    e = _sub(parent, "node")
    # crmsh's attribute order (the id comes last, as crmsh assigns it after parsing)
    e.set("uname", n.uname)
    _set(e, "type", n.type)
    _set(e, "description", n.description)
    for k, v in n.extra.items():
        e.set(k, v)
    e.set("id", n.id)
    _reorder(e, n.order)
    _add_comments(e, n.comments)
    _write_sets(e, n.sets)


def write_nvset(parent: etree._Element, s: m.NvSet) -> None:
    write_attr_set(parent, s.attrs)
    _add_comments(parent[-1], s.comments)


def write_acl(parent: etree._Element, a: m.AclRole | m.AclUser | m.AclTarget | m.Raw) -> None:
    if isinstance(a, m.Raw):
        _append_raw(parent, a)
    elif isinstance(a, m.AclRole):
        e = _sub(parent, "acl_role")
        e.set("id", a.id)
        _set(e, "description", a.description)
        _reorder(e, a.order)
        _add_comments(e, a.comments)
        for p in a.permissions:
            if isinstance(p, m.Raw):
                _append_raw(e, p)
                continue
            pe = _sub(e, "acl_permission")
            pe.set("kind", p.kind)
            _set(pe, "description", p.description)
            _set(pe, "xpath", p.xpath)
            _set(pe, "reference", p.reference)
            _set(pe, "object-type", p.object_type)
            _set(pe, "attribute", p.attribute)
            for k, v in p.extra.items():
                pe.set(k, v)
            _set(pe, "id", p.id)
            _reorder(pe, p.order)
    elif isinstance(a, m.AclTarget):
        e = _sub(parent, a.tag)
        e.set("id", a.id)
        for k, v in a.extra.items():
            e.set(k, v)
        _reorder(e, a.order)
        _add_comments(e, a.comments)
        for r in a.roles:
            _sub(e, "role").set("id", r)
    else:
        e = _sub(parent, "acl_user")
        e.set("id", a.id)
        _add_comments(e, a.comments)
        for item in a.items:
            if isinstance(item, str):
                _sub(e, "role_ref").set("id", item)
            else:
                ie = _sub(e, item.kind)
                for k, v in item.attrs.items():
                    ie.set(k, v)


def write_alert(parent: etree._Element, a: m.Alert | m.Raw) -> None:
    if isinstance(a, m.Raw):
        _append_raw(parent, a)
        return
    e = _sub(parent, "alert")
    e.set("id", a.id)
    e.set("path", a.path)
    _set(e, "description", a.description)
    _reorder(e, a.order)
    _add_comments(e, a.comments)
    for c in a.children:
        if isinstance(c, m.AttrSet):
            write_attr_set(e, c)
        elif isinstance(c, m.AlertSelect):
            se = _sub(e, "select")
            for kind in c.kinds:
                ke = _sub(se, f"select_{kind}")
                if kind == "attributes":
                    for attr in c.attributes:
                        ae = _sub(ke, "attribute")
                        ae.set("name", attr.name)
                        _set(ae, "id", attr.id)
                        _reorder(ae, attr.order)
        elif isinstance(c, m.Recipient):
            re_ = _sub(e, "recipient")
            _set(re_, "id", c.id)
            re_.set("value", c.value)
            _set(re_, "description", c.description)
            _reorder(re_, c.order)
            _write_sets(re_, c.sets)
        else:
            _append_raw(e, c)


def write_configuration(cfg: m.Configuration) -> etree._Element:
    """The ``<configuration>`` element for the model (sections in ``section_order``)."""
    conf = etree.Element("configuration")
    order = list(cfg.section_order)
    for sec in ("crm_config", "nodes", "resources", "constraints"):
        if sec not in order:
            order.insert(min(len(order), m.SECTIONS.index(sec)), sec)
    for sec in m.SECTIONS:
        if sec not in order and _section_has_content(cfg, sec):
            order.append(sec)
    for sec in order:
        if sec == "fencing-topology":
            if cfg.fencing_topology is None:
                continue
            e = _sub(conf, "fencing-topology")
            _add_comments(e, cfg.fencing_topology.comments)
            for lv in cfg.fencing_topology.levels:
                le = _sub(e, "fencing-level")
                # crmsh writes a node target first, a pattern or attribute after the devices
                _set(le, "target", lv.target)
                le.set("index", lv.index)
                le.set("devices", lv.devices)
                _set(le, "target-pattern", lv.target_pattern)
                _set(le, "target-attribute", lv.target_attribute)
                _set(le, "target-value", lv.target_value)
                for k, v in lv.extra.items():
                    le.set(k, v)
                _set(le, "id", lv.id)
                _reorder(le, lv.order)
            continue
        if sec not in m.SECTIONS:
            continue
        e = _sub(conf, sec)
        if sec == "crm_config":
            for item in cfg.crm_config:
                write_nvset(e, item) if isinstance(item, m.NvSet) else _append_raw(e, item)
        elif sec == "nodes":
            for n in cfg.nodes:
                write_node(e, n) if isinstance(n, m.Node) else _append_raw(e, n)
        elif sec == "resources":
            for r in cfg.resources:
                write_resource(e, r)
        elif sec == "constraints":
            for c in cfg.constraints:
                write_constraint(e, c)
        elif sec in ("rsc_defaults", "op_defaults"):
            for item in getattr(cfg, sec):
                write_nvset(e, item) if isinstance(item, m.NvSet) else _append_raw(e, item)
        elif sec == "acls":
            for a in cfg.acls:
                write_acl(e, a)
        elif sec == "tags":
            for t in cfg.tags:
                if isinstance(t, m.Raw):
                    _append_raw(e, t)
                    continue
                te = _sub(e, "tag")
                te.set("id", t.id)
                _add_comments(te, t.comments)
                for ref in t.refs:
                    _sub(te, "obj_ref").set("id", ref)
        elif sec == "alerts":
            for a in cfg.alerts:
                write_alert(e, a)
    for raw in cfg.extra:
        _append_raw(conf, raw)
    return conf


def _section_has_content(cfg: m.Configuration, sec: str) -> bool:
    if sec == "fencing-topology":
        return cfg.fencing_topology is not None
    return bool(getattr(cfg, sec.replace("-", "_")))
