"""A command's effect, before it is carried out: the edited CIB tree and what only the engine
can do.

On a CIB file everything a command does is an edit of the XML (a transient attribute is an
nvpair in the status section, a cleanup removes operation history from it).  On a running
cluster the status section belongs to the engine: the same command asks the engine to set the
attribute or to forget the history, and the engine writes the status.  So a pure command edits
the tree *and* records an :class:`EngineOp` for each status change; :mod:`.target` uses one or
the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree


@dataclass(frozen=True)
class EngineOp:
    """A call on the engine's local API (``controller_api``): ``op`` and its arguments."""

    op: str
    args: dict[str, Any]
    #: what to say when the engine did it (e.g. "fenced node2")
    done: str = ""


@dataclass
class Change:
    """The tree being edited, and what was done to it."""

    root: etree._Element
    config: bool = False
    status: bool = False
    #: edited the way crmsh edits: its normalised reading of the CIB (see
    #: ``xmltree.crmsh_normalise``) is what gets committed
    crmsh_commit: bool = False
    #: the separate CIB writes the original tool makes ("config" or "status"), in order: a
    #: CIB file's epoch / num_updates count them as Pacemaker's CIB does
    writes: list[str] = field(default_factory=list)
    engine: list[EngineOp] = field(default_factory=list)
    #: the sections as read (serialised), to tell what an edit really changed
    baseline: dict[str, bytes] = field(default_factory=dict)
    #: (kind, text) printed once the change is in: kind is "out" (a result line on stdout),
    #: "info" or "warning"
    output: list[tuple[str, str]] = field(default_factory=list)

    def out(self, text: str) -> None:
        self.output.append(("out", text))

    def info(self, text: str) -> None:
        self.output.append(("info", text))

    def warning(self, text: str) -> None:
        self.output.append(("warning", text))

    def wrote(self, section: str) -> None:
        """One CIB write changed ``section`` ("config" or "status")."""
        self.writes.append(section)
        if section == "config":
            self.config = True
        else:
            self.status = True

    def crmsh_edit(self) -> None:
        """Start a crmsh-style edit: read the CIB as crmsh reads it (once)."""
        if not self.crmsh_commit:
            from hacrm.operations.xmltree import crmsh_normalise

            crmsh_normalise(self.root)
            self.crmsh_commit = True

    @property
    def changed(self) -> bool:
        return self.config or self.status or bool(self.engine)
