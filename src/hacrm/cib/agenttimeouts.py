"""``configure default-timeouts ID...``: operation timeouts taken from the agents' advice.

An agent's meta-data says how long each action may take (``<action name="start"
timeout="20s"/>``).  This sets those timeouts on a primitive's start, stop and monitor
operations (promote and demote inside a promotable clone, migrate_to and migrate_from with
``allow-migrate``), adding the operations that are missing, so the cluster never kills an
action the agent expects to need longer for.

It does what crmsh 4.4.1 does, word for word and quirk for quirk, so a script gives the same
CIB with either shell: the list of actions still to add is shared by all the ids of one call
(a second primitive gets no start/stop added once the first had them), an existing operation's
timeout is overwritten, and a primitive built on a template only gets the missing operations
(the timeouts of the ones it has are not touched).
"""

from __future__ import annotations

from typing import Any

from hacrm.cib import model as m
from hacrm.cib.agentcheck import advice, agent_name, operations, resolve
from hacrm.cib.elements import option_values
from hacrm.cib.timespec import to_msec
from hacrm.diagnostics import Diagnostic

_TRUE = ("true", "yes", "y", "on", "1")


def _can_migrate(obj: m.Primitive, editor: Any) -> bool:
    """``allow-migrate=true`` anywhere in the primitive (or its template)."""
    sources = [obj]
    if obj.template and isinstance(editor.find(obj.template), m.Primitive):
        sources.insert(0, editor.find(obj.template))
    return any(nv.name == "allow-migrate" and nv.value == "true"
               for src in sources for s in src.sets for nv in s.nvpairs)


def _promotable_parent(obj: m.Primitive, editor: Any) -> bool:
    parent = editor.parent_of(obj.id)
    if not isinstance(parent, m.Clone):
        return False
    if parent.tag == "master":
        return True
    metas = [s for s in parent.sets if s.tag == "meta_attributes"]
    if not metas:
        return False
    value = next((nv.value for nv in metas[0].nvpairs if nv.name == "promotable"), None)
    return (value or "").lower() in _TRUE


def default_timeouts(editor: Any, ids: list[str], agents: Any) -> tuple[list[Diagnostic], bool]:
    """Set the advised timeouts on the primitives ``ids``; what went wrong, as crmsh says it,
    and whether the command succeeded (the primitives that could be done are done either
    way; a missing agent alone does not fail it, as in crmsh)."""
    from hacrm.ra.metadata import AgentError

    out: list[Diagnostic] = []
    ok = True
    implied = ["start", "stop"]
    implied_promotable = ["promote", "demote"]
    implied_migrate = ["migrate_to", "migrate_from"]
    asymmetric = any((v or "").lower() == "false"
                     for v in option_values(editor, "property", "symmetric-cluster"))
    for ident in ids:
        obj = editor.find_resource(ident)
        if obj is None:
            out.append(Diagnostic("error", f"object {ident} does not exist"))
            ok = False
            continue
        if not isinstance(obj, m.Primitive) or obj.is_template:
            out.append(Diagnostic("warning", f"element {ident} is not a primitive"))
            ok = False
            continue
        res = resolve(obj, editor)
        if res is None:
            out.append(Diagnostic("warning", f"template for {ident} not defined"))
            ok = False
            continue
        try:
            meta = agents.get(agent_name(res))
        except AgentError:
            if not asymmetric:
                out.append(Diagnostic("error",
                                      f"{agent_name(res)}: no resource agent found for {ident}"))
            continue
        migrate, promotable = _can_migrate(obj, editor), _promotable_parent(obj, editor)
        own = {id(op) for op in operations(obj)} if not obj.template else set()
        modified = False
        for op in res.ops:
            if op.name in implied:
                implied.remove(op.name)
            elif migrate and op.name in implied_migrate:
                implied_migrate.remove(op.name)
            elif promotable and op.name in implied_promotable:
                implied_promotable.remove(op.name)
            elif op.name != "monitor":
                continue
            advised = advice(meta, op.name, "timeout", op.attrs.get("role"),
                               op.attrs.get("depth"))
            if advised and id(op) in own:
                op.attrs["timeout"] = advised
                modified = True
        missing = implied  # the same list: what it gains stays for the next ids
        if migrate:
            missing += implied_migrate
        if promotable:
            missing += implied_promotable
        for name in missing:
            advised = advice(meta, name, "timeout")
            if not advised:
                continue
            if any(op.name == name and to_msec(op.interval) == 0 for op in operations(obj)):
                out.append(Diagnostic("error", f"{ident} already has a {name} op with "
                                               f"interval 0"))
                ok = False
                continue
            _add_op(obj, m.Op(name, {"timeout": advised, "interval": "0"}), editor)
            modified = True
        if modified:
            editor._touch(obj)
    return out, ok


def _add_op(obj: m.Primitive, op: m.Op, editor: Any) -> None:
    from hacrm.cib.ids import assign_ids

    ops = obj.operations
    if ops is None:
        ops = m.Operations()
        obj.children.append(ops)
    ops.ops.append(op)
    assign_ids(obj, editor.registry)
