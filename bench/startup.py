"""Start-up speed of ``crm``, ours against crmsh 4.4.1, in one run, as ratios.

1. Time to the first prompt on a pseudo-terminal.  For ours two figures: when the prompt is
   visible (drawn before the line editor has loaded) and when the shell is ready (a command
   typed at once has printed its output).  crmsh's prompt appears when it is ready.
2. ``crm configure show`` on a file CIB of 10 and of 2,000 resources (primitives, groups,
   clones, constraints), interpreter start included.

Each figure is the median of several runs.  Usage: ``bench/startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = str(ROOT / ".venv" / "bin" / "crm")
CRMSH = "/usr/sbin/crm"


def _pty_run(argv: list[str], env: dict[str, str], send: bytes, until: bytes,
             prompt: bytes = b"#") -> tuple[float, float]:
    """(seconds to the first prompt, seconds until ``until`` follows the typed ``send``)."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(argv[0], argv, env)
    buf = b""
    seen_prompt = done = None
    try:
        while time.perf_counter() - start < 20:
            ready, _, _ = select.select([fd], [], [], 0.005)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            buf += chunk
            if seen_prompt is None and prompt in buf:
                seen_prompt = time.perf_counter() - start
                os.write(fd, send)
                buf = buf[buf.index(prompt):]
            if seen_prompt is not None and until in buf:
                done = time.perf_counter() - start
                break
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    if seen_prompt is None or done is None:
        raise RuntimeError(f"{argv[0]}: no prompt/answer within 20 s: {buf[-300:]!r}")
    return seen_prompt, done


def first_prompt(runs: int, env: dict[str, str]) -> dict[str, float]:
    ours = [_pty_run([OURS, "--node", "bench"], env, b"ls\n", b"configure") for _ in range(runs)]
    theirs = [_pty_run([CRMSH], env, b"ls\n", b"configure") for _ in range(runs)]
    return {
        "ours_visible": statistics.median(v for v, _ in ours),
        "ours_ready": statistics.median(r for _, r in ours),
        "crmsh_ready": statistics.median(v for v, _ in theirs),
    }


def make_config(n: int) -> str:
    """n resources: primitives, a group and a clone per ten, constraints between them."""
    lines = ["node node1", "node node2", "property stonith-enabled=false",
             "primitive fence stonith:null params hostlist=\"node1 node2\""]
    for i in range(0, n, 10):
        block = [f"r{i + j}" for j in range(min(10, n - i))]
        for name in block:
            lines.append(f"primitive {name} ocf:heartbeat:Dummy op monitor interval=30s")
        if len(block) >= 4:
            lines.append(f"group g{i} {block[0]} {block[1]}")
            lines.append(f"clone c{i} {block[2]} meta interleave=true")
            lines.append(f"location l{i} g{i} 100: node1")
            lines.append(f"order o{i} Mandatory: g{i} c{i}")
            lines.append(f"colocation col{i} inf: {block[3]} g{i}")
    return "\n".join(lines) + "\n"


def build_cib(n: int, directory: Path) -> Path:
    """A CIB file holding ``make_config(n)``, written by our own configure language."""
    sys.path.insert(0, str(ROOT / "src"))
    from hacrm.backends.file import FileBackend
    from hacrm.cib.document import empty_cib_xml
    from hacrm.cib.workcopy import WorkingCopy

    path = directory / f"cib-{n}.xml"
    path.write_text(empty_cib_xml())
    wc = WorkingCopy(FileBackend(path), force=True)
    wc.load("update", make_config(n), xml=False, source="bench")
    wc.commit(force=True)
    return path


def time_show(crm: str, cib: Path, env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([crm, "configure", "show"], env={**env, "CIB_file": str(cib)},
                              capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{crm} configure show failed: {proc.stderr[-500:]!r}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    ns = parser.parse_args()
    if not Path(CRMSH).exists() or not Path(OURS).exists():
        print(f"needs {CRMSH} and {OURS}")
        return 2
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        empty = work / "empty.xml"
        sys.path.insert(0, str(ROOT / "src"))
        from hacrm.cib.document import empty_cib_xml

        empty.write_text(empty_cib_xml())
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work / "home"),
               "XDG_CONFIG_HOME": str(work / "home" / ".config"),
               "XDG_CACHE_HOME": str(work / "home" / ".cache"),
               "XDG_STATE_HOME": str(work / "home" / ".state"),
               "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "LC_ALL": "C.UTF-8",
               "CIB_file": str(empty)}
        print(f"first prompt, median of {ns.runs} runs (pseudo-terminal):")
        fp = first_prompt(ns.runs, env)
        print(f"  crmsh:              {fp['crmsh_ready'] * 1000:7.0f} ms")
        print(f"  hacrm prompt shown: {fp['ours_visible'] * 1000:7.0f} ms   "
              f"ratio {fp['crmsh_ready'] / fp['ours_visible']:5.1f}x")
        print(f"  hacrm ready (ls):   {fp['ours_ready'] * 1000:7.0f} ms   "
              f"ratio {fp['crmsh_ready'] / fp['ours_ready']:5.1f}x")
        for n in (10, 2000):
            cib = build_cib(n, work)
            runs = ns.runs if n < 1000 else max(3, ns.runs // 2)
            ours = time_show(OURS, cib, env, runs)
            theirs = time_show(CRMSH, cib, env, runs)
            print(f"configure show, {n} resources (median of {runs}): crmsh {theirs:6.2f} s, "
                  f"hacrm {ours:6.3f} s, ratio {theirs / ours:5.1f}x")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
