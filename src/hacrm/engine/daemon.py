"""The node daemon: one OS process per node, an asyncio loop that owns every socket and clock.

``python -m hacrm.engine.daemon --root DIR [--config FILE] [--name NODE]`` runs in the
foreground (``crm cluster start`` and the sandbox start it detached).  The loop feeds
:class:`~hacrm.engine.node.NodeCore` with ticks, packets and client requests and carries out
its effects; blocking work (writing the CIB, fsync) runs in a worker thread, so a slow disk
never delays a heartbeat.  SIGTERM (or the API's ``shutdown``) leaves the membership cleanly:
the other nodes form their new membership at once instead of waiting for the token timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import logging
import logging.handlers
import os
import queue
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from hacrm.engine import access
from hacrm.engine import authkey as authkey_mod
from hacrm.engine import config as cconf
from hacrm.engine.cibfiles import CibFiles
from hacrm.engine.cibstore import Cib
from hacrm.engine.faults import FaultError, FaultPlan, rule_from_json
from hacrm.engine.localapi import ApiServer, Connection
from hacrm.engine.membership import Log, SaveRingSeq, Shutdown, Tick, Transmit
from hacrm.engine.node import (
    ApiCall,
    ApiCancel,
    AppMessage,
    NodeCore,
    Notify,
    Packet,
    Persist,
    Persisted,
    Reply,
    Send,
)
from hacrm.engine.paths import Layout
from hacrm.engine.quorum import QuorumConfigError
from hacrm.engine.transport import MIN_MAX_PACKET, PacketAuth, UdpEndpoint

NOTICE = 25
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": NOTICE,
           "warning": logging.WARNING, "error": logging.ERROR}
CORE_OPS = {"query", "status", "replace_configuration", "cib_update"}
DEFAULT_CALL_TIMEOUT = 60.0
#: modules that extend the daemon (the controller and executor plug in here): each has
#: ``attach(daemon)`` returning an object with an optional ``async def stop()``; a module that
#: is not installed is skipped
EXTENSIONS = ("hacrm.engine.controller",)


class StartupError(Exception):
    """The daemon cannot start; the message says why and what to do."""


# ---------------------------------------------------------------------------- node identity


def _is_local_address(addr: str) -> bool:
    try:
        infos = socket.getaddrinfo(addr, None, type=socket.SOCK_DGRAM)
    except socket.gaierror:
        return False
    for family, _, _, _, sockaddr in infos:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            try:
                s.bind((sockaddr[0], 0))
                return True
            except OSError:
                continue
    return False


def resolve_node(config: cconf.ClusterConfig, name: str | None) -> cconf.NodeEntry:
    """Which node of the nodelist this process is: ``--name``, the host name, or the only
    node whose ring0_addr is an address of this machine."""
    names = ", ".join(n.name for n in config.nodes)
    if name:
        node = config.node_by_name(name)
        if node is None and name.isdigit():
            node = config.node_by_id(int(name))
        if node is None:
            raise StartupError(f"node {name!r} is not in the nodelist ({names})")
        return node
    host = socket.gethostname()
    for candidate in (host, host.split(".")[0]):
        node = config.node_by_name(candidate)
        if node is not None:
            return node
    local = [n for n in config.nodes if _is_local_address(n.addr)]
    if len(local) == 1:
        return local[0]
    raise StartupError(f"cannot tell which node of the nodelist ({names}) this host is; "
                       "pass --name NODE")


# ---------------------------------------------------------------------------- small state


class NodeState:
    """What a node remembers between runs besides the CIB: ring sequence, incarnations."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ring_seq = 0
        self.incarnation = 0
        self.peers: dict[int, int] = {}
        try:
            data = json.loads(path.read_text())
            self.ring_seq = int(data.get("ring_seq", 0))
            self.incarnation = int(data.get("incarnation", 0))
            self.peers = {int(k): int(v) for k, v in (data.get("peers") or {}).items()}
        except (FileNotFoundError, ValueError, TypeError, AttributeError):
            pass

    def save(self) -> None:
        data = json.dumps({"ring_seq": self.ring_seq, "incarnation": self.incarnation,
                           "peers": {str(k): v for k, v in self.peers.items()}})
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with open(tmp, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


# ---------------------------------------------------------------------------- the daemon


class Daemon:
    def __init__(self, layout: Layout, config: cconf.ClusterConfig, node: cconf.NodeEntry,
                 key: bytes, *, sandbox: str | None = None,
                 logger: logging.Logger | None = None) -> None:
        self.layout = layout
        self.config = config
        self.node = node
        self.key = key
        self.sandbox = sandbox
        self.logger = logger or logging.getLogger("hacrm")
        self.stopping = asyncio.Event()
        self.calls: dict[int, asyncio.Future] = {}
        self.call_id = 0
        self._persist_next: Persist | None = None
        self._persist_wake = asyncio.Event()
        self._persist_idle = asyncio.Event()
        self._persist_idle.set()
        self._state_dirty = False
        self.started_wall = time.time()
        self.view_log: list[dict[str, Any]] = []
        #: callables receiving every AppMessage and Notify (the controller plugs in here)
        self.listeners: list[Any] = []
        self.extensions: list[Any] = []
        #: local API calls extensions answer: op -> async handler(args, body) -> response
        self.api_ops: dict[str, Any] = {}
        self.faults = FaultPlan()
        self.failed: BaseException | None = None
        self.last_tick = time.monotonic()

    # -- logging ------------------------------------------------------------------------
    def log(self, level: str, text: str) -> None:
        self.logger.log(_LEVELS.get(level, logging.INFO), text)

    # -- effects ------------------------------------------------------------------------
    def handle(self, effects: list) -> None:
        for eff in effects:
            if isinstance(eff, Transmit):
                self.endpoint.send(eff.dst, eff.msg)
            elif isinstance(eff, Log):
                self.log(eff.level, eff.text)
            elif isinstance(eff, Reply):
                fut = self.calls.pop(eff.call, None)
                if fut is not None and not fut.done():
                    fut.set_result(eff)
            elif isinstance(eff, Persist):
                self._persist_next = eff
                self._persist_idle.clear()
                self._persist_wake.set()
            elif isinstance(eff, Notify):
                if eff.kind == "view":
                    entry = dict(eff.data)
                    entry["at"] = time.time()
                    self.view_log.append(entry)
                    del self.view_log[:-50]
                self.api.broadcast(eff.kind, eff.data)
                for listener in self.listeners:
                    listener(eff)
            elif isinstance(eff, SaveRingSeq):
                self.state.ring_seq = max(self.state.ring_seq, eff.seq)
                self._state_dirty = True
            elif isinstance(eff, AppMessage):
                self.api.broadcast("message", {
                    "kind": eff.kind, "origin": eff.origin, "header": eff.header,
                    "body": eff.body.decode("utf-8", "replace")})
                for listener in self.listeners:
                    listener(eff)

    def step(self, event: Any) -> None:
        """Feed the core one event and carry out its effects.

        A bug in the core must not leave a node that answers heartbeats but does nothing
        else: the daemon logs it and exits at once, so the others see it go.
        """
        if self.failed is not None:
            return
        try:
            effects = self.core.step(event, time.monotonic())
        except Exception as err:
            self.failed = err
            self.logger.exception("internal error in the cluster state machine; exiting")
            self.stopping.set()
            return
        self.handle(effects)

    # -- what extensions (the controller) use -------------------------------------------
    @property
    def is_dc(self) -> bool:
        return self.core.dc == self.core.me and self.core.cib_synced

    def send(self, kind: str, header: dict[str, Any], body: bytes = b"") -> None:
        """Broadcast an application message in the total order; every member (this one too)
        gets it as an :class:`AppMessage`."""
        self.step(Send(kind, header, body))

    async def cib_update(self, op: str, args: dict[str, Any], body: bytes = b"",
                         timeout: float = DEFAULT_CALL_TIMEOUT) -> Reply:
        """Change the CIB through the DC (a ``cibstore.OPERATIONS`` operation); the reply
        comes once the change is on this node's disk."""
        self.call_id += 1
        call = self.call_id
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self.calls[call] = fut
        self.step(ApiCall(call, "cib_update", {"op": op, "args": args}, body))
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            self.calls.pop(call, None)
            self.step(ApiCancel(call))
            return Reply(call, False, {}, f"no answer within {timeout:g} s")

    # -- loops --------------------------------------------------------------------------
    async def _ticker(self) -> None:
        tick = self.core.timing.tick
        next_save = time.monotonic()
        while not self.stopping.is_set():
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self.last_tick > self.core.timing.token / 2:
                dropped = self.endpoint.drain()
                if dropped:
                    self.log("warning", f"discarded {dropped} packet(s) received while this "
                                        "daemon was not running")
            self.last_tick = now
            self.step(Tick())
            now = time.monotonic()
            if (self._state_dirty or self.auth.changed) and now >= next_save:
                self._state_dirty = False
                self.auth.changed = False
                self.state.peers = dict(self.auth.known)
                next_save = now + 1.0
                try:
                    await asyncio.to_thread(self.state.save)
                except OSError as err:
                    self.log("error", f"cannot save {self.state.path}: {err}")

    async def _writer(self) -> None:
        """Write the newest CIB the core asked for; intermediate versions are skipped."""
        while True:
            await self._persist_wake.wait()
            self._persist_wake.clear()
            while self._persist_next is not None:
                self._persist_next = None
                # the current CIB, whatever number of changes led to it
                text, version = self.core.cib.text(), self.core.cib.version
                try:
                    await asyncio.to_thread(self.files.save, text, version)
                except OSError as err:
                    self.log("error", f"cannot write the CIB to {self.files.dir}: {err}; "
                                      "retrying in 1 s")
                    await asyncio.sleep(1.0)
                    if self._persist_next is None:
                        self._persist_next = Persist(version)
                    continue
                self.step(Persisted(version))
            self._persist_idle.set()

    # -- local API ----------------------------------------------------------------------
    async def _api(self, req: dict[str, Any], conn: Connection) -> dict[str, Any]:
        op = req["op"]
        args = req.get("args") or {}
        if not isinstance(args, dict):
            return {"ok": False, "error": "args must be an object"}
        refused = access.check(op, req, conn.identity, self.core.cib.root)
        if refused is not None:
            return refused
        if op == "ping":
            return {"ok": True, "result": {"node": self.node.name, "pid": os.getpid()}}
        if op == "watch":
            conn.watching = True
            return {"ok": True, "result": {}}
        if op == "shutdown":
            asyncio.get_running_loop().call_soon(self.stopping.set)
            return {"ok": True, "result": {}}
        if op == "fault":
            return self._fault(args)
        if op == "send":
            kind = args.get("kind")
            if not isinstance(kind, str) or kind in ("state", "cib-req", "cib-upd", "cib-sync"):
                return {"ok": False, "error": "send needs a kind of its own"}
            self.step(Send(kind, args.get("header") or {}, (req.get("body") or "").encode()))
            return {"ok": True, "result": {}}
        if op in self.api_ops:
            return await self.api_ops[op](args, req.get("body"))
        if op not in CORE_OPS:
            return {"ok": False, "error": f"unknown request {op!r}"}
        body = req.get("body") or ""
        if not isinstance(body, str):
            return {"ok": False, "error": "body must be text"}
        timeout = req.get("timeout", DEFAULT_CALL_TIMEOUT)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            timeout = DEFAULT_CALL_TIMEOUT
        self.call_id += 1
        call = self.call_id
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self.calls[call] = fut
        self.step(ApiCall(call, op, args, body.encode()))
        try:
            reply: Reply = await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            self.calls.pop(call, None)
            self.step(ApiCancel(call))
            return {"ok": False, "error": f"no answer within {timeout:g} s (is there a DC? "
                                          "see `crm cluster status`); the change may still "
                                          "be applied later"}
        result = dict(reply.result)
        if op == "status":
            result.update(self._status_extra())
        return access.filter_result(op, {"ok": reply.ok, "result": result, "error": reply.error},
                                    conn.identity, self.core.cib.root)

    def _status_extra(self) -> dict[str, Any]:
        now = time.monotonic()
        return {"pid": os.getpid(), "sandbox": self.sandbox, "root": str(self.layout.root),
                "incarnation": self.auth.incarnation, "packet_counters": {str(k): v for k, v in self.auth.counters.items()},
                "peers": {str(k): {"incarnation": w.incarnation, "last_counter": w.top}
                          for k, w in self.auth.windows.items()},
                "uptime": time.time() - self.started_wall,
                "rejected": dict(self.endpoint.rejects.counts),
                "faults": self.faults.to_json(now), "view_log": self.view_log[-20:],
                "packets": {"sent": self.endpoint.sent, "received": self.endpoint.received}}

    def _fault(self, args: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        if args.get("clear"):
            self.faults.clear()
        rules = args.get("rules") or []
        if not isinstance(rules, list):
            return {"ok": False, "error": "rules must be a list"}
        try:
            parsed = [rule_from_json(r, now) for r in rules if isinstance(r, dict)]
        except FaultError as err:
            return {"ok": False, "error": str(err)}
        for rule in parsed:
            self.faults.add(rule)
            self.log("warning", f"fault injected: {rule.to_json(now)}")
        return {"ok": True, "result": {"faults": self.faults.to_json(now)}}

    # -- main ---------------------------------------------------------------------------
    async def run(self) -> None:
        self.state = NodeState(self.layout.state / "state.json")
        incarnation = max(time.time_ns() // 1000, self.state.incarnation + 1)
        self.state.incarnation = incarnation
        await asyncio.to_thread(self.state.save)
        self.files = CibFiles(self.layout.cib_dir)
        loaded = await asyncio.to_thread(self.files.load)
        for warning in loaded.warnings:
            self.log("warning", f"CIB: {warning}")
        cib = loaded.cib or Cib.empty()
        self.log("notice", f"node {self.node.name} (id {self.node.nodeid}) starting; CIB "
                 f"{cib.version} from {loaded.source or 'scratch (new node)'}")
        for warning in self.config.warnings:
            self.log("warning", warning.format())
        self.core = NodeCore(self.node.nodeid, self.config, cib, ring_seq=self.state.ring_seq,
                             now=time.monotonic())
        for warning in self.core.vq.warnings:
            self.log("warning", f"quorum: {warning}")
        addresses = {}
        for n in self.config.nodes:
            try:
                info = await asyncio.get_running_loop().getaddrinfo(
                    n.addr, n.port, type=socket.SOCK_DGRAM)
            except socket.gaierror as err:
                raise StartupError(f"cannot resolve {n.name}'s ring0_addr {n.addr}: {err}")
            addresses[n.nodeid] = info[0][4][:2]
        self.auth = PacketAuth(self.key, self.node.nodeid, incarnation, set(addresses),
                               max_packet=max(MIN_MAX_PACKET, self.config.totem.netmtu),
                               known=self.state.peers)
        self.endpoint = UdpEndpoint(self.auth, addresses, self._on_message, self.log,
                                    self.faults)
        self.api = ApiServer(self.layout.socket, self._api, self.log)
        loop = asyncio.get_running_loop()
        local = addresses[self.node.nodeid]
        try:
            await loop.create_datagram_endpoint(lambda: self.endpoint, local_addr=local)
        except OSError as err:
            raise StartupError(f"cannot bind UDP {local[0]}:{local[1]}: {err.strerror}")
        try:
            await self.api.start()
        except OSError as err:
            raise StartupError(f"cannot create the local API socket {self.layout.socket}: "
                               f"{err.strerror or err}")
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        writer = asyncio.create_task(self._writer())
        ticker = asyncio.create_task(self._ticker())
        self.log("notice", f"listening on {local[0]}:{local[1]}, local API {self.layout.socket}")
        self._attach_extensions()
        await self.stopping.wait()
        for ext in reversed(self.extensions):
            stop = getattr(ext, "stop", None)
            if stop is not None:
                try:
                    await stop()
                except Exception:
                    self.logger.exception("an extension failed to stop")
        if self.failed is None:
            self.log("notice", "shutting down: leaving the membership")
            self.step(Shutdown())
            await asyncio.sleep(0.05)  # let the leave messages go out
        ticker.cancel()
        self._persist_wake.set()
        try:
            await asyncio.wait_for(self._persist_idle.wait(), 30)
        except TimeoutError:
            self.log("error", "the last CIB write did not finish in 30 s")
        writer.cancel()
        self.state.peers = dict(self.auth.known)
        await asyncio.to_thread(self.state.save)
        await self.api.close()
        if self.endpoint.transport is not None:
            self.endpoint.transport.close()
        self.log("notice", "stopped")

    def _attach_extensions(self) -> None:
        import importlib

        for name in EXTENSIONS:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name == name:
                    continue
                raise
            self.extensions.append(module.attach(self))
            self.log("info", f"extension {name} attached")

    def _on_message(self, src: int, msg: Any) -> None:
        now = time.monotonic()
        if now - self.last_tick > self.core.timing.token / 2:
            # We were not running (stopped, starved) for a long while and this is the first
            # thing we see: drop the backlog, let the core notice the stall, start afresh.
            dropped = self.endpoint.drain() + 1
            self.last_tick = now
            self.step(Tick())
            self.log("warning", f"discarded {dropped} packet(s) received while this daemon "
                                "was not running")
            return
        self.step(Packet(src, msg))


# ---------------------------------------------------------------------------- process setup


def _setup_logging(path: Path | None, to_stderr: bool, debug: bool, node: str,
                   to_syslog: bool = False) -> logging.handlers.QueueListener:
    for level, name in ((logging.DEBUG, "debug"), (logging.INFO, "info"), (NOTICE, "notice"),
                        (logging.WARNING, "warning"), (logging.ERROR, "error")):
        logging.addLevelName(level, name)
    handlers: list[logging.Handler] = []
    fmt = logging.Formatter(f"%(asctime)s.%(msecs)03d %(levelname)-7s [{node}] %(message)s",
                            "%b %d %H:%M:%S")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path))
    if to_stderr or not handlers:
        handlers.append(logging.StreamHandler(sys.stderr))
    for h in handlers:
        h.setFormatter(fmt)
    if to_syslog and os.path.exists("/dev/log"):
        syslog = logging.handlers.SysLogHandler(
            address="/dev/log", facility=logging.handlers.SysLogHandler.LOG_DAEMON)
        syslog.setFormatter(logging.Formatter(f"hacrm[%(process)d]: [{node}] %(message)s"))
        handlers.append(syslog)
    q: queue.SimpleQueue = queue.SimpleQueue()
    logger = logging.getLogger("hacrm")
    logger.handlers[:] = [logging.handlers.QueueHandler(q)]
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    listener = logging.handlers.QueueListener(q, *handlers)
    listener.start()
    return listener


class PidLock:
    """The pid file, held locked for the daemon's life: a second daemon cannot start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(self.fd, 32).decode(errors="replace").strip()
            os.close(self.fd)
            raise StartupError(f"a node daemon is already running here (pid {other or '?'}, "
                               f"{path})") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hacrm.engine.daemon",
                                description="hacrm cluster node daemon (runs in the foreground)")
    p.add_argument("--root", help="root of the node's files (default $HACRM_ROOT or /)")
    p.add_argument("--config", help="cluster configuration (default ROOT/etc/hacrm/corosync.conf)")
    p.add_argument("--authkey", help="authkey file (default ROOT/etc/hacrm/authkey)")
    p.add_argument("--name", help="this node's name in the nodelist")
    p.add_argument("--sandbox", help="the sandbox directory this node belongs to")
    p.add_argument("--stderr", action="store_true", help="also log to standard error")
    p.add_argument("--debug", action="store_true", help="log debug messages")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    layout = Layout.from_env(args.root)
    try:
        config = cconf.load(args.config or layout.config)
        node = resolve_node(config, args.name)
        key = authkey_mod.load(Path(args.authkey) if args.authkey else layout.authkey)
        layout.make_dirs()
        lock = PidLock(layout.pidfile)
    except (cconf.ConfigError, authkey_mod.AuthKeyError, StartupError, OSError) as err:
        print(f"hacrm daemon: {err}", file=sys.stderr)
        return 2
    os.umask(0o077)
    logfile = None
    if config.logging.to_logfile:
        logfile = Path(config.logging.logfile) if config.logging.logfile and not args.sandbox \
            else layout.logfile
    listener = _setup_logging(logfile, args.stderr or config.logging.to_stderr,
                              args.debug or config.logging.debug, node.name,
                              to_syslog=config.logging.to_syslog and not args.sandbox)
    daemon = Daemon(layout, config, node, authkey_mod.packet_key(key,
                                                                  config.totem.cluster_name),
                    sandbox=args.sandbox)
    try:
        asyncio.run(daemon.run())
        code = 1 if daemon.failed is not None else 0
    except (StartupError, QuorumConfigError) as err:
        daemon.log("error", str(err))
        print(f"hacrm daemon: {err}", file=sys.stderr)
        code = 2
    finally:
        listener.stop()
        lock.release()
    return code


if __name__ == "__main__":
    sys.exit(main())
