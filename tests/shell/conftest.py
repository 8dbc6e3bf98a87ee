"""Fixtures for the shell tests: a scratch CIB file, shadow dir and home, and in-process
sessions whose output is captured."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from hacrm.cib.document import empty_cib_xml
from hacrm.shell.dispatch import Context
from hacrm.shell.output import Messages
from hacrm.shell.preferences import Preferences
from hacrm.shell.session import Flags, Session


@dataclass
class Scratch:
    """A directory set up like a user's machine with a file CIB."""

    root: Path
    cib: Path
    shadow: Path
    home: Path

    def env(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "CIB_file": str(self.cib),
            "CIB_shadow_dir": str(self.shadow),
        }


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scratch:
    home = tmp_path / "home"
    home.mkdir()
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    cib = tmp_path / "cib.xml"
    cib.write_text(empty_cib_xml())
    s = Scratch(tmp_path, cib, shadow, home)
    for key, value in s.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CIB_shadow", raising=False)
    monkeypatch.delenv("CRM_CONFIG_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    return s


@dataclass
class Harness:
    """An in-process shell: run lines, read what it printed."""

    session: Session
    ctx: Context
    out: io.StringIO
    err: io.StringIO

    def run(self, *lines: str) -> bool:
        ok = True
        for line in lines:
            ok = self.ctx.run(line) and ok
        return ok

    def take(self) -> tuple[str, str]:
        out, err = self.out.getvalue(), self.err.getvalue()
        self.out.seek(0)
        self.out.truncate()
        self.err.seek(0)
        self.err.truncate()
        return out, err


@pytest.fixture
def shell(scratch: Scratch) -> Harness:
    out, err = io.StringIO(), io.StringIO()
    prefs = Preferences.load(scratch.home / ".config" / "crm" / "crm.conf",
                             system=scratch.root / "no-system.conf")
    session = Session(flags=Flags(force=True), prefs=prefs,
                      messages=Messages(out=out, err=err), node="node1")
    return Harness(session, Context(session), out, err)
