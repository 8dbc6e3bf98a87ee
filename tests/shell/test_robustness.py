"""Random command lines never crash the shell, never print a traceback, and a refused line
changes nothing in the CIB."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hacrm.shell.dispatch import Quit

WORDS = [
    "configure", "cib", "ra", "options", "resource", "node", "cd", "up", "..", "ls", "help",
    "show", "delete", "rename", "edit", "commit", "verify", "refresh", "erase", "nodes", "load",
    "save", "filter", "graph", "modgroup", "set", "primitive", "group", "clone", "location",
    "order", "colocation", "property", "new", "use", "list", "diff", "reset", "import",
    "classes", "providers", "info", "meta", "param", "utilization", "start", "stop", "move",
    "ban", "clear", "attribute", "standby", "online", "maintenance", "p1", "g1", "node1",
    "Dummy", "ocf:heartbeat:Dummy", "inf:", "100:", "params", "op", "monitor", "interval=10s",
    "xml", "update", "push", "replace", "add", "remove", "after", "before", "force", "empty",
    "'quoted word'", '"x', "\\", "(", ")", "[", "]", "{", "}", "=", ":", "-", "--help", "?",
    "nosuch", "", "#comment", "$id=x", "a=b", "pager", "check-mode", "strict", "yes",
]

SETUP = ["configure property stonith-enabled=false", "configure node node1",
         "configure primitive p1 Dummy", "configure primitive p2 Dummy",
         "configure group g1 p2"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6), min_size=1,
                max_size=4))
def test_random_lines_never_crash(shell, scratch, lines: list[list[str]]) -> None:
    shell.session.flags.force = True
    shell.session.prefs.set_unchecked("core", "editor", "true")
    shell.session.prefs.set_unchecked("core", "pager", "")
    for line in SETUP:
        shell.ctx.run(line)
    shell.take()
    for words in lines:
        text = " ".join(words)
        if any(w in ("edit", "filter") for w in words):
            continue  # these run programs; covered by their own tests
        try:
            shell.ctx.run(text)
        except Quit:
            pass
        out, err = shell.take()
        assert "Traceback" not in out + err, text
        assert "internal error" not in err, f"{text!r}: {err}"
    shell.ctx.stack[1:] = []
    shell.session.drop_working_copy()


def test_a_refused_line_changes_nothing(shell, scratch) -> None:
    for line in SETUP:
        assert shell.run(line)
    shell.session.flags.force = False  # with -F, deleting what is not there is no error
    before = scratch.cib.read_text()
    for bad in ("configure location l1 p1 100 node1", "configure group g2 nosuch",
                "resource meta nosuch set a 1", "node attribute nosuch set a 1",
                "configure delete nosuch", "configure rename p1 p2",
                "configure modgroup g1 remove p1", "cib use nosuch"):
        assert not shell.run(bad), bad
        assert scratch.cib.read_text() == before, bad
