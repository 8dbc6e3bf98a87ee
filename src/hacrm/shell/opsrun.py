"""How the ``resource`` and ``node`` levels run an operation: read the CIB once, let a pure
function of :mod:`hacrm.operations` change it, write it back, then print what it said.

Nothing is printed before the change is in, so a refused command leaves no half-story behind;
an :class:`~hacrm.operations.xmltree.OperationError` becomes the command's error and nothing is
written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from hacrm.operations.xmltree import OperationError
from hacrm.shell.commands import CommandError

if TYPE_CHECKING:
    from hacrm.operations.changes import Change
    from hacrm.shell.session import Session

T = TypeVar("T")


def engine_caller(backend: Any) -> Callable[[str, dict[str, Any]], dict[str, Any]] | None:
    """``call(op, args)`` for the cluster's own state: a backend's ``engine_call`` (the
    Pacemaker backend runs the matching tool), else the embedded engine's local API, else
    None (a CIB file holds its status itself)."""
    own = getattr(backend, "engine_call", None)
    if own is not None:
        return own
    raw = getattr(backend, "call", None) or getattr(backend, "_call", None)
    if getattr(backend, "name", "") != "embedded" or raw is None:
        return None

    def call(op: str, args: dict[str, Any]) -> dict[str, Any]:
        from hacrm.backends.base import BackendError
        from hacrm.engine.localapi import ApiError

        try:
            return raw(op, args)
        except ApiError as err:
            raise BackendError(str(err)) from None

    return call


def show_output(session: Session, change: Change) -> None:
    for kind, text in change.output:
        if kind == "out":
            session.messages.line(text)
        else:
            session.messages.say(kind, text)


def run(session: Session, edit: Callable[[Change], T], *, write: bool = True) -> T:
    """Load, edit, apply, report.  ``edit`` returns the command's result."""
    from hacrm.operations.target import apply, load

    backend = session.backend()
    loaded = load(backend)
    try:
        result = edit(loaded.change)
    except OperationError as err:
        raise CommandError(str(err)) from None
    if write and loaded.change.changed:
        apply(loaded, engine_caller(backend))
    show_output(session, loaded.change)
    return result


def read(session: Session, view: Callable[[Change], T]) -> T:
    """A command that only looks (``show``, ``locate``...)."""
    return run(session, view, write=False)
