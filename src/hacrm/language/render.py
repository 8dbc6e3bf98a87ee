"""Model -> crm text, exactly as ``crm configure show`` prints it.

Each element is a head (``primitive p1 Dummy``) followed by its parts (``params ...``,
``meta ...``, ``op ...``), one per line, joined by `` \\`` + newline + tab.  Elements are listed
by kind (nodes, templates, primitives, bundles, groups, ms, clones, tags, constraints, tickets
and fencing, properties, defaults, ACLs, alerts) and by id within a kind.  An element the text
cannot express faithfully (an unknown child, an attribute the language has no word for) is
shown as ``xml <...>``, so that what is shown can always be loaded back.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Callable, Iterable

from lxml import etree

from hacrm.cib import model as m
from hacrm.cib.edit import kind_of
from hacrm.language.sets import SetSyntaxError, read_sets, same_sets, set_words
from hacrm.language.vocabulary import ACL_SHORTCUTS, RESOURCE_ACTIONS, RESOURCE_ROLES, canonize
from hacrm.language.words import is_plain, quote
from hacrm.records import field, record

# The order crmsh lists element kinds in.
KIND_ORDER = {
    k: i for i, ks in enumerate((
        ("node",), ("rsc_template",), ("primitive",), ("bundle",), ("group",),
        ("ms", "master"), ("clone",), ("op",), ("tag",),
        ("location", "colocation", "collocation", "order"), ("rsc_ticket", "fencing_topology"),
        ("property",), ("rsc_defaults",), ("op_defaults",), ("role",),
        ("acl_target", "acl_group", "user"), ("alert",),
    )) for k in ks
}
BREAK = " \\\n\t"


@record
class RenderOptions:
    """How to print: line breaks, which values to hide, sorting."""

    break_lines: bool = True
    obscure: tuple[str, ...] = ("passw*",)
    sort_elements: bool = True
    referenced_rules: set[str] = field(default_factory=set)
    node_count: int = 0


def _obscured(opts: RenderOptions, name: str | None, value: str | None) -> str | None:
    if name is not None and value is not None:
        for pattern in opts.obscure:
            if fnmatch.fnmatch(name, pattern):
                return "*" * 6
    return value


def nvpair_format(name: str, value: str | None) -> str:
    return name if value is None else f"{name}={quote(value)}"


def _join(parts: list[str], opts: RenderOptions) -> str:
    return (BREAK if opts.break_lines else " ").join(parts)


def _score_text(score: str | None, score_attribute: str | None) -> str:
    if score:
        return score.replace("INFINITY", "inf")
    return score_attribute or ""


# ---------------------------------------------------------------- rules and sets

def _date_expr(x: m.DateExpression) -> str:
    words = ["date", {"in_range": "in", "date_spec": "spec"}.get(x.operation, x.operation)]
    if x.operation in ("lt", "gt"):
        words.append(quote((x.end if x.operation == "lt" else x.start) or ""))
    else:
        if x.operation == "in_range":
            for name in ("start", "end"):
                value = getattr(x, name)
                if value is not None:
                    words.append(nvpair_format(name, value))
        if x.spec is not None:
            words.extend(nvpair_format(k, v) for k, v in x.spec.attrs.items())
    return " ".join(words)


def _expr(x: m.Expression) -> str:
    op = f"{x.type}:{x.operation}" if x.type else x.operation
    if not x.value:
        return f"{op} {x.attribute}"
    if x.value_source and x.value_source != "literal":
        return f"{x.attribute} {op} {x.value_source}{{{x.value}}}"
    return f"{x.attribute} {op} {x.value}"


def rule_text(r: m.Rule, opts: RenderOptions) -> str:
    words = []
    if r.id and r.id in opts.referenced_rules:
        words.append(nvpair_format("$id", r.id))
    elif r.id_ref:
        return nvpair_format("$id-ref", r.id_ref)
    if r.role:
        words.append(nvpair_format("$role", r.role))
    if r.score != "INFINITY":
        score = _score_text(r.score, r.score_attribute)
        if score:
            words.append(f"{score}:")
    exprs = [_date_expr(x) if isinstance(x, m.DateExpression) else _expr(x)
             for x in r.items if isinstance(x, (m.Expression, m.DateExpression))]
    words.append(f" {r.boolean_op or 'and'} ".join(exprs))
    return " ".join(words)


def _nvpair(nv: m.NvPair, opts: RenderOptions) -> str:
    if nv.id_ref is not None:
        return f"@{nv.id_ref}:{nv.name}" if nv.name is not None else f"@{nv.id_ref}"
    return nvpair_format(nv.name or "", _obscured(opts, nv.name, nv.value))


def attr_set_text(keyword: str, s: m.AttrSet, opts: RenderOptions) -> str:
    """``params [$id-ref=..] [score:] [rule ...] name=value ...``"""
    out = f"{keyword} "
    if s.tag == "utilization" and s.id and s.id in opts.referenced_rules:
        out += nvpair_format("$id", s.id) + " "
    elif s.id_ref is not None:
        out += nvpair_format("$id-ref", s.id_ref) + " "
    if s.score:
        out += f"{s.score}: "
    for r in s.rules:
        out += f"rule {rule_text(r, opts)} "
    for nv in s.nvpairs:
        out += _nvpair(nv, opts) + " "
    return out.rstrip(" ") if out.endswith(" ") else out


def _is_false(value: str | None) -> bool:
    return value is not None and value.lower() in ("false", "no", "off", "0")


def _ref(rsc: str | None, qualifier: str | None, instance: str | None) -> str:
    if qualifier:
        return f"{rsc}:{qualifier}"
    if instance:
        return f"{rsc}:{instance}"
    return rsc or ""


# ---------------------------------------------------------------- element heads and parts

def _agent_text(p: m.Primitive) -> str:
    cls, provider = p.cls, p.provider
    unique = (cls is None and provider is None) or (cls == "ocf" and provider is None) \
        or provider == "heartbeat"
    if unique:
        cls = provider = None
    return "".join(x for x in ((f"{cls}:" if cls else ""), (f"{provider}:" if provider else ""),
                               p.type or ""))


_SET_WORDS = {
    "primitive": {"instance_attributes": "params", "meta_attributes": "meta",
                  "utilization": "utilization"},
    "container": {"instance_attributes": "params", "meta_attributes": "meta"},
    "node": {"instance_attributes": "attributes", "utilization": "utilization"},
    "op": {"instance_attributes": "op_params", "meta_attributes": "op_meta"},
    "alert": {"instance_attributes": "attributes", "meta_attributes": "meta"},
}


def _op_text(op: m.Op, opts: RenderOptions) -> str:
    head = " ".join([f"op {op.name}"] + [nvpair_format(k, v) for k, v in op.attrs.items()])
    parts = [head]
    if op.attrs.get("description"):
        # crmsh prints an element's description after its head, ops included
        parts.append(nvpair_format("description", op.attrs["description"]))
    parts += [attr_set_text(_SET_WORDS["op"][s.tag], s, opts) for s in op.sets
                      if isinstance(s, m.AttrSet) and s.tag in _SET_WORDS["op"]]
    return _join(parts, opts)


def _primitive(p: m.Primitive, opts: RenderOptions) -> list[str]:
    spec = f"@{p.template}" if p.template and not p.is_template else _agent_text(p)
    parts = [f"{'rsc_template' if p.is_template else 'primitive'} {p.id} {spec}"]
    if p.description:
        parts.append(nvpair_format("description", p.description))
    for c in p.children:
        if isinstance(c, m.AttrSet) and c.tag in _SET_WORDS["primitive"]:
            parts.append(attr_set_text(_SET_WORDS["primitive"][c.tag], c, opts))
        elif isinstance(c, m.Operations):
            lines = []
            head = ""
            if c.id:
                head = nvpair_format("$id", c.id)
            if c.id_ref:
                head = f"{head} {nvpair_format('$id-ref', c.id_ref)}"
            if head:
                lines.append(f"operations {head}")
            lines.extend(_op_text(op, opts) for op in c.ops if isinstance(op, m.Op))
            parts.append(_join(lines, opts))
    return parts


def _container(c: m.Group | m.Clone, opts: RenderOptions) -> list[str]:
    if isinstance(c, m.Group):
        children = [x.id for x in c.members]
    else:
        children = [c.child.id] if c.child is not None else []
    parts = [f"{kind_of(c)} {c.id} {' '.join(children)}"]
    if c.description:
        parts.append(nvpair_format("description", c.description))
    parts.extend(attr_set_text(_SET_WORDS["container"][s.tag], s, opts) for s in c.sets
                 if isinstance(s, m.AttrSet) and s.tag in _SET_WORDS["container"])
    return parts


def _bundle(b: m.Bundle, opts: RenderOptions) -> list[str]:
    parts = [f"bundle {b.id}"]
    if b.description:
        parts.append(nvpair_format("description", b.description))
    for p in b.parts:
        if isinstance(p, m.BundlePart):
            out = f"{p.tag} "
            if p.tag in ("docker", "network", "rkt", "podman"):
                out += "".join(f"{nvpair_format(k, v)} " for k, v in p.attrs.items())
            for tag, attrs in p.children:
                out += f"{tag} " + "".join(f"{nvpair_format(k, v)} " for k, v in attrs.items())
            parts.append(out.rstrip(" "))
        elif isinstance(p, m.Primitive):
            parts.append(f"primitive {p.id}")
        elif isinstance(p, m.AttrSet) and p.tag == "meta_attributes":
            parts.append(attr_set_text("meta", p, opts))
    return parts


def _node(n: m.Node, opts: RenderOptions) -> list[str]:
    head = "node"
    if n.id != n.uname:
        head += f" {n.id}:" if is_plain(n.id) else f' $id="{n.id}"'
    head += f" {n.uname}"
    if n.type and n.type != "normal":
        head += f":{n.type}"
    parts = [head]
    if n.description:
        parts.append(nvpair_format("description", n.description))
    parts.extend(attr_set_text(_SET_WORDS["node"][s.tag], s, opts) for s in n.sets
                 if isinstance(s, m.AttrSet) and s.tag in _SET_WORDS["node"])
    return parts


def _location(c: m.Location, opts: RenderOptions) -> list[str]:
    if c.rsc is not None:
        rsc = c.rsc
    elif c.rsc_pattern is not None:
        rsc = f"/{c.rsc_pattern}/"
    else:
        rsc = "{ " + " ".join(set_words(c.sets, "location")) + " }"
    head = f"location {c.id} {rsc}"
    if c.role is not None:
        head += f" role={c.role}"
    if c.resource_discovery is not None:
        head += f" resource-discovery={c.resource_discovery}"
    if c.node is not None:
        head += f" {_score_text(c.score, c.score_attribute)}: {c.node}"
    return [head] + [f"rule {rule_text(r, opts)}" for r in c.rules if isinstance(r, m.Rule)]


def _simple_constraint(c: m.Colocation | m.Order, opts: RenderOptions) -> list[str]:
    kind = kind_of(c)
    if isinstance(c, m.Colocation):
        score = _score_text(c.score, c.score_attribute)
    else:
        score = _score_text(c.score, None) or (c.kind or "")
    if c.sets:
        col = set_words(c.sets, kind)
    elif isinstance(c, m.Colocation):
        col = [_ref(c.rsc, c.rsc_role, c.rsc_instance),
               _ref(c.with_rsc, c.with_rsc_role, c.with_rsc_instance)]
    else:
        col = [_ref(c.first, c.first_action, c.first_instance),
               _ref(c.then, c.then_action, c.then_instance)]
    if isinstance(c, m.Order) and c.symmetrical:
        col.append(f"symmetrical={c.symmetrical}")
    if isinstance(c, m.Colocation) and c.node_attribute:
        col.append(f"node-attribute={c.node_attribute}")
    head = f"{kind} {c.id} "
    if score:
        head += f"{score}: "
    return [head + " ".join(col)]


def _ticket(c: m.Ticket, opts: RenderOptions) -> list[str]:
    col = set_words(c.sets, "rsc_ticket") if c.sets else [_ref(c.rsc, c.rsc_role, None)]
    if c.loss_policy:
        col.append(f"loss-policy={c.loss_policy}")
    return [f"rsc_ticket {c.id} {c.ticket}: {' '.join(col)}"]


def _nvset(s: m.NvSet, opts: RenderOptions) -> list[str]:
    ident = s.attrs.id or ""
    head = f"{ident}:" if is_plain(ident) else f'$id="{ident}"'
    parts = [f"{s.kind} {head}"]
    for item in s.attrs.items:
        if isinstance(item, m.Rule):
            parts.append(f"rule {rule_text(item, opts)}")
        elif isinstance(item, m.NvPair):
            parts.append(_nvpair(item, opts))
    return parts


def _fencing(f: m.FencingTopology, opts: RenderOptions) -> list[str]:
    levels: dict[Any, dict[int, str]] = {}
    for lv in f.levels:
        if lv.target_pattern is not None:
            target: Any = (None, lv.target_pattern)
        elif lv.target_attribute is not None:
            target = (lv.target_attribute, lv.target_value)
        else:
            target = lv.target
        levels.setdefault(target, {})[int(lv.index) if lv.index.isdigit() else 0] = lv.devices
    ordered = {t: [d[i] for i in sorted(d)] for t, d in levels.items()}
    distinct = {" ".join(v) for v in ordered.values()}
    if len(distinct) == 1 and len(levels) == opts.node_count:
        return [f"fencing_topology {distinct.pop()}"]

    def fmt(t: Any) -> str:
        if isinstance(t, tuple):
            return f"pattern:{t[1]}" if t[0] is None else f"attr:{t[0]}={t[1]}"
        return f"{t}:"

    return ["\n".join([_join(["fencing_topology"] + [f"{fmt(t)} {' '.join(v)}"
                                                     for t, v in ordered.items()], opts)])]


def _shortcut_pattern(part: str, index: int) -> str:
    """A regex for one part of a shortcut expansion; a placeholder used twice in one part
    (``location``) takes the same word both times."""
    pieces = re.escape(part).split("@@")
    group = f"g{index}"
    out = pieces[0]
    for n, piece in enumerate(pieces[1:]):
        out += (f"(?P<{group}>[a-zA-Z_][a-zA-Z0-9_.-]*)" if n == 0 else f"(?P={group})") + piece
    return out


def _shortcut(xpath: str) -> tuple[str, list[str]] | None:
    for name, parts in ACL_SHORTCUTS.items():
        patterns = [_shortcut_pattern(p, i) for i, p in enumerate(parts)]
        for i in range(len(patterns)):
            match = re.match("".join(patterns[:i + 1]) + "$", xpath)
            if match:
                return name, list(match.groups())
    return None


def _acl_spec(name: str, value: str) -> str:
    if name == "xpath":
        found = _shortcut(value)
        if found:
            return f"{found[0]}:{':'.join(found[1])}" if found[1] else found[0]
        return f"xpath:{quote(value)}"
    return f"{name}:{value}"


def _acl(a: Any, opts: RenderOptions) -> list[str]:
    if isinstance(a, m.AclRole):
        parts = [f"role {a.id}"]
        if a.description:
            parts.append(nvpair_format("description", a.description))
        for p in a.permissions:
            if not isinstance(p, m.AclPermission):
                continue
            words = [p.kind]
            if p.description:
                words.append(nvpair_format("description", p.description))
            for attr, word in (("xpath", "xpath"), ("reference", "ref"), ("attribute", "attr"),
                               ("object_type", "type")):
                value = getattr(p, attr)
                if value:
                    words.append(_acl_spec(word, value))
            parts.append(" ".join(words))
        return parts
    if isinstance(a, m.AclTarget):
        return [f"{a.tag} {a.id}"] + list(a.roles)
    parts = [f"user {a.id}"]
    for item in a.items:
        if isinstance(item, str):
            parts.append(f"role:{item}")
        else:
            words = [item.kind]
            for attr in ("xpath", "ref", "tag", "attribute"):
                if attr in item.attrs:
                    words.append(_acl_spec(attr, item.attrs[attr]) if attr == "xpath"
                                 else f"{attr}:{item.attrs[attr]}")
            parts.append(" ".join(words))
    return parts


def _alert(a: m.Alert, opts: RenderOptions) -> list[str]:
    parts = [f"alert {a.id} {quote(a.path)}"]
    if a.description:
        parts.append(nvpair_format("description", a.description))
    tags = [c for c in a.children if isinstance(c, (m.Recipient, m.AttrSet))]
    complex_ = False
    first_r = next((i for i, c in enumerate(tags) if isinstance(c, m.Recipient)), None)
    if first_r is not None:
        complex_ = any(isinstance(c, m.AttrSet) for c in tags[first_r + 1:])
    for c in a.children:
        if isinstance(c, m.AttrSet) and c.tag in _SET_WORDS["alert"]:
            parts.append(attr_set_text(_SET_WORDS["alert"][c.tag], c, opts))
        elif isinstance(c, m.AlertSelect):
            words = ["select"]
            for kind in c.kinds:
                words.append(kind)
                if kind == "attributes":
                    words.extend(["{"] + [a.name for a in c.attributes] + ["}"])
            parts.append(" ".join(words))
        elif isinstance(c, m.Recipient):
            words = ["to"] + (["{"] if complex_ else []) + [quote(c.value)]
            words.extend(attr_set_text(_SET_WORDS["alert"][s.tag], s, opts) for s in c.sets
                         if isinstance(s, m.AttrSet) and s.tag in _SET_WORDS["alert"])
            if complex_:
                words.append("}")
            parts.append(" ".join(words))
    return parts


_RENDERERS: dict[type, Callable[[Any, RenderOptions], list[str]]] = {
    m.Primitive: _primitive, m.Group: _container, m.Clone: _container, m.Bundle: _bundle,
    m.Node: _node, m.Location: _location, m.Colocation: _simple_constraint,
    m.Order: _simple_constraint, m.Ticket: _ticket, m.NvSet: _nvset,
    m.FencingTopology: _fencing, m.AclRole: _acl, m.AclTarget: _acl, m.AclUser: _acl,
    m.Alert: _alert,
}


def element_xml(obj: Any) -> etree._Element:
    """The XML element of one model element (for ``xml`` display and checks)."""
    from hacrm.cib import xmlio

    holder = etree.Element("holder")
    if isinstance(obj, m.NvSet):
        xmlio.write_nvset(holder, obj)
    elif isinstance(obj, m.Node):
        xmlio.write_node(holder, obj)
    elif isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)):
        xmlio.write_resource(holder, obj)
    elif isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
        xmlio.write_constraint(holder, obj)
    elif isinstance(obj, (m.AclRole, m.AclTarget, m.AclUser)):
        xmlio.write_acl(holder, obj)
    elif isinstance(obj, m.Alert):
        xmlio.write_alert(holder, obj)
    elif isinstance(obj, m.Tag):
        te = etree.SubElement(holder, "tag", id=obj.id)
        for r in obj.refs:
            etree.SubElement(te, "obj_ref", id=r)
    elif isinstance(obj, m.FencingTopology):
        cfg = m.Configuration(fencing_topology=obj, section_order=["fencing-topology"])
        return xmlio.write_configuration(cfg).find("fencing-topology")
    return holder[0]


def xml_element_text(obj: Any, opts: RenderOptions) -> str:
    """``xml <...>`` for elements the language cannot express."""
    elem = element_xml(obj)
    if isinstance(obj, (m.Primitive, m.Group)) and obj is not None:
        pass
    raw = etree.tostring(elem, pretty_print=True, encoding="ascii", xml_declaration=False)
    lines = [ln for ln in raw.decode("ascii").split("\n") if ln]
    sep = " \\\n" if opts.break_lines else " "
    return "xml " + sep.join(lines)


def element_text(obj: Any, opts: RenderOptions | None = None) -> str:
    """The crm text of one element (with its comments first)."""
    opts = opts or RenderOptions()
    from hacrm.cib.textable import is_textable

    text = None
    if is_textable(obj) and _sets_read_back(obj):
        if isinstance(obj, m.Tag):
            text = " ".join(["tag", obj.id] + obj.refs)
        else:
            text = _join(_RENDERERS[type(obj)](obj, opts), opts)
        if not text.isascii():
            # crmsh turns non-ASCII text into character references when it reads text, so
            # such an element does not read back: it is shown as XML
            text = None
    if text is None:
        return xml_element_text(obj, opts)  # comments are inside the XML
    comments = getattr(obj, "comments", None)
    if comments:
        return "\n".join(_comment_text(c) for c in comments) + "\n" + text
    return text


def _sets_read_back(obj: Any) -> bool:
    """Do a constraint's resource sets read back the same from their crm text?  (crmsh shows
    the constraint as XML when they do not, e.g. two sets that print as one.)"""
    sets = getattr(obj, "sets", None)
    if not sets or not isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
        return True
    kind = kind_of(obj)
    qualifier = "action" if kind == "order" else "role"
    choices = RESOURCE_ACTIONS if qualifier == "action" else RESOURCE_ROLES
    try:
        again = read_sets(set_words(sets, kind), qualifier, lambda q: canonize(q, choices))
    except SetSyntaxError:
        return False
    return same_sets(sets, again)


def _comment_text(text: str) -> str:
    text = text.strip()
    return text if text.startswith("#") else f"# {text}"


def sort_key(obj: Any) -> tuple[int, str]:
    kind = kind_of(obj)
    ident = obj.id if not isinstance(obj, m.FencingTopology) else "fencing_topology"
    return KIND_ORDER.get(kind, 1000), ident


def render(objects: Iterable[Any], opts: RenderOptions | None = None) -> str:
    """The ``configure show`` text of a set of elements (no trailing newline)."""
    opts = opts or RenderOptions()
    objs = list(objects)
    if opts.sort_elements:
        objs.sort(key=sort_key)
    else:
        objs.sort(key=lambda o: sort_key(o)[0])
    return "\n".join(element_text(o, opts) for o in objs)


def referenced_rule_ids(objects: Iterable[Any]) -> set[str]:
    """Ids crmsh shows with ``$id=`` because something refers to them with ``$id-ref``: rules
    and utilization sets (crmsh matches a reference's word with the element's tag, which
    only these two share; a referenced ``params`` set is not shown with its id)."""
    from hacrm.cib.ids import children

    found: set[str] = set()

    def visit(obj: Any) -> None:
        if isinstance(obj, m.Rule) and obj.id_ref:
            found.add(obj.id_ref)
        elif isinstance(obj, m.AttrSet) and obj.id_ref and obj.tag == "utilization":
            found.add(obj.id_ref)
        for c in children(obj):
            visit(c)

    for o in objects:
        visit(o)
    return found
