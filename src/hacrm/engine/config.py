"""The cluster configuration file, in corosync.conf syntax.

An existing ``corosync.conf`` is read as it is: the file is a tree of ``name {`` ... ``}``
sections holding ``key: value`` lines, ``#`` starts a comment line, and the line rules are
corosync's own (an opening brace must end its line, a value runs to the end of the line, so
IPv6 addresses need no quoting).  Keys corosync knows but the embedded engine has no use for are
accepted silently; keys nobody knows are warned about, never fatal.  A value that cannot mean
anything (``token: soon``) is an error located at its line and column.

The interpretation (what ``token`` or ``two_node`` do) lives in :class:`ClusterConfig` so that
the protocol modules take plain numbers and never see the file.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from hacrm.diagnostics import Diagnostic

DEFAULT_PORT = 5405
#: failure-detection timeout in ms; corosync's is 3000 (see docs/cluster.md for the choice)
DEFAULT_TOKEN = 1000
#: extra token time per node above two; corosync adds 650 ms because its token travels a ring,
#: our heartbeats go to every node directly so the detection time does not grow with the size
DEFAULT_TOKEN_COEFFICIENT = 0
DEFAULT_JOIN = 50
DEFAULT_NETMTU = 1500
DEFAULT_LMS_WINDOW = 10000


class ConfigError(Exception):
    """The configuration cannot be used; ``diagnostic`` says where and why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


# ---------------------------------------------------------------------------- syntax


@dataclass
class Item:
    """One ``key: value`` line."""

    key: str
    value: str
    line: int
    column: int  # column of the value (1-based)


@dataclass
class Section:
    """One ``name { ... }`` block; the file itself is the nameless root section."""

    name: str
    line: int
    items: list[Item] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def get(self, key: str) -> Item | None:
        """The last ``key`` line in this section (corosync keeps the last one too)."""
        found = None
        for item in self.items:
            if item.key == key:
                found = item
        return found

    def children(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]


def parse_text(text: str, source: str = "<config>") -> Section:
    """Parse corosync.conf syntax into a tree of sections; raise :class:`ConfigError`."""
    root = Section("", 0)
    stack = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip(" \t\r\xa0")
        stripped = line.lstrip(" \t\xa0")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)

        def fail(message: str, column: int = indent + 1, hint: str | None = None) -> None:
            raise ConfigError(Diagnostic("error", message, source, number, column, hint))

        if "{" in line:
            brace = line.index("{")
            name = line[:brace].strip(" \t\xa0").rstrip(":").strip(" \t\xa0")
            if not name:
                fail("missing section name before '{'", brace + 1,
                     "a section starts with its name, as in `totem {`")
            if line[brace + 1:].strip(" \t\xa0"):
                fail("extra characters after '{'", brace + 2,
                     "put the section's contents on the following lines")
            section = Section(name, number)
            stack[-1].sections.append(section)
            stack.append(section)
            continue
        if ":" in line:
            colon = line.index(":")
            key = line[:colon].strip(" \t\xa0")
            if not key:
                fail("missing key name before ':'", colon + 1)
            rest = line[colon + 1:]
            value = rest.strip(" \t\xa0")
            value_col = colon + 2 + (len(rest) - len(rest.lstrip(" \t\xa0")))
            stack[-1].items.append(Item(key, value, number, value_col))
            continue
        if "}" in line:
            if stripped != "}":
                fail("extra characters before or after '}'", indent + 1,
                     "a closing brace stands alone on its line")
            if len(stack) == 1:
                fail("unexpected '}' (no section is open)", indent + 1)
            stack.pop()
            continue
        fail("expected `name {`, `key: value` or `}`", indent + 1,
             "corosync.conf lines are `key: value`, `section {` or `}`")
    if len(stack) > 1:
        open_section = stack[-1]
        raise ConfigError(Diagnostic(
            "error", f"section '{open_section.name}' is not closed", source, open_section.line, 1,
            "add a line with a single `}`"))
    return root


# ---------------------------------------------------------------------------- meaning


@dataclass(frozen=True)
class NodeEntry:
    """One ``nodelist { node { ... } }`` entry."""

    nodeid: int
    name: str
    addr: str
    #: UDP port; hacrm's ``ring0_port`` extension lets several nodes share one address
    port: int
    votes: int = 1


@dataclass(frozen=True)
class TotemConfig:
    """The ``totem`` section: cluster name and the membership timers (all in ms)."""

    cluster_name: str = "hacluster"
    token: int = DEFAULT_TOKEN
    token_coefficient: int = DEFAULT_TOKEN_COEFFICIENT
    consensus: int | None = None
    join: int = DEFAULT_JOIN
    heartbeat_interval: int | None = None
    netmtu: int = DEFAULT_NETMTU
    port: int = DEFAULT_PORT


@dataclass(frozen=True)
class QuorumConfig:
    """The ``quorum`` section, votequorum's options."""

    provider: str | None = None
    expected_votes: int | None = None
    two_node: bool = False
    #: None when not set: two_node then switches it on, as votequorum does
    wait_for_all: bool | None = None
    last_man_standing: bool = False
    last_man_standing_window: int = DEFAULT_LMS_WINDOW
    auto_tie_breaker: bool = False
    #: "lowest", "highest" or a list of node ids in order of preference
    auto_tie_breaker_node: str | tuple[int, ...] = "lowest"
    votes: int | None = None


@dataclass(frozen=True)
class LoggingConfig:
    """The ``logging`` section (the parts that make sense for the node daemon)."""

    to_logfile: bool = True
    logfile: str | None = None
    to_stderr: bool = False
    to_syslog: bool = False
    debug: bool = False
    timestamp: bool = True


@dataclass(frozen=True)
class ClusterConfig:
    """Everything the node daemon needs from the configuration file."""

    totem: TotemConfig
    nodes: tuple[NodeEntry, ...]
    quorum: QuorumConfig
    logging: LoggingConfig
    warnings: tuple[Diagnostic, ...] = ()
    source: str = "<config>"

    # -- timers, derived as corosync derives them --------------------------------------
    @property
    def token_ms(self) -> int:
        """The effective token timeout: ``token`` plus the coefficient per node above two."""
        extra = max(0, len(self.nodes) - 2) * self.totem.token_coefficient
        return self.totem.token + (extra if len(self.nodes) > 2 else 0)

    @property
    def consensus_ms(self) -> int:
        if self.totem.consensus is not None:
            return self.totem.consensus
        return int(self.token_ms * 1.2)

    @property
    def heartbeat_ms(self) -> int:
        if self.totem.heartbeat_interval is not None:
            return self.totem.heartbeat_interval
        return max(10, self.token_ms // 10)

    # -- nodes ------------------------------------------------------------------------
    def node_by_name(self, name: str) -> NodeEntry | None:
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    def node_by_id(self, nodeid: int) -> NodeEntry | None:
        for node in self.nodes:
            if node.nodeid == nodeid:
                return node
        return None


# Keys corosync defines that the embedded engine reads or deliberately ignores.  Anything else is
# warned about (a typo such as `tokne` must not pass silently).
_USED = {
    "totem": {"cluster_name", "token", "token_coefficient", "consensus", "join", "netmtu",
              "heartbeat_interval"},
    "quorum": {"provider", "expected_votes", "two_node", "wait_for_all", "last_man_standing",
               "last_man_standing_window", "auto_tie_breaker", "auto_tie_breaker_node", "votes"},
    "logging": {"to_logfile", "logfile", "to_stderr", "to_syslog", "debug", "timestamp"},
    "node": {"nodeid", "name", "ring0_addr", "ring0_port", "quorum_votes"},
}
_IGNORED = {
    "totem": {"version", "crypto_cipher", "crypto_hash", "crypto_model", "secauth", "transport",
              "ip_version", "rrp_mode", "link_mode", "send_join", "max_messages", "window_size",
              "fail_recv_const", "seqno_unchanged_const", "max_network_delay", "downcheck",
              "merge", "token_retransmit", "token_retransmits_before_loss_const", "hold",
              "miss_count_const", "clear_node_high_bit", "threads", "vsftype", "nodeid",
              "token_warning", "knet_pmtud_interval", "knet_mtu", "knet_compression_model",
              "knet_compression_threshold", "knet_compression_level", "config_version",
              "heartbeat_failures_allowed", "block_unlisted_ips", "cancel_token_hold_on_retransmit",
              "interface"},
    "interface": {"linknumber", "ringnumber", "bindnetaddr", "mcastaddr", "mcastport", "ttl",
                  "knet_link_priority", "knet_ping_interval", "knet_ping_timeout",
                  "knet_ping_precision", "knet_pong_count", "knet_transport", "broadcast"},
    "quorum": {"allow_downscale", "expected_votes_tracking", "device", "wait_for_all_autoset"},
    "logging": {"fileline", "function_name", "syslog_facility", "syslog_priority",
                "logfile_priority", "logger_subsys", "blackbox"},
    "logger_subsys": {"subsys", "debug", "to_logfile", "logfile", "to_syslog", "to_stderr"},
    "node": {f"ring{i}_addr" for i in range(1, 8)},
    "nodelist": set(),
    "system": {"qb_ipc_type", "sched_rr", "priority", "move_to_root_cgroup", "state_dir",
               "allow_knet_handle_fallback"},
    "resources": set(),
    "nozzle": set(),
    "uidgid": {"uid", "gid"},
}
_IGNORED_SECTIONS = {"system", "resources", "nozzle", "uidgid", "qb", "device", "logger_subsys"}


class _Reader:
    """Turns the syntax tree into a :class:`ClusterConfig`, collecting warnings."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[Diagnostic] = []

    def warn(self, message: str, line: int, column: int = 1, hint: str | None = None) -> None:
        self.warnings.append(Diagnostic("warning", message, self.source, line, column, hint))

    def error(self, item: Item, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(Diagnostic("error", message, self.source, item.line, item.column,
                                      hint))

    def check_keys(self, section: Section, kind: str, path: str) -> None:
        known = _USED.get(kind, set()) | _IGNORED.get(kind, set())
        for item in section.items:
            if item.key not in known:
                self.warn(f"unknown key {path}.{item.key} (ignored)", item.line, 1,
                          "check the spelling; see `help cluster` for the keys hacrm reads")

    def integer(self, item: Item | None, default: int | None, lo: int = 0,
                hi: int = 2**32 - 1) -> int | None:
        if item is None:
            return default
        try:
            value = int(item.value, 0)
        except ValueError:
            raise self.error(item, f"{item.key}: expected a number, got {item.value!r}") from None
        if not lo <= value <= hi:
            raise self.error(item, f"{item.key}: {value} is out of range ({lo}..{hi})")
        return value

    def boolean(self, item: Item | None, default: bool | None) -> bool | None:
        if item is None:
            return default
        value = item.value.lower()
        if value in ("1", "yes", "on", "true"):
            return True
        if value in ("0", "no", "off", "false"):
            return False
        raise self.error(item, f"{item.key}: expected yes/no (or 1/0, on/off), got {item.value!r}")

    # -- sections ---------------------------------------------------------------------
    def totem(self, root: Section) -> TotemConfig:
        sections = root.children("totem")
        if not sections:
            return TotemConfig()
        sec = sections[-1]
        self.check_keys(sec, "totem", "totem")
        port = DEFAULT_PORT
        for iface in sec.children("interface"):
            self.check_keys(iface, "interface", "totem.interface")
            port = self.integer(iface.get("mcastport"), port, 1, 65535) or port
        for sub in sec.sections:
            if sub.name != "interface":
                self.warn(f"unknown section totem.{sub.name} (ignored)", sub.line)
        cluster_name = sec.get("cluster_name")
        token = self.integer(sec.get("token"), DEFAULT_TOKEN, 10, 3_600_000)
        heartbeat = self.integer(sec.get("heartbeat_interval"), None, 5, 3_600_000)
        if heartbeat is not None and token is not None and heartbeat * 2 > token:
            item = sec.get("heartbeat_interval")
            assert item is not None
            raise self.error(item, f"heartbeat_interval ({heartbeat} ms) must be at most half "
                             f"of token ({token} ms)", "a peer is declared lost after `token` ms "
                             "without a packet, so several heartbeats must fit in it")
        return TotemConfig(
            cluster_name=cluster_name.value if cluster_name and cluster_name.value else
            "hacluster",
            token=token or DEFAULT_TOKEN,
            token_coefficient=self.integer(sec.get("token_coefficient"),
                                           DEFAULT_TOKEN_COEFFICIENT) or 0,
            consensus=self.integer(sec.get("consensus"), None, 10, 3_600_000),
            join=self.integer(sec.get("join"), DEFAULT_JOIN, 1, 3_600_000) or DEFAULT_JOIN,
            heartbeat_interval=heartbeat,
            netmtu=self.integer(sec.get("netmtu"), DEFAULT_NETMTU, 576, 65000) or DEFAULT_NETMTU,
            port=port,
        )

    def nodes(self, root: Section, default_port: int) -> tuple[NodeEntry, ...]:
        entries: list[NodeEntry] = []
        for nodelist in root.children("nodelist"):
            self.check_keys(nodelist, "nodelist", "nodelist")
            for sub in nodelist.sections:
                if sub.name != "node":
                    self.warn(f"unknown section nodelist.{sub.name} (ignored)", sub.line)
                    continue
                entries.append(self.node(sub, default_port))
        seen_ids: dict[int, NodeEntry] = {}
        seen_names: set[str] = set()
        for entry in entries:
            if entry.nodeid in seen_ids:
                raise ConfigError(Diagnostic("error", f"node id {entry.nodeid} is used twice "
                                             f"({seen_ids[entry.nodeid].name}, {entry.name})",
                                             self.source))
            if entry.name in seen_names:
                raise ConfigError(Diagnostic("error", f"node name {entry.name} is used twice",
                                             self.source))
            seen_ids[entry.nodeid] = entry
            seen_names.add(entry.name)
        return tuple(sorted(entries, key=lambda n: n.nodeid))

    def node(self, sec: Section, default_port: int) -> NodeEntry:
        self.check_keys(sec, "node", "nodelist.node")
        addr_item = sec.get("ring0_addr")
        if addr_item is None or not addr_item.value:
            raise ConfigError(Diagnostic("error", "node has no ring0_addr", self.source, sec.line,
                                         1, "every node needs `ring0_addr: ADDRESS`"))
        addr = addr_item.value
        nodeid_item = sec.get("nodeid")
        if nodeid_item is not None:
            nodeid = self.integer(nodeid_item, None, 1, 2**31 - 1)
        else:
            # corosync derives the id of an IPv4 node from its address when none is given
            try:
                ip = ipaddress.ip_address(addr)
            except ValueError:
                raise self.error(addr_item, "node has no nodeid and its ring0_addr is not an "
                                 "IPv4 address to derive one from",
                                 "add `nodeid: N` to the node section") from None
            if ip.version != 4:
                raise self.error(addr_item, "node has no nodeid (required with IPv6)",
                                 "add `nodeid: N` to the node section")
            nodeid = int(ip) & 0x7FFFFFFF
        name_item = sec.get("name")
        name = name_item.value if name_item and name_item.value else addr
        port = self.integer(sec.get("ring0_port"), default_port, 1, 65535)
        votes = self.integer(sec.get("quorum_votes"), 1, 0, 255)
        assert nodeid is not None and port is not None and votes is not None
        return NodeEntry(nodeid, name, addr, port, votes)

    def quorum(self, root: Section) -> QuorumConfig:
        sections = root.children("quorum")
        if not sections:
            return QuorumConfig()
        sec = sections[-1]
        self.check_keys(sec, "quorum", "quorum")
        provider = sec.get("provider")
        if provider is not None and provider.value not in ("corosync_votequorum", ""):
            raise self.error(provider, f"unknown quorum provider {provider.value!r}",
                             "the only provider is corosync_votequorum")
        atb_node: str | tuple[int, ...] = "lowest"
        atb_item = sec.get("auto_tie_breaker_node")
        if atb_item is not None:
            value = atb_item.value.strip()
            if value in ("lowest", "highest"):
                atb_node = value
            else:
                try:
                    atb_node = tuple(int(v) for v in value.split())
                except ValueError:
                    raise self.error(atb_item, "auto_tie_breaker_node: expected lowest, highest "
                                     "or a list of node ids") from None
                if not atb_node:
                    raise self.error(atb_item, "auto_tie_breaker_node is empty")
        for key in ("allow_downscale", "expected_votes_tracking"):
            item = sec.get(key)
            if item is not None and self.boolean(item, False):
                self.warn(f"quorum.{key} is not supported by hacrm (ignored)", item.line)
        if sec.children("device"):
            self.warn("quorum.device (qdevice) is not supported by hacrm (ignored)",
                      sec.children("device")[0].line)
        return QuorumConfig(
            provider=provider.value if provider else None,
            expected_votes=self.integer(sec.get("expected_votes"), None, 1, 65535),
            two_node=bool(self.boolean(sec.get("two_node"), False)),
            wait_for_all=self.boolean(sec.get("wait_for_all"), None),
            last_man_standing=bool(self.boolean(sec.get("last_man_standing"), False)),
            last_man_standing_window=self.integer(sec.get("last_man_standing_window"),
                                                  DEFAULT_LMS_WINDOW, 1, 3_600_000)
            or DEFAULT_LMS_WINDOW,
            auto_tie_breaker=bool(self.boolean(sec.get("auto_tie_breaker"), False)),
            auto_tie_breaker_node=atb_node,
            votes=self.integer(sec.get("votes"), None, 0, 255),
        )

    def logging(self, root: Section) -> LoggingConfig:
        sections = root.children("logging")
        if not sections:
            return LoggingConfig()
        sec = sections[-1]
        self.check_keys(sec, "logging", "logging")
        for sub in sec.sections:
            if sub.name != "logger_subsys":
                self.warn(f"unknown section logging.{sub.name} (ignored)", sub.line)
        timestamp = sec.get("timestamp")
        logfile = sec.get("logfile")
        return LoggingConfig(
            to_logfile=bool(self.boolean(sec.get("to_logfile"), True)),
            logfile=logfile.value if logfile and logfile.value else None,
            to_stderr=bool(self.boolean(sec.get("to_stderr"), False)),
            to_syslog=bool(self.boolean(sec.get("to_syslog"), False)),
            debug=(sec.get("debug") is not None and sec.get("debug").value.lower()  # type: ignore
                   in ("on", "yes", "1", "trace")),
            timestamp=(timestamp is None or timestamp.value.lower() != "off"),
        )


def load_text(text: str, source: str = "<config>") -> ClusterConfig:
    """Read a configuration from text; raise :class:`ConfigError` when it cannot be used."""
    tree = parse_text(text, source)
    reader = _Reader(source)
    known_top = {"totem", "nodelist", "quorum", "logging"}
    for item in tree.items:
        reader.warn(f"key {item.key} outside any section (ignored)", item.line)
    for sec in tree.sections:
        if sec.name not in known_top and sec.name not in _IGNORED_SECTIONS:
            reader.warn(f"unknown section {sec.name} (ignored)", sec.line)
    totem = reader.totem(tree)
    nodes = reader.nodes(tree, totem.port)
    if not nodes:
        raise ConfigError(Diagnostic(
            "error", "the configuration has no nodelist", source, None, None,
            "hacrm needs `nodelist { node { ring0_addr: ...  nodeid: ...  name: ... } }`"))
    quorum = reader.quorum(tree)
    logging_conf = reader.logging(tree)
    return ClusterConfig(totem, nodes, quorum, logging_conf, tuple(reader.warnings), source)


def load(path: str | Path) -> ClusterConfig:
    """Read the configuration file at ``path``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Diagnostic("error", f"{p} does not exist", None, None, None,
                                     "create one with `crm cluster init`")) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(Diagnostic("error", f"cannot read {p}: {err}")) from None
    return load_text(text, str(p))


# ---------------------------------------------------------------------------- writing


def render(cluster_name: str, nodes: list[NodeEntry], *, two_node: bool | None = None,
           token: int | None = None, logfile: str | None = None,
           heartbeat_interval: int | None = None, port: int = DEFAULT_PORT,
           netmtu: int | None = None) -> str:
    """A configuration file corosync itself would accept (``corosync -t`` passes on it).

    ``ring0_port`` appears only for nodes whose port differs from the cluster's port: it is an
    hacrm extension that lets sandbox nodes share 127.0.0.1.
    """
    if two_node is None:
        two_node = len(nodes) == 2
    lines = [
        "# Cluster configuration in corosync.conf syntax; see `crm help cluster`.",
        "totem {",
        "\tversion: 2",
        f"\tcluster_name: {cluster_name}",
        "\ttransport: knet",
        "\tcrypto_cipher: none",
        "\tcrypto_hash: none",
    ]
    if token is not None:
        lines.append(f"\ttoken: {token}")
    if heartbeat_interval is not None:
        lines.append(f"\theartbeat_interval: {heartbeat_interval}")
    if netmtu is not None:
        lines.append(f"\tnetmtu: {netmtu}")
    if port != DEFAULT_PORT:
        lines += ["\tinterface {", "\t\tlinknumber: 0", f"\t\tmcastport: {port}", "\t}"]
    lines += ["}", "", "logging {", "\tto_logfile: yes"]
    if logfile:
        lines.append(f"\tlogfile: {logfile}")
    lines += ["\tto_syslog: no", "\ttimestamp: on", "}", "", "quorum {",
              "\tprovider: corosync_votequorum"]
    if two_node:
        lines.append("\ttwo_node: 1")
    lines += ["}", "", "nodelist {"]
    for node in nodes:
        lines += ["\tnode {", f"\t\tring0_addr: {node.addr}", f"\t\tname: {node.name}",
                  f"\t\tnodeid: {node.nodeid}"]
        if node.port != port:
            lines.append(f"\t\tring0_port: {node.port}")
        if node.votes != 1:
            lines.append(f"\t\tquorum_votes: {node.votes}")
        lines.append("\t}")
    lines += ["}", ""]
    return "\n".join(lines)
