"""Text -> parse trees: logical lines, the Lark parser, and errors in the user's words.

A configure script is a sequence of logical lines: physical lines are stripped, a trailing
backslash joins a line to the next (crmsh removes the backslash and joins without a blank), and
lines starting with ``#`` are comments that belong to the element that follows.  Each logical
line is one element definition, parsed by the grammar in ``grammar/crm.lark``.

Errors carry the physical line and column of the offending word, what was expected in plain
words, and a hint where one is cheap to give (a misspelt keyword).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.resources import grammar_file

ELEMENT_KEYWORDS = (
    "node", "primitive", "resource", "rsc_template", "group", "clone", "ms", "master", "bundle",
    "monitor", "location", "colocation", "collocation", "order", "rsc_ticket", "property",
    "rsc_defaults", "op_defaults", "fencing_topology", "fencing-topology", "tag", "role",
    "user", "acl_target", "acl_group", "alert", "xml",
)


#: characters XML 1.0 cannot hold (control characters but tab and newline, lone surrogates
#: from undecodable input, U+FFFE/U+FFFF): a CIB could not store them, so they are refused
#: where they were typed instead of failing when the CIB is written
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class LogicalLine:
    """One element definition as the parser sees it, with the way back to physical positions."""

    text: str
    source: str
    line: int
    comments: list[str] = field(default_factory=list)
    # (offset in text, physical line, physical column) where each joined segment starts
    segments: list[tuple[int, int, int]] = field(default_factory=list)

    def position(self, offset: int) -> tuple[int, int]:
        """Physical (line, column), both 1-based, of a character offset in ``text``."""
        line, col0, start = self.line, 1, 0
        for seg_offset, seg_line, seg_col in self.segments:
            if seg_offset > offset:
                break
            start, line, col0 = seg_offset, seg_line, seg_col
        return line, col0 + (offset - start)

    @property
    def keyword(self) -> str:
        return self.text.split(None, 1)[0].lower() if self.text else ""


def logical_lines(text: str, source: str = "<input>", first_line: int = 1) -> list[LogicalLine]:
    """Split a script into logical lines; comment lines attach to the next element."""
    result: list[LogicalLine] = []
    comments: list[str] = []
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    start_line = first_line
    offset = 0
    for number, physical in enumerate(text.split("\n"), start=first_line):
        stripped = physical.strip()
        lead = len(physical) - len(physical.lstrip())
        if not parts:
            start_line = number
            if stripped.startswith("#"):
                comments.append(stripped)
                continue
        segments.append((offset, number, lead + 1))
        if stripped.endswith("\\"):
            piece = stripped.rstrip("\\")
            parts.append(piece)
            offset += len(piece)
            continue
        parts.append(stripped)
        joined = "".join(parts)
        stripped_joined = joined.strip()
        if stripped_joined:
            shift = len(joined) - len(joined.lstrip())
            segs = [(max(0, o - shift), ln, c + (shift if o == 0 else 0)) for o, ln, c in segments]
            result.append(LogicalLine(stripped_joined, source, start_line, comments, segs))
            comments = []
        parts, segments, offset = [], [], 0
    if parts:
        joined = "".join(parts).strip()
        if joined:
            result.append(LogicalLine(joined, source, start_line, comments, segments))
            comments = []
    if comments:
        result.append(LogicalLine("", source, start_line, comments, []))
    return result


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The configure-language parser, built once (and cached on disk by Lark)."""
    return Lark(
        grammar_file().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=False,  # errors are located by their tokens
        maybe_placeholders=False,
        cache=True,
    )


# What the grammar's terminals mean, for error messages.
_TERMINAL_WORDS = {
    "WORD": "an identifier",
    "VALUE": "a value",
    "NVPAIR": "name=value",
    "NVPAIR_ID": "$id:name=value",
    "NVPAIR_REF": "@reference",
    "ID_SPEC": "$id=<id>",
    "IDREF_SPEC": "$id-ref=<id>",
    "ROLE_SPEC": "$role=<role>",
    "DESCRIPTION": "description=<text>",
    "SCORE": "a score followed by a colon (inf:, 100:, Mandatory:)",
    "RSC_PATTERN": "/<pattern>/",
    "SET_WORD": "a resource",
    "TEMPLATE_REF": "@<template>",
    "ATTRIBUTE": "an attribute name",
    "BINOP": "an operator (lt, gt, lte, gte, eq, ne)",
    "UNARYOP": "defined or not_defined",
    "BOOLOP": "and/or",
    "DATE_SIMPLE": "lt or gt",
    "DATE_RANGE": "in_range",
    "DATE_SPEC": "date_spec",
    "DATE_KV": "a date field (start=, end=, hours=, years=, ...)",
    "ACL_RIGHT": "read, write or deny",
    "ACL_SPEC": "xpath:, ref:, type: or attr:",
    "ACL_ROLE_REF": "role:<role>",
    "XML_TEXT": "XML text",
    "ID_EQ": "an identifier",
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "LBRACE": "{",
    "RBRACE": "}",
}


def _describe(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    if terminal.startswith("_KW_"):
        return f"`{terminal[4:].lower()}`"
    pattern = None
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        pass
    if pattern is not None and pattern.type == "str":
        return f"'{pattern.value}'"
    return terminal.lower()


def _expected(names: set[str]) -> str:
    words = sorted({_describe(n) for n in names if not n.startswith("__")})
    if not words:
        return "nothing more"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _error(line: LogicalLine, offset: int, message: str, hint: str | None = None) -> ConfigureError:
    ln, col = line.position(offset)
    return ConfigureError([Diagnostic("error", message, line.source, ln, col, hint)])


def parse_line(line: LogicalLine) -> Tree:
    """Parse one logical line; raise ConfigureError (located, in plain words) on bad input."""
    _check_characters(line)
    keyword = line.keyword
    if keyword not in ELEMENT_KEYWORDS:
        close = difflib.get_close_matches(keyword, ELEMENT_KEYWORDS, n=1)
        hint = f"did you mean `{close[0]}`?" if close else None
        raise _error(line, 0, f"unknown element `{keyword}`", hint)
    try:
        return parser().parse(line.text)
    except UnexpectedInput as err:
        raise _translate(line, err) from None


def _check_characters(line: LogicalLine) -> None:
    bad = _NOT_XML.search(line.text)
    if bad is not None:
        char = bad.group()
        if "\ud800" <= char <= "\udfff":
            raise _error(line, bad.start(), "the input is not valid UTF-8 here",
                         "save the file as UTF-8")
        raise _error(line, bad.start(), f"character U+{ord(char):04X} cannot be stored in a CIB",
                     "remove the control character")
    for comment in line.comments:
        if _NOT_XML.search(comment):
            raise ConfigureError([Diagnostic(
                "error", "a comment holds a character that cannot be stored in a CIB",
                line.source, line.line, 1, "remove the control character")])


def _translate(line: LogicalLine, err: UnexpectedInput) -> ConfigureError:
    offset = getattr(err, "pos_in_stream", None) or 0
    if isinstance(err, UnexpectedToken):
        token: Token = err.token
        if token.type == "$END":
            return _error(line, len(line.text), f"{line.keyword}: unexpected end of line; "
                          f"expected {_expected(err.expected)}")
        offset = token.start_pos or 0
        return _error(line, offset, f"{line.keyword}: unexpected `{token}`; "
                      f"expected {_expected(err.expected)}", _hint_for(str(token), err.expected))
    if isinstance(err, UnexpectedCharacters):
        word = line.text[offset:].split(None, 1)[0] if line.text[offset:].strip() else ""
        allowed = set(err.allowed or ())
        return _error(line, offset, f"{line.keyword}: unexpected `{word}`; "
                      f"expected {_expected(allowed)}", _hint_for(word, allowed))
    return _error(line, offset, f"{line.keyword}: {err}")


def _hint_for(word: str, expected: set[str] | frozenset[str]) -> str | None:
    """Suggest a keyword the user may have misspelt, or explain a common mistake."""
    keywords = []
    for name in expected:
        if name.startswith("_KW_"):
            keywords.append(name[4:].lower())
            continue
        try:
            pattern = parser().get_terminal(name).pattern
        except KeyError:
            continue
        if pattern.type == "str":
            keywords.append(pattern.value)
    close = difflib.get_close_matches(word.lower(), keywords, n=1)
    if close:
        return f"did you mean `{close[0]}`?"
    if "SCORE" in expected and not word.endswith(":"):
        return "a score is written with a trailing colon, e.g. `inf:` or `100:`"
    if "NVPAIR" in expected and "=" not in word and word.startswith(("'", '"')):
        return "attributes are written name=value"
    return None
