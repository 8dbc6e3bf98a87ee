"""Node health (node-health-strategy): #health-* node attributes turned into location scores
for every resource, and the red/yellow/green rating shown in the node list."""

from __future__ import annotations

from .cluster import Cluster
from .model import INFINITY, add_scores, parse_score


def strategy(cl: Cluster) -> str:
    s = (cl.config.get("node-health-strategy") or "none").lower()
    return s if s in ("none", "migrate-on-red", "only-green", "progressive", "custom") else "none"


def colour_scores(cl: Cluster) -> tuple[int, int, int]:
    """(red, yellow, green) as the strategy defines them."""
    s = strategy(cl)
    if s == "none":
        return 0, 0, 0
    if s == "migrate-on-red":
        return -INFINITY, 0, 0
    if s == "only-green":
        return -INFINITY, -INFINITY, 0
    return (parse_score(cl.config.get("node-health-red", "-INFINITY")),
            parse_score(cl.config.get("node-health-yellow", "0")),
            parse_score(cl.config.get("node-health-green", "0")))


def health_value(cl: Cluster, value: str | None) -> int:
    """char2score with the colours mapped through the strategy's scores."""
    red, yellow, green = colour_scores(cl)
    v = (value or "").strip().lower()
    if v == "red":
        return red
    if v == "yellow":
        return yellow
    if v == "green":
        return green
    return parse_score(value)


def node_health(cl: Cluster, node) -> int:
    """pe__node_health: -1 red, 0 yellow, 1 green."""
    if strategy(cl) == "none":
        return 1
    red, yellow, green = colour_scores(cl)
    rc = 1
    for name, value in node.attrs.items():
        if not name.startswith("#health"):
            continue
        v = (value or "").strip().lower()
        if v == "red":
            return -1
        if v == "yellow":
            rc = 0
            continue
        score = health_value(cl, value)
        if score <= red:
            return -1
        if score <= yellow and yellow != green:
            rc = 0
    return rc


def apply_node_health(cl: Cluster) -> None:
    """pcmk__apply_node_health: each node's summed health as a location score."""
    from .constraints import new_location
    s = strategy(cl)
    if s == "none":
        return
    base = parse_score(cl.config.get("node-health-base", "0")) if s == "progressive" else 0
    for node in cl.nodes:
        health = base
        for name, value in node.attrs.items():
            if name.startswith("#health"):
                health = add_scores(health_value(cl, value), health)
        if health == 0:
            continue
        for rsc in cl.resources:
            allow = (rsc.meta.get("allow-unhealthy-nodes") or "").lower() in \
                ("true", "yes", "1", "on", "y")
            if health < 0 and allow:
                continue
            new_location(cl, cl.config.get("node-health-strategy", "none"), rsc, health, None,
                         node)
