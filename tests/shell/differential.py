"""Run one batch script with two ``crm`` programs in identical scratch directories.

Each run gets its own directory holding a CIB file made by ``cibadmin --empty`` (the oracle's
own empty CIB, used by both), a shadow directory, a home directory for preferences and a
working directory.  What is compared: the exit code, standard output, the kinds of messages on
standard error, and the resulting state (``configure show`` of the CIB file as the same program
prints it, the shadow CIBs present, the saved preferences).

Lines only crmsh can print because it runs Pacemaker's tools (crm_verify's findings relayed as
``WARNING: (cluster_status) ...``) are removed from its output before comparing, and so is our
own wording of the one finding of that check we make too (no fencing device).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RELAYED = re.compile(r"^(WARNING|ERROR|INFO): (\d+: )?(\(\w+\) \t|crm_verify: )")
#: the same finding in our words (we make Pacemaker's check ourselves): compared through the
#: exit code and the CIB, as crmsh's relayed lines are
_OUR_VERIFY = re.compile(r"^ERROR: Resource start-up disabled since no STONITH resources")
_TOOL_LOG = re.compile(r"^\(\w+\) \t(warning|error|notice|info):")
_MESSAGE = re.compile(r"^(ERROR|WARNING|INFO): (\d+: )?")

SCRIPT_DIR = Path(__file__).resolve().parent / "scripts"


@dataclass
class Result:
    rc: int
    stdout: str
    stderr_kinds: list[str]
    show: str
    shadows: list[str]
    prefs: list[str]
    stderr: str
    #: the distinct ERROR/WARNING messages (crmsh repeats some)
    messages: list[str]


def clean(text: str) -> str:
    lines = [_ANSI.sub("", line) for line in text.splitlines()]
    return "\n".join(line for line in lines
                     if not _RELAYED.match(line) and not _TOOL_LOG.match(line)
                     and not _OUR_VERIFY.match(line)) + "\n"


def message_kinds(stderr: str) -> list[str]:
    """ERROR lines of stderr reduced to their severity (the wording may differ)."""
    kinds = []
    for line in clean(stderr).splitlines():
        match = _MESSAGE.match(line)
        if match:
            kinds.append(match.group(1))
        elif re.match(r"^\S+:\d+:\d+: error:", line):
            kinds.append("ERROR")
    return kinds


#: our batch mode's closing summary, which crmsh does not print
_OURS_ONLY = re.compile(r"^ERROR: stopped at the first error")


def messages(stderr: str) -> list[str]:
    """The distinct ERROR and WARNING lines of stderr, sorted (compared word for word when a
    script asks for ``messages``)."""
    return sorted({line for line in clean(stderr).splitlines()
                   if line.startswith(("ERROR: ", "WARNING: ")) and not _OURS_ONLY.match(line)})


def parse_header(script: str) -> tuple[list[str], set[str]]:
    """The leading comment lines: ``# args: -F`` (command line options) and
    ``# compare: sorted-stdout, distinct-stdout, no-show, messages (why)`` (how to compare;
    ``messages``: the distinct error and warning texts instead of the severities of every
    line; ``distinct-stdout``: each line once, in any order)."""
    args: list[str] = []
    compare: set[str] = set()
    for line in script.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# args:"):
            args = line[len("# args:"):].split()
        elif line.startswith("# compare:"):
            spec = line[len("# compare:"):].split("(", 1)[0]
            compare |= {w.strip() for w in spec.split(",") if w.strip()}
    return args, compare


def differences(theirs: Result, ours: Result, compare: set[str]) -> list[str]:
    """What differs between the oracle's run and ours, in words and unified diffs."""
    import difflib

    out = []
    kinds = "messages" if "messages" in compare else "stderr_kinds"
    for name in ("rc", "stdout", kinds, "show", "shadows", "prefs"):
        if name == "show" and "no-show" in compare:
            continue
        a, b = getattr(theirs, name), getattr(ours, name)
        if name == "stdout" and "sorted-stdout" in compare:
            a, b = sorted(a.splitlines()), sorted(b.splitlines())
        elif name == "stdout" and "distinct-stdout" in compare:
            a, b = sorted(set(a.splitlines())), sorted(set(b.splitlines()))
        if a == b:
            continue
        if isinstance(a, str):
            diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "crmsh", "hacrm",
                                        lineterm="", n=1)
            out.append(f"{name} differs:\n" + "\n".join(diff))
        else:
            out.append(f"{name} differs: crmsh {a!r}, hacrm {b!r}")
    return out


def run_script(crm: str, script: str, workdir: Path, cibadmin: str) -> Result:
    """Run ``script`` (stdin of ``crm ARGS``) in a fresh scratch dir under ``workdir``."""
    if workdir.exists():
        shutil.rmtree(workdir)
    for sub in ("home", "shadow", "cwd"):
        (workdir / sub).mkdir(parents=True)
    cib = workdir / "cib.xml"
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True,
                                  check=True).stdout)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir / "home"),
        "XDG_CONFIG_HOME": str(workdir / "home" / ".config"),
        "XDG_CACHE_HOME": str(workdir / "home" / ".cache"),
        "XDG_STATE_HOME": str(workdir / "home" / ".local" / "state"),
        "CIB_file": str(cib),
        "CIB_shadow_dir": str(workdir / "shadow"),
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "PYTHONUNBUFFERED": "1",
    }
    args, _ = parse_header(script)
    proc = subprocess.run([crm, *args], input=script, capture_output=True, text=True,
                          cwd=workdir / "cwd", env=env, timeout=120, check=False)
    show = subprocess.run([crm, "configure", "show"], capture_output=True, text=True,
                          cwd=workdir / "cwd", env=env, timeout=120, check=False)
    prefs_file = workdir / "home" / ".config" / "crm" / "crm.conf"
    prefs = sorted(line.strip() for line in prefs_file.read_text().splitlines()
                   if line.strip()) if prefs_file.exists() else []
    return Result(
        rc=proc.returncode,
        stdout=clean(proc.stdout),
        stderr_kinds=message_kinds(proc.stderr),
        show=clean(show.stdout),
        shadows=sorted(p.name for p in (workdir / "shadow").iterdir()),
        prefs=prefs,
        stderr=proc.stderr,
        messages=messages(proc.stderr),
    )


def scripts() -> list[Path]:
    return sorted(SCRIPT_DIR.glob("*.crm"))
