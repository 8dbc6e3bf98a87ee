"""What an agent's meta-data says, as far as running it and recording its history need.

The executor caches the raw XML an agent prints for ``meta-data``; this module turns it into an
:class:`AgentMetadata`: the parameters (with the ``unique``, ``reloadable``, ``private`` and
``required`` flags and defaults), the actions with their advertised timeouts, and the OCF version,
which decides whether the agent supports ``reload-agent`` (OCF 1.1) or the older ``reload``.
From that it derives the two parameter lists an operation record carries (``op-force-restart``
and ``op-secure-params``) exactly as Pacemaker's controller builds them.

The shell's ``ra`` level shows meta-data to users and has its own richer reading; this one is
deliberately small and strict about the few things that change what the engine writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from hacrm.engine.opdigest import IMPLICIT_PRIVATE, word_list


class MetadataError(ValueError):
    """The agent printed something that is not usable meta-data."""


def _true(value: str | None) -> bool:
    """Pacemaker's boolean spelling: true/on/yes/y/1 (any case)."""
    return (value or "").strip().lower() in ("true", "on", "yes", "y", "1")


@dataclass(frozen=True)
class ParamInfo:
    """One ``<parameter>`` of the meta-data."""

    name: str
    unique: bool = False
    reloadable: bool = False
    private: bool = False
    required: bool = False
    default: str | None = None
    type: str = "string"
    shortdesc: str = ""


@dataclass(frozen=True)
class ActionInfo:
    """One ``<action>`` of the meta-data (timeouts in milliseconds, None when not given)."""

    name: str
    timeout_ms: int | None = None
    interval_ms: int | None = None
    role: str | None = None
    depth: str | None = None


@dataclass(frozen=True)
class AgentMetadata:
    """The parsed meta-data of one agent, plus the XML it came from."""

    name: str
    version: str | None
    ocf_version: str | None
    params: tuple[ParamInfo, ...] = ()
    actions: tuple[ActionInfo, ...] = ()
    longdesc: str = ""
    shortdesc: str = ""
    xml: str = field(default="", repr=False)

    # --------------------------------------------------------------- derived facts
    @property
    def ocf_1_1(self) -> bool:
        return _version_at_least(self.ocf_version, (1, 1))

    @property
    def supports_reload_agent(self) -> bool:
        """OCF 1.1 agents advertising ``reload-agent``: reloadable parameters are marked."""
        return self.ocf_1_1 and any(a.name == "reload-agent" for a in self.actions)

    @property
    def supports_legacy_reload(self) -> bool:
        """Pre-1.1 agents advertising ``reload``: ``unique=0`` meant reloadable then."""
        return not self.ocf_1_1 and any(a.name.lower() == "reload" for a in self.actions)

    def param(self, name: str) -> ParamInfo | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def action(self, name: str, interval_ms: int | None = None) -> ActionInfo | None:
        for a in self.actions:
            if a.name == name and (interval_ms is None or (a.interval_ms or 0) == interval_ms):
                return a
        for a in self.actions:
            if a.name == name:
                return a
        return None

    def private_names(self) -> list[str]:
        """Private parameters; the common secret names when none is marked (Pacemaker's rule)."""
        marked = [p.name for p in self.params if p.private]
        if marked:
            return marked
        return [p.name for p in self.params if p.name in IMPLICIT_PRIVATE]

    def restart_list(self) -> str | None:
        """``op-force-restart`` for a non-recurring op, or None when the agent cannot reload.

        Pacemaker builds its parameter list by prepending, so the names come out in the reverse
        of their meta-data order.
        """
        if self.supports_reload_agent:
            names = [p.name for p in self.params if not p.reloadable]
        elif self.supports_legacy_reload:
            names = [p.name for p in self.params if p.unique]
        else:
            return None
        return word_list(reversed(names))

    def secure_list(self) -> str | None:
        """``op-secure-params``, or None when the agent has no private parameter."""
        private = set(self.private_names())
        names = [p.name for p in self.params if p.name in private]
        return word_list(reversed(names)) if names else None


def _version_at_least(text: str | None, wanted: tuple[int, ...]) -> bool:
    if not text:
        return False
    parts: list[int] = []
    for piece in text.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < len(wanted):
        parts.append(0)
    return tuple(parts) >= wanted


def parse_duration_ms(text: str | None) -> int | None:
    """``20s``, ``2min``, ``90`` (seconds), ``500ms``, ``1h`` -> milliseconds; None if unreadable."""
    if text is None:
        return None
    s = text.strip().lower()
    units = (("msec", 1), ("ms", 1), ("usec", 0.001), ("us", 0.001), ("min", 60000),
             ("m", 60000), ("hr", 3600000), ("h", 3600000), ("sec", 1000), ("s", 1000))
    for suffix, factor in units:
        if s.endswith(suffix):
            number = s[: -len(suffix)].strip()
            break
    else:
        number, factor = s, 1000
    try:
        return int(float(number) * factor)
    except ValueError:
        return None


def _text(el) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def parse_metadata(xml: str | bytes, name: str = "") -> AgentMetadata:
    """Parse ``<resource-agent>`` meta-data; :class:`MetadataError` when it is not that."""
    try:
        root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml,
                                parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        raise MetadataError(f"meta-data of {name or 'agent'} is not XML: {err}") from None
    if root.tag != "resource-agent":
        raise MetadataError(f"meta-data of {name or 'agent'} has root <{root.tag}>, "
                            "expected <resource-agent>")
    params = []
    for p in root.findall("parameters/parameter"):
        pname = p.get("name")
        if not pname:
            continue
        content = p.find("content")
        params.append(ParamInfo(
            name=pname,
            unique=_true(p.get("unique")),
            reloadable=_true(p.get("reloadable")),
            private=_true(p.get("private")),
            required=_true(p.get("required")),
            default=content.get("default") if content is not None else None,
            type=(content.get("type") or "string") if content is not None else "string",
            shortdesc=_text(p.find("shortdesc")),
        ))
    actions = []
    for a in root.findall("actions/action"):
        aname = a.get("name")
        if not aname:
            continue
        actions.append(ActionInfo(
            name=aname,
            timeout_ms=parse_duration_ms(a.get("timeout")),
            interval_ms=parse_duration_ms(a.get("interval")),
            role=a.get("role"),
            depth=a.get("depth"),
        ))
    version_el = root.find("version")
    text = xml if isinstance(xml, str) else xml.decode("utf-8", "replace")
    return AgentMetadata(
        name=root.get("name") or name,
        version=root.get("version"),
        ocf_version=(version_el.text or "").strip() if version_el is not None else None,
        params=tuple(params),
        actions=tuple(actions),
        longdesc=_text(root.find("longdesc")),
        shortdesc=_text(root.find("shortdesc")),
        xml=text,
    )


def lsb_metadata_xml(name: str, script: str) -> str:
    """Meta-data for an LSB init script, made from its ``### BEGIN INIT INFO`` header.

    Init scripts have no meta-data action; like Pacemaker, we describe them from the header
    (descriptions, what they provide and need) with the fixed LSB action set.
    """
    header: dict[str, str] = {}
    inside = False
    last = None
    for line in script.splitlines():
        if line.startswith("### BEGIN INIT INFO"):
            inside = True
            continue
        if line.startswith("### END INIT INFO"):
            break
        if not inside or not line.startswith("#"):
            continue
        body = line[1:]
        if body.startswith(("\t", "  ")) and last is not None:
            header[last] += " " + body.strip()
            continue
        key, sep, value = body.strip().partition(":")
        if sep:
            last = key.strip()
            header[last] = value.strip()
    root = etree.Element("resource-agent", name=name, version="0.1")
    etree.SubElement(root, "version").text = "1.0"
    etree.SubElement(root, "longdesc", lang="en").text = (
        header.get("Description") or header.get("Short-Description") or name)
    etree.SubElement(root, "shortdesc", lang="en").text = header.get("Short-Description", name)
    etree.SubElement(root, "parameters")
    actions = etree.SubElement(root, "actions")
    for action in ("meta-data", "start", "stop", "status", "restart", "force-reload"):
        etree.SubElement(actions, "action", name=action, timeout="15s")
    etree.SubElement(actions, "action", name="monitor", timeout="15s", interval="15s")
    special = etree.SubElement(root, "special", tag="LSB")
    for key in ("Provides", "Required-Start", "Required-Stop", "Should-Start", "Should-Stop",
                "Default-Start", "Default-Stop"):
        if key in header:
            etree.SubElement(special, key.replace("-", "_")).text = header[key]
    return etree.tostring(root, pretty_print=True, encoding="unicode")
