"""Convert between CIB XML (lxml elements) and the typed model.

Reading accepts any CIB written by Pacemaker, pcs or crmsh: elements the model does not
interpret become :class:`~hacrm.cib.model.Raw` and attributes without a field go to ``extra``,
so that read -> write gives back the same XML.  Writing produces the element and attribute
names Pacemaker's schema expects, children in the model's order.

XML parsing is hardened: no entity expansion, no network, a bounded tree (see :func:`parse_xml`).
"""

from __future__ import annotations

from typing import Callable

from lxml import etree

from hacrm.cib import model as m

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False,
    load_dtd=False,
)


class CibXmlError(ValueError):
    """The text is not a usable CIB (not XML, or not the expected structure)."""


def parse_xml(text: str | bytes) -> etree._Element:
    """Parse XML text safely (no entities, no DTD, no network)."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    try:
        root = etree.fromstring(text, _PARSER)
    except etree.XMLSyntaxError as err:
        raise CibXmlError(f"not valid XML: {err}") from None
    if root is None:
        raise CibXmlError("empty XML document")
    return root


def to_text(elem: etree._Element, pretty: bool = True) -> str:
    """Serialise an element as Pacemaker's tools print it (two-space indentation)."""
    return etree.tostring(elem, pretty_print=pretty, encoding="unicode")


# ---------------------------------------------------------------- reading

def _attrs(e: etree._Element, known: tuple[str, ...]) -> dict[str, str]:
    """The attributes of ``e`` that are not among ``known`` (kept so writing loses nothing)."""
    return {k: v for k, v in e.attrib.items() if k not in known}


def _raw(e: etree._Element) -> m.Raw:
    tail, e.tail = e.tail, None
    text = etree.tostring(e, encoding="unicode")
    e.tail = tail
    return m.Raw(text, str(e.tag))


def _is_element(e: etree._Element) -> bool:
    return isinstance(e.tag, str)


def _comments(e: etree._Element) -> list[str]:
    return [c.text or "" for c in e if c.tag is etree.Comment]


def read_nvpair(e: etree._Element) -> m.NvPair:
    return m.NvPair(name=e.get("name"), value=e.get("value"), id=e.get("id"),
                    id_ref=e.get("id-ref"))


def read_expression(e: etree._Element) -> m.Expression:
    return m.Expression(
        attribute=e.get("attribute", ""), operation=e.get("operation", ""), value=e.get("value"),
        type=e.get("type"), value_source=e.get("value-source"), id=e.get("id"),
        extra=_attrs(e, ("attribute", "operation", "value", "type", "value-source", "id")),
    )


def read_date_expression(e: etree._Element) -> m.DateExpression:
    spec = None
    for c in e:
        if _is_element(c) and c.tag in ("date_spec", "duration"):
            spec = m.DateSpec(tag=str(c.tag), attrs=_attrs(c, ("id",)), id=c.get("id"))
    return m.DateExpression(
        operation=e.get("operation", ""), start=e.get("start"), end=e.get("end"), spec=spec,
        id=e.get("id"), extra=_attrs(e, ("operation", "start", "end", "id")),
    )


def read_rule(e: etree._Element) -> m.Rule:
    items: list[m.RuleItem] = []
    for c in e:
        if not _is_element(c):
            continue
        if c.tag == "expression":
            items.append(read_expression(c))
        elif c.tag == "date_expression":
            items.append(read_date_expression(c))
        elif c.tag == "rule":
            items.append(read_rule(c))
        else:
            items.append(_raw(c))
    return m.Rule(
        id=e.get("id"), id_ref=e.get("id-ref"), role=e.get("role"), score=e.get("score"),
        score_attribute=e.get("score-attribute"), boolean_op=e.get("boolean-op"), items=items,
        extra=_attrs(e, ("id", "id-ref", "role", "score", "score-attribute", "boolean-op")),
    )


def read_attr_set(e: etree._Element) -> m.AttrSet:
    items: list[m.Rule | m.NvPair | m.Raw] = []
    for c in e:
        if not _is_element(c):
            continue
        if c.tag == "nvpair":
            items.append(read_nvpair(c))
        elif c.tag == "rule":
            items.append(read_rule(c))
        else:
            items.append(_raw(c))
    return m.AttrSet(tag=str(e.tag), id=e.get("id"), id_ref=e.get("id-ref"), score=e.get("score"),
                     items=items, extra=_attrs(e, ("id", "id-ref", "score")))


_SET_TAGS = ("instance_attributes", "meta_attributes", "utilization")


def read_op(e: etree._Element) -> m.Op:
    sets: list[m.AttrSet | m.Raw] = []
    for c in e:
        if not _is_element(c):
            continue
        sets.append(read_attr_set(c) if c.tag in _SET_TAGS else _raw(c))
    return m.Op(name=e.get("name", ""), attrs=_attrs(e, ("id", "name", "id-ref")),
                id=e.get("id"), id_ref=e.get("id-ref"), sets=sets)


def read_operations(e: etree._Element) -> m.Operations:
    ops: list[m.Op | m.Raw] = []
    for c in e:
        if _is_element(c):
            ops.append(read_op(c) if c.tag == "op" else _raw(c))
    return m.Operations(id=e.get("id"), id_ref=e.get("id-ref"), ops=ops)


def read_primitive(e: etree._Element) -> m.Primitive:
    children: list[m.AttrSet | m.Operations | m.Raw] = []
    for c in e:
        if not _is_element(c):
            continue
        if c.tag in _SET_TAGS:
            children.append(read_attr_set(c))
        elif c.tag == "operations":
            children.append(read_operations(c))
        else:
            children.append(_raw(c))
    return m.Primitive(
        id=e.get("id", ""), cls=e.get("class"), provider=e.get("provider"), type=e.get("type"),
        template=e.get("template"), description=e.get("description"), children=children,
        extra=_attrs(e, ("id", "class", "provider", "type", "template", "description")),
        comments=_comments(e), is_template=(e.tag == "template"),
    )


def read_group(e: etree._Element) -> m.Group:
    g = m.Group(id=e.get("id", ""), description=e.get("description"),
                extra=_attrs(e, ("id", "description")), comments=_comments(e))
    for c in e:
        if not _is_element(c):
            continue
        if c.tag == "primitive":
            g.members.append(read_primitive(c))
        elif c.tag in ("meta_attributes", "instance_attributes"):
            g.sets.append(read_attr_set(c))
        else:
            g.sets.append(_raw(c))
    return g


def read_clone(e: etree._Element) -> m.Clone:
    cl = m.Clone(id=e.get("id", ""), tag=str(e.tag), description=e.get("description"),
                 extra=_attrs(e, ("id", "description")), comments=_comments(e))
    for c in e:
        if not _is_element(c):
            continue
        if c.tag == "primitive" and cl.child is None:
            cl.child = read_primitive(c)
        elif c.tag == "group" and cl.child is None:
            cl.child = read_group(c)
        elif c.tag in ("meta_attributes", "instance_attributes"):
            cl.sets.append(read_attr_set(c))
        else:
            cl.sets.append(_raw(c))
    return cl


def read_bundle(e: etree._Element) -> m.Bundle:
    b = m.Bundle(id=e.get("id", ""), description=e.get("description"),
                 extra=_attrs(e, ("id", "description")), comments=_comments(e))
    for c in e:
        if not _is_element(c):
            continue
        if c.tag == "primitive":
            b.parts.append(read_primitive(c))
        elif c.tag in ("meta_attributes", "instance_attributes"):
            b.parts.append(read_attr_set(c))
        elif c.tag in ("docker", "rkt", "podman", "network", "storage"):
            part = m.BundlePart(tag=str(c.tag), attrs=dict(c.attrib))
            for sub in c:
                if _is_element(sub):
                    part.children.append((str(sub.tag), dict(sub.attrib)))
            b.parts.append(part)
        else:
            b.parts.append(_raw(c))
    return b


_RESOURCE_READERS: dict[str, Callable[[etree._Element], m.Resource]] = {
    "primitive": read_primitive,
    "template": read_primitive,
    "group": read_group,
    "clone": read_clone,
    "master": read_clone,
    "bundle": read_bundle,
}


def read_resource_set(e: etree._Element) -> m.ResourceSet:
    return m.ResourceSet(
        id=e.get("id"), id_ref=e.get("id-ref"), sequential=e.get("sequential"),
        require_all=e.get("require-all"), role=e.get("role"), action=e.get("action"),
        refs=[c.get("id", "") for c in e if _is_element(c) and c.tag == "resource_ref"],
        extra=_attrs(e, ("id", "id-ref", "sequential", "require-all", "role", "action")),
    )


def _sets(e: etree._Element) -> list[m.ResourceSet]:
    return [read_resource_set(c) for c in e if _is_element(c) and c.tag == "resource_set"]


_LOCATION_ATTRS = ("id", "rsc", "rsc-pattern", "role", "resource-discovery", "score",
                   "score-attribute", "node")
_COLOCATION_ATTRS = ("id", "score", "score-attribute", "rsc", "with-rsc", "rsc-role",
                     "with-rsc-role", "rsc-instance", "with-rsc-instance", "node-attribute")
_ORDER_ATTRS = ("id", "kind", "score", "first", "then", "first-action", "then-action",
                "first-instance", "then-instance", "symmetrical")
_TICKET_ATTRS = ("id", "ticket", "rsc", "rsc-role", "loss-policy")


def read_location(e: etree._Element) -> m.Location:
    rules: list[m.Rule | m.Raw] = []
    for c in e:
        if _is_element(c) and c.tag == "rule":
            rules.append(read_rule(c))
        elif _is_element(c) and c.tag != "resource_set":
            rules.append(_raw(c))
    return m.Location(
        id=e.get("id", ""), rsc=e.get("rsc"), rsc_pattern=e.get("rsc-pattern"), sets=_sets(e),
        role=e.get("role"), resource_discovery=e.get("resource-discovery"),
        score=e.get("score"), score_attribute=e.get("score-attribute"), node=e.get("node"),
        rules=rules, extra=_attrs(e, _LOCATION_ATTRS), comments=_comments(e),
    )


def read_colocation(e: etree._Element) -> m.Colocation:
    return m.Colocation(
        id=e.get("id", ""), score=e.get("score"), score_attribute=e.get("score-attribute"),
        rsc=e.get("rsc"), with_rsc=e.get("with-rsc"), rsc_role=e.get("rsc-role"),
        with_rsc_role=e.get("with-rsc-role"), rsc_instance=e.get("rsc-instance"),
        with_rsc_instance=e.get("with-rsc-instance"), node_attribute=e.get("node-attribute"),
        sets=_sets(e), extra=_attrs(e, _COLOCATION_ATTRS), comments=_comments(e),
    )


def read_order(e: etree._Element) -> m.Order:
    return m.Order(
        id=e.get("id", ""), kind=e.get("kind"), score=e.get("score"), first=e.get("first"),
        then=e.get("then"), first_action=e.get("first-action"), then_action=e.get("then-action"),
        first_instance=e.get("first-instance"), then_instance=e.get("then-instance"),
        symmetrical=e.get("symmetrical"), sets=_sets(e), extra=_attrs(e, _ORDER_ATTRS),
        comments=_comments(e),
    )


def read_ticket(e: etree._Element) -> m.Ticket:
    return m.Ticket(
        id=e.get("id", ""), ticket=e.get("ticket", ""), rsc=e.get("rsc"),
        rsc_role=e.get("rsc-role"), loss_policy=e.get("loss-policy"), sets=_sets(e),
        extra=_attrs(e, _TICKET_ATTRS), comments=_comments(e),
    )


_CONSTRAINT_READERS: dict[str, Callable[[etree._Element], m.Constraint]] = {
    "rsc_location": read_location,
    "rsc_colocation": read_colocation,
    "rsc_order": read_order,
    "rsc_ticket": read_ticket,
}


def read_node(e: etree._Element) -> m.Node:
    sets: list[m.AttrSet | m.Raw] = []
    for c in e:
        if _is_element(c):
            sets.append(read_attr_set(c) if c.tag in ("instance_attributes", "utilization")
                        else _raw(c))
    return m.Node(id=e.get("id", ""), uname=e.get("uname", ""), type=e.get("type"),
                  description=e.get("description"), sets=sets,
                  extra=_attrs(e, ("id", "uname", "type", "description")),
                  comments=_comments(e))


def read_fencing_topology(e: etree._Element) -> m.FencingTopology:
    levels = []
    for c in e:
        if _is_element(c) and c.tag == "fencing-level":
            levels.append(m.FencingLevel(
                index=c.get("index", ""), devices=c.get("devices", ""), target=c.get("target"),
                target_pattern=c.get("target-pattern"),
                target_attribute=c.get("target-attribute"), target_value=c.get("target-value"),
                id=c.get("id"),
                extra=_attrs(c, ("index", "devices", "target", "target-pattern",
                                 "target-attribute", "target-value", "id")),
            ))
    return m.FencingTopology(levels=levels, comments=_comments(e))


def read_acl(e: etree._Element) -> m.AclRole | m.AclUser | m.AclTarget | m.Raw:
    if e.tag == "acl_role":
        perms: list[m.AclPermission | m.Raw] = []
        for c in e:
            if _is_element(c) and c.tag == "acl_permission":
                perms.append(m.AclPermission(
                    kind=c.get("kind", ""), id=c.get("id"), description=c.get("description"),
                    xpath=c.get("xpath"), reference=c.get("reference"),
                    object_type=c.get("object-type"), attribute=c.get("attribute"),
                    extra=_attrs(c, ("kind", "id", "description", "xpath", "reference",
                                     "object-type", "attribute")),
                ))
            elif _is_element(c):
                perms.append(_raw(c))
        return m.AclRole(id=e.get("id", ""), description=e.get("description"),
                         permissions=perms, comments=_comments(e))
    if e.tag in ("acl_target", "acl_group"):
        return m.AclTarget(id=e.get("id", ""), tag=str(e.tag),
                           roles=[c.get("id", "") for c in e if _is_element(c) and c.tag == "role"],
                           extra=_attrs(e, ("id",)), comments=_comments(e))
    if e.tag == "acl_user":
        items: list[str | m.AclRight] = []
        for c in e:
            if not _is_element(c):
                continue
            if c.tag == "role_ref":
                items.append(c.get("id", ""))
            elif c.tag in ("read", "write", "deny"):
                items.append(m.AclRight(kind=str(c.tag), attrs=dict(c.attrib)))
        return m.AclUser(id=e.get("id", ""), items=items, comments=_comments(e))
    return _raw(e)


def read_alert(e: etree._Element) -> m.Alert:
    a = m.Alert(id=e.get("id", ""), path=e.get("path", ""), description=e.get("description"),
                comments=_comments(e))
    for c in e:
        if not _is_element(c):
            continue
        if c.tag in ("instance_attributes", "meta_attributes"):
            a.children.append(read_attr_set(c))
        elif c.tag == "select":
            sel = m.AlertSelect()
            for s in c:
                if not _is_element(s) or not str(s.tag).startswith("select_"):
                    continue
                sel.kinds.append(str(s.tag)[len("select_"):])
                if s.tag == "select_attributes":
                    sel.attributes = [m.SelectAttribute(x.get("name", ""), x.get("id"))
                                      for x in s if _is_element(x) and x.tag == "attribute"]
            a.children.append(sel)
        elif c.tag == "recipient":
            r = m.Recipient(value=c.get("value", ""), id=c.get("id"),
                            description=c.get("description"))
            for s in c:
                if _is_element(s):
                    r.sets.append(read_attr_set(s) if s.tag in ("instance_attributes",
                                                                 "meta_attributes") else _raw(s))
            a.children.append(r)
        else:
            a.children.append(_raw(c))
    return a


def read_configuration(conf: etree._Element) -> m.Configuration:
    """Build the model of a ``<configuration>`` element."""
    cfg = m.Configuration()
    for sec in conf:
        if not _is_element(sec):
            continue
        tag = str(sec.tag)
        cfg.touch(tag)
        if tag == "crm_config":
            for c in sec:
                if _is_element(c):
                    cfg.crm_config.append(
                        m.NvSet("property", read_attr_set(c), _comments(c))
                        if c.tag == "cluster_property_set" else _raw(c))
        elif tag == "nodes":
            for c in sec:
                if _is_element(c):
                    cfg.nodes.append(read_node(c) if c.tag == "node" else _raw(c))
        elif tag == "resources":
            for c in sec:
                if _is_element(c):
                    reader = _RESOURCE_READERS.get(str(c.tag))
                    cfg.resources.append(reader(c) if reader else _raw(c))
        elif tag == "constraints":
            for c in sec:
                if _is_element(c):
                    reader2 = _CONSTRAINT_READERS.get(str(c.tag))
                    cfg.constraints.append(reader2(c) if reader2 else _raw(c))
        elif tag in ("rsc_defaults", "op_defaults"):
            target = cfg.rsc_defaults if tag == "rsc_defaults" else cfg.op_defaults
            for c in sec:
                if _is_element(c):
                    target.append(m.NvSet(tag, read_attr_set(c), _comments(c))
                                  if c.tag == "meta_attributes" else _raw(c))
        elif tag == "fencing-topology":
            cfg.fencing_topology = read_fencing_topology(sec)
        elif tag == "acls":
            for c in sec:
                if _is_element(c):
                    cfg.acls.append(read_acl(c))
        elif tag == "tags":
            for c in sec:
                if _is_element(c):
                    cfg.tags.append(
                        m.Tag(id=c.get("id", ""),
                              refs=[x.get("id", "") for x in c
                                    if _is_element(x) and x.tag == "obj_ref"],
                              comments=_comments(c)) if c.tag == "tag" else _raw(c))
        elif tag == "alerts":
            for c in sec:
                if _is_element(c):
                    cfg.alerts.append(read_alert(c) if c.tag == "alert" else _raw(c))
        else:
            cfg.extra.append(_raw(sec))
    return cfg


# ---------------------------------------------------------------- writing

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


def write_date_expression(parent: etree._Element, x: m.DateExpression) -> None:
    e = _sub(parent, "date_expression")
    _set(e, "operation", x.operation)
    _set(e, "start", x.start)
    _set(e, "end", x.end)
    for k, v in x.extra.items():
        e.set(k, v)
    _set(e, "id", x.id)
    if x.spec is not None:
        s = _sub(e, x.spec.tag)
        for k, v in x.spec.attrs.items():
            s.set(k, v)
        _set(s, "id", x.spec.id)


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
    _set(e, "id", s.id)
    _set(e, "id-ref", s.id_ref)
    _set(e, "score", s.score)
    for k, v in s.extra.items():
        e.set(k, v)
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
    _add_comments(e, p.comments)
    for c in p.children:
        if isinstance(c, m.AttrSet):
            write_attr_set(e, c)
        elif isinstance(c, m.Operations):
            ops = _sub(e, "operations")
            _set(ops, "id", c.id)
            _set(ops, "id-ref", c.id_ref)
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
    _set(e, "sequential", s.sequential)
    _set(e, "require-all", s.require_all)
    _set(e, "role", s.role)
    _set(e, "action", s.action)
    for k, v in s.extra.items():
        e.set(k, v)
    _set(e, "id", s.id)
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
            ("rsc", c.rsc), ("rsc-role", c.rsc_role), ("rsc-instance", c.rsc_instance),
            ("with-rsc", c.with_rsc), ("with-rsc-role", c.with_rsc_role),
            ("with-rsc-instance", c.with_rsc_instance), ("node-attribute", c.node_attribute)],
            c.extra)
    elif isinstance(c, m.Order):
        e = _sub(parent, "rsc_order")
        _write_constraint_attrs(e, [
            ("id", c.id), ("kind", c.kind), ("score", c.score), ("first", c.first),
            ("first-action", c.first_action), ("first-instance", c.first_instance),
            ("then", c.then), ("then-action", c.then_action),
            ("then-instance", c.then_instance), ("symmetrical", c.symmetrical)], c.extra)
    else:
        e = _sub(parent, "rsc_ticket")
        _write_constraint_attrs(e, [
            ("id", c.id), ("ticket", c.ticket), ("rsc", c.rsc), ("rsc-role", c.rsc_role),
            ("loss-policy", c.loss_policy)], c.extra)
    _add_comments(e, c.comments)
    for s in c.sets:
        write_resource_set(e, s)


def write_node(parent: etree._Element, n: m.Node) -> None:
    e = _sub(parent, "node")
    e.set("id", n.id)
    e.set("uname", n.uname)
    _set(e, "type", n.type)
    _set(e, "description", n.description)
    for k, v in n.extra.items():
        e.set(k, v)
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
        _add_comments(e, a.comments)
        for p in a.permissions:
            if isinstance(p, m.Raw):
                _append_raw(e, p)
                continue
            pe = _sub(e, "acl_permission")
            pe.set("kind", p.kind)
            _set(pe, "id", p.id)
            _set(pe, "description", p.description)
            _set(pe, "xpath", p.xpath)
            _set(pe, "reference", p.reference)
            _set(pe, "object-type", p.object_type)
            _set(pe, "attribute", p.attribute)
            for k, v in p.extra.items():
                pe.set(k, v)
    elif isinstance(a, m.AclTarget):
        e = _sub(parent, a.tag)
        e.set("id", a.id)
        for k, v in a.extra.items():
            e.set(k, v)
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
                        _set(ae, "id", attr.id)
                        ae.set("name", attr.name)
        elif isinstance(c, m.Recipient):
            re_ = _sub(e, "recipient")
            _set(re_, "id", c.id)
            re_.set("value", c.value)
            _set(re_, "description", c.description)
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
                _set(le, "target", lv.target)
                _set(le, "target-pattern", lv.target_pattern)
                _set(le, "target-attribute", lv.target_attribute)
                _set(le, "target-value", lv.target_value)
                le.set("index", lv.index)
                le.set("devices", lv.devices)
                for k, v in lv.extra.items():
                    le.set(k, v)
                _set(le, "id", lv.id)
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
