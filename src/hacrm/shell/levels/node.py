"""The ``node`` level: node management on the running cluster."""

from __future__ import annotations

from hacrm.shell.levels.base import BaseLevel


class NodeLevel(BaseLevel):
    """Node management."""

    name = "node"
