"""Live migration (allow-migrate): deciding whether a move can be a migration.

Migration actions (migrate_to/migrate_from) are not scheduled yet: a resource that could migrate
is moved with stop and start instead, which is what Pacemaker does whenever migration is not
possible.  Cases that depend on migration are listed in docs/scheduler-conformance.md.
"""

from __future__ import annotations

from .model import Node, Resource


def can_migrate(cl, rsc: Resource, current: Node) -> bool:
    """Migration is not implemented, so no move is treated as a migration."""
    return False


def create_migration_actions(cl, rsc: Resource, current: Node) -> None:
    return None


def abort_dangling_migration(cl, rsc: Resource, node: Node) -> None:
    """A migration whose source still has history: stop the resource there."""
    from .actions import stop_action
    from .cluster import Cluster  # noqa: F401
    stop = stop_action(cl, rsc, node, False)
    from .model import A_DANGLE
    stop.set(A_DANGLE)
