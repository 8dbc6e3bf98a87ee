"""The crm lexer: every keyword of the grammar is highlighted; pygmentize finds it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pygments.token import Keyword, Name, Number, Operator

from hacrm.resources import grammar_file
from hacrm.shell.highlight import CrmLexer, highlight


def grammar_keywords() -> list[str]:
    """The literal words of the grammar's keyword terminals (``_KW_PRIMITIVE`` -> primitive)."""
    words = []
    for match in re.finditer(r"^_KW_\w+\.\d+:\s*/(.*?)\(\?=", grammar_file().read_text(), re.MULTILINE):
        pattern = match.group(1).replace("[-_]", "_")
        words.append(pattern)
    return words


def test_the_grammar_has_keywords() -> None:
    words = grammar_keywords()
    assert "primitive" in words and "op_params" in words and len(words) > 30


@pytest.mark.parametrize("word", grammar_keywords())
def test_every_grammar_keyword_is_highlighted(word: str) -> None:
    tokens = [(t, v) for t, v in CrmLexer().get_tokens(f"{word} x\n") if v.strip()]
    assert tokens[0][1] == word
    assert tokens[0][0] in Keyword or tokens[0][0] in Operator.Word, tokens


@pytest.mark.parametrize("text, token", [
    ("inf:", Number), ("-inf:", Number), ("Mandatory:", Number), ("100:", Number),
    ("eq", Operator.Word), ("not_defined", Operator.Word), ("and", Operator.Word),
    ("configure", Keyword.Namespace),
])
def test_other_words(text: str, token) -> None:
    first = next((t, v) for t, v in CrmLexer().get_tokens(f"{text} x\n") if v.strip())
    assert first[0] in token, first


def test_node_attributes_in_rules() -> None:
    tokens = [(t, v) for t, v in CrmLexer().get_tokens("location l g rule inf: #uname eq n1\n")
              if v.strip()]
    assert (Name.Builtin, "#uname") in tokens


def test_roles_after_a_colon() -> None:
    tokens = [(t, v) for t, v in CrmLexer().get_tokens("colocation c inf: a:Promoted b\n")
              if v.strip()]
    assert (Operator.Word, "Promoted") in tokens


def test_highlight_keeps_the_text_and_uses_the_scheme() -> None:
    text = "primitive p1 Dummy \\\n\tparams fake=1"
    coloured = highlight(text, {"keyword": "blue"})
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == text
    assert "\x1b[34mprimitive" in coloured


def test_pygmentize_finds_the_lexer() -> None:
    pygmentize = Path(sys.executable).with_name("pygmentize")
    out = subprocess.run([str(pygmentize), "-l", "crm", "-f", "raw"], input="primitive p1 Dummy\n",
                         capture_output=True, text=True, check=True).stdout
    assert "Token.Keyword\t'primitive'" in out


def test_colorscheme_is_for_the_session(shell) -> None:
    assert shell.run("options colorscheme blue,normal,cyan,red,green,magenta")
    assert shell.session.colours()["keyword"] == "blue"
    assert "colorscheme" not in " ".join(shell.session.prefs.configured())
    # a shorter scheme sets the first slots (crmsh accepts any scheme), a non-colour is refused
    assert shell.run("options colorscheme normal,yellow")
    assert (shell.session.colours()["keyword"], shell.session.colours()["identifier"],
            shell.session.colours()["attr_name"]) == ("normal", "yellow", "cyan")
    assert not shell.run("options colorscheme normal,mauve")
    assert "bad color scheme" in shell.take()[1]
