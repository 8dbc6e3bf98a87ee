"""Finding agents on disk: classes, OCF providers, agent types, and an agent's file.

Where each class lives:

- ``ocf``: executables ``$OCF_ROOT/resource.d/<provider>/<type>`` (``OCF_ROOT`` defaults to
  ``/usr/lib/ocf``; hidden files and helper files that are not executable are skipped), then
  hacrm's own ``resource.d`` (``ocf:hacrm:Dummy``, ``ocf:hacrm:webserver``): the embedded
  engine's executor searches the same directories in the same order, so the shell lists and
  describes exactly the agents the engine can run;
- ``lsb``: executable scripts in ``/etc/init.d``;
- ``service``: whatever ``lsb`` and ``systemd`` offer (systemd only when it runs here);
- ``stonith``: fence agents (``fence_*`` executables in the sbin directories, then hacrm's
  ``fence_hacrm``) and, when the cluster-glue plugins are installed, its ``external/*``
  scripts and compiled plugins.

:meth:`AgentDirectory.system` leaves hacrm's directories out: the view Pacemaker's own tools
(and crmsh) have of this machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hacrm import agents as shipped

OCF_ROOT_DEFAULT = "/usr/lib/ocf"
LSB_DIR = Path("/etc/init.d")
FENCE_DIRS = (Path("/usr/sbin"), Path("/sbin"), Path("/usr/local/sbin"))
GLUE_PLUGIN_DIRS = (Path("/usr/lib/stonith/plugins"),
                    Path("/usr/lib64/stonith/plugins"),
                    Path("/usr/lib/x86_64-linux-gnu/stonith/plugins"))
SYSTEMD_UNIT_DIRS = (Path("/etc/systemd/system"), Path("/usr/lib/systemd/system"),
                     Path("/lib/systemd/system"))

CLASSES_WITH_PROVIDERS = ("ocf",)


def _executable(path: Path) -> bool:
    try:
        return path.is_file() and os.access(path, os.X_OK)
    except OSError:
        return False


@dataclass(frozen=True)
class AgentSpec:
    """``class[:provider]:type`` split into its parts."""

    cls: str
    provider: str | None
    type: str

    def __str__(self) -> str:
        return ":".join(p for p in (self.cls, self.provider, self.type) if p)


@dataclass
class AgentDirectory:
    """The agents installed on this node (one per session; listings are cached in it)."""

    ocf_root: Path = field(default_factory=lambda: Path(os.environ.get("OCF_ROOT")
                                                        or OCF_ROOT_DEFAULT))
    lsb_dir: Path = LSB_DIR
    fence_dirs: tuple[Path, ...] = FENCE_DIRS
    glue_dirs: tuple[Path, ...] = GLUE_PLUGIN_DIRS
    #: ``resource.d`` directories searched after ``$OCF_ROOT/resource.d`` (hacrm's own)
    extra_ocf_dirs: tuple[Path, ...] = field(
        default_factory=lambda: (shipped.resource_dir(),))
    #: fence agent directories searched after ``fence_dirs`` (hacrm's own)
    extra_fence_dirs: tuple[Path, ...] = field(default_factory=lambda: (shipped.fence_dir(),))
    _cache: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)

    @classmethod
    def system(cls, ocf_root: Path | None = None) -> AgentDirectory:
        """Only what is installed on the system, as Pacemaker's tools see it (a CIB file is
        what they edit: crmsh lists no hacrm agents there)."""
        if ocf_root is None:
            return cls(extra_ocf_dirs=(), extra_fence_dirs=())
        return cls(ocf_root=ocf_root, extra_ocf_dirs=(), extra_fence_dirs=())

    def ocf_dirs(self) -> tuple[Path, ...]:
        """The ``resource.d`` directories, in search order (Pacemaker's ``OCF_RA_PATH``)."""
        return (self.ocf_root / "resource.d",) + tuple(
            d for d in self.extra_ocf_dirs if d != self.ocf_root / "resource.d")

    def all_fence_dirs(self) -> tuple[Path, ...]:
        return tuple(self.fence_dirs) + tuple(
            d for d in self.extra_fence_dirs if d not in self.fence_dirs)

    # ------------------------------------------------------------------ classes
    def systemd_running(self) -> bool:
        return Path("/run/systemd/system").is_dir()

    def classes(self) -> list[str]:
        """The agent classes this node can run, sorted by name."""
        found = ["ocf"] if self.providers_all() else []
        if self.lsb_dir.is_dir():
            found.append("lsb")
        found.append("service")
        if self.systemd_running():
            found.append("systemd")
        found.append("stonith")
        return sorted(found)

    # ------------------------------------------------------------------ OCF
    def providers_all(self, cls: str = "ocf") -> list[str]:
        """Every OCF provider directory (sorted); other classes have none."""
        if cls != "ocf":
            return []
        found: set[str] = set()
        for base in self.ocf_dirs():
            try:
                found.update(p.name for p in base.iterdir()
                             if p.is_dir() and not p.name.startswith("."))
            except OSError:
                pass
        return sorted(found)

    def providers(self, agent_type: str, cls: str = "ocf") -> list[str]:
        """The OCF providers that have an agent called ``agent_type``."""
        if cls != "ocf":
            return []
        return [p for p in self.providers_all()
                if any(_executable(d / p / agent_type) for d in self.ocf_dirs())]

    def pick_provider(self, agent_type: str) -> str:
        """The provider ``primitive x Dummy`` means: heartbeat, else pacemaker, else the first."""
        found = self.providers(agent_type)
        if not found or "heartbeat" in found:
            return "heartbeat"
        if "pacemaker" in found:
            return "pacemaker"
        return found[0]

    # ------------------------------------------------------------------ listings
    def types(self, cls: str, provider: str | None = None) -> list[str]:
        """Agent types of a class (and OCF provider), sorted and without duplicates."""
        key = (cls, provider)
        if key not in self._cache:
            self._cache[key] = sorted(set(self._types(cls, provider)))
        return self._cache[key]

    def _types(self, cls: str, provider: str | None) -> list[str]:
        if cls == "ocf":
            providers = [provider] if provider else self.providers_all()
            out = []
            for prov in providers:
                for directory in self.ocf_dirs():
                    try:
                        out += [p.name for p in (directory / prov).iterdir()
                                if not p.name.startswith(".") and _executable(p)]
                    except OSError:
                        pass
            return out
        if cls == "lsb":
            try:
                return [p.name for p in self.lsb_dir.iterdir()
                        if not p.name.startswith(".") and _executable(p)
                        and p.name not in ("README", "skeleton", "rc", "rcS")]
            except OSError:
                return []
        if cls == "service":
            return self._types("lsb", None) + (self._types("systemd", None)
                                               if self.systemd_running() else [])
        if cls == "systemd":
            return self._systemd_units() if self.systemd_running() else []
        if cls == "stonith":
            return self._stonith_types()
        return []

    def _systemd_units(self) -> list[str]:
        units = []
        for directory in SYSTEMD_UNIT_DIRS:
            try:
                units += [p.name.removesuffix(".service") for p in directory.iterdir()
                          if p.name.endswith(".service") and "@" not in p.name]
            except OSError:
                pass
        return units

    def _stonith_types(self) -> list[str]:
        out = []
        for directory in self.all_fence_dirs():
            try:
                out += [p.name for p in directory.iterdir()
                        if p.name.startswith("fence_") and _executable(p)]
            except OSError:
                pass
        for base in self.glue_dirs:
            external = base / "external"
            if external.is_dir():
                out += [f"external/{p.name}" for p in external.iterdir()
                        if _executable(p) and not p.name.startswith(".")]
            compiled = base / "stonith2"
            if compiled.is_dir():
                out += [p.name.removesuffix(".so") for p in compiled.iterdir()
                        if p.name.endswith(".so") and p.name != "external.so"]
        return out

    # ------------------------------------------------------------------ one agent
    def parse(self, spec: str) -> AgentSpec:
        """``Dummy``, ``ocf:pacemaker:Dummy``, ``lsb:dbus``, ``stonith:null`` -> AgentSpec."""
        parts = spec.split(":")
        if len(parts) == 1:
            return AgentSpec("ocf", self.pick_provider(spec), spec)
        if len(parts) == 2:
            if parts[0] == "ocf":
                return AgentSpec("ocf", self.pick_provider(parts[1]), parts[1])
            return AgentSpec(parts[0], None, parts[1])
        return AgentSpec(parts[0], parts[1] or None, ":".join(parts[2:]))

    def path(self, agent: AgentSpec) -> Path | None:
        """The file that implements an agent, or None when it is not installed."""
        candidates: list[Path] = []
        if agent.cls == "ocf" and agent.provider:
            candidates = [d / agent.provider / agent.type for d in self.ocf_dirs()]
        elif agent.cls in ("lsb", "service"):
            candidates = [self.lsb_dir / agent.type]
        elif agent.cls == "stonith":
            if agent.type.startswith("external/"):
                candidates = [b / agent.type for b in self.glue_dirs]
            elif agent.type.startswith("fence_"):
                candidates = [d / agent.type for d in self.all_fence_dirs()]
            else:
                candidates = [b / "stonith2" / f"{agent.type}.so" for b in self.glue_dirs]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        return None
