"""The embedded backend: the shell talking to the local hacrm node daemon.

:func:`connect` finds the daemon:

* ``sandbox_dir`` or ``HACRM_SANDBOX`` names a sandbox (``crm cluster sandbox start``); the
  node is ``node`` (``crm --node NAME``), else ``HACRM_NODE``, else the sandbox's first node;
* otherwise the daemon of this machine, under ``HACRM_ROOT`` (default ``/``).

Reads come from the node's own replica (every node holds the whole CIB); a configuration commit
goes through the DC, which refuses it if the configuration changed since the version the working
copy was read at.  Only the configuration's version (admin_epoch, epoch) counts: status updates
(``num_updates``) happen all the time and never conflict with a configuration change.

Besides the :class:`~hacrm.backends.base.Backend` protocol, :meth:`EmbeddedBackend.cluster`
gives what ``crm status`` and ``crm cluster status`` show: membership, ring id, quorum, votes,
the DC and the node list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hacrm.backends.base import BackendError, CibConflict, CibVersion
from hacrm.engine.localapi import ApiClient, ApiError
from hacrm.engine.paths import Layout

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class ClusterNode:
    nodeid: int
    name: str
    online: bool
    votes: int
    is_dc: bool
    is_local: bool


@dataclass(frozen=True)
class ClusterInfo:
    """Membership and quorum as the local node sees them."""

    cluster_name: str
    local_node: str
    ring_id: str | None
    quorate: bool
    expected_votes: int
    total_votes: int
    quorum: int
    flags: tuple[str, ...]
    dc: str | None
    nodes: tuple[ClusterNode, ...]
    synced: bool
    cib_version: CibVersion

    @property
    def online(self) -> list[str]:
        return [n.name for n in self.nodes if n.online]

    @property
    def offline(self) -> list[str]:
        return [n.name for n in self.nodes if not n.online]


def _version(value: Any) -> CibVersion:
    try:
        a, e, n = (int(v) for v in value)
    except (TypeError, ValueError):
        return CibVersion()
    return CibVersion(a, e, n)


class EmbeddedBackend:
    """A CIB held by the embedded cluster engine."""

    name = "embedded"

    def __init__(self, socket_path: Path, node: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.socket_path = Path(socket_path)
        self.node = node
        self.timeout = timeout

    @property
    def label(self) -> str:
        return self.node or "live"

    def _call(self, op: str, args: dict[str, Any] | None = None, body: str | None = None,
              ) -> dict[str, Any]:
        with ApiClient(self.socket_path, timeout=self.timeout + 10) as client:
            return client.call(op, args, body, timeout=self.timeout)

    # -- Backend protocol ---------------------------------------------------------------
    def read(self) -> str:
        try:
            return self._call("query")["cib"]
        except ApiError as err:
            raise BackendError(str(err)) from None

    def version(self) -> CibVersion:
        try:
            return _version(self._call("query")["version"])
        except ApiError as err:
            raise BackendError(str(err)) from None

    def replace_configuration(self, cib_xml: str, base: CibVersion) -> CibVersion:
        try:
            result = self._call("replace_configuration",
                                {"base": [base.admin_epoch, base.epoch, base.num_updates]},
                                cib_xml)
        except ApiError as err:
            if err.result.get("conflict"):
                raise CibConflict(base, _version(err.result.get("current"))) from None
            raise BackendError(str(err)) from None
        return _version(result.get("version"))

    # -- cluster facts ------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """The daemon's raw status (see ``docs/cluster.md``)."""
        try:
            return self._call("status")
        except ApiError as err:
            raise BackendError(str(err)) from None

    def cluster(self) -> ClusterInfo:
        st = self.status()
        q = st.get("quorum") or {}
        members = set(st.get("members") or [])
        nodes = tuple(ClusterNode(n["id"], n["name"], n["id"] in members, n.get("votes", 1),
                                  n["id"] == st.get("dc"), n["id"] == st.get("nodeid"))
                      for n in st.get("nodes") or [])
        return ClusterInfo(
            cluster_name=st.get("cluster_name") or "", local_node=st.get("node") or "",
            ring_id=st.get("ring_id"), quorate=bool(st.get("quorate")),
            expected_votes=int(q.get("expected_votes") or 0),
            total_votes=int(q.get("total_votes") or 0), quorum=int(q.get("quorum") or 0),
            flags=tuple(q.get("flags") or ()), dc=st.get("dc_name"), nodes=nodes,
            synced=bool(st.get("synced")),
            cib_version=_version((st.get("cib") or {}).get("version")))

    def cib_update(self, op: str, args: dict[str, Any], body: str = "") -> CibVersion:
        """A status or internal CIB operation through the DC (see ``cibstore.OPERATIONS``)."""
        try:
            result = self._call("cib_update", {"op": op, "args": args}, body)
        except ApiError as err:
            raise BackendError(str(err)) from None
        return _version(result.get("version"))

    def watch(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Membership, quorum, DC and CIB change events from now on, as they happen."""
        client = ApiClient(self.socket_path, timeout=None)  # type: ignore[arg-type]
        try:
            stream = client.events()
        except ApiError as err:
            client.close()
            raise BackendError(str(err)) from None

        def events() -> Iterator[tuple[str, dict[str, Any]]]:
            try:
                yield from stream
            except ApiError as err:
                raise BackendError(str(err)) from None
            finally:
                client.close()
        return events()


def socket_for(node: str | None = None, sandbox_dir: str | None = None,
               env: dict[str, str] | None = None) -> tuple[Path, str | None]:
    """The local API socket the shell should use, and the node's name when known."""
    from hacrm.engine import sandbox as sandbox_mod

    try:
        found = sandbox_mod.resolve(sandbox_dir, node, env)
    except sandbox_mod.SandboxError as err:
        raise BackendError(str(err)) from None
    if found is not None:
        sandbox, name = found
        return sandbox.layout(name).socket, name
    return Layout.from_env(env=env).socket, None


def connect(node: str | None = None, sandbox_dir: str | None = None, *,
            env: dict[str, str] | None = None,
            timeout: float = DEFAULT_TIMEOUT) -> EmbeddedBackend:
    """An :class:`EmbeddedBackend` for the daemon the arguments and environment point at.

    Raises :class:`BackendError` (with a hint) when no daemon answers there.
    """
    path, name = socket_for(node, sandbox_dir, env)
    backend = EmbeddedBackend(path, name, timeout)
    try:
        with ApiClient(path, timeout=10.0) as client:
            info = client.call("ping")
    except ApiError as err:
        raise BackendError(str(err)) from None
    if name is None:
        import socket

        if node and node not in (info.get("node"), socket.gethostname()):
            raise BackendError(f"node {node!r} is not the node running here "
                               f"({info.get('node')}); --node picks a node of a sandbox "
                               "(set HACRM_SANDBOX)")
        backend.node = info.get("node")
    return backend
