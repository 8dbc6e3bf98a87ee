"""Running Pacemaker's command-line tools for the pacemaker backend.

The pacemaker backend is the one part of hacrm that runs Pacemaker's own tools: its whole point
is to drive a real Pacemaker cluster, and the tools are that cluster's public interface
(``cibadmin``, ``crm_mon``, ``crm_resource``, ``crm_attribute``, ``crm_node``,
``stonith_admin``, ``crm_shadow``, ``crm_verify``, ``crm_simulate``, ``crm_diff``).

Every call goes through :class:`Tools`: no shell, an explicit environment (``CIB_file`` and
``CIB_shadow`` select what the tools work on, exactly as they would for a user typing them), a
time limit, and one way to turn a failure into a :class:`ToolError` whose message is the tool's
own words plus what we were doing, so a user never sees a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hacrm.backends.base import BackendError

#: where distributions install the tools; searched after PATH (a user's PATH often lacks sbin)
SBIN_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin")
#: where the daemons live (``pacemaker-fenced metadata`` describes the fencing parameters)
DAEMON_DIRS = ("/usr/lib/pacemaker", "/usr/libexec/pacemaker", "/usr/lib64/pacemaker")
DEFAULT_TIMEOUT = 60.0

#: Pacemaker's exit codes that have a meaning the backend acts on (``crm_error -X``)
EXIT_NOT_CONNECTED = 102
EXIT_OLD_DATA = 103
EXIT_NO_SUCH = 105
EXIT_TIMEOUT = 124

#: lines the tools print that add nothing for a user (usage reminders, blank lines)
_NOISE = ("Init failed, could not perform requested operations",
          "Error performing operation: ", "crm_resource: ", "crm_attribute: ")


class ToolError(BackendError):
    """A Pacemaker tool failed; ``str()`` is our context, then the tool's message."""

    def __init__(self, context: str, tool: str, returncode: int, message: str) -> None:
        detail = message or f"exit code {returncode}"
        super().__init__(f"{context}: {tool}: {detail}" if context else f"{tool}: {detail}")
        self.context = context
        self.tool = tool
        self.returncode = returncode
        self.message = message


class ToolMissing(BackendError):
    """The tool is not installed here."""


@dataclass(frozen=True)
class ToolResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def tool_message(stderr: str, stdout: str = "", tool: str = "") -> str:
    """The useful part of what a tool printed when it failed, on one or a few lines (without
    the tool's own name in front: the message says which tool it was)."""
    lines = []
    prefixes = _NOISE[1:] + ((f"{tool}: ",) if tool else ())
    for raw in (stderr or stdout).splitlines():
        line = raw.strip()
        if not line or line == "Init failed, could not perform requested operations":
            continue
        for prefix in prefixes:
            if line.startswith(prefix) and len(line) > len(prefix):
                line = line[len(prefix):]
        if line not in lines:
            lines.append(line)
    return "; ".join(lines[:4])


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def find_tool(name: str, path: str | None = None) -> str | None:
    """The absolute path of a Pacemaker tool, or None when it is not installed."""
    found = shutil.which(name, path=path)
    if found:
        return found
    for directory in SBIN_DIRS + (DAEMON_DIRS if name.startswith("pacemaker-") else ()):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@dataclass
class Tools:
    """Runs the tools with one environment; remembers where each one was found."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    timeout: float = DEFAULT_TIMEOUT
    _paths: dict[str, str] = field(default_factory=dict)

    def path(self, tool: str) -> str:
        if tool not in self._paths:
            found = find_tool(tool, self.env.get("PATH"))
            if found is None:
                raise ToolMissing(f"{tool} is not installed (it comes with Pacemaker's "
                                  "command-line tools, e.g. the pacemaker-cli-utils package)")
            self._paths[tool] = found
        return self._paths[tool]

    def installed(self, tool: str) -> bool:
        try:
            self.path(tool)
        except ToolMissing:
            return False
        return True

    def run(self, tool: str, args: Iterable[str], *, context: str = "", input: str | None = None,
            ok: Iterable[int] = (0,), timeout: float | None = None,
            env: Mapping[str, str] | None = None) -> ToolResult:
        """Run ``tool args``; raise :class:`ToolError` unless its exit code is in ``ok``."""
        argv = (self.path(tool), *args)
        limit = self.timeout if timeout is None else timeout
        run_env = dict(self.env if env is None else env)
        # the tools' messages are parsed and shown as they are: keep them in English
        run_env["LC_ALL"] = "C"
        try:
            proc = subprocess.run(argv, input=input, capture_output=True, text=True,
                                  env=run_env, timeout=limit, check=False,
                                  stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ToolError(context, tool, EXIT_TIMEOUT,
                            f"no answer within {limit:g} s (is the cluster running?)") from None
        except OSError as err:
            raise ToolError(context, tool, -1, f"cannot run {argv[0]}: {err.strerror}") from None
        result = ToolResult(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
        if proc.returncode not in tuple(ok):
            message = tool_message(proc.stderr, proc.stdout, tool)
            if proc.returncode < 0:
                message = "; ".join(m for m in (message, f"crashed ({_signal_name(-proc.returncode)})") if m)
            raise ToolError(context, tool, proc.returncode, message)
        return result

    def output(self, tool: str, args: Iterable[str], **kwargs: object) -> str:
        """``run`` and return standard output."""
        return self.run(tool, args, **kwargs).stdout  # type: ignore[arg-type]
