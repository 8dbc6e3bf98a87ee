"""Bundles (container-based replicas with implicit guest nodes) are not scheduled yet.

Meeting one stops the run with ``Unsupported`` so that callers report it plainly instead of
printing a wrong transition.
"""

from __future__ import annotations


class Unsupported(Exception):
    """A configuration feature the scheduler does not implement."""


def unpack_bundle(cl, rsc) -> bool:
    raise Unsupported(f"bundle {rsc.id}: bundles are not supported by this scheduler")


def format_bundle(cl, rsc, lines, depth) -> bool:
    raise Unsupported(f"bundle {rsc.id}: bundles are not supported by this scheduler")
