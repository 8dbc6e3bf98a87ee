"""Time spans as Pacemaker writes them: "10s", "500ms", "1m", bare seconds, or ISO 8601 "PT10S"."""

from __future__ import annotations

import functools
import re

_UNITS = {
    "ms": 1, "msec": 1, "us": 0.001, "usec": 0.001, "s": 1000, "sec": 1000, "": 1000,
    "m": 60_000, "min": 60_000, "h": 3_600_000, "hr": 3_600_000,
}
_SPAN = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")
_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                  r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


@functools.lru_cache(maxsize=4096)
def get_msec(text: str | None) -> int:
    """crm_get_msec: milliseconds, or -1 when the text is not a time span."""
    if text is None:
        return -1
    m = _SPAN.match(text)
    if not m:
        return -1
    unit = m.group(2).lower()
    if unit not in _UNITS:
        return -1
    return int(int(m.group(1)) * _UNITS[unit])


@functools.lru_cache(maxsize=4096)
def parse_interval_ms(text: str | None) -> int:
    """crm_parse_interval_spec: 0 for a missing or unreadable interval."""
    if text is None:
        return 0
    t = text.strip()
    if t.startswith("P"):
        total = 0
        in_time = False
        for num, unit in re.findall(r"(\d*)([A-Za-z])", t[1:]):
            unit = unit.upper()
            if unit == "T":
                in_time = True
                continue
            if not num:
                return 0
            n = int(num)
            if unit == "Y":
                total += n * 365 * 86400
            elif unit == "M" and not in_time:
                total += n * 30 * 86400
            elif unit == "W":
                total += n * 7 * 86400
            elif unit == "D":
                total += n * 86400
            elif unit == "H":
                total += n * 3600
            elif unit == "M":
                total += n * 60
            elif unit == "S":
                total += n
            else:
                return 0
        return total * 1000
    ms = get_msec(t)
    return max(ms, 0)
