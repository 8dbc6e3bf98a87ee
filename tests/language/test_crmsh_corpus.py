"""crmsh 4.4.1's own regression inputs through the same differential as our scripts.

The configure parts of ``testcases/`` and ``cibtests/`` (see :mod:`language.crmsh_corpus`)
run through Debian's crmsh and through hacrm; the configuration XML and ``configure show``
must be the same, and crmsh's XML read back by us must show as crmsh shows it.
"""

from __future__ import annotations

import pytest

from language.crmsh_corpus import CorpusScript, corpus_scripts
from language.crmsh_oracle import schema_complaints, run_crmsh, run_ours, scratch_dir
from oracles import SHARED, oracle, shared_dir
from hacrm.backends.file import FileBackend
from hacrm.cib.workcopy import WorkingCopy

CORPUS = "crmsh-regression-4.4.1"
SCRIPTS = corpus_scripts(SHARED / CORPUS) if (SHARED / CORPUS).is_dir() else []


@pytest.mark.oracle
@pytest.mark.parametrize("script", SCRIPTS or [None], ids=[s.name for s in SCRIPTS] or ["none"])
def test_corpus_like_crmsh(script: CorpusScript | None) -> None:
    shared_dir(CORPUS)
    assert script is not None, "the corpus is present but no configure script was extracted"
    crm = oracle("crm")
    work = scratch_dir()
    theirs = run_crmsh(crm, script.text, work)
    ours = run_ours(script.text, work, source=script.name)
    assert ours.configuration == theirs.configuration, ours.messages
    assert ours.show == theirs.show, ours.messages
    assert not schema_complaints(oracle("crm_verify"), ours.cib_path)
    shown = WorkingCopy(FileBackend(theirs.cib_path)).show()
    assert (shown + "\n" if shown else "") == theirs.show


def test_extraction_finds_the_configure_sessions() -> None:
    shared_dir(CORPUS)
    names = {s.name.rsplit("-", 1)[0] for s in SCRIPTS}
    assert {"confbasic", "delete", "acl", "newfeatures", "rset", "cibtests"} <= names
    assert len(SCRIPTS) >= 15
