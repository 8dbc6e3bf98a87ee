"""The in-process shell fixtures of the shell tests, for the resource and node levels."""

from __future__ import annotations

from shell.conftest import Harness, Scratch, scratch, shell  # noqa: F401
