"""The machinery of the schema checks: the run, the value types, rules and attribute sets.

Each check reports into a :class:`_Run` (a sentence per broken rule, naming the element);
the element checks themselves are in :mod:`hacrm.cib.schema_elements`, the entry point in
:mod:`hacrm.cib.schema`.
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


#: the schemas Pacemaker 2.1.5 ships, oldest first; ``validate-with`` may name any of them
KNOWN_SCHEMAS = ("pacemaker-1.0", "pacemaker-1.2", "pacemaker-1.3",
                 *(f"pacemaker-2.{n}" for n in range(11)),
                 *(f"pacemaker-3.{n}" for n in range(10)), "pacemaker-next")
#: the newest released schema: new CIBs get it, and ``configure upgrade force`` moves a CIB to
#: it as ``cibadmin --upgrade`` does (``pacemaker-next`` is for testing, never chosen)
NEWEST_SCHEMA = "pacemaker-3.9"


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
