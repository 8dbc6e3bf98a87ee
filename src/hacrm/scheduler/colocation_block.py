"""When a mandatory colocation's primary cannot start (or be promoted), neither can its
dependents: mark their starts (or promotes) unrunnable, with the reason."""

from __future__ import annotations

from .actions import find_first_action
from .cluster import Cluster
from .model import A_RUNNABLE, INFINITY, Action, Resource, Role, Variant


def _mark_blocked(cl: Cluster, rsc: Resource, task: str, reason: Resource) -> None:
    from .ordering import update_action_for_orderings
    text = f"colocation with {reason.id}"
    for a in reversed(list(rsc.actions)):
        if a.has(A_RUNNABLE) and a.task == task:
            a.clear(A_RUNNABLE)
            a.set_reason(text, False)
            block_colocation_dependents(cl, a)
            update_action_for_orderings(cl, a)
    for c in rsc.children:
        _mark_blocked(cl, c, task, reason)


def block_colocation_dependents(cl: Cluster, action: Action) -> None:
    if action.has(A_RUNNABLE):
        return
    is_start = action.task == "start"
    if not is_start and action.task != "promote":
        return
    rsc = action.rsc.top
    if rsc.parent is not None:
        rsc = rsc.parent
    if not rsc.rsc_cons_lhs:
        return
    for child in rsc.children:
        ca = find_first_action(child.actions, None, action.task, None)
        if ca is None or ca.has(A_RUNNABLE):
            return
    for c in list(rsc.rsc_cons_lhs):
        if c.score < INFINITY:
            continue
        if not is_start and c.primary_role != Role.PROMOTED:
            continue
        if c.dependent_role == Role.PROMOTED:
            _mark_blocked(cl, c.dependent, "promote", action.rsc)
        else:
            _mark_blocked(cl, c.dependent, "start", action.rsc)


_ = Variant
