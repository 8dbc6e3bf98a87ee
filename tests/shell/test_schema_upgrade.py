"""``configure schema NAME`` and ``configure upgrade [force]`` on a CIB file.

crm_verify judges the result: a schema we switch to must be one Pacemaker validates the CIB
with, and a switch we refuse must be one Pacemaker would refuse too.  (crmsh itself cannot be
the oracle here: on a CIB file its ``upgrade`` runs ``cibadmin --upgrade``, which a file CIB
does not support, and a ``schema`` change alone is "nothing to commit".)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from oracles import oracle

CRM = str(Path(sys.executable).with_name("crm"))

CIB = """<cib crm_feature_set="3.16.2" validate-with="{schema}" epoch="5" num_updates="2"
 admin_epoch="0"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options">
<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes/><resources><primitive id="a" class="ocf" provider="pacemaker" type="Stateful"/>
<primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/></resources>
<constraints>{constraints}</constraints></configuration><status/></cib>"""
PROMOTED = ('<rsc_colocation id="c" score="10" rsc="b" with-rsc="a" '
            'with-rsc-role="Promoted"/>')


def _write(path: Path, schema: str, constraints: str = "") -> Path:
    path.write_text(CIB.format(schema=schema, constraints=constraints))
    return path


def crm(cib: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, *args], input=stdin, capture_output=True, text=True, check=False,
                          env={"CIB_file": str(cib), "PATH": "/usr/bin:/bin",
                               "HOME": str(cib.parent)}, timeout=60)


def _root(cib: Path) -> etree._Element:
    return etree.parse(str(cib)).getroot()


def _verify(cib: Path) -> subprocess.CompletedProcess:
    return subprocess.run([oracle("crm_verify"), "-x", str(cib)], capture_output=True, check=False,
                          text=True, timeout=60)


@pytest.mark.parametrize("target", ["pacemaker-2.10", "pacemaker-3.5", "pacemaker-next"])
def test_schema_switches_at_commit_to_one_pacemaker_validates(tmp_path, target):
    cib = _write(tmp_path / "cib.xml", "pacemaker-3.0")
    run = crm(cib, "configure", "schema", target)
    assert run.returncode == 0, run.stderr
    root = _root(cib)
    assert (root.get("validate-with"), root.get("epoch")) == (target, "6")
    assert crm(cib, "configure", "schema").stdout.strip() == target
    checked = _verify(cib)
    assert checked.returncode == 0, checked.stderr


def test_schema_the_configuration_breaks_is_refused_as_pacemaker_refuses_it(tmp_path):
    cib = _write(tmp_path / "cib.xml", "pacemaker-3.9", PROMOTED)
    before = cib.read_text()
    run = crm(cib, "configure", "schema", "pacemaker-3.0")
    assert run.returncode == 1
    assert "Schema pacemaker-3.0 conflicts with current configuration" in run.stderr
    assert "Promoted" in run.stderr
    assert cib.read_text() == before
    forced = _write(tmp_path / "forced.xml", "pacemaker-3.0", PROMOTED)  # what we refused
    assert _verify(forced).returncode != 0


def test_unknown_schema_and_the_current_one(tmp_path):
    cib = _write(tmp_path / "cib.xml", "pacemaker-3.0")
    before = cib.read_text()
    run = crm(cib, "configure", "schema", "pacemaker-9.9")
    assert run.returncode == 1 and "schema pacemaker-9.9 does not exist" in run.stderr
    run = crm(cib, "configure", "schema", "pacemaker-3.0")
    assert run.returncode == 0 and "already using schema pacemaker-3.0" in run.stdout
    assert cib.read_text() == before


def test_upgrade_needs_force_and_moves_to_the_newest_schema(tmp_path):
    cib = _write(tmp_path / "cib.xml", "pacemaker-3.5", PROMOTED)
    before = cib.read_text()
    run = crm(cib, "configure", "upgrade")
    assert run.returncode == 0 and "'upgrade force'" in run.stdout
    assert cib.read_text() == before
    run = crm(cib, "configure", "upgrade", "now")
    assert run.returncode == 1 and "Expected 'force' or no argument" in run.stderr
    run = crm(cib, "configure", "upgrade", "force")
    assert run.returncode == 0, run.stderr
    assert _root(cib).get("validate-with") == "pacemaker-3.9"
    assert _verify(cib).returncode == 0
    run = crm(cib, "configure", "upgrade", "force")
    assert run.returncode == 0 and "already using schema pacemaker-3.9" in run.stdout


def test_upgrade_without_validate_with_needs_no_force(tmp_path):
    cib = _write(tmp_path / "cib.xml", "pacemaker-3.0")
    root = _root(cib)
    del root.attrib["validate-with"]
    cib.write_bytes(etree.tostring(root))
    run = crm(cib, "configure", "upgrade")
    assert run.returncode == 0, run.stderr
    assert _root(cib).get("validate-with") == "pacemaker-3.9"


def test_upgrade_refuses_to_carry_uncommitted_changes(tmp_path):
    cib = _write(tmp_path / "cib.xml", "pacemaker-3.5")
    before = cib.read_text()
    run = crm(cib, "configure", stdin="primitive x ocf:heartbeat:Dummy\nupgrade force\n")
    assert run.returncode == 1 and "changes not committed yet" in run.stderr
    assert cib.read_text() == before
