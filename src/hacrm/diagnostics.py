"""Diagnostics: errors and warnings about the user's input, located in the text they typed.

Every layer that can refuse input (the parser, the builder, the semantic checks, a commit)
reports through these two types, so the shell prints them one way: ``file:LINE:COL: error: ...``
followed by a hint when there is one.
"""

from __future__ import annotations

from typing import Literal

from hacrm.records import record


@record(frozen=True)
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
