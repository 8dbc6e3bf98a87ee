"""``make demo``: a two-node web service on this machine, then the shell to play with it.

The classic tutorial's cluster (Pacemaker's "Clusters from Scratch"), on a sandbox: two node
daemons on loopback (``crm cluster sandbox``), a web server that serves a page naming the node
it runs on, grouped with the data it serves, a companion resource colocated with the group and
ordered after it, a preference for node1, stickiness, ``no-quorum-policy=ignore`` (two nodes)
and fencing through the sandbox's own power switch (``fence_hacrm``).

On a terminal the demo then opens ``crm`` on node1 with a short guide; the sandbox is stopped
when the shell exits.  Without a terminal it tells the failover story by itself: status, node1
in standby, status, the page now served by node2, node1 back online, status; then it stops
the sandbox.  Every step is a ``crm`` command a user could type, and is printed as such.

Options: ``--dir DIR`` (the sandbox directory; a new temporary one by default),
``--keep`` (leave the sandbox running at the end), ``--port N`` (the web server's port; a free
one by default), ``--story`` / ``--shell`` (force either path).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CONFIG = """\
primitive web-data ocf:hacrm:Dummy \\
\top monitor interval=10s timeout=20s
primitive web-server ocf:hacrm:webserver \\
\tparams ip=127.0.0.1 port={port} \\
\top monitor interval=5s timeout=20s
group web-service web-data web-server
primitive web-watch ocf:hacrm:Dummy \\
\top monitor interval=10s timeout=20s
colocation watch-with-web inf: web-watch web-service
order web-then-watch Mandatory: web-service web-watch
location prefer-node1 web-service 100: node1
"""

FENCING = """\
primitive fence-sandbox stonith:fence_hacrm \\
\tparams sandbox={sandbox} pcmk_host_list="{nodes}" \\
\top monitor interval=60s
"""

PROPERTIES = """\
property stonith-enabled={fencing} no-quorum-policy=ignore
rsc_defaults resource-stickiness=200
"""


def service_config(port: int, sandbox: Path, nodes: list[str], fencing: bool = True) -> str:
    """The web service in crm syntax.  The web server listens on 127.0.0.1: every sandbox
    node shares the loopback address, so the page has one address whichever node serves it
    (what a floating IP gives a real cluster).  ``bench/failover.py`` runs the same service."""
    text = CONFIG.format(port=port)
    if fencing:
        text += FENCING.format(sandbox=sandbox, nodes=" ".join(nodes))
    return text + PROPERTIES.format(fencing="true" if fencing else "false")


GUIDE = """\
The cluster is up: two node daemons on this machine, the web service on node1.
The page: curl http://127.0.0.1:{port}/   (it names the node serving it)

This is crm on node1. Try:
  status                        what runs where (`status --watch` keeps it on screen)
  node standby node1            move everything away from node1 (-w waits, or see status)
  node online node1             node1 back: stickiness keeps the service on node2
  resource move web-service node1, then resource clear web-service
  node fence node2              fence a node (the sandbox powers it off and on again)
  help, Tab, quit               (quit stops the sandbox{keep})

Once node2 runs the service (after the standby above), kill it outright from another
terminal, as a power cut would, and watch node1 take over (`status --watch`):
  kill -9 $(cat {sandbox}/node2/run/hacrm/hacrm.pid)
"""


class DemoError(Exception):
    """The demo cannot go on; the message says why."""


def crm_command() -> list[str]:
    """Our ``crm``: the one installed next to this Python, else the module."""
    beside = Path(sys.executable).parent / "crm"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "hacrm.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Demo:
    """One run: a sandbox directory, the environment pointing crm at node1, and a log of
    what was typed."""

    def __init__(self, directory: Path, port: int, out=sys.stdout) -> None:
        self.dir = directory
        self.port = port
        self.out = out
        self.crm = crm_command()
        self.env = {**os.environ, "HACRM_SANDBOX": str(directory), "HACRM_NODE": "node1"}
        self.env.pop("CIB_file", None)
        self.env.pop("CIB_shadow", None)
        self.started = False

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, *args: str, show: str | None = None, check: bool = True,
            timeout: float = 180) -> str:
        """``crm ARGS``, echoed as typed, its output passed through."""
        self.say(f"$ crm {show or shlex.join(args)}")
        proc = subprocess.run([*self.crm, *args], env=self.env, text=True,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                              check=False)
        output = proc.stdout + proc.stderr
        if output:
            self.out.write(output if output.endswith("\n") else output + "\n")
        self.say()
        if check and proc.returncode != 0:
            raise DemoError(f"`crm {show or shlex.join(args)}` failed (exit {proc.returncode})")
        return proc.stdout

    # -------------------------------------------------------------------- the steps
    def start(self) -> None:
        self.say(f"== hacrm demo: a two-node web service, sandbox in {self.dir}")
        self.say("   (two node daemons on 127.0.0.1, each with its own state directory)")
        self.say()
        self.run("cluster", "sandbox", "start", "--nodes", "2", "--dir", str(self.dir),
                 timeout=120)
        self.started = True

    def configure(self) -> None:
        config = self.dir / "web-service.crm"
        config.write_text(service_config(self.port, self.dir, ["node1", "node2"]))
        self.say(f"$ cat {config.name}")
        self.say(config.read_text())
        self.run("-w", "configure", "load", "update", str(config),
                 show=f"-w configure load update {config.name}")

    def page_node(self, timeout: float = 30.0) -> str | None:
        """The node named by the page (its ``X-Hacrm-Node`` header), waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/",
                                            timeout=3) as reply:
                    return reply.headers.get("X-Hacrm-Node")
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        return None

    def fetch(self, expected: str) -> None:
        self.say(f"$ curl -s http://127.0.0.1:{self.port}/")
        deadline = time.monotonic() + 30
        node = None
        while time.monotonic() < deadline:
            node = self.page_node(timeout=5)
            if node == expected:
                break
            time.sleep(0.2)
        if node is None:
            raise DemoError(f"the web page does not answer on port {self.port}")
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=3) as reply:
            body = reply.read().decode(errors="replace")
        line = next((x for x in body.splitlines() if "Served by" in x), body.strip())
        self.say(line.replace("<p>", "").replace("</p>", "").replace("<b>", "")
                 .replace("</b>", "").replace("</body></html>", "").strip())
        self.say()
        if node != expected:
            raise DemoError(f"the page is served by {node}, expected {expected}")

    def story(self) -> None:
        """The non-interactive path: a failover by standby, and back."""
        self.run("status")
        self.fetch("node1")
        self.say("# node1 goes into standby: the cluster moves the service to node2")
        self.run("-w", "node", "standby", "node1")
        self.run("status")
        self.fetch("node2")
        self.say("# node1 comes back; stickiness keeps the service where it is")
        self.run("-w", "node", "online", "node1")
        self.run("status")
        self.fetch("node2")

    def shell(self, keep: bool) -> int:
        """The interactive path: status, the guide, then crm on node1."""
        self.run("status")
        self.say(GUIDE.format(port=self.port, sandbox=self.dir,
                              keep=" unless you ran `make demo KEEP=1`" if not keep else
                              "; here it stays up"))
        return subprocess.call([*self.crm, "--node", "node1"], env=self.env)

    def stop(self) -> None:
        if self.started:
            self.run("cluster", "sandbox", "stop", "--dir", str(self.dir), check=False,
                     timeout=120)
            self.started = False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="sandbox directory (default: a new temporary one)")
    parser.add_argument("--port", type=int, help="the web server's port (default: a free one)")
    parser.add_argument("--keep", action="store_true",
                        default=os.environ.get("KEEP", "") not in ("", "0"),
                        help="leave the sandbox running at the end")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--story", action="store_true", help="tell the story, no shell")
    mode.add_argument("--shell", action="store_true", help="open the shell")
    args = parser.parse_args(argv)
    interactive = args.shell or (not args.story and sys.stdin.isatty() and sys.stdout.isatty())
    made = args.dir is None
    directory = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="hacrm-demo-"))
    demo = Demo(directory.resolve(), args.port or free_port())
    code = 0
    try:
        demo.start()
        demo.configure()
        if interactive:
            code = demo.shell(args.keep)
        else:
            demo.story()
            demo.say("== the service moved to node2 when node1 went into standby, and stayed "
                     "there when node1 came back")
    except DemoError as err:
        demo.say(f"demo failed: {err}")
        code = 1
    except KeyboardInterrupt:
        demo.say("interrupted")
        code = 130
    finally:
        if args.keep and demo.started:
            demo.say(f"The sandbox keeps running: export HACRM_SANDBOX={demo.dir} "
                     "HACRM_NODE=node1; crm status")
            demo.say(f"Stop it with: crm cluster sandbox stop --dir {demo.dir}")
        else:
            demo.stop()
            if made:
                shutil.rmtree(directory, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
