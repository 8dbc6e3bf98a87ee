"""Attribute values that crmsh drops when it reads a CIB, because they are the defaults.

crmsh cleans every CIB it reads: an expression's ``type="string"`` and a rule's
``boolean-op="and"`` are removed (and the cleaned form is what its next commit writes back),
so ``configure show`` never prints ``string:eq``; it also moves the primitive of a bundle
after the bundle's other parts.  A configure session does the same when it
reads the CIB, so that what it shows and what it commits match crmsh.  Other defaults (a
node's ``type="normal"``, a resource set's ``sequential="true"``) are only hidden when shown;
crmsh leaves them in the file, and so do we.
"""

from __future__ import annotations

from typing import Any

from hacrm.cib import model as m
from hacrm.cib.ids import children


def drop_read_defaults(cfg: m.Configuration) -> None:
    """Remove ``type="string"`` from expressions and ``boolean-op="and"`` from rules, and put
    the primitive of a bundle last."""
    stack: list[Any] = []
    for section in (cfg.crm_config, cfg.nodes, cfg.resources, cfg.constraints,
                    cfg.rsc_defaults, cfg.op_defaults, cfg.alerts):
        stack.extend(section)
    while stack:
        obj = stack.pop()
        if isinstance(obj, m.Expression):
            if obj.type == "string":
                obj.type = None
            continue
        if isinstance(obj, m.Rule) and obj.boolean_op == "and":
            obj.boolean_op = None
        elif isinstance(obj, m.Bundle):
            obj.parts.sort(key=lambda p: isinstance(p, m.Primitive))
        stack.extend(children(obj))
