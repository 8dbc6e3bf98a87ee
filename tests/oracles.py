"""Access to the Debian oracles (crmsh, crm_simulate, crm_verify, cibadmin) for tests.

An oracle is always called by absolute path, never through PATH, so that our own ``crm`` in the
venv can never be mistaken for crmsh.  When an oracle is missing the test is skipped with a clear
reason, unless ``HACRM_REQUIRE_ORACLES=1`` (set by CI), in which case it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ORACLES = {
    "crm": "/usr/sbin/crm",
    "crm_simulate": "/usr/sbin/crm_simulate",
    "crm_verify": "/usr/sbin/crm_verify",
    "cibadmin": "/usr/sbin/cibadmin",
    "crm_resource": "/usr/sbin/crm_resource",
    "crm_attribute": "/usr/sbin/crm_attribute",
    "crm_node": "/usr/sbin/crm_node",
    "crm_mon": "/usr/sbin/crm_mon",
    "corosync": "/usr/sbin/corosync",
    "pacemakerd": "/usr/sbin/pacemakerd",
}

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED = Path(os.environ.get("HACRM_SHARED", SHARED))


def oracles_required() -> bool:
    """True when CI asked for every oracle to be present."""
    return os.environ.get("HACRM_REQUIRE_ORACLES") == "1"


def oracle(name: str) -> str:
    """Absolute path of oracle ``name``; skip (or fail under CI) when it is not installed."""
    path = ORACLES[name]
    if Path(path).exists():
        return path
    message = f"oracle {name} ({path}) is not installed"
    if oracles_required():
        pytest.fail(message + " and HACRM_REQUIRE_ORACLES=1")
    pytest.skip(message)
    raise AssertionError("unreachable")


def shared_dir(name: str) -> Path:
    """A corpus directory under ../shared, read in place; skipped with the reason when absent.

    The corpora are data, not oracles: a machine without them skips these tests even in CI.
    """
    path = SHARED / name
    if path.is_dir():
        return path
    pytest.skip(f"corpus {path} is not present (set HACRM_SHARED to its parent)")
    raise AssertionError("unreachable")
