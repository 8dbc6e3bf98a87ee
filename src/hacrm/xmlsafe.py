"""The one way hacrm parses XML it did not write itself: bounded, with no DTD and no entities.

A CIB reaches hacrm from files anyone may have written (``CIB_file``, ``cib import``,
``configure load xml``), from the local API, from other nodes and from agents' meta-data.  None
of these legitimately carries a DOCTYPE, entity declarations or processing instructions, so a
document that does is refused outright rather than "safely" half-read: with entities left
unresolved lxml keeps them as ``_Entity`` nodes, which every reader would then have to expect.

The limits, each refused with a plain message instead of a traceback or an exhausted machine:

* size: :data:`MAX_BYTES` of text (a large production CIB with its status is a few MB);
* depth: :data:`MAX_DEPTH` nested elements (real CIBs stay under 20; libxml2's own limit of
  256 stops the parser before Python code ever walks such a tree recursively);
* no DOCTYPE, no entity references, no processing instructions, no network, no external files
  (libxml2 also caps entity amplification, but nothing here expands entities in the first
  place).

The parser objects are created per call: lxml parsers keep per-document state and are not safe
to share between threads (the engine parses in worker threads).
"""

from __future__ import annotations

import os
import re

from lxml import etree

#: the largest XML text accepted (bytes, after encoding to UTF-8)
MAX_BYTES = 128 << 20
#: the deepest element nesting accepted (the root is depth 1)
MAX_DEPTH = 100


#: the prolog up to a DOCTYPE: found before parsing, so the refusal names the DOCTYPE rather
#: than whatever libxml2 tripped over inside it (an entity amplification limit, say)
_DOCTYPE_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.S)


class XmlRefused(ValueError):
    """The text is not XML hacrm will read; the message says why (with line and column when
    the parser gave them)."""

    def __init__(self, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


_DOCTYPE_MESSAGE = ("{what} has a DOCTYPE (a CIB never has one; DTDs and entities are refused "
                    "so that no file or address named in them is ever read)")


def make_parser(*, remove_blank_text: bool = True, remove_comments: bool = False,
                recover: bool = False) -> etree.XMLParser:
    """A hardened lxml parser: no entity resolution, no DTD loading, no network, libxml2's
    default size and depth limits (``huge_tree`` off)."""
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, dtd_validation=False, no_network=True,
        huge_tree=False, remove_blank_text=remove_blank_text,
        remove_comments=remove_comments, remove_pis=True, recover=recover,
        collect_ids=False,
    )


def to_bytes(text: str | bytes, what: str = "the document") -> bytes:
    """UTF-8 bytes of ``text``, refusing what cannot be encoded (lone surrogates from
    undecodable input) and what is too large."""
    if isinstance(text, str):
        if len(text) > MAX_BYTES:
            raise XmlRefused(f"{what} is too large ({len(text)} characters; at most "
                             f"{MAX_BYTES >> 20} MiB)")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as err:
            raise XmlRefused(f"{what} contains bytes that are not valid UTF-8 "
                             f"(at character {err.start})") from None
    elif isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
    else:
        raise XmlRefused(f"{what} is not text")
    if len(data) > MAX_BYTES:
        raise XmlRefused(f"{what} is too large ({len(data)} bytes; at most "
                         f"{MAX_BYTES >> 20} MiB)")
    return data


def parse(text: str | bytes, what: str = "the document", *, remove_blank_text: bool = True,
          remove_comments: bool = False, recover: bool = False) -> etree._Element:
    """Parse untrusted XML text into its root element; :class:`XmlRefused` otherwise.

    ``what`` names the document in messages ("the CIB", "the status patch").
    """
    data = to_bytes(text, what)
    if not data.strip():
        raise XmlRefused(f"{what} is empty")
    if _DOCTYPE_PROLOG.match(data):
        raise XmlRefused(_DOCTYPE_MESSAGE.format(what=what))
    parser = make_parser(remove_blank_text=remove_blank_text,
                         remove_comments=remove_comments, recover=recover)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        line, column = getattr(err, "position", (None, None)) or (None, None)
        last = err.error_log.last_error if err.error_log else None
        msg = (last.message if last is not None and last.message else str(err)).strip()
        where = f" (line {line}, column {column})" if line else ""
        raise XmlRefused(f"{what} is not well-formed XML: {msg}{where}", line, column) from None
    except (ValueError, LookupError) as err:
        # e.g. an XML declaration naming an encoding nobody knows
        raise XmlRefused(f"{what} cannot be read: {err}") from None
    if root is None:
        raise XmlRefused(f"{what} is empty")
    check_tree(root, what)
    return root


def check_tree(root: etree._Element, what: str = "the document") -> None:
    """Refuse a parsed tree with a DOCTYPE, entity references or excessive nesting."""
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise XmlRefused(_DOCTYPE_MESSAGE.format(what=what))
    depth = 0
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > MAX_DEPTH:
                line = node.sourceline
                raise XmlRefused(f"{what} is nested too deeply (more than {MAX_DEPTH} "
                                 "levels of elements)" + (f" at line {line}" if line else ""),
                                 line)
        else:
            depth -= 1
    for _ in root.iter(etree.Entity):
        raise XmlRefused(f"{what} contains an entity reference (entities are refused)")


def read_text(path: str | os.PathLike[str], what: str | None = None) -> str:
    """The text of an XML file, refused (without reading it) when it is larger than
    :data:`MAX_BYTES`, and when it is not UTF-8.  A ``.bz2`` file (Pacemaker's saved scheduler
    inputs) is decompressed, to at most :data:`MAX_BYTES` as well.  ``OSError`` passes
    through."""
    label = what or str(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_BYTES:
            raise XmlRefused(f"{label} is too large ({size} bytes; at most "
                             f"{MAX_BYTES >> 20} MiB)")
        data = f.read(MAX_BYTES + 1)
    if str(path).endswith(".bz2"):
        import bz2

        decompressor = bz2.BZ2Decompressor()
        try:
            data = decompressor.decompress(data, max_length=MAX_BYTES + 1)
        except (OSError, EOFError, ValueError) as err:
            raise XmlRefused(f"{label} is not a valid bzip2 file: {err}") from None
    if len(data) > MAX_BYTES:  # grew while we read it, not a regular file, or decompressed
        raise XmlRefused(f"{label} is too large (more than {MAX_BYTES >> 20} MiB)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise XmlRefused(f"{label} is not UTF-8 text (byte {err.start})") from None
