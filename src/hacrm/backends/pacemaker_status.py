"""``crm status`` on a Pacemaker cluster: what crm_mon says, with the backend named.

On Pacemaker, crm_mon *is* the cluster's status display: it reads the live CIB and the
daemons' state through Pacemaker's own scheduler code, and scripts grep its text.  So the plain
text of ``crm status`` is ``crm_mon --one-shot`` with crmsh's option words mapped to crm_mon's
switches (crmsh does the same), and one line added to the summary that says which backend the
shell is using.  The structured status (:class:`~hacrm.backends.pacemaker_mon.MonStatus`, from
``--output-as=xml``) is what everything else reads: where resources run, node states, waits.
"""

from __future__ import annotations

from collections.abc import Iterable

from hacrm.backends.base import BackendError

#: crmsh's ``status`` words -> crm_mon switches (``crm status`` alone is ``--inactive``)
OPTIONS = {
    "bynode": "--group-by-node", "inactive": "--inactive", "ops": "--operations",
    "timing": "--timing-details", "failcounts": "--failcounts", "verbose": "--verbose",
    "quiet": "--quiet", "simple": "--simple-status", "tickets": "--tickets",
    "noheaders": "--hide-headers", "detail": "--show-detail", "brief": "--brief",
    "full": "--group-by-node --tickets --inactive --failcounts --timing-details",
    "xml": "--output-as=xml",
}


def crm_mon_args(words: Iterable[str]) -> list[str]:
    """crm_mon's arguments for ``crm status WORDS``; unknown words are refused."""
    args = ["--one-shot"]
    words = list(words)
    for word in words:
        if word not in OPTIONS:
            raise BackendError(f"unknown status option {word!r} (one of "
                               f"{', '.join(sorted(OPTIONS))})")
        args += [a for a in OPTIONS[word].split() if a not in args]
    if not words:
        args.append("--inactive")
    return args


def with_backend_line(text: str, backend: str) -> str:
    """crm_mon's text with ``  * Backend: NAME`` after the summary's Stack line (nothing is
    added when the summary is not shown)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("  * Stack: "):
            lines.insert(i + 1, f"  * Backend: {backend}")
            break
    return "\n".join(lines)
