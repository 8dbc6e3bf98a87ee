"""The typed CIB model: the configuration section of a Pacemaker CIB as plain dataclasses.

The model mirrors the XML element for element, because the XML is what Pacemaker validates and
what every other tool reads: a primitive holds its attribute sets and operations in the order the
XML has them, a group holds its primitives, a clone its one child.  Nothing here does I/O or
knows about text; :mod:`hacrm.cib.xmlio` converts to and from XML, :mod:`hacrm.language.build`
builds elements from crm text and :mod:`hacrm.language.render` prints them back.

Elements the model does not interpret (a newer schema's additions, a pcs extension) are kept as
:class:`Raw` XML so that reading and writing a CIB never drops anything.  Attributes the model has
no field for are kept in ``extra`` dictionaries for the same reason.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Union

_MISSING = object()


class _Field:
    """A field's default: a value, or a factory called for every new element."""

    __slots__ = ("default", "default_factory")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None) -> None:
        self.default = default
        self.default_factory = default_factory


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
          repr: bool = True, compare: bool = True) -> Any:  # noqa: A002 - dataclasses' names
    """A default for a model field, spelled as :func:`dataclasses.field` spells it."""
    return _Field(default, default_factory)


def _repr(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__fields__)
    return f"{type(self).__name__}({inner})"


def _element(cls: type) -> type:
    """A model class: fields from its annotations, compared by identity, one shared repr.

    Elements are edited in place and found by identity (a group's member, the constraint being
    rewritten); equal content is compared through the XML, never with ``==``.  The ``__init__``
    methods are not made here one class at a time (as :func:`dataclasses.dataclass` would,
    which costs every ``crm`` command a third of its start-up) but all at once by
    :func:`_make_inits` at the end of the module.
    """
    spec: list[tuple[str, Any]] = []
    for name in cls.__dict__.get("__annotations__", {}):
        default = cls.__dict__.get(name, _MISSING)
        if isinstance(default, _Field):
            default = default.default if default.default_factory is None else default
            if default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, default)  # type: ignore[arg-type]
        spec.append((name, default))
    cls.__fields__ = tuple(name for name, _ in spec)  # type: ignore[attr-defined]
    cls.__field_spec__ = tuple(spec)  # type: ignore[attr-defined]
    cls.__repr__ = _repr  # type: ignore[assignment]
    return cls


def _make_inits(namespace: dict[str, Any]) -> None:
    """Give every model class in ``namespace`` its keyword ``__init__``, compiled in one go."""
    source: list[str] = []
    env: dict[str, Any] = {"_MISSING": _MISSING}
    classes = [c for c in namespace.values() if isinstance(c, type) and "__field_spec__" in
               c.__dict__]
    for cls in classes:
        params, body = [], []
        for name, default in cls.__field_spec__:
            key = f"_{cls.__name__}_{name}"
            if default is _MISSING:
                params.append(name)
                body.append(f"    self.{name} = {name}")
            elif isinstance(default, _Field):
                env[key] = default.default_factory
                params.append(f"{name}=_MISSING")
                body.append(f"    self.{name} = {key}() if {name} is _MISSING else {name}")
            else:
                env[key] = default
                params.append(f"{name}={key}")
                body.append(f"    self.{name} = {name}")
        source.append(f"def {cls.__name__}(self, {', '.join(params)}):\n"
                      + ("\n".join(body) or "    pass"))
    exec("\n".join(source), env)  # noqa: S102 - our own generated code, nothing from input
    for cls in classes:
        init = env[cls.__name__]
        init.__name__, init.__qualname__ = "__init__", f"{cls.__name__}.__init__"
        cls.__init__ = init  # type: ignore[misc]


@_element
class Raw:
    """An XML element kept verbatim (its serialised text) because the model does not interpret it."""

    xml: str
    tag: str = ""


# ---------------------------------------------------------------- attribute sets and rules


@_element
class NvPair:
    """``<nvpair>``: a name with an optional value, or a reference to another nvpair."""

    name: str | None = None
    value: str | None = None
    id: str | None = None
    id_ref: str | None = None
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Expression:
    """``<expression>``: ``attribute op value`` or ``defined attribute``."""

    attribute: str
    operation: str
    value: str | None = None
    type: str | None = None
    value_source: str | None = None
    id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class DateSpec:
    """``<date_spec>`` or ``<duration>`` under a date expression: calendar fields as attributes."""

    tag: str  # "date_spec" or "duration"
    attrs: dict[str, str] = field(default_factory=dict)
    id: str | None = None
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class DateExpression:
    """``<date_expression>``: ``lt``/``gt`` a date, ``in_range`` start/end/duration, ``date_spec``."""

    operation: str
    start: str | None = None
    end: str | None = None
    spec: DateSpec | None = None
    id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


RuleItem = Union[Expression, DateExpression, "Rule", Raw]


@_element
class Rule:
    """``<rule>``: expressions joined by one boolean operator, with a score or score-attribute."""

    id: str | None = None
    id_ref: str | None = None
    role: str | None = None
    score: str | None = None
    score_attribute: str | None = None
    boolean_op: str | None = None
    items: list[RuleItem] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class AttrSet:
    """An attribute set: instance_attributes, meta_attributes, utilization, cluster_property_set.

    ``items`` keeps rules and nvpairs in document order (crmsh writes rules first).
    """

    tag: str
    id: str | None = None
    id_ref: str | None = None
    score: str | None = None
    items: list[Rule | NvPair | Raw] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def rules(self) -> list[Rule]:
        return [i for i in self.items if isinstance(i, Rule)]

    @property
    def nvpairs(self) -> list[NvPair]:
        return [i for i in self.items if isinstance(i, NvPair)]

    def get(self, name: str) -> str | None:
        """The value of the first nvpair called ``name`` (None when absent or valueless)."""
        for nv in self.nvpairs:
            if nv.name == name:
                return nv.value
        return None


# ---------------------------------------------------------------- operations and resources


@_element
class Op:
    """``<op>``: a resource operation.

    ``attrs`` holds every XML attribute but ``id`` and ``name`` in document order, because the
    crm text lists them in that order (``op monitor interval=10 timeout=20``).
    """

    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    id: str | None = None
    id_ref: str | None = None
    sets: list[AttrSet | Raw] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def interval(self) -> str | None:
        return self.attrs.get("interval")


@_element
class Operations:
    """``<operations>``: the op list of a primitive or template, possibly a reference."""

    id: str | None = None
    id_ref: str | None = None
    ops: list[Op | Raw] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Primitive:
    """``<primitive>`` (or ``<template>`` when ``is_template``): a single resource."""

    id: str
    cls: str | None = None
    provider: str | None = None
    type: str | None = None
    template: str | None = None
    description: str | None = None
    children: list[AttrSet | Operations | Raw] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    is_template: bool = False
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def sets(self) -> list[AttrSet]:
        return [c for c in self.children if isinstance(c, AttrSet)]

    @property
    def operations(self) -> Operations | None:
        for c in self.children:
            if isinstance(c, Operations):
                return c
        return None

    def agent(self) -> str:
        """``class[:provider]:type`` as Pacemaker spells it."""
        parts = [p for p in (self.cls, self.provider, self.type) if p]
        return ":".join(parts)


@_element
class Group:
    """``<group>``: primitives started in order and kept together."""

    id: str
    description: str | None = None
    sets: list[AttrSet | Raw] = field(default_factory=list)
    members: list[Primitive] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Clone:
    """``<clone>`` or (``tag == "master"``) the older ``<master>`` promotable clone."""

    id: str
    tag: str = "clone"
    description: str | None = None
    sets: list[AttrSet | Raw] = field(default_factory=list)
    child: Primitive | Group | None = None
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def meta(self, name: str) -> str | None:
        for s in self.sets:
            if isinstance(s, AttrSet) and s.tag == "meta_attributes":
                value = s.get(name)
                if value is not None:
                    return value
        return None


@_element
class BundlePart:
    """A part of a bundle (docker, rkt, network, storage) with its attributes and sub-elements."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@_element
class Bundle:
    """``<bundle>``: a containerised resource.

    ``parts`` keeps the children in document order, the bundled primitive among them.
    """

    id: str
    description: str | None = None
    parts: list[BundlePart | AttrSet | Primitive | Raw] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def primitive(self) -> Primitive | None:
        for p in self.parts:
            if isinstance(p, Primitive):
                return p
        return None

    @primitive.setter
    def primitive(self, value: Primitive | None) -> None:
        self.parts = [p for p in self.parts if not isinstance(p, Primitive)]
        if value is not None:
            self.parts.append(value)


Resource = Union[Primitive, Group, Clone, Bundle]

# ---------------------------------------------------------------- constraints


@_element
class ResourceSet:
    """``<resource_set>``: resources referenced together by a constraint."""

    id: str | None = None
    id_ref: str | None = None
    sequential: str | None = None
    require_all: str | None = None
    role: str | None = None
    action: str | None = None
    refs: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Location:
    """``<rsc_location>``: node preference of a resource, by score and node or by rules."""

    id: str
    rsc: str | None = None
    rsc_pattern: str | None = None
    sets: list[ResourceSet] = field(default_factory=list)
    role: str | None = None
    resource_discovery: str | None = None
    score: str | None = None
    score_attribute: str | None = None
    node: str | None = None
    rules: list[Rule | Raw] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Colocation:
    """``<rsc_colocation>``: place ``rsc`` relative to ``with_rsc`` (or resource sets)."""

    id: str
    score: str | None = None
    score_attribute: str | None = None
    rsc: str | None = None
    with_rsc: str | None = None
    rsc_role: str | None = None
    with_rsc_role: str | None = None
    rsc_instance: str | None = None
    with_rsc_instance: str | None = None
    node_attribute: str | None = None
    sets: list[ResourceSet] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Order:
    """``<rsc_order>``: start ``then`` after ``first`` (or resource sets in sequence)."""

    id: str
    kind: str | None = None
    score: str | None = None
    first: str | None = None
    then: str | None = None
    first_action: str | None = None
    then_action: str | None = None
    first_instance: str | None = None
    then_instance: str | None = None
    symmetrical: str | None = None
    sets: list[ResourceSet] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Ticket:
    """``<rsc_ticket>``: resources that may run only while a ticket is granted."""

    id: str
    ticket: str = ""
    rsc: str | None = None
    rsc_role: str | None = None
    loss_policy: str | None = None
    sets: list[ResourceSet] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


Constraint = Union[Location, Colocation, Order, Ticket]

# ---------------------------------------------------------------- nodes, options, the rest


@_element
class Node:
    """``<node>``: a cluster node with its permanent attributes and utilization."""

    id: str
    uname: str
    type: str | None = None
    description: str | None = None
    sets: list[AttrSet | Raw] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class NvSet:
    """A cluster option set: ``property`` (cluster_property_set), ``rsc_defaults`` or
    ``op_defaults`` (a meta_attributes set inside those sections)."""

    kind: str  # "property", "rsc_defaults", "op_defaults"
    attrs: AttrSet
    comments: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.attrs.id or ""


@_element
class FencingLevel:
    """``<fencing-level>``: devices tried, in index order, to fence a target."""

    index: str
    devices: str
    target: str | None = None
    target_pattern: str | None = None
    target_attribute: str | None = None
    target_value: str | None = None
    id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class FencingTopology:
    """``<fencing-topology>``: all fencing levels (there is one such element)."""

    levels: list[FencingLevel] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    id = "fencing_topology"


@_element
class Tag:
    """``<tag>``: a name for a list of resources (or other elements)."""

    id: str
    refs: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class AclPermission:
    """``<acl_permission>``: read/write/deny on an xpath, an id reference or an element type."""

    kind: str
    id: str | None = None
    description: str | None = None
    xpath: str | None = None
    reference: str | None = None
    object_type: str | None = None
    attribute: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class AclRole:
    """``<acl_role>``: a named list of permissions."""

    id: str
    description: str | None = None
    permissions: list[AclPermission | Raw] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class AclRight:
    """A pre-2.0 ACL rule (``<read>``, ``<write>``, ``<deny>``) inside an ``<acl_user>``."""

    kind: str
    attrs: dict[str, str] = field(default_factory=dict)


@_element
class AclUser:
    """``<acl_user>`` (pre-2.0 ACLs): role references and inline rules."""

    id: str
    items: list[str | AclRight] = field(default_factory=list)  # str: a role_ref id
    comments: list[str] = field(default_factory=list)


@_element
class AclTarget:
    """``<acl_target>`` (a user) or, with ``tag == "acl_group"``, ``<acl_group>``: roles granted."""

    id: str
    tag: str = "acl_target"
    roles: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class Recipient:
    """``<recipient>`` of an alert."""

    value: str
    id: str | None = None
    description: str | None = None
    sets: list[AttrSet | Raw] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class SelectAttribute:
    """``<attribute>`` under ``<select_attributes>``: a node attribute whose changes alert."""

    name: str
    id: str | None = None
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@_element
class AlertSelect:
    """``<select>`` of an alert: which event kinds (and attributes) are sent."""

    kinds: list[str] = field(default_factory=list)  # nodes, fencing, resources, attributes
    attributes: list[SelectAttribute] = field(default_factory=list)


@_element
class Alert:
    """``<alert>``: an agent called on cluster events, with its recipients."""

    id: str
    path: str
    description: str | None = None
    children: list[AttrSet | AlertSelect | Recipient | Raw] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    # the attribute order of the XML element this was read from (kept when writing it back)
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)


Element = Union[
    Node, Primitive, Group, Clone, Bundle, Location, Colocation, Order, Ticket, NvSet,
    FencingTopology, Tag, AclRole, AclUser, AclTarget, Alert,
]

# The sections of <configuration>, in the order Pacemaker's schema lists them.
SECTIONS = (
    "crm_config", "nodes", "resources", "constraints", "fencing-topology",
    "op_defaults", "rsc_defaults", "acls", "tags", "alerts",
)


@_element
class Configuration:
    """The ``<configuration>`` section: every element, grouped as the XML groups them.

    ``section_order`` remembers the order in which the sections appear in the XML (crmsh and
    Pacemaker append a section when it is first needed), so that writing keeps that order.
    """

    crm_config: list[NvSet | Raw] = field(default_factory=list)
    nodes: list[Node | Raw] = field(default_factory=list)
    resources: list[Resource | Raw] = field(default_factory=list)
    constraints: list[Constraint | Raw] = field(default_factory=list)
    fencing_topology: FencingTopology | None = None
    op_defaults: list[NvSet | Raw] = field(default_factory=list)
    rsc_defaults: list[NvSet | Raw] = field(default_factory=list)
    acls: list[AclRole | AclUser | AclTarget | Raw] = field(default_factory=list)
    tags: list[Tag | Raw] = field(default_factory=list)
    alerts: list[Alert | Raw] = field(default_factory=list)
    extra: list[Raw] = field(default_factory=list)
    section_order: list[str] = field(default_factory=list)

    def touch(self, section: str) -> None:
        """Note that ``section`` exists (appending it to the XML order when it is new)."""
        if section not in self.section_order:
            self.section_order.append(section)

    def top_resources(self) -> Iterator[Resource]:
        for r in self.resources:
            if not isinstance(r, Raw):
                yield r


def walk_resources(resources: list[Resource | Raw]) -> Iterator[Resource]:
    """Every resource, containers before their children (depth first, document order)."""
    for r in resources:
        if isinstance(r, Raw):
            continue
        yield r
        if isinstance(r, Group):
            yield from r.members
        elif isinstance(r, Clone) and r.child is not None:
            yield from walk_resources([r.child])
        elif isinstance(r, Bundle) and r.primitive is not None:
            yield r.primitive


_make_inits(globals())
