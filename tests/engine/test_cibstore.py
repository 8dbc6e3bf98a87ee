"""CIB operations (versions as Pacemaker bumps them) and crash-safe persistence."""

from __future__ import annotations

import os

import pytest

from hacrm.backends.base import CibVersion
from hacrm.engine import cibstore
from hacrm.engine.cibfiles import CibFiles
from hacrm.engine.cibstore import Cib, CibError

PRIMITIVE = ('<configuration><crm_config/><nodes/><resources><primitive id="d" class="ocf" '
             'provider="heartbeat" type="Dummy"/></resources><constraints/></configuration>')


def test_configuration_replace_bumps_epoch_and_resets_num_updates():
    cib = cibstore.apply(Cib.empty(), "membership", {"quorate": True, "dc_uuid": "1"}, b"")
    assert cib.version == CibVersion(0, 1, 1)
    new = cibstore.apply(cib, "replace_configuration", {}, PRIMITIVE.encode())
    assert new.version == CibVersion(0, 2, 0)
    assert new.root.find("configuration/resources/primitive").get("id") == "d"
    assert new.root.get("have-quorum") == "1"  # status-side attributes survive


def test_status_update_bumps_num_updates_only():
    cib = Cib.empty()
    new = cibstore.apply(cib, "status_replace", {},
                         b'<node_state id="1" uname="n1" in_ccm="true" crmd="online"/>')
    assert new.version == CibVersion(0, 1, 1)
    again = cibstore.apply(new, "status_replace", {},
                           b'<node_state id="1" uname="n1" in_ccm="false" crmd="offline"/>')
    states = again.root.findall("status/node_state")
    assert len(states) == 1 and states[0].get("crmd") == "offline"
    gone = cibstore.apply(again, "status_replace", {"delete": ["1"]}, b"")
    assert gone.root.findall("status/node_state") == [] and gone.version.num_updates == 3


def test_membership_records_node_state_like_pacemaker():
    nodes = [{"id": "1", "uname": "a", "member": True},
             {"id": "2", "uname": "b", "member": False, "clean": False},
             {"id": "3", "uname": "c", "member": True}]
    cib = cibstore.apply(Cib.empty(), "membership", {"nodes": nodes, "quorate": True,
                                                     "dc_uuid": "1"}, b"")
    states = {s.get("uname"): s for s in cib.root.findall("status/node_state")}
    assert set(states) == {"a", "c"}  # a node never seen gets no entry
    assert states["a"].get("in_ccm") == "true" and states["a"].get("join") == "member"
    nodes[0]["member"] = False  # a crashes: expected stays "member" (it is unclean)
    nodes[2].update(member=False, clean=True)  # c shuts down cleanly
    cib = cibstore.apply(cib, "membership", {"nodes": nodes, "quorate": False}, b"")
    states = {s.get("uname"): s for s in cib.root.findall("status/node_state")}
    assert (states["a"].get("crmd"), states["a"].get("expected")) == ("offline", "member")
    assert (states["c"].get("crmd"), states["c"].get("expected")) == ("offline", "down")
    assert cib.root.get("have-quorum") == "0"


def test_conflicts_only_on_configuration_version():
    cib = Cib.from_text('<cib epoch="5" num_updates="9" admin_epoch="0"><configuration/>'
                        '</cib>')
    op = "replace_configuration"
    assert not cibstore.conflicts(cib, op, CibVersion(0, 5, 0))  # status moved: fine
    assert cibstore.conflicts(cib, op, CibVersion(0, 4, 9))
    assert cibstore.conflicts(cib, op, CibVersion(1, 5, 9))
    assert not cibstore.conflicts(cib, "status_replace", CibVersion(0, 0, 0))


def test_digest_ignores_indentation_but_not_content():
    a = Cib.from_text("<cib epoch='1' num_updates='0' admin_epoch='0'><configuration>"
                      "<resources/></configuration><status/></cib>")
    b = Cib.from_text("<cib epoch='1' num_updates='0' admin_epoch='0'>\n  <configuration>\n"
                      "    <resources/>\n  </configuration>\n  <status/>\n</cib>\n")
    c = Cib.from_text("<cib epoch='2' num_updates='0' admin_epoch='0'><configuration>"
                      "<resources/></configuration><status/></cib>")
    assert a.digest == b.digest != c.digest


@pytest.mark.parametrize("text, words", [
    ("<cib><configuration>", "well-formed"),
    ("<config/>", "root element"),
    ("<cib epoch='x'><configuration/></cib>", "not a number"),
    ("<cib/>", "no <configuration>"),
])
def test_bad_cib_text(text, words):
    with pytest.raises(CibError, match=words):
        Cib.from_text(text)


def test_refused_operation_changes_nothing():
    cib = cibstore.apply(Cib.empty(), "status_replace", {},
                         b'<node_state id="1" uname="n1" in_ccm="true"/>')
    before = (cib.text(), cib.stamp)
    for op, args, body in (("status_replace", {"delete": ["1"]}, b"<node_state"),
                           ("replace_configuration", {}, b"<nothing/>"),
                           ("membership", {"nodes": [{"id": "1"}]}, b"")):
        with pytest.raises(CibError):
            cibstore.apply(cib, op, args, body)
        assert (cib.text(), cib.stamp) == before


def test_lineage_chains_updates_and_restarts_from_the_digest():
    a, b = Cib.empty(), Cib.empty()
    for cib in (a, b):
        cibstore.apply(cib, "replace_configuration", {}, PRIMITIVE.encode(), {"x": "1"})
        cibstore.apply(cib, "status_replace", {}, b'<node_state id="1" uname="n1"/>')
    assert a.stamp == b.stamp and a.digest == b.digest
    prepared = cibstore.prepare("status_replace", {"delete": ["1"]}, b"")
    expected = prepared.next_stamp(a.stamp)
    assert cibstore.apply_prepared(a, prepared).stamp == expected
    # the same content reached another way has another lineage, until members agree on it
    c = Cib.from_text(a.text())
    assert c.digest == a.digest and c.lineage != a.lineage
    a.restart_lineage()
    assert c.stamp == a.stamp


def test_bad_operation_payload():
    with pytest.raises(CibError):
        cibstore.apply(Cib.empty(), "replace_configuration", {}, b"<configuration>")
    with pytest.raises(CibError, match="unknown CIB operation"):
        cibstore.apply(Cib.empty(), "explode", {}, b"")


def test_entities_are_not_expanded():
    evil = ('<!DOCTYPE cib [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>'
            '<crm_config>&x;</crm_config></configuration></cib>')
    with pytest.raises(CibError, match="DOCTYPE"):
        Cib.from_text(evil)
    with pytest.raises(CibError, match="DOCTYPE"):
        cibstore.apply(Cib.empty(), "replace_configuration", {}, evil.encode())


# ---------------------------------------------------------------------------- files


def versions(n: int) -> list[Cib]:
    """``n`` successive CIBs (distinct objects: ``apply`` works in place)."""
    out, cib = [], Cib.empty()
    for _ in range(n):
        cib = cibstore.apply(Cib(cib.copy()), "replace_configuration", {}, PRIMITIVE.encode())
        out.append(cib)
    return out


def test_save_and_load_keeps_the_last_backups(tmp_path):
    files = CibFiles(tmp_path, backups=3)
    assert files.load().cib is None
    for cib in versions(6):
        files.save(cib.text())
    loaded = files.load()
    assert loaded.cib.version == CibVersion(0, 7, 0) and loaded.source == "cib.xml"
    assert sorted(p.name for p in tmp_path.glob("cib-*.raw")) == [
        "cib-4.raw", "cib-5.raw", "cib-6.raw"]
    assert (tmp_path / "cib.xml.sig").read_text().strip()
    assert oct(os.stat(tmp_path / "cib.xml").st_mode & 0o777) == "0o600"


def test_status_changes_do_not_push_configurations_out_of_the_backups(tmp_path):
    files = CibFiles(tmp_path, backups=3)
    configs = versions(2)
    for cib in configs:
        files.save(cib.text(), cib.version)
    cib = Cib(configs[-1].copy())
    for k in range(20):
        cibstore.apply(cib, "status_replace", {}, f'<node_state id="1" k="{k}"/>'.encode())
        files.save(cib.text(), cib.version)
    assert sorted(p.name for p in tmp_path.glob("cib-*.raw")) == [
        "cib-1.raw", "cib-2.raw", "cib-latest.raw"]
    loaded = CibFiles(tmp_path).load()
    assert loaded.cib.version == cib.version == CibVersion(0, 3, 20)


def test_corrupt_cib_xml_falls_back_to_the_newest_verified_copy(tmp_path):
    files = CibFiles(tmp_path)
    for cib in versions(3):
        files.save(cib.text())
    (tmp_path / "cib.xml").write_text("<cib><configuration>")  # torn by a disk error
    loaded = files.load()
    assert loaded.cib.version == CibVersion(0, 4, 0)
    assert loaded.source == "cib-3.raw"
    assert any("digest mismatch" in w for w in loaded.warnings)


def test_hand_edited_cib_without_digest_is_used_with_a_warning(tmp_path):
    (tmp_path / "cib.xml").write_text(versions(2)[-1].text())
    loaded = CibFiles(tmp_path).load()
    assert loaded.cib.version == CibVersion(0, 3, 0)
    assert any("no digest" in w for w in loaded.warnings)


class Crash(Exception):
    pass


@pytest.mark.parametrize("change", ["configuration", "status"])
def test_a_crash_at_any_point_of_a_save_leaves_the_previous_or_the_new_cib(tmp_path,
                                                                           monkeypatch, change):
    """Kill the save after each of its durable steps; the loader must always find a verified
    CIB at least as new as the last save that completed."""
    old, new = versions(2)
    if change == "status":
        new = cibstore.apply(Cib(old.copy()), "status_replace", {}, b'<node_state id="1"/>')
    real_replace = os.replace
    real_fsync = os.fsync
    steps = 0
    while True:
        d = tmp_path / f"run{steps}"
        files = CibFiles(d)
        files.save(old.text())
        budget = [steps]

        def counted(fn):
            def wrapper(*args, **kwargs):
                if budget[0] == 0:
                    raise Crash()
                budget[0] -= 1
                return fn(*args, **kwargs)
            return wrapper

        monkeypatch.setattr(os, "replace", counted(real_replace))
        monkeypatch.setattr(os, "fsync", counted(real_fsync))
        try:
            files.save(new.text())
            finished = True
        except Crash:
            finished = False
        monkeypatch.setattr(os, "replace", real_replace)
        monkeypatch.setattr(os, "fsync", real_fsync)
        loaded = CibFiles(d).load()
        assert loaded.cib is not None
        assert loaded.cib.version >= old.version
        assert loaded.cib.digest in (old.digest, new.digest)
        if finished:
            assert loaded.cib.version == new.version
            break
        steps += 1
    assert steps > 5  # the save really has that many durable steps


def test_leftover_temporary_files_are_removed(tmp_path):
    files = CibFiles(tmp_path)
    files.save(versions(1)[0].text())
    (tmp_path / ".cib.xml.tmp").write_text("half a ci")
    files.load()
    assert not (tmp_path / ".cib.xml.tmp").exists()
