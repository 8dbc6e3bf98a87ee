"""Names Pacemaker gives meaning to: cluster properties, resource meta attributes, operation
attributes, and the fencing parameters every fence device accepts.

These are the candidates completion offers after ``property``, ``meta``, ``op NAME`` and in a
stonith primitive's ``params``, each with a one-line description shown beside it.  The lists
follow Pacemaker 2.1's documented options; the descriptions are written for this shell.
"""

from __future__ import annotations

from dataclasses import dataclass

from hacrm.ra.metadata import Parameter


@dataclass(frozen=True)
class Option:
    name: str
    type: str
    default: str
    summary: str
    choices: tuple[str, ...] = ()


_BOOL = "boolean"

CLUSTER_PROPERTIES: tuple[Option, ...] = (
    Option("no-quorum-policy", "select", "stop", "what to do with resources when quorum is lost",
           ("stop", "freeze", "ignore", "demote", "suicide")),
    Option("symmetric-cluster", _BOOL, "true", "resources may run on any node unless told not to"),
    Option("maintenance-mode", _BOOL, "false", "stop monitoring, starting and stopping resources"),
    Option("start-failure-is-fatal", _BOOL, "true",
           "a failed start bans the resource from that node"),
    Option("enable-startup-probes", _BOOL, "true", "probe for active resources when starting"),
    Option("shutdown-lock", _BOOL, "false", "keep resources of a cleanly stopped node for it"),
    Option("shutdown-lock-limit", "time", "0", "how long a shutdown lock may last"),
    Option("stonith-enabled", _BOOL, "true", "nodes that fail may be fenced"),
    Option("stonith-action", "select", "reboot", "what fencing does to a node",
           ("reboot", "off", "poweroff")),
    Option("stonith-timeout", "time", "60s", "default time limit of a fencing action"),
    Option("have-watchdog", _BOOL, "false", "a watchdog device is in use (set by the cluster)"),
    Option("concurrent-fencing", _BOOL, "false", "fence several nodes at the same time"),
    Option("startup-fencing", _BOOL, "true", "fence nodes never seen since the cluster started"),
    Option("priority-fencing-delay", "time", "0",
           "delay fencing of the node running the most important resources"),
    Option("cluster-delay", "time", "60s", "longest expected round trip between nodes"),
    Option("batch-limit", "integer", "0", "most actions run at once across the cluster"),
    Option("migration-limit", "integer", "-1", "most live migrations at once per node"),
    Option("stop-all-resources", _BOOL, "false", "stop every resource"),
    Option("stop-orphan-resources", _BOOL, "true", "stop resources removed from the configuration"),
    Option("stop-orphan-actions", _BOOL, "true",
           "cancel recurring operations removed from the configuration"),
    Option("pe-error-series-max", "integer", "-1", "scheduler inputs with errors to keep"),
    Option("pe-warn-series-max", "integer", "5000", "scheduler inputs with warnings to keep"),
    Option("pe-input-series-max", "integer", "4000", "scheduler inputs to keep"),
    Option("node-health-strategy", "select", "none", "how node health attributes count",
           ("none", "migrate-on-red", "only-green", "progressive", "custom")),
    Option("node-health-base", "integer", "0", "starting health score of every node"),
    Option("node-health-green", "integer", "0", "score of a health attribute that is green"),
    Option("node-health-yellow", "integer", "0", "score of a health attribute that is yellow"),
    Option("node-health-red", "integer", "-INFINITY", "score of a health attribute that is red"),
    Option("placement-strategy", "select", "default", "how resources are spread over nodes",
           ("default", "utilization", "minimal", "balanced")),
    Option("cluster-name", "string", "", "a name for the cluster"),
    Option("dc-deadtime", "time", "20s", "how long to wait for other nodes when starting"),
    Option("cluster-recheck-interval", "time", "15min",
           "how often time-based rules are re-evaluated"),
    Option("load-threshold", "percentage", "80%", "share of CPU load the cluster may use"),
    Option("node-action-limit", "integer", "0", "most actions run at once on one node"),
    Option("fence-reaction", "select", "stop", "what a node does when told it was fenced",
           ("stop", "panic")),
    Option("election-timeout", "time", "2min", "how long a DC election may take"),
    Option("shutdown-escalation", "time", "20min", "how long a clean shutdown may take"),
    Option("join-integration-timeout", "time", "3min", "how long a node join may take"),
    Option("join-finalization-timeout", "time", "30min", "how long finishing a join may take"),
    Option("transition-delay", "time", "0s", "wait this long before running a transition"),
    Option("stonith-watchdog-timeout", "time", "0",
           "when a node without contact counts as self-fenced"),
    Option("stonith-max-attempts", "integer", "10", "fencing failures before giving up"),
    Option("enable-acl", _BOOL, "false", "enforce access control lists"),
    Option("cluster-ipc-limit", "integer", "500", "IPC backlog before a client is dropped"),
)

RESOURCE_META: tuple[Option, ...] = (
    Option("target-role", "select", "Started", "the state the cluster keeps the resource in",
           ("Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave")),
    Option("is-managed", _BOOL, "true", "the cluster may start and stop the resource"),
    Option("maintenance", _BOOL, "false", "leave the resource alone, do not monitor it"),
    Option("priority", "integer", "0", "more important resources are placed first"),
    Option("resource-stickiness", "integer", "0", "preference for staying where it runs"),
    Option("requires", "select", "fencing", "what must hold before the resource can start",
           ("nothing", "quorum", "fencing", "unfencing")),
    Option("migration-threshold", "integer", "INFINITY", "failures before moving elsewhere"),
    Option("failure-timeout", "time", "0", "forget failures after this long"),
    Option("multiple-active", "select", "stop_start", "what to do when active on several nodes",
           ("block", "stop_only", "stop_start", "stop_unexpected")),
    Option("allow-migrate", _BOOL, "false", "move by live migration instead of stop/start"),
    Option("allow-unhealthy-nodes", _BOOL, "false", "may run on nodes with bad health"),
    Option("critical", _BOOL, "true", "colocations with it count when it fails"),
    Option("container-attribute-target", "string", "", "where bundle node attributes live"),
    Option("remote-node", "string", "", "this resource is a guest node of that name"),
    Option("remote-port", "integer", "3121", "port of the guest node's remote daemon"),
    Option("remote-addr", "string", "", "address of the guest node"),
    Option("remote-connect-timeout", "time", "60s", "time limit to connect to the guest node"),
    Option("clone-max", "integer", "", "how many copies of the clone run"),
    Option("clone-node-max", "integer", "1", "how many copies may run on one node"),
    Option("clone-min", "integer", "0", "copies needed before dependents may start"),
    Option("notify", _BOOL, "false", "tell copies before and after actions of the others"),
    Option("globally-unique", _BOOL, "false", "every copy is different from the others"),
    Option("ordered", _BOOL, "false", "start copies one after the other"),
    Option("interleave", _BOOL, "false", "depend on the copy on the same node only"),
    Option("promotable", _BOOL, "false", "copies can be promoted to a primary role"),
    Option("promoted-max", "integer", "1", "how many copies may be promoted"),
    Option("promoted-node-max", "integer", "1", "how many promoted copies on one node"),
)

OP_ATTRIBUTES: tuple[Option, ...] = (
    Option("interval", "time", "0", "how often a recurring operation runs"),
    Option("timeout", "time", "20s", "time limit of the operation"),
    Option("on-fail", "select", "restart", "what a failure of the operation leads to",
           ("ignore", "block", "demote", "stop", "restart", "standby", "fence")),
    Option("start-delay", "time", "0", "wait before running the operation"),
    Option("interval-origin", "string", "", "time the interval is counted from"),
    Option("record-pending", _BOOL, "true", "record the operation while it runs"),
    Option("enabled", _BOOL, "true", "the operation is carried out"),
    Option("role", "select", "", "the role the operation applies to",
           ("Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave")),
    Option("description", "string", "", "free text"),
    Option("OCF_CHECK_LEVEL", "integer", "0", "how thoroughly a monitor checks"),
)

OP_NAMES = ("start", "stop", "monitor", "promote", "demote", "notify", "migrate_to",
            "migrate_from", "reload", "reload-agent", "meta-data", "validate-all")

ROLES = ("Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave")
SCORES = ("inf:", "-inf:", "+inf:", "Mandatory:", "Optional:", "Serialize:")

_FENCE_ACTIONS = ("reboot", "off", "on", "list", "monitor", "status")


def fencing_parameters() -> list[Parameter]:
    """The parameters the fencer understands for every fence device."""
    params = [
        Parameter("pcmk_host_argument", "string", "port",
                  shortdesc="device parameter that names the node to fence"),
        Parameter("pcmk_host_map", "string",
                  shortdesc="node names to device ports, e.g. node1:1;node2:2,3"),
        Parameter("pcmk_host_list", "string",
                  shortdesc="nodes this device can fence (for static-list)"),
        Parameter("pcmk_host_check", "string", "dynamic-list",
                  shortdesc="how to find out which nodes the device can fence",
                  choices=["dynamic-list", "static-list", "status", "none"]),
        Parameter("pcmk_delay_max", "time", "0s", shortdesc="random delay before fencing, up to"),
        Parameter("pcmk_delay_base", "string", "0s", shortdesc="fixed delay before fencing"),
        Parameter("pcmk_action_limit", "integer", "1",
                  shortdesc="actions the device may run at the same time"),
    ]
    for action in _FENCE_ACTIONS:
        params += [
            Parameter(f"pcmk_{action}_action", "string", action,
                      shortdesc=f"device command to use for '{action}'"),
            Parameter(f"pcmk_{action}_timeout", "time", "60s",
                      shortdesc=f"time limit of '{action}' on this device"),
            Parameter(f"pcmk_{action}_retries", "integer", "2",
                      shortdesc=f"retries of '{action}' within its time limit"),
        ]
    return params
