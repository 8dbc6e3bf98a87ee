"""Parse trees -> model elements, with the meaning crmsh gives each construct.

The transformer only constructs: it turns one parsed element definition into model objects
without ids (ids are assigned afterwards by :mod:`hacrm.cib.ids`, which needs the rest of the
CIB) and records what the definition refers to (a group's members, a clone's child, id
references) for :mod:`hacrm.cib.edit` to resolve.  The decisions crmsh makes while parsing are
made here, in the same way: a bare ``inf`` score becomes ``INFINITY``, an order score becomes a
kind, two resources make a simple constraint and more make resource sets, op attributes that
the schema does not know become the op's instance attributes.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import VisitError

from hacrm.cib import model as m
from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.language.parse import LogicalLine, parse_line
from hacrm.language.sets import SetSyntaxError, read_sets
from hacrm.language.vocabulary import (  # noqa: F401 - re-exported for callers
    ACL_SHORTCUTS, ACL_SPEC_MAP, DATE_SPEC_NAMES, EXPRESSION_TYPES, IN_RANGE_ATTRS,
    OP_ATTRIBUTES, ORDER_KINDS, RESOURCE_ACTIONS, RESOURCE_ROLES, SCORE_TYPES, Definition,
    canonize, is_valid_id,
)
from hacrm.language.words import split_pair, unquote

_SCORE_RE = re.compile(r"^[+-]?(inf(inity)?|INF(INITY)?|[0-9]+)$")
_VALUE_SOURCE_RE = re.compile(r"^(?P<src>[^\s{}]+)(\{(?P<val>\S+)\})?$")
_UNAME_RE = re.compile(r"^([^:]+)(?::(normal|member|ping|remote))?$", re.I)


class BuildContext(Protocol):
    """What the builder needs to know about the world outside the line it is building."""

    def ocf_providers(self, agent_type: str) -> list[str]:
        """Providers that ship an OCF agent called ``agent_type`` (for ``primitive p Dummy``)."""
        ...

    def node_names(self) -> list[str]:
        """Ids of the configured nodes (a fencing_topology without targets applies to all)."""
        ...

    def ocf_1_1(self) -> bool:
        """True when the CIB schema knows the Promoted/Unpromoted role names (3.7 and later)."""
        ...

    def acl_user_supported(self) -> bool:
        """True when the CIB schema still has the old ``acl_user`` (before pacemaker-2.0)."""
        ...


def pick_provider(providers: list[str]) -> str:
    """The provider crmsh picks for an OCF type without one: heartbeat, then pacemaker."""
    if not providers or "heartbeat" in providers:
        return "heartbeat"
    if "pacemaker" in providers:
        return "pacemaker"
    return providers[0]


class _Builder(Transformer):
    """The transformer proper; one instance per logical line."""

    def __init__(self, line: LogicalLine, ctx: BuildContext, interactive: bool) -> None:
        super().__init__(visit_tokens=True)
        self.line = line
        self.ctx = ctx
        self.interactive = interactive
        self.warnings: list[Diagnostic] = []

    # ------------------------------------------------------------ helpers
    def fail(self, message: str, token: Token | None = None, hint: str | None = None) -> None:
        offset = token.start_pos if token is not None and token.start_pos is not None else 0
        ln, col = self.line.position(offset)
        raise ConfigureError([Diagnostic("error", f"{self.line.keyword}: {message}",
                                         self.line.source, ln, col, hint)])

    def warn(self, message: str) -> None:
        self.warnings.append(Diagnostic("warning", message))

    def ident(self, tok: Token) -> str:
        value = unquote(str(tok))
        if tok.type == "ID_EQ":
            value = value[3:]
        return value

    def role_name(self, value: str, name: str = "role") -> str:
        """crmsh's role spelling rules: on a pre-3.7 schema Promoted/Unpromoted become
        Master/Slave (with a warning); otherwise the role is kept as written."""
        if name not in ("role", "target-role"):
            return value
        if value in ("Promoted", "Unpromoted") and not self.ctx.ocf_1_1():
            old = {"Promoted": "Master", "Unpromoted": "Slave"}[value]
            self.warn(f'Convert "{value}" to "{old}" since the current schema version is old '
                      f'and not upgraded yet. Please consider "crm configure upgrade force"')
            return old
        return value

    def score(self, tok: Token, noattr: bool = False, to_kind: bool = False) -> tuple[str, str]:
        """The XML attribute a score word sets: score, score-attribute or (orders) kind."""
        text = unquote(str(tok))[:-1] if str(tok).endswith(":") else unquote(str(tok))
        if not noattr and text.lower() in SCORE_TYPES:
            return "score", SCORE_TYPES[text.lower()]
        if _SCORE_RE.match(text):
            value = re.sub("inf(inity)?|INF(INITY)?", "INFINITY", text)
            if to_kind:
                return "kind", "Optional" if value == "0" else "Mandatory"
            return "score", value
        if noattr:
            kind = canonize(text, ORDER_KINDS)
            if kind is None:
                self.fail(f"invalid kind `{text}`", tok,
                          "an order kind is Mandatory:, Optional: or Serialize: (or a score)")
            return "kind", kind or ""
        return "score-attribute", text

    # ------------------------------------------------------------ attribute lists
    def nvpair(self, items: list[Token]) -> m.NvPair:
        name, value = split_pair(items[0])
        return m.NvPair(name=name, value=self.role_name(value, name))

    def nvkey(self, items: list[Token]) -> m.NvPair:
        text = unquote(str(items[0]))
        if "=" in text:
            # a quoted "name=value" word: the shell removes the quotes before crmsh looks
            name, _, value = text.partition("=")
            return m.NvPair(name=name, value=value)
        return m.NvPair(name=text)

    def nvpair_id(self, items: list[Token]) -> m.NvPair:
        text = unquote(str(items[0]))[1:]
        head, _, value = text.partition("=")
        pair_id, _, name = head.partition(":")
        return m.NvPair(id=pair_id, name=name or pair_id, value=value)

    def nvpair_ref(self, items: list[Token]) -> m.NvPair:
        text = unquote(str(items[0]))[1:]
        ref, _, name = text.partition(":")
        return m.NvPair(id_ref=ref, name=name or None)

    def nvpairs(self, items: list[m.NvPair]) -> list[m.NvPair]:
        return items

    def set_id(self, items: list[Token]) -> tuple[str, str]:
        return "id", unquote(str(items[0])).split("=", 1)[1]

    def set_idref(self, items: list[Token]) -> tuple[str, str]:
        return "id-ref", unquote(str(items[0])).split("=", 1)[1]

    def set_score(self, items: list[Token]) -> tuple[str, str]:
        return "score", unquote(str(items[0]))[:-1]

    def set_role(self, items: list[Token]) -> tuple[str, str]:
        return "role", self.role_name(unquote(str(items[0])).split("=", 1)[1])

    def set_id_short(self, items: list[Token]) -> tuple[str, str]:
        return "id", unquote(str(items[0]))[:-1]

    def _attr_set(self, tag: str, items: list[Any]) -> m.AttrSet:
        aset = m.AttrSet(tag=tag)
        for item in items:
            if isinstance(item, tuple):
                key, value = item
                if key == "id":
                    aset.id = value
                elif key == "id-ref":
                    aset.id_ref = value
                elif key == "score":
                    aset.score = value
            elif isinstance(item, m.Rule):
                aset.items.append(item)
            elif isinstance(item, list):
                aset.items.extend(item)
            elif isinstance(item, m.NvPair):
                aset.items.append(item)
        if aset.id_ref is not None:
            # $id-ref=<id> makes the whole set a reference; nothing else is kept
            return m.AttrSet(tag=tag, id_ref=aset.id_ref)
        return aset

    def attr_list(self, items: list[Any]) -> list[Any]:
        return items

    def implicit_list(self, items: list[Any]) -> list[Any]:
        return items

    def container_implicit_list(self, items: list[Any]) -> list[Any]:
        return items

    def params_list(self, items: list[Any]) -> m.AttrSet:
        return self._attr_set("instance_attributes", items[0])

    def meta_list(self, items: list[Any]) -> m.AttrSet:
        return self._attr_set("meta_attributes", items[0])

    def utilization_list(self, items: list[Any]) -> m.AttrSet:
        return self._attr_set("utilization", items[0])

    def attributes_list(self, items: list[Any]) -> m.AttrSet:
        return self._attr_set("instance_attributes", items[0])

    def op_params_list(self, items: list[Any]) -> m.AttrSet:
        return self._attr_set("instance_attributes", items[0])

    def op_meta_list(self, items: list[Any]) -> m.AttrSet:
        return self._attr_set("meta_attributes", items[0])

    alert_attributes_list = attributes_list
    alert_meta_list = meta_list

    def DESCRIPTION(self, tok: Token) -> tuple[str, str]:  # noqa: N802 - token callback
        return "description", split_pair(tok)[1]

    # ------------------------------------------------------------ rules
    def rule_score(self, items: list[Token]) -> Token:
        return items[0]

    def binary_expression(self, items: list[Token]) -> m.Expression:
        attr, op, value = items
        op_text = str(op)
        typ, _, operation = op_text.rpartition(":")
        raw_value = unquote(str(value))
        x = m.Expression(attribute=unquote(str(attr)), operation=operation.lower(),
                         type=(typ.lower() or None))
        match = _VALUE_SOURCE_RE.match(raw_value)
        if match and match.group("val") is not None:
            x.value = match.group("val")
            x.value_source = match.group("src")
        else:
            x.value = raw_value
        return x

    def unary_expression(self, items: list[Token]) -> m.Expression:
        return m.Expression(attribute=unquote(str(items[1])), operation=str(items[0]).lower())

    def date_simple(self, items: list[Token]) -> m.DateExpression:
        op = str(items[0]).lower()
        value = unquote(str(items[1]))
        if op == "lt":
            return m.DateExpression(operation="lt", end=value)
        return m.DateExpression(operation="gt", start=value)

    def date_kv(self, items: list[Token]) -> tuple[str, str]:
        return split_pair(items[0])

    def date_range(self, items: list[Any]) -> m.DateExpression:
        pairs = items[1:]
        if len(pairs) < 2:
            self.fail("date in_range needs start= and end= or a duration", items[0])
        return self._date_with_sub("in_range", "duration", pairs)

    def date_spec(self, items: list[Any]) -> m.DateExpression:
        pairs = items[1:]
        for name, _ in pairs:
            if name not in DATE_SPEC_NAMES:
                self.fail(f"`{name}` is not a date_spec field", items[0],
                          "date_spec fields: " + ", ".join(DATE_SPEC_NAMES))
        return self._date_with_sub("date_spec", "date_spec", pairs)

    def _date_with_sub(self, operation: str, subtag: str,
                       pairs: list[tuple[str, str]]) -> m.DateExpression:
        expr = m.DateExpression(operation=operation)
        names = {n for n, _ in pairs}
        if names == set(IN_RANGE_ATTRS):
            for n, v in pairs:
                setattr(expr, n, v)
            return expr
        spec = m.DateSpec(tag=subtag)
        for n, v in pairs:
            if n in IN_RANGE_ATTRS:
                setattr(expr, n, v)
            else:
                spec.attrs[n] = v
        expr.spec = spec
        return expr

    def rule(self, items: list[Any]) -> m.Rule:
        rule = m.Rule()
        boolop: str | None = None
        exprs: list[m.RuleItem] = []
        score_tok: Token | None = None
        for item in items:
            if isinstance(item, tuple):
                key, value = item
                if key == "id":
                    rule.id = value
                elif key == "role":
                    rule.role = value
            elif isinstance(item, Token) and item.type == "SCORE":
                score_tok = item
            elif isinstance(item, Token) and item.type == "BOOLOP":
                op = str(item).lower()
                if boolop is not None and op != boolop:
                    self.fail(f"mixing boolean operators is not allowed: {boolop} != {op}",
                              item, "split the rule in two, or nest it in XML")
                boolop = op
            else:
                exprs.append(item)
        if score_tok is not None:
            key, value = self.score(score_tok)
            if key == "score":
                rule.score = value
            else:
                rule.score_attribute = value
        else:
            rule.score = "INFINITY"
        if boolop and boolop != "and":
            rule.boolean_op = boolop
        rule.items = exprs
        return rule

    def rule_ref(self, items: list[Any]) -> m.Rule:
        rule = m.Rule(id_ref=unquote(str(items[0])).split("=", 1)[1])
        for item in items[1:]:
            if isinstance(item, tuple) and item[0] == "role":
                rule.role = item[1]
        return rule

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

    # ------------------------------------------------------------ constraints
    def set_rsc(self, items: list[Token]) -> Token:
        return items[0]

    def set_attr(self, items: list[Token]) -> Token:
        return items[0]

    def set_open_paren(self, items: list[Any]) -> str:
        return "("

    def set_close_paren(self, items: list[Any]) -> str:
        return ")"

    def set_open_bracket(self, items: list[Any]) -> str:
        return "["

    def set_close_bracket(self, items: list[Any]) -> str:
        return "]"

    def _resource_sets(self, tokens: list[Any], qualifier: str,
                       anchor: Token | None) -> list[m.ResourceSet]:
        """crmsh's resource set reading (see :mod:`hacrm.language.sets`), errors located."""
        words = [unquote(str(t)) if isinstance(t, Token) else str(t) for t in tokens]
        choices = RESOURCE_ACTIONS if qualifier == "action" else RESOURCE_ROLES

        def canon(q: str) -> str | None:
            return canonize(self.role_name(q) if qualifier == "role" else q, choices)

        try:
            return read_sets(words, qualifier, canon)
        except SetSyntaxError as err:
            tok = anchor
            for t in tokens[:err.index + 1]:
                if isinstance(t, Token):
                    tok = t
            self.fail(str(err), tok, err.hint)
            return []

    def _split_ref(self, tok: Token, qualifier: str) -> tuple[str, str | None, str | None]:
        """``rsc[:role]`` / ``rsc[:action]`` -> (rsc, qualifier value, instance number)."""
        rsc, _, q = unquote(str(tok)).partition(":")
        if not q:
            return rsc, None, None
        choices = RESOURCE_ACTIONS if qualifier == "action" else RESOURCE_ROLES
        canon = canonize(self.role_name(q) if qualifier == "role" else q, choices)
        if canon is not None:
            return rsc, canon, None
        if q.isdigit():
            return rsc, None, q
        self.fail(f"invalid {qualifier} `{q}` for `{rsc}`", tok)
        return rsc, None, None

    def _tail(self, items: list[Any], names: tuple[str, ...]
              ) -> tuple[list[Any], tuple[str, str, Token] | None]:
        """crmsh reads a trailing option (symmetrical=, node-attribute=, loss-policy=) first."""
        if items and isinstance(items[-1], Token) and items[-1].type == "NVPAIR":
            name, value = split_pair(items[-1])
            if name in names:
                return items[:-1], (name, value, items[-1])
        return items, None

    def colocation(self, items: list[Any]) -> Definition:
        col = m.Colocation(id=self.ident(items[0]))
        key, value = self.score(items[1])
        if key != "score":
            self.fail(f"`{items[1]}` is not a score", items[1],
                      "a colocation score is a number, inf or -inf")
        col.score = value
        rest, tail = self._tail(items[2:], ("node-attribute",))
        if tail:
            col.node_attribute = tail[1].lower()
        if len(rest) == 2 and all(isinstance(t, Token) and t.type == "SET_WORD" for t in rest):
            col.rsc, col.rsc_role, col.rsc_instance = self._split_ref(rest[0], "role")
            col.with_rsc, col.with_rsc_role, col.with_rsc_instance = \
                self._split_ref(rest[1], "role")
        else:
            col.sets = self._resource_sets(rest, "role", items[1])
        return Definition("colocation", col, self.line)

    def order(self, items: list[Any]) -> Definition:
        order = m.Order(id=self.ident(items[0]))
        rest = items[1:]
        if rest and isinstance(rest[0], Token) and rest[0].type == "SCORE":
            text = unquote(str(rest[0]))[:-1]
            kind = canonize(text, ORDER_KINDS)
            if kind is not None:
                order.kind = kind
            else:
                key, value = self.score(rest[0], noattr=True, to_kind=True)
                setattr(order, key, value)
            rest = rest[1:]
        rest, tail = self._tail(rest, ("symmetrical",))
        if tail:
            value = tail[1].lower()
            if value not in ("true", "false", "yes", "no", "on", "off"):
                self.fail(f"symmetrical must be a boolean, not `{tail[1]}`", tail[2])
            order.symmetrical = "true" if value in ("true", "yes", "on") else "false"
        if len(rest) == 2 and all(isinstance(t, Token) and t.type == "SET_WORD" for t in rest):
            order.first, order.first_action, order.first_instance = \
                self._split_ref(rest[0], "action")
            order.then, order.then_action, order.then_instance = \
                self._split_ref(rest[1], "action")
        else:
            order.sets = self._resource_sets(rest, "action", items[0])
        return Definition("order", order, self.line)

    def rsc_ticket(self, items: list[Any]) -> Definition:
        ticket = m.Ticket(id=self.ident(items[0]), ticket=unquote(str(items[1]))[:-1])
        rest, tail = self._tail(items[2:], ("loss-policy",))
        if tail:
            if tail[1] not in ("stop", "demote", "fence", "freeze"):
                self.fail(f"loss-policy must be stop, demote, fence or freeze, not `{tail[1]}`",
                          tail[2])
            ticket.loss_policy = tail[1]
        if len(rest) == 1 and isinstance(rest[0], Token) and rest[0].type == "SET_WORD":
            ticket.rsc, ticket.rsc_role, _ = self._split_ref(rest[0], "role")
        else:
            ticket.sets = self._resource_sets(rest, "role", items[1])
        return Definition("rsc_ticket", ticket, self.line)

    def location_rsc_id(self, items: list[Token]) -> tuple[str, Any]:
        return "rsc", unquote(str(items[0]))

    def location_rsc_pattern(self, items: list[Token]) -> tuple[str, Any]:
        return "rsc-pattern", unquote(str(items[0]))[1:-1]

    def location_rsc_set(self, items: list[Any]) -> tuple[str, Any]:
        return "sets", items

    def location_attr(self, items: list[Token]) -> tuple[str, str]:
        text = unquote(str(items[0]))
        name, _, value = text.partition("=")
        name = name.lstrip("$")
        return name, self.role_name(value, name)

    def location_node(self, items: list[Any]) -> tuple[str, Any]:
        return "node", items

    def location_rules(self, items: list[Any]) -> tuple[str, Any]:
        return "rules", items

    def location(self, items: list[Any]) -> Definition:
        loc = m.Location(id=self.ident(items[0]))
        kind, value = items[1]
        if kind == "rsc":
            loc.rsc = value
        elif kind == "rsc-pattern":
            loc.rsc_pattern = value
        else:
            loc.sets = self._resource_sets(value, "role", items[0])
            if not loc.sets:
                self.fail("empty resource set", items[0])
        for name, val in items[2:-1]:
            self._location_attr(loc, name, val)
        kind, target = items[-1]
        if kind == "node":
            key, val = self.score(target[0])
            if key != "score":
                self.fail(f"`{target[0]}` is not a score", target[0],
                          "a location for a node takes a number, inf or -inf; a node attribute "
                          "as score goes in a rule: `rule <attribute>: <expression>`")
            loc.score = val
            loc.node = unquote(str(target[1]))
            if len(target) > 2 and loc.role is None:
                self._location_attr(loc, *target[2])
        else:
            loc.rules = target
        return Definition("location", loc, self.line)

    @staticmethod
    def _location_attr(loc: m.Location, name: str, value: str) -> None:
        if name == "role":
            loc.role = value
        elif name == "resource-discovery":
            loc.resource_discovery = value
        else:
            loc.extra[name] = value

    # ------------------------------------------------------------ cluster options
    def _nvset(self, kind: str, items: list[Any]) -> Definition:
        tag = "cluster_property_set" if kind == "property" else "meta_attributes"
        aset = m.AttrSet(tag=tag)
        for item in items:
            if isinstance(item, tuple):
                if item[0] == "id":
                    aset.id = item[1]
                else:
                    aset.id_ref = item[1]
            elif isinstance(item, m.Rule):
                aset.items.append(item)
            elif isinstance(item, list):
                for nv in item:
                    if self.interactive and nv.value is None and nv.id_ref is None:
                        self.fail(f"expected name=value, got `{nv.name}`")
                    if self.interactive and nv.value == "":
                        self.fail(f"empty value for {nv.name} is not allowed")
                    aset.items.append(nv)
        return Definition(kind, m.NvSet(kind, aset), self.line)

    def property(self, items: list[Any]) -> Definition:
        return self._nvset("property", items)

    def rsc_defaults(self, items: list[Any]) -> Definition:
        return self._nvset("rsc_defaults", items)

    def op_defaults(self, items: list[Any]) -> Definition:
        return self._nvset("op_defaults", items)

    # ------------------------------------------------------------ fencing, tags
    def fencing_target(self, items: list[Token]) -> tuple[str, Any]:
        return "target", unquote(str(items[0]))[:-1]

    def fencing_attr_target(self, items: list[Token]) -> tuple[str, Any]:
        name, _, value = unquote(str(items[0]))[5:].partition("=")
        return "attr", (name, value)

    def fencing_pattern_target(self, items: list[Token]) -> tuple[str, Any]:
        return "pattern", unquote(str(items[0]))[8:]

    def fencing_devices(self, items: list[Token]) -> tuple[str, Any]:
        return "devices", unquote(str(items[0]))

    def fencing_topology(self, items: list[Any]) -> Definition:
        raw: list[tuple[Any, str]] = []
        target: Any = None
        for kind, value in items:
            if kind == "devices":
                raw.append((target, value))
            else:
                target = (kind, value)
        if raw and raw[0][0] is None:
            raw = [(("target", node), devices) for node in self.ctx.node_names()
                   for _, devices in raw]
        topo = m.FencingTopology()
        counters: dict[Any, int] = {}
        for tgt, devices in raw:
            kind, value = tgt
            key = value if kind != "attr" else value[0]
            index = counters.get(key, 1)
            counters[key] = index + 1
            level = m.FencingLevel(index=str(index), devices=devices)
            if kind == "target":
                level.target = value
            elif kind == "pattern":
                level.target_pattern = value
            else:
                level.target_attribute, level.target_value = value
            topo.levels.append(level)
        return Definition("fencing_topology", topo, self.line)

    def tag(self, items: list[Token]) -> Definition:
        name = unquote(str(items[0]))
        if name.endswith(":"):
            name = name[:-1]
        tag = m.Tag(id=name, refs=[unquote(str(t)) for t in items[1:]])
        return Definition("tag", tag, self.line)

    # ------------------------------------------------------------ access control
    def acl_right_id(self, items: list[Token]) -> tuple[str, str]:
        text = unquote(str(items[0]))
        return "id", text.split("=", 1)[1] if text.lower().startswith("$id=") else text[:-1]

    def acl_right(self, items: list[Any]) -> list[m.AclPermission]:
        kind_tok = items[0]
        base = m.AclPermission(kind=str(kind_tok).lower())
        specs: dict[str, str] = {}
        for item in items[1:]:
            if isinstance(item, tuple):
                if item[0] == "id":
                    base.id = item[1]
                else:
                    base.description = item[1]
                continue
            typ, _, val = unquote(str(item)).partition(":")
            if typ in ACL_SHORTCUTS:
                xpath = self._expand_shortcut(typ, val, item)
                specs["xpath"] = xpath
            else:
                if not val:
                    self.fail("expected <type>:<spec>", item)
                specs[ACL_SPEC_MAP.get(typ, typ)] = val
        out: list[m.AclPermission] = []
        if "xpath" in specs:
            out.append(m.AclPermission(kind=base.kind, id=base.id,
                                       description=base.description, xpath=specs["xpath"]))
        if "reference" in specs:
            out.append(m.AclPermission(kind=base.kind, id=base.id,
                                       description=base.description,
                                       reference=specs["reference"]))
        if "object-type" in specs:
            out.append(m.AclPermission(kind=base.kind, id=base.id,
                                       description=base.description,
                                       object_type=specs["object-type"],
                                       attribute=specs.get("attribute")))
        if "attribute" in specs and "object-type" not in specs:
            self.fail("attribute is only valid in combination with tag/object-type", kind_tok)
        return out

    def _expand_shortcut(self, name: str, value: str, tok: Token) -> str:
        expansion = ACL_SHORTCUTS[name]
        if not value:
            if "@@" in expansion[0]:
                self.fail(f"missing argument to ACL shortcut {name}", tok)
            return expansion[0]
        xpath = ""
        i = 0
        for word in value.split(":"):
            if i >= len(expansion):
                self.fail(f"too many arguments to ACL shortcut {name}", tok)
            if "@@" not in expansion[i]:
                xpath += expansion[i]
                i += 1
                if i >= len(expansion):
                    self.fail(f"too many arguments to ACL shortcut {name}", tok)
            xpath += expansion[i].replace("@@", word)
            i += 1
        return xpath

    def role(self, items: list[Any]) -> Definition:
        role = m.AclRole(id=self.ident(items[0]))
        for item in items[1:]:
            if isinstance(item, tuple):
                role.description = item[1]
            else:
                role.permissions.extend(item)
        return Definition("role", role, self.line)

    def user_role_ref(self, items: list[Token]) -> str:
        return unquote(str(items[0])).split(":", 1)[1]

    def user_right(self, items: list[Token]) -> m.AclRight:
        right = m.AclRight(kind=str(items[0]).lower())
        for tok in items[1:]:
            typ, _, val = unquote(str(tok)).partition(":")
            if typ in ACL_SHORTCUTS:
                right.attrs["xpath"] = self._expand_shortcut(typ, val, tok)
            else:
                right.attrs[typ] = val
        return right

    def user(self, items: list[Any]) -> Definition:
        if not self.ctx.acl_user_supported():
            self.fail("user is not supported by the CIB's schema (pacemaker-2.0 and later use "
                      "acl_target)", items[0], f"write `acl_target {self.ident(items[0])} "
                      f"<role> ...` with roles defined by `role`")
        user = m.AclUser(id=self.ident(items[0]), items=list(items[1:]))
        return Definition("user", user, self.line)

    def acl_target(self, items: list[Token]) -> Definition:
        t = m.AclTarget(id=self.ident(items[0]), roles=[unquote(str(x)) for x in items[1:]])
        return Definition("acl_target", t, self.line)

    def acl_group(self, items: list[Token]) -> Definition:
        t = m.AclTarget(id=self.ident(items[0]), tag="acl_group",
                        roles=[unquote(str(x)) for x in items[1:]])
        return Definition("acl_group", t, self.line)

    # ------------------------------------------------------------ alerts
    def alert_select(self, items: list[Token]) -> m.AlertSelect:
        sel = m.AlertSelect()
        for tok in items:
            if tok.type == "SELECT_ATTRIBUTES":
                sel.kinds.append("attributes")
            elif tok.type == "WORD":
                sel.attributes.append(m.SelectAttribute(unquote(str(tok))))
            else:
                sel.kinds.append(str(tok).lower())
        return sel

    def recipient(self, items: list[Any]) -> m.Recipient:
        r = m.Recipient(value=unquote(str(items[0])))
        for item in items[1:]:
            if isinstance(item, tuple):
                r.description = item[1]
            else:
                r.sets.append(item)
        return r

    recipient_braced = recipient

    def alert(self, items: list[Any]) -> Definition:
        alert = m.Alert(id=self.ident(items[0]), path=unquote(str(items[1])))
        count = 0
        for item in items[2:]:
            if isinstance(item, tuple):
                alert.description = item[1]
                continue
            if isinstance(item, m.Recipient):
                count += 1
                item.id = f"{alert.id}-recipient-{count}"
            alert.children.append(item)
        return Definition("alert", alert, self.line)

    # ------------------------------------------------------------ raw XML
    def xml(self, items: list[Token]) -> Definition:
        return Definition("xml", str(items[0]), self.line)


def build_line(line: LogicalLine, ctx: BuildContext, *, interactive: bool = False) -> Definition:
    """Parse and build one logical line (raises ConfigureError, located)."""
    tree = parse_line(line)
    builder = _Builder(line, ctx, interactive)
    try:
        definition = builder.transform(tree)
    except VisitError as err:
        # a refusal raised inside a transformer callback reaches us wrapped by Lark
        if isinstance(err.orig_exc, ConfigureError):
            raise err.orig_exc from None
        raise
    if not isinstance(definition, Definition):  # pragma: no cover - grammar guarantees it
        raise ConfigureError([Diagnostic("error", "not an element definition", line.source,
                                         line.line, 1)])
    definition.warnings.extend(builder.warnings)
    if hasattr(definition.element, "comments") and line.comments:
        definition.element.comments[:0] = line.comments
    return definition


ResolveRef = Callable[[str, str], str]
