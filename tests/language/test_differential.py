"""Differential tests of the configure language against Debian's crmsh 4.4.1.

For every script in ``scripts/`` (written for this suite) both crmsh and hacrm load it into an
empty file CIB; the resulting configuration XML must be the same (ids included) and so must the
``configure show`` text, byte for byte.  The CIB we wrote must also pass ``crm_verify``'s schema
validation, and reading crmsh's CIB back must show exactly what crmsh shows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from oracles import oracle
from language.crmsh_oracle import (
    normalised_configuration, run_crmsh, run_ours, schema_complaints, scratch_dir,
)
from hacrm.cib.document import empty_cib_xml
from hacrm.backends.file import FileBackend
from hacrm.cib.workcopy import WorkingCopy

SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.crm"))


@pytest.fixture(scope="module")
def crm() -> str:
    return oracle("crm")


@pytest.mark.oracle
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_same_xml_and_show_as_crmsh(script: Path, crm: str) -> None:
    text = script.read_text()
    work = scratch_dir()
    theirs = run_crmsh(crm, text, work)
    assert theirs.configuration != normalised_configuration(empty_cib_xml()), \
        "crmsh committed nothing: a script for refusals belongs in refusals/"
    ours = run_ours(text, work, source=script.name)
    assert ours.configuration == theirs.configuration, ours.messages
    assert ours.show == theirs.show, ours.messages
    # round trip: crmsh's XML read by us shows as crmsh shows it
    shown = WorkingCopy(FileBackend(theirs.cib_path)).show()
    assert (shown + "\n" if shown else "") == theirs.show
    assert not schema_complaints(oracle("crm_verify"), ours.cib_path)


SHOW_XML = [p for p in SCRIPTS if p.stem[:3] in ("001", "003", "007", "014", "021", "024",
                                                  "025", "060", "090", "150")]


@pytest.mark.oracle
@pytest.mark.parametrize("script", SHOW_XML, ids=[p.stem for p in SHOW_XML])
def test_show_xml_like_crmsh(script: Path, crm: str) -> None:
    """``configure show xml`` of crmsh's CIB, printed by both: the same text."""
    import os

    theirs = run_crmsh(crm, script.read_text(), scratch_dir())
    env = dict(os.environ, CIB_file=str(theirs.cib_path), HOME=str(theirs.cib_path.parent))
    shown = subprocess.run([crm, "configure", "show", "xml"], capture_output=True, text=True,
                           env=env, timeout=120).stdout
    ours = WorkingCopy(FileBackend(theirs.cib_path)).show(xml=True) + "\n"
    assert ours == shown
