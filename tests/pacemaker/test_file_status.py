"""``crm status`` and the ``ra`` level on the pacemaker backend, against crmsh on the same input.

crmsh's ``crm status`` on Pacemaker is crm_mon's display; ours must print the same text, plus
one ``Backend: pacemaker`` line in the summary, for the scheduler corpus's CIBs (read in place
as ``CIB_file``) and for each status option.  The structured reading of crm_mon's XML
(:class:`~hacrm.backends.pacemaker_mon.MonStatus`) must agree with ``crm_resource --locate``
for every resource.  The ``ra`` level lists and describes agents as crmsh does, both asking
``crm_resource``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from oracles import oracle, shared_dir

from hacrm.backends.pacemaker import connect
from pacemaker.conftest import run_crm

pytestmark = pytest.mark.oracle

#: corpus CIBs of every shape crm_mon shows: groups, clones, promotable, bundles, remote
#: nodes, failures, tickets, standby, maintenance, unclean and offline nodes
CORPUS = ["clone-anon-failcount", "promoted-1", "bundle-nested-colocation", "ticket-primitive-1",
          "standby", "bug-5186-partial-migrate", "remote-fence-unclean2", "guest-node-host-dies",
          "failed-demote-recovery", "rsc-maintenance", "on_fail_demote4",
          "clone-requires-quorum", "group-dependents", "stop-failure-with-fencing",
          "bundle-order-stop-on-remote", "ticket-promoted-3", "unrunnable-2", "node-maintenance-2"]

OPTIONS = [[], ["bynode"], ["inactive"], ["ops"], ["failcounts"], ["noheaders"], ["tickets"],
           ["full"], ["brief"], ["simple"]]


def _normalise(text: str) -> str:
    """The clock line differs between two runs a second apart."""
    return re.sub(r"Last updated: .*", "Last updated: NOW", text)


@pytest.fixture(scope="module")
def corpus() -> Path:
    return shared_dir("pacemaker-scheduler-2.1.5") / "xml"


def _env(cib: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_"))}
    env.update(CIB_file=str(cib), HOME=str(home), LC_ALL="C.UTF-8", COLUMNS="80")
    return env


@pytest.mark.parametrize("name", CORPUS)
def test_status_is_crmsh_status_with_the_backend_named(name, corpus, tmp_path) -> None:
    cib = corpus / f"{name}.xml"
    if not cib.exists():
        pytest.skip(f"{cib} is not in this corpus")
    env = _env(cib, tmp_path)
    for words in OPTIONS if name == CORPUS[0] else [[]]:
        theirs = subprocess.run([oracle("crm"), "status", *words], capture_output=True,
                                text=True, env=env, timeout=120, check=False)
        ours = run_crm(["--backend", "pacemaker", "status", *words], env=env)
        assert ours.returncode == theirs.returncode == 0, ours.stderr
        lines = ours.stdout.split("\n")
        if "noheaders" not in words and "simple" not in words:
            assert lines.pop(2) == "  * Backend: pacemaker"
        assert _normalise("\n".join(lines)) == _normalise(theirs.stdout), words


@pytest.mark.parametrize("name", CORPUS[:8])
def test_mon_model_locates_as_crm_resource(name, corpus) -> None:
    cib = corpus / f"{name}.xml"
    if not cib.exists():
        pytest.skip(f"{cib} is not in this corpus")
    env = dict(os.environ, CIB_file=str(cib))
    mon = connect(env=env).mon()
    # crm_resource --locate of an anonymous clone's child names the first instance only; the
    # clone itself names every instance: compare resources outside clones and bundles
    inside = {p.id for c in mon.walk() if getattr(c, "kind", "") in ("clone", "bundle")
              for p in c.primitives()}
    tops = [item.id for item in mon.walk() if item.id not in inside and "/" not in item.id]
    assert tops
    for rsc in tops:
        done = subprocess.run([oracle("crm_resource"), "--locate", "--quiet", "--resource", rsc],
                              capture_output=True, text=True, env=env, timeout=60, check=False)
        if done.returncode != 0:
            continue
        assert sorted(set(mon.locate(rsc) or [])) == sorted(set(done.stdout.split())), rsc
    summary = mon.summary
    node_count = len(mon.nodes)
    assert summary.nodes_configured == node_count


RA_COMMANDS = [["ra", "classes"], ["ra", "list", "ocf", "pacemaker"], ["ra", "list", "lsb"],
               ["ra", "info", "ocf:pacemaker:Dummy"], ["ra", "info", "ocf:heartbeat:IPaddr2"],
               ["ra", "providers", "Dummy"], ["ra", "info", "stonith:fence_dummy"]]


@pytest.mark.parametrize("words", RA_COMMANDS, ids=[" ".join(w) for w in RA_COMMANDS])
def test_ra_level_answers_as_crmsh(words, tool_env) -> None:
    theirs = subprocess.run([oracle("crm"), *words], capture_output=True, text=True,
                            env=tool_env, timeout=120, check=False)
    ours = run_crm(["--backend", "pacemaker", *words], env=tool_env)
    assert ours.returncode == theirs.returncode
    assert ours.stdout == theirs.stdout


def test_ra_unknown_agent_is_a_message(tool_env) -> None:
    ours = run_crm(["--backend", "pacemaker", "ra", "info", "ocf:heartbeat:NoSuchAgent"],
                   env=tool_env)
    assert ours.returncode != 0 and "Traceback" not in ours.stderr
    assert "NoSuchAgent" in ours.stderr
