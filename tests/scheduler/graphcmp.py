"""Canonical form of a transition graph for comparing ours with Pacemaker's recorded one."""

from __future__ import annotations

from lxml import etree


def _key(el) -> tuple[str, str]:
    return (el.get("operation_key") or "", el.get("on_node") or "")


def canonical(graph_xml: str | bytes) -> dict[tuple[str, str], frozenset]:
    """{(operation key, node): frozenset of its inputs' (key, node)} for every synapse."""
    root = etree.fromstring(graph_xml.encode() if isinstance(graph_xml, str) else graph_xml)
    out = {}
    for syn in root.iter("synapse"):
        actions = [a for a in syn.find("action_set")]
        inputs = [t[0] for t in syn.find("inputs") if len(t)]
        for a in actions:
            out[_key(a)] = frozenset(_key(i) for i in inputs)
    return out
