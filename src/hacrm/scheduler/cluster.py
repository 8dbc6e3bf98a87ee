"""The working set: everything one scheduler run knows, from configuration to created actions."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .model import (A_OPTIONAL, A_PSEUDO, A_RUNNABLE, Action, Node, Resource)

CLUSTER_DEFAULTS = {
    "stonith-enabled": "true",
    "symmetric-cluster": "true",
    "no-quorum-policy": "stop",
    "stop-orphan-resources": "true",
    "stop-orphan-actions": "true",
    "start-failure-is-fatal": "true",
    "maintenance-mode": "false",
    "placement-strategy": "default",
    "stonith-action": "reboot",
    "concurrent-fencing": "false",
    "startup-fencing": "true",
    "shutdown-lock": "false",
    "shutdown-lock-limit": "0",
    "batch-limit": "0",
    "cluster-delay": "60s",
    "stonith-timeout": "60s",
    "migration-limit": "-1",
    "node-health-strategy": "none",
    "node-health-base": "0",
    "node-health-green": "0",
    "node-health-yellow": "0",
    "node-health-red": "-INFINITY",
    "enable-startup-probes": "true",
    "stop-all-resources": "false",
    "priority-fencing-delay": "0",
    "remove-after-stop": "false",
    "have-watchdog": "false",
}


def is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("true", "on", "yes", "y", "1")


def numeric_strcasecmp(a: str, b: str) -> int:
    """Node-name order: digits compare as numbers, everything else case-insensitively."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].isdigit() and b[j].isdigit():
            ei = i
            while ei < len(a) and a[ei].isdigit():
                ei += 1
            ej = j
            while ej < len(b) and b[ej].isdigit():
                ej += 1
            n1, n2 = int(a[i:ei]), int(b[j:ej])
            if n1 != n2:
                return -1 if n1 < n2 else 1
            if ei - i != ej - j:
                return -1 if ei - i < ej - j else 1
            i, j = ei, ej
        else:
            c1, c2 = a[i].lower(), b[j].lower()
            if c1 != c2:
                return -1 if c1 < c2 else 1
            i += 1
            j += 1
    if i >= len(a) and j < len(b):
        return -1
    if i < len(a) and j >= len(b):
        return 1
    return 0


node_name_key = functools.cmp_to_key(lambda x, y: numeric_strcasecmp(x.uname, y.uname))


@dataclass(eq=False)
class Cluster:
    """One scheduler run's state (Pacemaker's working set)."""

    cib: Any
    now: datetime | None = None
    config: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)  # creation order (oldest first)
    singletons: dict[str, Action] = field(default_factory=dict)
    orderings: list[Any] = field(default_factory=list)
    colocations: list[Any] = field(default_factory=list)
    locations: list[Any] = field(default_factory=list)
    tickets: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    templates: dict[str, Any] = field(default_factory=dict)
    template_members: dict[str, list[str]] = field(default_factory=dict)
    rsc_defaults: Any = None
    op_defaults: Any = None
    action_id: int = 0
    dc_node: Node | None = None
    dc_uuid: str | None = None
    have_quorum: bool = False
    stonith_enabled: bool = True
    have_stonith_resource: bool = False
    symmetric: bool = True
    no_quorum_policy: str = "stop"
    stop_orphans: bool = True
    stop_action_orphans: bool = True
    start_failure_fatal: bool = True
    maintenance_mode: bool = False
    startup_fencing: bool = True
    concurrent_fencing: bool = False
    stop_everything: bool = False
    startup_probes: bool = True
    enable_unfencing: bool = False
    remove_after_stop: bool = False
    shutdown_lock: bool = False
    shutdown_lock_limit: int = 0
    stonith_action: str = "reboot"
    placement_strategy: str = "default"
    have_remote_nodes: bool = False
    priority_fencing_delay: int = 0
    recheck_by: int = 0
    failed_ops: list[Any] = field(default_factory=list)
    stop_needed: list[Resource] = field(default_factory=list)
    param_checks: list[Any] = field(default_factory=list)
    disabled_resources: int = 0
    blocked_resources: int = 0
    ninstances: int = 0
    score_log: list[str] = field(default_factory=list)
    show_scores: bool = False
    num_synapse: int = 0
    warnings: list[str] = field(default_factory=list)
    rsc_by_id: dict[str, Resource] = field(default_factory=dict)

    # ---- lookups ----------------------------------------------------------------------
    def find_node(self, uname: str | None) -> Node | None:
        if uname is None:
            return None
        for n in self.nodes:
            if n.uname == uname:
                return n
        return None

    def find_node_id(self, node_id: str | None) -> Node | None:
        for n in self.nodes:
            if n.id == node_id:
                return n
        return None

    def find_node_any(self, node_id: str | None, uname: str | None) -> Node | None:
        n = self.find_node_id(node_id) if node_id else None
        if n is None and uname is not None:
            n = self.find_node(uname)
        return n

    def find_resource(self, rid: str, flags: str = "") -> Resource | None:
        """pe_find_resource: by id or, for clone instances, by their history name."""
        for top in self.resources:
            found = _find_rsc(top, rid)
            if found is not None:
                return found
        return None

    def all_resources(self):
        for r in self.resources:
            yield from r.walk()

    def can_fence(self, node: Node | None) -> bool:
        if node is not None and node.is_guest:
            for host in node.remote_rsc.container.running_on:
                if not host.online and not self.can_fence(host):
                    return False
            return True
        if not self.stonith_enabled or not self.have_stonith_resource:
            return False
        if self.have_quorum or self.no_quorum_policy == "ignore":
            return True
        if node is None:
            return False
        return node.online

    # ---- actions ------------------------------------------------------------------------
    def new_action_id(self) -> int:
        aid = self.action_id
        self.action_id += 1
        return aid

    def get_pseudo_op(self, name: str) -> Action:
        op = self.singletons.get(name)
        if op is None:
            from .actions import custom_action
            op = custom_action(self, None, name, name, None, True, True)
            op.set(A_PSEUDO | A_RUNNABLE)
        return op


def _find_rsc(rsc: Resource, rid: str) -> Resource | None:
    if rsc.id == rid or (rsc.clone_name is not None and rsc.clone_name == rid):
        return rsc
    for child in rsc.children:
        found = _find_rsc(child, rid)
        if found is not None:
            return found
    return None


__all__ = ["Cluster", "CLUSTER_DEFAULTS", "is_true", "numeric_strcasecmp", "node_name_key",
           "A_OPTIONAL"]
