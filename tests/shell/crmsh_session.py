"""Run crmsh's regression session testcases against any ``crm`` program.

crmsh's own regression suite (``test/evaltest.sh`` with ``defaults``, ``crm-interface`` and
``descriptions``) reads a testcase file line by line: ``session``/``show``/``showxml``/
``filesession`` headers start a block of commands fed to one ``crm -R`` run (up to a line with
a single ``.``), ``%setenv``/``%ext`` lines are shell directives, and any other line is a
single-shot ``crm -R ARGS``.  Everything runs against a shadow CIB created empty first and
filled with a small sample configuration.

This module re-implements that driver (the behaviour, not the shell code) so that the same
testcase can be run with Debian's ``/usr/sbin/crm`` and with ours, each in its own scratch
directory (its own ``HOME``, ``CIB_shadow_dir`` and working directory), and the two outputs
compared after the same normalisation.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SHADOW = "__crmsh_regtest"

SAMPLE = """configure
node node1
primitive p0 ocf:pacemaker:Dummy
primitive p1 ocf:pacemaker:Dummy
primitive p2 ocf:heartbeat:Delay \\
\tparams startdelay=2 mondelay=2 stopdelay=2
primitive p3 ocf:pacemaker:Dummy
primitive st stonith:null params hostlist=node1
clone c1 p1
clone m1 p2 meta promotable=true
op_defaults timeout=60s
commit
up
"""

# Lines crmsh's harness excludes everywhere (testcases/common.excl), plus what only an
# implementation that shells out to Pacemaker's tools prints: the ``.EXT`` trace of external
# commands, and Python tracebacks that crmsh dumps in regression mode before an error.
_EXCLUDE = [re.compile(p) for p in (
    r"^\.EXT ",
    r"^Could not send ",
    r"^Error performing operation: ",
    r"^Error setting ",
    r"^Error signing on to the CRMd service",
    r"^Error connecting to the controller",
    (r"^.*: ([0-9]+: )?\(cluster_status\) \twarning: Fencing and resource management disabled "
     r"due to lack of quorum"),
    r"^Could not connect to CIB: ",
)]
_CIB_TAG = re.compile(r"<cib[^>]*>")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


_OPTION_LINE = re.compile(r"^[a-z_]+\.[A-Za-z_0-9]+ = ")
_MESSAGE_TEXT = re.compile(r"^(ERROR|WARNING|INFO): (\d+: )?.*$")


def _sort_option_blocks(lines: list[str]) -> list[str]:
    """``options show`` lists options in no fixed order in crmsh: sort each block."""
    out: list[str] = []
    block: list[str] = []
    for line in lines + [""]:
        if _OPTION_LINE.match(line):
            block.append(line)
            continue
        out.extend(sorted(block))
        block = []
        out.append(line)
    return out[:-1]


def loose(text: str) -> str:
    """Normalised output with message texts masked: the same kind of message on the same
    input line counts as the same (hacrm words its messages itself)."""
    return "\n".join(_MESSAGE_TEXT.sub(r"\1: \2...", line)
                     for line in normalise(text).splitlines()) + "\n"


def normalise(text: str) -> str:
    """Output as crmsh's harness compares it, minus what depends on external tools."""
    lines: list[str] = []
    in_traceback = False
    for line in _ANSI.sub("", _CIB_TAG.sub("<cib>", text)).splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback:
            if line.startswith((" ", "\t")):
                continue
            in_traceback = False
            if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*", line):
                continue
        if any(p.search(line) for p in _EXCLUDE):
            continue
        lines.append(line.rstrip())
    return "\n".join(_sort_option_blocks(lines)) + "\n"


@dataclass
class SessionRunner:
    """One run of one testcase with one ``crm`` program in a scratch directory."""

    crm: list[str]
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0
    output: list[str] = field(default_factory=list)

    def env(self, **more: str) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir / "home"),
            "XDG_CONFIG_HOME": str(self.workdir / "home" / ".config"),
            "XDG_CACHE_HOME": str(self.workdir / "home" / ".cache"),
            "XDG_DATA_HOME": str(self.workdir / "home" / ".local" / "share"),
            "XDG_STATE_HOME": str(self.workdir / "home" / ".local" / "state"),
            "CIB_shadow_dir": str(self.workdir / "shadow"),
            "PYTHONUNBUFFERED": "1",
            "LC_ALL": "C.UTF-8",
            "TERM": "dumb",
            "COLUMNS": "80",
        }
        env.update(self.extra_env)
        env.update(more)
        return env

    def crm_run(self, args: list[str], stdin: str = "", *, regression: bool = True,
                env: dict[str, str] | None = None) -> str:
        cmd = list(self.crm) + (["-R"] if regression else []) + args
        proc = subprocess.run(
            cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=self.workdir / "cwd", env=env or self.env(), timeout=self.timeout, check=False)
        return proc.stdout

    def prepare(self) -> None:
        for sub in ("home", "shadow", "cwd"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        for line in ("options reset", "options check-frequency on-verify",
                     "options check-mode relaxed", f"cib delete {SHADOW}"):
            self.crm_run(line.split(), regression=False)
        self.crm_run(["cib", "new", SHADOW, "empty"], regression=False)
        self.crm_run(["-c", SHADOW], SAMPLE, regression=False)

    def run(self, testcase: Path) -> str:
        """Run the testcase file, return the raw output as the harness would record it."""
        self.prepare()
        showobj = ""
        lines = shell_read_lines(testcase.read_text())
        i = 0
        while i < len(lines):
            cmd, _, rest = lines[i].partition(" ")
            rest = rest.strip()
            i += 1
            if not cmd or cmd.startswith("#"):
                continue
            if cmd == "%stop":
                break
            if cmd.startswith("%"):
                self.output.append(f".{cmd[1:].upper()} {rest}\n")
                if cmd == "%setenv":
                    name, _, value = rest.partition("=")
                    if name == "showobj":
                        showobj = value
                elif cmd == "%ext":
                    proc = subprocess.run(rest, shell=True, cwd=self.workdir / "cwd",
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, timeout=60, check=False)
                    self.output.append(proc.stdout)
                continue
            if cmd in ("show", "showxml", "session", "filesession"):
                block: list[str] = []
                while i < len(lines) and lines[i] != ".":
                    block.append(lines[i])
                    i += 1
                i += 1
                self.session(cmd, rest, block)
                continue
            words = [cmd] + (rest.split() if rest else [])
            self.output.append(".TRY " + " ".join(words) + "\n")
            self.output.append(self.crm_run(["-c", SHADOW] + words))
            if showobj:
                self.output.append(self.showobj(showobj))
        return "".join(self.output)

    def session(self, kind: str, title: str, block: list[str]) -> None:
        body = "\n".join(block)
        if kind != "showxml":
            self.output.append(f".TRY {title}\n")
        if kind == "show":
            script = f"configure\n_regtest on\nerase\nerase nodes\n{body}\nshow\ncommit\n"
            self.output.append(self.crm_run(["-c", SHADOW], script))
        elif kind == "showxml":
            script = f"configure\n_regtest on\nerase\nerase nodes\n{body}\nshow xml\ncommit\n"
            self.output.append(_filter_cib(self.crm_run(["-c", SHADOW], script)))
        elif kind == "session":
            self.output.append(self.crm_run(["-c", SHADOW], body + "\n"))
        else:  # filesession
            cibfile = self.workdir / "filesession.xml"
            self.crm_run(["-c", SHADOW, "configure", "save", "xml", str(cibfile)])
            self.output.append(self.crm_run([], body + "\n", env=self.env(CIB_file=str(cibfile))))
            cibfile.unlink(missing_ok=True)

    def showobj(self, obj: str) -> str:
        out = self.crm_run(["-c", SHADOW], f"configure\n_regtest on\nshow xml {obj}\n")
        return _filter_date_epoch(out)


def shell_read_lines(text: str) -> list[str]:
    """Lines as the harness's ``while read line`` sees them (``read`` without ``-r``).

    A backslash before a newline joins the next line on (the next line's leading tab stays
    inside), a backslash before any other character stands for that character, and
    leading/trailing blanks are stripped.
    """
    out: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                current.append(text[i + 1])
            i += 2
            continue
        if ch == "\n":
            out.append("".join(current).strip(" \t"))
            current = []
        else:
            current.append(ch)
        i += 1
    if current:
        out.append("".join(current).strip(" \t"))
    return out


def _filter_date_epoch(text: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith("<cib "):
            line = re.sub(r' epoch="[0-9]*"', ' epoch="1"', line)
            line = re.sub(r'cib-last-written=".*"', 'cib-last-written="Sun Apr 12 21:37:48 2009"',
                          line)
        out.append(line)
    return "".join(out)


def _filter_cib(text: str) -> str:
    keep, inside = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("<?xml"):
            inside = True
        if inside:
            keep.append(line)
        if line.startswith("</cib>"):
            inside = False
    return _filter_date_epoch("".join(keep))


if __name__ == "__main__":  # pragma: no cover - a tool for looking at one testcase by hand
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("testcase", type=Path)
    parser.add_argument("--crm", default="/usr/sbin/crm")
    parser.add_argument("--raw", action="store_true", help="print without normalising")
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = SessionRunner(ns.crm.split(), Path(tmp)).run(ns.testcase)
    print(raw if ns.raw else normalise(raw), end="")
