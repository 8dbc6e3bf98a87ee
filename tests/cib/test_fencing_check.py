"""The fencing finding of Pacemaker's own check, made at commit (crmsh relays it from
crm_verify; ``tests/shell/scripts/05[45]-commit-without-fencing*.crm`` compare with crmsh)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacrm.cib.check import fencing_problems

EMPTY = ('<cib admin_epoch="0" epoch="0" num_updates="0" validate-with="pacemaker-3.9">'
         '<configuration><crm_config/><nodes/><resources/><constraints/></configuration>'
         '<status/></cib>')
NO_OPTIONS = EMPTY.replace("<crm_config/>", "")  # what a user who may not read them sees


@pytest.mark.parametrize(("cib", "text", "refused"), [
    (EMPTY, "", False),
    (EMPTY, "primitive p Dummy", True),
    (EMPTY, "primitive p Dummy\nproperty stonith-enabled=false", False),
    (EMPTY, "primitive p Dummy\nproperty stonith-enabled=No", False),
    (EMPTY, "primitive p Dummy\nproperty stonith-enabled=true", True),
    (EMPTY, "primitive p Dummy\nprimitive f stonith:fence_xvm", False),
    (EMPTY, "rsc_template t stonith:fence_xvm\nprimitive f @t\nprimitive p Dummy", False),
    (EMPTY, "rsc_template t ocf:heartbeat:Dummy", False),
    (NO_OPTIONS, "primitive p Dummy", False),
])
def test_resources_without_a_fencing_device(tmp_path: Path, cib: str, text: str,
                                            refused: bool) -> None:
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import WorkingCopy

    path = tmp_path / "cib.xml"
    path.write_text(cib)
    wc = WorkingCopy(FileBackend(path), force=True)
    if text:
        wc.define(text)
    found = fencing_problems(wc.editor)
    assert bool(found) == refused, found
    assert all(d.severity == "error" and "stonith-enabled=false" in (d.hint or "")
               for d in found)
