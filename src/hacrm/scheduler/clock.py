"""The scheduler's notion of "now": an input (CIB execution-date, -t, or the caller), never read
from the system clock inside the pure core."""

from __future__ import annotations

from datetime import datetime, timezone


def epoch(cl) -> int:
    """Seconds since the epoch of the run's effective time."""
    now = cl.now
    if now is None:
        now = datetime(1970, 1, 1, tzinfo=timezone.utc)
        cl.now = now
    return int(now.timestamp())
