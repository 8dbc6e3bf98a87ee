"""Rule evaluation and score arithmetic (the semantics Pacemaker documents for them)."""

from datetime import datetime, timezone

from lxml import etree

from hacrm.scheduler.model import INFINITY, add_scores, parse_score, score_text
from hacrm.scheduler.rules import (RuleContext, eval_rule, parse_iso8601, unpack_nvpair_sets)


def test_infinity_arithmetic():
    assert add_scores(INFINITY, -INFINITY) == -INFINITY
    assert add_scores(-INFINITY, 5) == -INFINITY
    assert add_scores(INFINITY, 5) == INFINITY
    assert add_scores(999_999, 10) == INFINITY
    assert add_scores(3, 4) == 7
    assert score_text(INFINITY) == "INFINITY" and score_text(-INFINITY) == "-INFINITY"


def test_parse_score_words_and_clamping():
    assert parse_score("INFINITY") == INFINITY
    assert parse_score("+INFINITY") == INFINITY
    assert parse_score("-inf") == -INFINITY
    assert parse_score("red") == -INFINITY
    assert parse_score("yellow") == 0
    assert parse_score("12345678") == INFINITY
    assert parse_score("1.0") == 1
    assert parse_score(None, 7) == 7


def test_iso8601_forms():
    utc = timezone.utc
    assert parse_iso8601("2005-020") == datetime(2005, 1, 20, tzinfo=utc)
    assert parse_iso8601("2005-020T12:30") == datetime(2005, 1, 20, 12, 30, tzinfo=utc)
    assert parse_iso8601("2014-05-07 00:28:00") == datetime(2014, 5, 7, 0, 28, tzinfo=utc)
    assert parse_iso8601("2009-W01-1") == datetime(2008, 12, 29, tzinfo=utc)
    assert parse_iso8601("not a date") is None


def _rule(xml: str):
    return etree.fromstring(xml)


def test_node_attribute_expressions():
    rule = _rule('<rule id="r" boolean-op="and">'
                 '<expression id="e1" attribute="#uname" operation="eq" value="node1"/>'
                 '<expression id="e2" attribute="load" operation="lt" value="10"/></rule>')
    assert eval_rule(rule, RuleContext(node_attrs={"#uname": "node1", "load": "9"}))
    assert not eval_rule(rule, RuleContext(node_attrs={"#uname": "node1", "load": "10"}))
    assert not eval_rule(rule, RuleContext(node_attrs={"#uname": "node2", "load": "1"}))
    orrule = _rule('<rule id="r" boolean-op="or">'
                   '<expression id="e1" attribute="a" operation="defined"/>'
                   '<expression id="e2" attribute="b" operation="not_defined"/></rule>')
    assert eval_rule(orrule, RuleContext(node_attrs={"x": "1"}))
    assert not eval_rule(orrule, RuleContext(node_attrs={"b": "1"}))


def test_version_and_number_comparisons():
    rule = _rule('<rule id="r"><expression id="e" attribute="v" operation="gt" '
                 'value="1.10" type="version"/></rule>')
    assert eval_rule(rule, RuleContext(node_attrs={"v": "1.9.1"})) is False
    assert eval_rule(rule, RuleContext(node_attrs={"v": "1.11"})) is True


def test_date_expressions_and_date_spec():
    now = datetime(2005, 1, 20, 12, 30, tzinfo=timezone.utc)
    in_range = _rule('<rule id="r"><date_expression id="d" operation="in_range" '
                     'start="2005-01-01" end="2005-02-01"/></rule>')
    assert eval_rule(in_range, RuleContext(now=now))
    spec = _rule('<rule id="r"><date_expression id="d" operation="date_spec">'
                 '<date_spec id="s" hours="9-16" weekdays="1-5"/></date_expression></rule>')
    assert eval_rule(spec, RuleContext(now=now))          # a Thursday, 12:30
    assert not eval_rule(spec, RuleContext(now=now.replace(hour=8)))
    duration = _rule('<rule id="r"><date_expression id="d" operation="in_range" '
                     'start="2005-01-19"><duration id="du" days="1"/></date_expression></rule>')
    assert eval_rule(duration, RuleContext(now=datetime(2005, 1, 19, 12, tzinfo=timezone.utc)))
    assert not eval_rule(duration, RuleContext(now=datetime(2005, 1, 21, tzinfo=timezone.utc)))


def test_nvpair_sets_first_value_wins_highest_score_first():
    xml = etree.fromstring(
        '<x><meta_attributes id="a" score="1"><nvpair id="a1" name="k" value="low"/></meta_attributes>'
        '<meta_attributes id="b" score="10"><nvpair id="b1" name="k" value="high"/></meta_attributes>'
        '</x>')
    out: dict[str, str] = {}
    unpack_nvpair_sets(xml, "meta_attributes", RuleContext(), out)
    assert out == {"k": "high"}
