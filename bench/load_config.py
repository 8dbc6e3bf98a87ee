"""Load generated configurations into a file CIB with hacrm and with crmsh, side by side.

For each size (200, 2,000 and 10,000 resources by default) a configure script is generated:
primitives with parameters and operations, groups of three, clones, and location, colocation
and order constraints.  Each program loads the script into an empty CIB file in a fresh
process (``crm -F configure < script``), and the time and peak memory of that process are
printed with the ratio.  Then ``configure show`` runs on the 2,000-resource CIB, interpreter
start-up included.  crmsh is given a time bound per run; a run that exceeds it is reported
as ``> bound`` and killed.

Both CIBs are checked to hold the same configuration (same XML after normalisation), so the
comparison is between two programs doing the same work.

    .venv/bin/python bench/load_config.py [--sizes 200,2000,10000] [--bound 900]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRMSH = "/usr/sbin/crm"


def generate(count: int) -> str:
    """A configure script with ``count`` resources (primitives, grouped ones, clones) and
    constraints between them, shaped like a real configuration."""
    lines = ["node node1", "node node2", "node node3",
             "property stonith-enabled=false no-quorum-policy=ignore",
             "rsc_defaults resource-stickiness=100"]
    made = 0
    index = 0
    while made < count:
        index += 1
        kind = index % 5
        if kind in (0, 1):  # a standalone primitive with a location preference
            name = f"web{index}"
            lines.append(f"primitive {name} ocf:heartbeat:Dummy params state=/run/{name}.state "
                         f"fake=value{index} op monitor interval=30s timeout=20s "
                         f"op start timeout=60s op stop timeout=60s")
            lines.append(f"location loc-{name} {name} {index % 200}: node{index % 3 + 1}")
            made += 1
        elif kind == 2 and made + 3 <= count:  # a group of three, ordered after a primitive
            members = [f"g{index}m{j}" for j in range(3)]
            for m in members:
                lines.append(f"primitive {m} ocf:heartbeat:Dummy params state=/run/{m} "
                             f"op monitor interval=20s timeout=20s meta target-role=Started")
            lines.append(f"group grp{index} {' '.join(members)} meta resource-stickiness=50")
            lines.append(f"colocation col-grp{index} inf: grp{index} web{index - 1}")
            lines.append(f"order ord-grp{index} Mandatory: web{index - 1} grp{index}")
            made += 3
        elif kind == 3:  # a clone
            name = f"cl{index}"
            lines.append(f"primitive {name}-p ocf:heartbeat:Dummy op monitor interval=60s")
            lines.append(f"clone {name} {name}-p meta interleave=true clone-max=3")
            made += 1
        else:  # a primitive with a rule-based location
            name = f"db{index}"
            lines.append(f"primitive {name} ocf:heartbeat:Dummy params state=/run/{name} "
                         f"op monitor interval=10s timeout=30s")
            lines.append(f"location rule-{name} {name} rule -inf: not_defined pingd "
                         f"or pingd lte 0")
            made += 1
    return "\n".join(lines) + "\n"


@dataclass
class Run:
    seconds: float | None  # None: exceeded the bound
    peak_mb: float
    output: str


def run(argv: list[str], stdin: str | None, env: dict[str, str], bound: float) -> Run:
    """Run a process, measure its wall time and peak RSS (its own, via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            text=True, start_new_session=True)
    out = ""
    try:
        out, _ = proc.communicate(stdin, timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Run(None, 0.0, "")
    elapsed = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Run(elapsed, usage.ru_maxrss / 1024, out)


def peak_of_child(argv: list[str], stdin: str | None, env: dict[str, str],
                  bound: float) -> Run:
    """Like :func:`run`, but the peak memory of this child alone (a fresh measuring process,
    since RUSAGE_CHILDREN keeps the maximum of all children so far)."""
    code = (
        "import resource,subprocess,sys,time,json,os,signal\n"
        "argv=json.loads(sys.argv[1]); stdin=sys.stdin.read() if sys.argv[2]=='1' else None\n"
        "t=time.perf_counter()\n"
        "p=subprocess.Popen(argv,stdin=subprocess.PIPE if stdin is not None else None,"
        "stdout=subprocess.PIPE,stderr=subprocess.STDOUT,text=True,start_new_session=True)\n"
        "try:\n out,_=p.communicate(stdin,timeout=float(sys.argv[3]))\n"
        "except subprocess.TimeoutExpired:\n os.killpg(p.pid,signal.SIGKILL); p.communicate();"
        " print(json.dumps([None,0,''])); sys.exit(0)\n"
        "e=time.perf_counter()-t\n"
        "print(json.dumps([e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,"
        " out[-2000:]]))\n"
    )
    import json

    proc = subprocess.run([sys.executable, "-c", code, json.dumps(argv),
                           "1" if stdin is not None else "0", str(bound)],
                          input=stdin or "", capture_output=True, text=True, env=env,
                          timeout=bound + 60)
    seconds, peak, out = json.loads(proc.stdout.strip().splitlines()[-1])
    return Run(seconds, peak, out)


def empty_cib(path: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from hacrm.cib.document import empty_cib_xml

    path.write_text(empty_cib_xml())


def ours_argv() -> list[str]:
    """hacrm's ``crm`` when it runs configure scripts, else the configure layer's runner."""
    crm = ROOT / ".venv" / "bin" / "crm"
    if crm.exists() and _crm_runs_configure(crm):
        return [str(crm), "-F", "configure"]
    return [str(ROOT / ".venv" / "bin" / "python"), "-m", "hacrm.cib.batch"]


def _crm_runs_configure(crm: Path) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        cib = Path(tmp) / "cib.xml"
        empty_cib(cib)
        env = dict(os.environ, CIB_file=str(cib))
        done = subprocess.run([str(crm), "-F", "configure"], input="primitive p Dummy\n",
                              capture_output=True, text=True, env=env, timeout=60)
        return done.returncode == 0 and 'id="p"' in cib.read_text()


def normalised(path: Path) -> str:
    from lxml import etree

    root = etree.parse(str(path), etree.XMLParser(remove_blank_text=True)).getroot()
    conf = root.find("configuration")
    for e in conf.iter():
        if isinstance(e.tag, str):
            items = sorted(e.attrib.items())
            e.attrib.clear()
            e.attrib.update(items)
    return etree.tostring(conf, encoding="unicode")


def fmt(r: Run, bound: float) -> str:
    return f"> {bound:.0f} s" if r.seconds is None else f"{r.seconds:8.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,2000,10000")
    parser.add_argument("--bound", type=float, default=900.0,
                        help="seconds crmsh may take for one load (default 900)")
    parser.add_argument("--no-crmsh", action="store_true", help="measure hacrm only")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    have_crmsh = Path(CRMSH).exists() and not args.no_crmsh
    ours = ours_argv()
    print(f"hacrm: {' '.join(Path(a).name if i == 0 else a for i, a in enumerate(ours))}"
          f"    crmsh: {CRMSH if have_crmsh else 'not measured'}")
    print(f"{'resources':>9} {'hacrm':>10} {'peak MB':>8} {'crmsh':>10} {'peak MB':>8} "
          f"{'ratio':>7}  same XML")
    work = Path(tempfile.mkdtemp(prefix="hacrm-bench-"))
    show_cib: Path | None = None
    try:
        for n in sizes:
            script = generate(n)
            ours_cib, theirs_cib = work / f"ours-{n}.xml", work / f"crmsh-{n}.xml"
            empty_cib(ours_cib)
            empty_cib(theirs_cib)
            env = dict(os.environ, CIB_file=str(ours_cib), HOME=str(work))
            mine = peak_of_child(ours, script, env, bound=3600)
            line = f"{n:>9} {fmt(mine, 3600):>10} {mine.peak_mb:8.0f}"
            if have_crmsh:
                env = dict(os.environ, CIB_file=str(theirs_cib), HOME=str(work))
                theirs = peak_of_child([CRMSH, "-F", "configure"], script, env, args.bound)
                ratio = (f"{theirs.seconds / mine.seconds:6.1f}x"
                         if theirs.seconds and mine.seconds else
                         f">{args.bound / mine.seconds:5.0f}x" if mine.seconds else "   n/a")
                same = ("yes" if normalised(ours_cib) == normalised(theirs_cib) else "NO") \
                    if theirs.seconds else "-"
                line += f" {fmt(theirs, args.bound):>10} {theirs.peak_mb:8.0f} {ratio:>7}  {same}"
            print(line, flush=True)
            if n == 2000 or (show_cib is None and n == max(sizes)):
                show_cib = ours_cib
        if show_cib is not None:
            show(show_cib, work, have_crmsh, args.bound)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def show(cib: Path, work: Path, have_crmsh: bool, bound: float) -> None:
    """``configure show`` on the same CIB, interpreter start-up included (best of 3)."""
    env = dict(os.environ, CIB_file=str(cib), HOME=str(work))
    crm = ROOT / ".venv" / "bin" / "crm"
    if crm.exists() and subprocess.run([str(crm), "configure", "show"], env=env,
                                       capture_output=True, timeout=120).returncode == 0:
        ours = [str(crm), "configure", "show"]
    else:
        ours = [str(ROOT / ".venv" / "bin" / "python"), "-m", "hacrm.cib.batch", "--show"]
    mine = min((run(ours, None, env, 600) for _ in range(3)),
               key=lambda r: r.seconds or 1e9)
    line = f"configure show ({cib.stem.split('-')[1]} resources): hacrm {fmt(mine, 600)}"
    if have_crmsh:
        theirs = min((run([CRMSH, "configure", "show"], None, env, bound) for _ in range(3)),
                     key=lambda r: r.seconds or 1e9)
        same = "same text" if theirs.output == mine.output else "TEXT DIFFERS"
        ratio = f"{theirs.seconds / mine.seconds:.1f}x" if theirs.seconds and mine.seconds \
            else "n/a"
        line += f", crmsh {fmt(theirs, bound)}, ratio {ratio} ({same})"
    print(line)


if __name__ == "__main__":
    sys.exit(main())
