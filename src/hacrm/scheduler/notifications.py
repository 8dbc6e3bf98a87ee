"""Clone notifications (notify=true): pre/post notify pseudo-actions around the clone's start,
stop, promote and demote, and a notify action for every instance that needs to hear about it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .actions import custom_action, find_first_action, order_actions
from .cluster import Cluster
from .model import (A_OPTIONAL, A_PSEUDO, A_RUNNABLE, INFINITY, Action, Node, O_IMPLIES_THEN,
                    O_OPTIONAL, Resource, Role)


@dataclass(eq=False)
class NotifyData:
    action: str
    pre: Action | None = None
    pre_done: Action | None = None
    post: Action | None = None
    post_done: Action | None = None
    start: list = field(default_factory=list)
    stop: list = field(default_factory=list)
    promote: list = field(default_factory=list)
    demote: list = field(default_factory=list)
    keys: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Action | None:
        return getattr(self, name)


def _notify_key(rid: str, ntype: str, task: str) -> str:
    return f"{rid}_{ntype}_notify_{task}_0"


def _pseudo(cl: Cluster, rsc: Resource, action: Action, notif_action: str, ntype: str) -> Action:
    n = custom_action(cl, rsc, _notify_key(rsc.id, ntype, action.task), notif_action, None,
                      action.has(A_OPTIONAL), True)
    n.set(A_PSEUDO)
    n.meta.setdefault("notify_key_type", ntype)
    n.meta.setdefault("notify_key_operation", action.task)
    return n


def clone_notif_pseudo_ops(cl: Cluster, rsc: Resource, task: str, action: Action | None,
                           complete: Action | None) -> NotifyData | None:
    if not rsc.has(1 << 4):
        return None
    nd = NotifyData(task)
    if action is not None:
        nd.pre = _pseudo(cl, rsc, action, "notify", "pre")
        nd.pre.set(A_RUNNABLE)
        nd.pre.meta.setdefault("notify_type", "pre")
        nd.pre.meta.setdefault("notify_operation", task)
        nd.pre_done = _pseudo(cl, rsc, action, "notified", "confirmed-pre")
        nd.pre_done.set(A_RUNNABLE)
        nd.pre_done.meta.setdefault("notify_type", "pre")
        nd.pre_done.meta.setdefault("notify_operation", task)
        order_actions(nd.pre, nd.pre_done, O_OPTIONAL)
        order_actions(nd.pre_done, action, O_OPTIONAL)
    if complete is not None:
        nd.post = _pseudo(cl, rsc, complete, "notify", "post")
        nd.post.priority = INFINITY
        if complete.has(A_RUNNABLE):
            nd.post.set(A_RUNNABLE)
        else:
            nd.post.clear(A_RUNNABLE)
        nd.post.meta.setdefault("notify_type", "post")
        nd.post.meta.setdefault("notify_operation", task)
        nd.post_done = _pseudo(cl, rsc, complete, "notified", "confirmed-post")
        nd.post_done.priority = INFINITY
        if complete.has(A_RUNNABLE):
            nd.post_done.set(A_RUNNABLE)
        else:
            nd.post_done.clear(A_RUNNABLE)
        nd.post_done.meta.setdefault("notify_type", "post")
        nd.post_done.meta.setdefault("notify_operation", task)
        order_actions(complete, nd.post, O_IMPLIES_THEN)
        order_actions(nd.post, nd.post_done, O_IMPLIES_THEN)
    if action is not None and complete is not None:
        order_actions(nd.pre_done, nd.post, O_OPTIONAL)
    return nd


def _collect(rsc: Resource, activity: bool, nd: NotifyData) -> None:
    if rsc.children:
        for c in rsc.children:
            _collect(c, activity, nd)
        return
    if not activity:
        return
    for op in rsc.actions:
        if op.has(A_OPTIONAL) or op.node is None:
            continue
        if op.task == "stop" and op.node.unclean:
            pass
        elif not op.has(A_RUNNABLE):
            continue
        if op.task in ("start", "stop", "promote", "demote"):
            getattr(nd, op.task).append((rsc, op.node))


def _new_notify_action(cl: Cluster, rsc: Resource, node: Node, op: Action | None,
                       done: Action | None) -> Action | None:
    if op is None or done is None or not node.online or not op.has(A_RUNNABLE):
        return None
    ntype = op.meta.get("notify_type")
    task = op.meta.get("notify_operation")
    n = custom_action(cl, rsc, _notify_key(rsc.id, ntype, task), op.task, node,
                      op.has(A_OPTIONAL), True)
    for k, v in op.meta.items():
        n.meta.setdefault(k, v)
    order_actions(op, n, O_OPTIONAL)
    order_actions(n, done, O_OPTIONAL)
    return n


def _new_post_notify(cl: Cluster, rsc: Resource, node: Node, nd: NotifyData) -> None:
    n = _new_notify_action(cl, rsc, node, nd.post, nd.post_done)
    if n is not None:
        n.priority = INFINITY
    if nd.post_done is None:
        return
    for mon in reversed(list(rsc.actions)):
        if not mon.interval_ms or mon.task == "cancel":
            continue
        order_actions(nd.post_done, mon, O_OPTIONAL)


def _create_notify_actions(cl: Cluster, rsc: Resource, nd: NotifyData) -> None:
    if rsc.children:
        for c in rsc.children:
            _create_notify_actions(cl, c, nd)
        return
    task = nd.action
    if task == "start" and not nd.start:
        return
    if task == "promote" and not nd.promote:
        return
    if task == "demote" and not nd.demote:
        return
    if rsc.role != Role.STOPPED and task in ("stop", "demote"):
        stop = find_first_action(rsc.actions, None, "stop", None)
        for current in list(rsc.running_on):
            if stop is not None and stop.has(A_PSEUDO) and \
                    (current.unclean or current.remote_requires_reset):
                continue
            _new_notify_action(cl, rsc, current, nd.pre, nd.pre_done)
            if task == "demote" or stop is None or stop.has(A_OPTIONAL):
                _new_post_notify(cl, rsc, current, nd)
    if rsc.next_role != Role.STOPPED and task in ("start", "promote"):
        start = find_first_action(rsc.actions, None, "start", None)
        if start is not None and start.node is not None and start.node.remote_rsc is not None:
            rstart = find_first_action(start.node.remote_rsc.actions, None, "start", None)
            if rstart is not None and not rstart.has(A_RUNNABLE):
                return
        if rsc.allocated_to is None:
            return
        node = rsc.allocated_to.node
        if task != "start" or start is None or start.has(A_OPTIONAL):
            _new_notify_action(cl, rsc, node, nd.pre, nd.pre_done)
        _new_post_notify(cl, rsc, node, nd)


def create_notifications(cl: Cluster, rsc: Resource, nd: NotifyData | None) -> None:
    if nd is None:
        return
    _collect(rsc, True, nd)
    required = (nd.action == "stop" and bool(nd.stop)) or \
        (nd.action == "start" and bool(nd.start)) or \
        (nd.action == "demote" and bool(nd.demote)) or \
        (nd.action == "promote" and bool(nd.promote))
    if required and nd.pre is not None:
        nd.pre.clear(A_OPTIONAL)
        nd.pre_done.clear(A_OPTIONAL)
    if required and nd.post is not None:
        nd.post.clear(A_OPTIONAL)
        nd.post_done.clear(A_OPTIONAL)
    _create_notify_actions(cl, rsc, nd)


def order_notifs_after_fencing(cl: Cluster, stop: Action, rsc: Resource, stonith: Action) -> None:
    nd = clone_notif_pseudo_ops(cl, rsc, "stop", None, stonith)
    if nd is not None:
        _create_notify_actions(cl, rsc.top, nd)
