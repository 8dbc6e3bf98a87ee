"""Committing a working copy to a file CIB: all or nothing, conflicts, versions, status kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hacrm.backends.file import FileBackend
from hacrm.cib.document import empty_cib_xml
from hacrm.cib.workcopy import ConfigureError, WorkingCopy


@pytest.fixture
def cib(tmp_path: Path) -> Path:
    path = tmp_path / "cib.xml"
    path.write_text(empty_cib_xml())
    return path


def _epoch(path: Path) -> tuple[str, str]:
    root = etree.parse(str(path)).getroot()
    return root.get("epoch", ""), root.get("num_updates", "")


def test_commit_bumps_epoch_and_resets_num_updates(cib: Path) -> None:
    root = etree.parse(str(cib)).getroot()
    root.set("num_updates", "7")
    cib.write_bytes(etree.tostring(root))
    wc = WorkingCopy(FileBackend(cib))
    wc.define("primitive p Dummy")
    wc.commit()
    assert _epoch(cib) == ("2", "0")
    wc.define("primitive q Dummy")
    wc.commit()
    assert _epoch(cib) == ("3", "0")
    assert 'id="q"' in cib.read_text()


def test_commit_refused_when_the_cib_changed_underneath(cib: Path) -> None:
    ours = WorkingCopy(FileBackend(cib))
    theirs = WorkingCopy(FileBackend(cib))
    theirs.define("primitive other Dummy")
    theirs.commit()
    before = cib.read_text()
    ours.define("primitive mine Dummy")
    with pytest.raises(ConfigureError) as refused:
        ours.commit()
    assert "changed in the meantime" in str(refused.value)
    assert cib.read_text() == before
    ours.refresh()
    assert "other" in ours.show() and "mine" not in ours.show()


def test_schema_refusal_writes_nothing_even_forced(cib: Path) -> None:
    before = cib.read_text()
    wc = WorkingCopy(FileBackend(cib), force=True)
    wc.define("primitive p Dummy")
    wc.define("property default-resource-stickiness=100", source="s.crm", line=2)
    with pytest.raises(ConfigureError) as refused:
        wc.commit(force=True)
    text = str(refused.value)
    assert "s.crm:2:1: error: schema:" in text and "default-resource-stickiness" in text
    assert cib.read_text() == before


def test_status_section_survives_a_commit(cib: Path) -> None:
    root = etree.parse(str(cib)).getroot()
    status = root.find("status")
    etree.SubElement(status, "node_state", id="n1", uname="n1", crmd="online")
    cib.write_bytes(etree.tostring(root))
    wc = WorkingCopy(FileBackend(cib))
    wc.define("primitive p Dummy")
    wc.commit()
    assert etree.parse(str(cib)).getroot().find("status/node_state").get("uname") == "n1"


def test_refused_definition_changes_nothing(cib: Path) -> None:
    wc = WorkingCopy(FileBackend(cib))
    wc.define("primitive a Dummy\nprimitive b Dummy\ngroup g a b")
    shown = wc.show()
    for bad in ("group g2 b", "clone c g:Master", "primitive a Dummy", "monitor nothere 10s",
                "location l1 a foo: n1", "colocation c inf: a ( b"):
        with pytest.raises(ConfigureError) as refused:
            wc.define(bad, source="t.crm", line=9)
        assert str(refused.value).startswith("t.crm:9:"), str(refused.value)
        assert wc.show() == shown


def test_has_changes_follows_edits(cib: Path) -> None:
    wc = WorkingCopy(FileBackend(cib))
    assert not wc.has_changes()
    wc.define("primitive a Dummy")
    assert wc.has_changes() and [o.id for o in wc.changed_objects()] == ["a"]
    wc.commit()
    assert not wc.has_changes()
    wc.delete(["a"])
    assert wc.has_changes() and wc.changed_objects() == []


def test_load_is_all_or_nothing(cib: Path) -> None:
    wc = WorkingCopy(FileBackend(cib))
    wc.define("primitive a Dummy\nprimitive b Dummy")
    shown = wc.show()
    with pytest.raises(ConfigureError) as refused:
        wc.load("update", "primitive c Dummy\ngroup g a b\ngroup h b\n", xml=False,
                source="in.crm")
    assert "already in group:g" in str(refused.value)
    assert wc.show() == shown
    with pytest.raises(ConfigureError) as refused:
        wc.load("push", "primitive c Dummy\nlocaton x c 1: n1\n", xml=False, source="in.crm")
    assert str(refused.value).startswith("in.crm:2:1: error: unknown element `locaton`")
    assert wc.show() == shown


def test_file_backend_refuses_unreadable_cib(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<cib><configuration>")
    with pytest.raises(ConfigureError) as refused:
        WorkingCopy(FileBackend(path))
    assert "cannot read the CIB" in str(refused.value)
    with pytest.raises(ConfigureError):
        WorkingCopy(FileBackend(tmp_path / "missing.xml"))
