"""Completion, second half: the names offered at a cursor, through prompt_toolkit Documents.

The configuration is a small file CIB; agents come from a private OCF root holding test agents
(``fixtures/ocf``), so the candidates do not depend on what is installed on the machine.
Each case is a text with the cursor at ``|`` (at the end when there is none).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from hacrm.shell.completer import CrmCompleter

FIXTURE_OCF = Path(__file__).with_name("fixtures") / "ocf"

SETUP = """configure
node node1
node node2
property stonith-enabled=false
primitive fence1 stonith:null params hostlist=node1
primitive web ocf:heartbeat:Probe params host=a
primitive db ocf:acme:Probe params target=b
primitive extra ocf:acme:Other params target=c
group grp web db
clone cl extra
location loc1 grp 100: node1
role reader read xpath:/cib
tag t1 web db
commit
"""


@pytest.fixture
def completer(shell, monkeypatch) -> CrmCompleter:
    monkeypatch.setenv("OCF_ROOT", str(FIXTURE_OCF))
    shell.session.env["OCF_ROOT"] = str(FIXTURE_OCF)
    from hacrm.shell.batch import run_batch

    assert run_batch(shell.ctx, SETUP.splitlines(), source="setup") == 0, shell.take()
    c = CrmCompleter(shell.ctx)
    c.refresh()
    return c


def complete(c: CrmCompleter, text: str) -> list[str]:
    cursor = text.index("|") if "|" in text else len(text)
    text = text.replace("|", "")
    doc = Document(text, cursor)
    return [x.text for x in c.get_completions(doc, CompleteEvent(completion_requested=True))]


CASES = [
    # shell commands and levels
    ("", {"configure", "cib", "ra", "options", "cluster", "help", "quit"}, set()),
    ("con", {"configure"}, {"cib"}),
    ("configure ", {"primitive", "show", "commit", "location", "edit"}, {"configure"}),
    ("configure sh", {"show"}, {"commit"}),
    ("ra ", {"classes", "list", "info", "providers"}, set()),
    ("options ", {"pager", "editor", "output", "show", "save"}, set()),
    ("options output ", {"plain", "color"}, set()),
    ("options set core.check", {"core.check_mode", "core.check_frequency"}, set()),
    ("cib ", {"new", "use", "list", "commit", "diff"}, set()),
    ("cd ", {"configure", "cib", "ra"}, {"show"}),
    ("help prim", {"primitive"}, set()),
    # configure: ids after show/delete/edit
    ("configure show ", {"web", "db", "grp", "cl", "loc1", "node1"}, set()),
    ("configure delete w", {"web"}, {"db"}),
    ("configure edit lo", {"loc1"}, set()),
    # primitive: agent, parameters, values, sections, operations
    ("configure primitive p1 ", {"ocf:", "stonith:", "Probe", "Other"}, set()),
    ("configure primitive p1 ocf:", {"ocf:acme:", "ocf:heartbeat:"}, set()),
    ("configure primitive p1 ocf:acme:", {"ocf:acme:Probe", "ocf:acme:Other"}, set()),
    ("configure primitive p1 ocf:acme:Pr", {"ocf:acme:Probe"}, {"ocf:acme:Other"}),
    ("configure primitive p1 stonith:nu", {"stonith:null"}, set()),
    ("configure primitive p1 ocf:acme:Probe params ", {"target=", "mode=", "verbose="}, {"host="}),
    ("configure primitive p1 Probe params ", {"host=", "mode="}, {"target="}),
    ("configure primitive p1 ocf:acme:Probe params ta", {"target="}, {"mode="}),
    ("configure primitive p1 ocf:acme:Probe params mode=", {"mode=fast", "mode=slow"}, set()),
    ("configure primitive p1 ocf:acme:Probe params verbose=t", {"verbose=true"}, set()),
    ("configure primitive p1 ocf:acme:Probe ", {"params", "meta", "op", "utilization"}, set()),
    ("configure primitive p1 ocf:acme:Probe meta ", {"target-role=", "is-managed=",
                                                     "resource-stickiness="}, {"mode="}),
    ("configure primitive p1 ocf:acme:Probe meta target-role=", {"target-role=Stopped",
                                                                 "target-role=Started"}, set()),
    ("configure primitive p1 ocf:acme:Probe op ", {"monitor", "start", "stop"}, set()),
    ("configure primitive p1 ocf:acme:Probe op monitor ", {"interval=", "timeout=", "on-fail="},
     set()),
    ("configure primitive p1 ocf:acme:Probe op monitor on-fail=", {"on-fail=restart",
                                                                   "on-fail=fence"}, set()),
    ("configure primitive p1 ocf:acme:Probe params target=x \\\n    op ", {"monitor"}, set()),
    ("configure primitive p1 @", set(), set()),
    ("configure primitive f2 stonith:null params ", {"hostlist=", "pcmk_host_list=",
                                                     "pcmk_delay_max="}, set()),
    # containers
    ("configure group g2 ", {"web", "db", "extra"}, {"node1"}),
    ("configure group g2 web ", {"db", "meta", "params"}, set()),
    ("configure clone c2 ", {"web", "grp"}, set()),
    ("configure ms m2 ", {"db"}, set()),
    ("configure rsc_template tpl ", {"ocf:", "Probe"}, set()),
    # constraints
    ("configure location l2 ", {"web", "grp", "cl"}, {"node1"}),
    ("configure location l2 web ", {"inf:", "-inf:", "rule"}, set()),
    ("configure location l2 web inf: ", {"node1", "node2"}, {"web"}),
    ("configure location l2 web inf: n|", {"node1", "node2"}, set()),
    ("configure location l2 web rule ", {"#uname", "defined", "not_defined", "date"}, set()),
    ("configure location l2 web rule inf: #uname ", {"eq", "ne", "lt"}, set()),
    ("configure colocation c1 ", {"inf:", "-inf:"}, set()),
    ("configure colocation c1 inf: ", {"web", "db", "grp"}, set()),
    ("configure colocation c1 inf: web:", {"web:Started", "web:Promoted"}, set()),
    ("configure order o1 ", {"Mandatory:", "Optional:", "Serialize:", "web"}, set()),
    ("configure order o1 Mandatory: web ", {"db", "symmetrical="}, set()),
    ("configure order o1 Mandatory: web:", {"web:start", "web:stop"}, set()),
    ("configure rsc_ticket tk ticketA: ", {"web", "db"}, set()),
    # cluster options and defaults
    ("configure property ", {"stonith-enabled=", "no-quorum-policy=", "cluster-name="}, set()),
    ("configure property no-quorum-policy=", {"no-quorum-policy=ignore",
                                              "no-quorum-policy=stop"}, set()),
    ("configure property stonith-enabled=", {"stonith-enabled=true",
                                             "stonith-enabled=false"}, set()),
    ("configure rsc_defaults ", {"resource-stickiness=", "migration-threshold="}, set()),
    ("configure op_defaults ", {"timeout=", "record-pending="}, set()),
    # other elements
    ("configure monitor ", {"web", "db"}, {"grp"}),
    ("configure tag t2 ", {"web", "db"}, set()),
    ("configure fencing_topology ", {"fence1", "node1"}, set()),
    ("configure acl_target alice ", {"reader"}, set()),
    ("configure role r2 ", {"read", "write", "deny"}, set()),
    ("configure role r2 read ", {"xpath:", "ref:", "type:"}, set()),
    ("configure ", {"bundle", "alert", "fencing_topology", "rsc_ticket"}, set()),
    # cursor in the middle of a line: only the text before it counts
    ("configure primitive p1 ocf:acme:Pr| params target=x", {"ocf:acme:Probe"}, set()),
    ("configure show w|eb", {"web"}, {"db"}),
]


def test_at_least_forty_cursor_positions() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("text, present, absent", CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_completions(completer: CrmCompleter, text: str, present: set[str],
                     absent: set[str]) -> None:
    got = set(complete(completer, text))
    assert present <= got, f"missing {present - got}; got {sorted(got)[:30]}"
    assert not (absent & got), f"unexpected {absent & got}"


def test_descriptions_are_shown_beside_candidates(completer: CrmCompleter) -> None:
    text = "configure property stonith-e"
    doc = Document(text, len(text))
    [only] = list(completer.get_completions(doc, CompleteEvent(completion_requested=True)))
    assert only.text == "stonith-enabled="
    assert only.display_meta_text  # one-line description
    text = "configure primitive p ocf:acme:Probe params tar"
    doc = Document(text, len(text))
    [param] = list(completer.get_completions(doc, CompleteEvent(completion_requested=True)))
    assert "required" in param.display_meta_text and "Probe target" in param.display_meta_text


def test_completion_replaces_the_word_being_typed(completer: CrmCompleter) -> None:
    text = "configure primitive p1 ocf:acme:Pr"
    doc = Document(text, len(text))
    [c] = list(completer.get_completions(doc, CompleteEvent(completion_requested=True)))
    assert c.start_position == -len("ocf:acme:Pr")


def test_file_paths_after_load_and_save(completer: CrmCompleter, scratch) -> None:
    (scratch.root / "backup.crm").write_text("")
    (scratch.root / "dir").mkdir()
    assert "backup.crm" in complete(completer, "configure load update b")
    assert "dir/" in complete(completer, "configure save d")
    assert "backup.crm" in complete(completer, "configure save xml ba")


def test_names_snapshot_follows_commands(completer: CrmCompleter, shell) -> None:
    assert "newone" not in complete(completer, "configure show ")
    assert shell.run("configure primitive newone Probe params host=x")
    completer.refresh()
    assert "newone" in complete(completer, "configure show ")


SAMPLES = [c[0] for c in CASES] + [
    "configure location l1 { web db } inf: node1",
    "configure order o1 Mandatory: ( web db ) [ extra ] symmetrical=false",
    ("configure primitive p1 ocf:acme:Probe params target=x op monitor interval=10s "
     "op_params OCF_CHECK_LEVEL=10"),
    "configure alert a1 /usr/bin/x attributes k=v select nodes to /tmp/y",
    "configure bundle b1 docker image=x network ip-range-start=1 port-mapping port=80",
    "cib new x empty", "options set core.editor vim", "resource meta web set a 1",
    "node attribute node1 set a 1", "configure property $id=cpset rule #uname eq n1 a=b",
]


@pytest.mark.slow
def test_every_prefix_of_real_lines_completes_without_error(completer: CrmCompleter) -> None:
    """No cursor position in any of these lines makes the completer fail."""
    for line in SAMPLES:
        text = line.replace("|", "")
        for cut in range(len(text) + 1):
            complete(completer, text[:cut])


def test_show_selections(completer: CrmCompleter) -> None:
    assert {"changed", "xml", "type:", "tag:", "web"} <= set(complete(completer, "configure show "))
    assert "type:primitive" in complete(completer, "configure show type:pr")
    assert complete(completer, "configure show tag:") == ["tag:t1"]
    assert "related:web" in complete(completer, "configure edit related:w")
