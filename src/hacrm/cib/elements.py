"""What every editing module needs to know about an element: its key, its kind, its
resources, and how to report a problem with the line that defined it."""

from __future__ import annotations

from typing import Any, Iterator

from hacrm.cib import model as m
from hacrm.diagnostics import ConfigureError, Diagnostic
from hacrm.language.vocabulary import Definition


def object_key(obj: Any) -> tuple[str, bool]:
    """How an element is known: its id, and whether it is a node (nodes have their own
    id space)."""
    if isinstance(obj, m.FencingTopology):
        return "fencing_topology", False
    if isinstance(obj, m.NvSet):
        return obj.attrs.id or "", False
    return obj.id, isinstance(obj, m.Node)


def kind_of(obj: Any) -> str:
    """The crm element name of a model object (primitive, ms, location, property...)."""
    if isinstance(obj, m.Primitive):
        return "rsc_template" if obj.is_template else "primitive"
    if isinstance(obj, m.Group):
        return "group"
    if isinstance(obj, m.Clone):
        return "ms" if obj.tag == "master" else "clone"
    if isinstance(obj, m.Bundle):
        return "bundle"
    if isinstance(obj, m.Location):
        return "location"
    if isinstance(obj, m.Colocation):
        return "colocation"
    if isinstance(obj, m.Order):
        return "order"
    if isinstance(obj, m.Ticket):
        return "rsc_ticket"
    if isinstance(obj, m.Node):
        return "node"
    if isinstance(obj, m.NvSet):
        return obj.kind
    if isinstance(obj, m.FencingTopology):
        return "fencing_topology"
    if isinstance(obj, m.Tag):
        return "tag"
    if isinstance(obj, m.AclRole):
        return "role"
    if isinstance(obj, m.AclUser):
        return "user"
    if isinstance(obj, m.AclTarget):
        return obj.tag
    if isinstance(obj, m.Alert):
        return "alert"
    return "xml"


def option_values(editor: Any, kind: str, name: str) -> list[str | None]:
    """The values ``name`` has in the cluster option sets of ``kind`` (``property``,
    ``rsc_defaults``, ``op_defaults``), in the order the sets are defined."""
    return [nv.value for o in editor.objects() if isinstance(o, m.NvSet) and o.kind == kind
            for nv in o.attrs.nvpairs if nv.name == name]


def located(severity: str, message: str, definition: Definition | None) -> Diagnostic:
    """A diagnostic at the line that defined the element (unlocated without one)."""
    if definition is not None and definition.line.source:
        return Diagnostic(severity, message, definition.line.source,  # type: ignore[arg-type]
                          definition.line.line, 1)
    return Diagnostic(severity, message)  # type: ignore[arg-type]


def _err(message: str, definition: Definition | None = None, hint: str | None = None) -> ConfigureError:
    if definition is not None:
        return ConfigureError([Diagnostic("error", message, definition.line.source,
                                          definition.line.line, 1, hint)])
    return ConfigureError([Diagnostic("error", message, hint=hint)])


def _child_resources(obj: Any) -> Iterator[Any]:
    if isinstance(obj, m.Group):
        yield from obj.members
    elif isinstance(obj, m.Clone) and obj.child is not None:
        yield obj.child
    elif isinstance(obj, m.Bundle) and obj.primitive is not None:
        yield obj.primitive


def _nested_resources(obj: Any) -> Iterator[Any]:
    for child in _child_resources(obj):
        yield child
        yield from _nested_resources(child)


def _top_of(cfg: m.Configuration) -> Iterator[Any]:
    for group in (cfg.crm_config, cfg.nodes, cfg.resources, cfg.constraints,
                  cfg.rsc_defaults, cfg.op_defaults, cfg.acls, cfg.tags, cfg.alerts):
        for obj in group:
            if not isinstance(obj, m.Raw):
                yield obj
    if cfg.fencing_topology is not None:
        yield cfg.fencing_topology
