"""Scheduler benchmark: ours vs crm_simulate -R on generated CIBs, in one run.

Sizes: 200, 2,000 and 10,000 resources over 16 and 32 online nodes, a mix of primitives,
groups, clones and location/colocation/order constraints, on a fresh cluster (nothing running,
so every resource is probed on every node).  Prints time, peak memory, the ratio, and whether
the two Transition Summary blocks agree.  Each crm_simulate run is bounded (--oracle-timeout).

    .venv/bin/python bench/scheduler.py [--sizes 200x16,2000x16] [--oracle-timeout 120]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORACLE = "/usr/sbin/crm_simulate"


def generate_cib(n_resources: int, n_nodes: int, running: bool = False) -> str:
    """A CIB with n_resources primitives in total: 60% plain, 30% in groups of 3, 10% as clones."""
    nodes = [f"node{i}" for i in range(1, n_nodes + 1)]
    out = ['<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" dc-uuid="1" '
           'validate-with="pacemaker-3.7" crm_feature_set="3.16.2">', "<configuration>",
           '<crm_config><cluster_property_set id="cib-bootstrap-options">',
           '<nvpair id="o1" name="stonith-enabled" value="false"/>',
           '<nvpair id="o2" name="no-quorum-policy" value="ignore"/>',
           "</cluster_property_set></crm_config>", "<nodes>"]
    for i, n in enumerate(nodes, 1):
        out.append(f'<node id="{i}" uname="{n}"/>')
    out.append("</nodes><resources>")
    constraints = []
    made = 0
    idx = 0
    plain: list[str] = []
    while made < n_resources:
        kind = idx % 10
        if kind < 6:
            rid = f"p{idx}"
            out.append(f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy">'
                       f'<operations><op id="{rid}-mon" name="monitor" interval="10s"/>'
                       "</operations></primitive>")
            made += 1
            if idx % 7 == 0:
                constraints.append(f'<rsc_location id="loc-{rid}" rsc="{rid}" '
                                   f'node="{nodes[idx % n_nodes]}" score="100"/>')
            if idx % 11 == 0 and plain:
                constraints.append(f'<rsc_order id="ord-{rid}" first="{plain[-1]}" then="{rid}"/>')
            plain.append(rid)
        elif kind < 9:
            gid = f"g{idx}"
            out.append(f'<group id="{gid}">')
            for j in range(3):
                out.append(f'<primitive id="{gid}-m{j}" class="ocf" provider="heartbeat" '
                           'type="Dummy"/>')
            out.append("</group>")
            made += 3
            if idx % 13 == 0 and plain:
                constraints.append(f'<rsc_colocation id="col-{gid}" rsc="{gid}" '
                                   f'with-rsc="{plain[-1]}" score="INFINITY"/>')
        else:
            cid = f"c{idx}"
            out.append(f'<clone id="{cid}"><primitive id="{cid}-p" class="ocf" '
                       'provider="heartbeat" type="Dummy"/></clone>')
            made += 1
        idx += 1
    out.append("</resources><constraints>")
    out += constraints
    out.append("</constraints></configuration><status>")
    for i, n in enumerate(nodes, 1):
        out.append(f'<node_state id="{i}" uname="{n}" in_ccm="true" crmd="online" '
                   'join="member" expected="member"/>')
    out.append("</status></cib>")
    return "\n".join(out)


def summary_block(text: str) -> list[str]:
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if "Transition Summary:" not in lines:
        return []
    start = lines.index("Transition Summary:")
    return lines[start:]


def run_measured(cmd: list[str], timeout: float) -> tuple[float, int, str, bool]:
    """(seconds, peak RSS in MB, stdout, finished) of one child process (via wait4)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return time.perf_counter() - t0, 0, "", False
            time.sleep(0.01)
        elapsed = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
    return elapsed, usage.ru_maxrss // 1024, text, True


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200x16,2000x16,2000x32,10000x16")
    ap.add_argument("--oracle-timeout", type=float, default=120.0)
    ap.add_argument("--ours-timeout", type=float, default=600.0)
    args = ap.parse_args(argv)
    python = sys.executable
    have_oracle = Path(ORACLE).exists()
    print(f"{'size':>10} {'ours s':>8} {'ours MB':>8} {'oracle s':>9} {'oracle MB':>9} "
          f"{'ratio':>6} summaries")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.sizes.split(","):
            n, m = (int(x) for x in spec.split("x"))
            path = os.path.join(tmp, f"cib-{n}x{m}.xml")
            Path(path).write_text(generate_cib(n, m))
            ours_t, ours_mb, ours_out, ok = run_measured(
                [python, "-m", "hacrm.scheduler", "-x", path, "-R"], args.ours_timeout)
            if not ok:
                print(f"{spec:>10} ours timed out after {args.ours_timeout:.0f}s")
                continue
            if have_oracle and n <= 2000:
                o_t, o_mb, o_out, o_ok = run_measured([ORACLE, "-x", path, "-R"],
                                                      args.oracle_timeout)
            else:
                o_t, o_mb, o_out, o_ok = 0.0, 0, "", False
            if o_ok:
                same = summary_block(ours_out) == summary_block(o_out)
                print(f"{spec:>10} {ours_t:8.2f} {ours_mb:8d} {o_t:9.2f} {o_mb:9d} "
                      f"{o_t / ours_t:6.1f} {'identical' if same else 'DIFFER'}")
            else:
                print(f"{spec:>10} {ours_t:8.2f} {ours_mb:8d} {'-':>9} {'-':>9} {'-':>6} "
                      "(oracle not run: too large or timed out)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
