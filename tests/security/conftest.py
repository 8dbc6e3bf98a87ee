"""Fixtures for the security tests: a secret file hostile documents try to read, and an
in-process shell on a file CIB whose output is captured."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from security.hostile import SECRET


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


@dataclass
class Shell:
    """Runs shell lines in-process against ``CIB_file``; collects what was printed."""

    ctx: object
    out: io.StringIO
    err: io.StringIO

    def run(self, line: str) -> tuple[bool, str]:
        ok = self.ctx.run(line)  # type: ignore[attr-defined]
        text = self.out.getvalue() + self.err.getvalue()
        for stream in (self.out, self.err):
            stream.seek(0)
            stream.truncate()
        return ok, text


def make_shell(home: Path) -> Shell:
    from hacrm.shell.dispatch import Context
    from hacrm.shell.output import Messages
    from hacrm.shell.preferences import Preferences
    from hacrm.shell.session import Flags, Session

    out, err = io.StringIO(), io.StringIO()
    prefs = Preferences.load(home / ".config" / "crm" / "crm.conf",
                             system=home / "no-system.conf")
    prefs.set_unchecked("core", "pager", "")
    session = Session(flags=Flags(force=True), prefs=prefs,
                      messages=Messages(out=out, err=err), node="node1")
    return Shell(Context(session), out, err)


@pytest.fixture
def file_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment of a user with a file CIB at ``tmp_path/cib.xml``; returns that path."""
    home = tmp_path / "home"
    (tmp_path / "shadow").mkdir()
    home.mkdir()
    for key, value in {"HOME": home, "XDG_CONFIG_HOME": home / ".config",
                       "XDG_CACHE_HOME": home / ".cache",
                       "XDG_STATE_HOME": home / ".local" / "state",
                       "CIB_file": tmp_path / "cib.xml",
                       "CIB_shadow_dir": tmp_path / "shadow"}.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.delenv("CIB_shadow", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cib.xml"


@pytest.fixture
def shell(file_env: Path) -> Shell:
    return make_shell(file_env.parent / "home")
