"""``configure validate-all ID``: ask a resource's agent whether its parameters are valid.

The agent's own ``validate-all`` action is run with the parameters the configuration gives
the resource (``OCF_RESKEY_*``); what it prints is relayed with
the severity it gives each line (``ERROR: ...``, ``WARNING: ...``).  Only OCF agents that
declare the action can be asked, and only by root, since agents check things only root may
see (crmsh's rules).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from hacrm.ra.discovery import AgentDirectory, AgentSpec

#: how long an agent may take to validate (the longest advised validate-all timeouts)
TIMEOUT = 60.0
_PREFIXES = (("ERROR: ", "error"), ("WARNING: ", "warning"), ("INFO: ", "info"),
             ("DEBUG: ", "debug"))


@dataclass
class Validation:
    """The agent's exit code and its output, line by line with a severity each."""

    rc: int
    lines: list[tuple[str, str]]


def relay(output: str) -> list[tuple[str, str]]:
    """Split an agent's output into (severity, message) by its own prefixes; the rest is
    information."""
    out = []
    for line in output.splitlines():
        for prefix, severity in _PREFIXES:
            if line.startswith(prefix):
                out.append((severity, line[len(prefix):]))
                break
        else:
            out.append(("info", line))
    return out


def validate(directory: AgentDirectory, agent: AgentSpec, params: dict[str, str]
             ) -> Validation:
    """Run ``agent validate-all`` with ``params``; raises OSError when it cannot be run."""
    path = directory.path(agent)
    if path is None:
        raise OSError(f"{agent}: no such resource agent")
    # the environment crmsh gives it: OCF_ROOT and the parameters only, so the agent runs as
    # from an init script (instance "default") and says what crmsh's users are used to
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    env["OCF_ROOT"] = str(directory.ocf_root)
    env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
    try:
        proc = subprocess.run([str(path), "validate-all"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return Validation(-1, [("error", f"{agent}: validate-all timed out after "
                                         f"{TIMEOUT:g}s")])
    return Validation(proc.returncode,
                      relay(proc.stdout.decode("utf-8", errors="replace")))
