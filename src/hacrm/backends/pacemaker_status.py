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

#: crmsh's ``status`` words -> crm_mon switches (``crm status`` alone is ``--inactive``).
#: crmsh sends ``html`` as ``--as-html``, which crm_mon 2.1 refuses without a file name;
#: the HTML page on standard output is ``--output-as=html``.
OPTIONS = {
    "bynode": "--group-by-node", "inactive": "--inactive", "ops": "--operations",
    "timing": "--timing-details", "failcounts": "--failcounts", "verbose": "--verbose",
    "quiet": "--quiet", "simple": "--simple-status", "tickets": "--tickets",
    "noheaders": "--hide-headers", "detail": "--show-detail", "brief": "--brief",
    "full": "--group-by-node --tickets --inactive --failcounts --timing-details",
    "xml": "--output-as=xml", "html": "--output-as=html",
    "attributes": "--show-node-attributes", "bans": "--neg-locations",
}

#: words of ``crm status`` that concern the shell, not crm_mon (the text is always one-shot)
_SHELL_ONLY = {"plain", "--plain", "-1", "--one-shot", "--output-as=text"}


def crm_mon_args(words: Iterable[str]) -> list[str]:
    """crm_mon's arguments for ``crm status WORDS``: crmsh's words mapped as crmsh maps them,
    crm_mon's own flags (``-b``, ``--show-detail``, ``-ncrft``...) passed as they are, as
    crmsh passes them; anything else is refused."""
    from hacrm.status.options import StatusOptions, StatusUsage

    args = ["--one-shot"]
    words = list(words)
    for word in words:
        if word in _SHELL_ONLY:
            continue
        if word in OPTIONS:
            args += [a for a in OPTIONS[word].split() if a not in args]
            continue
        try:
            StatusOptions.parse([word])
        except StatusUsage as err:
            raise BackendError(str(err)) from None
        if not word.startswith("-"):
            raise BackendError(f"unknown status option {word!r} (one of "
                               f"{', '.join(sorted(OPTIONS))})")
        if word not in args:
            args.append(word)
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
