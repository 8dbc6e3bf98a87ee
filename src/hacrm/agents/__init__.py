"""hacrm's own agents, shipped inside the package so the embedded engine needs nothing else.

Layout (the executor adds these directories to its search paths):

- ``resource.d/hacrm/``: OCF agents, ``ocf:hacrm:Dummy`` and ``ocf:hacrm:webserver``;
- ``fence/``: fence agents for the ``stonith`` class, ``fence_hacrm`` (sandbox power switch);
- ``bin/``: small stand-ins for Pacemaker's ``crm_attribute``, ``crm_master``,
  ``attrd_updater`` and ``crm_node``, put first on agents' ``PATH`` so agents written for
  Pacemaker can set node attributes (promotion scores) under hacrm.

Every file there is an executable Python script using only the standard library, started
through ``#!/usr/bin/env python3``, so it also runs outside hacrm (``ocf-tester``, Pacemaker).
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resource_dir() -> Path:
    """The ``resource.d`` directory holding the ``hacrm`` OCF provider."""
    return _HERE / "resource.d"


def fence_dir() -> Path:
    """The directory holding hacrm's fence agents."""
    return _HERE / "fence"


def shim_dir() -> Path:
    """The directory of the Pacemaker command stand-ins given to agents on ``PATH``."""
    return _HERE / "bin"
