"""Actions: creating them (custom_action), the per-role helpers, fencing ops, and the ordering
links between actions.

An action is found again by its key and node, so that asking twice for "rsc1_stop_0 on node1"
yields the same action; that is how constraints, groups and clones end up sharing actions.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .cluster import Cluster
from .intervals import parse_interval_ms
from .model import (A_DC, A_HAVE_NODE_ATTRS, A_OPTIONAL, A_PSEUDO, A_RUNNABLE, Action,
                    ActionWrapper, Fail, Node, O_NONE, R_MANAGED, R_NEEDS_FENCING,
                    R_NEEDS_QUORUM, R_STARTING, R_STOPPING, Resource, Role)
from .history import fence_node
from .rules import RuleContext, unpack_nvpair_sets

_KEY_RE = re.compile(r"^(.*)_([^_]+)_(\d+)$")


def op_key(rid: str, task: str, interval_ms: int = 0) -> str:
    return f"{rid}_{task}_{interval_ms}"


@functools.lru_cache(maxsize=1 << 17)
def parse_op_key(key: str) -> tuple[str, str, int] | None:
    """Split "rsc_task_interval"; migrate_to/migrate_from keep their underscore.

    Memoised: a pure function of the key, asked about the same keys many times per run."""
    m = _KEY_RE.match(key)
    if not m:
        return None
    base = key[: key.rindex("_")]
    interval = int(key[key.rindex("_") + 1:])
    for task in ("migrate_to", "migrate_from"):
        if base.endswith("_" + task):
            return base[: -len(task) - 1], task, interval
    rid, task = base.rsplit("_", 1)
    return rid, task, interval


def find_op_entry(rsc: Resource, key: str, include_disabled: bool = True) -> Any:
    """find_rsc_op_entry: the configured <op> matching an action key."""
    if rsc.ops_xml is None:
        return None

    def scan(k: str) -> Any:
        for op in rsc.ops_xml:
            if op.tag != "op":
                continue
            if not include_disabled and (op.get("enabled") or "true").lower() in ("false", "no", "0", "off"):
                continue
            interval = parse_interval_ms(op.get("interval"))
            if op_key(rsc.id, op.get("name"), interval).lower() == k.lower():
                return op
            if rsc.clone_name and op_key(rsc.clone_name, op.get("name"), interval).lower() == k.lower():
                return op
        return None
    found = scan(key)
    if found is not None:
        return found
    if "migrate" in key:
        return scan(op_key(rsc.id, "migrate", 0))
    if "_notify_" in key:
        return scan(op_key(rsc.id, "notify", 0))
    return None


def find_actions(actions: list[Action], key: str, node: Node | None) -> list[Action]:
    """find_actions: matching key; a node-less match is pinned to the given node."""
    out = []
    for a in actions:
        if a.uuid != key:
            continue
        if node is None:
            out.append(a)
        elif a.node is None:
            a.node = node
            out.append(a)
        elif a.node is node:
            out.append(a)
    return out


def find_actions_exact(actions: list[Action], key: str, node: Node | None) -> list[Action]:
    if node is None:
        return []
    return [a for a in actions if a.node is not None and a.uuid == key and a.node.id == node.id]


def rsc_actions(rsc: Resource, node: Node | None, task: str, require_node: bool) -> list[Action]:
    key = op_key(rsc.id, task, 0)
    idx = rsc_action_index(rsc)
    candidates = idx.get(key, [])
    if require_node:
        return find_actions_exact(candidates, key, node)
    return find_actions(candidates, key, node)


def rsc_action_index(rsc: Resource) -> dict[str, list[Action]]:
    return rsc.action_index


def find_first_action(actions: list[Action], uuid: str | None, task: str | None,
                      node: Node | None) -> Action | None:
    """find_first_action over Pacemaker's newest-first list order."""
    for a in reversed(actions):
        if uuid is not None and a.uuid != uuid:
            continue
        if task is not None and a.task != task:
            continue
        if node is None:
            return a
        if a.node is None:
            continue
        if a.node is node:
            return a
    return None


# --- on-fail --------------------------------------------------------------------------------

def _is_false(v: str | None) -> bool:
    return v is not None and v.strip().lower() in ("false", "no", "0", "off", "n")


def op_failure_handling(cl: Cluster, rsc: Resource, key: str, task: str) -> tuple[Fail, Role]:
    """The on-fail policy and role-after-failure for an operation (unpack_operation)."""
    entry = find_op_entry(rsc, key)
    parsed = parse_op_key(key)
    interval = parsed[2] if parsed else 0
    meta = _op_meta(cl, rsc, task, interval, entry)
    return _on_fail(cl, rsc, task, interval, meta, entry)


def _op_meta(cl: Cluster, rsc: Resource, task: str, interval: int, entry: Any) -> dict[str, str]:

    meta: dict[str, str] = {}
    ctx = RuleContext(now=cl.now, has_rsc=True, rsc_class=rsc.xml.get("class"),
                      rsc_provider=rsc.xml.get("provider"), rsc_type=rsc.xml.get("type"),
                      op_name=task, op_interval_ms=interval)
    if cl.op_defaults is not None:
        unpack_nvpair_sets(cl.op_defaults, "meta_attributes", ctx, meta, resolve=cl.ids.resolve)
    if entry is not None:
        unpack_nvpair_sets(entry, "meta_attributes", ctx, meta, overwrite=True,
                           resolve=cl.ids.resolve)
        for k, v in entry.attrib.items():
            meta[k] = v
    meta.pop("id", None)
    return meta


def _on_fail(cl: Cluster, rsc: Resource, task: str, interval: int, meta: dict[str, str],
             entry: Any) -> tuple[Fail, Role]:
    value = meta.get("on-fail")
    fail_role = Role.UNKNOWN
    container = rsc.container
    if task == "stop" and value is not None and value.lower() in ("standby", "demote", "stop"):
        value = None
    elif task == "demote" and value is None and rsc.ops_xml is not None:
        for op in rsc.ops_xml:
            if op.tag != "op" or value is not None:
                continue
            of = op.get("on-fail")
            if not of or _is_false(op.get("enabled")):
                continue
            if (op.get("name") or "").lower() != "monitor" or \
                    (op.get("role") or "").lower() not in ("promoted", "master"):
                continue
            if parse_interval_ms(op.get("interval")) == 0 or of.lower() == "demote":
                continue
            value = of
    elif task == "delete":
        value = "ignore"
    elif value is not None and value.lower() == "demote":
        name = entry.get("name") if entry is not None else None
        role = entry.get("role") if entry is not None else None
        if name != "promote" and (name != "monitor" or (role or "").lower() not in ("promoted", "master")
                                  or parse_interval_ms(entry.get("interval") if entry is not None else None) == 0):
            value = None
    on_fail: Fail | None = None
    v = (value or "").lower() if value is not None else None
    if v is None:
        pass
    elif v == "block":
        on_fail = Fail.BLOCK
    elif v == "fence":
        on_fail = Fail.FENCE
        if not cl.stonith_enabled:
            on_fail = Fail.STOP
            fail_role = Role.STOPPED
    elif v == "standby":
        on_fail = Fail.STANDBY
    elif v in ("ignore", "nothing"):
        on_fail = Fail.IGNORE
    elif v == "migrate":
        on_fail = Fail.MIGRATE
    elif v == "stop":
        on_fail = Fail.STOP
        fail_role = Role.STOPPED
    elif v == "restart":
        on_fail = Fail.RECOVER
    elif v == "restart-container":
        if container is not None:
            on_fail = Fail.RESTART_CONTAINER
    elif v == "demote":
        on_fail = Fail.DEMOTE
    if on_fail is None and container is not None:
        on_fail = Fail.RESTART_CONTAINER
    elif (on_fail is None or not rsc.has(R_MANAGED)) and _is_remote_conn(cl, rsc) \
            and not (task == "monitor" and interval == 0) and task != "start":
        if not rsc.has(R_MANAGED):
            on_fail = Fail.STOP
            fail_role = Role.STOPPED
        else:
            if rsc.remote_reconnect_ms:
                fail_role = Role.STOPPED
            on_fail = Fail.RESET_REMOTE
    elif on_fail is None and task == "stop":
        on_fail = Fail.FENCE if cl.stonith_enabled else Fail.BLOCK
    elif on_fail is None:
        on_fail = Fail.RECOVER
    if fail_role == Role.UNKNOWN:
        raf = meta.get("role_after_failure") if entry is not None else None
        if raf:
            from .model import text_to_role
            fail_role = text_to_role(raf)
    if fail_role == Role.UNKNOWN:
        fail_role = Role.UNPROMOTED if task == "promote" else Role.STARTED
    return on_fail, fail_role


def _is_remote_conn(cl: Cluster, rsc: Resource) -> bool:
    """pe__resource_is_remote_conn: a connection resource whose node is a remote node."""
    if not rsc.is_remote_node:
        return False
    node = cl.find_node(rsc.id)
    return node is not None and node.type == "remote" and node.remote_rsc is rsc \
        and rsc.container is None


# --- creating actions -----------------------------------------------------------------------

def custom_action(cl: Cluster, rsc: Resource | None, key: str, task: str, node: Node | None,
                  optional: bool, save: bool) -> Action:
    action = None
    if save:
        if rsc is None:
            existing = cl.singletons.get(key)
            if existing is not None and (node is None or existing.node is None or existing.node is node):
                if existing.node is None and node is not None:
                    existing.node = node
                action = existing
        else:
            matches = find_actions(rsc_action_index(rsc).get(key, []), key, node)
            if matches:
                action = matches[0]
    if action is None:
        action = Action(id=-1, uuid=key, task=task, rsc=rsc, node=node)
        if task in ("delete", "lrm_delete"):
            action.set(A_DC)
        action.set(A_RUNNABLE)
        if optional:
            action.set(A_OPTIONAL)
        if rsc is not None:
            parsed = parse_op_key(key)
            interval = parsed[2] if parsed else 0
            action.interval_ms = interval
            action.op_entry = find_op_entry(rsc, key)
            _unpack_operation(cl, action, interval)
        if save:
            action.id = cl.new_action_id()
            cl.actions.append(action)
            if rsc is None:
                cl.singletons[key] = action
            else:
                rsc.actions.append(action)
                rsc_action_index(rsc).setdefault(key, []).append(action)
    # update_action_optional
    if rsc is not None and action.node is not None and not action.has(A_PSEUDO) \
            and not rsc.has(R_MANAGED) and "interval" not in action.meta:
        action.set(A_OPTIONAL)
    elif not optional:
        action.clear(A_OPTIONAL)
    if rsc is not None:
        if action.node is not None and not action.has(A_HAVE_NODE_ATTRS):
            action.set(A_HAVE_NODE_ATTRS)
        _update_runnable(cl, action, save)
        if save:
            if task == "stop":
                rsc.set(R_STOPPING)
            elif task == "start":
                if action.has(A_RUNNABLE):
                    rsc.set(R_STARTING)
                else:
                    rsc.clear(R_STARTING)
    return action


def _unpack_operation(cl: Cluster, action: Action, interval: int) -> None:
    rsc = action.rsc
    cached = rsc.op_cache.get((action.task, interval, action.uuid))
    if cached is not None:
        meta, action.needs, action.on_fail, action.fail_role = cached
        action.meta = dict(meta)
        return
    _unpack_operation_uncached(cl, action, interval)
    rsc.op_cache[(action.task, interval, action.uuid)] = (dict(action.meta), action.needs,
                                                         action.on_fail, action.fail_role)


def _unpack_operation_uncached(cl: Cluster, action: Action, interval: int) -> None:
    rsc = action.rsc
    meta = _op_meta(cl, rsc, action.task, interval, action.op_entry)
    if interval > 0:
        meta["interval"] = str(interval)
    else:
        meta.pop("interval", None)
    action.meta = meta
    if action.task not in ("start", "promote"):
        action.needs = "nothing"
    elif rsc.has(R_NEEDS_FENCING):
        action.needs = "fencing"
    elif rsc.has(R_NEEDS_QUORUM):
        action.needs = "quorum"
    else:
        action.needs = "nothing"
    action.on_fail, action.fail_role = _on_fail(cl, rsc, action.task, interval, meta,
                                                action.op_entry)


def _effective_quorum_policy(cl: Cluster, rsc: Resource) -> str:
    policy = cl.no_quorum_policy
    if cl.have_quorum:
        return "ignore"
    if policy == "demote":
        if rsc.role in (Role.PROMOTED, Role.UNPROMOTED):
            if rsc.next_role > Role.UNPROMOTED:
                rsc.set_next_role(Role.UNPROMOTED, "no-quorum-policy=demote")
            return "ignore"
        return "stop"
    return policy


def _update_runnable(cl: Cluster, action: Action, for_graph: bool) -> None:

    if action.has(A_PSEUDO):
        return
    node = action.node
    rsc = action.rsc
    if node is None:
        action.clear(A_RUNNABLE)
    elif not action.has(A_DC) and not node.online and \
            (not node.is_guest or node.remote_requires_reset):
        action.clear(A_RUNNABLE)
        if rsc.has(R_MANAGED) and for_graph and action.task == "stop" and not node.unclean:
            fence_node(cl, node, "stop is unrunnable", False)
    elif not action.has(A_DC) and node.pending:
        action.clear(A_RUNNABLE)
    elif action.needs == "nothing":
        action.set_reason(None, True)
        if node.is_guest and not cl.can_fence(node):
            action.clear(A_RUNNABLE)
        else:
            action.set(A_RUNNABLE)
    else:
        policy = _effective_quorum_policy(cl, rsc)
        if policy == "stop":
            action.clear(A_RUNNABLE)
            action.set_reason("no quorum", True)
        elif policy == "freeze":
            if not rsc_active(rsc, True) or rsc.next_role > rsc.role:
                action.clear(A_RUNNABLE)
                action.set_reason("quorum freeze", True)
        else:
            action.set(A_RUNNABLE)


def rsc_active(rsc: Resource, all_: bool) -> bool:
    """The variant 'active' methods: primitives by node, collectives by children."""
    from .model import Variant
    if rsc.variant == Variant.PRIMITIVE:
        for n in rsc.running_on:
            if n.unclean:
                return True
            if not n.online and rsc.has(R_MANAGED):
                continue
            return True
        return False
    if rsc.variant == Variant.GROUP:
        c_all = c_any = None
        for child in rsc.children:
            if rsc_active(child, all_):
                if not all_:
                    return True
            elif all_:
                return False
        return all_ and bool(rsc.children)
    # clone / bundle
    for child in rsc.children:
        if rsc_active(child, all_):
            if not all_:
                return True
        elif all_:
            return False
    return all_ and bool(rsc.children)


def stop_action(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> Action:
    return custom_action(cl, rsc, op_key(rsc.id, "stop"), "stop", node, optional, True)


def start_action(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> Action:
    return custom_action(cl, rsc, op_key(rsc.id, "start"), "start", node, optional, True)


def promote_action(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> Action:
    return custom_action(cl, rsc, op_key(rsc.id, "promote"), "promote", node, optional, True)


def demote_action(cl: Cluster, rsc: Resource, node: Node | None, optional: bool) -> Action:
    return custom_action(cl, rsc, op_key(rsc.id, "demote"), "demote", node, optional, True)


def new_pseudo_action(cl: Cluster, rsc: Resource, task: str, optional: bool,
                      runnable: bool) -> Action:
    a = custom_action(cl, rsc, op_key(rsc.id, task), task, None, optional, True)
    a.set(A_PSEUDO)
    if runnable:
        a.set(A_RUNNABLE)
    return a


def clear_failcount(cl: Cluster, rsc: Resource, node: Node, reason: str) -> Action:
    a = custom_action(cl, rsc, op_key(rsc.id, "clear_failcount"), "clear_failcount", node,
                      False, True)
    a.meta["op_no_wait"] = "true"
    return a


def clear_resource_history(cl: Cluster, rsc: Resource, node: Node) -> Action:
    return custom_action(cl, rsc, op_key(rsc.id, "lrm_delete"), "lrm_delete", node, False, True)


def fence_op(cl: Cluster, node: Node, op: str | None, optional: bool, reason: str | None,
             priority_delay: bool) -> Action:
    """pe_fence_op: the singleton fencing action for a node."""
    if op is None:
        op = cl.stonith_action
    key = f"stonith-{node.uname}-{op}"
    action = cl.singletons.get(key)
    if action is None:
        action = custom_action(cl, None, key, "stonith", node, True, True)
        action.meta["on_node"] = node.uname
        action.meta["on_node_uuid"] = node.id
        action.meta["stonith_action"] = op
    if cl.priority_fencing_delay > 0 and (priority_delay or "priority-fencing-delay" in action.meta):
        action.meta["priority-fencing-delay"] = str(_priority_delay(cl, node))
    if not optional and cl.can_fence(node):
        action.clear(A_OPTIONAL)
        action.set_reason(reason, False)
    elif reason and action.reason is None:
        action.reason = reason
    return action


def _priority_delay(cl: Cluster, node: Node) -> int:
    if cl.priority_fencing_delay <= 0 or node.type != "member" or node.online:
        return 0
    members = [n for n in cl.nodes if n.type == "member"]
    online = sum(1 for n in members if n.online)
    if not members or online > len(members) // 2:
        return 0
    top = max(n.priority for n in members)
    low = min(n.priority for n in members)
    if low == top or node.priority < top:
        return 0
    return cl.priority_fencing_delay


def order_actions(first: Action | None, then: Action | None, flags: int) -> bool:
    """order_actions: link two actions unless an equivalent link exists."""
    if flags == O_NONE or first is None or then is None:
        return False
    for w in first.actions_after:
        if w.action is then and (w.type & flags):
            return False
    first.actions_after.append(ActionWrapper(then, flags))
    then.actions_before.append(ActionWrapper(first, flags))
    return True


def action_reason_text(action: Action, flag: int) -> str:
    change = "unrunnable" if flag in (A_RUNNABLE, 1 << 7) else "required"
    if action.rsc is None:
        return f"{change} {action.task}"
    return f"{change} {action.rsc.id} {action.task}"


__all__ = ["custom_action", "stop_action", "start_action", "promote_action", "demote_action",
           "fence_op", "order_actions", "op_key", "rsc_actions", "A_PSEUDO", "R_STARTING",
           "R_STOPPING"]
