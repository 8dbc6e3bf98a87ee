"""The scheduler run behind the shell's what-if commands: ``configure ptest`` and
``cibstatus run``/``simulate``.

They take the same words (``nograph``, ``v...``, ``scores``, ``utilization``), schedule "now"
unless the CIB carries its own execution date, turn the scheduler's refusals (an unreadable
CIB, a bundle) into command errors, and page crm_simulate's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hacrm.shell.commands import CommandError

if TYPE_CHECKING:
    from hacrm.shell.session import Session

WORDS = ("nograph", "scores", "utilization")


def schedule_and_page(session: Session, cib_xml: str, args: Sequence[str], *, execute: bool,
                      usage: str, extra: tuple[str, ...] = ()) -> bool:
    """Schedule ``cib_xml`` (and with ``execute`` carry the transition out) and page what
    crm_simulate would print; ``usage`` names the command when a word is not understood."""
    from hacrm.scheduler.bundle import Unsupported
    from hacrm.scheduler.scheduler import SimulateOptions, simulate
    from hacrm.scheduler.unpack import CibError

    for word in args:
        if word not in WORDS + extra and not set(word) <= {"v"}:
            raise CommandError(f"unknown option {word!r} ({usage})")
    options = SimulateOptions(run=True, simulate=execute, show_scores="scores" in args)
    if "execution-date" not in cib_xml[:2000]:
        options.now = datetime.now(UTC)  # as crm_simulate: the cluster's time is now
    try:
        result = simulate(cib_xml, options)
    except (CibError, Unsupported) as err:  # they say what is wrong with the CIB
        raise CommandError(str(err)) from None
    session.page(result.format().rstrip("\n"))
    return True
