"""Run a configure script against a CIB, as ``crm -F configure < script`` does.

This is the configure session without the shell around it: element definitions, ``delete``,
``rename``, ``erase``, ``commit``, ``refresh``, ``show`` and ``verify``, read from a script
and applied to a :class:`~hacrm.cib.workcopy.WorkingCopy`.  Like crmsh with ``-F``, a refused
line is reported and the script goes on; what is staged at the end is committed.

The shell's batch mode (``crm configure < script``) is the user's way in; this module exists
so that the configure layer can be driven (by tests and by ``bench/load_config.py``) on its
own: ``CIB_file=cib.xml python -m hacrm.cib.batch script.crm``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hacrm.backends.base import Backend
from hacrm.diagnostics import ConfigureError, Diagnostic

# configure-level commands this runner understands besides element definitions
COMMANDS = ("delete", "rename", "erase", "commit", "refresh", "show", "verify", "load", "save",
            "filter", "set", "modgroup")


@dataclass
class BatchResult:
    """What a script run printed and whether every line was accepted."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    ok: bool = True
    refused: list[int] = field(default_factory=list)  # first lines of refused commands

    def messages(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


def run_script(text: str, backend: Backend, *, source: str = "<stdin>",
               commit_at_end: bool = True) -> BatchResult:
    """Apply ``text`` line by line to a working copy of ``backend``'s CIB, then commit."""
    from hacrm.cib.workcopy import WorkingCopy

    result = BatchResult()
    try:
        wc = WorkingCopy(backend, force=True)
    except ConfigureError as err:
        result.diagnostics.extend(err.diagnostics)
        result.ok = False
        return result
    for first_line, chunk in _commands(text):
        try:
            words = chunk.split(None, 1)
            if words[0] in COMMANDS:
                _command(wc, words[0], words[1] if len(words) > 1 else "", result)
            else:
                result.diagnostics.extend(wc.define(chunk, source=source, line=first_line))
        except ConfigureError as err:
            result.diagnostics.extend(err.diagnostics)
            result.ok = False
            result.refused.append(first_line)
    if commit_at_end and wc.has_changes():
        try:
            result.diagnostics.extend(wc.commit(force=True))
        except ConfigureError as err:
            result.diagnostics.extend(err.diagnostics)
            result.ok = False
    return result


def _commands(text: str) -> list[tuple[int, str]]:
    """Physical lines grouped into commands (a trailing backslash continues one); comment
    lines are dropped, as a shell drops them in batch mode."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 1
    for number, line in enumerate(text.split("\n"), start=1):
        if not pending:
            if not line.strip() or line.strip().startswith("#"):
                continue
            start = number
        pending.append(line)
        if line.rstrip().endswith("\\"):
            continue
        out.append((start, "\n".join(pending)))
        pending = []
    if pending:
        out.append((start, "\n".join(pending)))
    return out


def _command(wc: object, name: str, rest: str, result: BatchResult) -> None:
    from hacrm.cib.workcopy import WorkingCopy

    assert isinstance(wc, WorkingCopy)
    args = shlex.split(rest)
    if name == "delete":
        result.diagnostics.extend(wc.delete(args))
    elif name == "rename":
        if len(args) != 2:
            raise ConfigureError([Diagnostic("error", "usage: rename <old_id> <new_id>")])
        result.diagnostics.extend(wc.rename(args[0], args[1]))
    elif name == "erase":
        wc.erase(nodes=args == ["nodes"])
    elif name == "commit":
        if wc.has_changes():
            result.diagnostics.extend(wc.commit(force=True))
    elif name == "refresh":
        wc.refresh()
    elif name == "show":
        xml = bool(args) and args[0] == "xml"
        result.output.append(wc.show(args[1:] if xml else (args or None), xml=xml))
    elif name == "verify":
        result.diagnostics.extend(wc.verify())
    elif name == "load":
        xml = bool(args) and args[0] == "xml"
        words = args[1:] if xml else args
        if len(words) != 2 or words[0] not in ("replace", "update", "push"):
            raise ConfigureError([Diagnostic("error", "usage: load [xml] {replace|update|push} "
                                                      "<file>")])
        try:
            text = Path(words[1]).read_text(encoding="utf-8")
        except OSError as err:
            raise ConfigureError([Diagnostic("error", f"could not open {words[1]}: "
                                                      f"{err.strerror}")]) from None
        result.diagnostics.extend(wc.load(words[0], text, xml=xml,  # type: ignore[arg-type]
                                          source=words[1]))
    elif name == "filter":
        # filter "<shell command>" [xml] [<selector> ...]: the selection's text through
        # the command, saved back as an edit
        if not args:
            raise ConfigureError([Diagnostic("error", "usage: filter <command> [xml] "
                                                      "[<id> ...]")])
        command, selectors = args[0], args[1:]
        xml = bool(selectors) and selectors[0] == "xml"
        if xml:
            selectors = selectors[1:]
        original = wc.show(selectors or None, xml=xml, obscure=())
        done = subprocess.run(command, shell=True, input=original + "\n", text=True,
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise ConfigureError([Diagnostic("error", f"filter {command!r} failed: "
                                                      f"{done.stderr.strip()}")])
        if done.stdout.strip() != original.strip():
            result.diagnostics.extend(wc.replace_selection(selectors, done.stdout, xml=xml))
    elif name == "set":
        if len(args) != 2:
            raise ConfigureError([Diagnostic("error", "usage: set <path> <value>")])
        result.diagnostics.extend(wc.set_attribute(args[0], args[1]))
    elif name == "modgroup":
        usage = ConfigureError([Diagnostic("error", "usage: modgroup <id> add <id> "
                                                    "[after <id>|before <id>] | modgroup <id> "
                                                    "remove <id>")])
        if len(args) not in (3, 5) or (len(args) == 5 and args[3] not in ("after", "before")):
            raise usage
        position = args[3] if len(args) == 5 else None
        ref = args[4] if len(args) == 5 else None
        result.diagnostics.extend(wc.modgroup(args[0], args[1], args[2],  # type: ignore[arg-type]
                                              position, ref))  # type: ignore[arg-type]
    elif name == "save":
        xml = bool(args) and args[0] == "xml"
        words = args[1:] if xml else args
        if len(words) != 1:
            raise ConfigureError([Diagnostic("error", "usage: save [xml] <file>")])
        Path(words[0]).write_text(wc.save_text(xml=xml), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``CIB_file=cib.xml python -m hacrm.cib.batch [SCRIPT]`` (stdin without SCRIPT);
    ``--show`` prints ``configure show`` instead."""
    from hacrm.backends.file import FileBackend

    args = sys.argv[1:] if argv is None else argv
    path = os.environ.get("CIB_file")
    if not path:
        print("hacrm.cib.batch: set CIB_file to the CIB to edit", file=sys.stderr)
        return 2
    if args == ["--show"]:
        from hacrm.cib.workcopy import WorkingCopy

        try:
            text = WorkingCopy(FileBackend(Path(path))).show()
        except ConfigureError as err:
            print(err, file=sys.stderr)
            return 1
        if text:
            print(text)
        return 0
    if args:
        source = args[0]
        text = Path(source).read_text(encoding="utf-8")
    else:
        source, text = "<stdin>", sys.stdin.read()
    result = run_script(text, FileBackend(Path(path), create=True), source=source)
    for out in result.output:
        if out:
            print(out)
    for diag in result.diagnostics:
        print(diag.format(), file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
