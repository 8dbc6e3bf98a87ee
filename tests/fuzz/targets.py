"""Fuzz targets: one function per input surface, each checking the same property.

Every input gives a clean error or is dropped: never an exception other than the surface's
own error type, never a shell "internal error" or traceback, never a change of state when the
input was refused.  A violation raises :class:`Violation` (an ``AssertionError``), which both
hypothesis (``tests/fuzz/test_*.py``) and atheris (``tests/fuzz/atheris_main.py``) report.

The targets are plain functions of text or bytes so that both engines drive the same code.
Those that need a place on disk take a ``workdir``; the live ones (local API, UDP) take a
running sandbox node.
"""

from __future__ import annotations

import io
import shlex
from pathlib import Path

from lxml import etree

from hacrm.cib.document import empty_cib_xml

#: shell and script commands that reach outside the CIB (files, programs, editors): a fuzzer
#: must not be able to write files or run programs with the names it invents
OUTSIDE = {"load", "save", "filter", "edit", "graph", "import", "new", "delete", "use",
           "commit", "reset", "cd", "quit", "exit", "bye", "end", "up", "cib", "cluster",
           "options", "ra", "history", "script", "site", "maintenance", "report", "upgrade",
           "assist", "template", "corosync", "!", "-", "help", "ptest", "simulate",
           "cibstatus", "schema"}


class Violation(AssertionError):
    """The property broke: the message says how and for which input."""


def _text(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "surrogateescape")


def _safe_lines(text: str) -> list[str]:
    """Drop the lines whose first words would touch things other than the CIB."""
    out = []
    for line in text.split("\n"):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = line.split()
        if any(w.strip().lower().lstrip("-") in OUTSIDE for w in words[:3]) \
                or any(w.startswith(("/", "~", ".")) or "|" in w or "`" in w for w in words):
            continue
        out.append(line)
    return out


# ---------------------------------------------------------------------------- language


def configure_line(data: bytes | str, workdir: Path) -> None:
    """One line of text -> parse/build/checks on a working copy: a located ConfigureError or
    success; a refused definition leaves the working copy as it was.  (Several lines are
    several definitions, each all or nothing: the script targets cover those.)"""
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.diagnostics import ConfigureError

    text = _text(data).replace("\n", " ")
    cib = workdir / "line-cib.xml"
    cib.write_text(empty_cib_xml())
    wc = WorkingCopy(FileBackend(cib), force=True)
    before = wc.cib_xml()
    try:
        wc.define(text, source="fuzz.crm")
    except ConfigureError as err:
        if not err.diagnostics:
            raise Violation(f"ConfigureError without a diagnostic for {text!r}") from None
        if wc.cib_xml() != before:
            raise Violation(f"a refused definition changed the working copy: {text!r}") \
                from None
        return
    except Exception as err:  # noqa: BLE001 - that is the point
        raise Violation(f"{type(err).__name__}: {err} for {text!r}") from err
    try:
        wc.show()
        wc.show(xml=True)
    except Exception as err:  # noqa: BLE001
        raise Violation(f"show failed after accepting {text!r}: {type(err).__name__}: "
                        f"{err}") from err


def configure_script(data: bytes | str, workdir: Path) -> None:
    """A whole script through the working copy on a file CIB (``hacrm.cib.batch``): no
    exception escapes, and the file afterwards is either untouched or a CIB that reads
    back and shows."""
    from hacrm.backends.file import FileBackend
    from hacrm.cib.batch import run_script
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.diagnostics import ConfigureError

    text = "\n".join(_safe_lines(_text(data)))
    cib = workdir / "script-cib.xml"
    cib.write_text(empty_cib_xml())
    try:
        result = run_script(text, FileBackend(cib), source="fuzz.crm")
    except Exception as err:  # noqa: BLE001
        raise Violation(f"run_script raised {type(err).__name__}: {err} for {text!r}") from err
    after = cib.read_text()
    if after == empty_cib_xml():
        return
    try:
        WorkingCopy(FileBackend(cib)).show()
    except ConfigureError as err:
        raise Violation(f"committed a CIB that does not read back ({err}) from {text!r}; "
                        f"messages: {result.messages()}") from None
    except Exception as err:  # noqa: BLE001
        raise Violation(f"show of the committed CIB raised {type(err).__name__}: {err} "
                        f"for {text!r}") from err


class ShellRunner:
    """The shell in-process on a file CIB, as ``crm -F configure < script`` runs it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.cib = workdir / "shell-cib.xml"
        self.home = workdir / "home"
        self.home.mkdir(exist_ok=True)

    def run(self, text: str, env: dict[str, str]) -> tuple[int, str]:
        from hacrm.shell.batch import run_batch
        from hacrm.shell.dispatch import Context
        from hacrm.shell.output import Messages
        from hacrm.shell.preferences import Preferences
        from hacrm.shell.session import Flags, Session

        out, err = io.StringIO(), io.StringIO()
        prefs = Preferences.load(self.home / "crm.conf", system=self.home / "none.conf")
        prefs.set_unchecked("core", "pager", "")
        prefs.set_unchecked("core", "editor", "false")
        session = Session(flags=Flags(force=True), prefs=prefs,
                          messages=Messages(out=out, err=err), node="node1", env=env)
        ctx = Context(session)
        rc = run_batch(ctx, ["configure"] + text.split("\n"), source="<stdin>")
        return rc, out.getvalue() + err.getvalue()


def shell_script(data: bytes | str, workdir: Path) -> None:
    """A script through the shell's configure level: no internal error or traceback; a
    script that failed before its commit leaves the CIB file as it was."""
    lines = [line for line in _safe_lines(_text(data))]
    runner = ShellRunner(workdir)
    runner.cib.write_text(empty_cib_xml())
    env = {"CIB_file": str(runner.cib), "HOME": str(runner.home),
           "CIB_shadow_dir": str(workdir / "shadows")}
    try:
        rc, out = runner.run("\n".join(lines), env)
    except Exception as err:  # noqa: BLE001
        raise Violation(f"the shell raised {type(err).__name__}: {err} for {lines!r}") from err
    if "internal error" in out or "Traceback" in out:
        raise Violation(f"shell printed an internal error for {lines!r}:\n{out}")
    if rc != 0 and runner.cib.read_text() != empty_cib_xml():
        # a batch stops at its first failure and abandons what was staged
        from hacrm.cib.document import CibDocument

        try:
            CibDocument.from_xml(runner.cib.read_text())
        except Exception as err:  # noqa: BLE001
            raise Violation(f"a failed script left an unreadable CIB: {err}") from err


# ---------------------------------------------------------------------------- CIB XML


def cib_xml(data: bytes | str) -> None:
    """The CIB reader: CibXmlError, or a document that writes back and renders as text."""
    from hacrm.cib.document import CibDocument
    from hacrm.cib.xmlio import CibXmlError
    from hacrm.cib.workcopy import render_cib_text

    try:
        doc = CibDocument.from_xml(data)
    except CibXmlError as err:
        if not str(err):
            raise Violation("CibXmlError without a message") from None
        return
    except Exception as err:  # noqa: BLE001
        raise Violation(f"CibDocument.from_xml raised {type(err).__name__}: {err}") from err
    try:
        xml = doc.to_xml()
        render_cib_text(xml)
        CibDocument.from_xml(xml)
    except Exception as err:  # noqa: BLE001
        raise Violation(f"an accepted CIB failed to write back or render: "
                        f"{type(err).__name__}: {err}") from err


def engine_cib(data: bytes | str) -> None:
    """The engine's CIB store and the scheduler on the same input: their own error types."""
    from hacrm.engine import cibstore
    from hacrm.scheduler.unpack import CibError

    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    try:
        cibstore.Cib.from_text(raw)
    except cibstore.CibError:
        pass
    except Exception as err:  # noqa: BLE001
        raise Violation(f"Cib.from_text raised {type(err).__name__}: {err}") from err
    try:
        cibstore.prepare("replace_configuration", {}, raw)
    except cibstore.CibError:
        pass
    except Exception as err:  # noqa: BLE001
        raise Violation(f"prepare(replace_configuration) raised {type(err).__name__}: "
                        f"{err}") from err
    from hacrm.scheduler.unpack import parse_cib

    try:
        parse_cib(raw)
    except CibError:
        pass
    except Exception as err:  # noqa: BLE001
        raise Violation(f"scheduler parse_cib raised {type(err).__name__}: {err}") from err


# ---------------------------------------------------------------------------- corosync.conf


def corosync_conf(data: bytes | str) -> None:
    """The corosync.conf reader: ConfigError with a located diagnostic, or a configuration
    whose quorum settings the engine accepts or refuses with QuorumConfigError."""
    from hacrm.engine import config as cconf
    from hacrm.engine.quorum import QuorumConfigError, VoteQuorum

    text = _text(data)
    try:
        config = cconf.load_text(text, "fuzz.conf")
    except cconf.ConfigError as err:
        if not err.diagnostic.message:
            raise Violation("ConfigError without a message") from None
        return
    except Exception as err:  # noqa: BLE001
        raise Violation(f"load_text raised {type(err).__name__}: {err} for {text!r}") from err
    try:
        _ = (config.token_ms, config.consensus_ms, config.heartbeat_ms)
        for warning in config.warnings:
            warning.format()
        VoteQuorum(config.nodes[0].nodeid, config.quorum, config.nodes)
        cconf.render(config.totem.cluster_name, list(config.nodes))
    except QuorumConfigError:
        pass
    except Exception as err:  # noqa: BLE001
        raise Violation(f"an accepted configuration broke later: {type(err).__name__}: "
                        f"{err} for {text!r}") from err


# ---------------------------------------------------------------------------- wire


def wire_decode(data: bytes) -> None:
    """Authenticated message bytes: WireError, or a message that encodes back the same."""
    from hacrm.engine import wire

    try:
        msg = wire.decode(data)
    except wire.WireError:
        return
    except Exception as err:  # noqa: BLE001
        raise Violation(f"wire.decode raised {type(err).__name__}: {err} for {data!r}") \
            from err
    try:
        again = wire.decode(wire.encode(msg))
    except Exception as err:  # noqa: BLE001
        raise Violation(f"a decoded message does not encode back: {err}") from err
    if again != msg:
        raise Violation(f"re-encoding changed the message: {msg!r} -> {again!r}")


def packet_auth(data: bytes) -> None:
    """Unauthenticated bytes at the transport: Rejected, never anything else."""
    from hacrm.engine.transport import PacketAuth, Rejected

    auth = PacketAuth(b"k" * 32, 1, 1, {1, 2, 3})
    try:
        auth.open(data)
    except Rejected:
        return
    except Exception as err:  # noqa: BLE001
        raise Violation(f"PacketAuth.open raised {type(err).__name__}: {err}") from err
    raise Violation(f"an unsigned packet was accepted: {data!r}")


def etree_equal(a: etree._Element, b: etree._Element) -> bool:
    return etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")
