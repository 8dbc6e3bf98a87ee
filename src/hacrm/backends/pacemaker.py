"""The pacemaker backend: the shell driving a real Pacemaker/corosync cluster through its tools.

A user who outgrows the embedded engine (many nodes, pacemaker_remote, an existing cluster)
keeps ``crm`` and points it at Pacemaker.  Everything goes through Pacemaker's command-line
tools (:mod:`hacrm.backends.pacemaker_tools`), exactly as a user or crmsh would use them, so the
cluster sees ordinary clients and ``CIB_file``/``CIB_shadow`` work as they do for the tools:

* read: ``cibadmin --query``;
* commit: a patch (``crm_diff`` from the CIB as it is now to the same CIB with the new
  configuration, applied with ``cibadmin --patch``).  The patch carries the version it was made
  from and Pacemaker applies it only to exactly that version, so a commit is refused when the
  configuration moved since the working copy was read (a :class:`CibConflict`), and is made
  again (a bounded number of times) when only status updates (``num_updates``) came in between;
* status: ``crm_mon --output-as=xml`` (:mod:`hacrm.backends.pacemaker_mon`);
* resource and node operations: ``crm_resource``, ``crm_attribute``, ``crm_node``,
  ``stonith_admin`` (:mod:`hacrm.backends.pacemaker_ops`);
* shadow CIBs: ``crm_shadow`` (:mod:`hacrm.backends.pacemaker_shadow`);
* agents: ``crm_resource --list-*``/``--show-metadata`` (:mod:`hacrm.backends.pacemaker_ra`).

:func:`connect` is what the shell calls for ``--backend pacemaker``; :func:`detect` says whether
a Pacemaker cluster answers here, for choosing the backend automatically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hacrm.backends.base import BackendError, CibConflict, CibVersion
from hacrm.backends.pacemaker_tools import (
    EXIT_NOT_CONNECTED,
    EXIT_OLD_DATA,
    ToolError,
    Tools,
    find_tool,
)

if TYPE_CHECKING:
    from lxml import etree

    from hacrm.backends.embedded import ClusterInfo
    from hacrm.backends.pacemaker_mon import MonStatus
    from hacrm.backends.pacemaker_ops import PacemakerOps
    from hacrm.backends.pacemaker_ra import PacemakerAgents
    from hacrm.backends.pacemaker_shadow import PacemakerShadows

#: a commit is made again this many times when only status updates came in between
COMMIT_ATTEMPTS = 8
#: cluster options the DC writes about itself; a commit to a live cluster keeps its values
#: (a configuration saved on another engine carries that engine's, e.g. Stack: hacrm)
CLUSTER_MAINTAINED = ("have-watchdog", "dc-version", "cluster-infrastructure", "cluster-name")
#: the abstract socket Pacemaker's CIB manager listens on (``/proc/net/unix`` shows it)
CIB_SOCKET = "@cib_ro"


def _parse(text: str, what: str) -> etree._Element:
    from hacrm.xmlsafe import XmlRefused, parse

    try:
        return parse(text, what)
    except XmlRefused as err:
        raise BackendError(str(err)) from None


@dataclass
class PacemakerBackend:
    """A CIB held by a Pacemaker cluster (or by ``CIB_file``/``CIB_shadow``, as the tools do)."""

    tools: Tools
    node: str | None = None
    name: str = "pacemaker"

    # ------------------------------------------------------------------ where the CIB is
    @property
    def env(self) -> Mapping[str, str]:
        return self.tools.env

    @property
    def cib_file(self) -> str | None:
        """The file the tools work on instead of a cluster (``CIB_file``), if any."""
        return self.env.get("CIB_file") or None

    @property
    def shadow(self) -> str | None:
        return self.env.get("CIB_shadow") or None

    @property
    def live(self) -> bool:
        """True when the tools talk to a running cluster (no file, no shadow)."""
        return not self.cib_file and not self.shadow

    @property
    def path(self) -> Path | None:
        """The file holding the CIB when the tools work on one (``CIB_file``, or the shadow in
        use), so that what a file backend writes itself can be written there too."""
        if self.shadow:
            from hacrm.shadow import shadow_dir

            return shadow_dir(dict(self.env)) / f"shadow.{self.shadow}"
        return Path(self.cib_file) if self.cib_file else None

    @property
    def label(self) -> str:
        if self.shadow:
            return self.shadow
        if self.cib_file:
            return Path(self.cib_file).name
        return "live"

    def with_env(self, **changes: str | None) -> PacemakerBackend:
        """The same backend with some tool environment variables set (None removes one)."""
        env = dict(self.env)
        for key, value in changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return PacemakerBackend(Tools(env, self.tools.timeout), self.node)

    def for_shadow(self, shadow: str) -> PacemakerBackend:
        """This backend working on a shadow CIB (``CIB_shadow``), as crm_shadow's shells do."""
        return self.with_env(CIB_shadow=shadow, CIB_file=None)

    # ------------------------------------------------------------------ Backend protocol
    @property
    def where(self) -> str:
        """The CIB the tools work on, for messages."""
        if self.shadow:
            return f"shadow CIB {self.shadow}"
        if self.cib_file:
            return f"CIB file {self.cib_file}"
        return "the cluster's CIB"

    def read(self) -> str:
        if self.cib_file and not Path(self.cib_file).exists():
            raise BackendError(f"CIB file {self.cib_file} does not exist")
        return self.tools.output("cibadmin", ["--query"], context=f"reading {self.where}")

    def version(self) -> CibVersion:
        """The CIB's version from its top element alone (cheap on a big CIB)."""
        text = self.tools.output("cibadmin", ["--query", "--xpath", "/cib", "--no-children"],
                                 context="reading the CIB version")
        return CibVersion.of(_parse(text, "the CIB"))

    def replace_configuration(self, cib_xml: str, base: CibVersion) -> CibVersion:
        new = _parse(cib_xml, "the new CIB")
        new_conf = new.find("configuration")
        if new_conf is None:
            raise BackendError("the new CIB has no <configuration> section")
        with tempfile.TemporaryDirectory(prefix="hacrm-pcmk-") as tmp:
            for _attempt in range(COMMIT_ATTEMPTS):
                current = _parse(self.read(), "the CIB")
                now = CibVersion.of(current)
                if (now.admin_epoch, now.epoch) != (base.admin_epoch, base.epoch):
                    raise CibConflict(base, now)
                patch = self._patch(current, new, Path(tmp))
                if patch is None:
                    return now
                try:
                    self.tools.run("cibadmin", ["--patch", "--xml-file", str(patch)],
                                   context="committing the configuration")
                except ToolError as err:
                    if err.returncode == EXIT_OLD_DATA:
                        continue  # the CIB moved since it was read: look again
                    raise
                after = self.version()
                if (after.admin_epoch, after.epoch) <= (base.admin_epoch, base.epoch):
                    raise BackendError("committing the configuration: the cluster accepted the "
                                       f"change but the CIB is still at {after}; refresh and "
                                       "check")
                return after
        raise BackendError(f"committing the configuration: the CIB kept changing "
                           f"({COMMIT_ATTEMPTS} attempts); try again")

    def _patch(self, current: etree._Element, new: etree._Element, tmp: Path) -> Path | None:
        """The patch from ``current`` to ``current`` with ``new``'s configuration, or None
        when there is nothing to change.

        The target is ``current`` one status update later: Pacemaker wants a patch to move
        the version forward, and bumps ``epoch`` itself (resetting ``num_updates``) because
        the configuration changed, so the result is exactly one epoch on.
        """
        from copy import deepcopy

        from lxml import etree

        target = deepcopy(current)
        old_conf = target.find("configuration")
        new_conf = deepcopy(new.find("configuration"))
        if old_conf is not None:
            target.replace(old_conf, new_conf)
        else:
            target.insert(0, new_conf)
        schema = new.get("validate-with")
        if schema and schema != target.get("validate-with"):
            target.set("validate-with", schema)
        if self.live:
            _keep_cluster_maintained(current, target)
        if etree.tostring(target) == etree.tostring(current):
            return None
        version = CibVersion.of(current)
        target.set("num_updates", str(version.num_updates + 1))
        before, after, patch = tmp / "current.xml", tmp / "new.xml", tmp / "patch.xml"
        before.write_bytes(etree.tostring(current))
        after.write_bytes(etree.tostring(target))
        result = self.tools.run("crm_diff", ["--original", str(before), "--new", str(after)],
                                context="computing the change", ok=(0, 1))
        if result.returncode == 0 or not result.stdout.strip():
            return None
        patch.write_text(result.stdout, encoding="utf-8")
        return patch

    # ------------------------------------------------------------------ cluster facts
    def mon(self, *, inactive: bool = True, extra: tuple[str, ...] = ()) -> MonStatus:
        """The cluster's state as ``crm_mon --output-as=xml`` reports it."""
        from hacrm.backends.pacemaker_mon import parse_mon

        args = ["--one-shot", "--output-as=xml"]
        if inactive:
            args.append("--inactive")
        return parse_mon(self.tools.output("crm_mon", [*args, *extra],
                                           context="reading the cluster status"))

    def status_text(self, words: tuple[str, ...] | list[str] = ()) -> str:
        """``crm status [WORDS]``: crm_mon's own text (crmsh's option words), with a
        ``Backend: pacemaker`` line in its summary."""
        from hacrm.backends.pacemaker_status import crm_mon_args, with_backend_line

        text = self.tools.output("crm_mon", crm_mon_args(words),
                                 context="reading the cluster status")
        return with_backend_line(text, self.name)

    def local_node(self) -> str | None:
        """This node's name in the cluster (``crm_node --name``); None on a CIB file."""
        if not self.live:
            return None
        try:
            name = self.tools.output("crm_node", ["--name"], context="asking the node name",
                                     timeout=30).strip()
        except BackendError:
            return None
        return name or None

    def cluster(self) -> ClusterInfo:
        """Membership, quorum and DC in the same form the embedded backend gives them."""
        from hacrm.backends.pacemaker_mon import cluster_info

        quorum = self._quorum_counts() if self.live else {}
        info = cluster_info(self.mon(inactive=False), self.version(),
                            local_node=self.node or self.local_node() or "", quorum=quorum)
        if not info.cluster_name:
            from dataclasses import replace

            info = replace(info, cluster_name=self._cluster_name())
        return info

    def _cluster_name(self) -> str:
        """``cluster-name`` as the DC recorded it among the cluster options."""
        try:
            out = self.tools.output("crm_attribute", ["--type", "crm_config", "--name",
                                                      "cluster-name", "--query", "--quiet"],
                                    context="reading the cluster name", ok=(0, 105))
        except BackendError:
            return ""
        return out.strip()

    def _quorum_counts(self) -> dict[str, Any]:
        """Votes from corosync's own tool when it is installed (Pacemaker's tools do not
        show them); empty when it is not."""
        tool = find_tool("corosync-quorumtool", self.env.get("PATH"))
        if tool is None:
            return {}
        try:
            out = self.tools.output("corosync-quorumtool", ["-s", "-p"], ok=(0, 1, 2),
                                    context="reading quorum", timeout=20)
        except BackendError:
            return {}
        from hacrm.backends.pacemaker_mon import parse_quorumtool

        return parse_quorumtool(out)

    # ------------------------------------------------------------------ waiting
    def wait_idle(self, timeout: float) -> bool:
        """Until the cluster has no transition left to run (``crm_resource --wait``).

        A CIB file or shadow has nothing to wait for."""
        if not self.live:
            return True
        seconds = max(1, int(timeout))
        try:
            self.tools.run("crm_resource", ["--wait", f"--timeout={seconds}s"],
                           context="waiting for the cluster to settle", timeout=timeout + 30)
        except ToolError as err:
            if err.returncode == 124:
                return False
            raise
        return True

    # ------------------------------------------------------------------ the other parts
    def ops(self) -> PacemakerOps:
        from hacrm.backends.pacemaker_ops import PacemakerOps

        return PacemakerOps(self)

    def engine_call(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        """One of the embedded engine's local API operations (``attribute``,
        ``resource_cleanup``, ``node_fence``, ``node_clearstate``, ``node_forget``,
        ``wait_idle``), carried out with Pacemaker's tools."""
        return self.ops().call(op, args)

    def agents(self) -> PacemakerAgents:
        from hacrm.backends.pacemaker_ra import PacemakerAgents

        return PacemakerAgents(self.tools)

    def shadows(self) -> PacemakerShadows:
        from hacrm.backends.pacemaker_shadow import PacemakerShadows

        return PacemakerShadows(self.tools)


def _keep_cluster_maintained(current: etree._Element, target: etree._Element) -> None:
    """Put the cluster's own values of :data:`CLUSTER_MAINTAINED` back into ``target``."""
    from copy import deepcopy

    from lxml import etree

    path = "configuration/crm_config/cluster_property_set"
    ours = [nv for s in current.iterfind(path) for nv in s.iterfind("nvpair")
            if nv.get("name") in CLUSTER_MAINTAINED]
    for nv in [nv for s in target.iterfind(path) for nv in s.iterfind("nvpair")
               if nv.get("name") in CLUSTER_MAINTAINED]:
        nv.getparent().remove(nv)
    for position, nv in enumerate(ours):
        set_id = nv.getparent().get("id")
        found = target.find(f"{path}[@id='{set_id}']")
        if found is None:
            crm_config = target.find("configuration/crm_config")
            if crm_config is None:
                crm_config = etree.SubElement(target.find("configuration"), "crm_config")
                crm_config.getparent().insert(0, crm_config)
            found = etree.Element("cluster_property_set", id=set_id)
            crm_config.insert(0, found)
        found.insert(min(position, len(found)), deepcopy(nv))


# ---------------------------------------------------------------------- finding a cluster
def cib_socket_listening(proc_net_unix: str = "/proc/net/unix") -> bool:
    """True when Pacemaker's CIB manager listens in this network namespace.

    Reading ``/proc/net/unix`` costs no process start, so checking costs every ``crm`` run
    next to nothing; whether the cluster really answers is up to the first query."""
    try:
        with open(proc_net_unix, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                path = line.rstrip("\n").rsplit(" ", 1)[-1]
                if path.rstrip("@") == CIB_SOCKET:
                    return True
    except OSError:
        return False
    return False


def detect(env: Mapping[str, str] | None = None) -> str | None:
    """None when a Pacemaker cluster can be driven from here, else why not (for messages)."""
    env = dict(os.environ) if env is None else env
    if find_tool("cibadmin", env.get("PATH")) is None:
        return "Pacemaker's command-line tools (cibadmin, crm_mon, ...) are not installed"
    if env.get("CIB_file") or env.get("CIB_shadow"):
        return None
    if not cib_socket_listening():
        return "no Pacemaker cluster is running on this node (pacemaker-based is not listening)"
    return None


def connect(node: str | None = None, sandbox_dir: str | None = None, *,
            env: Mapping[str, str] | None = None, timeout: float = 60.0) -> PacemakerBackend:
    """A :class:`PacemakerBackend` for the cluster (or ``CIB_file``) the environment names.

    ``sandbox_dir`` is the embedded engine's and means nothing here.  Raises
    :class:`BackendError` with the reason when there is nothing to drive."""
    env = dict(os.environ) if env is None else dict(env)
    reason = detect(env)
    if reason is not None:
        raise BackendError(reason)
    backend = PacemakerBackend(Tools(env, timeout), node)
    if backend.live:
        # the controller answering its name is the cheapest proof the cluster is up
        try:
            name = backend.tools.output("crm_node", ["--name"], timeout=min(timeout, 30),
                                        context="connecting to the cluster").strip()
        except ToolError as err:
            if err.returncode == EXIT_NOT_CONNECTED:
                raise BackendError("the Pacemaker cluster on this node does not answer "
                                   f"({err.message})") from None
            raise
        if node is None:
            backend.node = name or None
    return backend
