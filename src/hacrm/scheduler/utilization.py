"""Utilization-based placement (placement-strategy utilization, minimal, balanced).

Only the default strategy is implemented; a CIB asking for another strategy with resource
utilization is reported as unsupported rather than placed by the wrong rules."""

from __future__ import annotations

from .bundle import Unsupported


def _unsupported(cl) -> None:
    raise Unsupported(f"placement-strategy {cl.placement_strategy}: not supported yet")


def sort_resources(cl) -> None:
    if any(r.utilization for r in cl.all_resources()):
        _unsupported(cl)


def ban_insufficient_capacity(cl, rsc):
    _unsupported(cl)


def consume(node, rsc) -> None:
    raise Unsupported("utilization: not supported yet")


def release(node, rsc) -> None:
    raise Unsupported("utilization: not supported yet")


def compare_capacities(a, b) -> int:
    raise Unsupported("utilization: not supported yet")


def create_utilization_constraints(cl, rsc, allowed) -> None:
    _unsupported(cl)
