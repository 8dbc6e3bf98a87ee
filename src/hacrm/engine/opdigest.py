"""Operation digests: the hashes of a resource's parameters kept in its operation history.

Every ``lrm_rsc_op`` in the CIB status section carries ``op-digest`` (a hash of the parameters
the operation ran with) and, for agents that can reload, ``op-restart-digest`` and
``op-secure-digest``.  The scheduler recomputes the same hashes from the current configuration;
when they differ it restarts or reloads the resource.  So the hashes we write must be the ones
Pacemaker's scheduler computes, byte for byte, or Pacemaker's tools reading a status section we
wrote (and our own scheduler, which follows them) would see every resource as reconfigured.

The recipe, as Pacemaker 2.1.5 applies it:

1. Start from the operation's parameters: instance attributes plus ``CRM_meta_*`` keys (the
   attributes of the transition-graph action).
2. Filter: drop every ``CRM_meta_*`` key and a few bookkeeping names (``id``,
   ``crm_feature_set``, ``op-digest``, ``on_node``, ``on_node_uuid``, ``pcmk_external_ip``);
   for a recurring operation (non-zero ``CRM_meta_interval``) keep ``CRM_meta_timeout``, so
   that changing a monitor's timeout reschedules it.
3. Serialise as one XML element ``<parameters name="value" .../>`` with the attributes sorted by
   name (byte order), values escaped the way Pacemaker's own XML dumper escapes them, prefixed
   with one space and followed by a newline (the "v1" digest format).
4. MD5 of those bytes, as 32 lowercase hex digits.

The restart digest hashes only the parameters that force a restart (listed in
``op-force-restart``); the secure digest hashes everything except the private parameters
(listed in ``op-secure-params``).  Both lists are written as Pacemaker writes them: two spaces,
the names separated by one space in the reverse of their meta-data order, two spaces.

Everything here is pure: no files, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

META_PREFIX = "CRM_meta_"

# Names removed before hashing besides the CRM_meta_* keys (Pacemaker's filter list).
_FILTERED_NAMES = frozenset({
    "id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip",
})

# Parameter names treated as private when an agent's meta-data marks none as private.
IMPLICIT_PRIVATE = ("password", "passwd", "user")

# The secure list the scheduler assumes when it has no history entry to read one from.
DEFAULT_SECURE_LIST = " passwd password user "


def meta_name(name: str) -> str:
    """The ``CRM_meta_`` key for a meta attribute (dashes become underscores, as Pacemaker's
    ``crm_meta_name`` does, so ``on-fail`` travels as ``CRM_meta_on_fail``)."""
    return META_PREFIX + name.replace("-", "_")


def scan_ll(text: str | None) -> int | None:
    """Parse a leading integer the way C's ``strtoll`` does (whitespace, sign, digits; trailing
    text ignored).  None when there are no digits."""
    if text is None:
        return None
    s = text.lstrip(" \t\n\r\f\v")
    i = 0
    if s[:1] in ("+", "-"):
        i = 1
    j = i
    while j < len(s) and s[j].isascii() and s[j].isdigit():
        j += 1
    if j == i:
        return None
    return int(s[:j])


def interval_of(params: Mapping[str, str]) -> int:
    """``CRM_meta_interval`` in milliseconds, 0 when absent or unparsable (as Pacemaker reads it)."""
    value = scan_ll(params.get(META_PREFIX + "interval"))
    if value is None or value < 0 or value > 0xFFFFFFFF:
        return 0
    return value


def filter_for_digest(params: Mapping[str, str]) -> dict[str, str]:
    """Drop what must not influence a digest; keep ``CRM_meta_timeout`` for recurring ops."""
    timeout_key = META_PREFIX + "timeout"
    keep_timeout = interval_of(params) != 0 and timeout_key in params
    out = {k: v for k, v in params.items()
           if not k.startswith(META_PREFIX) and k not in _FILTERED_NAMES}
    if keep_timeout:
        out[timeout_key] = params[timeout_key]
    return out


def _escape_bytes(raw: bytes) -> bytes:
    """Escape an attribute value like Pacemaker's ``crm_xml_escape``.

    Its quirks are kept on purpose because they change the hash: tabs become four spaces,
    newlines and carriage returns become the two characters ``\\n`` / ``\\r``, other control
    bytes and DEL become a backslash and three octal digits, and escaping stops altogether at
    the first pair of bytes with the high bit set (the first multi-byte UTF-8 character), the
    rest of the value being copied as it is.
    """
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b & 0x80 and i + 1 < n and raw[i + 1] & 0x80:
            out += raw[i:]
            return bytes(out)
        if b == 0x3C:
            out += b"&lt;"
        elif b == 0x3E:
            out += b"&gt;"
        elif b == 0x22:
            out += b"&quot;"
        elif b == 0x27:
            out += b"&apos;"
        elif b == 0x26:
            out += b"&amp;"
        elif b == 0x09:
            out += b"    "
        elif b == 0x0A:
            out += b"\\n"
        elif b == 0x0D:
            out += b"\\r"
        elif b < 0x20 or b == 0x7F:
            out += b"\\%03o" % b
        elif b & 0x80:
            # A lone high byte: C's signed char goes negative and is printed as a 32-bit
            # unsigned octal number.
            out += b"\\%03o" % ((b - 256) & 0xFFFFFFFF)
        else:
            out.append(b)
        i += 1
    return bytes(out)


def parameters_text(params: Mapping[str, str]) -> bytes:
    """The bytes that are hashed: `` <parameters a="1" b="2"/>`` plus a newline, sorted."""
    items = sorted(((k.encode("utf-8"), v.encode("utf-8")) for k, v in params.items()),
                   key=lambda kv: kv[0])
    body = b"".join(b" " + k + b'="' + _escape_bytes(v) + b'"' for k, v in items)
    return b" <parameters" + body + b"/>\n"


def digest(params: Mapping[str, str]) -> str:
    """MD5 of an (already filtered) parameter set, as Pacemaker's ``calculate_operation_digest``."""
    return hashlib.md5(parameters_text(params)).hexdigest()


def op_digest(params: Mapping[str, str]) -> str:
    """``op-digest`` of an operation run with ``params`` (instance attributes + CRM_meta_*)."""
    return digest(filter_for_digest(params))


def word_list(names: Iterable[str]) -> str:
    """A parameter list as Pacemaker 2.1.5 writes it: ``"  a b c  "`` (or ``"  "`` if empty)."""
    words = [n for n in names if n]
    return "  " + " ".join(words) + "  " if words else "  "


def _in_list(name: str, listing: str) -> bool:
    """Pacemaker matches names against a list by searching for `` NAME `` in it."""
    return f" {name} " in listing


def restart_digest(params: Mapping[str, str], restart_list: str) -> str:
    """``op-restart-digest``: only the parameters named in ``op-force-restart``."""
    kept = {k: v for k, v in filter_for_digest(params).items() if _in_list(k, restart_list)}
    return digest(kept)


def secure_digest(params: Mapping[str, str], secure_list: str) -> str:
    """``op-secure-digest``: every parameter except those named in ``op-secure-params``."""
    kept = {k: v for k, v in filter_for_digest(params).items() if not _in_list(k, secure_list)}
    return digest(kept)
