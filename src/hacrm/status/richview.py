"""``crm status`` on a terminal: the same sections as the plain text, drawn with rich.

The summary becomes a panel of labelled values; every other section a tree of the same lines
crm_mon prints, with states coloured (started and promoted green, stopped dim, standby and
maintenance yellow, failed and unclean red), so a glance finds what is wrong while the words
stay the ones scripts and people already know.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from hacrm.status.crmmon import Line

#: (pattern, style), applied in order; later ones win where they overlap
HIGHLIGHTS = (
    (r"\bStarted\b|\bUnpromoted\b|\bonline\b|\bOnline\b|\bgranted\b|\bquorate\b", "green"),
    (r"\bPromoted\b", "bold green"),
    (r"\bStopped\b|\bStarting\b|\bStopping\b|\bPromoting\b|\bDemoting\b|\bMigrating\b",
     "yellow"),
    ((r"\bstandby\b|\bmaintenance\b|\bdisabled\b|\bunmanaged\b|\bblocked\b|\brevoked\b|"
      r"\bpending\b|\bmembers? inactive\b|\bLOCKED\b"), "yellow"),
    ((r"\bOFFLINE\b|\bFAILED\b|\bUNCLEAN\b|\bORPHANED\b|WITHOUT quorum|NOT quorate|"
      r"\bhealth is RED\b|returned '[^']*'|could not be executed"), "bold red"),
    (r"\bfail-count=\d+", "red"),
    (r"^(Resource Group|Clone Set|Bundle): \S+", "bold"),
)


def styled(text: str) -> Text:
    out = Text(text)
    for pattern, style in HIGHLIGHTS:
        out.highlight_regex(pattern, style)
    return out


def _summary(lines: list[Line]) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    for line in lines:
        key, sep, value = line.text.partition(": ")
        if sep and key[:1].isalpha() and key[0].isupper():
            grid.add_row(key, styled(value.strip()))
        else:
            grid.add_row("", styled(line.text))
    return Panel(grid, title="[bold]Cluster Summary[/]", title_align="left",
                 border_style="cyan", expand=False)


def _tree(title: str, lines: list[Line]) -> RenderableType:
    style = "bold red" if title.startswith("Failed") else "bold"
    tree = Tree(Text(title, style=style), guide_style="dim")
    stack: list[tuple[int, Tree]] = [(-1, tree)]
    for line in lines:
        while stack and stack[-1][0] >= line.depth:
            stack.pop()
        parent = stack[-1][1] if stack else tree
        label = styled(line.text)
        if title.startswith("Failed"):
            label.stylize("red")
        branch = parent.add(label)
        stack.append((line.depth, branch))
    return tree


def render(sections: list[tuple[str | None, list[Line]]]) -> RenderableType:
    parts: list[Any] = []
    for title, lines in sections:
        if title == "Cluster Summary":
            parts.append(_summary(lines))
        elif title is None:
            parts.append(Text("\n".join(line.text.strip() for line in lines if line.text),
                              style="bold red"))
        else:
            parts.append(_tree(title, lines))
        parts.append(Text(""))
    if parts:
        parts.pop()
    return Group(*parts)
