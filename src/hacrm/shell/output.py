"""Where the shell's words go: results on stdout, messages tagged INFO/WARNING/ERROR.

crmsh users read (and scripts grep) messages of the form ``ERROR: cib.use: s1: no such shadow
CIB``: informational messages and warnings go to stdout, errors to stderr.  In regression mode
(``-R``) every message carries the number of the input line being processed and nothing is
coloured, so that a whole session can be compared as text.  Diagnostics from the configure
language keep their own ``file:LINE:COL: error: ...`` form, which says more.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from hacrm.diagnostics import Diagnostic
from hacrm.records import field, record

_COLOURS = {"INFO": "\x1b[32m", "WARNING": "\x1b[33m", "ERROR": "\x1b[31m"}
_RESET = "\x1b[0m"


@record
class Messages:
    """The shell's message printer; one per session."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    colour: bool = False
    regression: bool = False
    #: number of the physical input line being processed (shown only in regression mode)
    lineno: int = 0
    #: how many errors were reported so far (the batch exit code depends on it)
    errors: int = 0
    #: called once before the first output (the CLI clears its early prompt this way)
    before_output: Callable[[], None] | None = None

    def _prepare(self) -> None:
        if self.before_output is not None:
            hook, self.before_output = self.before_output, None
            hook()

    def _tag(self, severity: str) -> str:
        if self.colour and not self.regression:
            return f"{_COLOURS[severity]}{severity}{_RESET}"
        return severity

    def _emit(self, severity: str, message: str) -> None:
        self._prepare()
        where = f"{self.lineno}: " if self.regression and self.lineno > 0 else ""
        stream = self.err if severity == "ERROR" else self.out
        if severity == "ERROR":
            self.errors += 1
            self.out.flush()
        stream.write(f"{self._tag(severity)}: {where}{message}\n")
        stream.flush()

    def info(self, message: str) -> None:
        self._emit("INFO", message)

    def warning(self, message: str) -> None:
        self._emit("WARNING", message)

    def error(self, message: str) -> None:
        self._emit("ERROR", message)

    def say(self, severity: str, message: str) -> None:
        """A message whose severity is data (``error``, ``warning``, ``info``; anything else
        is shown as a note, without a tag)."""
        if severity in ("error", "warning", "info"):
            self._emit(severity.upper(), message)
        else:
            self.note(message)

    def diagnostic(self, diag: Diagnostic) -> None:
        """Print a diagnostic from the configure language (or from a check)."""
        severity = {"error": "ERROR", "warning": "WARNING"}.get(diag.severity, "INFO")
        if self.regression:
            text = diag.message + (f" ({diag.hint})" if diag.hint else "")
            self._emit(severity, text)
            return
        self._prepare()
        if diag.line is None and diag.source is None:
            self._emit(severity, diag.message + (f"\n  hint: {diag.hint}" if diag.hint else ""))
            return
        if severity == "ERROR":
            self.errors += 1
            self.out.flush()
        stream = self.err if severity == "ERROR" else self.out
        stream.write(self._colour_diag(diag.format(), diag.severity) + "\n")
        stream.flush()

    def _colour_diag(self, text: str, severity: str) -> str:
        if not self.colour:
            return text
        tag = f"{severity}:"
        colour = _COLOURS.get(severity.upper(), "")
        return text.replace(tag, f"{colour}{tag}{_RESET}", 1)

    def echo_input(self, text: str) -> None:
        """Regression mode: echo each physical input line as ``.INP: text``."""
        self._prepare()
        self.out.write(f".INP: {text}\n")
        self.out.flush()

    def write(self, text: str) -> None:
        """Command output (``show``, ``list``...), exactly as given."""
        self._prepare()
        self.out.write(text)
        self.out.flush()

    def line(self, text: str = "") -> None:
        self.write(text + "\n")

    def note(self, text: str) -> None:
        """A plain line on stderr (a tool's complaint that is not an error of the run)."""
        self._prepare()
        self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()
