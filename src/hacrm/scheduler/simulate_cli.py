"""``crm_simulate``-compatible command line: the options the Pacemaker regression corpus uses."""

from __future__ import annotations

import argparse
import gc
import sys
from datetime import datetime, timezone

from .bundle import Unsupported
from .rules import parse_iso8601
from .scheduler import SimulateOptions, simulate
from .unpack import CibError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crm_simulate", add_help=True)
    p.add_argument("-x", "--xml-file", dest="xml_file")
    p.add_argument("-R", "--run", action="store_true")
    p.add_argument("-S", "--simulate", action="store_true")
    p.add_argument("-s", "--show-scores", action="store_true")
    p.add_argument("-Q", "--quiet", action="store_true")
    p.add_argument("-u", "--node-up", action="append", default=[])
    p.add_argument("-d", "--node-down", action="append", default=[])
    p.add_argument("-f", "--node-fail", action="append", default=[])
    p.add_argument("-i", "--op-inject", action="append", default=[])
    p.add_argument("-F", "--op-fail", action="append", default=[])
    p.add_argument("-g", "--ticket-grant", action="append", default=[])
    p.add_argument("-r", "--ticket-revoke", action="append", default=[])
    p.add_argument("-b", "--ticket-standby", action="append", default=[])
    p.add_argument("-e", "--ticket-activate", action="append", default=[])
    p.add_argument("--quorum", choices=("true", "false"))
    p.add_argument("-t", "--set-datetime", dest="now")
    p.add_argument("-O", "--save-output", dest="save_output")
    p.add_argument("-G", "--save-graph", dest="save_graph")
    p.add_argument("-D", "--save-dotfile", dest="save_dot")
    return p


def main(argv: list[str]) -> int:
    # A one-shot run builds many small long-lived objects; with the default
    # collector thresholds CPython rescans them over and over.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*thresholds)


def _main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if not args.xml_file:
        print("crm_simulate: -x FILE is required (no live CIB here)", file=sys.stderr)
        return 2
    try:
        with open(args.xml_file, "rb") as fh:
            text = fh.read()
    except OSError as exc:
        print(f"crm_simulate: cannot read {args.xml_file}: {exc.strerror}", file=sys.stderr)
        return 66
    now = None
    if args.now:
        now = parse_iso8601(args.now)
        if now is None:
            print(f"crm_simulate: -t {args.now}: expected an ISO 8601 date", file=sys.stderr)
            return 64
    opts = SimulateOptions(run=args.run or args.simulate or args.show_scores,
                           simulate=args.simulate, show_scores=args.show_scores,
                           quiet=args.quiet, now=now, node_up=args.node_up,
                           node_down=args.node_down, node_fail=args.node_fail,
                           op_inject=args.op_inject, op_fail=args.op_fail,
                           quorum=None if args.quorum is None else args.quorum == "true",
                           ticket_grant=args.ticket_grant, ticket_revoke=args.ticket_revoke,
                           ticket_standby=args.ticket_standby,
                           ticket_activate=args.ticket_activate)
    if opts.now is None and b"execution-date" not in text[:2000]:
        opts.now = datetime.now(timezone.utc)
    try:
        result = simulate(text, opts)
    except CibError as exc:
        print(f"crm_simulate: {args.xml_file}: {exc}", file=sys.stderr)
        return 65
    except Unsupported as exc:
        print(f"crm_simulate: {args.xml_file}: {exc}", file=sys.stderr)
        return 69
    sys.stdout.write(result.format())
    if args.save_graph:
        with open(args.save_graph, "w") as fh:
            fh.write(result.graph_xml)
    if args.save_output:
        with open(args.save_output, "w") as fh:
            fh.write(result.output_cib)
    if args.save_dot:
        with open(args.save_dot, "w") as fh:
            fh.write("digraph \"g\" {\n}\n")
    return 0 if result.complete else 1
