"""Words of the crm language: unquoting as a POSIX shell does, and quoting for display.

crmsh splits each line with Python's ``shlex`` in POSIX mode, so a word may mix plain text,
backslash escapes and quoted strings (``a="b c"``, ``a='x y'z``, ``a=b\\ c``).  The lexer keeps
the raw text of each word; :func:`unquote` gives the value crmsh would have seen.
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r"^[\w.-]+$")


def unquote(raw: str) -> str:
    """The value of a raw shell word: quotes removed, escapes resolved (shlex, POSIX mode)."""
    if '"' not in raw and "'" not in raw and "\\" not in raw:
        return raw
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            out.append(raw[i + 1])
            i += 2
        elif ch == "'":
            end = raw.find("'", i + 1)
            end = n if end < 0 else end
            out.append(raw[i + 1:end])
            i = end + 1
        elif ch == '"':
            i += 1
            while i < n and raw[i] != '"':
                if raw[i] == "\\" and i + 1 < n and raw[i + 1] in '"\\':
                    out.append(raw[i + 1])
                    i += 2
                else:
                    out.append(raw[i])
                    i += 1
            i += 1
        else:
            out.append(ch)
            i += 1
    # a tab can only come quoted; Pacemaker stores it as four spaces (its XML writer expands
    # tabs in attribute values), so it is four spaces from the start, as crmsh's CIB has it
    return "".join(out).replace("\t", "    ")


def split_pair(raw: str) -> tuple[str, str]:
    """Split an unquoted ``name=value`` word at its first '='."""
    text = unquote(raw)
    name, _, value = text.partition("=")
    return name, value


def is_plain(value: str) -> bool:
    """True when a value prints without quotes (letters, digits, '_', '.', '-')."""
    return _PLAIN.match(value) is not None


def quote(value: str) -> str:
    """Quote a value for crm text the way crmsh prints it."""
    if is_plain(value):
        return value
    if '"' in value:
        return '"%s"' % value.replace('"', '\\"')
    return '"%s"' % value
