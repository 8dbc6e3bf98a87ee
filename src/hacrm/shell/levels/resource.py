"""The ``resource`` level: resource management on the running cluster."""

from __future__ import annotations

from hacrm.shell.levels.base import BaseLevel


class ResourceLevel(BaseLevel):
    """Resource management."""

    name = "resource"
