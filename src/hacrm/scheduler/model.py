"""The scheduler's working set: nodes, resources, actions and the orderings between them.

The objects mirror the vocabulary a Pacemaker user knows (a resource has a role and a next role,
an action is optional or required, runnable or not) because the scheduler's output must match
Pacemaker's decision for decision.  Everything here is plain data; the stages in the sibling
modules fill it in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from lxml import etree

INFINITY = 1_000_000


def add_scores(a: int, b: int) -> int:
    """Pacemaker's saturating score addition: -INFINITY wins over +INFINITY."""
    if a <= -INFINITY or b <= -INFINITY:
        return -INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    total = a + b
    if total > INFINITY:
        return INFINITY
    if total < -INFINITY:
        return -INFINITY
    return total


def score_text(score: int) -> str:
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)


def parse_score(value: str | None, default: int = 0) -> int:
    """char2score: INFINITY words, the health colours, integers clamped to +-INFINITY."""
    if value is None:
        return default
    v = value.strip()
    low = v.lower()
    if low in ("-infinity", "-inf"):
        return -INFINITY
    if low in ("infinity", "+infinity", "inf", "+inf"):
        return INFINITY
    if low == "red":
        return -INFINITY
    if low in ("yellow", "green"):
        return 0
    num = ""
    for i, ch in enumerate(v):
        if ch.isdigit() or (i == 0 and ch in "+-"):
            num += ch
        else:
            break
    try:
        n = int(num)
    except ValueError:
        return 0
    return max(-INFINITY, min(INFINITY, n))


class Role(enum.IntEnum):
    UNKNOWN = 0
    STOPPED = 1
    STARTED = 2
    UNPROMOTED = 3
    PROMOTED = 4

    @property
    def text(self) -> str:
        return ROLE_TEXT[self]


ROLE_TEXT = {
    Role.UNKNOWN: "Unknown",
    Role.STOPPED: "Stopped",
    Role.STARTED: "Started",
    Role.UNPROMOTED: "Unpromoted",
    Role.PROMOTED: "Promoted",
}


def text_to_role(text: str | None) -> Role:
    if text is None:
        return Role.UNKNOWN
    t = text.lower()
    if t == "stopped":
        return Role.STOPPED
    if t == "started":
        return Role.STARTED
    if t in ("unpromoted", "slave"):
        return Role.UNPROMOTED
    if t in ("promoted", "master"):
        return Role.PROMOTED
    return Role.UNKNOWN


class Variant(enum.IntEnum):
    PRIMITIVE = 1
    GROUP = 2
    CLONE = 3
    BUNDLE = 4


class Fail(enum.IntEnum):
    """on-fail handling, in the order Pacemaker ranks them."""

    IGNORE = 0
    DEMOTE = 1
    RECOVER = 2
    MIGRATE = 3
    BLOCK = 4
    STOP = 5
    STANDBY = 6
    FENCE = 7
    RESTART_CONTAINER = 8
    RESET_REMOTE = 9


class Recovery(enum.IntEnum):
    STOP_START = 0
    STOP_ONLY = 1
    BLOCK = 2
    STOP_UNEXPECTED = 3


# Action flags
A_PSEUDO = 1 << 0
A_RUNNABLE = 1 << 1
A_OPTIONAL = 1 << 2
A_PRINT_ALWAYS = 1 << 3
A_HAVE_NODE_ATTRS = 1 << 4
A_MIGRATE_RUNNABLE = 1 << 7
A_DUMPED = 1 << 8
A_PROCESSED = 1 << 9
A_CLEAR = 1 << 10
A_DANGLE = 1 << 11
A_REQUIRES_ANY = 1 << 12
A_RECONNECT = 1 << 13
A_DC = 1 << 14
A_TRACKING = 1 << 15
A_DEDUP = 1 << 16

# Ordering flags
O_NONE = 0
O_OPTIONAL = 1 << 0
O_APPLY_FIRST_NON_MIGRATABLE = 1 << 1
O_IMPLIES_FIRST = 1 << 4
O_IMPLIES_THEN = 1 << 5
O_PROMOTED_IMPLIES_FIRST = 1 << 6
O_IMPLIES_FIRST_MIGRATABLE = 1 << 7
O_RUNNABLE_LEFT = 1 << 8
O_PSEUDO_LEFT = 1 << 9
O_IMPLIES_THEN_ON_NODE = 1 << 10
O_PROBE = 1 << 11
O_RESTART = 1 << 12
O_STONITH_STOP = 1 << 13
O_SERIALIZE_ONLY = 1 << 18
O_SAME_NODE = 1 << 19
O_IMPLIES_FIRST_PRINTED = 1 << 20
O_IMPLIES_THEN_PRINTED = 1 << 21
O_ASYMMETRICAL = 1 << 22
O_LOAD = 1 << 23
O_ONE_OR_MORE = 1 << 24
O_ANTI_COLOCATION = 1 << 25
O_PRESERVE = 1 << 26
O_THEN_CANCELS_FIRST = 1 << 27

# Resource flags
R_ORPHAN = 1 << 0
R_MANAGED = 1 << 1
R_BLOCK = 1 << 2
R_ORPHAN_CONTAINER_FILLER = 1 << 3
R_NOTIFY = 1 << 4
R_UNIQUE = 1 << 5
R_FENCE_DEVICE = 1 << 6
R_PROMOTABLE = 1 << 7
R_PROVISIONAL = 1 << 8
R_ALLOCATING = 1 << 9
R_MERGING = 1 << 10
R_RESTARTING = 1 << 11
R_STOP = 1 << 12
R_RELOAD = 1 << 13
R_ALLOW_REMOTE_REMOTES = 1 << 14
R_CRITICAL = 1 << 15
R_FAILED = 1 << 16
R_RUNNABLE = 1 << 17
R_START_PENDING = 1 << 18
R_STARTING = 1 << 19
R_STOPPING = 1 << 20
R_STOP_UNEXPECTED = 1 << 21
R_ALLOW_MIGRATE = 1 << 22
R_FAILURE_IGNORED = 1 << 23
R_MAINTENANCE = 1 << 24
R_NEEDS_QUORUM = 1 << 25
R_NEEDS_FENCING = 1 << 26
R_NEEDS_UNFENCING = 1 << 27


@dataclass(eq=False)
class Node:
    """A cluster node as the status section describes it (Pacemaker's node details)."""

    id: str
    uname: str
    type: str = "member"
    weight: int = 0
    fixed: bool = False
    online: bool = False
    unclean: bool = False
    standby: bool = False
    standby_onfail: bool = False
    pending: bool = False
    shutdown: bool = False
    maintenance: bool = False
    expected_up: bool = False
    is_dc: bool = False
    unseen: bool = False
    unpacked: bool = False
    remote_requires_reset: bool = False
    remote_was_fenced: int = 0
    remote_maintenance: bool = False
    rsc_discovery_enabled: bool = True
    attrs: dict[str, str] = field(default_factory=dict)
    utilization: dict[str, str] = field(default_factory=dict)
    running_rsc: list["Resource"] = field(default_factory=list)
    remote_rsc: "Resource | None" = None
    priority: int = 0
    num_resources: int = 0
    allocated_rsc: list["Resource"] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Node({self.uname})"

    @property
    def is_remote(self) -> bool:
        return self.type == "remote"

    @property
    def is_guest(self) -> bool:
        return self.remote_rsc is not None and self.remote_rsc.container is not None

    @property
    def is_remote_only(self) -> bool:
        """A Pacemaker Remote node that is not a guest."""
        return self.type == "remote" and not self.is_guest


@dataclass(eq=False)
class NodeScore:
    """A node as seen by one resource: the shared node plus this resource's score for it."""

    node: Node
    weight: int = 0
    fixed: bool = False
    count: int = 0
    discover: str = "always"

    def copy(self) -> "NodeScore":
        return NodeScore(self.node, self.weight, self.fixed, self.count, self.discover)


def node_available(node: Node | None, weight: int | None = None, consider_score: bool = False) -> bool:
    if node is None or not node.online or node.shutdown or node.unclean or node.standby \
            or node.maintenance:
        return False
    if consider_score and weight is not None and weight < 0:
        return False
    return True


@dataclass(eq=False)
class Colocation:
    id: str
    dependent: "Resource"
    primary: "Resource"
    score: int
    dependent_role: Role = Role.UNKNOWN
    primary_role: Role = Role.UNKNOWN
    node_attribute: str = "#uname"
    influence: bool = True


@dataclass(eq=False)
class Location:
    id: str
    rsc: "Resource"
    nodes: list[NodeScore]
    role_filter: Role = Role.UNKNOWN
    discover_mode: str = "always"


@dataclass(eq=False)
class ActionWrapper:
    action: "Action"
    type: int
    state: int = 0  # 1 = dumped into the graph


@dataclass(eq=False)
class Action:
    id: int
    uuid: str
    task: str
    rsc: "Resource | None"
    node: Node | None
    flags: int = 0
    priority: int = 0
    reason: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    op_entry: Any = None
    on_fail: Fail = Fail.RECOVER
    fail_role: Role = Role.UNKNOWN
    needs: str = "nothing"
    cancel_task: str | None = None
    actions_before: list[ActionWrapper] = field(default_factory=list)
    actions_after: list[ActionWrapper] = field(default_factory=list)
    runnable_before: int = 0
    required_runnable_before: int = 0
    interval_ms: int = 0

    def __repr__(self) -> str:
        return f"Action({self.id} {self.uuid} {self.node.uname if self.node else '-'})"

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)

    def set(self, flag: int) -> None:
        self.flags |= flag

    def clear(self, flag: int) -> None:
        self.flags &= ~flag

    def set_reason(self, reason: str | None, overwrite: bool) -> None:
        if self.reason is None or overwrite:
            self.reason = reason


@dataclass(eq=False)
class Resource:
    """A configured (or orphaned) resource of any variant."""

    id: str
    xml: Any
    variant: Variant
    parent: "Resource | None" = None
    children: list["Resource"] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    params_xml: Any = None
    ops_xml: Any = None
    flags: int = 0
    role: Role = Role.STOPPED
    next_role: Role = Role.UNKNOWN
    next_role_reason: str | None = None
    recovery_type: Recovery = Recovery.STOP_START
    stickiness: int = 0
    migration_threshold: int = INFINITY
    failure_timeout: int = 0
    priority: int = 0
    sort_index: int = 0
    allowed_nodes: dict[str, NodeScore] = field(default_factory=dict)
    known_on: dict[str, Node] = field(default_factory=dict)
    running_on: list[Node] = field(default_factory=list)
    allocated_to: NodeScore | None = None
    clone_name: str | None = None
    pending_task: str | None = None
    pending_node: Node | None = None
    partial_migration_source: Node | None = None
    partial_migration_target: Node | None = None
    dangling_migrations: list[Node] = field(default_factory=list)
    lock_node: Node | None = None
    lock_time: int = 0
    container: "Resource | None" = None
    fillers: list["Resource"] = field(default_factory=list)
    is_remote_node: bool = False
    remote_reconnect_ms: int = 0
    exclusive_discover: bool = False
    utilization: dict[str, str] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    rsc_cons: list[Colocation] = field(default_factory=list)
    rsc_cons_lhs: list[Colocation] = field(default_factory=list)
    rsc_location: list[Location] = field(default_factory=list)
    rsc_tickets: list[Any] = field(default_factory=list)
    # variant data (clones, groups)
    clone_max: int = 0
    clone_node_max: int = 1
    promoted_max: int = 1
    promoted_node_max: int = 1
    interleave: bool = False
    ordered: bool = False
    group_ordered: bool = True
    group_colocated: bool = True
    xml_child: Any = None
    total_clones: int = 0
    agent_class: str | None = None
    agent_provider: str | None = None
    agent_type: str | None = None
    # notifications data, per action task
    notify_data: dict[str, Any] = field(default_factory=dict)
    # this resource's actions by key (kept in step with ``actions``)
    action_index: dict[str, list[Action]] = field(default_factory=dict)
    promotion_added: bool = False
    promotion_constrained: bool = False
    # why nodes were rejected ("why isn't X running?"): node uname -> reasons
    rejections: dict[str, list[str]] = field(default_factory=dict)
    # operation definitions already unpacked, by (task, interval)
    op_cache: dict[tuple[str, int], Any] = field(default_factory=dict)
    # promotion bookkeeping
    promotion_priority: int = 0
    cluster: Any = None

    def __repr__(self) -> str:
        return f"Resource({self.id})"

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)

    def set(self, flag: int) -> None:
        self.flags |= flag

    def clear(self, flag: int) -> None:
        self.flags &= ~flag

    @property
    def is_clone(self) -> bool:
        return self.variant == Variant.CLONE

    @property
    def top(self) -> "Resource":
        """uber_parent: the outermost parent (stopping below a bundle)."""
        r = self
        while r.parent is not None and r.parent.variant != Variant.BUNDLE:
            r = r.parent
        return r

    def is_ancestor(self, other: "Resource") -> bool:
        """True when other is a (transitive) parent of self."""
        p = self.parent
        while p is not None:
            if p is other:
                return True
            p = p.parent
        return False

    def set_next_role(self, role: Role, why: str) -> None:
        self.next_role = role
        self.next_role_reason = why

    def current_node(self) -> Node | None:
        """pe__current_node: the node the resource is considered active on."""
        active = None
        for node in self.running_on:
            happy = node.online and not node.unclean
            if self.partial_migration_source is not None:
                if node is self.partial_migration_source:
                    return node
                continue
            if not self.has(R_NEEDS_FENCING):
                if happy and (active is None or not active.online or active.unclean):
                    active = node
                    break
            if active is None:
                active = node
                if self.has(R_NEEDS_FENCING):
                    break
        return active

    def printable_id(self) -> str:
        """rsc_printable_id: anonymous clone instances print without their instance number."""
        if not self.has(R_UNIQUE):
            return self.xml.get("id")
        return self.id

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def reject(self, node: Node, why: str) -> None:
        self.rejections.setdefault(node.uname, []).append(why)
