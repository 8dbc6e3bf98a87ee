"""``crm status`` options: crmsh's words and crm_mon's own flags, to one set of switches.

crmsh maps its words to crm_mon flags (``bynode`` -> ``-n``, ``brief`` -> ``-b``, ``full`` ->
``-ncrft``...), passes any other word to crm_mon unchanged, and runs ``crm_mon -1 -r`` when no
word is given.  So every crmsh word is accepted here, and so are crm_mon's own spellings: the
short flags (alone or bundled, ``-ncrft``) and the long forms (``--group-by-node``,
``--brief``, ``--show-detail``, ``--output-as=html``...), plus ``--watch`` and ``--interval``
for the live view.  ``verbose`` (``-V``) only raises crm_mon's log level: it is accepted and
changes nothing in the display.
"""

from __future__ import annotations

from dataclasses import dataclass

#: crmsh's words and crm_mon's long options -> the switch they set
_WORDS = {
    "bynode": "by_node", "--group-by-node": "by_node",
    "inactive": "inactive", "--inactive": "inactive",
    "ops": "operations", "--operations": "operations",
    "timing": "timing", "--timing-details": "timing", "--timing": "timing",
    "failcounts": "failcounts", "--failcounts": "failcounts",
    "tickets": "tickets", "--tickets": "tickets",
    "attributes": "attributes", "--show-node-attributes": "attributes",
    "bans": "bans", "--neg-locations": "bans",
    "noheaders": "no_headers", "--hide-headers": "no_headers",
    "brief": "brief", "--brief": "brief",
    "detail": "detail", "--show-detail": "detail",
    "quiet": "quiet", "--quiet": "quiet",
    "verbose": "verbose", "--verbose": "verbose",
    "xml": "xml", "--as-xml": "xml", "--output-as=xml": "xml",
    "html": "html", "--as-html": "html", "--output-as=html": "html",
    "watch": "watch", "--watch": "watch",
    "plain": "plain", "--plain": "plain", "--output-as=text": "plain",
    "simple": "simple", "--simple-status": "simple",
}

#: crm_mon's one-letter flags (``-X`` is its deprecated ``--as-xml``)
_SHORT = {
    "n": "by_node", "r": "inactive", "o": "operations", "t": "timing", "f": "failcounts",
    "c": "tickets", "A": "attributes", "L": "bans", "D": "no_headers", "b": "brief",
    "R": "detail", "Q": "quiet", "V": "verbose", "X": "xml", "w": "watch", "s": "simple",
}

#: ``full``: crmsh runs ``crm_mon -ncrft``
_FULL = ("by_node", "tickets", "inactive", "failcounts", "timing")

WORDS = ("bynode", "inactive", "ops", "timing", "failcounts", "verbose", "quiet", "html",
         "xml", "simple", "tickets", "noheaders", "detail", "brief", "full")


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
    #: resources counted by agent ("2/3 (ocf:heartbeat:IPaddr2): Active node1")
    brief: bool = False
    #: node ids, feature sets, every clone instance, implicit resources, raw failures
    detail: bool = False
    #: no "Last updated" / "Last change" lines
    quiet: bool = False
    #: crm_mon -V raises its log level; the display is the same
    verbose: bool = False
    xml: bool = False
    html: bool = False
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
            if word == "full":
                for key in _FULL:
                    setattr(opts, key, True)
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
            if word in ("-1", "--one-shot"):
                continue  # what crm status always does
            for key in _keys(word):
                setattr(opts, key, True)
        if opts.timing:
            opts.operations = True  # crm_mon -t shows the history, with timing
        if opts.xml and opts.html:
            raise StatusUsage("xml and html are two output formats: choose one")
        return opts


def _keys(word: str) -> list[str]:
    """The switches one word sets: a crmsh word, a long option, or bundled short flags."""
    key = _WORDS.get(word)
    if key is not None:
        return [key]
    letters = word[1:] if word.startswith("-") and not word.startswith("--") else ""
    if letters and all(letter in _SHORT for letter in letters):
        return [_SHORT[letter] for letter in letters]
    raise StatusUsage(f"unknown option {word!r} (one of: {', '.join(WORDS)}; or crm_mon's "
                      "flags such as -n -r -o -t -f -c -b -R -Q -D, --watch, --interval=SECONDS)")
