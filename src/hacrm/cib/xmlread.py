"""CIB XML -> the typed model, losing nothing.

Reading accepts any CIB written by Pacemaker, pcs or crmsh: elements the model does not
interpret become :class:`~hacrm.cib.model.Raw` and attributes without a field go to ``extra``,
so that reading and writing (:mod:`hacrm.cib.xmlwrite`) gives back the same XML.
"""

from __future__ import annotations

from typing import Callable

from lxml import etree

from hacrm.cib import model as m


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
    return m.NvPair(order=tuple(e.attrib), name=e.get("name"), value=e.get("value"), id=e.get("id"),
                    id_ref=e.get("id-ref"))


def read_expression(e: etree._Element) -> m.Expression:
    return m.Expression(
        order=tuple(e.attrib),
        attribute=e.get("attribute", ""), operation=e.get("operation", ""), value=e.get("value"),
        type=e.get("type"), value_source=e.get("value-source"), id=e.get("id"),
        extra=_attrs(e, ("attribute", "operation", "value", "type", "value-source", "id")),
    )


def read_date_expression(e: etree._Element) -> m.DateExpression:
    spec = None
    for c in e:
        if _is_element(c) and c.tag in ("date_spec", "duration"):
            spec = m.DateSpec(order=tuple(c.attrib), tag=str(c.tag), attrs=_attrs(c, ("id",)), id=c.get("id"))
    return m.DateExpression(
        order=tuple(e.attrib),
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
        order=tuple(e.attrib),
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
    return m.AttrSet(order=tuple(e.attrib), tag=str(e.tag), id=e.get("id"), id_ref=e.get("id-ref"), score=e.get("score"),
                     items=items, extra=_attrs(e, ("id", "id-ref", "score")))


_SET_TAGS = ("instance_attributes", "meta_attributes", "utilization")


def read_op(e: etree._Element) -> m.Op:
    sets: list[m.AttrSet | m.Raw] = []
    for c in e:
        if not _is_element(c):
            continue
        sets.append(read_attr_set(c) if c.tag in _SET_TAGS else _raw(c))
    return m.Op(order=tuple(e.attrib), name=e.get("name", ""), attrs=_attrs(e, ("id", "name", "id-ref")),
                id=e.get("id"), id_ref=e.get("id-ref"), sets=sets)


def read_operations(e: etree._Element) -> m.Operations:
    ops: list[m.Op | m.Raw] = []
    for c in e:
        if _is_element(c):
            ops.append(read_op(c) if c.tag == "op" else _raw(c))
    return m.Operations(order=tuple(e.attrib), id=e.get("id"), id_ref=e.get("id-ref"), ops=ops)


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
        order=tuple(e.attrib),
        id=e.get("id", ""), cls=e.get("class"), provider=e.get("provider"), type=e.get("type"),
        template=e.get("template"), description=e.get("description"), children=children,
        extra=_attrs(e, ("id", "class", "provider", "type", "template", "description")),
        comments=_comments(e), is_template=(e.tag == "template"),
    )


def read_group(e: etree._Element) -> m.Group:
    g = m.Group(order=tuple(e.attrib), id=e.get("id", ""), description=e.get("description"),
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
    cl = m.Clone(order=tuple(e.attrib), id=e.get("id", ""), tag=str(e.tag), description=e.get("description"),
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
    b = m.Bundle(order=tuple(e.attrib), id=e.get("id", ""), description=e.get("description"),
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
        order=tuple(e.attrib),
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
        order=tuple(e.attrib),
        id=e.get("id", ""), rsc=e.get("rsc"), rsc_pattern=e.get("rsc-pattern"), sets=_sets(e),
        role=e.get("role"), resource_discovery=e.get("resource-discovery"),
        score=e.get("score"), score_attribute=e.get("score-attribute"), node=e.get("node"),
        rules=rules, extra=_attrs(e, _LOCATION_ATTRS), comments=_comments(e),
    )


def read_colocation(e: etree._Element) -> m.Colocation:
    return m.Colocation(
        order=tuple(e.attrib),
        id=e.get("id", ""), score=e.get("score"), score_attribute=e.get("score-attribute"),
        rsc=e.get("rsc"), with_rsc=e.get("with-rsc"), rsc_role=e.get("rsc-role"),
        with_rsc_role=e.get("with-rsc-role"), rsc_instance=e.get("rsc-instance"),
        with_rsc_instance=e.get("with-rsc-instance"), node_attribute=e.get("node-attribute"),
        sets=_sets(e), extra=_attrs(e, _COLOCATION_ATTRS), comments=_comments(e),
    )


def read_order(e: etree._Element) -> m.Order:
    return m.Order(
        order=tuple(e.attrib),
        id=e.get("id", ""), kind=e.get("kind"), score=e.get("score"), first=e.get("first"),
        then=e.get("then"), first_action=e.get("first-action"), then_action=e.get("then-action"),
        first_instance=e.get("first-instance"), then_instance=e.get("then-instance"),
        symmetrical=e.get("symmetrical"), sets=_sets(e), extra=_attrs(e, _ORDER_ATTRS),
        comments=_comments(e),
    )


def read_ticket(e: etree._Element) -> m.Ticket:
    return m.Ticket(
        order=tuple(e.attrib),
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
    return m.Node(order=tuple(e.attrib), id=e.get("id", ""), uname=e.get("uname", ""), type=e.get("type"),
                  description=e.get("description"), sets=sets,
                  extra=_attrs(e, ("id", "uname", "type", "description")),
                  comments=_comments(e))


def read_fencing_topology(e: etree._Element) -> m.FencingTopology:
    levels = []
    for c in e:
        if _is_element(c) and c.tag == "fencing-level":
            levels.append(m.FencingLevel(
                order=tuple(c.attrib),
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
                    order=tuple(c.attrib),
                    kind=c.get("kind", ""), id=c.get("id"), description=c.get("description"),
                    xpath=c.get("xpath"), reference=c.get("reference"),
                    object_type=c.get("object-type"), attribute=c.get("attribute"),
                    extra=_attrs(c, ("kind", "id", "description", "xpath", "reference",
                                     "object-type", "attribute")),
                ))
            elif _is_element(c):
                perms.append(_raw(c))
        return m.AclRole(order=tuple(e.attrib), id=e.get("id", ""), description=e.get("description"),
                         permissions=perms, comments=_comments(e))
    if e.tag in ("acl_target", "acl_group"):
        return m.AclTarget(order=tuple(e.attrib), id=e.get("id", ""), tag=str(e.tag),
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
    a = m.Alert(order=tuple(e.attrib), id=e.get("id", ""), path=e.get("path", ""), description=e.get("description"),
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
                    sel.attributes = [m.SelectAttribute(x.get("name", ""), x.get("id"), order=tuple(x.attrib))
                                      for x in s if _is_element(x) and x.tag == "attribute"]
            a.children.append(sel)
        elif c.tag == "recipient":
            r = m.Recipient(order=tuple(c.attrib), value=c.get("value", ""), id=c.get("id"),
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
                        m.Tag(order=tuple(c.attrib), id=c.get("id", ""),
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


