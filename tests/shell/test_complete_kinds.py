"""Completion, first half: what kind of thing fits at the cursor (pure; no names needed)."""

from __future__ import annotations

import pytest

from hacrm.shell.complete import Kind, element_kinds, join_continuations, suggest
from hacrm.shell.levels.configure import ConfigureLevel
from hacrm.shell.levels.root import RootLevel


def names(kinds: tuple[Kind, ...]) -> set[str]:
    return {k.name for k in kinds}


def keywords(kinds: tuple[Kind, ...]) -> set[str]:
    return {w for k in kinds if k.name == "keyword" for w in k.words}


@pytest.mark.parametrize("text, expected", [
    ("primitive p1 ", {"agent", "id"}),
    ("primitive p1 ocf:heartbeat:IPaddr2 params ", {"param", "keyword"}),
    ("primitive p1 Dummy op ", {"op-name"}),
    ("primitive p1 Dummy op monitor ", {"op-attr", "keyword"}),
    ("primitive p1 Dummy meta ", {"meta", "keyword"}),
    ("rsc_template t1 ", {"agent"}),
    ("group g1 ", {"resource"}),
    ("group g1 a ", {"resource", "meta", "keyword"}),
    ("clone c1 ", {"resource"}),
    ("ms m1 ", {"resource"}),
    ("location l1 ", {"resource"}),
    ("location l1 p1 ", {"score", "keyword"}),
    ("location l1 p1 inf: ", {"node"}),
    ("location l1 p1 rule inf: ", {"attribute", "keyword"}),
    ("location l1 p1 rule inf: #uname ", {"keyword"}),
    ("colocation c1 ", {"score"}),
    ("colocation c1 inf: ", {"resource", "role", "keyword"}),
    ("order o1 ", {"score", "resource", "action", "keyword"}),
    ("property ", {"property", "keyword"}),
    ("rsc_defaults ", {"meta", "keyword"}),
    ("op_defaults ", {"op-attr", "keyword"}),
    ("monitor ", {"resource"}),
    ("tag t1 ", {"resource"}),
    ("tag t1: ", {"resource"}),
    ("fencing_topology ", {"resource", "node"}),
    ("role r1 ", {"keyword"}),
])
def test_element_kinds(text: str, expected: set[str]) -> None:
    assert names(element_kinds(text)) == expected


def test_agent_of_the_primitive_is_carried() -> None:
    kinds = element_kinds("primitive ip ocf:heartbeat:IPaddr2 params ip=1 ")
    assert Kind("param", arg="ocf:heartbeat:IPaddr2") in kinds


def test_operation_name_is_carried() -> None:
    kinds = element_kinds("primitive p Dummy op start ")
    assert Kind("op-attr", arg="start") in kinds


def test_section_keywords_come_from_the_grammar() -> None:
    after_agent = keywords(element_kinds("primitive p1 Dummy "))
    assert {"params", "meta", "op", "utilization", "operations"} <= after_agent
    assert "rule" in keywords(element_kinds("location l1 p1 "))


def test_scores_fit_the_element() -> None:
    order = element_kinds("order o1 ")
    assert {"Mandatory:", "Optional:", "Serialize:"} <= {w for k in order if k.name == "score"
                                                      for w in k.words}
    loc = element_kinds("location l1 p1 ")
    assert "inf:" in {w for k in loc if k.name == "score" for w in k.words}


def test_value_of_a_name() -> None:
    kinds = element_kinds("property ", "no-quorum-policy=")
    assert kinds == (Kind("value", arg="no-quorum-policy", words=("property", "", "")),)


def test_broken_text_suggests_nothing() -> None:
    assert element_kinds("location l1 p1 100 node1 ") == ()


def test_empty_element_offers_element_keywords() -> None:
    assert "primitive" in keywords(element_kinds(""))


def test_suggest_commands_and_levels() -> None:
    sug = suggest("", RootLevel, RootLevel)
    assert sug.kinds[0].name == "command" and sug.kinds[0].level is RootLevel
    sug = suggest("configure ", RootLevel, RootLevel)
    assert sug.kinds[0].level is ConfigureLevel
    sug = suggest("configure primitive p1 ", RootLevel, RootLevel)
    assert names(sug.kinds) == {"agent", "id"}


def test_suggest_command_arguments_use_the_command() -> None:
    sug = suggest("cib use s", RootLevel, RootLevel)
    assert sug.kinds[0].name == "args" and sug.kinds[0].info.name == "use"
    assert sug.word == "s" and sug.words == ("use",)


def test_suggest_absolute_path_from_a_level() -> None:
    from hacrm.shell.levels.cib import CibLevel

    sug = suggest("configure show ", CibLevel, RootLevel)
    assert sug.kinds[0].info.name == "show"


def test_continuation_lines_are_joined() -> None:
    assert join_continuations("primitive p1 Dummy \\\n   params ") == "primitive p1 Dummy params "
    kinds = suggest("configure primitive p1 Dummy \\\n  params ", RootLevel, RootLevel).kinds
    assert "param" in names(kinds)
