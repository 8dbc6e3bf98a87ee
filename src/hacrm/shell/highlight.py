"""Syntax highlighting of crm text: a pygments lexer, used for REPL input and ``show`` output.

Pygments already ships a lexer for the configure language (``CrmshLexer``); this one inherits
its rules and adds what it lacks: the newer elements and keywords (``bundle``, ``alert``,
``monitor``, ``op_params``...), the order kinds and promotable roles, and the shell's own
command and level names so that a typed command line is coloured too.  It is registered as the
``crm`` lexer through the ``pygments.lexers`` entry point, so ``pygmentize -l crm`` works.
"""

from __future__ import annotations

from pygments.lexer import inherit, words
from pygments.lexers.dsls import CrmshLexer
from pygments.token import Keyword, Name, Number, Operator

_END = r"(?![\w#$-])"

#: element and section keywords the inherited lexer does not know
EXTRA_KEYWORDS = (
    "bundle", "alert", "monitor", "master", "resource", "collocation", "fencing-topology",
    "op_params", "op_meta", "select", "to", "docker", "rkt", "network", "storage",
    "attributes", "date_spec", "xml",
)

#: words that start shell commands at some level (navigation, configure commands, levels)
COMMANDS = (
    "configure", "cib", "ra", "options", "cluster", "status", "cd", "up", "end", "ls",
    "help", "quit", "exit", "bye", "show", "edit", "delete", "rename", "erase", "commit",
    "verify", "refresh", "load", "save", "filter", "graph", "ptest", "simulate", "new", "use",
    "list", "diff", "reset", "import", "classes", "providers", "info", "meta-data",
)

ORDER_KINDS = ("Mandatory", "Optional", "Serialize")
ROLES = ("Promoted", "Unpromoted", "Master", "Slave", "Started", "Stopped")


class CrmLexer(CrmshLexer):
    """The crm configure language and shell command lines."""

    name = "crm"
    aliases = ("crm", "hacrm")  # type: ignore[assignment]
    filenames = ("*.crm",)  # type: ignore[assignment]
    url = ""
    version_added = ""

    tokens = {  # noqa: RUF012 - pygments reads this class attribute as it is
        "root": [
            # order kinds and named scores take the place of a number before the colon
            (words(ORDER_KINDS, suffix=r"(?=:)"), Number),
            (r"[+-]?(?:INFINITY|infinity|INF|Inf)(?=:)", Number),
            (words(EXTRA_KEYWORDS, suffix=_END), Keyword),
            (words(COMMANDS, prefix=r"(?<![\w#$:=-])", suffix=_END), Keyword.Namespace),
            (words(ROLES, prefix=r"(?<=:)", suffix=_END), Operator.Word),
            (r"\$(?:id|id-ref|role)(?==)", Name.Attribute),
            inherit,
        ],
    }


#: the colour of each highlighting class (the ``color.*`` preferences crmsh has)
DEFAULT_SCHEME = {
    "keyword": "yellow",
    "identifier": "normal",
    "attr_name": "cyan",
    "attr_value": "red",
    "resource_reference": "green",
    "score": "magenta",
}

#: token type -> highlighting class
_CLASSES = {
    "Keyword": "keyword",
    "Name.Attribute": "attr_name",
    "Literal.String": "attr_value",
    "Literal.Number": "score",
    "Operator.Word": "resource_reference",
    "Name.Builtin": "resource_reference",
    "Name": "identifier",
}

_ANSI = {"black": "30", "red": "31", "green": "32", "yellow": "33", "blue": "34",
         "magenta": "35", "cyan": "36", "white": "37", "bold": "1", "dim": "2",
         "underline": "4", "blink": "5", "reverse": "7", "normal": ""}


def _sgr(colours: str) -> str:
    codes = [_ANSI.get(c.strip(","), "") for c in colours.split()]
    codes = [c for c in codes if c]
    return f"\x1b[{';'.join(codes)}m" if codes else ""


def highlight(text: str, scheme: dict[str, str] | None = None) -> str:
    """``text`` with ANSI colours for a terminal; ``scheme`` overrides the class colours."""
    colours = {**DEFAULT_SCHEME, **(scheme or {})}
    out = []
    for token, value in CrmLexer().get_tokens(text):
        if token in Keyword.Namespace:
            out.append(f"\x1b[1m{value}\x1b[0m" if value.strip() else value)
            continue
        cls = ""
        probe = token
        while probe is not None and not cls:
            cls = _CLASSES.get(".".join(probe), "")
            probe = probe.parent
        code = _sgr(colours.get(cls, "")) if cls else ""
        out.append(f"{code}{value}\x1b[0m" if code and value.strip() else value)
    result = "".join(out)
    return result if text.endswith("\n") else result.rstrip("\n")
