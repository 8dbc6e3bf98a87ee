"""A whole CIB document: root attributes (versions, schema), the configuration, the status.

The configuration is modelled; the status section is kept as XML text (it belongs to the
cluster, not to the user), so replacing the configuration never disturbs it.
"""

from __future__ import annotations

from lxml import etree

from hacrm.backends.base import CibVersion
from hacrm.cib import model as m
from hacrm.cib.schema_base import NEWEST_SCHEMA
from hacrm.cib.xmlio import CibXmlError, parse_xml, read_configuration, write_configuration
from hacrm.records import field, record

# What `cibadmin --empty` produces with Pacemaker 2.1.5.
CRM_FEATURE_SET = "3.16.1"
#: a new CIB validates with the newest schema, as `cibadmin --empty` makes it
DEFAULT_SCHEMA = NEWEST_SCHEMA


def empty_cib_xml() -> str:
    """An empty CIB, as Pacemaker creates one."""
    return (
        f'<cib crm_feature_set="{CRM_FEATURE_SET}" validate-with="{DEFAULT_SCHEMA}" epoch="1" '
        'num_updates="0" admin_epoch="0">\n'
        "  <configuration>\n    <crm_config/>\n    <nodes/>\n    <resources/>\n"
        "    <constraints/>\n  </configuration>\n  <status/>\n</cib>\n"
    )


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@record
class CibDocument:
    """The parts of a CIB the shell works with."""

    root_attrs: dict[str, str] = field(default_factory=dict)
    configuration: m.Configuration = field(default_factory=m.Configuration)
    status_xml: str | None = None

    @classmethod
    def from_xml(cls, text: str | bytes) -> "CibDocument":
        root = parse_xml(text)
        if root.tag != "cib":
            raise CibXmlError(f"the root element is <{root.tag}>, not <cib>")
        conf = root.find("configuration")
        if conf is None:
            raise CibXmlError("the CIB has no <configuration> section")
        status = root.find("status")
        status_xml = None
        if status is not None:
            status.tail = None
            status_xml = etree.tostring(status, encoding="unicode")
        return cls(dict(root.attrib), read_configuration(conf), status_xml)

    @property
    def version(self) -> CibVersion:
        a = self.root_attrs
        return CibVersion(_int(a.get("admin_epoch")), _int(a.get("epoch")),
                          _int(a.get("num_updates")))

    @property
    def schema(self) -> str:
        return self.root_attrs.get("validate-with", DEFAULT_SCHEMA)

    def to_element(self) -> etree._Element:
        root = etree.Element("cib")
        for k, v in self.root_attrs.items():
            root.set(k, v)
        root.append(write_configuration(self.configuration))
        if self.status_xml is not None:
            root.append(parse_xml(self.status_xml))
        return root

    def to_xml(self) -> str:
        return etree.tostring(self.to_element(), pretty_print=True, encoding="unicode")


def schema_at_least(schema: str, major: int, minor: int) -> bool:
    """True when a ``pacemaker-X.Y`` schema name is at least X.Y (``pacemaker-next`` is)."""
    if schema.endswith("-next"):
        return True
    try:
        x, y = schema.rsplit("-", 1)[1].split(".")
        return (int(x), int(y)) >= (major, minor)
    except (IndexError, ValueError):
        return False
