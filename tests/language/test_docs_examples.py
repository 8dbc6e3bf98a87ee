"""Every example in docs/configure.md is valid crm text, and every element has a section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hacrm.language.build import build_line
from hacrm.language.context import SystemContext
from hacrm.language.parse import ELEMENT_KEYWORDS, logical_lines

DOC = Path(__file__).resolve().parents[2] / "docs" / "configure.md"
_BLOCK = re.compile(r"Example[^\n]*:\n\n```\n(.*?)```", re.S)
_NOT_CRM = ("crm ", "crm(", "$ ", "<stdin>", "ERROR", "web.crm")


def _examples() -> list[tuple[int, str]]:
    text = DOC.read_text()
    out = []
    for match in _BLOCK.finditer(text):
        line = text[:match.start(1)].count("\n") + 1
        out.append((line, match.group(1)))
    return out


@pytest.mark.parametrize("start,block", _examples(), ids=lambda v: str(v)[:20])
def test_example_is_valid_crm_text(start: int, block: str) -> None:
    context = SystemContext(node_names_fn=lambda: ["node1", "node2"])
    for line in logical_lines(block, "configure.md", start):
        if not line.text or line.text.startswith(_NOT_CRM):
            continue
        if line.text.startswith("user "):
            context.schema = "pacemaker-1.2"
        build_line(line, context, interactive=True)


def test_every_element_has_a_help_section() -> None:
    text = DOC.read_text()
    keys = {k.strip().lower().replace("_", "-")
            for marker in re.findall(r"<!-- help: (?:topic )?([^>]*) -->", text)
            for k in marker.split(",")}
    missing = [kw for kw in ELEMENT_KEYWORDS if kw not in ("resource", "acl_group", "node",
                                                          "fencing-topology")
               and kw.replace("_", "-") not in keys]
    assert not missing
    assert "configure.node" in keys
