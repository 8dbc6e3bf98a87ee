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
from typing import Any, Callable, Protocol

from lark import Token, Transformer
from lark.exceptions import VisitError

from hacrm.cib import model as m
from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.language.parse import LogicalLine, parse_line
from hacrm.language.build_constraints import ConstraintRules
from hacrm.language.build_other import OtherRules
from hacrm.language.build_resources import ResourceRules, pick_provider  # noqa: F401
from hacrm.language.vocabulary import (  # noqa: F401 - re-exported for callers
    ACL_SHORTCUTS, ACL_SPEC_MAP, DATE_SPEC_NAMES, EXPRESSION_TYPES, IN_RANGE_ATTRS,
    OP_ATTRIBUTES, ORDER_KINDS, RESOURCE_ACTIONS, RESOURCE_ROLES, SCORE_TYPES, Definition,
    canonize, is_valid_id,
)
from hacrm.language.words import split_pair, unquote

_SCORE_RE = re.compile(r"^[+-]?(inf(inity)?|INF(INITY)?|[0-9]+)$")
_VALUE_SOURCE_RE = re.compile(r"^(?P<src>[^\s{}]+)(\{(?P<val>\S+)\})?$")


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


class _BuilderCore(Transformer):
    """What every element shares: words, scores, attribute lists, rules."""

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
        # crmsh sets an explicit id first (the XML keeps that order)
        return m.NvPair(id=pair_id, name=name or pair_id, value=value,
                        order=("id", "name", "value"))

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
                    aset.order = ("id", "score")
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
                    rule.order = ("id", "role", "score", "score-attribute", "boolean-op")
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


class _Builder(ResourceRules, ConstraintRules, OtherRules, _BuilderCore):
    """The transformer proper; one instance per logical line."""


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
