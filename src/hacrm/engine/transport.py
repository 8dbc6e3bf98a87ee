"""UDP between the nodes: every packet authenticated, replays refused, bad packets counted.

Packet layout (network byte order)::

    magic "HC" | version 1 | flags | sender node id (4) | destination node id (4)
    | incarnation (8) | counter (8) | message bytes | HMAC-SHA256 tag (32) over all before it

The key is derived from the authkey and the cluster name (:func:`authkey.packet_key`).  The
*incarnation* identifies one run of the sender's daemon (a microsecond timestamp that never goes
backwards, kept on disk); the *counter* numbers its packets to one destination.  The
destination is part of what is signed, so a packet captured on its way to one node cannot be
replayed to another.  A receiver remembers, per sender, the newest incarnation (also on disk,
so a restart does not reopen the door) and a window of the counters it accepted: a packet from
an older incarnation, or a counter already seen or too old for the window, is a replay.

A bad packet (too big, too short, foreign, forged, replayed, malformed) is dropped and counted,
and logged once per sender and reason per interval, never more often: a flood of garbage costs
a counter increment, not a disk full of logs.  Size is checked before anything else and the tag
before the body is parsed, so an unauthenticated sender never reaches the JSON decoder.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import socket
import struct
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from hacrm.engine import wire
from hacrm.engine.faults import FaultPlan

MAGIC = b"HC"
VERSION = 1
HEADER = struct.Struct("!2sBBIIQQ")
TAG_SIZE = 32
OVERHEAD = HEADER.size + TAG_SIZE
#: datagrams above this are refused unread (control messages stay far below; data fragments
#: are cut to fit ``netmtu``)
MIN_MAX_PACKET = 9000
REPLAY_WINDOW = 4096
LOG_INTERVAL = 60.0


class Rejected(Exception):
    """A packet that must be dropped; ``reason`` names why, ``sender`` who claimed to send it."""

    def __init__(self, reason: str, sender: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sender = sender


@dataclass
class _Window:
    incarnation: int
    top: int = 0
    mask: int = 0  # bit i set: counter top - i was accepted


class PacketAuth:
    """Seals outgoing packets and opens incoming ones (pure: no sockets, no clock)."""

    def __init__(self, key: bytes, me: int, incarnation: int, nodes: set[int], *,
                 max_packet: int = MIN_MAX_PACKET, known: dict[int, int] | None = None) -> None:
        self.key = key
        self.me = me
        self.incarnation = incarnation
        self.nodes = set(nodes)
        self.max_packet = max_packet
        self.counters: dict[int, int] = {}
        self.windows: dict[int, _Window] = {}
        #: lowest incarnation still acceptable per peer (remembered across restarts)
        self.known: dict[int, int] = dict(known or {})
        #: peers whose incarnation moved since the owner last saved ``known``
        self.changed = False

    def _tag(self, data: bytes) -> bytes:
        return hmac.new(self.key, data, hashlib.sha256).digest()

    def seal(self, message: bytes, dest: int) -> bytes:
        counter = self.counters[dest] = self.counters.get(dest, 0) + 1
        head = HEADER.pack(MAGIC, VERSION, 0, self.me, dest, self.incarnation, counter)
        body = head + message
        return body + self._tag(body)

    def open(self, data: bytes) -> tuple[int, bytes]:
        """(sender, message bytes) of an acceptable packet; :class:`Rejected` otherwise."""
        if len(data) > self.max_packet:
            raise Rejected("oversized")
        if len(data) < OVERHEAD + 3:
            raise Rejected("truncated")
        magic, version, _flags, sender, dest, incarnation, counter = HEADER.unpack_from(data)
        if magic != MAGIC or version != VERSION:
            raise Rejected("not-hacrm")
        if sender not in self.nodes:
            raise Rejected("unknown-node", sender)
        body, tag = data[:-TAG_SIZE], data[-TAG_SIZE:]
        if not hmac.compare_digest(tag, self._tag(body)):
            raise Rejected("bad-signature", sender)
        if sender == self.me:
            raise Rejected("own-node-id", sender)
        if dest != self.me:
            raise Rejected("misdirected", sender)
        self._check_replay(sender, incarnation, counter)
        return sender, body[HEADER.size:]

    def _check_replay(self, sender: int, incarnation: int, counter: int) -> None:
        window = self.windows.get(sender)
        floor = self.known.get(sender, 0)
        if incarnation < floor or (window is not None and incarnation < window.incarnation):
            raise Rejected("replay", sender)
        if window is None or incarnation > window.incarnation:
            window = self.windows[sender] = _Window(incarnation)
            if incarnation != floor:
                self.known[sender] = incarnation
                self.changed = True
        if counter > window.top:
            shift = counter - window.top
            window.mask = ((window.mask << shift) | 1) & ((1 << REPLAY_WINDOW) - 1) \
                if shift < REPLAY_WINDOW else 1
            window.top = counter
            return
        offset = window.top - counter
        if offset >= REPLAY_WINDOW or window.mask >> offset & 1:
            raise Rejected("replay", sender)
        window.mask |= 1 << offset


@dataclass
class RejectLog:
    """Counts rejected packets; says when one deserves a log line (once per sender, reason and
    interval, with the number suppressed since)."""

    interval: float = LOG_INTERVAL
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _last: dict[tuple[str, str], float] = field(default_factory=dict)
    _suppressed: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def note(self, who: str, reason: str, now: float) -> str | None:
        self.counts[reason] += 1
        key = (who, reason)
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._suppressed[key] += 1
            return None
        self._last[key] = now
        suppressed = self._suppressed.pop(key, 0)
        more = f" ({suppressed} more since the last report)" if suppressed else ""
        return f"dropped packet from {who}: {_REASONS.get(reason, reason)}{more}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


_REASONS = {
    "oversized": "larger than any valid packet",
    "truncated": "too short to be a valid packet",
    "not-hacrm": "not an hacrm packet (wrong magic or version)",
    "unknown-node": "sender is not in the nodelist",
    "bad-signature": "authentication failed (wrong authkey or forged packet)",
    "own-node-id": "claims our own node id (duplicate nodeid in the cluster?)",
    "replay": "replayed or duplicated packet",
    "misdirected": "signed for another node (replayed from elsewhere?)",
    "malformed": "authenticated but malformed message",
}


class UdpEndpoint(asyncio.DatagramProtocol):
    """The daemon's socket: seals and sends messages, opens and hands on what arrives."""

    def __init__(self, auth: PacketAuth, addresses: dict[int, tuple[str, int]],
                 on_message: Callable[[int, wire.Message], None],
                 log: Callable[[str, str], None], faults: FaultPlan | None = None) -> None:
        self.auth = auth
        self.addresses = addresses
        self.on_message = on_message
        self.log = log
        self.faults = faults or FaultPlan()
        self.rejects = RejectLog()
        self.transport: asyncio.DatagramTransport | None = None
        self.sent = 0
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for opt, force in ((socket.SO_RCVBUF, getattr(socket, "SO_RCVBUFFORCE", None)),
                               (socket.SO_SNDBUF, getattr(socket, "SO_SNDBUFFORCE", None))):
                try:
                    sock.setsockopt(socket.SOL_SOCKET, force or opt, 4 << 20)
                except (OSError, TypeError):
                    try:
                        sock.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
                    except OSError:
                        pass

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        now = time.monotonic()
        try:
            sender, payload = self.auth.open(data)
        except Rejected as rej:
            who = f"{addr[0]}:{addr[1]}" + (f" (claims node {rej.sender})"
                                            if rej.sender is not None else "")
            line = self.rejects.note(f"{addr[0]}:{addr[1]}", rej.reason, now)
            if line:
                self.log("warning", line.replace(f"{addr[0]}:{addr[1]}", who, 1))
            return
        if self.faults.drops_incoming(sender, self.auth.me, now):
            return
        try:
            msg = wire.decode(payload)
        except wire.WireError as err:
            line = self.rejects.note(f"node {sender}", "malformed", now)
            if line:
                self.log("warning", f"{line}: {err}")
            return
        self.received += 1
        self.on_message(sender, msg)

    def drain(self) -> int:
        """Read and discard every datagram waiting in the socket; return how many.

        Used after the daemon was stalled: what piled up meanwhile is old news (a join
        saying we are gone, sent seconds ago) and acting on it would do harm; everything
        the protocol needs is repeated or retransmitted anyway.
        """
        if self.transport is None:
            return 0
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return 0
        count = 0
        while count < 1_000_000:
            try:
                os.read(sock.fileno(), 65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            count += 1
        return count

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (a peer's port closed) say nothing reliable; the token timeout decides
        pass

    def send(self, dst: int, msg: wire.Message) -> None:
        addr = self.addresses.get(dst)
        if addr is None or self.transport is None or self.transport.is_closing():
            return
        delays = self.faults.on_send(self.auth.me, dst, time.monotonic())
        if not delays:
            return
        packet = self.auth.seal(wire.encode(msg), dst)
        for delay in delays:
            self.sent += 1
            if delay <= 0:
                self.transport.sendto(packet, addr)
            else:
                asyncio.get_running_loop().call_later(delay, self._late_send, packet, addr)

    def _late_send(self, packet: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(packet, addr)
