"""Pacemaker's time intervals ("10", "10s", "1min", "2h", "500ms", "PT5M") in milliseconds.

Operation intervals are compared by value, not by spelling: ``monitor interval=60s`` and
``interval=1min`` are the same operation to Pacemaker, so the editor and the scheduler compare
them through :func:`to_msec`.
"""

from __future__ import annotations

import re

_UNITS = {
    "": 1000, "s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
    "ms": 1, "msec": 1, "msecs": 1, "us": 0.001, "usec": 0.001, "usecs": 0.001,
    "m": 60_000, "min": 60_000, "mins": 60_000, "minute": 60_000, "minutes": 60_000,
    "h": 3_600_000, "hr": 3_600_000, "hrs": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
}
_SIMPLE = re.compile(r"^\s*([0-9]+)\s*([a-z]*)\s*$", re.I)
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.I)


def to_msec(text: str | None) -> int:
    """Milliseconds of an interval spec, or -1 when it is not one (as crm_get_msec)."""
    if text is None:
        return -1
    match = _SIMPLE.match(text)
    if match:
        unit = _UNITS.get(match.group(2).lower())
        if unit is None:
            return -1
        return int(int(match.group(1)) * unit)
    iso = _ISO.match(text.strip())
    if iso and any(iso.groups()):
        days, hours, minutes, seconds = iso.groups()
        total = (int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60
                 + float(seconds or 0))
        return int(total * 1000)
    return -1
