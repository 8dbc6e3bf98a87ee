"""How an agent is found and called: file, argv, environment and stdin, per agent class.

Pacemaker's conventions, which agents written for it rely on:

- **ocf**: ``$DIR/PROVIDER/TYPE ACTION`` for the first ``resource.d`` directory that has it;
  every parameter becomes ``OCF_RESKEY_<name>`` (``CRM_meta_timeout`` becomes
  ``OCF_RESKEY_CRM_meta_timeout``; ``OCF_CHECK_LEVEL`` keeps its name), plus ``OCF_ROOT``,
  ``OCF_RA_VERSION_MAJOR/MINOR``, ``OCF_RESOURCE_INSTANCE``, ``OCF_RESOURCE_TYPE``,
  ``OCF_RESOURCE_PROVIDER`` and ``OCF_EXIT_REASON_PREFIX``.  stdin is empty.
- **lsb** (and ``service`` when an init script exists): ``/etc/init.d/NAME ACTION``, with
  ``monitor`` spelled ``status``; no parameters.
- **stonith**: fence agents read ``key=value`` lines on stdin: ``action``, ``nodename``, the
  target under the device's host argument (``port`` or ``plug``, or ``pcmk_host_argument``),
  and every device parameter that is not one of Pacemaker's own ``pcmk_*`` settings.

On top of that the executor adds a few variables of its own: ``HA_RSCTMP`` (a per-node runtime
directory, so two sandbox nodes on one machine keep separate state files), the node name, the
file where agents leave node-attribute requests, and a ``PATH`` that starts with hacrm's small
``crm_attribute``/``crm_master``/``attrd_updater``/``crm_node`` replacements so agents written
for Pacemaker can set their promotion scores here too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hacrm import agents as shipped
from hacrm.engine.opresult import EXIT_REASON_MAX, EXIT_REASON_PREFIX, AgentRef

OCF_ROOT_DEFAULT = "/usr/lib/ocf"
LSB_DIR = Path("/etc/init.d")
FENCE_DIRS = (Path("/usr/sbin"), Path("/sbin"), Path("/usr/local/sbin"))
OCF_VERSION = ("1", "1")

# Environment variables the executor sets for hacrm's own agents and shims.
ENV_NODE = "HACRM_NODE_NAME"
ENV_ATTR_FILE = "HACRM_ATTRIBUTE_FILE"
ENV_ATTR_SNAPSHOT = "HACRM_NODE_ATTRIBUTES"


def _ocf_root_env() -> str:
    return os.environ.get("OCF_ROOT") or OCF_ROOT_DEFAULT


@dataclass(frozen=True)
class AgentPaths:
    """Where agents live.  ``ocf_dirs`` are ``resource.d`` directories searched in order
    (Pacemaker's ``OCF_RA_PATH``); hacrm's own directory is always among them."""

    ocf_root: str = field(default_factory=_ocf_root_env)
    ocf_dirs: tuple[Path, ...] = ()
    lsb_dir: Path = LSB_DIR
    fence_dirs: tuple[Path, ...] = FENCE_DIRS
    shim_dir: Path | None = None

    @classmethod
    def default(cls) -> "AgentPaths":
        root = _ocf_root_env()
        return cls(ocf_root=root,
                   ocf_dirs=(Path(root) / "resource.d", shipped.resource_dir()),
                   fence_dirs=FENCE_DIRS + (shipped.fence_dir(),),
                   shim_dir=shipped.shim_dir())

    def resolve(self, agent: AgentRef) -> Path | None:
        """The file implementing ``agent``, or None when it is not installed here."""
        if agent.cls == "ocf":
            if not agent.provider:
                return None
            candidates = [d / agent.provider / agent.type for d in self.ocf_dirs]
        elif agent.cls in ("lsb", "service"):
            candidates = [self.lsb_dir / agent.type]
        elif agent.cls == "stonith":
            candidates = [d / agent.type for d in self.fence_dirs]
        else:
            return None
        if "/" in agent.type or agent.type in ("", ".", ".."):
            return None
        for path in candidates:
            if path.is_file():
                return path
        return None


def action_for(agent: AgentRef, action: str) -> str:
    """The action word the agent itself understands (LSB says ``status`` for ``monitor``)."""
    if agent.cls in ("lsb", "service") and action == "monitor":
        return "status"
    return action


def ocf_env(agent: AgentRef, rsc_id: str | None, params: Mapping[str, str],
            ocf_root: str) -> dict[str, str]:
    """The OCF part of an agent's environment."""
    env = {}
    for key, value in params.items():
        name = key if key == "OCF_CHECK_LEVEL" else f"OCF_RESKEY_{key}"
        env[name] = value
    env["OCF_RA_VERSION_MAJOR"], env["OCF_RA_VERSION_MINOR"] = OCF_VERSION
    env["OCF_ROOT"] = ocf_root
    env["OCF_EXIT_REASON_PREFIX"] = EXIT_REASON_PREFIX
    if rsc_id:
        env["OCF_RESOURCE_INSTANCE"] = rsc_id
    env["OCF_RESOURCE_TYPE"] = agent.type
    if agent.provider:
        env["OCF_RESOURCE_PROVIDER"] = agent.provider
    return env


def command(path: Path, *args: str) -> list[str]:
    """The command line that runs an agent.  hacrm's own agents (Python scripts shipped in
    the package) are started with the interpreter running the daemon rather than through
    their ``#!/usr/bin/env python3`` line: the lookup can land on a slow wrapper (pyenv's
    shims cost 60 ms per call), and probes and monitors run often.  Every other agent runs
    as itself."""
    shipped_dirs = (shipped.resource_dir(), shipped.fence_dir())
    if any(path.is_relative_to(d) for d in shipped_dirs):
        return [sys.executable, str(path), *args]
    return [str(path), *args]


def base_env(inherited: Mapping[str, str], paths: AgentPaths, node_name: str,
             rsc_tmp: Path | None, attr_file: Path | None,
             node_attrs_json: str | None) -> dict[str, str]:
    """The environment every agent starts from: the daemon's, plus hacrm's additions.

    ``PATH`` gets the shim directory in front (agents call ``crm_attribute`` by name) and the
    running interpreter's directory at the end, so ``#!/usr/bin/env python3`` agents find an
    interpreter even when the daemon was started with a minimal ``PATH``.
    """
    env = dict(inherited)
    path = [p for p in env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":") if p]
    if paths.shim_dir is not None:
        path.insert(0, str(paths.shim_dir))
        env["HA_SBIN_DIR"] = str(paths.shim_dir)
    interp_dir = str(Path(sys.executable).parent)
    if interp_dir not in path:
        path.append(interp_dir)
    env["PATH"] = ":".join(path)
    env[ENV_NODE] = node_name
    if rsc_tmp is not None:
        env["HA_RSCTMP"] = str(rsc_tmp)
    if attr_file is not None:
        env[ENV_ATTR_FILE] = str(attr_file)
    if node_attrs_json is not None:
        env[ENV_ATTR_SNAPSHOT] = node_attrs_json
    return env


def parse_exit_reason(stderr: str) -> str:
    """The text after the last ``ocf-exit-reason:`` marker, to the end of its line, at most
    128 characters (what Pacemaker records as ``exit-reason``)."""
    at = stderr.rfind(EXIT_REASON_PREFIX)
    if at < 0:
        return ""
    reason = stderr[at + len(EXIT_REASON_PREFIX):].split("\n", 1)[0]
    return reason[:EXIT_REASON_MAX]


# ----------------------------------------------------------------------------- fencing

# Pacemaker's own device settings, never passed to the agent.
_FENCE_OWN = frozenset({"provides", "stonith-timeout", "pcmk_action_limit", "pcmk_delay_base",
                        "pcmk_delay_max", "pcmk_host_argument", "pcmk_host_check",
                        "pcmk_host_list", "pcmk_host_map"})


def is_fence_setting(name: str) -> bool:
    """``pcmk_*`` device settings (and ``provides``) that are for the fencer, not the agent."""
    if name in _FENCE_OWN:
        return True
    if not name.startswith("pcmk_"):
        return False
    rest = name[5:]
    cut = rest.find("_")
    return cut >= 0 and rest[cut:] in ("_action", "_timeout", "_retries")


def parse_host_map(text: str | None) -> dict[str, str]:
    """``pcmk_host_map``: ``node1:port1;node2:port2`` (``=`` also accepted, any separators)."""
    out: dict[str, str] = {}
    if not text:
        return out
    for item in text.replace(",", ";").replace(" ", ";").replace("\t", ";").split(";"):
        if not item:
            continue
        sep = ":" if ":" in item else "=" if "=" in item else None
        if sep is None:
            continue
        name, value = item.split(sep, 1)
        if name and value:
            out[name] = value
    return out


def fence_args(action: str, target: str | None, device_params: Mapping[str, str],
               host_arg: str | None = None, target_nodeid: int | None = None,
               ) -> dict[str, str]:
    """The ``key=value`` arguments for one fence-agent run (Pacemaker's ``make_args``).

    ``pcmk_<action>_action`` renames the action; the target goes in as ``nodename`` and, unless
    ``pcmk_host_argument=none``, under the host argument (default ``host_arg`` or ``port``),
    mapped through ``pcmk_host_map``; the device's own parameters follow.
    """
    args: dict[str, str] = {}
    action = device_params.get(f"pcmk_{action}_action") or action
    args["action"] = action
    if target is not None:
        args["nodename"] = target
        if target_nodeid:
            args["nodeid"] = str(target_nodeid)
        param = device_params.get("pcmk_host_argument")
        if (param or "").lower() != "none":
            param = param or host_arg or "port"
            value = device_params.get(param)
            if value is None or value.lower() == "dynamic":
                args[param] = parse_host_map(device_params.get("pcmk_host_map")).get(
                    target, target)
    for key, value in device_params.items():
        if (key == "action" or is_fence_setting(key) or "CRM_meta" in key
                or key.lower() == "crm_feature_set"):
            continue
        args[key] = value   # as in Pacemaker, a device parameter wins over a computed one
    return args


def fence_stdin(args: Mapping[str, str]) -> bytes:
    """Fence agents read one ``key=value`` per line."""
    return "".join(f"{k}={v}\n" for k, v in args.items()).encode()
