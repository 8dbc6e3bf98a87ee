"""Where a node keeps its files, under a configurable root.

A real node uses the usual layout under ``/`` (``/etc/hacrm``, ``/var/lib/hacrm``,
``/run/hacrm``, ``/var/log/hacrm``); a sandbox node or a test uses the same layout under a
directory of its own, so nothing needs privileges and several nodes share one machine.  The root
comes from ``--root`` or ``HACRM_ROOT``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "HACRM_ROOT"


@dataclass(frozen=True)
class Layout:
    """The files of one node."""

    root: Path

    @classmethod
    def from_env(cls, root: str | Path | None = None,
                 env: dict[str, str] | None = None) -> Layout:
        environ = os.environ if env is None else env
        chosen = root if root is not None else environ.get(ROOT_ENV) or "/"
        return cls(Path(chosen).absolute())

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "hacrm"

    @property
    def config(self) -> Path:
        return self.etc / "corosync.conf"

    @property
    def authkey(self) -> Path:
        return self.etc / "authkey"

    @property
    def state(self) -> Path:
        return self.root / "var" / "lib" / "hacrm"

    @property
    def cib_dir(self) -> Path:
        return self.state / "cib"

    @property
    def run(self) -> Path:
        return self.root / "run" / "hacrm"

    @property
    def pidfile(self) -> Path:
        return self.run / "hacrm.pid"

    @property
    def socket(self) -> Path:
        return self.run / "hacrm.sock"

    @property
    def logdir(self) -> Path:
        return self.root / "var" / "log" / "hacrm"

    @property
    def logfile(self) -> Path:
        return self.logdir / "hacrm.log"

    def make_dirs(self) -> None:
        """Create the state, run and log directories (owner-only where secrets or sockets live)."""
        for path, mode in ((self.state, 0o700), (self.cib_dir, 0o700), (self.run, 0o700),
                           (self.logdir, 0o755)):
            path.mkdir(parents=True, exist_ok=True)
            try:
                os.chmod(path, mode)
            except PermissionError:
                pass
