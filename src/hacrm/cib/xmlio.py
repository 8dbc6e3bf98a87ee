"""CIB XML in and out: the one import for callers.

:mod:`hacrm.cib.xmlparse` parses text safely, :mod:`hacrm.cib.xmlread` turns XML into the
model without losing anything, :mod:`hacrm.cib.xmlwrite` turns the model back into XML.
"""

from __future__ import annotations

from hacrm.cib.xmlparse import CibXmlError, parse_xml, to_text
from hacrm.cib.xmlread import (
    read_attr_set, read_configuration, read_node, read_primitive, read_rule,
)
from hacrm.cib.xmlwrite import (
    write_acl, write_alert, write_attr_set, write_configuration, write_constraint,
    write_node, write_nvset, write_resource, write_rule,
)

__all__ = [
    "CibXmlError", "parse_xml", "to_text", "read_attr_set", "read_configuration", "read_node",
    "read_primitive", "read_rule", "write_acl", "write_alert", "write_attr_set",
    "write_configuration", "write_constraint", "write_node", "write_nvset", "write_resource",
    "write_rule",
]
