"""``crm cluster ...``: set up, start, stop and inspect the embedded cluster engine.

``main(argv)`` takes what follows ``crm cluster`` and returns the exit code:

    init [-n NAME] [-N NODE[=ADDR]]... [--token MS] [--port P] [--force]
    keygen [-k FILE] [--force]
    start | stop | restart | status
    sandbox start --nodes N --dir DIR [--token MS] [--netns] [--timeout S]
    sandbox stop [--dir DIR] | sandbox status [--dir DIR]

Every command takes ``--root DIR`` (default ``$HACRM_ROOT`` or ``/``) so that a node's files
live wherever the user wants; ``status`` also follows ``HACRM_SANDBOX`` / ``HACRM_NODE``.
Exit codes: 0 success, 1 failure, 2 bad usage, 3 ``status`` when no daemon runs.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from hacrm.engine import authkey as authkey_mod
from hacrm.engine import config as cconf
from hacrm.engine import control, statusview
from hacrm.engine import sandbox as sandbox_mod
from hacrm.engine.localapi import ApiError
from hacrm.engine.paths import Layout


def _err(message: str) -> int:
    print(f"ERROR: {message}", file=sys.stderr)
    return 1


def _layout(args: argparse.Namespace) -> Layout:
    return Layout.from_env(getattr(args, "root", None))


# ---------------------------------------------------------------------------- init / keygen


def _parse_node(spec: str, index: int) -> cconf.NodeEntry:
    name, _, addr = spec.partition("=")
    if not name:
        raise ValueError(f"bad node {spec!r}: expected NAME or NAME=ADDRESS")
    return cconf.NodeEntry(index, name, addr or name, cconf.DEFAULT_PORT)


def cmd_init(args: argparse.Namespace) -> int:
    layout = _layout(args)
    if layout.config.exists() and not args.force:
        return _err(f"{layout.config} already exists; use --force to overwrite it")
    specs = args.node or []
    if not specs:
        host = socket.gethostname().split(".")[0]
        try:
            addr = socket.gethostbyname(socket.gethostname())
        except OSError:
            addr = "127.0.0.1"
        specs = [f"{host}={addr}"]
    try:
        nodes = [_parse_node(spec, i) for i, spec in enumerate(specs, start=1)]
    except ValueError as err:
        return _err(str(err))
    nodes = [cconf.NodeEntry(n.nodeid, n.name, n.addr, args.port) for n in nodes]
    if len({n.name for n in nodes}) != len(nodes):
        return _err("node names must be unique")
    text = cconf.render(args.name, nodes, token=args.token, port=args.port,
                        two_node=args.two_node)
    try:
        cconf.load_text(text, str(layout.config))
        layout.etc.mkdir(parents=True, exist_ok=True)
        tmp = layout.config.with_name(".corosync.conf.tmp")
        tmp.write_text(text)
        os.replace(tmp, layout.config)
    except (cconf.ConfigError, OSError) as err:
        return _err(str(err))
    print(f"wrote {layout.config} ({len(nodes)} node(s): "
          f"{', '.join(n.name for n in nodes)})")
    if not layout.authkey.exists():
        try:
            authkey_mod.generate(layout.authkey)
        except (authkey_mod.AuthKeyError, OSError) as err:
            return _err(str(err))
        print(f"wrote {layout.authkey}; copy it and the configuration to every node")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    path = Path(args.key_file) if args.key_file else _layout(args).authkey
    try:
        authkey_mod.generate(path, force=args.force)
    except (authkey_mod.AuthKeyError, OSError) as err:
        return _err(str(err))
    print(f"wrote {authkey_mod.KEY_BYTES}-byte key to {path} (mode 0400)")
    return 0


# ---------------------------------------------------------------------------- lifecycle


def cmd_start(args: argparse.Namespace) -> int:
    layout = _layout(args)
    pid = control.daemon_pid(layout)
    if pid is not None:
        print(f"the cluster node is already running (pid {pid})")
        return 0
    config = Path(args.config) if args.config else layout.config
    try:
        cconf.load(config)
        authkey_mod.load(Path(args.authkey) if args.authkey else layout.authkey)
    except (cconf.ConfigError, authkey_mod.AuthKeyError) as err:
        return _err(str(err))
    cmd = control.daemon_command(layout, config=config if args.config else None,
                                 authkey=Path(args.authkey) if args.authkey else None,
                                 name=args.name)
    proc = control.spawn(cmd, layout)
    try:
        st = control.wait_ready(layout, args.timeout, proc)
    except control.ControlError as err:
        return _err(str(err))
    print(f"started node {st.get('node')} (pid {st.get('pid')}); "
          f"`crm cluster status` shows the membership")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    layout = _layout(args)
    if not control.stop(layout, args.timeout):
        print("the cluster node is not running")
        return 0
    print("stopped the cluster node (it left the membership)")
    return 0


def cmd_restart(args: argparse.Namespace) -> int:
    code = cmd_stop(args)
    return code if code else cmd_start(args)


def cmd_status(args: argparse.Namespace) -> int:
    try:
        found = sandbox_mod.resolve(args.dir, args.node)
    except sandbox_mod.SandboxError as err:
        return _err(str(err))
    layout = found[0].layout(found[1]) if found else _layout(args)
    try:
        st = control.status(layout)
    except ApiError as err:
        print(f"the cluster node is not running ({err})")
        return 3
    sys.stdout.write(statusview.render(st))
    return 0


# ---------------------------------------------------------------------------- sandboxes


def _sandbox_dir(args: argparse.Namespace) -> str:
    d = args.dir or os.environ.get(sandbox_mod.SANDBOX_ENV)
    if not d:
        raise sandbox_mod.SandboxError("say where the sandbox is: --dir DIR "
                                       f"(or set {sandbox_mod.SANDBOX_ENV})")
    return d


def cmd_sandbox_start(args: argparse.Namespace) -> int:
    try:
        directory = _sandbox_dir(args)
        if args.netns:
            from hacrm.engine import netns
            reason = netns.available()
            if reason:
                return _err(f"--netns: {reason}")
        sb = sandbox_mod.start(directory, args.nodes, timeout=args.timeout, token=args.token,
                               use_netns=args.netns, two_node=args.two_node)
    except (sandbox_mod.SandboxError, control.ControlError, OSError) as err:
        return _err(str(err))
    rows = [(n, sb.status(n)) for n in sb.names()]
    sys.stdout.write(statusview.render_sandbox(rows))
    print(f"\nsandbox {sb.dir} is up; point the shell at a node with\n"
          f"  export {sandbox_mod.SANDBOX_ENV}={sb.dir} {sandbox_mod.NODE_ENV}=node1\n"
          f"or `crm --node node1 ...` with {sandbox_mod.SANDBOX_ENV} set")
    return 0


def cmd_sandbox_stop(args: argparse.Namespace) -> int:
    try:
        stopped = sandbox_mod.stop(_sandbox_dir(args), args.timeout)
    except sandbox_mod.SandboxError as err:
        return _err(str(err))
    print(f"stopped {', '.join(stopped)}" if stopped else "no sandbox node was running")
    return 0


def cmd_sandbox_status(args: argparse.Namespace) -> int:
    try:
        sb = sandbox_mod.Sandbox.load(_sandbox_dir(args))
    except sandbox_mod.SandboxError as err:
        return _err(str(err))
    rows = []
    running = 0
    for name in sb.names():
        try:
            rows.append((name, sb.status(name, timeout=5.0)))
            running += 1
        except ApiError as err:
            rows.append((name, {"error": str(err).split(";")[0]}))
    sys.stdout.write(statusview.render_sandbox(rows))
    return 0 if running else 3


# ---------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crm cluster", description="the embedded cluster engine")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_root(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--root", help="root of the node's files (default $HACRM_ROOT or /)")
        return sp

    sp = with_root(sub.add_parser("init", help="write the cluster configuration (and a key)"))
    sp.add_argument("-n", "--name", default="hacluster", help="cluster name")
    sp.add_argument("-N", "--node", action="append", metavar="NAME[=ADDR]",
                    help="a node (repeat for each; default: this host)")
    sp.add_argument("--token", type=int, help="token timeout in ms (default 1000)")
    sp.add_argument("--port", type=int, default=cconf.DEFAULT_PORT, help="UDP port (5405)")
    sp.add_argument("--two-node", dest="two_node", action="store_true", default=None,
                    help="votequorum two_node (default: on with exactly two nodes)")
    sp.add_argument("--no-two-node", dest="two_node", action="store_false")
    sp.add_argument("--force", action="store_true", help="overwrite an existing configuration")
    sp.set_defaults(func=cmd_init)

    sp = with_root(sub.add_parser("keygen", help="write a new authkey (256 bytes, mode 0400)"))
    sp.add_argument("-k", "--key-file", help="where to write it (default ROOT/etc/hacrm/authkey)")
    sp.add_argument("--force", action="store_true", help="replace an existing key")
    sp.set_defaults(func=cmd_keygen)

    for name, func, text in (("start", cmd_start, "start this node's daemon"),
                             ("restart", cmd_restart, "stop, then start this node's daemon")):
        sp = with_root(sub.add_parser(name, help=text))
        sp.add_argument("--config", help="configuration file (default ROOT/etc/hacrm/...)")
        sp.add_argument("--authkey", help="authkey file")
        sp.add_argument("--name", help="this node's name in the nodelist")
        sp.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")
        sp.set_defaults(func=func)
    sp = with_root(sub.add_parser("stop", help="leave the membership and stop the daemon"))
    sp.add_argument("--timeout", type=float, default=20.0)
    sp.set_defaults(func=cmd_stop)
    sp = with_root(sub.add_parser("status", help="membership, quorum, DC of this node"))
    sp.add_argument("--dir", help="a sandbox directory (default $HACRM_SANDBOX)")
    sp.add_argument("--node", help="the sandbox node to ask (default $HACRM_NODE)")
    sp.set_defaults(func=cmd_status)

    sb = sub.add_parser("sandbox", help="N daemons on this machine, for tests and demos")
    sbsub = sb.add_subparsers(dest="sandbox_command", required=True, metavar="ACTION")
    sp = sbsub.add_parser("start", help="create (if needed) and start a sandbox")
    sp.add_argument("--nodes", type=int, help="number of nodes (node1 ... nodeN)")
    sp.add_argument("--dir", help="sandbox directory (default $HACRM_SANDBOX)")
    sp.add_argument("--token", type=int, help="token timeout in ms")
    sp.add_argument("--netns", action="store_true",
                    help="one network namespace per node (root only)")
    sp.add_argument("--two-node", dest="two_node", action="store_true", default=None)
    sp.add_argument("--no-two-node", dest="two_node", action="store_false")
    sp.add_argument("--timeout", type=float, default=60.0, help="seconds to wait (60)")
    sp.set_defaults(func=cmd_sandbox_start)
    sp = sbsub.add_parser("stop", help="stop every daemon of a sandbox")
    sp.add_argument("--dir", help="sandbox directory (default $HACRM_SANDBOX)")
    sp.add_argument("--timeout", type=float, default=20.0)
    sp.set_defaults(func=cmd_sandbox_stop)
    sp = sbsub.add_parser("status", help="one line per sandbox node")
    sp.add_argument("--dir", help="sandbox directory (default $HACRM_SANDBOX)")
    sp.set_defaults(func=cmd_sandbox_status)
    return p


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
