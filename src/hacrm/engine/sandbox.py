"""Sandboxes: N node daemons on one machine, for tests, demos and benchmarks.

``crm cluster sandbox start --nodes N --dir DIR`` writes a cluster configuration for nodes
``node1`` ... ``nodeN`` on 127.0.0.1 with a UDP port each (the ``ring0_port`` extension), one
authkey, and a root directory per node (``DIR/nodeK``, the usual layout below it), starts one
daemon process per node and returns once they all see each other and agree on the CIB.  Each
daemon's command line names the sandbox directory.  ``sandbox.json`` records the nodes so that
``stop`` and ``status`` (and ``crm --node NAME``) find them again.

With ``netns`` each node runs in a network namespace of its own on its own address (root only),
which is as close to separate machines as one host gets.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hacrm.engine import authkey as authkey_mod
from hacrm.engine import config as cconf
from hacrm.engine import control, netns
from hacrm.engine.paths import Layout

SANDBOX_ENV = "HACRM_SANDBOX"
NODE_ENV = "HACRM_NODE"
MANIFEST = "sandbox.json"


class SandboxError(Exception):
    """The sandbox cannot do what was asked; the message says why."""


@dataclass(frozen=True)
class SandboxNode:
    name: str
    nodeid: int
    addr: str
    port: int
    netns: str | None = None


@dataclass
class Sandbox:
    dir: Path
    nodes: list[SandboxNode]
    netns_prefix: str | None = None

    @property
    def config_path(self) -> Path:
        return self.dir / "corosync.conf"

    @property
    def authkey_path(self) -> Path:
        return self.dir / "authkey"

    def layout(self, name: str) -> Layout:
        return Layout(self.dir / name)

    def node(self, name: str) -> SandboxNode:
        for n in self.nodes:
            if n.name == name:
                return n
        raise SandboxError(f"no node {name!r} in the sandbox at {self.dir} "
                           f"({', '.join(n.name for n in self.nodes)})")

    def names(self) -> list[str]:
        return [n.name for n in self.nodes]

    # -- manifest -----------------------------------------------------------------------
    def save(self) -> None:
        data = {"nodes": [n.__dict__ for n in self.nodes], "netns_prefix": self.netns_prefix}
        tmp = self.dir / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, self.dir / MANIFEST)

    @classmethod
    def load(cls, directory: str | Path) -> Sandbox:
        d = Path(directory).absolute()
        try:
            data = json.loads((d / MANIFEST).read_text())
            nodes = [SandboxNode(**n) for n in data["nodes"]]
        except FileNotFoundError:
            raise SandboxError(f"{d} is not a sandbox (no {MANIFEST}); create one with "
                               "`crm cluster sandbox start --nodes N --dir DIR`") from None
        except (ValueError, KeyError, TypeError) as err:
            raise SandboxError(f"{d / MANIFEST} is damaged: {err}") from None
        return cls(d, nodes, data.get("netns_prefix"))

    # -- processes ----------------------------------------------------------------------
    def command(self, node: SandboxNode) -> list[str]:
        prefix = netns.exec_prefix(node.netns) if node.netns else None
        return control.daemon_command(self.layout(node.name), config=self.config_path,
                                      authkey=self.authkey_path, name=node.name,
                                      sandbox=self.dir, prefix=prefix)

    def pid(self, name: str) -> int | None:
        return control.daemon_pid(self.layout(name))

    def start_node(self, name: str, timeout: float = 30.0) -> int:
        """Start one node's daemon (if not running); return its pid once its API answers."""
        node = self.node(name)
        layout = self.layout(name)
        pid = control.daemon_pid(layout)
        if pid is not None:
            return pid
        proc = control.spawn(self.command(node), layout)
        control.wait_ready(layout, timeout, proc)
        pid = control.daemon_pid(layout)
        return pid if pid is not None else proc.pid

    def kill_node(self, name: str) -> int | None:
        """SIGKILL one node's daemon: a crash."""
        return control.kill(self.layout(name))

    def stop_node(self, name: str, timeout: float = 20.0) -> bool:
        return control.stop(self.layout(name), timeout)

    def status(self, name: str, timeout: float = 10.0) -> dict[str, Any]:
        return control.status(self.layout(name), timeout)

    def wait(self, predicate, timeout: float, what: str, names: list[str] | None = None,
             poll: float = 0.1) -> dict[str, dict[str, Any]]:
        """Poll every node's status until ``predicate(statuses)`` holds."""
        deadline = time.monotonic() + timeout
        statuses: dict[str, dict[str, Any]] = {}
        while True:
            statuses = {}
            for name in names or self.names():
                try:
                    statuses[name] = self.status(name, timeout=5.0)
                except Exception as err:
                    statuses[name] = {"error": str(err)}
            if predicate(statuses):
                return statuses
            if time.monotonic() > deadline:
                summary = "; ".join(
                    f"{n}: " + (s["error"] if "error" in s else
                                f"ring {s.get('ring_id')} members {s.get('members')} "
                                f"synced={s.get('synced')} dc={s.get('dc_name')}")
                    for n, s in statuses.items())
                raise SandboxError(f"timed out after {timeout:g} s waiting for {what}: "
                                   f"{summary}")
            time.sleep(poll)

    def wait_converged(self, names: list[str] | None = None, timeout: float = 60.0
                       ) -> dict[str, dict[str, Any]]:
        """Until the named nodes (default all) form one synced membership with one DC."""
        group = names or self.names()
        ids = sorted(self.node(n).nodeid for n in group)

        def ok(st: dict[str, dict[str, Any]]) -> bool:
            if any("error" in s for s in st.values()):
                return False
            rings = {s.get("ring_id") for s in st.values()}
            dcs = {s.get("dc") for s in st.values()}
            return (len(rings) == 1 and len(dcs) == 1 and None not in dcs
                    and all(s.get("members") == ids and s.get("synced") for s in st.values()))

        return self.wait(ok, timeout, f"{', '.join(group)} to form one membership", group)


def _free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            s.bind((host, 0))
            ports.append(s.getsockname()[1])
        return ports


def create(directory: str | Path, count: int, *, token: int | None = None,
           use_netns: bool = False, two_node: bool | None = None,
           quorum_extra: str | None = None) -> Sandbox:
    """Write a sandbox's files (configuration, key, node directories) without starting it."""
    if not 1 <= count <= 32:
        raise SandboxError("a sandbox has 1 to 32 nodes")
    d = Path(directory).absolute()
    if (d / MANIFEST).exists():
        old = Sandbox.load(d)
        running = [n.name for n in old.nodes if old.pid(n.name) is not None]
        if running:
            raise SandboxError(f"the sandbox at {d} is running ({', '.join(running)}); "
                               "stop it first")
    d.mkdir(parents=True, exist_ok=True)
    prefix = None
    if use_netns:
        prefix = f"hacrm{os.getpid() % 100000}x{random.randrange(1000)}"
        subnet = random.randrange(1, 250)
        addrs = netns.create(prefix, count, subnet)
        ports = [cconf.DEFAULT_PORT] * count
        nodes = [SandboxNode(f"node{i}", i, addrs[i - 1], ports[i - 1], f"{prefix}-n{i}")
                 for i in range(1, count + 1)]
    else:
        ports = _free_ports(count)
        nodes = [SandboxNode(f"node{i}", i, "127.0.0.1", ports[i - 1])
                 for i in range(1, count + 1)]
    entries = [cconf.NodeEntry(n.nodeid, n.name, n.addr, n.port) for n in nodes]
    text = cconf.render("sandbox", entries, two_node=two_node, token=token,
                        netmtu=None)
    if quorum_extra:
        text = text.replace("\tprovider: corosync_votequorum\n",
                            "\tprovider: corosync_votequorum\n" + quorum_extra)
    (d / "corosync.conf").write_text(text)
    sandbox = Sandbox(d, nodes, prefix)
    if not sandbox.authkey_path.exists():
        authkey_mod.generate(sandbox.authkey_path)
    for n in nodes:
        sandbox.layout(n.name).make_dirs()
    sandbox.save()
    return sandbox


def start(directory: str | Path, count: int | None = None, *, timeout: float = 60.0,
          token: int | None = None, use_netns: bool = False, two_node: bool | None = None,
          quorum_extra: str | None = None, wait: bool = True) -> Sandbox:
    """Create the sandbox if needed (``count`` nodes), start every daemon, wait until they
    form one membership."""
    d = Path(directory).absolute()
    if (d / MANIFEST).exists() and count is None:
        sandbox = Sandbox.load(d)
    else:
        if count is None:
            raise SandboxError("say how many nodes: --nodes N")
        if (d / MANIFEST).exists():
            old = Sandbox.load(d)
            if len(old.nodes) == count and bool(old.netns_prefix) == use_netns \
                    and token is None and two_node is None and quorum_extra is None:
                sandbox = old
            else:
                _cleanup_netns(old)
                sandbox = create(d, count, token=token, use_netns=use_netns,
                                 two_node=two_node, quorum_extra=quorum_extra)
        else:
            sandbox = create(d, count, token=token, use_netns=use_netns, two_node=two_node,
                             quorum_extra=quorum_extra)
    procs = {}
    for n in sandbox.nodes:
        if sandbox.pid(n.name) is None:
            procs[n.name] = control.spawn(sandbox.command(n), sandbox.layout(n.name))
    for name, proc in procs.items():
        control.wait_ready(sandbox.layout(name), timeout, proc)
    if wait:
        sandbox.wait_converged(timeout=timeout)
    return sandbox


def _cleanup_netns(sandbox: Sandbox) -> None:
    if sandbox.netns_prefix:
        netns.delete(sandbox.netns_prefix, len(sandbox.nodes))


def stop(directory: str | Path, timeout: float = 20.0) -> list[str]:
    """Stop every daemon of the sandbox (cleanly, then by force); return the names stopped.

    Nodes are stopped one after the other, so each departure is a clean leave the others see.
    Namespaces created for the sandbox are removed.
    """
    sandbox = Sandbox.load(directory)
    stopped = [n.name for n in sandbox.nodes if sandbox.stop_node(n.name, timeout)]
    _cleanup_netns(sandbox)
    if sandbox.netns_prefix:
        sandbox.netns_prefix = None
        sandbox.save()
    return stopped


def resolve(directory: str | Path | None = None, node: str | None = None,
            env: dict[str, str] | None = None) -> tuple[Sandbox, str] | None:
    """The sandbox and node the environment points at (``HACRM_SANDBOX``, ``HACRM_NODE``)."""
    environ = os.environ if env is None else env
    d = directory or environ.get(SANDBOX_ENV)
    if not d:
        return None
    sandbox = Sandbox.load(d)
    names = sandbox.names()
    if node and node not in names and node == socket.gethostname():
        node = None  # the shell's default (this host) means "no particular node"
    chosen = node or environ.get(NODE_ENV) or names[0]
    sandbox.node(chosen)  # raises with the list of names when unknown
    return sandbox, chosen
