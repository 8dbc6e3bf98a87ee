"""The agent meta-data checks' rules that crmsh's output alone does not pin down: what stops a
commit (strict vs relaxed), what a template and its primitives are held to, the fencer's own
parameters, deprecated parameters.  Their wording is compared with crmsh's by the batch
differential scripts ``tests/shell/scripts/04[6-9]-agent-checks-*.crm``."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacrm.cib.agentcheck import AgentChecker
from hacrm.cib.check import semantic_warnings
from hacrm.ra.metadata import AgentError, parse_metadata

EMPTY = ('<cib admin_epoch="0" epoch="0" num_updates="0" validate-with="pacemaker-3.9">'
         '<configuration><crm_config/><nodes/><resources/><constraints/></configuration>'
         '<status/></cib>')

META = {
    "ocf:test:Web": """<resource-agent name="Web"><parameters>
        <parameter name="port" required="1" unique="1"><content type="integer"/></parameter>
        <parameter name="root"><content type="string"/></parameter>
        <parameter name="old" required="1" deprecated="1"><content type="string"/></parameter>
        </parameters><actions>
        <action name="start" timeout="20s"/><action name="stop" timeout="30s"/>
        <action name="monitor" timeout="10s" interval="10s"/>
        <action name="meta-data" timeout="5s"/></actions></resource-agent>""",
    "stonith:fence_test": """<resource-agent name="fence_test"><parameters>
        <parameter name="action" required="1"/><parameter name="port" required="1"/>
        <parameter name="ip" required="1"/></parameters><actions>
        <action name="monitor" timeout="20s"/></actions></resource-agent>""",
}


class Agents:
    """Meta-data from the table above; anything else is not installed."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get(self, spec: str):
        self.asked.append(spec)
        if spec not in META:
            raise AgentError(f"{spec}: got no meta-data, does this RA exist?")
        return parse_metadata(META[spec], spec)


def _editor(tmp_path: Path, text: str):
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import WorkingCopy

    cib = tmp_path / "cib.xml"
    cib.write_text(EMPTY)
    wc = WorkingCopy(FileBackend(cib), force=True)
    wc.define(text)
    return wc.editor


def _check(tmp_path: Path, text: str, strict: bool = True) -> tuple[list[str], bool]:
    editor = _editor(tmp_path, text)
    checker = AgentChecker(editor, Agents(), strict=strict)
    found = semantic_warnings(editor, None, checker)
    return [f"{d.severity}: {d.message}" for d in found], checker.blocks


def test_a_complete_primitive_passes(tmp_path: Path) -> None:
    assert _check(tmp_path, "primitive w ocf:test:Web params port=80 "
                            "op monitor interval=10s timeout=10s") == ([], False)


def test_missing_and_unknown_parameters_stop_a_strict_commit_only(tmp_path: Path) -> None:
    text = "primitive w ocf:test:Web params colour=blue"
    strict = _check(tmp_path, text)
    assert strict == (['error: w: required parameter "port" not defined',
                       'error: w: parameter "colour" is not known'], True)
    relaxed = _check(tmp_path, text, strict=False)
    assert relaxed == (strict[0], False)


def test_a_template_need_not_carry_required_parameters_but_its_primitive_must(
        tmp_path: Path) -> None:
    found, blocks = _check(tmp_path, "rsc_template t ocf:test:Web params root=/srv\n"
                                     "primitive a @t params port=81\n"
                                     "primitive b @t\n")
    assert found == ['error: b: required parameter "port" not defined'] and blocks


def test_unique_values_clash_only_among_primitives_naming_the_same_agent(
        tmp_path: Path) -> None:
    found, blocks = _check(tmp_path, "primitive a ocf:test:Web params port=80\n"
                                     "primitive b ocf:test:Web params port=80\n"
                                     "primitive c ocf:test:Web params port=81\n")
    assert found == ['warning: Resources a,b violate uniqueness for parameter "port": "80"']
    assert blocks  # a warning, yet the commit stops (as crmsh's does)


def test_the_fencer_supplies_action_and_port(tmp_path: Path) -> None:
    assert _check(tmp_path, "primitive f stonith:fence_test params ip=10.0.0.1") == ([], False)
    found, _ = _check(tmp_path, "primitive f stonith:fence_test")
    assert found == ['error: f: required parameter "ip" not defined']


@pytest.mark.parametrize(("ops", "expected"), [
    ("op monitor interval=0", ["warning: w: interval in monitor should be larger than 0, "
                               "advised is 10s"]),
    # the advice is looked up by role, and the agent advises nothing for role Started
    ("op monitor interval=10s op monitor interval=10000ms role=Started",
     ["warning: w: interval in monitor must be unique, advised is None"]),
    ("op start interval=5s timeout=20s", ["warning: w: Specified interval for start is 5s, "
                                          "it must be 0"]),
    ("op stop timeout=5s", ["warning: w: specified timeout 5s for stop is smaller than the "
                            "advised 30s"]),
    ("op reload interval=0", ["warning: w: action 'reload' not found in Resource Agent "
                              "meta-data"]),
])
def test_operations_against_the_advised_ones(tmp_path: Path, ops: str,
                                             expected: list[str]) -> None:
    assert _check(tmp_path, f"primitive w ocf:test:Web params port=80 {ops}") == (expected,
                                                                                   False)


def test_the_op_defaults_timeout_is_checked_where_an_op_gives_none(tmp_path: Path) -> None:
    found, blocks = _check(tmp_path, "op_defaults timeout=25s\n"
                                     "primitive w ocf:test:Web params port=80")
    assert found == ["warning: w: default timeout 25s for stop is smaller than the advised 30s"]
    assert not blocks


def test_a_missing_agent_is_an_error_and_other_classes_are_left_alone(tmp_path: Path) -> None:
    found, blocks = _check(tmp_path, "primitive x ocf:test:Nope\n"
                                     "primitive s systemd:nginx\n")
    assert found == ["error: ocf:test:Nope: got no meta-data, does this RA exist?",
                     "error: ocf:test:Nope: no such resource agent"] and blocks


def test_only_changed_elements_are_checked(tmp_path: Path) -> None:
    from hacrm.cib.edit import object_key

    editor = _editor(tmp_path, "primitive a ocf:test:Web\nprimitive b ocf:test:Web params port=1")
    agents = Agents()
    b = editor.find("b")
    found = semantic_warnings(editor, {object_key(b)}, AgentChecker(editor, agents))
    assert found == [] and agents.asked == ["ocf:test:Web"]
