"""Clone notifications (notify=true) are not implemented yet; such clones are reported as
unsupported rather than scheduled without their notify actions."""

from __future__ import annotations

from .bundle import Unsupported


def clone_notif_pseudo_ops(cl, rsc, task, action, complete):
    raise Unsupported(f"clone {rsc.id}: notifications are not supported yet")


def create_notifications(cl, rsc, data) -> None:
    raise Unsupported(f"clone {rsc.id}: notifications are not supported yet")
