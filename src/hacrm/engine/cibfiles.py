"""The CIB on disk: crash-safe writes, a digest beside each file, the last backups kept.

A save writes the new CIB first as a verified copy of its own and only then replaces
``cib.xml`` and ``cib.xml.sig``: a new configuration (epoch) becomes the next numbered backup
(``cib-N.raw`` with ``cib-N.raw.sig``, the last ten kept, so they hold the configuration's
history), a status-only change goes to the single slot ``cib-latest.raw``.  Every file goes
through a temporary file, ``fsync`` and ``rename``, and the directory is synced.  Whatever
instant a crash hits, some complete, verified copy of the newest acknowledged CIB exists, and
loading takes the highest-versioned copy whose digest matches.  A ``cib.xml`` without a
digest (copied in by an administrator) is used when nothing verified is newer, with a warning.

These functions block; the daemon runs them in a worker thread, never on its event loop.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from hacrm.backends.base import CibVersion
from hacrm.engine.cibstore import Cib, CibError

DEFAULT_BACKUPS = 10
_RAW = re.compile(r"^cib-(\d+)\.raw$")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Loaded:
    """What :meth:`CibFiles.load` found."""

    cib: Cib | None
    source: str | None
    warnings: list[str] = field(default_factory=list)


class CibFiles:
    """The CIB files of one node, in ``directory``."""

    def __init__(self, directory: Path, backups: int = DEFAULT_BACKUPS) -> None:
        self.dir = Path(directory)
        self.backups = max(1, backups)
        #: (admin_epoch, epoch) of the newest numbered backup, once known
        self._backup_key: tuple[int, int] | None = None

    @property
    def main(self) -> Path:
        return self.dir / "cib.xml"

    def _numbers(self) -> list[int]:
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for n in names if (m := _RAW.match(n)))

    def _newest_backup_key(self, numbers: list[int]) -> tuple[int, int] | None:
        for n in reversed(numbers):
            data, verified = self._read(self.dir / f"cib-{n}.raw")
            if data is not None and verified:
                try:
                    v = Cib.from_text(data).version
                except CibError:
                    continue
                return (v.admin_epoch, v.epoch)
        return None

    def save(self, text: str, version: CibVersion | None = None) -> None:
        """Write ``text`` as the new CIB (blocking, durable when it returns)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        sig = (_digest(data) + "\n").encode()
        if version is None:
            version = Cib.from_text(data).version
        numbers = self._numbers()
        if self._backup_key is None:
            self._backup_key = self._newest_backup_key(numbers)
        key = (version.admin_epoch, version.epoch)
        if key != self._backup_key:
            n = (numbers[-1] + 1) if numbers else 1
            copy = self.dir / f"cib-{n}.raw"
        else:
            n = None
            copy = self.dir / "cib-latest.raw"
        _write(copy, data)
        _write(copy.with_name(copy.name + ".sig"), sig)
        _sync_dir(self.dir)
        _write(self.main, data)
        _write(self.main.with_name("cib.xml.sig"), sig)
        if n is not None:
            _write(self.dir / "cib.last", f"{n}\n".encode())
        _sync_dir(self.dir)
        if n is None:
            return
        self._backup_key = key
        for old in numbers:
            if old <= n - self.backups:
                for suffix in ("", ".sig"):
                    try:
                        os.unlink(self.dir / f"cib-{old}.raw{suffix}")
                    except FileNotFoundError:
                        pass

    def _read(self, path: Path) -> tuple[bytes | None, bool | None]:
        """(content, verified): verified is None when there is no digest file."""
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None, None
        try:
            sig = path.with_name(path.name + ".sig").read_text().strip()
        except FileNotFoundError:
            return data, None
        return data, sig == _digest(data)

    def load(self) -> Loaded:
        """The newest verified CIB, or None when there is none (a fresh node)."""
        result = Loaded(None, None)
        for leftover in self.dir.glob(".*.tmp") if self.dir.is_dir() else []:
            try:
                leftover.unlink()
            except OSError:
                pass
        best: tuple[CibVersion, int, Cib, str] | None = None
        unverified: tuple[Cib, str] | None = None
        candidates = [(self.main, 1), (self.dir / "cib-latest.raw", 0)] + [
            (self.dir / f"cib-{n}.raw", 0) for n in reversed(self._numbers())]
        for path, preference in candidates:
            data, verified = self._read(path)
            if data is None:
                continue
            if verified is False:
                result.warnings.append(f"{path.name}: digest mismatch, not used")
                continue
            try:
                cib = Cib.from_text(data)
            except CibError as err:
                result.warnings.append(f"{path.name}: {err}, not used")
                continue
            if verified is None:
                if path == self.main:
                    unverified = (cib, path.name)
                continue
            key = (cib.version, preference)
            if best is None or key > (best[0], best[1]):
                best = (cib.version, preference, cib, path.name)
        if unverified is not None and (best is None or unverified[0].version > best[0]):
            result.warnings.append(f"{unverified[1]} has no digest file (edited by hand?); "
                                   "using it")
            result.cib, result.source = unverified
            return result
        if best is not None:
            result.cib, result.source = best[2], best[3]
            if best[3] != self.main.name and self.main.exists():
                result.warnings.append(f"cib.xml is older or damaged; using {best[3]}")
        return result
