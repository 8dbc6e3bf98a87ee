"""Tests that run code as another user (``nobody`` for ocf-tester's meta-data call, the ACL
tests' restricted users) need the checkout reachable by that user.  A checkout inside a
private directory (``mktemp -d`` makes mode 0700) would fail them with ``Permission denied``
or ``No module named hacrm`` from deep inside the child; this says why, up front."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def closed_parent(path: Path = ROOT) -> Path | None:
    """The first directory from ``/`` down to ``path`` that other users cannot enter."""
    for directory in reversed([path, *path.parents]):
        if not directory.stat().st_mode & stat.S_IXOTH:
            return directory
    return None


def require_reachable_by_others() -> None:
    """Fail with the fix when another user cannot reach the checkout."""
    closed = closed_parent()
    if closed is not None:
        pytest.fail(f"this test runs code as another user, who cannot reach the checkout "
                    f"{ROOT}: {closed} is mode {stat.S_IMODE(closed.stat().st_mode):o} "
                    f"(chmod o+x {closed}, or check out elsewhere)", pytrace=False)
