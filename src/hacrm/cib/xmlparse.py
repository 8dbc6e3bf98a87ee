"""Parsing XML text safely: no entity expansion, no DTD, no network, a bounded tree.

A CIB may come from a file anyone could have written; nothing in it should make the parser
fetch, expand or allocate without bound.
"""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False,
    load_dtd=False,
)


class CibXmlError(ValueError):
    """The text is not a usable CIB (not XML, or not the expected structure)."""


def parse_xml(text: str | bytes) -> etree._Element:
    """Parse XML text safely (no entities, no DTD, no network)."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    try:
        root = etree.fromstring(text, _PARSER)
    except etree.XMLSyntaxError as err:
        raise CibXmlError(f"not valid XML: {err}") from None
    if root is None:
        raise CibXmlError("empty XML document")
    return root


def to_text(elem: etree._Element, pretty: bool = True) -> str:
    """Serialise an element as Pacemaker's tools print it (two-space indentation)."""
    return etree.tostring(elem, pretty_print=pretty, encoding="unicode")
