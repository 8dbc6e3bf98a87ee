"""``cibstatus``: edit a copy of the status section, then ask the scheduler.

The oracle is crm_simulate with the same what-if injections on the same corpus CIB: after
``cibstatus`` edits, ``run`` and ``simulate`` must print the transition crm_simulate prints
(``-R``/``-S`` with ``-d``, ``-f``, ``-u``, ``-i``, ``-g``..., from "Transition Summary" on).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from oracles import oracle, shared_dir

CRM = str(Path(sys.executable).with_name("crm"))

#: case -> (corpus CIB, our cibstatus commands, crm_simulate's options for the same edits)
CASES = {
    "node-offline": ("clone-anon-failcount", ["node srv02 offline"], ["-d", "srv02"]),
    "node-unclean": ("clone-anon-failcount", ["node srv03 unclean"], ["-f", "srv03"]),
    "recurring-monitor-fails": ("clone-anon-failcount",
                                ["op monitor prmExPostgreSQLDB2 not_running"],
                                ["-i", "prmExPostgreSQLDB2_monitor_10000@srv02=7"]),
    "monitor-fails-then-recovers": ("clone-anon-failcount",
                                    ["op monitor prmExPostgreSQLDB2 not_running",
                                     "op monitor prmExPostgreSQLDB2 success"],
                                    ["-i", "prmExPostgreSQLDB2_monitor_10000@srv02=7",
                                     "-i", "prmExPostgreSQLDB2_monitor_10000@srv02=0"]),
    "start-fails-on-a-node": ("group1", ["op start child_rsc1 unknown node2"],
                              ["-i", "child_rsc1_start_0@node2=1"]),
    "probe-finds-it-running": ("group1", ["op probe child_rsc2 success node1"],
                               ["-i", "child_rsc2_monitor_0@node1=0"]),
    "ticket-granted": ("ticket-primitive-1", ["ticket ticketA grant"], ["-g", "ticketA"]),
    "ticket-standby": ("ticket-primitive-1", ["ticket ticketA grant", "ticket ticketA standby"],
                       ["-g", "ticketA", "-b", "ticketA"]),
    "quorum-lost": ("1360", ["quorum false", "ticket unused grant"],
                    ["--quorum=false", "-g", "unused"]),
}


def crm(cib: Path, script: str) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, "cibstatus"], input=script, capture_output=True, text=True,
                          check=False, timeout=120,
                          env={"CIB_file": str(cib), "PATH": "/usr/bin:/bin",
                               "HOME": str(cib.parent), "LC_ALL": "C.UTF-8"})


def _configuration(cib: Path) -> bytes:
    """The configuration section, whitespace between elements aside."""
    root = etree.parse(str(cib), etree.XMLParser(remove_blank_text=True)).getroot()
    return etree.tostring(root.find("configuration"), method="c14n")


def _from_summary(text: str) -> str:
    return text[text.index("Transition Summary:"):]


@pytest.fixture
def corpus():
    return shared_dir("pacemaker-scheduler-2.1.5") / "xml"


@pytest.mark.parametrize("verb,flag", [("run", "-R"), ("simulate", "-S")])
@pytest.mark.parametrize("case", sorted(CASES))
def test_what_if_schedules_as_crm_simulate_does(corpus, tmp_path, case, verb, flag):
    name, commands, options = CASES[case]
    cib = tmp_path / "cib.xml"
    shutil.copy(corpus / f"{name}.xml", cib)
    before = cib.read_text()
    ours = crm(cib, "\n".join([*commands, verb]) + "\n")
    assert ours.returncode == 0, ours.stderr
    theirs = subprocess.run([oracle("crm_simulate"), "-x", str(cib), flag, *options],
                            capture_output=True, text=True, check=True, timeout=120)
    assert _from_summary(ours.stdout) == _from_summary(theirs.stdout)
    assert cib.read_text() == before, "cibstatus changed the CIB without a save"


def test_origin_show_changed_and_save_into_a_file(corpus, tmp_path):
    cib = tmp_path / "cib.xml"
    shutil.copy(corpus / "clone-anon-failcount.xml", cib)
    copy = tmp_path / "copy.xml"
    run = crm(cib, f"origin\nnode srv03 offline\nop monitor prmExPostgreSQLDB2 not_running\n"
                   f"quorum false\norigin\nshow changed\nsave {copy}\nload {copy}\norigin\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "live", "live (modified)", "srv03 offline",
        "srv02:prmExPostgreSQLDB2:monitor rc=7", "quorum: false", str(copy)]
    saved = etree.parse(str(copy)).getroot()
    states = {n.get("uname"): n for n in saved.iterfind("status/node_state")}
    assert states["srv03"].get("crmd") == "offline" and states["srv03"].find("lrm") is None
    assert saved.get("have-quorum") == "false"
    assert saved.find("configuration") is not None
    # the saved CIB is one Pacemaker reads: crm_simulate schedules it as we do
    theirs = subprocess.run([oracle("crm_simulate"), "-x", str(copy), "-R"],
                            capture_output=True, text=True, check=True, timeout=120)
    ours = crm(copy, f"load {copy}\nrun\n")
    assert _from_summary(ours.stdout) == _from_summary(theirs.stdout)


def test_save_into_an_existing_cib_keeps_its_configuration(corpus, tmp_path):
    cib = tmp_path / "cib.xml"
    shutil.copy(corpus / "group1.xml", cib)
    other = tmp_path / "other.xml"
    shutil.copy(corpus / "simple4.xml", other)
    config = _configuration(other)
    run = crm(cib, f"node node1 offline\nsave {other}\n")
    assert run.returncode == 0, run.stderr
    assert _configuration(other) == config
    root = etree.parse(str(other)).getroot()
    assert [n.get("uname") for n in root.iterfind("status/node_state")] == ["node1", "node2"]


def test_mistakes_are_refused_and_change_nothing(corpus, tmp_path):
    cib = tmp_path / "cib.xml"
    shutil.copy(corpus / "clone-anon-failcount.xml", cib)
    cases = {
        "node nosuch offline": "node nosuch not found in the status section",
        "node srv01 asleep": "unknown state asleep",
        "op monitor nosuch 7": "need interval for the monitor op",
        "op probe prmExPostgreSQLDB2 7": "operation probe found at srv02 srv03 srv04 srv01",
        "op probe prmExPostgreSQLDB2 bogus srv01": "Invalid exit code 'bogus'",
        "ticket T1 steal": "unknown ticket action 'steal'",
        "quorum maybe": "maybe: bad boolean option",
        "show everything": "Expected 'changed', got 'everything'",
        f"load {tmp_path / 'missing.xml'}": "cannot read",
        "save": "apparently you didn't modify status",
    }
    for command, message in cases.items():
        run = crm(cib, f"{command}\nshow changed\n")
        assert message in run.stderr + run.stdout, (command, run.stderr, run.stdout)
        assert run.returncode != 0, command
    bare = tmp_path / "bare.xml"
    bare.write_text(cib.read_text().split("<status")[0] + "</cib>")
    run = crm(cib, f"load {bare}\n")
    assert "the cib contains no status" in run.stderr


def test_save_to_the_cluster_is_refused(corpus, tmp_path):
    cib = tmp_path / "cib.xml"
    shutil.copy(corpus / "group1.xml", cib)
    before = cib.read_text()
    run = crm(cib, "node node1 offline\nsave\nsave live\n")
    assert run.returncode != 0
    assert "cannot save status to the cluster" in run.stdout + run.stderr
    assert cib.read_text() == before


def test_configure_ptest_uses_the_edited_status(corpus, tmp_path):
    cib = tmp_path / "cib.xml"
    shutil.copy(corpus / "clone-anon-failcount.xml", cib)
    plain = subprocess.run([CRM, "configure", "ptest", "nograph"], capture_output=True,
                           text=True, check=False, timeout=120,
                           env={"CIB_file": str(cib), "PATH": "/usr/bin:/bin",
                                "HOME": str(tmp_path)})
    run = subprocess.run([CRM], input="cibstatus node srv02 offline\nconfigure ptest nograph\n",
                         capture_output=True, text=True, check=False, timeout=120,
                         env={"CIB_file": str(cib), "PATH": "/usr/bin:/bin",
                              "HOME": str(tmp_path)})
    assert plain.returncode == 0 and run.returncode == 0, run.stderr
    theirs = subprocess.run([oracle("crm_simulate"), "-x", str(cib), "-S", "-d", "srv02"],
                            capture_output=True, text=True, check=True, timeout=120)
    assert _from_summary(run.stdout) != _from_summary(plain.stdout)
    assert _from_summary(run.stdout).split("\nRevised")[0] == \
        _from_summary(theirs.stdout).split("\nRevised")[0]
