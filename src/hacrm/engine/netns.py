"""Network namespaces for sandboxes: each node on an address of its own, as on real machines.

A bridge namespace holds a Linux bridge; each node namespace gets a veth pair whose other end
joins the bridge, an address in a private /24 and its loopback up.  Addresses exist only inside
the namespaces, nothing touches the host's interfaces, and deleting the namespaces removes every
link.  Needs root and ``ip``; :func:`available` says why not when it cannot work.
"""

from __future__ import annotations

import os
import shutil
import subprocess

IP = "ip"


class NetnsError(Exception):
    """Namespaces cannot be created here (or a command failed); the message says why."""


def available() -> str | None:
    """None when namespaces can be used, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which(IP) is None:
        return "the ip command (iproute2) is not installed"
    try:
        subprocess.run([IP, "netns", "list"], check=True, capture_output=True, timeout=10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
        return f"`ip netns` does not work here: {err}"
    return None


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = [IP] + (["-n", ns] if ns else []) + list(args)
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=20)
    except subprocess.CalledProcessError as err:
        raise NetnsError(f"{' '.join(cmd)} failed: {err.stderr.decode().strip()}") from None
    except subprocess.TimeoutExpired:
        raise NetnsError(f"{' '.join(cmd)} timed out") from None


def names(prefix: str, count: int) -> tuple[str, list[str]]:
    return f"{prefix}-br", [f"{prefix}-n{i}" for i in range(1, count + 1)]


def create(prefix: str, count: int, subnet: int) -> list[str]:
    """Create the namespaces; return each node's address (10.231.SUBNET.i)."""
    reason = available()
    if reason:
        raise NetnsError(reason)
    bridge, nodes = names(prefix, count)
    addrs = []
    try:
        _ip("netns", "add", bridge)
        _ip("link", "add", "br0", "type", "bridge", ns=bridge)
        _ip("link", "set", "br0", "up", ns=bridge)
        for i, ns in enumerate(nodes, start=1):
            addr = f"10.231.{subnet}.{i}"
            _ip("netns", "add", ns)
            _ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", f"p{i}",
                "netns", bridge)
            _ip("link", "set", f"p{i}", "master", "br0", ns=bridge)
            _ip("link", "set", f"p{i}", "up", ns=bridge)
            _ip("addr", "add", f"{addr}/24", "dev", "eth0", ns=ns)
            _ip("link", "set", "eth0", "up", ns=ns)
            _ip("link", "set", "lo", "up", ns=ns)
            addrs.append(addr)
    except NetnsError:
        delete(prefix, count)
        raise
    return addrs


def delete(prefix: str, count: int) -> None:
    """Remove the namespaces (and with them every link); missing ones are fine."""
    bridge, nodes = names(prefix, count)
    for ns in nodes + [bridge]:
        subprocess.run([IP, "netns", "del", ns], capture_output=True, timeout=20)


def exec_prefix(ns: str) -> list[str]:
    return [IP, "netns", "exec", ns]
