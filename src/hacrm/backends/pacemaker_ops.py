"""Resource and node operations on a Pacemaker cluster, each one Pacemaker tool call.

The ``resource`` and ``node`` levels change the cluster the way crmsh does on Pacemaker: the
change is made by the tool that owns it, so ids, attribute sets and constraint names are
Pacemaker's own and the cluster reacts at once:

=====================================  ===================================================
resource start/stop/promote/demote     ``crm_resource --meta --set-parameter target-role``
resource manage/unmanage/maintenance   ``crm_resource --meta --set-parameter is-managed`` ...
resource param/meta/utilization        ``crm_resource [--meta|--utilization] --set-/--get-/--delete-parameter``
resource move/ban/clear                ``crm_resource --move/--ban/--clear [--node] [--lifetime]``
resource cleanup/refresh               ``crm_resource --cleanup/--refresh``
resource restart                       ``crm_resource --restart``
resource locate/list/operations        ``crm_resource --locate/--list/--list-operations``
resource failcount                     ``crm_failcount -G/-D``, ``crm_attribute -t status``
node standby/online/maintenance/ready  ``crm_attribute -t nodes -n standby|maintenance``
node attribute/utilization/status-attr ``crm_attribute [-z] -t nodes|status``
node fence                             ``stonith_admin --reboot``
node clearstate                        ``crm_resource --cleanup --node`` / ``stonith_admin --confirm``
node delete                            ``crm_node --force --remove`` (``cibadmin`` if it has to)
node list                              ``crm_node --list``
=====================================  ===================================================

Every method returns what the tool printed for the user (its confirmation lines, if any) and
raises :class:`~hacrm.backends.pacemaker_tools.ToolError` (the tool's words and what we were
doing) when the tool refuses.  Nothing here prints or asks: the shell does that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hacrm.backends.base import BackendError
from hacrm.backends.pacemaker_tools import EXIT_NO_SUCH, ToolError

if TYPE_CHECKING:
    from hacrm.backends.pacemaker import PacemakerBackend

#: crm_resource's switch for each kind of resource attribute set
ATTR_KINDS = {"param": (), "meta": ("--meta",), "utilization": ("--utilization",)}
#: crm_attribute's scope for each kind of node attribute
NODE_SCOPES = {"nodes": ("--type", "nodes"), "status": ("--type", "status"),
               "utilization": ("--utilization", "--type", "nodes")}
#: roles as Pacemaker 2.1 spells them in target-role
ROLES = ("Started", "Stopped", "Promoted", "Unpromoted")


def _lines(text: str) -> str:
    """The tool's confirmation lines, without trailing blanks."""
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


@dataclass
class PacemakerOps:
    """The operations of the ``resource`` and ``node`` levels on one Pacemaker backend."""

    backend: PacemakerBackend

    # ------------------------------------------------------------------ plumbing
    def _rsc(self, args: list[str], context: str, *, ok: tuple[int, ...] = (0,),
             timeout: float | None = None) -> str:
        result = self.backend.tools.run("crm_resource", args, context=context, ok=ok,
                                        timeout=timeout)
        return _lines(result.stdout)

    def _attr(self, args: list[str], context: str, ok: tuple[int, ...] = (0,)) -> str:
        return _lines(self.backend.tools.run("crm_attribute", args, context=context,
                                             ok=ok).stdout)

    def _needs_cluster(self, what: str) -> None:
        if not self.backend.live:
            where = "a shadow CIB" if self.backend.shadow else "a CIB file"
            raise BackendError(f"{what} needs a running cluster; {where} has no "
                               "daemons to ask")

    # ------------------------------------------------------------------ resource: state
    def set_role(self, rsc: str, role: str) -> str:
        """``target-role`` meta attribute (start, stop, promote, demote)."""
        return self.resource_attr("meta", rsc, "set", "target-role", role)

    def resource_attr(self, kind: str, rsc: str, action: str, name: str,
                      value: str | None = None) -> str:
        """Set, delete or show one parameter, meta or utilization attribute of a resource.

        ``show`` returns the value; a missing attribute is a :class:`ToolError` with
        Pacemaker's message."""
        if kind not in ATTR_KINDS:
            raise BackendError(f"unknown attribute kind {kind!r} (param, meta, utilization)")
        base = ["--resource", rsc, *ATTR_KINDS[kind]]
        if action == "set":
            if value is None:
                raise BackendError(f"setting {name} of {rsc} needs a value")
            return self._rsc([*base, "--set-parameter", name, "--parameter-value", value],
                             f"setting {kind} {name} of {rsc}")
        if action == "delete":
            return self._rsc([*base, "--delete-parameter", name],
                             f"deleting {kind} {name} of {rsc}")
        if action in ("show", "get"):
            return self._rsc([*base, "--get-parameter", name],
                             f"reading {kind} {name} of {rsc}")
        raise BackendError(f"expected set, delete or show, got {action!r}")

    # ------------------------------------------------------------------ resource: placement
    def move(self, rsc: str, node: str | None = None, *, lifetime: str | None = None,
             promoted: bool = False, force: bool = False) -> str:
        args = ["--move", "--resource", rsc]
        args += ["--node", node] if node else []
        args += ["--lifetime", lifetime] if lifetime else []
        args += ["--promoted"] if promoted else []
        args += ["--force"] if force else []
        return self._rsc(args, f"moving {rsc}")

    def ban(self, rsc: str, node: str | None = None, *, lifetime: str | None = None,
            promoted: bool = False, force: bool = False) -> str:
        args = ["--ban", "--resource", rsc]
        args += ["--node", node] if node else []
        args += ["--lifetime", lifetime] if lifetime else []
        args += ["--promoted"] if promoted else []
        args += ["--force"] if force else []
        return self._rsc(args, f"banning {rsc}")

    def clear(self, rsc: str, node: str | None = None, *, promoted: bool = False) -> str:
        args = ["--clear", "--resource", rsc]
        args += ["--node", node] if node else []
        args += ["--promoted"] if promoted else []
        return self._rsc(args, f"clearing the constraints of {rsc}")

    def locate(self, rsc: str) -> list[str]:
        """Nodes the resource is active on (``crm_resource --locate --quiet``)."""
        out = self._rsc(["--locate", "--resource", rsc, "--quiet"], f"locating {rsc}")
        return [line.strip() for line in out.splitlines() if line.strip()]

    def resource_list(self) -> str:
        return self._rsc(["--list"], "listing resources", ok=(0, EXIT_NO_SUCH))

    def operations(self, rsc: str | None = None, node: str | None = None) -> str:
        args = ["--list-operations"]
        args += ["--resource", rsc] if rsc else []
        args += ["--node", node] if node else []
        return self._rsc(args, "listing operations", ok=(0, EXIT_NO_SUCH))

    # ------------------------------------------------------------------ resource: history
    def cleanup(self, rsc: str | None = None, node: str | None = None, *,
                operation: str | None = None, interval: str | None = None) -> str:
        """Forget failures (``crm_resource --cleanup``) so the cluster looks again."""
        self._needs_cluster("cleanup")
        args = ["--cleanup"]
        args += ["--resource", rsc] if rsc else []
        args += ["--node", node] if node else []
        args += ["--operation", operation] if operation else []
        args += ["--interval", interval] if interval else []
        return self._rsc(args, f"cleaning up {rsc or 'all resources'}")

    def refresh(self, rsc: str | None = None, node: str | None = None, *,
                force: bool = False) -> str:
        """Forget the whole history and probe again (``crm_resource --refresh``)."""
        self._needs_cluster("refresh")
        args = ["--refresh"]
        args += ["--resource", rsc] if rsc else []
        args += ["--node", node] if node else []
        args += ["--force"] if force else []
        return self._rsc(args, f"refreshing {rsc or 'all resources'}")

    def restart(self, rsc: str, node: str | None = None, *, timeout: float = 120.0) -> str:
        """Stop and start again, waiting for each (``crm_resource --restart``)."""
        self._needs_cluster("restart")
        args = ["--restart", "--resource", rsc, f"--timeout={max(1, int(timeout))}s"]
        args += ["--node", node] if node else []
        return self._rsc(args, f"restarting {rsc}", timeout=timeout * 2 + 30)

    def failcount(self, rsc: str, action: str, node: str, value: str | None = None) -> str:
        """Show, set or delete a resource's fail count on a node."""
        if action in ("show", "get"):
            return _lines(self.backend.tools.run(
                "crm_failcount", ["--query", "--resource", rsc, "--node", node],
                context=f"reading the fail count of {rsc} on {node}").stdout)
        if action == "delete" or (action == "set" and value in ("0", None)):
            self._needs_cluster("clearing a fail count")
            return _lines(self.backend.tools.run(
                "crm_failcount", ["--delete", "--resource", rsc, "--node", node],
                context=f"clearing the fail count of {rsc} on {node}").stdout)
        if action == "set":
            return self._attr(["--type", "status", "--node", node, "--name",
                               f"fail-count-{rsc}", "--update", str(value)],
                              f"setting the fail count of {rsc} on {node}")
        raise BackendError(f"expected set, delete or show, got {action!r}")

    # ------------------------------------------------------------------ nodes
    def node_attr(self, scope: str, node: str, action: str, name: str,
                  value: str | None = None, *, lifetime: str | None = None) -> str:
        """Set, delete or show a node attribute: ``nodes`` (permanent), ``status``
        (transient, until the node leaves) or ``utilization``."""
        if scope not in NODE_SCOPES:
            raise BackendError(f"unknown node attribute scope {scope!r}")
        base = [*NODE_SCOPES[scope], "--node", node, "--name", name]
        if lifetime:
            base = [a for a in base if a not in ("--type", "nodes", "status")]
            base += ["--lifetime", lifetime]
        if action == "set":
            if value is None:
                raise BackendError(f"setting {name} of node {node} needs a value")
            return self._attr([*base, "--update", value], f"setting {name} of node {node}")
        if action == "delete":
            return self._attr([*base, "--delete"], f"deleting {name} of node {node}")
        if action in ("show", "get"):
            return self._attr([*base, "--query"], f"reading {name} of node {node}")
        raise BackendError(f"expected set, delete or show, got {action!r}")

    def _standby_value(self, scope: str, node: str) -> str | None:
        try:
            out = self.node_attr(scope, node, "show", "standby")
        except ToolError as err:
            if err.returncode == EXIT_NO_SUCH:
                return None
            raise
        return out.rsplit("value=", 1)[-1].strip() if "value=" in out else None

    def standby(self, node: str, on: bool = True, lifetime: str | None = None) -> str:
        """Standby as crmsh means it: ``forever`` (the default) in the node's permanent
        attributes, ``reboot`` a transient one; the other kind is removed.  The new one is set
        before the old one goes, so the node never looks online in between.  ``on=False``
        (``online``) turns off whichever exists, and creates none."""
        scopes = ("nodes", "status")
        if not on:
            for scope in scopes:
                if self._standby_value(scope, node) not in (None, "off"):
                    self.node_attr(scope, node, "set", "standby", "off")
            return ""
        scope, other = scopes if lifetime in (None, "forever") else scopes[::-1]
        out = self.node_attr(scope, node, "set", "standby", "on")
        if self._standby_value(other, node) is not None:
            self.node_attr(other, node, "delete", "standby")
        return out

    def node_maintenance(self, node: str, on: bool = True) -> str:
        """``maintenance`` sets ``true``, ``ready`` sets ``off`` (crmsh's values)."""
        return self.node_attr("nodes", node, "set", "maintenance", "true" if on else "off")

    def fence(self, node: str) -> str:
        """Have the cluster fence (reboot) the node."""
        self._needs_cluster("fencing")
        return _lines(self.backend.tools.run("stonith_admin", ["--reboot", node],
                                             context=f"fencing {node}", timeout=300).stdout)

    def clearstate(self, node: str) -> str:
        """Drop what the cluster remembers of a node: a resource clean-up while it is a member,
        a manual fencing confirmation when it is gone."""
        self._needs_cluster("clearstate")
        mon = self.backend.mon(inactive=False)
        state = mon.node(node)
        if state is None:
            raise BackendError(f"node {node} is not part of the cluster")
        if state.online:
            return self._rsc(["--cleanup", "--node", node], f"clearing the state of {node}")
        return _lines(self.backend.tools.run("stonith_admin", ["--confirm", node],
                                             context=f"clearing the state of {node}",
                                             timeout=120).stdout)

    def node_delete(self, node: str) -> str:
        """Remove a node that has left for good from the membership lists and the CIB."""
        self._needs_cluster("removing a node")
        if node in self.partition():
            raise BackendError(f"node {node} is still an active member; stop it first")
        try:
            return _lines(self.backend.tools.run("crm_node", ["--force", "--remove", node],
                                                 context=f"removing node {node}").stdout)
        except ToolError:
            xpath = f"//nodes/node[@uname='{node}']"
            return _lines(self.backend.tools.run(
                "cibadmin", ["--delete-all", "--force", "--xpath", xpath],
                context=f"removing node {node} from the CIB").stdout)

    def partition(self) -> list[str]:
        """Names of the nodes in this node's partition (``crm_node --partition``)."""
        self._needs_cluster("listing the partition")
        out = self.backend.tools.output("crm_node", ["--partition"],
                                        context="listing the partition")
        return out.split()

    def node_list(self) -> list[tuple[str, str, str]]:
        """(id, name, state) of every node corosync knows (``crm_node --list``)."""
        self._needs_cluster("listing cluster members")
        out = self.backend.tools.output("crm_node", ["--list"], context="listing nodes")
        rows = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3:
                rows.append((parts[0], parts[1], parts[2]))
        return rows

    # ------------------------------------------------------------------ the engine's vocabulary
    def call(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        """The embedded engine's local API calls (``controller_api``), made with Pacemaker's
        tools, so the operations layer can hand a Pacemaker cluster the same requests."""
        handler = {
            "attribute": self._call_attribute, "resource_cleanup": self._call_cleanup,
            "node_fence": self._call_fence, "node_clearstate": self._call_clearstate,
            "node_forget": self._call_forget, "wait_idle": self._call_wait_idle,
        }.get(op)
        if handler is None:
            raise BackendError(f"the pacemaker backend has no {op!r} operation")
        return handler(args)

    def _call_attribute(self, args: dict[str, Any]) -> dict[str, Any]:
        node, name = str(args.get("node") or ""), str(args.get("name") or "")
        lifetime = str(args.get("lifetime") or "reboot")
        scope = ("utilization" if args.get("set") == "utilization"
                 else "status" if lifetime == "reboot" else "nodes")
        answer: dict[str, Any] = {"node": node, "name": name, "lifetime": lifetime}
        if args.get("query"):
            try:
                out = self.node_attr(scope, node, "show", name)
            except ToolError as err:
                if err.returncode != EXIT_NO_SUCH:
                    raise
                out = ""
            answer["value"] = out.rsplit("value=", 1)[-1] if "value=" in out else None
        elif args.get("delete"):
            self.node_attr(scope, node, "delete", name)
            answer["value"] = None
        else:
            self.node_attr(scope, node, "set", name, str(args.get("value")))
            answer["value"] = args.get("value")
        return answer

    def _call_cleanup(self, args: dict[str, Any]) -> dict[str, Any]:
        rsc = args.get("resource") or None
        node = args.get("node") or None
        if args.get("refresh"):
            out = self.refresh(rsc, node)
        else:
            interval = args.get("interval")
            out = self.cleanup(rsc, node, operation=args.get("operation") or None,
                               interval=f"{interval}ms" if isinstance(interval, int)
                               else (str(interval) if interval else None))
        return {"output": out}

    def _call_fence(self, args: dict[str, Any]) -> dict[str, Any]:
        node = str(args.get("node") or "")
        action = str(args.get("action") or "reboot")
        switch = {"reboot": "--reboot", "off": "--fence", "on": "--unfence"}.get(action)
        if switch is None:
            raise BackendError(f"unknown fencing action {action!r} (reboot, off, on)")
        self._needs_cluster("fencing")
        out = self.backend.tools.run("stonith_admin", [switch, node],
                                     context=f"fencing {node}", timeout=300).stdout
        return {"node": node, "action": action, "detail": _lines(out)}

    def _call_clearstate(self, args: dict[str, Any]) -> dict[str, Any]:
        node = str(args.get("node") or "")
        self._needs_cluster("clearstate")
        out = self.backend.tools.run("stonith_admin", ["--confirm", node],
                                     context=f"clearing the state of {node}",
                                     timeout=120).stdout
        return {"node": node, "detail": _lines(out)}

    def _call_forget(self, args: dict[str, Any]) -> dict[str, Any]:
        node = str(args.get("node") or "")
        return {"node": node, "detail": self.node_delete(node)}

    def _call_wait_idle(self, args: dict[str, Any]) -> dict[str, Any]:
        import time

        start = time.monotonic()
        idle = self.backend.wait_idle(float(args.get("timeout") or 60.0))
        return {"idle": idle, "waited": round(time.monotonic() - start, 3)}

