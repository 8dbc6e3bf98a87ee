"""The messages nodes exchange, and their byte encoding.

A message is a type byte, a small JSON header and, for the two data-carrying types, a binary
body.  JSON keeps the control messages readable in a packet dump and easy to validate; the body
carries application bytes (CIB text) without escaping.  Decoding never trusts its input even
after the packet was authenticated: every field is type-checked and anything malformed raises
:class:`WireError`, which the transport counts as a rejected packet.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, Union


class WireError(Exception):
    """A packet body that does not decode to a valid message."""


@dataclass(frozen=True, order=True)
class RingId:
    """A membership's identity: its representative's node id and a sequence number.

    Printed as corosync 3 prints it (``corosync-quorumtool``: representative and sequence
    number in hexadecimal, ``1.2c``).  Sequence numbers only grow, so comparing them orders
    memberships in time.
    """

    seq: int
    rep: int

    def __str__(self) -> str:
        return f"{self.rep:x}.{self.seq:x}"

    def to_json(self) -> list[int]:
        return [self.rep, self.seq]


# ---------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Heartbeat:
    """Sent to every configured node each heartbeat interval, in every state.

    ``aru`` is the highest sequence number received without gaps, ``high`` the highest the
    sender knows was assigned (the representative's own counter), ``stable`` the point below
    which every member has everything (only meaningful from the representative), ``heard`` the
    nodes the sender received anything from recently (used to decide whether a merge can work).
    """

    ring: RingId
    operational: bool
    aru: int
    high: int
    stable: int
    heard: tuple[int, ...]


@dataclass(frozen=True)
class Join:
    """Membership proposal during the gather phase: who I can reach, whom I gave up on.

    ``ring`` and ``aru`` describe the sender's previous ring, for recovery; ``max_seq`` the
    highest ring sequence number the sender ever saw.
    """

    ring: RingId
    proc: frozenset[int]
    fail: frozenset[int]
    max_seq: int
    aru: int


@dataclass(frozen=True)
class Commit:
    """The representative's announcement of an agreed membership and each member's old ring."""

    ring: RingId
    members: tuple[int, ...]
    olds: tuple[tuple[int, RingId, int], ...]  # (node, old ring, old aru)


@dataclass(frozen=True)
class Recovered:
    """A member finished delivering its old ring's messages and is ready to install."""

    ring: RingId


@dataclass(frozen=True)
class Install:
    """The representative installs the ring: every member has recovered."""

    ring: RingId


@dataclass(frozen=True)
class Leave:
    """The sender leaves the cluster on purpose (clean shutdown)."""

    ring: RingId


@dataclass(frozen=True)
class Submit:
    """A fragment of an application message, sent by its origin to the representative.

    ``sub`` numbers the origin's fragments within the ring (a FIFO stream acknowledged
    cumulatively by :class:`SubmitAck`); ``idx`` / ``count`` place the fragment in its message.
    """

    ring: RingId
    sub: int
    idx: int
    count: int
    body: bytes


@dataclass(frozen=True)
class SubmitAck:
    """The representative has every fragment of the receiver's stream up to ``sub``."""

    ring: RingId
    sub: int


@dataclass(frozen=True)
class Data:
    """An ordered fragment: ``seq`` is its place in the ring's total order."""

    ring: RingId
    seq: int
    origin: int
    idx: int
    count: int
    stable: int
    body: bytes


@dataclass(frozen=True)
class Ack:
    """A member's progress (``aru``), sent to the representative."""

    ring: RingId
    aru: int


@dataclass(frozen=True)
class Nack:
    """Sequence numbers a member is missing; the receiver sends them again."""

    ring: RingId
    seqs: tuple[int, ...]


@dataclass(frozen=True)
class RecoverReq:
    """During recovery: send me ``first``..``last`` of the old ring ``ring``."""

    ring: RingId
    first: int
    last: int


Message = Union[Heartbeat, Join, Commit, Recovered, Install, Leave, Submit, SubmitAck, Data, Ack,
                Nack, RecoverReq]

_TYPES: dict[type, int] = {Heartbeat: 1, Join: 2, Commit: 3, Recovered: 4, Install: 5, Leave: 6,
                           Submit: 7, SubmitAck: 8, Data: 9, Ack: 10, Nack: 11, RecoverReq: 12}
_BY_CODE = {code: cls for cls, code in _TYPES.items()}
_HEAD = struct.Struct("!BH")  # type, header length

MAX_LIST = 4096


# ---------------------------------------------------------------------------- encoding


def encode(msg: Message) -> bytes:
    """Bytes for ``msg``."""
    body = b""
    h: dict[str, Any]
    if isinstance(msg, Heartbeat):
        h = {"r": msg.ring.to_json(), "o": int(msg.operational), "a": msg.aru, "h": msg.high,
             "s": msg.stable, "n": list(msg.heard)}
    elif isinstance(msg, Join):
        h = {"r": msg.ring.to_json(), "p": sorted(msg.proc), "f": sorted(msg.fail),
             "m": msg.max_seq, "a": msg.aru}
    elif isinstance(msg, Commit):
        h = {"r": msg.ring.to_json(), "m": list(msg.members),
             "o": [[n, r.to_json(), a] for n, r, a in msg.olds]}
    elif isinstance(msg, (Recovered, Install, Leave)):
        h = {"r": msg.ring.to_json()}
    elif isinstance(msg, Submit):
        h = {"r": msg.ring.to_json(), "u": msg.sub, "i": msg.idx, "c": msg.count}
        body = msg.body
    elif isinstance(msg, SubmitAck):
        h = {"r": msg.ring.to_json(), "u": msg.sub}
    elif isinstance(msg, Data):
        h = {"r": msg.ring.to_json(), "q": msg.seq, "g": msg.origin, "i": msg.idx,
             "c": msg.count, "s": msg.stable}
        body = msg.body
    elif isinstance(msg, Ack):
        h = {"r": msg.ring.to_json(), "a": msg.aru}
    elif isinstance(msg, Nack):
        h = {"r": msg.ring.to_json(), "q": list(msg.seqs)}
    elif isinstance(msg, RecoverReq):
        h = {"r": msg.ring.to_json(), "f": msg.first, "l": msg.last}
    else:  # pragma: no cover - the Union is closed
        raise TypeError(f"not a message: {msg!r}")
    header = json.dumps(h, separators=(",", ":")).encode()
    return _HEAD.pack(_TYPES[type(msg)], len(header)) + header + body


def _int(h: dict[str, Any], key: str, lo: int = 0, hi: int = 2**63 - 1) -> int:
    value = h.get(key)
    if type(value) is not int or not lo <= value <= hi:
        raise WireError(f"field {key!r} is not an integer in range")
    return value


def _ring(value: Any) -> RingId:
    if (not isinstance(value, list) or len(value) != 2
            or any(type(v) is not int or v < 0 for v in value)):
        raise WireError("malformed ring id")
    return RingId(seq=value[1], rep=value[0])


def _ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise WireError("malformed node list")
    for v in value:
        if type(v) is not int or not 0 < v < 2**32:
            raise WireError("malformed node id")
    return tuple(value)


def _seqs(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise WireError("malformed sequence list")
    for v in value:
        if type(v) is not int or v < 0:
            raise WireError("malformed sequence number")
    return tuple(value)


def decode(data: bytes) -> Message:
    """The message in ``data``; :class:`WireError` when it is not one."""
    if len(data) < _HEAD.size:
        raise WireError("message too short")
    code, hlen = _HEAD.unpack_from(data)
    cls = _BY_CODE.get(code)
    if cls is None:
        raise WireError(f"unknown message type {code}")
    if _HEAD.size + hlen > len(data):
        raise WireError("header length beyond the message")
    try:
        h = json.loads(data[_HEAD.size:_HEAD.size + hlen])
    except (ValueError, UnicodeDecodeError):
        raise WireError("header is not JSON") from None
    if not isinstance(h, dict):
        raise WireError("header is not an object")
    body = bytes(data[_HEAD.size + hlen:])
    ring = _ring(h.get("r"))
    if cls is not Submit and cls is not Data and body:
        raise WireError("unexpected body")
    if cls is Heartbeat:
        o = h.get("o")
        if o not in (0, 1):
            raise WireError("malformed flag")
        return Heartbeat(ring, bool(o), _int(h, "a"), _int(h, "h"), _int(h, "s"),
                         _ids(h.get("n")))
    if cls is Join:
        return Join(ring, frozenset(_ids(h.get("p"))), frozenset(_ids(h.get("f"))),
                    _int(h, "m"), _int(h, "a"))
    if cls is Commit:
        olds_raw = h.get("o")
        if not isinstance(olds_raw, list) or len(olds_raw) > MAX_LIST:
            raise WireError("malformed commit")
        olds = []
        for entry in olds_raw:
            if not isinstance(entry, list) or len(entry) != 3:
                raise WireError("malformed commit entry")
            node, old_ring, aru = entry
            if type(node) is not int or node <= 0 or type(aru) is not int or aru < 0:
                raise WireError("malformed commit entry")
            olds.append((node, _ring(old_ring), aru))
        return Commit(ring, _ids(h.get("m")), tuple(olds))
    if cls is Recovered:
        return Recovered(ring)
    if cls is Install:
        return Install(ring)
    if cls is Leave:
        return Leave(ring)
    if cls is Submit:
        idx, count = _int(h, "i", 0, 2**31), _int(h, "c", 1, 2**31)
        if idx >= count:
            raise WireError("fragment index beyond count")
        return Submit(ring, _int(h, "u", 1), idx, count, body)
    if cls is SubmitAck:
        return SubmitAck(ring, _int(h, "u"))
    if cls is Data:
        idx, count = _int(h, "i", 0, 2**31), _int(h, "c", 1, 2**31)
        if idx >= count:
            raise WireError("fragment index beyond count")
        return Data(ring, _int(h, "q", 1), _int(h, "g", 1, 2**32 - 1), idx, count,
                    _int(h, "s"), body)
    if cls is Ack:
        return Ack(ring, _int(h, "a"))
    if cls is Nack:
        return Nack(ring, _seqs(h.get("q")))
    if cls is RecoverReq:
        first, last = _int(h, "f", 1), _int(h, "l", 1)
        if last < first:
            raise WireError("empty recovery range")
        return RecoverReq(ring, first, last)
    raise WireError("unhandled type")  # pragma: no cover
