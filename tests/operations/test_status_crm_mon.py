"""``crm status`` against ``crm_mon -1`` (Pacemaker 2.1.5) on Pacemaker's scheduler corpus.

Both show the same CIB file (``CIB_file``); the "Last updated" line (the current time) is left
out, and the order of the tickets (crm_mon lists them in hash-table order).  For each set of
options a sample of the corpus is compared; the number of inputs shown identically may not fall
below a baseline (the differences left come from scheduler readings that differ, bundles the
scheduler does not support, and failures that expired "now").
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from oracles import oracle, shared_dir

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

#: (crm status words, crm_mon flags, identical at least) on every 6th input (134 inputs)
CASES = [
    ("", ["-r"], 127),
    ("bynode", ["-n"], 128),
    ("bynode inactive", ["-n", "-r"], 128),
    ("failcounts", ["-f"], 127),
    ("ops", ["-o"], 127),
    ("ops timing", ["-o", "-t"], 127),
    ("inactive tickets", ["-r", "-c"], 123),
    ("brief", ["-b"], 128),
    ("bynode brief", ["-n", "-b"], 128),
    ("detail inactive", ["-R", "-r"], 127),
    ("full", ["-n", "-c", "-r", "-f", "-t"], 128),
    ("quiet noheaders", ["-Q", "-D"], 127),
    ("simple", ["-s"], 130),
]


def _mask(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if "Last updated:" not in line]
    if "Tickets:" in lines:  # crm_mon's order is its hash table's
        start = lines.index("Tickets:") + 1
        end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")),
                   len(lines))
        lines[start:end] = sorted(lines[start:end])
    return lines


@pytest.mark.parametrize(("words", "flags", "baseline"), CASES,
                         ids=[c[0] or "default" for c in CASES])
def test_same_text_as_crm_mon(words: str, flags: list[str], baseline: int) -> None:
    from hacrm.status.crmmon import text
    from hacrm.status.options import StatusOptions

    crm_mon = oracle("crm_mon")
    inputs = sorted((shared_dir("pacemaker-scheduler-2.1.5") / "xml").glob("*.xml"))[::6]
    same, different = 0, []
    for path in inputs:
        theirs = subprocess.run([crm_mon, "-1", *flags], capture_output=True, text=True,
                                env={**os.environ, "CIB_file": str(path)}, timeout=60,
                                check=False)
        if theirs.returncode != 0 and "-s" not in flags:  # -s: 1 means WARN
            continue
        try:
            ours = text(path.read_text(), StatusOptions.parse(words.split()))
        except Exception as err:  # noqa: BLE001 - counted as a difference
            different.append(f"{path.name}: {type(err).__name__}")
            continue
        if _mask(ours) == _mask(theirs.stdout):
            same += 1
        else:
            different.append(path.name)
    print(f"crm status {words}: identical to crm_mon {' '.join(flags)} for {same} of "
          f"{len(inputs)}; different: {different}")
    assert same >= baseline, different


def _flatten(xml_text: str) -> dict[str, list[tuple]]:
    from lxml import etree

    root = etree.fromstring(xml_text.encode())
    nodes = [(n.get("name"), n.get("online"), n.get("standby"), n.get("maintenance"),
              n.get("unclean"), n.get("resources_running"))
             for n in root.iterfind("nodes/node")]
    resources = []
    for elem in root.find("resources").iter("resource", "group", "clone"):
        if elem.tag == "resource":
            resources.append((elem.get("id"), elem.get("role"), elem.get("active"),
                              elem.get("failed"), tuple(n.get("name")
                                                        for n in elem.iterfind("node"))))
        else:
            resources.append((elem.tag, elem.get("id"), elem.get("managed")))
    failures = sorted((f.get("op_key"), f.get("node"), f.get("exitstatus"))
                      for f in root.iterfind("failures/failure"))
    summary = root.find("summary")
    counts = (summary.find("nodes_configured").get("number"),
              summary.find("resources_configured").get("number"),
              summary.find("current_dc").get("present"))
    return {"nodes": nodes, "resources": resources, "failures": failures, "summary": [counts]}


def test_xml_has_crm_mon_content() -> None:
    from hacrm.status.xmlview import document

    crm_mon = oracle("crm_mon")
    inputs = sorted((shared_dir("pacemaker-scheduler-2.1.5") / "xml").glob("*.xml"))[::20]
    same, different = 0, []
    for path in inputs:
        theirs = subprocess.run([crm_mon, "-1", "--output-as=xml"], capture_output=True,
                                text=True, env={**os.environ, "CIB_file": str(path)},
                                timeout=60, check=False)
        if theirs.returncode != 0:
            continue
        try:
            ours = _flatten(document(path.read_text()))
        except Exception as err:  # noqa: BLE001
            different.append(f"{path.name}: {type(err).__name__}")
            continue
        if ours == _flatten(theirs.stdout):
            same += 1
        else:
            different.append(path.name)
    print(f"xml: same content for {same} of {len(inputs)}; different: {different}")
    assert same >= 35, different


def test_rich_view_shows_the_same_words(tmp_path: Path) -> None:
    """The terminal view draws the same lines as the text, styled."""
    from rich.console import Console

    from hacrm.status.crmmon import sections, text
    from hacrm.status.options import StatusOptions
    from hacrm.status.richview import render

    cib = (shared_dir("pacemaker-scheduler-2.1.5") / "xml" / "promoted-failed-demote-2.xml")
    opts = StatusOptions.parse(["failcounts", "inactive"])
    console = Console(record=True, width=200, color_system=None)
    console.print(render(sections(cib.read_text(), opts, now=0)))
    drawn = " ".join(console.export_text().split())
    for line in text(cib.read_text(), opts, now=0).splitlines():
        words = " ".join(line.strip().lstrip("*").strip().rstrip(":").split())
        if words and not words.startswith(("Cluster Summary", "Last change")):
            key, _, value = words.partition(": ")
            if key in ("Stack", "Current DC", "Last updated", "Backend", "Membership"):
                words = value  # a summary item: drawn as a label and its value
            assert words in drawn, line
