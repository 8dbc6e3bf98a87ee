"""Hostile CIBs (entity expansion, external entities, DTDs, deep nesting, huge files) are
refused by every XML reader in hacrm: the shell's file CIB, ``configure load xml``, ``cib
import``, the file backend's commit, the engine's CIB store and its files on disk, the
scheduler and ``crm_simulate``, and agents' meta-data.  Refused means a clear error, no
traceback, nothing read from the file an entity points at, and nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hacrm import xmlsafe
from hacrm.cib.document import empty_cib_xml
from security.hostile import SECRET, hostile_documents, xinclude

pytestmark = pytest.mark.timeout(120)

NAMES = sorted(hostile_documents("/nonexistent"))


@pytest.fixture(params=NAMES)
def hostile(request, secret_file: Path) -> tuple[str, str]:
    return request.param, hostile_documents(str(secret_file))[request.param]


def _reason_ok(name: str, message: str) -> None:
    assert "Traceback" not in message
    assert SECRET not in message
    if name.startswith("deep"):
        assert "nested too deeply" in message or "depth" in message.lower(), message
    else:
        assert "DOCTYPE" in message or "not well-formed" in message, message


def test_xmlsafe_refuses(hostile) -> None:
    name, text = hostile
    with pytest.raises(xmlsafe.XmlRefused) as err:
        xmlsafe.parse(text, "the CIB")
    _reason_ok(name, str(err.value))


def test_xinclude_is_not_followed(secret_file: Path) -> None:
    root = xmlsafe.parse(xinclude(str(secret_file)))
    from lxml import etree

    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlsafe, "MAX_BYTES", 1000)
    with pytest.raises(xmlsafe.XmlRefused, match="too large"):
        xmlsafe.parse(empty_cib_xml().replace("<status/>", "<status>" + " " * 2000 + "</status>"))
    with pytest.raises(xmlsafe.XmlRefused, match="too large"):
        xmlsafe.parse(("<cib>" + "x" * 2000 + "</cib>").encode())


def test_cib_file_that_is_not_utf8(shell, file_env: Path) -> None:
    file_env.write_bytes(empty_cib_xml().encode().replace(b"<nodes/>", b"<nodes>\xff</nodes>"))
    ok, out = shell.run("configure show")
    assert not ok and "not UTF-8" in out, out
    ok, out = shell.run(f"cib import {file_env} latin")
    assert not ok and "internal error" not in out and "UTF-8" in out, out


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(xmlsafe.XmlRefused, match="UTF-8"):
        xmlsafe.parse("<cib a='\udcff'/>")


# ------------------------------------------------------------------------- the shell


def test_shell_refuses_a_hostile_cib_file(hostile, shell, file_env: Path) -> None:
    name, text = hostile
    file_env.write_text(text)
    for line in ("configure show", "configure show xml", "status", "node show",
                 "configure verify", "node attribute node1 set a 1",
                 "node utilization node1 show cpu", "resource meta p1 set a 1",
                 "resource param p1 show a", "resource status", "node standby node1",
                 "configure property maintenance-mode=true",
                 "configure commit"):
        ok, out = shell.run(line)
        assert not ok, (line, out)
        assert "internal error" not in out, (line, out)
        _reason_ok(name, out)
        shell.ctx.session.drop_working_copy()  # type: ignore[attr-defined]
    assert file_env.read_text() == text


def test_configure_load_xml_refuses(hostile, shell, file_env: Path, tmp_path: Path) -> None:
    name, text = hostile
    file_env.write_text(empty_cib_xml())
    hostile_file = tmp_path / "hostile.xml"
    hostile_file.write_text(text)
    for method in ("replace", "update", "push"):
        ok, out = shell.run(f"configure load xml {method} {hostile_file}")
        assert not ok
        assert "internal error" not in out, out
        _reason_ok(name, out)
        ok, out = shell.run("configure commit")
        shell.ctx.session.drop_working_copy()  # type: ignore[attr-defined]
    assert file_env.read_text() == empty_cib_xml()


def test_cib_import_refuses(hostile, shell, file_env: Path, tmp_path: Path) -> None:
    name, text = hostile
    file_env.write_text(empty_cib_xml())
    hostile_file = tmp_path / "pe-input-1"
    hostile_file.write_text(text)
    ok, out = shell.run(f"cib import {hostile_file} imported")
    if ok:  # imported as a shadow: anything reading it must refuse it
        ok, out = shell.run("configure show")
        assert not ok
    assert "internal error" not in out, out
    _reason_ok(name, out)


def test_file_backend_commit_refuses(hostile, file_env: Path) -> None:
    from hacrm.backends.base import BackendError
    from hacrm.backends.file import FileBackend

    name, text = hostile
    file_env.write_text(empty_cib_xml())
    backend = FileBackend(file_env)
    with pytest.raises(BackendError) as err:
        backend.replace_configuration(text, backend.version())
    _reason_ok(name, str(err.value))
    assert file_env.read_text() == empty_cib_xml()


def test_huge_cib_file_is_refused_without_reading_it(shell, file_env: Path) -> None:
    """A sparse 4 GiB file: refused from its size, never read into memory."""
    with open(file_env, "wb") as f:
        f.truncate(4 << 30)
    ok, out = shell.run("configure show")
    assert not ok
    assert "too large" in out, out


# ------------------------------------------------------------------------- the engine


def test_cib_store_refuses(hostile) -> None:
    from hacrm.engine import cibstore

    name, text = hostile
    with pytest.raises(cibstore.CibError) as err:
        cibstore.Cib.from_text(text)
    _reason_ok(name, str(err.value))
    for op, args in (("replace_configuration", {}), ("status_replace", {}),
                     ("status_patch", {}), ("node_config_attrs", {})):
        if op not in cibstore.OPERATIONS:
            continue
        with pytest.raises(cibstore.CibError) as err:
            cibstore.prepare(op, args, text.encode())
        assert SECRET not in str(err.value)


def test_cib_files_on_disk_refuse(hostile, tmp_path: Path) -> None:
    from hacrm.engine.cibfiles import CibFiles

    name, text = hostile
    d = tmp_path / "cib"
    d.mkdir()
    (d / "cib.xml").write_text(text)
    loaded = CibFiles(d).load()
    assert loaded.cib is None
    assert loaded.warnings and SECRET not in " ".join(loaded.warnings)


# ------------------------------------------------------------------------- the scheduler


def test_scheduler_refuses(hostile) -> None:
    from hacrm.scheduler.unpack import CibError, parse_cib

    name, text = hostile
    with pytest.raises(CibError) as err:
        parse_cib(text)
    _reason_ok(name, str(err.value))


def test_crm_simulate_command_refuses(tmp_path: Path, secret_file: Path) -> None:
    docs = hostile_documents(str(secret_file))
    for name in ("billion_laughs", "external_entity", "deep_rules"):
        path = tmp_path / f"{name}.xml"
        path.write_text(docs[name])
        out = subprocess.run([sys.executable, "-m", "hacrm.scheduler", "-x", str(path), "-S"],
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "PYTHONPATH": ""})
        assert out.returncode != 0
        _reason_ok(name, out.stdout + out.stderr)


# ------------------------------------------------------------------------- agents


def test_agent_metadata_refuses(secret_file: Path) -> None:
    from hacrm.ra.metadata import AgentError, parse_metadata

    text = ('<?xml version="1.0"?><!DOCTYPE resource-agent [<!ENTITY ext SYSTEM '
            f'"file://{secret_file}">]><resource-agent name="x"><longdesc>&ext;</longdesc>'
            "<shortdesc>x</shortdesc><parameters/><actions/></resource-agent>")
    try:
        meta = parse_metadata(text, "x")
    except AgentError as err:
        assert SECRET not in str(err)
    else:
        assert SECRET not in repr(meta)
