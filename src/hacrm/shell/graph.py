"""``configure graph``: resources and constraints as a Graphviz graph.

Resources are nodes (primitives as boxes labelled with their agent), groups and clones are
clusters drawn around their members, cluster nodes named by location constraints are ellipses.
Orders are solid arrows from first to then, colocations dashed arrows from the dependent
resource to the one it follows, locations dotted arrows from a node to a resource; each edge is
labelled with its score or kind.  The text is always produced here; an image needs Graphviz's
``dot`` program, run only when a format other than dot is asked for.
"""

from __future__ import annotations

import shutil
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hacrm.cib import model as m

if TYPE_CHECKING:
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.shell.session import Session


def _q(text: str) -> str:
    """A dot string: quotes and backslashes escaped, newlines as dot's line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _members(obj: Any) -> list[Any]:
    if isinstance(obj, m.Group):
        return list(obj.members)
    if isinstance(obj, m.Clone):
        return [obj.child] if obj.child is not None else []
    if isinstance(obj, m.Bundle):
        return [p for p in obj.parts if isinstance(p, m.Primitive)]
    return []


def _set_refs(sets: list[m.ResourceSet]) -> list[list[str]]:
    return [[r.split(":")[0] for r in s.refs] for s in sets]


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.nodes: set[str] = set()

    def resource(self, obj: Any, indent: str) -> None:
        if isinstance(obj, m.Primitive):
            agent = obj.agent() or (f"@{obj.template}" if obj.template else "")
            label = f"{obj.id}\n{agent}" if agent else obj.id
            self.lines.append(f"{indent}{_q(obj.id)} [shape=box, label={_q(label)}];")
            return
        kind = "group" if isinstance(obj, m.Group) else (
            "bundle" if isinstance(obj, m.Bundle) else
            ("ms" if isinstance(obj, m.Clone) and obj.tag == "master" else "clone"))
        style = "solid" if kind in ("group", "bundle") else "dashed"
        self.lines.append(f"{indent}subgraph {_q('cluster_' + obj.id)} {{")
        self.lines.append(f"{indent}  label={_q(f'{kind} {obj.id}')}; style={style};")
        self.lines.append(f"{indent}  {_q(obj.id)} [shape=plaintext, label={_q(obj.id)}];")
        for child in _members(obj):
            self.resource(child, indent + "  ")
        self.lines.append(f"{indent}}}")

    def edge(self, a: str, b: str, label: str, style: str) -> None:
        attrs = f"label={_q(label)}" if label else ""
        attrs += (", " if attrs else "") + f"style={style}"
        self.lines.append(f"  {_q(a)} -> {_q(b)} [{attrs}];")

    def cluster_node(self, name: str) -> None:
        if name not in self.nodes:
            self.nodes.add(name)
            self.lines.append(f"  {_q('node:' + name)} [shape=ellipse, label={_q(name)}];")


def dot_text(objects: list[Any], title: str = "configuration") -> str:
    """The dot source for these configuration elements."""
    w = _Writer()
    w.lines += [f"digraph {_q(title)} {{", "  rankdir=LR;", "  node [fontsize=10];",
                "  edge [fontsize=9];"]
    children = {id(c) for o in objects for c in _members(o)}
    for obj in objects:
        if isinstance(obj, (m.Primitive, m.Group, m.Clone, m.Bundle)) and id(obj) not in children \
                and not getattr(obj, "is_template", False):
            w.resource(obj, "  ")
    for obj in objects:
        if isinstance(obj, m.Order):
            label = obj.kind or (f"{obj.score}" if obj.score else "")
            if obj.first and obj.then:
                w.edge(obj.first, obj.then, label, "solid")
            for earlier, later in pairwise(_set_refs(obj.sets)):
                for a in earlier:
                    for b in later:
                        w.edge(a, b, label, "solid")
        elif isinstance(obj, m.Colocation):
            if obj.rsc and obj.with_rsc:
                w.edge(obj.rsc, obj.with_rsc, obj.score or "", "dashed")
            refs = _set_refs(obj.sets)
            for earlier, later in pairwise(refs):
                for a in later:
                    for b in earlier:
                        w.edge(a, b, obj.score or "", "dashed")
        elif isinstance(obj, m.Location) and obj.rsc and obj.node:
            w.cluster_node(obj.node)
            w.edge("node:" + obj.node, obj.rsc, obj.score or "", "dotted")
        elif isinstance(obj, m.Ticket) and obj.rsc:
            w.edge("ticket:" + obj.ticket, obj.rsc, obj.loss_policy or "", "dotted")
    w.lines.append("}")
    return "\n".join(w.lines) + "\n"


def graph_command(session: Session, wc: WorkingCopy, args: list[str]) -> None:
    """``graph [FILE [FORMAT]]``: print the dot text, or write it (or an image) to FILE."""
    from hacrm.shell.commands import CommandError

    if len(args) > 2:
        raise CommandError("usage: graph [<file> [<format>]]")
    text = dot_text(wc.select(None))
    if not args:
        session.messages.write(text)
        return
    target = Path(args[0])
    fmt = args[1] if len(args) > 1 else target.suffix.lstrip(".") or "dot"
    if fmt in ("dot", "gv"):
        target.write_text(text, encoding="utf-8")
        return
    dot = shutil.which("dot")
    if dot is None:
        target.write_text(text, encoding="utf-8")
        session.messages.info(f"graphviz is not installed: wrote the dot text to {target}")
        return
    proc = subprocess.run([dot, f"-T{fmt}", "-o", str(target)], input=text.encode(),
                          capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise CommandError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
