"""Checks of resources against their agents' meta-data, as crmsh makes them before a commit.

A primitive that leaves out a parameter its agent requires, or names one the agent does not
know, will fail when the cluster starts it; an operation the agent does not implement, or a
timeout shorter than the agent advises, is probably a mistake.  crmsh reads each agent's
meta-data and says so before the configuration reaches the cluster; these are the same checks
with the same words, so scripts that grep crmsh's output keep working:

* errors: ``ID: required parameter "P" not defined`` (primitives only: a template may leave
  them to its primitives), ``ID: parameter "P" is not known``, ``AGENT: no such resource
  agent``.  With ``check-mode strict`` (the default) they stop a commit unless it is forced;
  with ``relaxed`` they are printed and the commit goes on.
* warnings: an action missing from the meta-data, a monitor interval of 0 or one used twice, an
  interval on start/stop/promote/demote, a timeout (given, or the ``op_defaults`` one) shorter
  than the advised one.
* two primitives of one agent sharing the value of a parameter the agent marks ``unique``: a
  warning, but the commit stops (crmsh's rule), when a changed primitive is one of them.

Only what changed is checked, as crmsh checks at commit; only agents whose meta-data can be
read here are looked at (ocf, stonith, lsb), the others are left to the cluster.  Reading the
meta-data is the caller's business: ``agents`` is anything with ``get(spec)`` returning
:class:`hacrm.ra.metadata.AgentMeta` or raising :class:`hacrm.ra.metadata.AgentError`.
"""

from __future__ import annotations

from collections import defaultdict
from hacrm.records import record
from typing import Any

from hacrm.cib import model as m
from hacrm.cib.elements import option_values
from hacrm.cib.timespec import to_msec
from hacrm.diagnostics import Diagnostic

#: classes whose agents say what they take
CHECKED_CLASSES = ("ocf", "stonith", "lsb")
#: actions that run once, never on an interval
NO_INTERVAL = ("start", "stop", "promote", "demote")
#: actions every agent must have (a missing op definition still gets its timeout checked)
REQUIRED_ACTIONS = ("start", "stop")
#: actions an operator never configures
SKIPPED_ACTIONS = ("meta-data", "validate-all")


@record
class _Resolved:
    """A primitive with its template folded in: the agent, parameters and operations that
    the cluster will actually use."""

    id: str
    is_template: bool
    cls: str
    provider: str | None
    type: str
    params: dict[str, str | None]
    ops: list[m.Op]


def _params(obj: m.Primitive) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for attr_set in obj.sets:
        if attr_set.tag == "instance_attributes":
            for nv in attr_set.nvpairs:
                if nv.name is not None:
                    out[nv.name] = nv.value
    return out


def operations(obj: m.Primitive) -> list[m.Op]:
    ops = obj.operations
    return [op for op in ops.ops if isinstance(op, m.Op)] if ops is not None else []


def resolve(obj: m.Primitive, editor: Any) -> _Resolved | None:
    """The primitive as the cluster sees it; None when its template is missing (another
    check reports that)."""
    cls, provider, kind = obj.cls, obj.provider, obj.type
    params, ops = _params(obj), operations(obj)
    if obj.template and not obj.is_template:
        template = editor.find(obj.template)
        if not isinstance(template, m.Primitive):
            return None
        cls, provider, kind = template.cls, template.provider, template.type
        params = {**_params(template), **params}
        ops = operations(template) + ops
    if not cls or not kind:
        return None
    if cls == "ocf" and not provider:
        provider = "heartbeat"
    return _Resolved(obj.id, obj.is_template, cls, provider, kind, params, ops)


def agent_name(res: _Resolved) -> str:
    return f"{res.cls}:{res.provider}:{res.type}" if res.provider else f"{res.cls}:{res.type}"


def advice(meta: Any, action: str, key: str, role: str | None = None,
             depth: str | None = None) -> str | None:
    """An action attribute the agent advises (the first monitor's, or the monitor of the
    same role or depth)."""
    candidates = [a for a in meta.actions if a.name == action]
    if not candidates:
        return None
    if action == "monitor" and (role or depth):
        for a in candidates:
            if role and a.attrs.get("role") == role:
                return a.attrs.get(key)
        for a in candidates:
            if depth and a.attrs.get("depth") == depth:
                return a.attrs.get(key)
        return None
    return candidates[0 if action == "monitor" else -1].attrs.get(key)


def _check_params(res: _Resolved, meta: Any, error: Any) -> None:
    known = {p.name: p for p in meta.parameters}
    fencing = res.cls == "stonith" and res.type.startswith(("fence_", "rhcs/"))
    if not res.is_template:
        for p in meta.parameters:
            if not p.required or getattr(p, "deprecated", False):
                continue
            if fencing and p.name in ("action", "port"):
                continue  # the fencer supplies these on every call
            if p.name not in res.params:
                error(f'{res.id}: required parameter "{p.name}" not defined')
    for name in res.params:
        if not name.startswith("$") and name not in known:
            error(f'{res.id}: parameter "{name}" is not known')


def _check_ops(res: _Resolved, meta: Any, default_timeout: str | None,
               warn: Any) -> None:
    """Per action (the monitors first, then the others in the order given, then start and
    stop when they were left out): its intervals, then its timeouts."""
    actions = {a.name for a in meta.actions if a.name not in SKIPPED_ACTIONS} | {"monitor"}
    by_action: dict[str, list[dict[str, str]]] = {"monitor": []}
    for op in res.ops:
        if op.name == "monitor":
            by_action["monitor"].append(dict(op.attrs))
        else:
            by_action[op.name] = [dict(op.attrs)]  # the last definition counts
    for name in REQUIRED_ACTIONS:
        if name not in by_action and res.cls != "stonith":
            by_action[name] = [{}]
    for name, items in by_action.items():
        if res.cls == "stonith" and name in ("start", "stop"):
            continue
        if name not in actions:
            warn(f"{res.id}: action '{name}' not found in Resource Agent meta-data")
            continue
        intervals: list[int] = []
        for attrs in items:
            if name == "monitor":
                advised = advice(meta, name, "interval", attrs.get("role"), attrs.get("depth"))
                msec = to_msec(attrs.get("interval"))
                if msec == 0:
                    warn(f"{res.id}: interval in monitor should be larger than 0, advised is "
                         f"{advised}")
                elif msec in intervals:
                    warn(f"{res.id}: interval in monitor must be unique, advised is {advised}")
                else:
                    intervals.append(msec)
            elif "interval" in attrs and name in NO_INTERVAL and to_msec(attrs["interval"]) != 0:
                warn(f"{res.id}: Specified interval for {name} is {attrs['interval']}, "
                     f"it must be 0")
        for attrs in items:
            advised = advice(meta, name, "timeout", attrs.get("role"), attrs.get("depth"))
            given = attrs.get("timeout")
            actual, how = (given, "specified") if given is not None else (default_timeout,
                                                                          "default")
            if actual and advised and to_msec(advised) > to_msec(actual):
                warn(f"{res.id}: {how} timeout {actual} for {name} is smaller than the "
                     f"advised {advised}")


def _default_timeout(editor: Any) -> str | None:
    timeouts = option_values(editor, "op_defaults", "timeout")
    return timeouts[0] if timeouts else None


class AgentChecker:
    """The checks for one configuration: :meth:`unique_clashes` once, then :meth:`check` for
    each changed element, so the findings come in crmsh's order.  ``blocks`` says whether
    what was found stops the commit; ``made`` lists every finding (the caller tells them
    from the configuration's own errors, which always count)."""

    def __init__(self, editor: Any, agents: Any, strict: bool = True) -> None:
        self.editor = editor
        self.agents = agents
        self.strict = strict
        self.blocks = False
        self.made: list[Diagnostic] = []
        self._metas: dict[str, Any] = {}
        self._missing: set[str] = set()
        self._default_timeout = _default_timeout(editor)

    def _error(self, out: list[Diagnostic], msg: str) -> None:
        out.append(Diagnostic("error", msg))
        self.blocks = self.blocks or self.strict

    def _meta(self, res: _Resolved) -> Any:
        from hacrm.ra.metadata import AgentError

        spec = agent_name(res)
        if spec not in self._metas and spec not in self._missing:
            try:
                self._metas[spec] = self.agents.get(spec)
            except AgentError:
                self._missing.add(spec)
        return self._metas.get(spec)

    def check(self, obj: Any) -> list[Diagnostic]:
        """The findings about one element (nothing unless it is a primitive or template
        of a class whose agents say what they take)."""
        out: list[Diagnostic] = []
        if not isinstance(obj, m.Primitive):
            return out
        res = resolve(obj, self.editor)
        if res is None or res.cls not in CHECKED_CLASSES:
            return out
        meta = self._meta(res)
        if meta is None:
            self._error(out, f"{agent_name(res)}: got no meta-data, does this RA exist?")
            self._error(out, f"{agent_name(res)}: no such resource agent")
        else:
            _check_ops(res, meta, self._default_timeout,
                       lambda msg: out.append(Diagnostic("warning", msg)))
            _check_params(res, meta, lambda msg: self._error(out, msg))
        self.made += out
        return out

    def unique_clashes(self, changed: set[str]) -> list[Diagnostic]:
        """Two primitives of one agent with the same value for a ``unique`` parameter, one
        of them among ``changed`` (ids); the whole configuration is looked at, since the
        other one may be old.  A warning, but it stops the commit."""
        out: list[Diagnostic] = []
        users: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        primitives = [o for o in self.editor.objects()
                      if isinstance(o, m.Primitive) and not o.is_template]
        if not changed & {o.id for o in primitives}:
            return out
        for obj in primitives:
            res = resolve(obj, self.editor)
            if res is None or res.cls not in CHECKED_CLASSES:
                continue
            meta = self._meta(res)
            if meta is None:
                continue
            unique = {p.name for p in meta.parameters if p.unique}
            # keyed by the agent the primitive itself names (none when it takes it from a
            # template), as crmsh keys them: template users clash only among themselves
            own = f"{obj.cls}:{obj.provider}:{obj.type}"
            for name, value in res.params.items():
                if value is not None and name in unique:
                    users[(own, name, value)].append(obj.id)
        for (_agent, name, value), ids in users.items():
            if len(ids) > 1 and changed & set(ids):
                out.append(Diagnostic("warning", f'Resources {",".join(sorted(ids))} violate '
                                                 f'uniqueness for parameter "{name}": "{value}"'))
                self.blocks = True
        self.made += out
        return out
