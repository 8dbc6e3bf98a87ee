"""A configure session's working copy of the CIB: staged edits, show, commit.

This is the one object the shell's ``configure`` level talks to.  It reads the CIB from a
backend once, keeps the typed model of its configuration, applies element definitions and
edits to that model, renders it as crm text or XML, and commits the whole configuration back in
one all-or-nothing replace based on the version it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hacrm.backends.base import Backend, CibVersion


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning about the user's input, located when it comes from text."""

    severity: Literal["error", "warning", "info"]
    message: str
    source: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def format(self) -> str:
        """``source:LINE:COL: error: message`` (location parts only when known), hint below."""
        where = ":".join(
            str(part) for part in (self.source, self.line, self.column) if part is not None
        )
        text = f"{where}: {self.severity}: {self.message}" if where else (
            f"{self.severity.upper()}: {self.message}"
        )
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigureError(Exception):
    """The input was refused; ``diagnostics`` says why.  The working copy is unchanged."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class WorkingCopy:
    """The staged configuration of one configure session (interface; implementation lands with
    the configure language)."""

    backend: Backend
    force: bool = False
    base: CibVersion = field(default_factory=CibVersion)

    def define(self, text: str, *, source: str = "<input>", line: int = 1) -> list[Diagnostic]:
        """Parse one element definition (``primitive ...``, ``location ...``; may contain
        backslash-newline continuations) and stage it, replacing an element with the same id
        only if it is of the same kind. Returns warnings; raises ConfigureError."""
        raise NotImplementedError

    def show(self, selectors: list[str] | None = None, *, xml: bool = False) -> str:
        """crm text (or XML) of everything, of ids, ``type:KIND``, ``tag:TAG``, ``changed``."""
        raise NotImplementedError

    def delete(self, ids: list[str]) -> list[Diagnostic]:
        raise NotImplementedError

    def rename(self, old: str, new: str) -> list[Diagnostic]:
        raise NotImplementedError

    def erase(self, *, nodes: bool = False) -> None:
        raise NotImplementedError

    def verify(self) -> list[Diagnostic]:
        raise NotImplementedError

    def commit(self, *, force: bool = False) -> list[Diagnostic]:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def load(self, method: Literal["replace", "update", "push"], text: str, *,
             xml: bool, source: str) -> list[Diagnostic]:
        raise NotImplementedError

    def save_text(self, *, xml: bool = False) -> str:
        raise NotImplementedError

    def has_changes(self) -> bool:
        raise NotImplementedError

    def ids(self, kind: str | None = None) -> list[str]:
        """Existing ids, optionally of one kind (primitive, group, clone, ms, location, ...,
        node, tag, template); the shell's completion uses this."""
        raise NotImplementedError

    def cib_xml(self) -> str:
        """The whole CIB with the staged configuration (for simulate/ptest)."""
        raise NotImplementedError
