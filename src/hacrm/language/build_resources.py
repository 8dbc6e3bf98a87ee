"""Building resources and nodes: primitive, rsc_template, group, clone, ms, bundle, monitor,
node (the callbacks of :class:`hacrm.language.build._Builder` for these elements).

crmsh's decisions are made here as crmsh makes them: the provider of an agent named without
one, the op attributes the schema knows (the others become the op's parameters), the
``<operations>`` lists a primitive gets, a bundle's parts.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from lark import Token

from hacrm.cib import model as m
from hacrm.language.vocabulary import (
    OP_ATTRIBUTES, RESOURCE_ROLES,
    Definition, canonize,
)
from hacrm.language.words import unquote

_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

_UNAME_RE = re.compile(r"^([^:]+)(?::(normal|member|ping|remote))?$", re.I)


def pick_provider(providers: list[str]) -> str:
    """The provider crmsh picks for an OCF type without one: heartbeat, then pacemaker."""
    if not providers or "heartbeat" in providers:
        return "heartbeat"
    if "pacemaker" in providers:
        return "pacemaker"
    return providers[0]


class ResourceRules:
    """Transformer callbacks for resources and nodes (mixed into the builder)."""

    # ------------------------------------------------------------ resources
    def _agent(self, tok: Token, target: m.Primitive) -> None:
        text = unquote(str(tok))
        parts = text.split(":")
        if len(parts) > 3 or not all(parts):
            self.fail(f"bad resource type specification `{text}`", tok,
                      "write [<class>:[<provider>:]]<type>, e.g. ocf:heartbeat:IPaddr2")
        if len(parts) == 3:
            cls, provider, typ = parts
        elif len(parts) == 2:
            cls, typ = parts
            provider = pick_provider(self.ctx.ocf_providers(typ)) if cls == "ocf" else ""
        else:
            cls, typ = "ocf", parts[0]
            provider = pick_provider(self.ctx.ocf_providers(typ))
        if cls != "ocf" and provider:
            self.warn(f"ra class {cls} does not support providers")
        target.cls, target.provider, target.type = cls, provider or None, typ

    def _sections(self, target: Any, sections: list[Any]) -> None:
        """Put parsed sections into a resource in order (the implicit list is params).

        As in crmsh, a run of ``op`` sections (optionally headed by ``operations $id=...``)
        makes one ``<operations>`` element; an ``op`` after some other section starts another
        one, which Pacemaker's schema then refuses.
        """
        current: m.Operations | None = None
        for sec in sections:
            if isinstance(sec, list):  # implicit params
                target.children.append(self._attr_set("instance_attributes", sec))
                current = None
            elif isinstance(sec, m.AttrSet):
                target.children.append(sec)
                current = None
            elif isinstance(sec, m.Operations):
                target.children.append(sec)
                current = sec
            elif isinstance(sec, m.Op):
                if current is None:
                    current = m.Operations()
                    target.children.append(current)
                current.ops.append(sec)

    def rsc_sections(self, items: list[Any]) -> list[Any]:
        return items

    node_sections = container_sections = rsc_sections

    def operations(self, items: list[Token]) -> m.Operations:
        key, _, value = unquote(str(items[0])).partition("=")
        if key.lower() == "$id":
            return m.Operations(id=value)
        return m.Operations(id_ref=value)

    def op(self, items: list[Any]) -> m.Op:
        name_tok = items[0]
        op = m.Op(name=unquote(str(name_tok)))
        pairs = [i for i in items[1:] if isinstance(i, m.NvPair)]
        sets = [i for i in items[1:] if isinstance(i, m.AttrSet)]
        if not any(p.name == "interval" for p in pairs):
            pairs.append(m.NvPair(name="interval", value="0"))
        inst: m.AttrSet | None = None
        for p in pairs:
            if p.name in OP_ATTRIBUTES:
                if inst is not None:
                    self.fail(f"attribute order error: {p.name} must appear before any "
                              f"instance attribute", name_tok)
                op.attrs[p.name or ""] = p.value or ""
            else:
                if inst is None:
                    inst = m.AttrSet(tag="instance_attributes")
                inst.items.append(p)
        if inst is not None:
            op.sets.append(inst)
        op.sets.extend(sets)
        return op

    def primitive(self, items: list[Any]) -> Definition:
        rsc = m.Primitive(id=self.ident(items[0]))
        spec = items[1]
        if spec.type == "TEMPLATE_REF":
            rsc.template = unquote(str(spec))[1:]
        else:
            self._agent(spec, rsc)
        rest = items[2:]
        if rest and isinstance(rest[0], tuple):
            rsc.description = rest[0][1]
            rest = rest[1:]
        self._sections(rsc, rest[0] if rest else [])
        return Definition("primitive", rsc, self.line)

    def rsc_template(self, items: list[Any]) -> Definition:
        d = self.primitive(items)
        d.element.is_template = True
        d.kind = "rsc_template"
        return d

    def _container_parts(self, target: Any, rest: list[Any]) -> None:
        if rest and isinstance(rest[0], tuple):
            target.description = rest[0][1]
            rest = rest[1:]
        for sec in (rest[0] if rest else []):
            if isinstance(sec, list):
                target.sets.append(self._attr_set("instance_attributes", sec))
            else:
                target.sets.append(sec)

    def group(self, items: list[Any]) -> Definition:
        group = m.Group(id=self.ident(items[0]))
        members: list[str] = []
        i = 1
        while i < len(items) and isinstance(items[i], Token) and items[i].type == "WORD":
            child = unquote(str(items[i]))
            if child in members:
                self.fail(f"child {child} listed more than once in group {group.id}", items[i])
            members.append(child)
            i += 1
        self._container_parts(group, items[i:])
        return Definition("group", group, self.line, members=members)

    def clone(self, items: list[Any]) -> Definition:
        clone = m.Clone(id=self.ident(items[0]))
        self._container_parts(clone, items[2:])
        return Definition("clone", clone, self.line, members=[unquote(str(items[1]))])

    def ms(self, items: list[Any]) -> Definition:
        try:
            args = shlex.split(self.line.text)[1:]
        except ValueError:
            args = self.line.text.split()[1:]
        suggestion = " ".join(args) + (" " if "meta" in args else " meta ") + "promotable=true"
        self.warn(f'"ms" is deprecated. Please use "clone {suggestion}"')
        clone = m.Clone(id=self.ident(items[0]), tag="master")
        self._container_parts(clone, items[2:])
        return Definition("ms", clone, self.line, members=[unquote(str(items[1]))])

    def bundle_part(self, items: list[Any]) -> tuple[str, list[m.NvPair]]:
        tag = str(items[0]).lower()
        if tag == "rkt":
            # crmsh 4.4.1 accepts the word but fails on the element it built
            self.fail("rkt containers cannot be defined in crm text", items[0],
                      "use docker, or write the bundle as `xml <bundle ...>`")
        return tag, list(items[1:])

    def bundle(self, items: list[Any]) -> Definition:
        b = m.Bundle(id=self.ident(items[0]))
        rest = items[1:]
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "description":
            b.description = rest[0][1]
            rest = rest[1:]
        members: list[str] = []
        for sec in rest:
            if isinstance(sec, m.AttrSet):
                b.parts.append(sec)
                continue
            tag, pairs = sec
            if tag == "primitive":
                if len(pairs) != 1 or pairs[0].value is not None:
                    shown = ", ".join(f"{p.name}={p.value or ''}" for p in pairs)
                    self.fail(f"expected primitive reference, got {shown}")
                members.append(pairs[0].name or "")
                b.parts.append(m.Primitive(id=pairs[0].name or ""))  # placeholder, adopted later
                continue
            part = next((p for p in b.parts if isinstance(p, m.BundlePart) and p.tag == tag),
                        None)
            if part is None:
                part = m.BundlePart(tag=tag)
                b.parts.append(part)
            sub: dict[str, str] | None = None
            for p in pairs:
                if not _XML_NAME.match(p.name or ""):
                    # these names become XML attributes of the part's element
                    found = re.search(rf"(?<!\S){re.escape(p.name or '')}(?=[=\s]|$)",
                                      self.line.text)
                    at = found.start() if found else 0
                    self.fail(f"`{p.name}` is not a valid attribute name for {tag}",
                              Token("WORD", p.name or "", start_pos=at),
                              hint="names start with a letter and hold letters, digits, "
                                   "'-', '_' and '.'")
                if p.name in ("port-mapping", "storage-mapping"):
                    sub = {}
                    part.children.append((p.name, sub))
                    continue
                (sub if sub is not None else part.attrs)[p.name or ""] = p.value or ""
        return Definition("bundle", b, self.line, members=members)

    def monitor(self, items: list[Token]) -> Definition:
        rsc, _, role = unquote(str(items[0])).partition(":")
        interval, _, timeout = unquote(str(items[1])).partition(":")
        op = m.Op(name="monitor")
        if role:
            canon = canonize(role, RESOURCE_ROLES)
            if canon is not None:
                op.attrs["role"] = canon
            elif role.isdigit():
                op.attrs["instance"] = role
            else:
                self.fail(f"invalid role `{role}` for resource `{rsc}`", items[0])
        if interval:
            op.attrs["interval"] = interval
        if timeout:
            op.attrs["timeout"] = timeout
        return Definition("monitor", op, self.line, op_target=rsc)

    # ------------------------------------------------------------ nodes
    def node_id(self, items: list[Token]) -> str:
        text = unquote(str(items[0]))
        return text.split("=", 1)[1] if text.lower().startswith("$id=") else text[:-1]

    def node(self, items: list[Any]) -> Definition:
        node_id = None
        i = 0
        if isinstance(items[0], str) and not isinstance(items[0], Token):
            node_id, i = items[0], 1
        uname_tok = items[i]
        match = _UNAME_RE.match(unquote(str(uname_tok)))
        if match is None:
            self.fail("expected uname[:type]", uname_tok)
        assert match is not None
        node = m.Node(id=node_id or "", uname=match.group(1), type=match.group(2))
        if node_id:
            node.order = ("id", "uname", "type", "description")
        rest = items[i + 1:]
        if rest and isinstance(rest[0], tuple):
            node.description = rest[0][1]
            rest = rest[1:]
        for sec in (rest[0] if rest else []):
            if isinstance(sec, list):
                node.sets.append(self._attr_set("instance_attributes", sec))
            else:
                node.sets.append(sec)
        return Definition("node", node, self.line)
