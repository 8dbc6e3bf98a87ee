"""The interface every CIB backend offers the shell: read the CIB, replace it atomically.

Backends deal in CIB XML text, not in the typed model: the model lives above them (the shell
parses, checks and renders), and every backend (a file, the embedded engine, a real Pacemaker
cluster) stores and ships XML anyway.  A commit names the version it was based on so that a
backend can refuse it when the CIB moved underneath, which is what makes a configure session safe
against a concurrent writer.
"""

from __future__ import annotations

from typing import Any, Protocol

from hacrm.records import record


@record(frozen=True, order=True)
class CibVersion:
    """The (admin_epoch, epoch, num_updates) triple Pacemaker orders CIBs by."""

    admin_epoch: int = 0
    epoch: int = 0
    num_updates: int = 0

    def __str__(self) -> str:
        return f"{self.admin_epoch}.{self.epoch}.{self.num_updates}"

    @classmethod
    def of(cls, root: Any) -> CibVersion:
        """The version a ``<cib>`` element carries (anything with ``get``); a missing or
        unreadable counter counts as 0, as Pacemaker's tools read it."""
        def num(name: str) -> int:
            try:
                return int(root.get(name) or 0)
            except ValueError:
                return 0

        return cls(num("admin_epoch"), num("epoch"), num("num_updates"))


class BackendError(Exception):
    """A backend could not do what was asked; the message is meant for the user."""


class CibConflict(BackendError):
    """The CIB changed since the version a commit was based on; nothing was written."""

    def __init__(self, base: CibVersion, current: CibVersion) -> None:
        super().__init__(
            f"CIB changed in the meantime: the working copy was based on {base}, "
            f"the cluster now has {current}; refresh and retry"
        )
        self.base = base
        self.current = current


class Backend(Protocol):
    """What the shell needs from wherever the CIB lives."""

    #: short name shown by ``crm status`` and in the prompt ("file", "embedded", "pacemaker")
    name: str

    def read(self) -> str:
        """Return the whole current CIB (configuration and status) as XML text."""
        ...

    def replace_configuration(self, cib_xml: str, base: CibVersion) -> CibVersion:
        """Install the ``<configuration>`` of ``cib_xml`` if the CIB is still at ``base``.

        All or nothing: on success the new CIB has ``epoch`` bumped by one (``num_updates``
        reset to 0) as Pacemaker does for a configuration change, and its version is returned;
        otherwise :class:`CibConflict` or :class:`BackendError` is raised and nothing changed.
        """
        ...
