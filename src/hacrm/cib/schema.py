"""Does a CIB configuration follow Pacemaker's schema?  Our own checks, before a commit.

Pacemaker refuses a CIB that does not validate against the RelaxNG schema named by its
``validate-with`` attribute, and crmsh refuses to commit one.  hacrm never runs Pacemaker's
tools and does not ship their schema files, so this module states the same rules in Python, for
the ``pacemaker-3.x`` schemas (with the differences between 3.0 and 3.9 that matter): which
elements and attributes may appear where, the values of enumerated attributes, scores,
booleans and integers, how many of each child an element may have, that ids are well formed
and unique, and that every id reference points at an existing id.

It works on the XML (not on the model) so that it also judges elements the model keeps raw.
CIBs on older schemas (``pacemaker-1.x``, ``2.x``) get the id checks only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree

_NCNAME = re.compile(r"^[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*$")
_INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_BOOLEAN = ("true", "false", "1", "0")
_SCORE_WORDS = ("INFINITY", "+INFINITY", "-INFINITY")
_DEVICES = re.compile(r"^[a-zA-Z0-9_.\-]+(,[a-zA-Z0-9_.\-]+)*$")
_RANGE = re.compile(r"^[0-9\-]+$")

ROLES_OLD = ("Stopped", "Started", "Master", "Slave")
ROLES_NEW = ROLES_OLD + ("Promoted", "Unpromoted")
ACTIONS = ("start", "promote", "demote", "stop")
KINDS = ("Optional", "Mandatory", "Serialize")
# cluster options Pacemaker 2 renamed or dropped; the 3.x schema refuses the old names
UNSUPPORTED_PROPERTIES = (
    "cluster_recheck_interval", "dc_deadtime", "default-action-timeout",
    "default_action_timeout", "default-migration-threshold", "default_migration_threshold",
    "default-resource-failure-stickiness", "default_resource_failure_stickiness",
    "default-resource-stickiness", "default_resource_stickiness", "election_timeout",
    "expected-quorum-votes", "is-managed-default", "is_managed_default", "no_quorum_policy",
    "notification-agent", "notification-recipient", "remove_after_stop",
    "shutdown_escalation", "startup_fencing", "stonith_action", "stonith_enabled",
    "stop_orphan_actions", "stop_orphan_resources", "symmetric_cluster",
    "transition_idle_timeout",
)
OLD_INFRASTRUCTURES = ("heartbeat", "openais", "classic openais",
                       "classic openais (with plugin)", "cman")
UNSUPPORTED_RSC_META = ("isolation", "isolation-host", "isolation-instance",
                        "isolation-wrapper")
UNSUPPORTED_STONITH_PARAMS_3_0 = ("pcmk_arg_map", "pcmk_list_cmd", "pcmk_monitor_cmd",
                                  "pcmk_off_cmd", "pcmk_on_cmd", "pcmk_reboot_cmd",
                                  "pcmk_status_cmd")
RESOURCE_CLASSES = ("lsb", "heartbeat", "stonith", "upstart", "service", "systemd", "nagios")


def schema_version(name: str) -> tuple[int, int] | None:
    """(major, minor) of ``pacemaker-X.Y``; ``pacemaker-next`` is newer than any; None when
    the name is not a Pacemaker schema we know how to check."""
    if name == "pacemaker-next":
        return (99, 0)
    match = re.match(r"^pacemaker-(\d+)\.(\d+)$", name or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class SchemaProblem:
    """One rule broken, and the configuration element (top of its section) it is in."""

    message: str
    element: tuple[str, bool] | None = None  # (id, is a node), as the editor keys elements

    def __str__(self) -> str:
        return self.message


@dataclass
class _Run:
    """The state of one validation: the ids seen, the references to resolve, the findings."""

    version: tuple[int, int]
    full: bool
    problems: list[SchemaProblem] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    refs: list[tuple[str, str, str, tuple[str, bool] | None]] = field(default_factory=list)
    top: tuple[str, bool] | None = None

    def at_least(self, major: int, minor: int) -> bool:
        return self.version >= (major, minor)

    def problem(self, e: etree._Element, message: str) -> None:
        self.problems.append(SchemaProblem(f"{_where(e)}: {message}", self.top))

    @property
    def roles(self) -> tuple[str, ...]:
        return ROLES_NEW if self.at_least(3, 7) else ROLES_OLD


def _where(e: etree._Element) -> str:
    ident = e.get("id")
    return f"{e.tag} {ident}" if ident else f"{e.tag} (in {_where(e.getparent())})" \
        if e.getparent() is not None and e.getparent().tag != "configuration" else str(e.tag)


# ---------------------------------------------------------------- attributes

Check = Callable[[_Run, etree._Element, str, str], None]


def _text(run: _Run, e: etree._Element, name: str, value: str) -> None:
    return None


def _id(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if not _NCNAME.match(value):
        run.problem(e, f"'{value}' is not a valid id (an id starts with a letter or '_' and "
                       f"has letters, digits, '_', '.', '-')")
        return
    if value in run.ids:
        run.problem(e, f"id '{value}' is already used by {run.ids[value]}")
        return
    run.ids[value] = str(e.tag)


def _idref(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if not _NCNAME.match(value):
        run.problem(e, f"{name}='{value}' is not a valid id reference")
        return
    run.refs.append((_where(e), name, value, run.top))


def _boolean(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if value.strip() not in _BOOLEAN:
        run.problem(e, f"{name}='{value}' is not a boolean (true or false)")


def _integer(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if not _INTEGER.match(value):
        run.problem(e, f"{name}='{value}' is not an integer")


def _positive(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if not _INTEGER.match(value) or int(value) <= 0:
        run.problem(e, f"{name}='{value}' is not a positive integer")


def _score(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if value not in _SCORE_WORDS and not _INTEGER.match(value):
        run.problem(e, f"{name}='{value}' is not a score (an integer or [+-]INFINITY)")


def _enum(*choices: str) -> Check:
    def check(run: _Run, e: etree._Element, name: str, value: str) -> None:
        if value not in choices:
            run.problem(e, f"{name}='{value}' is not one of {', '.join(choices)}")
    return check


def _roles(run: _Run, e: etree._Element, name: str, value: str) -> None:
    if value not in run.roles:
        hint = " (Promoted/Unpromoted need schema pacemaker-3.7 or later)" \
            if value in ("Promoted", "Unpromoted") else ""
        run.problem(e, f"{name}='{value}' is not one of {', '.join(run.roles)}{hint}")


def _attrs(run: _Run, e: etree._Element, spec: dict[str, Check],
           required: tuple[str, ...] = ()) -> None:
    """Check the attributes of ``e``: each known and valid, the required ones present."""
    for name, value in e.attrib.items():
        check = spec.get(name)
        if check is None:
            if run.full:
                run.problem(e, f"attribute {name} is not allowed here")
            continue
        check(run, e, name, value)
    for name in required:
        if e.get(name) is None:
            run.problem(e, f"attribute {name} is required")


def _leaf(run: _Run, e: etree._Element) -> None:
    """``e`` may have attributes only."""
    for c in _children(e):
        run.problem(e, f"element <{c.tag}> is not allowed here")


def _children(e: etree._Element) -> list[etree._Element]:
    return [c for c in e if isinstance(c.tag, str)]


def _only(run: _Run, e: etree._Element, allowed: tuple[str, ...]) -> list[etree._Element]:
    """The children of ``e`` whose tag is allowed; the others are reported."""
    kids = []
    for c in _children(e):
        if c.tag in allowed:
            kids.append(c)
        else:
            run.problem(e, f"element <{c.tag}> is not allowed here")
    return kids


def _count(run: _Run, e: etree._Element, kids: list[etree._Element], tag: str,
           low: int, high: int | None) -> None:
    n = sum(1 for c in kids if c.tag == tag)
    if n < low:
        run.problem(e, f"needs {'a' if low == 1 else low} <{tag}> element"
                       f"{'' if low == 1 else 's'}")
    elif high is not None and n > high:
        run.problem(e, f"may have at most {high} <{tag}> element{'' if high == 1 else 's'}, "
                       f"has {n}")


# ---------------------------------------------------------------- rules and attribute sets

def _rule(run: _Run, e: etree._Element, context: str) -> None:
    if e.get("id-ref") is not None:
        _attrs(run, e, {"id-ref": _idref}, ("id-ref",))
        if _children(e):
            run.problem(e, "a rule reference has no content")
        return
    _attrs(run, e, {"id": _id, "boolean-op": _enum("or", "and"), "role": _text,
                    "score": _score, "score-attribute": _text}, ("id",))
    if e.get("score") is not None and e.get("score-attribute") is not None:
        run.problem(e, "score and score-attribute exclude each other")
    elif not run.at_least(3, 9) and e.get("score") is None and e.get("score-attribute") is None:
        run.problem(e, "a rule needs a score or score-attribute before schema pacemaker-3.9")
    allowed = ("expression", "date_expression", "rule")
    # resource and operation expressions came with the rule schema of pacemaker-3.4 for
    # attribute sets, and of 3.5 for constraints and alerts
    if run.at_least(3, 5) or (run.at_least(3, 4) and context not in ("location", "alert")):
        allowed += ("rsc_expression", "op_expression")
    kids = _only(run, e, allowed)
    if not kids:
        run.problem(e, "a rule needs at least one expression")
    for c in kids:
        if c.tag == "expression":
            _attrs(run, c, {"id": _id, "attribute": _text, "value": _text,
                            "operation": _enum("lt", "gt", "lte", "gte", "eq", "ne",
                                               "defined", "not_defined"),
                            "type": _enum("string", "integer", "number", "version"),
                            "value-source": _enum("literal", "param", "meta")},
                   ("id", "attribute", "operation"))
            _leaf(run, c)
        elif c.tag == "date_expression":
            _date_expression(run, c)
        elif c.tag == "rule":
            _rule(run, c, context)
        elif c.tag == "rsc_expression":
            _attrs(run, c, {"id": _id, "class": _text, "provider": _text, "type": _text},
                   ("id",))
            _leaf(run, c)
        elif c.tag == "op_expression":
            _attrs(run, c, {"id": _id, "name": _text, "interval": _text}, ("id", "name"))
            _leaf(run, c)


_DURATION = ("years", "months", "weeks", "days", "hours", "minutes", "seconds", "monthdays",
             "weekdays", "yearsdays", "weekyears", "moon")
_DATE_SPEC = ("years", "months", "monthdays", "hours", "minutes", "seconds", "yeardays",
              "weekyears", "weeks", "weekdays", "moon", "yearsdays")


def _date_expression(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "operation": _enum("in_range", "gt", "lt", "date_spec"),
                    "start": _text, "end": _text}, ("id", "operation"))
    op = e.get("operation")
    kids = _only(run, e, ("duration", "date_spec"))
    start, end = e.get("start") is not None, e.get("end") is not None
    if op == "in_range":
        if not (start or end):
            run.problem(e, "in_range needs start= or end=")
        _count(run, e, kids, "date_spec", 0, 0)
        _count(run, e, kids, "duration", 0, 1)
    elif op == "gt":
        if not start or end or kids:
            run.problem(e, "gt takes start= only")
    elif op == "lt":
        if not end or start or kids:
            run.problem(e, "lt takes end= only")
    elif op == "date_spec":
        if start or end:
            run.problem(e, "date_spec takes no start= or end=")
        _count(run, e, kids, "date_spec", 1, 1)
        _count(run, e, kids, "duration", 0, 0)
    for c in kids:
        names = _DURATION if c.tag == "duration" else _DATE_SPEC
        _attrs(run, c, {"id": _id, **{n: _text for n in names}}, ("id",))
        _leaf(run, c)


def _nvset(run: _Run, e: etree._Element, context: str = "") -> None:
    """instance_attributes, meta_attributes, utilization, cluster_property_set."""
    if e.get("id-ref") is not None:
        _attrs(run, e, {"id-ref": _idref}, ("id-ref",))
        if _children(e):
            run.problem(e, "a reference to an attribute set has no content")
        return
    _attrs(run, e, {"id": _id, "score": _score}, ("id",))
    kids = _only(run, e, ("nvpair", "rule"))
    _count(run, e, kids, "rule", 0, 1)
    for c in kids:
        if c.tag == "rule":
            _rule(run, c, context)
            continue
        _leaf(run, c)
        if c.get("id-ref") is not None:
            _attrs(run, c, {"id-ref": _idref, "name": _text}, ("id-ref",))
            continue
        _attrs(run, c, {"id": _id, "name": _text, "value": _text}, ("id", "name"))
        name = c.get("name")
        if context == "crm_config" and name is not None:
            if name in UNSUPPORTED_PROPERTIES:
                run.problem(c, f"cluster option '{name}' is not supported by this schema "
                               f"(it was renamed or removed in Pacemaker 2)")
            elif name == "cluster-infrastructure" and c.get("value") in OLD_INFRASTRUCTURES:
                run.problem(c, f"cluster-infrastructure='{c.get('value')}' is not supported")
        elif context == "primitive-meta" and name in UNSUPPORTED_RSC_META:
            run.problem(c, f"meta attribute '{name}' is not supported by this schema")
        elif context == "op-meta" and name == "requires":
            run.problem(c, "'requires' is not an operation meta attribute in this schema "
                           "(set it as a resource meta attribute)")
        elif context == "primitive-params" and not run.at_least(3, 1) \
                and name in UNSUPPORTED_STONITH_PARAMS_3_0:
            run.problem(c, f"parameter '{name}' is not supported by this schema")


# ---------------------------------------------------------------- resources

def _operations(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "id-ref": _idref})
    on_fail = ("ignore", "block", "stop", "restart", "standby", "fence", "restart-container")
    if run.at_least(3, 4):
        on_fail += ("demote",)
    for op in _only(run, e, ("op",)):
        _attrs(run, op, {"id": _id, "name": _text, "interval": _text, "description": _text,
                         "start-delay": _text, "interval-origin": _text, "timeout": _text,
                         "enabled": _boolean, "record-pending": _boolean, "role": _roles,
                         "on-fail": _enum(*on_fail)}, ("id", "name", "interval"))
        if op.get("start-delay") is not None and op.get("interval-origin") is not None:
            run.problem(op, "start-delay and interval-origin exclude each other")
        for c in _only(run, op, ("meta_attributes", "instance_attributes")):
            _nvset(run, c, "op-meta" if c.tag == "meta_attributes" else "")


def _primitive(run: _Run, e: etree._Element) -> None:
    template = e.tag == "template"
    spec = {"id": _id, "class": _text, "provider": _text, "type": _text, "description": _text}
    if not template:
        spec["template"] = _idref
    _attrs(run, e, spec, ("id",))
    cls = e.get("class")
    if e.get("template") is not None:
        if cls is not None or e.get("type") is not None or e.get("provider") is not None:
            run.problem(e, "a primitive made from a template has no class, provider or type")
    else:
        if cls is None or e.get("type") is None:
            run.problem(e, "class and type are required")
        elif cls == "ocf":
            if e.get("provider") is None:
                run.problem(e, "an ocf resource needs a provider")
        elif cls not in RESOURCE_CLASSES:
            run.problem(e, f"class='{cls}' is not one of ocf, {', '.join(RESOURCE_CLASSES)}")
        elif e.get("provider") is not None:
            run.problem(e, f"class {cls} takes no provider")
    kids = _only(run, e, ("meta_attributes", "instance_attributes", "operations",
                          "utilization"))
    _count(run, e, kids, "operations", 0, 1)
    for c in kids:
        if c.tag == "operations":
            _operations(run, c)
        elif c.tag == "meta_attributes":
            _nvset(run, c, "primitive-meta")
        elif c.tag == "instance_attributes":
            _nvset(run, c, "primitive-params")
        else:
            _nvset(run, c)


def _resource_extra(run: _Run, e: etree._Element, kids: list[etree._Element]) -> None:
    for c in kids:
        if c.tag in ("meta_attributes", "instance_attributes"):
            _nvset(run, c)


def _group(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "description": _text}, ("id",))
    kids = _only(run, e, ("meta_attributes", "instance_attributes", "primitive"))
    _resource_extra(run, e, kids)
    _count(run, e, kids, "primitive", 1, None)
    for c in kids:
        if c.tag == "primitive":
            _primitive(run, c)


def _clone(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "description": _text}, ("id",))
    kids = _only(run, e, ("meta_attributes", "instance_attributes", "primitive", "group"))
    _resource_extra(run, e, kids)
    if sum(1 for c in kids if c.tag in ("primitive", "group")) != 1:
        run.problem(e, f"a {e.tag} contains exactly one primitive or group")
    for c in kids:
        if c.tag == "primitive":
            _primitive(run, c)
        elif c.tag == "group":
            _group(run, c)


def _bundle(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "description": _text}, ("id",))
    engines = ("docker", "rkt", "podman") if run.at_least(3, 2) else ("docker", "rkt")
    kids = _only(run, e, engines + ("network", "storage", "primitive", "meta_attributes",
                                    "instance_attributes"))
    _resource_extra(run, e, kids)
    if sum(1 for c in kids if c.tag in engines) != 1:
        run.problem(e, f"a bundle has exactly one of {', '.join(engines)}")
    for tag in ("network", "storage", "primitive"):
        _count(run, e, kids, tag, 0, 1)
    for c in kids:
        if c.tag in engines:
            _attrs(run, c, {"image": _text, "replicas": _integer,
                            "replicas-per-host": _integer, "masters": _integer,
                            "promoted-max": _integer, "run-command": _text, "network": _text,
                            "options": _text}, ("image",))
            _leaf(run, c)
            if c.get("masters") is not None and c.get("promoted-max") is not None:
                run.problem(c, "masters and promoted-max exclude each other")
        elif c.tag == "network":
            _attrs(run, c, {"ip-range-start": _text, "control-port": _integer,
                            "host-interface": _text, "host-netmask": _integer,
                            "add-host": _boolean})
            for pm in _only(run, c, ("port-mapping",)):
                _attrs(run, pm, {"id": _id, "port": _integer, "internal-port": _integer,
                                 "range": _text}, ("id",))
                _leaf(run, pm)
                if (pm.get("port") is None) == (pm.get("range") is None):
                    run.problem(pm, "a port-mapping has either port= or range=")
                elif pm.get("range") is not None:
                    if pm.get("internal-port") is not None:
                        run.problem(pm, "internal-port goes with port=, not range=")
                    if not _RANGE.match(pm.get("range", "")):
                        run.problem(pm, f"range='{pm.get('range')}' is not a port range")
        elif c.tag == "storage":
            _attrs(run, c, {})
            for sm in _only(run, c, ("storage-mapping",)):
                _attrs(run, sm, {"id": _id, "source-dir": _text, "source-dir-root": _text,
                                 "target-dir": _text, "options": _text}, ("id", "target-dir"))
                _leaf(run, sm)
                if (sm.get("source-dir") is None) == (sm.get("source-dir-root") is None):
                    run.problem(sm, "a storage-mapping has either source-dir= or "
                                    "source-dir-root=")
        elif c.tag == "primitive":
            _primitive(run, c)


_RESOURCES: dict[str, Callable[[_Run, etree._Element], None]] = {
    "primitive": _primitive, "template": _primitive, "group": _group, "clone": _clone,
    "master": _clone, "bundle": _bundle,
}


# ---------------------------------------------------------------- constraints

def _resource_set(run: _Run, e: etree._Element, with_kind: bool) -> None:
    if e.get("id-ref") is not None:
        _attrs(run, e, {"id-ref": _idref}, ("id-ref",))
        return
    spec: dict[str, Check] = {"id": _id, "sequential": _boolean, "require-all": _boolean,
                              "ordering": _enum("group", "listed"), "action": _enum(*ACTIONS),
                              "role": _roles, "score": _score, "kind": _enum(*KINDS)}
    _attrs(run, e, spec, ("id",))
    if e.get("score") is not None and e.get("kind") is not None:
        run.problem(e, "score and kind exclude each other")
    refs = _only(run, e, ("resource_ref",))
    if not refs:
        run.problem(e, "a resource set needs at least one resource_ref")
    for r in refs:
        _attrs(run, r, {"id": _idref}, ("id",))
        _leaf(run, r)


def _sets_or(run: _Run, e: etree._Element, kids: list[etree._Element],
             simple: tuple[str, ...], what: str) -> None:
    has_sets = any(c.tag == "resource_set" for c in kids)
    present = [a for a in simple if e.get(a) is not None]
    if has_sets and present:
        run.problem(e, f"{', '.join(present)} cannot be combined with resource sets")
    elif not has_sets and len(present) != len(simple):
        missing = [a for a in simple if e.get(a) is None]
        run.problem(e, f"needs {what} (missing {', '.join(missing)})")
    for c in kids:
        if c.tag == "resource_set":
            _resource_set(run, c, False)


def _lifetime(run: _Run, e: etree._Element) -> None:
    for r in _only(run, e, ("rule",)):
        _rule(run, r, "location")


def _location(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "rsc": _idref, "rsc-pattern": _text, "role": _roles,
                    "score": _score, "node": _text, "resource-discovery":
                    _enum("always", "never", "exclusive")}, ("id",))
    kids = _only(run, e, ("resource_set", "rule", "lifetime"))
    has_sets = any(c.tag == "resource_set" for c in kids)
    targets = [a for a in ("rsc", "rsc-pattern") if e.get(a) is not None]
    if has_sets:
        if targets or e.get("role") is not None:
            run.problem(e, "rsc, rsc-pattern and role cannot be combined with resource sets")
    elif len(targets) != 1:
        run.problem(e, "needs exactly one of rsc, rsc-pattern or resource sets")
    rules = [c for c in kids if c.tag == "rule"]
    has_node = e.get("node") is not None or e.get("score") is not None
    if rules and has_node:
        run.problem(e, "score/node and rules exclude each other")
    elif not rules and not (e.get("node") is not None and e.get("score") is not None):
        run.problem(e, "needs a score and a node, or rules")
    _count(run, e, kids, "lifetime", 0, 1)
    for c in kids:
        if c.tag == "resource_set":
            _resource_set(run, c, False)
        elif c.tag == "rule":
            _rule(run, c, "location")
        elif c.tag == "lifetime":
            _lifetime(run, c)


def _colocation(run: _Run, e: etree._Element) -> None:
    spec: dict[str, Check] = {"id": _id, "score": _score, "rsc": _idref, "with-rsc": _idref,
                              "node-attribute": _text, "rsc-role": _roles,
                              "with-rsc-role": _roles}
    if run.at_least(3, 6):
        spec["influence"] = _text
    if run.version >= (99, 0):
        spec.update({"rsc-instance": _integer, "with-rsc-instance": _integer})
    _attrs(run, e, spec, ("id",))
    kids = _only(run, e, ("resource_set", "lifetime"))
    _sets_or(run, e, kids, ("rsc", "with-rsc"), "rsc and with-rsc, or resource sets")
    if any(c.tag == "resource_set" for c in kids):
        for a in ("node-attribute", "rsc-role", "with-rsc-role"):
            if e.get(a) is not None:
                run.problem(e, f"{a} cannot be combined with resource sets")
    for c in kids:
        if c.tag == "lifetime":
            _lifetime(run, c)


def _order(run: _Run, e: etree._Element) -> None:
    spec: dict[str, Check] = {"id": _id, "symmetrical": _boolean, "require-all": _boolean,
                              "score": _score, "kind": _enum(*KINDS), "first": _idref,
                              "then": _idref, "first-action": _enum(*ACTIONS),
                              "then-action": _enum(*ACTIONS)}
    if run.version >= (99, 0):
        spec.update({"first-instance": _integer, "then-instance": _integer})
    _attrs(run, e, spec, ("id",))
    if e.get("score") is not None and e.get("kind") is not None:
        run.problem(e, "score and kind exclude each other")
    kids = _only(run, e, ("resource_set", "lifetime"))
    _sets_or(run, e, kids, ("first", "then"), "first and then, or resource sets")
    if any(c.tag == "resource_set" for c in kids):
        for a in ("first-action", "then-action"):
            if e.get(a) is not None:
                run.problem(e, f"{a} cannot be combined with resource sets")
    for c in kids:
        if c.tag == "lifetime":
            _lifetime(run, c)


def _ticket(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {"id": _id, "rsc": _idref, "rsc-role": _roles, "ticket": _text,
                    "loss-policy": _enum("stop", "demote", "fence", "freeze")},
           ("id", "ticket"))
    kids = _only(run, e, ("resource_set",))
    _sets_or(run, e, kids, ("rsc",), "rsc or resource sets")
    if kids and e.get("rsc-role") is not None:
        run.problem(e, "rsc-role cannot be combined with resource sets")


_CONSTRAINTS: dict[str, Callable[[_Run, etree._Element], None]] = {
    "rsc_location": _location, "rsc_colocation": _colocation, "rsc_order": _order,
    "rsc_ticket": _ticket,
}


# ---------------------------------------------------------------- the other sections

def _node(run: _Run, e: etree._Element) -> None:
    types = ("member", "ping", "remote")
    _attrs(run, e, {"id": _text, "uname": _text, "type": _enum(*types),
                    "description": _text, "score": _score}, ("id", "uname"))
    for c in _only(run, e, ("instance_attributes", "utilization")):
        _nvset(run, c)


def _fencing(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for lv in _only(run, e, ("fencing-level",)):
        _attrs(run, lv, {"id": _id, "target": _text, "target-pattern": _text,
                         "target-attribute": _text, "target-value": _text,
                         "index": _positive, "devices": _text}, ("id", "index", "devices"))
        _leaf(run, lv)
        kinds = [a for a in ("target", "target-pattern") if lv.get(a) is not None]
        pair = [a for a in ("target-attribute", "target-value") if lv.get(a) is not None]
        if len(pair) == 1:
            run.problem(lv, "target-attribute and target-value go together")
        if len(kinds) + (1 if pair else 0) != 1:
            run.problem(lv, "needs exactly one of target, target-pattern or "
                            "target-attribute/target-value")
        devices = lv.get("devices")
        if devices is not None and not _DEVICES.match(devices):
            run.problem(lv, f"devices='{devices}' is not a comma-separated list of ids")


def _acls(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for c in _only(run, e, ("acl_target", "acl_group", "acl_role")):
        _top(run, c)
        if c.tag in ("acl_target", "acl_group"):
            spec: dict[str, Check] = {"id": _text if c.tag == "acl_target" else _id}
            if run.at_least(3, 8):
                spec["name"] = _text
            _attrs(run, c, spec, ("id",))
            for r in _only(run, c, ("role",)):
                _attrs(run, r, {"id": _idref}, ("id",))
                _leaf(run, r)
            continue
        _attrs(run, c, {"id": _id, "description": _text}, ("id",))
        for p in _only(run, c, ("acl_permission",)):
            _attrs(run, p, {"id": _id, "kind": _enum("read", "write", "deny"), "xpath": _text,
                            "reference": _idref, "object-type": _text, "attribute": _text,
                            "description": _text}, ("id", "kind"))
            _leaf(run, p)
            chosen = [a for a in ("xpath", "reference", "object-type") if p.get(a) is not None]
            if len(chosen) != 1:
                run.problem(p, "needs exactly one of xpath, reference or object-type")
            elif p.get("attribute") is not None and chosen != ["object-type"]:
                run.problem(p, "attribute goes with object-type only")


def _tags(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for t in _only(run, e, ("tag",)):
        _top(run, t)
        _attrs(run, t, {"id": _id}, ("id",))
        refs = _only(run, t, ("obj_ref",))
        if not refs:
            run.problem(t, "a tag needs at least one obj_ref")
        for r in refs:
            _attrs(run, r, {"id": _text if run.at_least(3, 3) else _idref}, ("id",))
            _leaf(run, r)


def _alerts(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for a in _only(run, e, ("alert",)):
        _top(run, a)
        _attrs(run, a, {"id": _id, "description": _text, "path": _text}, ("id", "path"))
        kids = _only(run, a, ("meta_attributes", "instance_attributes", "select", "recipient"))
        _count(run, a, kids, "select", 0, 1)
        for c in kids:
            if c.tag in ("meta_attributes", "instance_attributes"):
                _nvset(run, c, "alert")
            elif c.tag == "recipient":
                _attrs(run, c, {"id": _id, "description": _text, "value": _text},
                       ("id", "value"))
                for s in _only(run, c, ("meta_attributes", "instance_attributes")):
                    _nvset(run, s, "alert")
            elif c.tag == "select":
                _attrs(run, c, {})
                sel = _only(run, c, ("select_attributes", "select_fencing", "select_nodes",
                                     "select_resources"))
                for tag in ("select_attributes", "select_fencing", "select_nodes",
                            "select_resources"):
                    _count(run, c, sel, tag, 0, 1)
                for s in sel:
                    _attrs(run, s, {})
                    if s.tag == "select_attributes":
                        for at in _only(run, s, ("attribute",)):
                            _attrs(run, at, {"id": _id, "name": _text}, ("id", "name"))
                            _leaf(run, at)
                    elif _children(s):
                        run.problem(s, f"<{s.tag}> has no content")


def _defaults(run: _Run, e: etree._Element) -> None:
    _attrs(run, e, {})
    for c in _only(run, e, ("meta_attributes",)):
        _top(run, c)
        _nvset(run, c, str(e.tag))


def _top(run: _Run, e: etree._Element) -> None:
    """Note the element the next findings belong to."""
    if e.tag == "fencing-topology":
        run.top = ("fencing_topology", False)
    elif e.tag in ("meta_attributes", "cluster_property_set") and \
            e.getparent() is not None and e.getparent().tag in ("crm_config", "rsc_defaults",
                                                               "op_defaults"):
        run.top = (e.get("id", ""), False)
    else:
        run.top = (e.get("id", ""), e.tag == "node")


def _section(run: _Run, sec: etree._Element) -> None:
    tag = sec.tag
    run.top = None
    if tag == "crm_config":
        _attrs(run, sec, {})
        for c in _only(run, sec, ("cluster_property_set",)):
            _top(run, c)
            _nvset(run, c, "crm_config")
    elif tag == "nodes":
        _attrs(run, sec, {})
        for c in _only(run, sec, ("node",)):
            _top(run, c)
            _node(run, c)
    elif tag == "resources":
        _attrs(run, sec, {})
        for c in _only(run, sec, tuple(_RESOURCES)):
            if c.tag in _RESOURCES:
                _top(run, c)
                _RESOURCES[str(c.tag)](run, c)
    elif tag == "constraints":
        _attrs(run, sec, {})
        for c in _only(run, sec, tuple(_CONSTRAINTS)):
            if c.tag in _CONSTRAINTS:
                _top(run, c)
                _CONSTRAINTS[str(c.tag)](run, c)
    elif tag == "fencing-topology":
        _top(run, sec)
        _fencing(run, sec)
    elif tag in ("rsc_defaults", "op_defaults"):
        _defaults(run, sec)
    elif tag == "acls":
        _acls(run, sec)
    elif tag == "tags":
        _tags(run, sec)
    elif tag == "alerts":
        _alerts(run, sec)
    else:
        run.problem(sec, "is not a section of the configuration")


def _collect_ids(run: _Run, conf: etree._Element) -> None:
    """The id checks alone, for schemas this module does not know in detail."""
    for e in conf.iter():
        if not isinstance(e.tag, str):
            continue
        ident = e.get("id")
        if ident is not None and e.tag not in ("node", "resource_ref", "obj_ref", "role",
                                               "acl_target", "role_ref"):
            _id(run, e, "id", ident)
        for name in ("id-ref", "rsc", "with-rsc", "first", "then", "template"):
            value = e.get(name)
            if value is not None and (name == "id-ref" or e.tag.startswith("rsc_")
                                      or name == "template"):
                _idref(run, e, name, value)
        if e.tag == "resource_ref" and ident is not None:
            _idref(run, e, "id", ident)


def schema_problems(conf: etree._Element, schema: str) -> list[SchemaProblem]:
    """Schema problems of a ``<configuration>`` element under ``validate-with=schema``, each
    naming the element it is in.  Empty when it validates."""
    version = schema_version(schema)
    run = _Run(version or (0, 0), full=version is not None and version >= (3, 0))
    if run.full:
        seen: set[str] = set()
        for sec in _children(conf):
            if sec.tag in seen:
                run.problem(sec, "appears twice in the configuration")
            seen.add(str(sec.tag))
            _section(run, sec)
        run.top = None
        for required in ("crm_config", "nodes", "resources", "constraints"):
            if required not in seen:
                run.problems.append(SchemaProblem(
                    f"configuration: the <{required}> section is missing"))
    else:
        _collect_ids(run, conf)
    for where, name, value, top in run.refs:
        if value not in run.ids:
            run.problems.append(SchemaProblem(
                f"{where}: {name}='{value}' refers to an id that does not exist", top))
    return run.problems


def validate_configuration(conf: etree._Element, schema: str) -> list[str]:
    """The messages of :func:`schema_problems` (``rsc_location l1: ...``)."""
    return [p.message for p in schema_problems(conf, schema)]
