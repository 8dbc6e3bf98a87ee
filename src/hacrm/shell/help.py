"""``help``: the documentation in ``docs/`` is the help text.

Sections of the markdown files become help topics through a marker comment right after their
heading (``<!-- help: primitive, resource -->``; the convention is written down in
``docs/shell.md``, "Writing help topics").  Command summaries come from the command registry,
so ``help`` on a level lists exactly the commands that exist there.  Output is rendered with
rich on a colour terminal and as plain text otherwise (pipes, scripts, regression mode).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from hacrm.resources import docs_dir

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MARKER = re.compile(r"^\s*<!--\s*help:\s*(.*?)\s*-->\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    """One help topic: the markdown of a docs section, and where it came from."""

    keys: tuple[str, ...]
    title: str
    depth: int
    markdown: str
    source: str
    line: int
    #: the name ``help topics`` lists it under (None: not a concept topic)
    topic: str | None


class HelpFormatError(ValueError):
    """A marker in docs/ does not follow the convention (reported by the docs test)."""


def normalise_key(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def parse_sections(text: str, source: str = "<docs>") -> list[Section]:
    """The help sections of one markdown text, in order."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line index, depth, title)
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            headings.append((index, len(match.group(1)), match.group(2)))
    sections: list[Section] = []
    for pos, (index, depth, title) in enumerate(headings):
        marker = _MARKER.match(lines[index + 1]) if index + 1 < len(lines) else None
        if marker is None:
            continue
        topic: str | None = None
        raw_keys = []
        for key in marker.group(1).split(","):
            words = key.split()
            if len(words) == 2 and words[0] == "topic":
                topic = topic or normalise_key(words[1])
                raw_keys.append(words[1])
            elif words:
                raw_keys.append(key)
        keys = tuple(normalise_key(k) for k in raw_keys)
        if not keys:
            raise HelpFormatError(f"{source}:{index + 2}: help marker without keys")
        end = len(lines)
        for later_index, later_depth, _ in headings[pos + 1:]:
            if later_depth <= depth:
                end = later_index
                break
        markdown = "\n".join([lines[index]] + lines[index + 2:end]).strip() + "\n"
        sections.append(Section(keys, _plain_inline(title), depth, markdown, source,
                                index + 1, topic))
    return sections


@lru_cache(maxsize=4)
def _index(directory: str) -> dict[str, Section]:
    table: dict[str, Section] = {}
    for path in sorted(Path(directory).glob("*.md")):
        for section in parse_sections(path.read_text(encoding="utf-8"), path.name):
            for key in section.keys:
                table.setdefault(key, section)
    return table


def index(directory: Path | None = None) -> dict[str, Section]:
    """Every help key of the docs, to its section (first definition wins)."""
    try:
        base = directory or docs_dir()
    except FileNotFoundError:
        return {}
    return _index(str(base))


def topic_keys() -> list[str]:
    return sorted(k for k in index() if "." not in k)


def find(key: str, level: str = "") -> Section | None:
    """The section for ``key`` as asked from ``level``: ``level.key`` first, then ``key``."""
    table = index()
    key = normalise_key(key)
    if level and f"{normalise_key(level)}.{key}" in table:
        return table[f"{normalise_key(level)}.{key}"]
    return table.get(key)


# ------------------------------------------------------------------------------ rendering
def render_help(ctx: Context, subject: str = "", detail: str = "") -> str | None:
    """The text ``help [subject [detail]]`` prints on the current level, None if unknown."""
    from hacrm.shell.commands import resolve, usage_of
    from hacrm.shell.dispatch import load_level

    level_cls = type(ctx.current)
    level_name = ctx.current.name
    colour = ctx.session.colour
    if not subject:
        return _overview(ctx)
    if subject == "topics":
        return _topics_listing()
    info, _ = resolve(level_cls, subject)
    if info is not None and info.is_level:
        sub = load_level(info.target or "")
        if detail:
            sub_info, _ = resolve(sub, detail)
            name = sub_info.name if sub_info else detail
            section = find(name, sub.name)
            if section is not None:
                return render_markdown(section.markdown, colour)
            if sub_info is not None and not sub_info.is_level:
                return _generated(usage_of(sub, sub_info), sub_info.summary)
            return None
        section = find(info.name)
        text = render_markdown(section.markdown, colour) if section else ""
        return text + _commands_listing(sub)
    if info is not None:
        section = find(info.topic or info.name, level_name)
        if section is not None:
            return render_markdown(section.markdown, colour)
        return _generated(usage_of(level_cls, info), info.summary)
    section = find(subject, level_name)
    if section is not None:
        return render_markdown(section.markdown, colour)
    return None


def _generated(usage: str, summary: str) -> str:
    text = f"{summary}\n\n" if summary else ""
    return text + f"Usage:\n    {usage}\n"


def _overview(ctx: Context) -> str:
    level_cls = type(ctx.current)
    section = find(ctx.current.name or "crm")
    out = []
    if section is not None:
        first = section.markdown.split("\n\n")
        out.append(render_markdown("\n\n".join(first[:2]), ctx.session.colour).rstrip() + "\n")
    out.append(_commands_listing(level_cls))
    if not ctx.current.name:
        out.append(_topics_listing())
    return "\n".join(out)


def _commands_listing(level_cls: type) -> str:
    rows = []
    for info in level_cls.visible():
        name = info.name + ("/" if info.is_level else "")
        rows.append(f"\t{name:<16} {info.summary}".rstrip())
    return "Available commands:\n\n" + "\n".join(rows) + "\n"


def _topics_listing() -> str:
    seen: list[Section] = []
    for section in index().values():
        if section.topic and section not in seen:
            seen.append(section)
    if not seen:
        return ""
    width = max([16] + [len(s.topic or "") + 1 for s in seen])
    rows = [f"\t{s.topic:<{width}} {s.title}"
            for s in sorted(seen, key=lambda s: s.topic or "")]
    return "Available topics:\n\n" + "\n".join(rows) + "\n"


_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def _plain_inline(text: str) -> str:
    """Markdown inline markup removed: code spans kept verbatim, links and emphasis as text."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(part[1:-1])
        else:
            out.append(_BOLD.sub(r"\2", _LINK.sub(r"\1", part)))
    return "".join(out)


def render_markdown(markdown: str, colour: bool = False) -> str:
    """A help section as terminal text: rich on a colour terminal, plain text otherwise."""
    if colour:
        from io import StringIO

        from rich.console import Console
        from rich.markdown import Markdown

        buffer = StringIO()
        Console(file=buffer, force_terminal=True, width=_width()).print(Markdown(markdown))
        return buffer.getvalue()
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append(("    " + line).rstrip())
            continue
        heading = _HEADING.match(line)
        if heading:
            title = _plain_inline(heading.group(2))
            if out and out[-1] != "":
                out.append("")
            out.append(title)
            if len(heading.group(1)) <= 3:
                out.append("-" * len(title) if len(heading.group(1)) > 1 else "=" * len(title))
            continue
        if _MARKER.match(line):
            continue
        out.append(_plain_inline(line))
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def _width() -> int:
    import shutil

    return min(100, shutil.get_terminal_size((80, 24)).columns)
