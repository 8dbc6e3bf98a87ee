"""Promotable clones: promotion scores and role assignment are not implemented yet.

Meeting a promotable clone stops the run with ``Unsupported`` so it is reported, not guessed.
"""

from __future__ import annotations

from .bundle import Unsupported


def _unsupported(rsc) -> None:
    raise Unsupported(f"promotable clone {rsc.id}: promotion is not supported yet")


def add_promotion_scores(cl, rsc) -> None:
    _unsupported(rsc)


def set_instance_roles(cl, rsc) -> None:
    _unsupported(rsc)


def create_promotable_actions(cl, rsc) -> None:
    _unsupported(rsc)


def order_promotable_instances(cl, rsc) -> None:
    _unsupported(rsc)


def update_dependent_with_promotable(cl, primary, dependent, c) -> None:
    _unsupported(primary)


def update_promotable_dependent_priority(cl, primary, dependent, c) -> None:
    _unsupported(primary)
