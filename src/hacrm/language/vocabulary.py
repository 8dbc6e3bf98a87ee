"""The words of the configure language and the record of a parsed element, without the parser.

Everything here is needed by code that must not load the grammar (the renderer, the editor,
the semantic checks): showing a configuration stays fast because it never imports Lark.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from hacrm.diagnostics import Diagnostic
from hacrm.records import field, record

if TYPE_CHECKING:
    from hacrm.language.parse import LogicalLine

# Attributes the schema allows on <op>; any other name=value of an op is an instance attribute.
OP_ATTRIBUTES = ("id", "name", "interval", "description", "start-delay", "interval-origin",
                 "timeout", "enabled", "record-pending", "role", "on-fail")
RESOURCE_ROLES = ("Stopped", "Started", "Promoted", "Unpromoted", "Master", "Slave")
RESOURCE_ACTIONS = ("start", "promote", "demote", "stop")
ORDER_KINDS = ("Optional", "Mandatory", "Serialize")
SCORE_TYPES = {"advisory": "0", "mandatory": "INFINITY"}
EXPRESSION_TYPES = ("string", "integer", "number", "version")
DATE_SPEC_NAMES = ("hours", "monthdays", "weekdays", "yearsdays", "months", "weeks", "years",
                   "weekyears", "moon")
IN_RANGE_ATTRS = ("start", "end")
ACL_SPEC_MAP = {"xpath": "xpath", "ref": "reference", "reference": "reference",
                "tag": "object-type", "type": "object-type", "attr": "attribute",
                "attribute": "attribute"}
# XPath shortcuts of ACL rules; '@@' is replaced by the words after the shortcut.
ACL_SHORTCUTS: dict[str, tuple[str, ...]] = {
    "meta": ("//primitive[@id='@@']/meta_attributes", "/nvpair[@name='@@']"),
    "params": ("//primitive[@id='@@']/instance_attributes", "/nvpair[@name='@@']"),
    "utilization": ("//primitive[@id='@@']/utilization",),
    "location": ("//rsc_location[@id='cli-prefer-@@' and @rsc='@@']",),
    "property": ("//crm_config/cluster_property_set", "/nvpair[@name='@@']"),
    "nodeattr": ("//nodes/node/instance_attributes", "/nvpair[@name='@@']"),
    "nodeutil": ("//nodes/node/utilization", "[@uname='@@']"),
    "node": ("//nodes/node", "[@uname='@@']"),
    "status": ("/cib/status",),
    "cib": ("/cib",),
}
_IDENT_RE = re.compile(r"^[A-Za-z_][\w.-]*$")


@record
class Definition:
    """One parsed element: the model object plus what it refers to by id.

    ``members`` are the ids a group, clone or ms contains (resolved by the editor, which moves
    the existing primitives inside); ``op_target`` is the resource a ``monitor`` line adds an
    op to; ``warnings`` are messages crmsh prints while accepting the line.
    """

    kind: str
    element: Any
    line: "LogicalLine"
    members: list[str] = field(default_factory=list)
    op_target: str | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    # the container an element read from XML was nested in (None at the top level)
    members_of: str | None = None

    @property
    def id(self) -> str:
        return getattr(self.element, "id", "") or ""


def canonize(value: str, choices: tuple[str, ...]) -> str | None:
    """``value`` spelt as in ``choices`` (case-insensitive match), or None."""
    low = value.lower()
    for c in choices:
        if c.lower() == low:
            return c
    return None


def is_valid_id(value: str) -> bool:
    """An XML id as Pacemaker accepts it (crmsh refuses others)."""
    return _IDENT_RE.match(value) is not None
