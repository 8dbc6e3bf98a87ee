"""``show changed`` lists what crmsh lists: elements created or changed since the CIB was
read (a resource moved into a new group is not one of them; a constraint redirected to the
group is)."""

from __future__ import annotations

import os
import subprocess

import pytest

from language.crmsh_oracle import run_crmsh, scratch_dir
from oracles import oracle
from hacrm.backends.file import FileBackend
from hacrm.cib.batch import run_script

BASE = """primitive a Dummy
primitive b Dummy params fake=1
primitive st stonith:fence_xvm
property stonith-enabled=false
location la a 10: n1
colocation cab inf: a b
"""
CHANGES = [
    "primitive c Dummy\nproperty no-quorum-policy=ignore\ngroup g a c\n",
    "delete b\nrename la la2\nmonitor a 30s\n",
    "node n1 attributes rack=1\ntag t a b\nrsc_defaults resource-stickiness=1\n",
]


@pytest.mark.oracle
@pytest.mark.parametrize("changes", CHANGES, ids=["group", "delete-rename", "merge"])
def test_show_changed_like_crmsh(changes: str) -> None:
    crm = oracle("crm")
    work = scratch_dir()
    theirs = run_crmsh(crm, BASE, work)
    ours_cib = work / "ours.xml"
    ours_cib.write_text(theirs.cib_path.read_text())
    env = dict(os.environ, CIB_file=str(theirs.cib_path), HOME=str(work))
    shown = subprocess.run([crm, "-F", "configure"], input=changes + "show changed\n",
                           capture_output=True, text=True, env=env, timeout=120).stdout
    result = run_script(changes + "show changed\n", FileBackend(ours_cib), source="changes")
    text = "".join(line + "\n" for line in shown.splitlines() if not line.startswith("\x1b["))
    assert "\n".join(result.output) + "\n" == text, result.messages()
