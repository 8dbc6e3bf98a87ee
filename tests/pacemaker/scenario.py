"""The web-service scenario both engines are driven through: the same crm commands, the same
placements expected (checked on Pacemaker with ``crm_mon --output-as=xml``).

Two ``Dummy`` resources in a group, a preference for node1 smaller than the group's
stickiness, no fencing and quorum ignored (the classic two-node tutorial, with agents that need
nothing installed).  Standby of node1 moves the group to node2; bringing node1 back online
leaves it there (stickiness 2 x 100 beats the preference of 100).
"""

from __future__ import annotations

AGENT = "ocf:heartbeat:Dummy"

CONFIGURE = f"""\
property stonith-enabled=false no-quorum-policy=ignore
rsc_defaults resource-stickiness=100
primitive webip {AGENT} op monitor interval=10s timeout=20s
primitive webserver {AGENT} op monitor interval=10s timeout=20s
group webservice webip webserver
location prefer-node1 webservice 100: node1
commit
"""

#: (crm command words, placement expected once the cluster settled)
STEPS: list[tuple[list[str], dict[str, tuple[str, ...]]]] = [
    (["node", "standby", "node1"], {"webip": ("node2",), "webserver": ("node2",)}),
    (["node", "online", "node1"], {"webip": ("node2",), "webserver": ("node2",)}),
    (["resource", "move", "webservice", "node1"], {"webip": ("node1",),
                                                   "webserver": ("node1",)}),
    (["resource", "clear", "webservice"], {"webip": ("node1",), "webserver": ("node1",)}),
    (["resource", "stop", "webserver"], {"webip": ("node1",)}),
    (["resource", "start", "webserver"], {"webip": ("node1",), "webserver": ("node1",)}),
]

INITIAL = {"webip": ("node1",), "webserver": ("node1",)}


def only(placed: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The scenario's resources among everything that runs."""
    return {k: v for k, v in placed.items() if k in ("webip", "webserver")}
