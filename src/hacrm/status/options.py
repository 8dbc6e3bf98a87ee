"""``crm status`` options: crmsh's words and crm_mon's own flags, to one set of switches.

crmsh maps its words to crm_mon flags (``bynode`` -> ``-n``, ``inactive`` -> ``-r``...) and runs
``crm_mon -1 -r`` when no word is given; both spellings are accepted here, plus the long forms
(``--group-by-node``, ``--inactive``, ``--failcounts``, ``--operations``, ``--timing``,
``--tickets``, ``--show-node-attributes``, ``--watch``, ``--interval``).
"""

from __future__ import annotations

from dataclasses import dataclass

_WORDS = {
    "bynode": "by_node", "-n": "by_node", "--group-by-node": "by_node",
    "inactive": "inactive", "-r": "inactive", "--inactive": "inactive",
    "ops": "operations", "-o": "operations", "--operations": "operations",
    "timing": "timing", "-t": "timing", "--timing-details": "timing", "--timing": "timing",
    "failcounts": "failcounts", "-f": "failcounts", "--failcounts": "failcounts",
    "tickets": "tickets", "-c": "tickets", "--tickets": "tickets",
    "attributes": "attributes", "-A": "attributes", "--show-node-attributes": "attributes",
    "bans": "bans", "-L": "bans", "--neg-locations": "bans",
    "noheaders": "no_headers", "-D": "no_headers", "--hide-headers": "no_headers",
    "xml": "xml", "--as-xml": "xml", "--output-as=xml": "xml",
    "watch": "watch", "-w": "watch", "--watch": "watch",
    "plain": "plain", "--plain": "plain",
    "simple": "simple", "-s": "simple", "--simple-status": "simple",
}


class StatusUsage(ValueError):
    """An option ``crm status`` does not know; the message says which."""


@dataclass
class StatusOptions:
    by_node: bool = False
    inactive: bool = False
    operations: bool = False
    timing: bool = False
    failcounts: bool = False
    tickets: bool = False
    attributes: bool = False
    bans: bool = False
    no_headers: bool = False
    xml: bool = False
    watch: bool = False
    plain: bool = False
    simple: bool = False
    interval: float = 2.0

    @classmethod
    def parse(cls, words: list[str] | tuple[str, ...]) -> StatusOptions:
        opts = cls()
        if not words:
            opts.inactive = True  # crmsh: "crm_mon -1 -r" when nothing is asked
        items = list(words)
        while items:
            word = items.pop(0)
            if word in ("full",):
                opts.by_node = opts.inactive = opts.failcounts = opts.timing = True
                opts.tickets = True
                continue
            if word.startswith("--interval") or word == "-i":
                value = word.partition("=")[2] if "=" in word else (items.pop(0) if items
                                                                     else "")
                try:
                    opts.interval = max(0.2, float(value.rstrip("s")))
                except ValueError:
                    raise StatusUsage(f"--interval needs a number of seconds, not {value!r}") \
                        from None
                continue
            key = _WORDS.get(word)
            if key is None:
                raise StatusUsage(f"unknown option {word!r} (try: bynode, inactive, ops, "
                                  "timing, failcounts, tickets, xml, --watch)")
            setattr(opts, key, True)
        if opts.timing:
            opts.operations = True  # crm_mon -t shows the history, with timing
        return opts
