"""The configure level on the pacemaker backend, on a ``CIB_file`` driven by Debian's tools.

Every commit goes through ``crm_diff`` and ``cibadmin --patch`` (Pacemaker's own code applies
it), so these tests check that what Pacemaker stores is exactly what the configure language
means: for each differential script of the language suite the configuration Pacemaker holds
afterwards equals the one our file backend writes (which the language suite compares with
crmsh's), for a sample the whole ``crm --backend pacemaker`` run equals crmsh's own run, and a
commit is refused when the configuration moved underneath but not when only status did.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from language.crmsh_oracle import normalised_configuration
from lxml import etree
from oracles import oracle

from hacrm.backends.base import CibConflict, CibVersion
from hacrm.backends.file import FileBackend
from hacrm.backends.pacemaker import PacemakerBackend, connect
from hacrm.backends.pacemaker_tools import Tools
from hacrm.cib.batch import run_script
from hacrm.cib.workcopy import WorkingCopy
from pacemaker.conftest import run_crm

pytestmark = pytest.mark.oracle

SCRIPTS = sorted((Path(__file__).parents[1] / "language" / "scripts").glob("*.crm"))
#: scripts also run through the whole CLI beside crmsh (one of each kind of element)
CLI_SAMPLE = [p for p in SCRIPTS if p.stem[:3] in ("001", "008", "014", "021", "024", "150")]


def _version(path: Path) -> CibVersion:
    root = etree.fromstring(path.read_bytes())
    return CibVersion(int(root.get("admin_epoch")), int(root.get("epoch")),
                      int(root.get("num_updates")))


def _empty(path: Path) -> Path:
    out = subprocess.run([oracle("cibadmin"), "--empty"], capture_output=True, text=True,
                         check=True).stdout
    path.write_text(out)
    return path


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_committed_by_pacemaker_tools(script: Path, tmp_path: Path) -> None:
    text = script.read_text()
    theirs = _empty(tmp_path / "file.xml")
    ours = _empty(tmp_path / "pcmk.xml")
    before = _version(ours)
    run_script(text, FileBackend(theirs), source=script.name)
    backend = PacemakerBackend(Tools(dict(os.environ, CIB_file=str(ours))))
    result = run_script(text, backend, source=script.name)
    assert normalised_configuration(ours.read_text()) == \
        normalised_configuration(theirs.read_text()), result.messages()
    # one epoch per commit, as the file backend counts them
    after, expected = _version(ours), _version(theirs)
    assert (after.admin_epoch, after.epoch) == (expected.admin_epoch, expected.epoch)
    assert after.epoch > before.epoch
    # and Pacemaker reads it back as it stored it
    assert normalised_configuration(backend.read()) == normalised_configuration(ours.read_text())


@pytest.mark.parametrize("script", CLI_SAMPLE, ids=[p.stem for p in CLI_SAMPLE])
def test_cli_configure_like_crmsh(script: Path, tmp_path: Path, tool_env) -> None:
    crm = oracle("crm")
    text = script.read_text()
    ours = Path(tool_env["CIB_file"])
    theirs = tmp_path / "crmsh.xml"
    shutil.copy(ours, theirs)
    crmsh_env = dict(tool_env, CIB_file=str(theirs))
    done = run_crm(["--backend", "pacemaker", "-F", "configure"], env=tool_env,
                   input=text + "\ncommit\n")
    assert "Traceback" not in done.stderr
    subprocess.run([crm, "-F", "configure"], check=False, input=text, text=True, capture_output=True,
                   env=crmsh_env, timeout=120)
    assert normalised_configuration(ours.read_text()) == \
        normalised_configuration(theirs.read_text()), done.stderr
    shown = run_crm(["--backend", "pacemaker", "configure", "show"], env=tool_env)
    expected = subprocess.run([crm, "configure", "show"], check=False, text=True, capture_output=True,
                              env=crmsh_env, timeout=120)
    assert shown.stdout == expected.stdout
    assert shown.returncode == 0


def _with_resource(tool_env) -> PacemakerBackend:
    backend = connect(env=tool_env)
    result = run_script("node node1\nprimitive d1 ocf:heartbeat:Dummy\n", backend)
    assert result.ok, result.messages()
    return backend


def test_commit_refused_when_configuration_moved(tool_env) -> None:
    backend = _with_resource(tool_env)
    wc = WorkingCopy(backend)
    wc.define("primitive d2 ocf:heartbeat:Dummy")
    # someone else changes the configuration meanwhile, with Pacemaker's own tool
    subprocess.run([oracle("crm_resource"), "--resource", "d1", "--meta", "--set-parameter",
                    "target-role", "--parameter-value", "Stopped"], env=tool_env, check=True,
                   capture_output=True)
    moved = backend.version()
    with pytest.raises(CibConflict) as refused:
        backend.replace_configuration(wc.cib_xml(), wc.base)
    assert str(moved) in str(refused.value)
    assert backend.version() == moved
    assert "d2" not in backend.read()


def test_commit_goes_through_when_only_status_moved(tool_env) -> None:
    backend = _with_resource(tool_env)
    wc = WorkingCopy(backend)
    wc.define("primitive d2 ocf:heartbeat:Dummy")
    # a status update (num_updates moves, epoch does not), as a running cluster makes all along
    subprocess.run([oracle("cibadmin"), "--create", "--scope", "status", "--xml-text",
                    '<node_state id="node1" uname="node1" in_ccm="true" crmd="online"/>'],
                   env=tool_env, check=True, capture_output=True)
    moved = backend.version()
    assert moved.epoch == wc.base.epoch and moved.num_updates > wc.base.num_updates
    wc.commit()
    now = backend.version()
    assert now.epoch == moved.epoch + 1
    cib = backend.read()
    assert 'id="d2"' in cib and "node_state" in cib  # the status update was kept


def test_commit_with_nothing_changed_leaves_the_cib_alone(tool_env) -> None:
    backend = _with_resource(tool_env)
    before = backend.version()
    assert backend.replace_configuration(backend.read(), before) == before
    assert backend.version() == before


def test_configure_errors_are_messages_not_tracebacks(tool_env, tmp_path) -> None:
    env = dict(tool_env, CIB_file=str(tmp_path / "missing.xml"))
    done = run_crm(["--backend", "pacemaker", "configure", "show"], env=env)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "missing.xml does not exist" in done.stderr
    broken = tmp_path / "broken.xml"
    broken.write_text("hello")
    done = run_crm(["--backend", "pacemaker", "configure", "show"],
                   env=dict(tool_env, CIB_file=str(broken)))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "Update does not conform to the configured schema" in done.stderr
