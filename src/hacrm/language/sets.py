"""Resource sets in crm text: ``a ( b c ) [ d e ] f:Master`` <-> ``<resource_set>`` elements.

Both directions live here, without the parser, because both are needed on the show path too:
a constraint whose sets do not read back the same from their text is shown as XML (crmsh
decides it by printing and reading back; this module lets the renderer do the same cheaply).

Reading follows crmsh: ``(`` opens a non-sequential set, ``[`` one that is also not
require-all, ``sequential=`` and ``require-all=`` words change the set being read, and a change
of role (or action, for orders) starts a new set.
"""

from __future__ import annotations

from typing import Callable

from hacrm.cib import model as m

_FALSE = ("false", "no", "off", "0", "n")
_BOOLEANS = ("true", "yes", "on", "1", "y") + _FALSE
_CLOSING = {"(": ")", "[": "]"}


class SetSyntaxError(ValueError):
    """A resource-set word that cannot be read; ``index`` is the offending word."""

    def __init__(self, message: str, index: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.hint = hint


def _is_false(value: str | None) -> bool:
    return value is not None and value.lower() in _FALSE


def set_words(sets: list[m.ResourceSet], kind: str) -> list[str]:
    """Resource sets as crm words, the way crmsh prints them.

    A leading ``_rsc_set_`` marks sets that would otherwise read back as a simple constraint.
    """
    col: list[str] = []
    count = 0
    sequential: str | None = None
    require_all: str | None = None
    for s in sets:
        sequential, require_all = s.sequential, s.require_all
        if _is_false(require_all):
            col.append("[")
        elif _is_false(sequential):
            col.append("(")
        q = s.action if kind == "order" else s.role
        for ref in s.refs:
            col.append(f"{ref}:{q}" if q else ref)
            count += 1
        if _is_false(require_all):
            if not _is_false(sequential):
                col.append("sequential=true")
            col.append("]")
        elif _is_false(sequential):
            col.append(")")
    seq_all = not _is_false(sequential) and not _is_false(require_all)
    is_ticket = kind == "rsc_ticket"
    if kind != "location" and ((seq_all and not is_ticket and count <= 2)
                               or (is_ticket and count <= 1)):
        col.insert(0, "_rsc_set_")
    return col


def read_sets(words: list[str], qualifier: str,
              canon: Callable[[str], str | None]) -> list[m.ResourceSet]:
    """Resource sets from crm words (``qualifier`` is "role" or "action"); ``canon`` spells a
    role or action as the schema wants it, or returns None for an invalid one."""
    sets: list[m.ResourceSet] = []
    cur = m.ResourceSet()
    prev_q = ""
    opened = ""
    sequential, require_all = True, True

    def save() -> None:
        nonlocal cur
        if not cur.refs:
            return
        if not require_all:
            cur.require_all = "false"
        if not sequential:
            cur.sequential = "false"
        if prev_q:
            setattr(cur, qualifier, prev_q)
        sets.append(cur)
        cur = m.ResourceSet()

    for index, word in enumerate(words):
        if word == "_rsc_set_":
            continue
        if word in ("(", "["):
            save()
            prev_q = ""
            if opened:
                raise SetSyntaxError("cannot nest resource sets", index)
            sequential = False
            if word == "[":
                require_all = False
            opened = word
            continue
        if word in (")", "]"):
            if not cur.refs:
                raise SetSyntaxError("empty resource set", index)
            save()
            prev_q = ""
            if not opened:
                raise SetSyntaxError("unmatched closing bracket", index)
            if _CLOSING[opened] != word:
                raise SetSyntaxError("mismatched closing bracket", index)
            sequential, require_all, opened = True, True, ""
            continue
        if "=" in word:
            key, _, value = word.partition("=")
            if "=" in value:
                raise SetSyntaxError(f"extra = in {word}", index)
            if key not in ("sequential", "require-all"):
                raise SetSyntaxError(f"unknown attribute `{key}`", index,
                                     "resource sets take sequential= and require-all=")
            if value.lower() not in _BOOLEANS:
                raise SetSyntaxError(f"not a boolean: {value}", index)
            flag = value.lower() not in _FALSE
            if key == "sequential":
                sequential = flag
            else:
                require_all = flag
            continue
        rsc, _, q = word.partition(":")
        if q:
            canonical = canon(q)
            if canonical is None:
                raise SetSyntaxError(f"invalid {qualifier} for {word}", index)
            q = canonical
        if q != prev_q:
            save()
            prev_q = q
        cur.refs.append(rsc)
    if opened:
        raise SetSyntaxError("unmatched opening bracket", max(len(words) - 1, 0))
    save()
    return sets


def _flag(value: str | None) -> str | None:
    # crmsh drops sequential="true" and require-all="true" when it reads a CIB
    return None if value == "true" else value


def same_sets(a: list[m.ResourceSet], b: list[m.ResourceSet]) -> bool:
    """Equal but for ids (crmsh keeps a set's id when it reads its text back)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.refs != y.refs or x.role != y.role or x.action != y.action or x.extra or y.extra \
                or x.id_ref or y.id_ref:
            return False
        if _flag(x.sequential) != _flag(y.sequential):
            return False
        if _flag(x.require_all) != _flag(y.require_all):
            return False
    return True
