"""Shadow CIBs: named copies of the CIB in files, where Pacemaker's ``crm_shadow`` keeps them.

A shadow CIB is ``shadow.NAME`` in the shadow directory: ``CIB_shadow_dir`` when set, else
Pacemaker's configuration directory for root and the cluster user, else ``~/.cib``.  Keeping
the same place and file format means a shadow made by ``crm_shadow`` or crmsh can be used here
and the other way round.  While one is in use, the shell edits it instead of the live CIB (a
file backend on the shadow file); ``commit`` copies its configuration to the live CIB.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path

PACEMAKER_CONFIG_DIR = Path("/var/lib/pacemaker/cib")
DAEMON_USER = "hacluster"
_SANE = re.compile(r"^[A-Za-z0-9_.+:@-][A-Za-z0-9_.+:@-]*$")
RESERVED = ("live", "tmp-cib")


class ShadowError(Exception):
    """A shadow CIB operation was refused; the message is for the user."""


def shadow_dir(env: dict[str, str] | None = None) -> Path:
    """The directory holding shadow CIBs, chosen as Pacemaker chooses it."""
    env = dict(os.environ) if env is None else env
    configured = env.get("CIB_shadow_dir")
    if configured:
        return Path(configured)
    try:
        user = pwd.getpwuid(os.geteuid()).pw_name
        home = env.get("HOME") or pwd.getpwuid(os.geteuid()).pw_dir
    except KeyError:
        user, home = env.get("USER", ""), env.get("HOME", "")
    if user in ("root", DAEMON_USER):
        return PACEMAKER_CONFIG_DIR
    if home.startswith("/"):
        return Path(home) / ".cib"
    return Path(env.get("TMPDIR", "/tmp"))


def check_name(name: str) -> None:
    """Refuse names that are not plain file names (or that the prompt reserves)."""
    if not name or not _SANE.match(name) or name in (".", ".."):
        raise ShadowError(f"Bad filename: {name}")
    if name in RESERVED:
        raise ShadowError(f"Shadow name '{name}' is not allowed")


@dataclass(frozen=True)
class ShadowStore:
    """The shadow CIBs in one directory."""

    directory: Path

    @classmethod
    def default(cls) -> ShadowStore:
        return cls(shadow_dir())

    def path(self, name: str) -> Path:
        return self.directory / f"shadow.{name}"

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def names(self) -> list[str]:
        """Names of the shadow CIBs present, sorted."""
        try:
            entries = os.listdir(self.directory)
        except OSError:
            return []
        return sorted(e[len("shadow."):] for e in entries
                      if e.startswith("shadow.") and len(e) > len("shadow.")
                      and not e.endswith(".tmp"))

    def create(self, name: str, cib_xml: str, *, force: bool = False) -> Path:
        """Write a new shadow CIB with ``cib_xml``; refuse to overwrite unless ``force``."""
        check_name(name)
        target = self.path(name)
        if target.exists() and not force:
            raise ShadowError(f"shadow CIB {name} already exists (use force to overwrite)")
        self._write(target, cib_xml)
        return target

    def read(self, name: str) -> str:
        try:
            return self.path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ShadowError(f"{name}: no such shadow CIB") from None
        except OSError as err:
            raise ShadowError(f"{name}: cannot read shadow CIB: {err.strerror}") from None

    def replace(self, name: str, cib_xml: str) -> None:
        if not self.exists(name):
            raise ShadowError(f"{name}: no such shadow CIB")
        self._write(self.path(name), cib_xml)

    def delete(self, name: str) -> None:
        check_name(name)
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            raise ShadowError(f"{name}: no such shadow CIB") from None
        except OSError as err:
            raise ShadowError(f"failed to delete {name} shadow CIB: {err.strerror}") from None

    def _write(self, target: Path, text: str) -> None:
        from hacrm.backends.file import write_atomically

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(target, text if text.endswith("\n") else text + "\n")
            os.chmod(target, 0o640)
        except OSError as err:
            raise ShadowError(f"cannot write {target}: {err.strerror}") from None
