"""The node daemon's local API: a unix socket the shell and the tools talk to.

One JSON object per line in each direction.  A request is ``{"id", "op", "args", "body"}``
(``body`` carries CIB text); the answer repeats the ``id`` with ``ok`` and ``result`` or
``error``.  A ``watch`` request turns the connection into a stream of ``{"event", "data"}``
lines (membership, quorum, DC and CIB changes) until the client hangs up.

Root, the daemon's own user and members of the ``haclient`` group may connect, as with
Pacemaker: when that group exists the socket is mode 0660 and its directory 0750, both of that
group (otherwise 0600 in an 0700 directory, the daemon's umask being 077 when it binds), and
each connection's peer credentials (``SO_PEERCRED``: user, primary group, and the user's
groups) are checked as well, so a socket copied or re-permissioned by mistake still refuses
other users.  Each connection carries the caller's :class:`~hacrm.engine.acl.Identity`, which
the daemon uses for CIB ACLs (:mod:`hacrm.engine.access`).
"""

from __future__ import annotations

import asyncio
import grp
import json
import os
import pwd
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hacrm.engine.acl import Identity

#: the group whose members may use the local API (Pacemaker's CRM_DAEMON_GROUP)
CLIENT_GROUP = "haclient"
MAX_LINE = 256 << 20
#: sun_path holds 108 bytes; longer paths go through the directory's /proc/self/fd entry
MAX_SUN_PATH = 100


class _ShortPath:
    """A path to ``path`` short enough for bind/connect, valid inside the ``with`` block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> str:
        if len(os.fsencode(str(self.path))) <= MAX_SUN_PATH:
            return str(self.path)
        self.fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        return f"/proc/self/fd/{self.fd}/{self.path.name}"

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)


class ApiError(Exception):
    """The daemon could not be reached or refused the request; the message is for the user."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result or {}


def peer_uid(sock: socket.socket) -> int | None:
    """The user id of the process at the other end of a unix socket (Linux)."""
    opt = getattr(socket, "SO_PEERCRED", None)
    if opt is None:
        return None
    raw = sock.getsockopt(socket.SOL_SOCKET, opt, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return uid


def allowed_uid(uid: int | None) -> bool:
    return uid is None or uid == os.getuid() or uid == 0


def peer_credentials(sock: socket.socket) -> tuple[int, int, int] | None:
    """(pid, uid, gid) of the process at the other end of a unix socket (Linux)."""
    opt = getattr(socket, "SO_PEERCRED", None)
    if opt is None:
        return None
    raw = sock.getsockopt(socket.SOL_SOCKET, opt, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def identify(uid: int, gid: int, group: str = CLIENT_GROUP) -> tuple[Identity, bool]:
    """The caller's identity, and whether it may use the socket at all (root, the daemon's
    user, or a member of ``group`` by its primary group or the group database)."""
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = f"#{uid}"
    names = set()
    gids = {gid}
    if not user.startswith("#"):
        try:
            gids |= set(os.getgrouplist(user, gid))
        except OSError:
            pass
    for g in gids:
        try:
            names.add(grp.getgrgid(g).gr_name)
        except KeyError:
            pass
    privileged = uid in (0, os.getuid())
    return Identity(uid, user, frozenset(names), privileged), privileged or group in names


class Connection:
    """One client; ``watching`` connections receive events."""

    def __init__(self, writer: asyncio.StreamWriter, identity: Identity | None = None) -> None:
        self.writer = writer
        self.watching = False
        #: who is calling (None when the platform cannot tell: treated as privileged)
        self.identity = identity

    async def send(self, obj: dict[str, Any]) -> None:
        self.writer.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
        await self.writer.drain()

    def push(self, obj: dict[str, Any]) -> None:
        """Queue an event without waiting (a slow watcher is dropped, never waited for)."""
        if self.writer.is_closing():
            return
        transport = self.writer.transport
        if transport.get_write_buffer_size() > (16 << 20):
            self.writer.close()
            return
        self.writer.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")


Handler = Callable[[dict[str, Any], Connection], Awaitable[dict[str, Any]]]


def _no_constant(name: str) -> None:
    """JSON has no NaN or Infinity (Python's decoder accepts them by default)."""
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


class ApiServer:
    def __init__(self, path: Path, handler: Handler,
                 log: Callable[[str, str], None]) -> None:
        self.path = Path(path)
        self.handler = handler
        self.log = log
        self.server: asyncio.AbstractServer | None = None
        self.connections: set[Connection] = set()
        self.refused = 0

    async def start(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        old = os.umask(0o077)
        try:
            with _ShortPath(self.path) as path:
                self.server = await asyncio.start_unix_server(self._client, path=path,
                                                              limit=MAX_LINE)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self._open_to_group()

    def _open_to_group(self) -> None:
        """Let the client group in through the file permissions (when it exists and we may
        give files to it); the peer check in :meth:`_client` stays the real guard."""
        try:
            gid = grp.getgrnam(CLIENT_GROUP).gr_gid
        except KeyError:
            return
        try:
            os.chown(self.path.parent, -1, gid)
            os.chown(self.path, -1, gid)
        except OSError:
            return
        os.chmod(self.path.parent, 0o750)
        os.chmod(self.path, 0o660)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            for conn in list(self.connections):
                conn.writer.close()
            await self.server.wait_closed()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def broadcast(self, event: str, data: dict[str, Any]) -> None:
        for conn in list(self.connections):
            if conn.watching:
                if event == "message" and conn.identity is not None \
                        and not conn.identity.privileged:
                    continue  # the cluster's own traffic, CIB contents included
                conn.push({"event": event, "data": data})

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        creds = peer_credentials(sock) if sock is not None else None
        identity, allowed = identify(creds[1], creds[2]) if creds else (None, True)
        uid = creds[1] if creds else None
        conn = Connection(writer, identity)
        if not allowed:
            self.refused += 1
            if self.refused == 1 or self.refused % 100 == 0:
                self.log("warning", f"refused local API connection from uid {uid} "
                                    f"({self.refused} so far)")
            who = identity.user if identity is not None else f"uid {uid}"
            try:
                await conn.send({"id": None, "ok": False,
                                 "error": f"permission denied: user {who} is not root or a "
                                          f"member of the {CLIENT_GROUP} group"})
            except (ConnectionError, OSError):
                pass
            writer.close()
            return
        self.connections.add(conn)
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    await conn.send({"id": None, "ok": False, "error": "request too large"})
                    break
                if not line:
                    break
                try:
                    request = json.loads(line, parse_constant=_no_constant,
                                         parse_float=_finite)
                    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                        raise ValueError("a request is an object with an op")
                except RecursionError:
                    await conn.send({"id": None, "ok": False,
                                     "error": "bad request: nested too deeply"})
                    continue
                except ValueError as err:
                    await conn.send({"id": None, "ok": False, "error": f"bad request: {err}"})
                    continue
                try:
                    response = await self.handler(request, conn)
                except Exception as err:  # a bug: answer, log it, keep serving the others
                    self.log("error", f"internal error answering {request.get('op')!r}: "
                                      f"{type(err).__name__}: {err}")
                    response = {"ok": False, "error": f"internal error: {type(err).__name__}"}
                response["id"] = request.get("id")
                await conn.send(response)
        except (ConnectionError, OSError):
            pass
        finally:
            self.connections.discard(conn)
            writer.close()


class ApiClient:
    """A blocking client (the shell is synchronous)."""

    def __init__(self, path: Path | str, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = b""
        self._id = 0

    def _connect(self) -> socket.socket:
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                with _ShortPath(self.path) as path:
                    sock.connect(path)
            except FileNotFoundError:
                sock.close()
                raise ApiError(f"no cluster node is running here (no socket {self.path}); "
                               "start one with `crm cluster start`") from None
            except ConnectionRefusedError:
                sock.close()
                raise ApiError(f"the cluster node daemon is not answering on {self.path} "
                               "(stopped?)") from None
            except PermissionError:
                sock.close()
                raise ApiError(f"permission denied on {self.path}: the local API is for "
                               f"root and members of the {CLIENT_GROUP} group") from None
            except OSError as err:
                sock.close()
                raise ApiError(f"cannot connect to {self.path}: {err.strerror}") from None
            self._sock = sock
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _readline(self, sock: socket.socket) -> bytes:
        while b"\n" not in self._buf:
            try:
                chunk = sock.recv(1 << 20)
            except TimeoutError:
                self.close()
                raise ApiError("the cluster node daemon did not answer in time") from None
            except OSError as err:
                self.close()
                raise ApiError(f"lost the connection to the cluster node: {err}") from None
            if not chunk:
                self.close()
                raise ApiError("the cluster node daemon closed the connection")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def call(self, op: str, args: dict[str, Any] | None = None, body: str | None = None,
             timeout: float | None = None) -> dict[str, Any]:
        """Send one request; return its result or raise :class:`ApiError`."""
        sock = self._connect()
        self._id += 1
        request: dict[str, Any] = {"id": self._id, "op": op, "args": args or {}}
        if body is not None:
            request["body"] = body
        if timeout is not None:
            request["timeout"] = timeout
            sock.settimeout(timeout + 5)
        try:
            sock.sendall(json.dumps(request, separators=(",", ":")).encode() + b"\n")
        except OSError as err:
            self.close()
            raise ApiError(f"lost the connection to the cluster node: {err}") from None
        while True:
            reply = json.loads(self._readline(sock))
            if reply.get("id") in (self._id, None):
                break
        if timeout is not None:
            sock.settimeout(self.timeout)
        if not reply.get("ok"):
            raise ApiError(reply.get("error") or "request failed", reply.get("result"))
        return reply.get("result") or {}

    def events(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Turn this connection into an event stream (``watch``) at once; the iterator yields
        (event, data) from that moment on."""
        self.call("watch")
        return self._stream()

    def _stream(self) -> Iterator[tuple[str, dict[str, Any]]]:
        sock = self._connect()
        while True:
            obj = json.loads(self._readline(sock))
            if "event" in obj:
                yield obj["event"], obj.get("data") or {}
