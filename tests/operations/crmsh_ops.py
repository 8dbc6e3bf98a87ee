"""Run ``crm resource ...`` / ``crm node ...`` one-shot commands through Debian's crmsh (the
oracle) and through hacrm on copies of the same CIB file, and compare the CIBs they leave.

The starting CIBs are made by the oracles themselves: ``cibadmin --empty``, crmsh's
``configure`` for the configuration, and ``crm_simulate -S`` for a realistic status section
(resources started, a failed monitor with its fail-count), so that commands which read where
resources run (``ban`` without a node, ``move ... force``, ``failcount``) have something to read.

crmsh consults the running cluster before some commands: it pings a node before ``standby``
and ``online`` and asks ``crm_node -l`` for node ids.  On a CIB file there is no cluster to ask,
so its run gets two stand-ins on ``PATH`` (``ping`` that succeeds, ``crm_node`` that lists the
nodes of the CIB file, which is what a running cluster answers).  Everything written to the CIB
is still crmsh's and Pacemaker's own doing.  Our ``crm`` never sees those stand-ins.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

OUR_CRM = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "crm"

SETUP = """\
node 1: node1
node 2: node2
primitive p1 ocf:heartbeat:Dummy op monitor interval=10s
primitive p2 ocf:heartbeat:Dummy
primitive p3 ocf:heartbeat:Dummy
group g1 p2 p3
primitive p4 ocf:heartbeat:Dummy
clone c1 p4
primitive p5 ocf:pacemaker:Stateful \\
    op monitor interval=10s role=Promoted op monitor interval=11s role=Unpromoted
clone ms1 p5 meta promotable=true
primitive p6 ocf:heartbeat:Dummy params fake=1 meta is-managed=false
primitive p7 ocf:heartbeat:Dummy meta maintenance=true
group g2 p6 p7
property stonith-enabled=false no-quorum-policy=ignore
"""

_PING = "#!/bin/sh\nexit 0\n"
_CRM_NODE = """#!/usr/bin/python3
import re, sys, os
text = open(os.environ["CIB_file"]).read()
nodes = []
for tag in re.findall(r"<node\\s[^>]*>", text):
    ident = re.search(r'\\sid="([^"]*)"', tag).group(1)
    name = re.search(r'\\suname="([^"]*)"', tag).group(1)
    nodes.append((ident, name))
if sys.argv[1:2] == ["-l"]:
    for ident, name in nodes:
        print(ident, name, "member")
elif sys.argv[1:2] == ["-p"]:
    print(" ".join(name for _, name in nodes))
"""


@dataclass
class Bases:
    """The starting CIBs: ``config`` (configuration only) and ``status`` (with a status section)."""

    config: Path
    status: Path
    shims: Path


def make_bases(workdir: Path, crmsh: str, cibadmin: str, crm_simulate: str) -> Bases:
    workdir.mkdir(parents=True, exist_ok=True)
    shims = workdir / "shims"
    shims.mkdir(exist_ok=True)
    for name, text in (("ping", _PING), ("crm_node", _CRM_NODE)):
        path = shims / name
        path.write_text(text)
        path.chmod(0o755)
    config = workdir / "base-config.xml"
    config.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True,
                                     check=True).stdout)
    subprocess.run([crmsh, "-F", "configure"], input=SETUP, text=True, capture_output=True,
                   env=oracle_env(config, shims, workdir), timeout=120, check=True)
    steps = [["-u", "node1", "-u", "node2"], [], ["-i", "p1_monitor_10000@node1=1"], []]
    current = config
    for number, extra in enumerate(steps):
        out = workdir / f"sim-{number}.xml"
        subprocess.run([crm_simulate, "-x", str(current), "-S", "-O", str(out), *extra],
                       capture_output=True, text=True, timeout=120, check=True)
        current = out
    status = workdir / "base-status.xml"
    status.write_text(current.read_text())
    return Bases(config, status, shims)


def oracle_env(cib: Path, shims: Path, home: Path) -> dict[str, str]:
    return {"PATH": f"{shims}:/usr/sbin:/usr/bin:/sbin:/bin", "CIB_file": str(cib),
            "HOME": str(home), "LC_ALL": "C.UTF-8", "TERM": "dumb"}


def our_env(cib: Path, home: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CIB_file": str(cib),
            "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"), "LC_ALL": "C.UTF-8", "TERM": "dumb"}


@dataclass
class Run:
    rcs: list[int]
    stdout: str
    stderr: str
    cib: str


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: what crmsh relays from crm_verify/Pacemaker's logs about the CIB as a whole
_NOISE = re.compile(r"^(WARNING|ERROR|INFO): \((cluster_status|unpack_config|determine_online)"
                    r"|^\s*(warning|error): |^error: Could not connect to controller")


def clean(text: str) -> str:
    lines = [_ANSI.sub("", line) for line in text.splitlines()]
    return "".join(line + "\n" for line in lines if not _NOISE.match(line))


def run(crm: str, commands: list[str], base: Path, workdir: Path, env: dict[str, str]) -> Run:
    """Run each command line as ``crm WORDS`` on a fresh copy of ``base``."""
    cib = Path(env["CIB_file"])
    cib.write_text(base.read_text())
    rcs, out, err = [], [], []
    for line in commands:
        proc = subprocess.run([crm, *shlex.split(line)], capture_output=True, text=True,
                              env=env, cwd=workdir, timeout=120, check=False)
        rcs.append(proc.returncode)
        out.append(clean(proc.stdout))
        err.append(clean(proc.stderr))
    return Run(rcs, "".join(out), "".join(err), cib.read_text())


@dataclass
class Case:
    name: str
    commands: list[str]
    base: str = "config"
    #: compare standard output too (commands that print results)
    stdout: bool = False
    #: why this case exists / what it shows
    note: str = ""
    tolerate: set[str] = field(default_factory=set)


_LIFETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$")


def canonical(cib_text: str) -> tuple[dict[str, str], str, list[float]]:
    """The CIB's version attributes, its configuration and status as text, and the moments
    lifetimes end (compared apart, with a tolerance: the two runs happen seconds apart)."""
    root = etree.fromstring(cib_text.encode())
    ends = []
    for elem in root.iter("date_expression"):
        end = elem.get("end")
        if end and _LIFETIME.match(end):
            moment = datetime.strptime(end, "%Y-%m-%d %H:%M:%SZ").replace(tzinfo=UTC)
            ends.append(moment.timestamp())
            elem.set("end", "<lifetime end>")
    head = {k: root.get(k, "") for k in ("admin_epoch", "epoch", "num_updates",
                                         "validate-with")}
    for elem in root.iter():
        if isinstance(elem.tag, str):
            elem.text = None
            elem.tail = None
    body = "".join(etree.tostring(child, encoding="unicode")
                   for child in root if isinstance(child.tag, str))
    body = body.replace("><", ">\n<")
    return head, body, ends


def differences(theirs: Run, ours: Run, case: Case) -> list[str]:
    import difflib

    out = []
    if [rc == 0 for rc in theirs.rcs] != [rc == 0 for rc in ours.rcs]:
        out.append(f"exit codes differ: crmsh {theirs.rcs}, hacrm {ours.rcs}\n"
                   f"crmsh stderr:\n{theirs.stderr}hacrm stderr:\n{ours.stderr}")
    head_t, body_t, ends_t = canonical(theirs.cib)
    head_o, body_o, ends_o = canonical(ours.cib)
    if len(ends_t) != len(ends_o) or any(abs(a - b) > 60 for a, b in zip(ends_t, ends_o)):
        out.append(f"lifetimes end at different moments: crmsh {ends_t}, hacrm {ends_o}")
    if head_t != head_o:
        out.append(f"CIB versions differ: crmsh {head_t}, hacrm {head_o}")
    if body_t != body_o:
        diff = difflib.unified_diff(body_t.splitlines(), body_o.splitlines(), "crmsh",
                                    "hacrm", lineterm="", n=2)
        out.append("CIB differs:\n" + "\n".join(diff))
    if case.stdout and theirs.stdout != ours.stdout:
        diff = difflib.unified_diff(theirs.stdout.splitlines(), ours.stdout.splitlines(),
                                    "crmsh", "hacrm", lineterm="", n=2)
        out.append("stdout differs:\n" + "\n".join(diff))
    return out
