"""User preferences (the ``options`` level): typed, validated, layered, saved as INI.

The file format and location are the ones crmsh uses (``[core]``/``[path]``/``[color]``
sections in ``crm.conf`` under the user's configuration directory, ``/etc/crm/crm.conf`` for
the whole system, ``CRM_CONFIG_FILE`` to override), so a user moving between crmsh and hacrm
keeps one set of preferences.  Values are kept as the text the user typed; each option's kind
validates it and converts it for use.

Layers, later winning: built-in defaults, the system file, the user file (with what was set in
this session on top).  ``show`` lists the options set in the system or user layer.
"""

from __future__ import annotations

import configparser
import os
import sys
from pathlib import Path

from hacrm.records import field, record

SYSTEM_FILE = Path("/etc/crm/crm.conf")

_TRUE = ("yes", "true", "on", "1")
_FALSE = ("no", "false", "off", "0")
COLOURS = ("black", "blue", "green", "cyan", "red", "magenta", "yellow", "white", "bold",
           "blink", "dim", "reverse", "underline", "normal")


class PreferenceError(ValueError):
    """A preference name or value was refused; the message is for the user."""


@record(frozen=True)
class Kind:
    """How one option is validated and completed."""

    kind: str  # "program", "string", "choice", "multichoice", "boolean", "dir", "color"
    default: str = ""
    choices: tuple[str, ...] = ()
    #: for programs: the environment variable and the programs to look for, in order; the
    #: default is found only when asked for (a PATH search costs start-up time)
    env: str = ""
    candidates: tuple[str, ...] = ()

    def default_value(self) -> str:
        if self.kind == "program" and not self.default:
            return _program_default(self.env, self.candidates)
        return self.default

    def validate(self, value: str) -> None:
        if self.kind == "choice" and value not in self.choices:
            raise PreferenceError(f"{value} not in {', '.join(self.choices)}")
        if self.kind == "multichoice":
            for part in (p.strip() for p in value.split(",")):
                if part not in self.choices:
                    raise PreferenceError(f"{value} not in {', '.join(self.choices)}")
        if self.kind == "boolean" and value.lower() not in _TRUE + _FALSE:
            raise PreferenceError(
                f"Not a boolean: {value} (try one of: {', '.join(_TRUE + _FALSE)})")
        if self.kind == "program" and find_program(value) is None:
            raise PreferenceError(f"{value} does not exist or is not a program")
        if self.kind == "dir" and not os.path.isdir(value):
            raise PreferenceError(f"Directory not found: {value}")
        if self.kind == "color":
            for part in value.split():
                if part.rstrip(",") not in COLOURS:
                    raise PreferenceError(f"Invalid color {value}")

    def completions(self) -> tuple[str, ...]:
        if self.kind == "boolean":
            return _TRUE + _FALSE
        if self.kind == "color":
            return COLOURS
        return self.choices


def find_program(name: str) -> str | None:
    """Absolute path of an executable ``name`` (a path or a word looked up in PATH)."""
    if not name:
        return None
    if "/" in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    import shutil

    extra = os.pathsep.join(("/usr/bin", "/usr/sbin", "/bin", "/sbin"))
    return shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + extra)


def _program_default(env: str, candidates: tuple[str, ...]) -> str:
    if env and os.environ.get(env):
        return os.environ[env]
    for candidate in candidates:
        found = find_program(candidate)
        if found:
            return found
    return ""


def option_table() -> dict[str, dict[str, Kind]]:
    """Every option hacrm knows, by section."""
    return {
        "core": {
            "editor": Kind("program", env="EDITOR", candidates=("vim", "vi", "emacs", "nano")),
            "pager": Kind("program", env="PAGER", candidates=("less", "more", "pg")),
            "user": Kind("string", ""),
            "skill_level": Kind("choice", "expert", ("operator", "administrator", "expert")),
            "sort_elements": Kind("boolean", "yes"),
            "check_frequency": Kind("choice", "always", ("always", "on-verify", "never")),
            "check_mode": Kind("choice", "strict", ("strict", "relaxed")),
            "wait": Kind("boolean", "no"),
            "add_quotes": Kind("boolean", "yes"),
            "manage_children": Kind("choice", "ask", ("ask", "never", "always")),
            "force": Kind("boolean", "no"),
            "debug": Kind("boolean", "no"),
            "dot": Kind("program", candidates=("dot",)),
            "ignore_missing_metadata": Kind("boolean", "no"),
            "lock_timeout": Kind("string", "120"),
            "obscure_pattern": Kind("string", "passw*"),
        },
        "path": {
            "crm_config": Kind("dir", "/var/lib/pacemaker/cib"),
            "crm_daemon_user": Kind("string", "hacluster"),
            "ocf_root": Kind("dir", "/usr/lib/ocf"),
            "pe_state_dir": Kind("dir", "/var/lib/pacemaker/pengine"),
        },
        "color": {
            "style": Kind("multichoice", "color", ("plain", "color-always", "color", "uppercase")),
            "colorscheme": Kind("string", ""),
            "error": Kind("color", "red bold"),
            "ok": Kind("color", "green bold"),
            "warn": Kind("color", "yellow bold"),
            "info": Kind("color", "cyan"),
            "keyword": Kind("color", "yellow"),
            "identifier": Kind("color", "normal"),
            "attr_name": Kind("color", "cyan"),
            "attr_value": Kind("color", "red"),
            "resource_reference": Kind("color", "green"),
            "id_reference": Kind("color", "green"),
            "score": Kind("color", "magenta"),
            "ticket": Kind("color", "magenta"),
        },
    }


def user_config_dir() -> Path:
    """The user's configuration directory for ``crm`` (platformdirs' answer).

    On Linux that is ``$XDG_CONFIG_HOME/crm`` or ``~/.config/crm``, computed here without
    importing platformdirs (it costs start-up time); elsewhere platformdirs decides.
    """
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return Path(base) / "crm"
    from platformdirs import user_config_dir as platform_dir

    return Path(platform_dir("crm", appauthor=False))


def user_file() -> Path:
    """The per-user preferences file (``CRM_CONFIG_FILE`` wins)."""
    override = os.environ.get("CRM_CONFIG_FILE")
    if override:
        return Path(override)
    return user_config_dir() / "crm.conf"


def new_parser() -> configparser.ConfigParser:
    """An INI parser that keeps option names' case and takes ``%`` literally."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    return parser


def _read(path: Path) -> configparser.ConfigParser:
    parser = new_parser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        pass
    return parser


@record
class Preferences:
    """The layered preferences of one session."""

    table: dict[str, dict[str, Kind]] = field(default_factory=option_table)
    system: configparser.ConfigParser = field(default_factory=new_parser)
    user: configparser.ConfigParser = field(default_factory=new_parser)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None = None, system: Path = SYSTEM_FILE) -> Preferences:
        path = path or user_file()
        return cls(system=_read(system), user=_read(path), path=path)

    # ----------------------------------------------------------------- lookup
    def names(self) -> list[str]:
        """``section.name`` of every known option, sorted."""
        return sorted(f"{s}.{n}" for s, opts in self.table.items() for n in opts)

    def kind(self, section: str, name: str) -> Kind:
        if section not in self.table:
            raise PreferenceError(f"Setting invalid section {section}")
        if name not in self.table[section]:
            raise PreferenceError(f"Setting invalid option {section}.{name}")
        return self.table[section][name]

    def raw(self, section: str, name: str) -> str:
        for layer in (self.user, self.system):
            if layer.has_option(section, name):
                return layer.get(section, name, raw=True) or ""
        return self.table.get(section, {}).get(name, Kind("string")).default_value()

    def get(self, option: str) -> str:
        section, _, name = option.partition(".")
        value = self.raw(section, name)
        if value.startswith("$"):
            return os.environ.get(value[1:], "")
        return value

    def flag(self, option: str) -> bool:
        return self.get(option).lower() in _TRUE

    # ----------------------------------------------------------------- changes
    def set(self, section: str, name: str, value: str) -> None:
        """Validate and set an option in the user layer (saved by :meth:`save`)."""
        self.kind(section, name).validate(value)
        self.set_unchecked(section, name, value)

    def set_unchecked(self, section: str, name: str, value: str) -> None:
        if not self.user.has_section(section):
            self.user.add_section(section)
        self.user.set(section, name, value)

    def configured(self) -> list[str]:
        """``section.name`` of the options set in the system or user layer."""
        seen: list[str] = []
        for layer in (self.system, self.user):
            for section in layer.sections():
                for name in layer.options(section):
                    key = f"{section}.{name}"
                    if key not in seen:
                        seen.append(key)
        return seen

    def reset(self) -> None:
        """Forget what was set in this session: back to what is saved on disk."""
        self.user = _read(self.path) if self.path else new_parser()

    def save(self) -> None:
        """Write the user layer atomically to the user file."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            self.user.write(handle)
        os.replace(tmp, self.path)
