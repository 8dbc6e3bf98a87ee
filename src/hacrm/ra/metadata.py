"""An agent's meta-data: fetched from the agent itself, parsed, cached.

OCF agents and fence agents print their meta-data when asked (``meta-data`` action,
``-o metadata``); cluster-glue's plugins answer through its ``stonith -m`` tool; LSB scripts
carry an init-info header from which the meta-data is made here.  Agents are run with a time
limit and an OCF environment, never through a shell.

Parsed results are cached twice: in the :class:`MetadataCache` object (one per session), and
on disk under the user's cache directory keyed by the agent file's path, size and modification
time, so a second ``crm`` run completes parameter names without running the agent again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hacrm.ra.discovery import AgentDirectory, AgentSpec

AGENT_TIMEOUT = 10.0


class AgentError(Exception):
    """An agent is missing or gave no usable meta-data; the message is for the user."""


@dataclass
class Parameter:
    name: str
    type: str = "string"
    default: str | None = None
    required: bool = False
    unique: bool = False
    shortdesc: str = ""
    longdesc: str = ""
    #: values for ``select`` parameters
    choices: list[str] = field(default_factory=list)
    #: marked deprecated or obsoleted by another (OCF 1.0 attributes): never required
    deprecated: bool = False


@dataclass
class Action:
    name: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class AgentMeta:
    """What an agent says about itself."""

    agent: str
    shortdesc: str = ""
    longdesc: str = ""
    parameters: list[Parameter] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def parameter(self, name: str) -> Parameter | None:
        for param in self.parameters:
            if param.name == name:
                return param
        return None

    @classmethod
    def from_dict(cls, data: dict) -> AgentMeta:
        return cls(
            agent=data["agent"], shortdesc=data.get("shortdesc", ""),
            longdesc=data.get("longdesc", ""),
            parameters=[Parameter(**p) for p in data.get("parameters", [])],
            actions=[Action(**a) for a in data.get("actions", [])],
        )


def _text(elem: object, tag: str) -> str:
    found = elem.find(tag)  # type: ignore[attr-defined]
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_metadata(xml_text: str | bytes, agent: str) -> AgentMeta:
    """Parse ``<resource-agent>`` meta-data XML (OCF 1.0/1.1, fence agents)."""
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
        data = xml_text.encode() if isinstance(xml_text, str) else xml_text
        root = etree.fromstring(data.strip(), parser)
    except etree.XMLSyntaxError as err:
        raise AgentError(f"{agent}: meta-data is not valid XML: {err}") from None
    if root is None or root.tag != "resource-agent":
        raise AgentError(f"{agent}: got no meta-data, does this RA exist?")
    meta = AgentMeta(agent, _text(root, "shortdesc"), _text(root, "longdesc"))
    for p in root.iterfind("parameters/parameter"):
        name = p.get("name")
        if not name:
            continue
        content = p.find("content")
        choices = [o.get("value", "") for o in content.iterfind("option")] \
            if content is not None else []
        meta.parameters.append(Parameter(
            name=name,
            type=(content.get("type") if content is not None else None) or "string",
            default=content.get("default") if content is not None else None,
            required=p.get("required") in ("1", "true"),
            unique=p.get("unique") in ("1", "true"),
            shortdesc=_text(p, "shortdesc"), longdesc=_text(p, "longdesc"),
            choices=choices,
            deprecated=bool(p.get("deprecated") or p.get("obsoletes")),
        ))
    for a in root.iterfind("actions/action"):
        if a.get("name"):
            attrs = {k: v for k, v in a.attrib.items() if k != "name"}
            meta.actions.append(Action(a.get("name", ""), attrs))
    return meta


# ------------------------------------------------------------------------------ LSB
_LSB_KEYS = ("Provides", "Required-Start", "Required-Stop", "Should-Start", "Should-Stop",
             "Default-Start", "Default-Stop", "Short-Description", "Description")


def lsb_metadata(path: Path, name: str) -> AgentMeta:
    """Meta-data of an LSB init script, from its ``### BEGIN INIT INFO`` header."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise AgentError(f"lsb:{name}: cannot read {path}: {err.strerror}") from None
    fields: dict[str, str] = {}
    inside = False
    current = ""
    for line in text.splitlines():
        if line.startswith("### BEGIN INIT INFO"):
            inside = True
            continue
        if line.startswith("### END INIT INFO"):
            break
        if not inside or not line.startswith("#"):
            continue
        match = re.match(r"#\s*([A-Za-z-]+):\s?(.*)$", line)
        if match and match.group(1) in _LSB_KEYS:
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current == "Description" and re.match(r"#(\t|  )", line):
            fields[current] += "\n" + line[1:].rstrip()
    meta = AgentMeta(f"lsb:{name}", fields.get("Short-Description", name),
                     fields.get("Description", "").strip())
    for action in ("start", "stop", "status", "restart", "force-reload"):
        meta.actions.append(Action(action, {"timeout": "15"}))
    meta.actions.append(Action("monitor", {"timeout": "15", "interval": "15"}))
    return meta


# ------------------------------------------------------------------------------ running agents
def _ocf_env(directory: AgentDirectory, agent: AgentSpec) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    env.update({
        "OCF_ROOT": str(directory.ocf_root),
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESOURCE_INSTANCE": agent.type,
        "OCF_RESOURCE_TYPE": agent.type,
        "OCF_RESOURCE_PROVIDER": agent.provider or "",
        "__OCF_ACTION": "meta-data",
    })
    return env


def _run(argv: list[str], env: dict[str, str] | None, agent: str) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=AGENT_TIMEOUT, env=env,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        raise AgentError(f"{agent}: meta-data timed out after {AGENT_TIMEOUT:g}s") from None
    except OSError as err:
        raise AgentError(f"{agent}: cannot run {argv[0]}: {err.strerror}") from None
    out = proc.stdout.decode("utf-8", errors="replace")
    if not out.strip():
        raise AgentError(f"{agent}: got no meta-data, does this RA exist?")
    return out


def fetch_metadata(directory: AgentDirectory, agent: AgentSpec) -> AgentMeta:
    """Run the agent (or read its header) and parse what it says; no caching here."""
    path = directory.path(agent)
    name = str(agent)
    if path is None:
        raise AgentError(f"{name}: got no meta-data, does this RA exist?")
    if agent.cls in ("lsb", "service"):
        return lsb_metadata(path, agent.type)
    if agent.cls == "ocf":
        return parse_metadata(_run([str(path), "meta-data"], _ocf_env(directory, agent), name),
                              name)
    if agent.cls == "stonith":
        if agent.type.startswith("fence_"):
            meta = parse_metadata(_run([str(path), "-o", "metadata"], None, name), name)
            for param in meta.parameters:
                if param.name == "action":
                    param.required = False  # the fencer supplies it on every call
        else:
            meta = parse_metadata(_run(["stonith", "-t", agent.type, "-m"], None, name), name)
        from hacrm.ra.pacemaker_options import fencing_parameters

        known = {p.name for p in meta.parameters}
        meta.parameters += [p for p in fencing_parameters() if p.name not in known]
        return meta
    raise AgentError(f"{name}: agents of class {agent.cls} have no meta-data here")


# ------------------------------------------------------------------------------ caching
def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "crm" / "ra"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("crm", appauthor=False)) / "ra"


@dataclass
class MetadataCache:
    """Meta-data by agent, remembered for the session and on disk across sessions."""

    directory: AgentDirectory = field(default_factory=AgentDirectory)
    disk: Path | None = field(default_factory=_cache_dir)
    _memory: dict[str, AgentMeta] = field(default_factory=dict)

    def get(self, spec: str | AgentSpec) -> AgentMeta:
        agent = self.directory.parse(spec) if isinstance(spec, str) else spec
        name = str(agent)
        if name in self._memory:
            return self._memory[name]
        path = self.directory.path(agent)
        key = self._disk_key(agent, path)
        meta = self._load(key)
        if meta is None:
            meta = fetch_metadata(self.directory, agent)
            self._store(key, meta)
        self._memory[name] = meta
        return meta

    def _disk_key(self, agent: AgentSpec, path: Path | None) -> str | None:
        if path is None or self.disk is None:
            return None
        try:
            st = path.stat()
        except OSError:
            return None
        raw = f"2|{agent}|{path}|{st.st_size}|{st.st_mtime_ns}|{self.directory.ocf_root}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def _load(self, key: str | None) -> AgentMeta | None:
        if key is None or self.disk is None:
            return None
        try:
            return AgentMeta.from_dict(json.loads((self.disk / f"{key}.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _store(self, key: str | None, meta: AgentMeta) -> None:
        if key is None or self.disk is None:
            return
        try:
            self.disk.mkdir(parents=True, exist_ok=True)
            tmp = self.disk / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(asdict(meta)))
            os.replace(tmp, self.disk / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written only costs time
