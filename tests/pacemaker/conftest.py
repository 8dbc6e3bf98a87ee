"""Fixtures for the pacemaker backend: a file CIB driven through Pacemaker's tools, and one
real 2-node corosync + Pacemaker cluster in network namespaces (one per test that asks).

The cluster is skipped with the reason when this machine cannot run it (no root, no network
namespaces, corosync/pacemaker not installed), and fails instead under CI
(``HACRM_REQUIRE_ORACLES=1``), where ``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from oracles import oracle, oracles_required

from pacemaker.realcluster import PacemakerCluster, unavailable

CRM = str(Path(sys.executable).with_name("crm"))


def run_crm(args: list[str], *, env: dict[str, str], input: str | None = None,
            prefix: list[str] | None = None, timeout: float = 180.0,
            ) -> subprocess.CompletedProcess:
    """Our own ``crm`` (from the venv), optionally inside a cluster node's namespaces."""
    return subprocess.run((prefix or []) + [CRM, *args], input=input, capture_output=True,
                          text=True, env=env, timeout=timeout, check=False)


@pytest.fixture
def tool_env(tmp_path):
    """An environment for a file CIB made by ``cibadmin --empty`` and private shadows."""
    cibadmin = oracle("cibadmin")
    cib = tmp_path / "cib.xml"
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True,
                                  check=True).stdout)
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_"))}
    env.update(CIB_file=str(cib), CIB_shadow_dir=str(shadows), HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               COLUMNS="80", LC_ALL="C.UTF-8")
    return env


@pytest.fixture
def pcmk_cluster(tmp_path_factory):
    reason = unavailable()
    if reason:
        if oracles_required():
            pytest.fail(f"a real Pacemaker cluster cannot run here: {reason}")
        pytest.skip(f"a real Pacemaker cluster cannot run here: {reason}")
    cluster = PacemakerCluster(tmp_path_factory.mktemp("pcmk"), 2)
    try:
        cluster.start()
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop()


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here and "pcmk_cluster" in getattr(
                item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)
            item.add_marker(pytest.mark.slow)
