"""Parsing XML text safely: no entity expansion, no DTD, no network, a bounded tree.

A CIB may come from a file anyone could have written; nothing in it should make the parser
fetch, expand or allocate without bound.
"""

from __future__ import annotations

from lxml import etree

from hacrm import xmlsafe


class CibXmlError(ValueError):
    """The text is not a usable CIB (not XML, or not the expected structure)."""


def parse_xml(text: str | bytes) -> etree._Element:
    """Parse XML text safely (no DOCTYPE or entities, no network, bounded size and depth)."""
    try:
        return xmlsafe.parse(text, "the document")
    except xmlsafe.XmlRefused as err:
        raise CibXmlError(str(err)) from None


def to_text(elem: etree._Element, pretty: bool = True) -> str:
    """Serialise an element as Pacemaker's tools print it (two-space indentation)."""
    return etree.tostring(elem, pretty_print=pretty, encoding="unicode")
