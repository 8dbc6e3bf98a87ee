"""The configure parts of crmsh 4.4.1's own regression corpus, as plain configure scripts.

crmsh's regression files (``testcases/NAME``) are sessions: ``show TITLE`` / ``showxml TITLE``
sections run their lines inside ``configure`` on an erased CIB; ``session TITLE`` sections run
lines from the top level, where ``configure`` ... ``up`` (or ``end``) encloses configure
commands; ``.`` ends a section.  ``cibtests/NNN.input`` are top-level sessions too.

From each section we keep the configure commands this suite can compare (element
definitions, ``delete``, ``rename``, ``erase``, ``commit``, ``filter``, ``set``,
``modgroup``) and drop the rest (``show``, ``edit``, ``load`` of files that are not here,
crmsh's ``_test`` hooks).
Both crmsh and hacrm then run the same extracted script, so dropping a command keeps the
comparison fair.  The corpus is read in place; nothing is copied into the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ELEMENTS = (
    "node", "primitive", "rsc_template", "template", "group", "clone", "ms", "master",
    "bundle", "monitor", "location", "colocation", "collocation", "order", "rsc_ticket",
    "property", "rsc_defaults", "op_defaults", "fencing_topology", "tag", "role", "user",
    "acl_target", "alert",
)
KEPT_COMMANDS = ("delete", "rename", "erase", "commit", "filter", "set", "modgroup")
HEADERS = ("show", "showxml", "session", "filesession")


@dataclass
class CorpusScript:
    """One extracted configure script."""

    name: str
    text: str


def _commands(lines: list[str]) -> list[list[str]]:
    """Group physical lines into commands (trailing backslash continues)."""
    out: list[list[str]] = []
    pending: list[str] = []
    for line in lines:
        pending.append(line)
        if line.rstrip().endswith("\\"):
            continue
        out.append(pending)
        pending = []
    if pending:
        out.append(pending)
    return out


def _keep(command: list[str]) -> bool:
    words = command[0].split()
    if not words:
        return False
    first = words[0]
    if first == "template" and len(words) == 1:
        return False  # the template level, not an element
    return first in ELEMENTS or first in KEPT_COMMANDS


def _sections(text: str) -> list[tuple[str, str, list[str]]]:
    """(kind, title, body lines) of each section of a testcase file."""
    sections: list[tuple[str, str, list[str]]] = []
    current: tuple[str, str, list[str]] | None = None
    for line in text.split("\n"):
        words = line.split(None, 1)
        if current is None:
            if words and words[0] in HEADERS and len(words) == 2:
                current = (words[0], words[1], [])
            continue
        if line.strip() == ".":
            sections.append(current)
            current = None
            continue
        current[2].append(line)
    if current is not None:
        sections.append(current)
    return sections


def _configure_lines(kind: str, body: list[str]) -> list[str]:
    """The lines of a section that run at the configure level."""
    if kind in ("show", "showxml"):
        return body
    lines: list[str] = []
    inside = False
    for command in _commands(body):
        head = command[0].strip()
        if not inside:
            if head == "configure":
                inside = True
            continue
        if head in ("up", "end", "cd ..", "quit", "exit"):
            inside = False
            continue
        lines.extend(command)
    return lines


def extract(text: str, name: str) -> list[CorpusScript]:
    """The configure scripts of one testcase file (one per section with something to run)."""
    scripts = []
    for index, (kind, title, body) in enumerate(_sections(text), start=1):
        kept = [line for command in _commands(_configure_lines(kind, body))
                if _keep(command) for line in command]
        if any(line.split()[0] in ELEMENTS for line in kept if line.split()):
            scripts.append(CorpusScript(f"{name}-{index}", "\n".join(kept) + "\n"))
    return scripts


def extract_cibtest(text: str, name: str) -> list[CorpusScript]:
    """``cibtests/NNN.input``: the configure block of a top-level session."""
    kept = [line for command in _commands(_configure_lines("session", text.split("\n")))
            if _keep(command) for line in command]
    return [CorpusScript(name, "\n".join(kept) + "\n")] if kept else []


def corpus_scripts(root: Path) -> list[CorpusScript]:
    """Every extracted script of the corpus under ``root`` (crmsh-regression-4.4.1)."""
    scripts: list[CorpusScript] = []
    testcases = root / "testcases"
    names = (testcases / "basicset").read_text().split() if (testcases / "basicset").exists() \
        else []
    for name in names:
        path = testcases / name
        if path.exists():
            scripts.extend(extract(path.read_text(), name))
    for path in sorted((root / "cibtests").glob("*.input")):
        scripts.extend(extract_cibtest(path.read_text(), f"cibtests-{path.stem}"))
    return scripts
