"""The command registry and the dispatcher: levels, paths, names, errors, batch rules."""

from __future__ import annotations

import io

import pytest

from hacrm.shell.batch import read_commands, run_batch
from hacrm.shell.commands import CommandError, Level, check_arity, command, resolve, sublevel
from hacrm.shell.dispatch import Context
from hacrm.shell.levels.base import BaseLevel
from hacrm.shell.levels.root import RootLevel


class _Leaf(BaseLevel):
    name = "leaf"

    @command(help="two words", aliases=("tw",), old_names=("old-two",))
    def do_two(self, ctx: Context, first: str, second: str = "") -> None:
        ctx.session.messages.line(f"two:{first}:{second}")

    @command(name="_hidden", hidden=True)
    def do_hidden(self, ctx: Context) -> None:
        pass

    @command(help="fails")
    def do_fail(self, ctx: Context) -> None:
        raise CommandError("it went wrong")


class _Top(BaseLevel):
    name = ""
    leaf = sublevel(f"{__name__}:_Leaf", help="a leaf")


def test_registry_collects_commands_per_class() -> None:
    assert "two" in _Leaf.commands and "cd" in _Leaf.commands
    assert "two" not in _Top.commands
    assert "_hidden" not in _Leaf.words()
    assert _Leaf.lookup("tw").name == "two"
    assert Level.commands == {}


def test_resolve_exact_alias_old_and_abbreviation() -> None:
    assert resolve(_Leaf, "two")[1] == "exact"
    assert resolve(_Leaf, "old-two") == (_Leaf.lookup("two"), "old")
    info, how = resolve(RootLevel, "conf")
    assert info is not None and info.name == "configure" and how == "abbrev"
    assert resolve(RootLevel, "c")[0] is None  # cd, cib, cluster, configure: ambiguous


def test_arity_is_checked_from_the_signature() -> None:
    info = _Leaf.lookup("two")
    check_arity(_Leaf, info, ["a"])
    check_arity(_Leaf, info, ["a", "b"])
    with pytest.raises(CommandError, match=r"two <first> \[<second>\].*3 given"):
        check_arity(_Leaf, info, ["a", "b", "c"])


def test_path_runs_command_and_comes_back(shell) -> None:
    ctx = Context(shell.session, _Top)
    assert ctx.run("leaf two a b")
    assert ctx.path() == []
    assert shell.take()[0] == "two:a:b\n"
    assert ctx.run("leaf")
    assert ctx.path() == ["leaf"]
    assert ctx.prompt() == f"crm({shell.session.cib_label()}/node1)leaf# "


def test_errors_are_messages_with_the_qualified_name(shell) -> None:
    ctx = Context(shell.session, _Top)
    assert not ctx.run("leaf fail")
    assert shell.take()[1] == "ERROR: leaf.fail: it went wrong\n"
    assert not ctx.run("leaf nosuch")
    assert shell.take()[1] == "ERROR: leaf.nosuch: No such command\n"
    assert ctx.path() == []


def test_old_names_warn_and_abbreviations_inform(shell) -> None:
    ctx = Context(shell.session, _Top)
    assert ctx.run("leaf old-two x")
    out, _ = shell.take()
    assert "WARNING: This command 'old-two' is deprecated, please use 'two'" in out
    assert 'INFO: "old-two" is accepted as "two"' in out


def test_absolute_level_path_from_another_level(shell) -> None:
    assert shell.run("cib", "configure show", "ls")
    assert shell.ctx.path() == ["cib"]


def test_up_cd_and_dotdot(shell) -> None:
    assert shell.run("cd configure", "cd ../ra")
    assert shell.ctx.path() == ["ra"]
    assert shell.run("..")
    assert shell.ctx.path() == []
    assert not shell.run("cd nowhere")


def test_quoting_in_arguments(shell) -> None:
    ctx = Context(shell.session, _Top)
    assert ctx.run("leaf two 'a b' \"c d\"")
    assert shell.take()[0] == "two:a b:c d\n"
    assert not ctx.run("leaf two 'unterminated")


def test_read_commands_joins_continuations() -> None:
    cmds = list(read_commands(["a \\", "  b", "", "c"]))
    assert [(c.text, c.first_line) for c in cmds] == [("a \\\n  b", 1), ("", 3), ("c", 4)]


def test_batch_stops_at_first_error_and_commits_nothing(shell, scratch) -> None:
    before = scratch.cib.read_text()
    rc = run_batch(shell.ctx, ["configure", "primitive p1 Dummy", "bogus", "primitive p2 Dummy"],
                   source="script")
    assert rc == 1
    assert scratch.cib.read_text() == before
    _, err = shell.take()
    assert "configure.bogus: No such command" in err
    assert "not committed" in err


def test_batch_commits_at_the_end(shell, scratch) -> None:
    rc = run_batch(shell.ctx, ["configure", "property stonith-enabled=false",
                               "primitive p1 Dummy"], source="script")
    assert rc == 0
    assert 'id="p1"' in scratch.cib.read_text()


def test_regression_mode_echoes_input_and_numbers_messages(shell) -> None:
    shell.session.flags.regression = True
    shell.session.messages.regression = True
    rc = run_batch(shell.ctx, ["cib", "bogus", "list"], source="s")
    assert rc == 1  # -R keeps going but still fails the run
    out, err = shell.take()
    assert out.startswith(".INP: cib\n.INP: bogus\n.INP: list\n")
    assert err == "ERROR: 2: cib.bogus: No such command\n"


def test_syntax_error_points_at_the_line(shell) -> None:
    shell.session.source = "script.crm"
    shell.session.line = 7
    assert not shell.run("configure primitive p1")
    _, err = shell.take()
    assert err.startswith("script.crm:7:")
    assert "Traceback" not in err


def test_help_forms_on_elements(shell) -> None:
    for line in ("configure help primitive", "configure primitive help",
                 "configure primitive ?", "configure primitive --help"):
        assert shell.run(line), line
        out, err = shell.take()
        assert "primitive" in out and not err


def test_internal_errors_do_not_print_tracebacks(shell, monkeypatch) -> None:
    from hacrm.shell.levels import ra

    def boom(self, ctx):
        raise RuntimeError("bug")

    monkeypatch.setattr(ra.RaLevel, "do_classes", boom)
    assert not shell.run("ra classes")
    _, err = shell.take()
    assert err == "ERROR: ra.classes: internal error: RuntimeError: bug (run with -d for details)\n"


def test_messages_go_to_the_right_stream() -> None:
    from hacrm.shell.output import Messages

    out, err = io.StringIO(), io.StringIO()
    m = Messages(out=out, err=err)
    m.info("i")
    m.warning("w")
    m.error("e")
    assert out.getvalue() == "INFO: i\nWARNING: w\n"
    assert err.getvalue() == "ERROR: e\n"
    assert m.errors == 1


def test_cluster_level_offers_what_the_engine_cli_has() -> None:
    engine = pytest.importorskip("hacrm.engine.cluster_cli")
    from hacrm.shell.levels.cluster import ClusterLevel

    parser = engine.build_parser()
    [sub] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    commands = {i.name for i in ClusterLevel.visible() if i.method and i.name not in
                ("cd", "up", "ls", "help", "quit")}
    assert commands == set(sub.choices)


def test_wait_flag_waits_after_changes(shell, monkeypatch) -> None:
    calls = []

    class Waiting:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def wait_idle(self, timeout: float) -> bool:
            calls.append(timeout)
            return True

    real = shell.session.backend
    monkeypatch.setattr(shell.session, "backend", lambda: Waiting(real()))
    shell.session.flags.wait = True
    assert shell.run("configure property stonith-enabled=false")
    assert len(calls) == 1  # the one-shot configure committed on the way out
    assert shell.run("configure node node1", "node standby node1", "ra classes")
    assert len(calls) == 3  # the commit and the standby, not the listing


def test_new_shadow_twice_without_force_is_refused(shell) -> None:
    shell.session.flags.force = False
    assert shell.run("cib new twice empty")
    assert not shell.run("cib new twice empty")
    assert "already exists" in shell.take()[1]
    assert shell.run("cib new twice empty force")


def test_force_on_the_command_line_is_not_saved(shell, scratch) -> None:
    from hacrm.cli import Arguments, _record_run_options

    args = Arguments()
    args.force = True
    _record_run_options(shell.session, args)
    assert shell.run("options save")
    assert "force = false" in (scratch.home / ".config" / "crm" / "crm.conf").read_text()


def test_error_columns_count_from_the_line_as_typed(shell) -> None:
    shell.session.source, shell.session.line = "s.crm", 3
    assert not shell.run("configure location l1 vip 100 node1")
    assert shell.take()[1].startswith("s.crm:3:27: error:")
    assert shell.run("configure")
    assert not shell.run("   location l1 vip 100 node1")
    assert shell.take()[1].startswith("s.crm:3:20: error:")
