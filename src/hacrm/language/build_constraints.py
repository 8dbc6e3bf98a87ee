"""Building constraints: location, colocation, order, rsc_ticket (callbacks of the builder).

Two resources make a simple constraint and more (or brackets) make resource sets, as in crmsh;
trailing options (``symmetrical=``, ``node-attribute=``, ``loss-policy=``) are read first.
"""

from __future__ import annotations

import re

from typing import Any

from lark import Token

from hacrm.cib import model as m
from hacrm.language.sets import SetSyntaxError, read_sets
from hacrm.language.vocabulary import (
    ORDER_KINDS, RESOURCE_ACTIONS, RESOURCE_ROLES,
    Definition, canonize,
)
from hacrm.language.words import split_pair, unquote

_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class ConstraintRules:
    """Transformer callbacks for constraints (mixed into the builder)."""

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
        for tok in rest:
            if isinstance(tok, Token) and tok.type == "SET_WORD" and \
                    canonize(str(tok), ORDER_KINDS) is not None:
                self.warn(f"{order.id}: `{tok}` is read as a resource; an order kind is "
                          f"written with a colon (`{canonize(str(tok), ORDER_KINDS)}:`)")
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
        if not _XML_NAME.match(name):
            # any other name is kept as an attribute of <rsc_location>
            self.fail(f"`{name}` is not a valid attribute name", items[0],
                      "names start with a letter and hold letters, digits, '-', '_' and '.'")
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
