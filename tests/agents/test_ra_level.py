"""``crm ra`` finds hacrm's own agents where the embedded engine runs them.

The executor searches ``$OCF_ROOT/resource.d`` and then hacrm's own ``resource.d`` (and its
fence directory); the shell's ``ra`` level must list and describe the same agents, or a user
could not read the parameters of ``ocf:hacrm:webserver`` before configuring it.  On a CIB file
the shell shows what Pacemaker's tools (and crmsh) see on this machine, checked against crmsh.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from oracles import oracle

from hacrm import agents as shipped
from hacrm.engine.agentenv import AgentPaths
from hacrm.engine.opresult import AgentRef
from hacrm.ra.discovery import AgentDirectory

CRM = str(Path(sys.executable).with_name("crm"))


@pytest.fixture
def env(tmp_path):
    """No cluster, no CIB file: the default (embedded) backend, private caches."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "HACRM_", "OCF_"))}
    out.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HACRM_ROOT=str(tmp_path / "root"),
               COLUMNS="80", LC_ALL="C.UTF-8")
    return out


def crm(env: dict[str, str], *args: str, binary: str = CRM) -> subprocess.CompletedProcess:
    done = subprocess.run([binary, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _agent_parameters(path: Path) -> list[str]:
    """Parameter names straight from the agent's own meta-data output."""
    xml = subprocess.run([str(path), "meta-data"], capture_output=True, check=True,
                         timeout=60, env={**os.environ, "OCF_ROOT": "/usr/lib/ocf"}).stdout
    return [p.get("name") for p in etree.fromstring(xml).iter("parameter")]


@pytest.mark.parametrize("agent", ["Dummy", "webserver"])
def test_ra_info_describes_our_own_agents(env, agent):
    done = crm(env, "ra", "info", f"ocf:hacrm:{agent}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0].endswith(f"(ocf:hacrm:{agent})"), done.stdout
    params = _agent_parameters(shipped.resource_dir() / "hacrm" / agent)
    assert params
    for name in params:
        assert any(line.startswith((f"{name} ", f"{name}* ")) for line in
                   done.stdout.splitlines()), (name, done.stdout)


def test_ra_lists_our_agents_and_provider(env):
    listed = crm(env, "ra", "list", "ocf", "hacrm")
    assert listed.returncode == 0, listed.stderr
    ours = sorted(p.name for p in (shipped.resource_dir() / "hacrm").iterdir()
                  if os.access(p, os.X_OK) and not p.name.startswith("."))
    assert sorted(listed.stdout.split()) == ours == ["Dummy", "webserver"]
    providers = crm(env, "ra", "providers", "Dummy")
    assert "hacrm" in providers.stdout.split(), providers.stdout
    assert "fence_hacrm" in crm(env, "ra", "list", "stonith").stdout.split()
    info = crm(env, "ra", "info", "stonith:fence_hacrm")
    assert info.returncode == 0 and "sandbox*" in info.stdout, info.stdout + info.stderr


def test_discovery_searches_what_the_executor_resolves(tmp_path):
    """Same directories, same order: an agent the executor would run is the file ``ra``
    shows, including when $OCF_ROOT has an agent of the same name and provider."""
    root = tmp_path / "ocf"
    (root / "resource.d" / "hacrm").mkdir(parents=True)
    shadowing = root / "resource.d" / "hacrm" / "Dummy"
    shadowing.write_text("#!/bin/sh\nexit 0\n")
    shadowing.chmod(0o755)
    directory = AgentDirectory(ocf_root=root)
    paths = AgentPaths(ocf_root=str(root), ocf_dirs=(root / "resource.d",
                                                     shipped.resource_dir()),
                       fence_dirs=AgentPaths.default().fence_dirs)
    for agent in ("Dummy", "webserver"):
        spec = directory.parse(f"ocf:hacrm:{agent}")
        assert directory.path(spec) == paths.resolve(AgentRef("ocf", agent, "hacrm"))
    assert directory.path(directory.parse("ocf:hacrm:Dummy")) == shadowing
    assert directory.types("ocf", "hacrm") == ["Dummy", "webserver"]
    fence = directory.parse("stonith:fence_hacrm")
    assert directory.path(fence) == paths.resolve(AgentRef("stonith", "fence_hacrm"))
    system = AgentDirectory.system(root)
    assert system.path(system.parse("ocf:hacrm:webserver")) is None
    assert system.types("ocf", "hacrm") == ["Dummy"]


@pytest.mark.oracle
def test_on_a_cib_file_the_listing_is_crmshs(env, tmp_path):
    cibadmin = oracle("cibadmin")
    crmsh = oracle("crm")
    cib = tmp_path / "cib.xml"
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True,
                                  check=True).stdout)
    file_env = {**env, "CIB_file": str(cib)}
    for args in (("ra", "providers", "Dummy"), ("ra", "list", "ocf", "hacrm")):
        ours = crm(file_env, *args)
        theirs = crm(file_env, *args, binary=crmsh)
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), args
    assert "hacrm" not in crm(file_env, "ra", "providers", "Dummy").stdout
