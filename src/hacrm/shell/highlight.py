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
    aliases = ["crm", "hacrm"]
    filenames = ["*.crm"]
    url = ""
    version_added = ""

    tokens = {
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


_STYLE = {
    "Keyword": "\x1b[33m",            # yellow: keywords
    "Keyword.Namespace": "\x1b[1m",   # bold: commands
    "Name.Attribute": "\x1b[36m",     # cyan: attribute names
    "Literal.String": "\x1b[31m",     # red: attribute values
    "Literal.Number": "\x1b[35m",     # magenta: scores
    "Operator.Word": "\x1b[32m",      # green: operators and roles
    "Name.Builtin": "\x1b[32m",
    "Comment": "\x1b[2m",
}


def highlight(text: str) -> str:
    """``text`` with ANSI colours (crmsh's colour choices) for a terminal."""
    out = []
    for token, value in CrmLexer().get_tokens(text):
        colour = ""
        probe = token
        while probe is not None and not colour:
            colour = _STYLE.get(".".join(probe), "")
            probe = probe.parent
        out.append(f"{colour}{value}\x1b[0m" if colour and value.strip() else value)
    result = "".join(out)
    return result if text.endswith("\n") else result.rstrip("\n")
