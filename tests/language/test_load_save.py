"""``load replace|update|push`` (crm text or XML) and ``save`` / ``save xml``, against crmsh.

Each script in ``loads/`` runs in a configure session on an empty CIB, through crmsh and
through hacrm.  ``@IN@`` in a script stands for the file next to it with the same stem and
extension ``.in`` (crm text) or ``.in.xml`` (a CIB); ``@SAVE@`` for a file each program saves
to.  The committed configuration, ``configure show`` and the saved file must be the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from language.crmsh_oracle import schema_complaints, normalised_configuration, run_crmsh, run_ours, scratch_dir
from oracles import oracle

HERE = Path(__file__).parent / "loads"
SCRIPTS = sorted(HERE.glob("*.crm"))


def _input_of(script: Path) -> Path | None:
    for suffix in (".in", ".in.xml"):
        candidate = script.with_name(script.stem + suffix)
        if candidate.exists():
            return candidate
    return None


def _saved(path: Path) -> str:
    if not path.exists():
        return "<not saved>"
    text = path.read_text()
    return normalised_configuration(text) if text.lstrip().startswith("<") else text


@pytest.fixture(scope="module")
def crm() -> str:
    return oracle("crm")


@pytest.mark.oracle
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_load_and_save_like_crmsh(script: Path, crm: str) -> None:
    source = _input_of(script)
    text = script.read_text()
    if source is not None:
        text = text.replace("@IN@", str(source))
    work = scratch_dir()
    theirs_save, ours_save = work / "crmsh-saved", work / "hacrm-saved"
    theirs = run_crmsh(crm, text.replace("@SAVE@", str(theirs_save)), work)
    ours = run_ours(text.replace("@SAVE@", str(ours_save)), work, source=script.name)
    assert ours.configuration == theirs.configuration, ours.messages
    assert ours.show == theirs.show, ours.messages
    assert not schema_complaints(oracle("crm_verify"), ours.cib_path)
    if "@SAVE@" in text:
        assert _saved(ours_save) == _saved(theirs_save)
