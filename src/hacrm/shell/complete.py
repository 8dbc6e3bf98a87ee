"""Completion, first half: what kind of thing fits at the cursor (pure; no names, no I/O).

A line is a path of levels and a command.  For shell commands the registry says what comes
next (a command of the level, or the command's own argument completer).  For configure element
text the grammar says it: the text before the word being typed is fed to Lark's interactive
parser, whose ``accepts()`` is the set of terminals that may come next; a table turns each
terminal into :class:`Kind` records ("an agent", "a resource id", "a parameter of agent X",
"a score keyword").  The few facts a terminal alone does not carry (which agent the primitive
uses, whether the list being written is ``params`` or ``meta``, which operation an attribute
belongs to) are read off the tokens the parser consumed.

The second half (:mod:`hacrm.shell.completer`) turns kinds into the names that exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandInfo, Level

if TYPE_CHECKING:
    from lark import Token

__all__ = ["Kind", "Suggestion", "element_kinds", "join_continuations", "suggest"]


@dataclass(frozen=True)
class Kind:
    """One kind of thing that fits at the cursor.

    ``name`` is one of: ``command`` (commands of ``level``), ``keyword`` (the literal
    ``words``), ``agent``, ``param`` (of agent ``arg``), ``meta`` (resource meta attributes),
    ``op-name``, ``op-attr``, ``property``, ``score`` (``words`` are the score keywords that fit),
    ``resource`` (existing resource ids), ``node`` (node names), ``id`` (any element id),
    ``role``, ``action``, ``attribute`` (node attributes in rules), ``value`` (of parameter
    ``arg``), ``file``, ``args`` (the command's own completer decides).
    """

    name: str
    arg: str | None = None
    words: tuple[str, ...] = ()
    level: type[Level] | None = field(default=None, compare=False)
    info: CommandInfo | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Suggestion:
    """What fits at the cursor: the kinds, the word being typed, and the words before it."""

    kinds: tuple[Kind, ...]
    word: str
    words: tuple[str, ...] = ()


_SPACE = re.compile(r"\s")


def join_continuations(text: str) -> str:
    """Join backslash-continued lines the way crmsh reads them (strip, drop the backslash)."""
    if "\n" not in text:
        return text
    parts = text.split("\n")
    out = []
    for part in parts[:-1]:
        stripped = part.strip()
        out.append(stripped[:-1] if stripped.endswith("\\") else stripped + " ")
    out.append(parts[-1].lstrip())
    return "".join(out)


def current_word(text: str) -> str:
    """The word the cursor is in (everything after the last blank)."""
    match = re.search(r"\S*$", text)
    return match.group(0) if match else ""


def _split_words(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


# ------------------------------------------------------------------------------ shell lines
def suggest(text: str, level: type[Level], root: type[Level] | None = None) -> Suggestion:
    """What fits at the end of ``text`` typed at ``level`` (``root`` for absolute paths)."""
    from hacrm.shell.dispatch import load_level

    text = join_continuations(text)
    word = current_word(text)
    before = text[: len(text) - len(word)]
    words = _split_words(before)
    current = level
    for index, token in enumerate(words):
        info = current.lookup(token)
        if info is None and root is not None and index == 0:
            from_root = root.lookup(token)
            info = from_root if from_root is not None and from_root.is_level else None
        if info is None:
            return Suggestion((), word, tuple(words))
        if info.is_level:
            current = load_level(info.target or "")
            continue
        rest = words[index + 1:]
        if info.raw:
            start = _offset_of_word(before, index)
            return Suggestion(element_kinds(before[start:], word), word, tuple(rest))
        return Suggestion((Kind("args", level=current, info=info),), word,
                          (token, *rest))
    kinds = [Kind("command", level=current)]
    if root is not None and current is not root and not words:
        kinds.append(Kind("command", level=root, words=("levels",)))
    return Suggestion(tuple(kinds), word, tuple(words))


def _offset_of_word(text: str, index: int) -> int:
    """Character offset of the ``index``-th blank-separated word of ``text``."""
    matches = list(re.finditer(r"\S+", text))
    return matches[index].start() if index < len(matches) else len(text)


# ------------------------------------------------------------------------------ element text
def _parse_prefix(text: str) -> tuple[set[str], list[Token]] | None:
    """Terminals acceptable after ``text`` and the tokens consumed, or None when ``text``
    is already wrong."""
    from lark.exceptions import LarkError

    from hacrm.language.parse import parser

    try:
        interactive = parser().parse_interactive(text)
        tokens = list(interactive.exhaust_lexer())
        return set(interactive.accepts()), tokens
    except LarkError:
        return None


@dataclass
class _Context:
    """Facts about the element being typed, read off the consumed tokens."""

    element: str = ""
    tokens: list[Token] = field(default_factory=list)
    section: str = ""  # params, meta, utilization, op, op_params, op_meta, attributes, ...
    op_name: str = ""
    agent: str = ""
    after_score: bool = False
    set_words: int = 0

    @classmethod
    def of(cls, tokens: list[Token]) -> _Context:
        ctx = cls(tokens=tokens)
        if not tokens:
            return ctx
        ctx.element = tokens[0].type.removeprefix("_KW_").lower()
        if ctx.element == "resource":
            ctx.element = "primitive"
        if ctx.element in ("primitive", "rsc_template") and len(tokens) >= 3:
            ctx.agent = str(tokens[2]) if tokens[2].type == "WORD" else ""
        for index, tok in enumerate(tokens[1:], start=1):
            if tok.type.startswith("_KW_") and tok.type not in ("_KW_RULE", "_KW_DATE"):
                ctx.section = tok.type.removeprefix("_KW_").lower()
                if ctx.section == "op":
                    following = tokens[index + 1: index + 2]
                    ctx.op_name = str(following[0]) if following else ""
            elif tok.type == "BUNDLE_PART":
                ctx.section = str(tok).lower()
        ctx.after_score = any(t.type == "SCORE" for t in tokens[1:])
        ctx.set_words = sum(1 for t in tokens if t.type == "SET_WORD")
        return ctx


_ORDER_KINDS = ("Mandatory:", "Optional:", "Serialize:")
_LOCATION_SCORES = ("inf:", "-inf:", "100:")
_ROLE_WORDS = ("Started", "Stopped", "Promoted", "Unpromoted")
_ACTIONS = ("start", "stop", "promote", "demote")


def _keyword_text(terminal: str) -> str:
    word = terminal.removeprefix("_KW_").lower()
    return {"fencing_topology": "fencing_topology"}.get(word, word)


def _kinds_for(terminal: str, ctx: _Context) -> list[Kind]:
    """The terminal -> kinds table, with the element context where a terminal is ambiguous."""
    element, section = ctx.element, ctx.section
    if terminal.startswith("_KW_"):
        return [Kind("keyword", words=(_keyword_text(terminal),))]
    if terminal == "WORD":
        if element in ("primitive", "rsc_template"):
            if len(ctx.tokens) == 2:
                return [Kind("agent")]
            if section == "op" and ctx.tokens[-1].type == "_KW_OP":
                return [Kind("op-name")]
            return []
        if element in ("group", "clone", "ms", "master", "tag") and len(ctx.tokens) >= 2:
            return [Kind("resource", arg="primitive" if element == "group" else None)]
        if element == "location":
            if ctx.tokens[-1].type == "SCORE":
                return [Kind("node")]
            if len(ctx.tokens) == 2:
                return [Kind("resource")]
        if element == "monitor" and len(ctx.tokens) == 1:
            return [Kind("resource", arg="primitive")]
        if element == "fencing_topology":
            return [Kind("resource", arg="stonith"), Kind("node")]
        if element == "node" and len(ctx.tokens) == 1:
            return [Kind("node")]
        if element == "acl_target" and len(ctx.tokens) >= 2:
            return [Kind("id", arg="role")]
        return []
    if terminal == "SET_WORD":
        kinds = [Kind("resource")]
        if element == "order":
            kinds.append(Kind("action"))
        elif element in ("colocation", "collocation", "rsc_ticket"):
            kinds.append(Kind("role"))
        return kinds
    if terminal == "NVPAIR":
        if element in ("primitive", "rsc_template") and section in ("params", ""):
            return [Kind("param", arg=ctx.agent)] if ctx.agent else []
        if section in ("meta",) and element in ("primitive", "rsc_template", "group", "clone",
                                                 "ms", "master", "bundle"):
            return [Kind("meta")]
        if element in ("group", "clone", "ms", "master") and not section:
            return [Kind("meta")]
        if section == "op" or section == "op_meta":
            return [Kind("op-attr", arg=ctx.op_name)]
        if element == "property":
            return [Kind("property")]
        if element == "rsc_defaults":
            return [Kind("meta")]
        if element == "op_defaults":
            return [Kind("op-attr")]
        if element == "order":
            return [Kind("keyword", words=("symmetrical=", "kind="))]
        if element in ("colocation", "collocation"):
            return [Kind("keyword", words=("node-attribute=",))]
        if element == "rsc_ticket":
            return [Kind("keyword", words=("loss-policy=",))]
        if element == "location":
            return [Kind("keyword", words=("role=", "resource-discovery="))]
        return []
    if terminal == "SCORE":
        if element == "order":
            return [Kind("score", words=_ORDER_KINDS + ("inf:", "0:"))]
        if element in ("location", "colocation", "collocation"):
            return [Kind("score", words=_LOCATION_SCORES)]
        if element == "rsc_ticket":
            return []
        return []
    if terminal == "ID_SPEC":
        return [Kind("keyword", words=("$id=",))]
    if terminal == "ROLE_SPEC" and element == "location":
        return [Kind("keyword", words=("role=",))]
    if terminal in ("BINOP",):
        return [Kind("keyword", words=("eq", "ne", "lt", "gt", "lte", "gte"))]
    if terminal == "UNARYOP":
        return [Kind("keyword", words=("defined", "not_defined"))]
    if terminal == "BOOLOP":
        return [Kind("keyword", words=("and", "or"))]
    if terminal == "ATTRIBUTE":
        return [Kind("attribute")]
    if terminal == "DATE_SIMPLE":
        return [Kind("keyword", words=("lt", "gt"))]
    if terminal == "DATE_RANGE":
        return [Kind("keyword", words=("in_range",))]
    if terminal == "DATE_SPEC":
        return [Kind("keyword", words=("date_spec",))]
    if terminal == "ACL_RIGHT":
        return [Kind("keyword", words=("read", "write", "deny"))]
    if terminal == "ACL_SPEC":
        return [Kind("keyword", words=("xpath:", "ref:", "tag:", "type:", "attribute:"))]
    if terminal == "SELECT_KIND":
        return [Kind("keyword", words=("nodes", "fencing", "resources"))]
    if terminal == "BUNDLE_PART":
        return [Kind("keyword", words=("docker", "rkt", "network", "storage", "primitive"))]
    if terminal == "TEMPLATE_REF":
        return [Kind("id", arg="rsc_template")]
    return []


def element_kinds(text: str, word: str = "") -> tuple[Kind, ...]:
    """What fits after ``text`` (configure element text up to the word being typed)."""
    if "=" in word and not word.startswith(("$", "@")):
        parsed = _parse_prefix(text)
        if parsed is not None:
            ctx = _Context.of(parsed[1])
            name = word.split("=", 1)[0]
            return (Kind("value", arg=name, words=(ctx.element, ctx.section, ctx.agent)),)
        return ()
    parsed = _parse_prefix(text)
    if parsed is None:
        return ()
    accepts, tokens = parsed
    ctx = _Context.of(tokens)
    if not tokens:
        from hacrm.language.parse import ELEMENT_KEYWORDS

        return (Kind("keyword", words=tuple(k for k in ELEMENT_KEYWORDS if "-" not in k)),)
    kinds: list[Kind] = []
    for terminal in sorted(accepts):
        for kind in _kinds_for(terminal, ctx):
            if kind not in kinds:
                kinds.append(kind)
    return tuple(kinds)
