"""The web-service scenario the real Pacemaker cluster runs (``test_real_cluster``), run through
the same ``crm`` commands against our embedded engine (a 2-node sandbox): the same placements.

Placements are read with the same instrument on both sides, Pacemaker's ``crm_mon
--output-as=xml`` (here on the CIB the embedded engine holds, which crm_mon reads as it reads
Pacemaker's), and must equal the scenario's expectations that the Pacemaker run is held to.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from cluster.conftest import TIMEOUT, Clusters
from lxml import etree
from oracles import oracle

from hacrm.backends.embedded import connect
from pacemaker import scenario
from pacemaker.conftest import run_crm
from pacemaker.realcluster import placement_of

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.oracle]


@pytest.fixture
def clusters(tmp_path):
    harness = Clusters(tmp_path)
    try:
        yield harness
    finally:
        harness.cleanup()


def crm_mon_placement(sandbox_dir: Path, node: str, scratch: Path) -> dict:
    cib = scratch / "embedded-cib.xml"
    cib.write_text(connect(node, str(sandbox_dir)).read())
    done = subprocess.run([oracle("crm_mon"), "--one-shot", "--output-as=xml", "--inactive"],
                          capture_output=True, check=False, timeout=60,
                          env=dict(os.environ, CIB_file=str(cib)))
    assert done.returncode == 0, done.stderr.decode()
    return placement_of(etree.fromstring(done.stdout))


def wait_placement(sandbox_dir: Path, expected: dict, scratch: Path,
                   timeout: float = TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    seen: dict = {}
    while time.monotonic() < deadline:
        seen = crm_mon_placement(sandbox_dir, "node1", scratch)
        if scenario.only(seen) == expected:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"embedded: placement {expected} not reached: {seen}")


def test_same_placements_as_pacemaker(clusters, tmp_path) -> None:
    sb = clusters.start(2)
    sb.wait_converged(timeout=TIMEOUT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_"))}
    env.update(HACRM_SANDBOX=str(sb.dir), HACRM_NODE="node1", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"))

    def crm(*args: str, input: str | None = None) -> None:
        done = run_crm(list(args), env=env, input=input)
        assert done.returncode == 0 and "Traceback" not in done.stderr, \
            f"crm {' '.join(args)}: {done.stdout}{done.stderr}"

    crm("-w", "configure", input=scenario.CONFIGURE)
    seen = [wait_placement(sb.dir, scenario.INITIAL, tmp_path)]
    for words, expected in scenario.STEPS:
        crm("-w", *words)
        placed = wait_placement(sb.dir, expected, tmp_path, timeout=30)
        assert scenario.only(placed) == expected, words
        seen.append(placed)
    (tmp_path / "placements.json").write_text(json.dumps(seen))

    # migration, both ways: configure save on one engine, load replace on the other
    saved = tmp_path / "embedded.crm"
    crm("configure", "save", str(saved))
    pcmk_cib = tmp_path / "pacemaker-cib.xml"
    pcmk_cib.write_text(subprocess.run([oracle("cibadmin"), "--empty"], capture_output=True,
                                       text=True, check=True).stdout)
    pcmk_env = dict(env, CIB_file=str(pcmk_cib))
    loaded = run_crm(["--backend", "pacemaker", "configure", "load", "replace", str(saved)],
                     env=pcmk_env)
    assert loaded.returncode == 0, loaded.stderr
    verify = subprocess.run([oracle("crm_verify"), "-x", str(pcmk_cib)], capture_output=True,
                            text=True, check=False, timeout=60)
    assert verify.returncode == 0, verify.stderr
    shown_pcmk = run_crm(["--backend", "pacemaker", "configure", "show"], env=pcmk_env).stdout
    assert shown_pcmk == run_crm(["configure", "show"], env=env).stdout
    run_crm(["--backend", "pacemaker", "resource", "meta", "webip", "set", "descr", "back"],
            env=pcmk_env)
    back = tmp_path / "pacemaker.crm"
    run_crm(["--backend", "pacemaker", "configure", "save", str(back)], env=pcmk_env)
    crm("-w", "configure", "load", "replace", str(back))
    shown_embedded = run_crm(["configure", "show"], env=env).stdout
    assert "descr=back" in shown_embedded
    assert shown_embedded == run_crm(["--backend", "pacemaker", "configure", "show"],
                                     env=pcmk_env).stdout
    assert scenario.only(wait_placement(sb.dir, scenario.INITIAL, tmp_path)) == \
        scenario.INITIAL

