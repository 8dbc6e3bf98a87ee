"""Per-variant behaviour behind one interface (Pacemaker's method table).

``Variant`` is the Protocol every kind of resource implements; ``behaviour(rsc)`` returns the
implementation for a resource (primitive, group or clone), and the module-level helpers dispatch
to it so that the stages never switch on the variant themselves.
"""

from __future__ import annotations

from typing import Protocol

from .actions import find_first_action, new_pseudo_action, order_actions
from .cluster import Cluster
from .constraints import new_colocation, order_rsc_actions
from .model import (A_OPTIONAL, A_PSEUDO, A_RUNNABLE, Action, Node, O_IMPLIES_FIRST_PRINTED,
                    O_IMPLIES_THEN, O_IMPLIES_THEN_PRINTED, O_NONE, O_OPTIONAL, O_RESTART,
                    O_RUNNABLE_LEFT, R_CRITICAL, R_PROMOTABLE, Resource, Variant)


class VariantBehaviour(Protocol):
    """What each resource variant supplies to the pipeline stages."""

    def create_actions(self, cl: Cluster, rsc: Resource) -> None: ...

    def internal_constraints(self, cl: Cluster, rsc: Resource) -> None: ...

    def action_flags(self, cl: Cluster, action: Action, node: Node | None) -> int: ...

    def update_ordered_actions(self, cl: Cluster, first: Action, then: Action, node: Node | None,
                               flags: int, filter_: int, type_: int) -> int: ...

    def add_to_graph(self, cl: Cluster, rsc: Resource, add) -> None: ...


_COMPLEX = {"stopped": "stop", "running": "start", "demoted": "demote", "promoted": "promote"}


def complex_task(rsc: Resource, task: str, allow_non_atomic: bool = True) -> str:
    """get_complex_task: a collective's "stopped" means a member's "stop", and so on."""
    if not allow_non_atomic or rsc.variant == Variant.PRIMITIVE:
        return _COMPLEX.get(task, task)
    return task


class Primitive:
    def create_actions(self, cl: Cluster, rsc: Resource) -> None:
        from .primitive import create_actions
        create_actions(cl, rsc)

    def internal_constraints(self, cl: Cluster, rsc: Resource) -> None:
        from .primitive import internal_constraints
        internal_constraints(cl, rsc)

    def action_flags(self, cl: Cluster, action: Action, node: Node | None) -> int:
        return action.flags

    def update_ordered_actions(self, cl, first, then, node, flags, filter_, type_) -> int:
        from .ordering import update_ordered_actions
        return update_ordered_actions(cl, first, then, node, flags, filter_, type_)

    def add_to_graph(self, cl: Cluster, rsc: Resource, add) -> None:
        for a in reversed(rsc.actions):
            add(a)


class Group:
    def create_actions(self, cl: Cluster, rsc: Resource) -> None:
        for m in rsc.children:
            behaviour(m).create_actions(cl, m)
        for task in ("start", "running", "stop", "stopped"):
            a = new_pseudo_action(cl, rsc, task, True, True)
        if (rsc.meta.get("promotable") or "").lower() in ("true", "yes", "1", "on"):
            for task in ("demote", "demoted", "promote", "promoted"):
                a = new_pseudo_action(cl, rsc, task, True, True)
        del a

    def internal_constraints(self, cl: Cluster, rsc: Resource) -> None:
        order_rsc_actions(cl, rsc, "stop", rsc, "stopped", O_RUNNABLE_LEFT)
        order_rsc_actions(cl, rsc, "stopped", rsc, "start", O_OPTIONAL)
        order_rsc_actions(cl, rsc, "start", rsc, "running", O_RUNNABLE_LEFT)
        ordered, colocated = rsc.group_ordered, rsc.group_colocated
        promotable = rsc.top.has(R_PROMOTABLE)
        last_active = None
        previous = None
        for member in rsc.children:
            down = O_IMPLIES_FIRST_PRINTED
            post_down = O_IMPLIES_THEN_PRINTED
            behaviour(member).internal_constraints(cl, member)
            if previous is None:
                if ordered:
                    down |= O_OPTIONAL
                    post_down = O_IMPLIES_THEN
            elif colocated:
                new_colocation(cl, "group:internal_colocation", None, 1000000, member, previous,
                               None, None, member.has(R_CRITICAL))
            if promotable:
                order_rsc_actions(cl, rsc, "demote", member, "demote", down)
                order_rsc_actions(cl, member, "demote", rsc, "demoted", post_down)
                order_rsc_actions(cl, member, "promote", rsc, "promoted",
                                  O_RUNNABLE_LEFT | O_IMPLIES_THEN | O_IMPLIES_THEN_PRINTED)
                order_rsc_actions(cl, rsc, "promote", member, "promote", O_IMPLIES_FIRST_PRINTED)
            order_rsc_actions(cl, rsc, "stop", member, "stop", down)
            order_rsc_actions(cl, member, "stop", rsc, "stopped", post_down)
            order_rsc_actions(cl, rsc, "start", member, "start", O_IMPLIES_FIRST_PRINTED)
            order_rsc_actions(cl, member, "start", rsc, "running",
                              O_RUNNABLE_LEFT | O_IMPLIES_THEN | O_IMPLIES_THEN_PRINTED)
            if not ordered:
                order_rsc_actions(cl, rsc, "start", member, "start",
                                  O_IMPLIES_THEN | O_RUNNABLE_LEFT | O_IMPLIES_FIRST_PRINTED)
                if promotable:
                    order_rsc_actions(cl, rsc, "promote", member, "promote",
                                      O_IMPLIES_THEN | O_RUNNABLE_LEFT | O_IMPLIES_FIRST_PRINTED)
            elif previous is None:
                order_rsc_actions(cl, rsc, "start", member, "start", O_NONE)
                if promotable:
                    order_rsc_actions(cl, rsc, "promote", member, "promote", O_NONE)
            else:
                order_rsc_actions(cl, previous, "start", member, "start",
                                  O_IMPLIES_THEN | O_RUNNABLE_LEFT)
                order_rsc_actions(cl, member, "stop", previous, "stop", O_OPTIONAL | O_RESTART)
                if promotable:
                    order_rsc_actions(cl, previous, "promote", member, "promote",
                                      O_IMPLIES_THEN | O_RUNNABLE_LEFT)
                    order_rsc_actions(cl, member, "demote", previous, "demote", O_OPTIONAL)
            if member.running_on:
                if ordered and previous is not None and not previous.running_on \
                        and last_active is not None and last_active.running_on:
                    order_rsc_actions(cl, member, "stop", last_active, "stop", O_OPTIONAL)
                last_active = member
            previous = member

    def action_flags(self, cl: Cluster, action: Action, node: Node | None) -> int:
        flags = A_OPTIONAL | A_RUNNABLE | A_PSEUDO
        for member in action.rsc.children:
            task_s = complex_task(member, action.task)
            ma = find_first_action(member.actions, None, task_s, node)
            if ma is not None:
                mf = behaviour(member).action_flags(cl, ma, node)
                if (flags & A_OPTIONAL) and not (mf & A_OPTIONAL):
                    flags &= ~A_OPTIONAL
                    action.clear(A_OPTIONAL)
                if task_s != action.task and (flags & A_RUNNABLE) and not (mf & A_RUNNABLE):
                    flags &= ~A_RUNNABLE
                    action.clear(A_RUNNABLE)
            elif task_s not in ("stop", "demote"):
                flags &= ~A_RUNNABLE
        return flags

    def update_ordered_actions(self, cl, first, then, node, flags, filter_, type_) -> int:
        from .ordering import update_ordered_actions
        changed = update_ordered_actions(cl, first, then, node, flags, filter_, type_)
        for member in then.rsc.children:
            ma = find_first_action(member.actions, None, then.task, node)
            if ma is not None:
                changed |= behaviour(member).update_ordered_actions(cl, first, ma, node, flags,
                                                                    filter_, type_)
        return changed

    def add_to_graph(self, cl: Cluster, rsc: Resource, add) -> None:
        for a in reversed(rsc.actions):
            add(a)
        for child in rsc.children:
            behaviour(child).add_to_graph(cl, child, add)


_PRIMITIVE = Primitive()
_GROUP = Group()


def behaviour(rsc: Resource) -> VariantBehaviour:
    if rsc.variant == Variant.PRIMITIVE:
        return _PRIMITIVE
    if rsc.variant == Variant.GROUP:
        return _GROUP
    from .clone import CLONE
    return CLONE


def action_flags(cl: Cluster, action: Action, node: Node | None) -> int:
    if action.rsc is None:
        return action.flags
    return behaviour(action.rsc).action_flags(cl, action, node)


_ = order_actions
