"""The ``ra`` level's agents as a Pacemaker cluster node sees them, through ``crm_resource``.

On a Pacemaker node the cluster's own view of agents is what counts: the standards its executor
supports, the OCF providers and agents it finds, and the meta-data it would read.  So with the
pacemaker backend the listings come from ``crm_resource --list-standards``,
``--list-ocf-providers``, ``--list-ocf-alternatives`` and ``--list-agents``, and meta-data from
``--show-metadata``.  :class:`PacemakerDirectory` and :class:`PacemakerAgents` offer the same
methods as :class:`~hacrm.ra.discovery.AgentDirectory` and
:class:`~hacrm.ra.metadata.MetadataCache`, so the ``ra`` level and completion use them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hacrm.backends.base import BackendError
from hacrm.backends.pacemaker_tools import EXIT_NO_SUCH, ToolError, Tools
from hacrm.ra.discovery import AgentDirectory, AgentSpec
from hacrm.ra.metadata import AgentError, AgentMeta, MetadataCache, Parameter, parse_metadata

#: crm_resource's exit code when a listing is empty (no such provider, no agents)
EXIT_ERROR = 1


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class PacemakerDirectory(AgentDirectory):
    """Agent listings from ``crm_resource`` (cached per session)."""

    tools: Tools = field(default_factory=Tools)
    _lists: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    def _list(self, *args: str) -> list[str]:
        if args not in self._lists:
            try:
                out = self.tools.output("crm_resource", list(args),
                                        context="listing resource agents", timeout=60)
            except ToolError as err:
                if err.returncode not in (EXIT_ERROR, EXIT_NO_SUCH):
                    raise AgentError(str(err)) from None
                out = ""
            self._lists[args] = _lines(out)
        return self._lists[args]

    def classes(self) -> list[str]:
        return sorted(self._list("--list-standards"))

    def providers_all(self, cls: str = "ocf") -> list[str]:
        if cls != "ocf":
            return []
        return sorted(self._list("--list-ocf-providers"))

    def providers(self, agent_type: str, cls: str = "ocf") -> list[str]:
        if cls != "ocf":
            return []
        return sorted(self._list("--list-ocf-alternatives", agent_type))

    def types(self, cls: str, provider: str | None = None) -> list[str]:
        spec = f"{cls}:{provider}" if provider else cls
        return sorted(set(self._list("--list-agents", spec)))

    def path(self, agent: AgentSpec) -> Path | None:
        """The agent's file when it is an OCF agent under this node's OCF root (``ra
        validate`` runs it); other classes have none the shell should run itself."""
        if agent.cls == "ocf" and agent.provider:
            candidate = self.ocf_root / "resource.d" / agent.provider / agent.type
            if candidate.is_file():
                return candidate
        return None


@dataclass
class PacemakerAgents(MetadataCache):
    """Meta-data as ``crm_resource --show-metadata`` gives it (remembered per session).

    Nothing is kept on disk: the cluster node is the authority on what is installed there."""

    tools: Tools = field(default_factory=Tools)
    directory: AgentDirectory = field(default=None)  # type: ignore[assignment]
    disk: Path | None = None

    def __post_init__(self) -> None:
        if self.directory is None:
            self.directory = PacemakerDirectory(tools=self.tools)

    def get(self, spec: str | AgentSpec) -> AgentMeta:
        agent = self.directory.parse(spec) if isinstance(spec, str) else spec
        name = str(agent)
        if name not in self._memory:
            self._memory[name] = self._fetch(agent, name)
        return self._memory[name]

    def _fetch(self, agent: AgentSpec, name: str) -> AgentMeta:
        try:
            out = self.tools.output("crm_resource", ["--show-metadata", name],
                                    context=f"reading the meta-data of {name}", timeout=60)
        except ToolError as err:
            if err.returncode == EXIT_NO_SUCH:
                raise AgentError(f"{name}: got no meta-data, does this RA exist?") from None
            raise AgentError(str(err)) from None
        meta = parse_metadata(out, name)
        if agent.cls == "stonith":
            for param in meta.parameters:
                if param.name == "action":
                    param.required = False  # the fencer supplies it on every call
            known = {p.name for p in meta.parameters}
            meta.parameters += [p for p in self._fencing_parameters() if p.name not in known]
        return meta

    def _fencing_parameters(self) -> list[Parameter]:
        """What Pacemaker's fencer accepts for every device, in its own words
        (``pacemaker-fenced metadata``); hacrm's list when the daemon is not installed."""
        if "pacemaker-fenced" not in self._memory:
            try:
                out = self.tools.output("pacemaker-fenced", ["metadata"], timeout=60,
                                        context="reading the fencer's parameters")
                self._memory["pacemaker-fenced"] = parse_metadata(out, "pacemaker-fenced")
            except (BackendError, AgentError):
                from hacrm.ra.pacemaker_options import fencing_parameters

                self._memory["pacemaker-fenced"] = AgentMeta(
                    "pacemaker-fenced", parameters=fencing_parameters())
        return list(self._memory["pacemaker-fenced"].parameters)
