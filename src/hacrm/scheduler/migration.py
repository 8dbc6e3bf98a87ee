"""Live migration (allow-migrate): a move done as migrate_to on the source then migrate_from on
the target, with the start becoming a pseudo-action; and the orderings that let other resources'
orderings apply to the migration steps as they would to the stop and start."""

from __future__ import annotations

from .actions import custom_action, start_action, stop_action
from .model import (A_DANGLE, A_MIGRATE_RUNNABLE, A_PSEUDO, Node, O_APPLY_FIRST_NON_MIGRATABLE,
                    O_IMPLIES_FIRST_MIGRATABLE, O_OPTIONAL, O_PSEUDO_LEFT, R_ALLOW_MIGRATE,
                    R_FAILED, R_MANAGED, R_START_PENDING, Resource)


def can_migrate(cl, rsc: Resource, current: Node | None) -> bool:
    """pcmk__rsc_can_migrate."""
    if not rsc.has(R_ALLOW_MIGRATE) or not rsc.has(R_MANAGED) or rsc.has(R_FAILED) \
            or rsc.has(R_START_PENDING):
        return False
    if current is None or current.unclean:
        return False
    if rsc.allocated_to is None or rsc.allocated_to.node.unclean:
        return False
    return True


def create_migration_actions(cl, rsc: Resource, current: Node) -> None:
    from .constraints import new_ordering
    target = rsc.allocated_to.node
    start = start_action(cl, rsc, target, True)
    stop = stop_action(cl, rsc, current, True)
    migrate_to = None
    if rsc.partial_migration_target is None:
        migrate_to = custom_action(cl, rsc, f"{rsc.id}_migrate_to_0", "migrate_to", current,
                                   True, True)
    migrate_from = custom_action(cl, rsc, f"{rsc.id}_migrate_from_0", "migrate_from", target,
                                 True, True)
    if migrate_to is not None or rsc.partial_migration_target is not None:
        start.set(A_MIGRATE_RUNNABLE)
        stop.set(A_MIGRATE_RUNNABLE)
        start.set(A_PSEUDO)
        if rsc.partial_migration_target is None:
            migrate_from.set(A_MIGRATE_RUNNABLE)
            migrate_to.set(A_MIGRATE_RUNNABLE)
            migrate_to.needs = start.needs
            new_ordering(cl, rsc, f"{rsc.id}_monitor_0", None, rsc, f"{rsc.id}_migrate_to_0",
                         None, O_OPTIONAL)
            new_ordering(cl, rsc, f"{rsc.id}_migrate_to_0", None, rsc,
                         f"{rsc.id}_migrate_from_0", None,
                         O_OPTIONAL | O_IMPLIES_FIRST_MIGRATABLE)
        else:
            migrate_from.set(A_MIGRATE_RUNNABLE)
            migrate_from.needs = start.needs
            new_ordering(cl, rsc, f"{rsc.id}_monitor_0", None, rsc, f"{rsc.id}_migrate_from_0",
                         None, O_OPTIONAL)
        new_ordering(cl, rsc, f"{rsc.id}_migrate_from_0", None, rsc, f"{rsc.id}_stop_0", None,
                     O_OPTIONAL | O_IMPLIES_FIRST_MIGRATABLE)
        new_ordering(cl, rsc, f"{rsc.id}_migrate_from_0", None, rsc, f"{rsc.id}_start_0", None,
                     O_OPTIONAL | O_IMPLIES_FIRST_MIGRATABLE | O_PSEUDO_LEFT)
    for a in (migrate_to, migrate_from):
        if a is not None:
            a.meta.setdefault("migrate_source", current.uname)
            a.meta.setdefault("migrate_target", target.uname)


def abort_dangling_migration(cl, rsc: Resource, node: Node) -> None:
    """A migration whose source still has history: stop the resource there."""
    from .primitive import schedule_cleanup
    stop = stop_action(cl, rsc, node, False)
    stop.set(A_DANGLE)
    if cl.remove_after_stop:
        schedule_cleanup(cl, rsc, node, False)


def _task_of(action, key: str | None) -> str | None:
    from .actions import parse_op_key
    if action is not None:
        return action.task
    if key is not None:
        parsed = parse_op_key(key)
        return parsed[1] if parsed else None
    return None


def order_migration_equivalents(cl, order) -> None:
    """pcmk__order_migration_equivalents, for each new ordering between two resources."""
    from .constraints import new_ordering
    first, then = order.first_rsc, order.then_rsc
    if first is None or then is None or first is then or first.is_ancestor(then) \
            or then.is_ancestor(first):
        return
    first_m = first.has(R_ALLOW_MIGRATE)
    then_m = then.has(R_ALLOW_MIGRATE)
    if not first_m and not then_m:
        return
    ft = _task_of(order.first_action, order.first_task)
    tt = _task_of(order.then_action, order.then_task)
    if ft == "start" and tt == "start":
        flags = O_OPTIONAL
        if first_m and then_m:
            new_ordering(cl, first, f"{first.id}_migrate_from_0", None, then,
                         f"{then.id}_migrate_to_0", None, flags)
        if then_m:
            if first_m:
                flags |= O_APPLY_FIRST_NON_MIGRATABLE
            new_ordering(cl, first, f"{first.id}_start_0", None, then,
                         f"{then.id}_migrate_to_0", None, flags)
    elif then_m and ft == "stop" and tt == "stop":
        flags = O_OPTIONAL
        if first_m:
            flags |= O_APPLY_FIRST_NON_MIGRATABLE
        new_ordering(cl, first, f"{first.id}_stop_0", None, then, f"{then.id}_migrate_to_0",
                     None, flags)
        if then.partial_migration_target is not None:
            new_ordering(cl, first, f"{first.id}_stop_0", None, then,
                         f"{then.id}_migrate_from_0", None, flags)
    elif ft == "promote" and tt == "start":
        if then_m:
            new_ordering(cl, first, f"{first.id}_promote_0", None, then,
                         f"{then.id}_migrate_to_0", None, O_OPTIONAL)
    elif ft == "demote" and tt == "stop":
        if then_m:
            new_ordering(cl, first, f"{first.id}_demote_0", None, then,
                         f"{then.id}_migrate_to_0", None, O_OPTIONAL)
            if then.partial_migration_target is not None:
                new_ordering(cl, first, f"{first.id}_demote_0", None, then,
                             f"{then.id}_migrate_from_0", None, O_OPTIONAL)
