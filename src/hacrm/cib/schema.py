"""Does a CIB configuration follow Pacemaker's schema?  Our own checks, before a commit.

Pacemaker refuses a CIB that does not validate against the RelaxNG schema named by its
``validate-with`` attribute, and crmsh refuses to commit one.  hacrm never runs Pacemaker's
tools and does not ship their schema files, so this module states the same rules in Python, for
the ``pacemaker-3.x`` schemas (with the differences between 3.0 and 3.9 that matter): which
elements and attributes may appear where, the values of enumerated attributes, scores,
booleans and integers, how many of each child an element may have, that ids are well formed
and unique, and that every id reference points at an existing id.

It works on the XML (not on the model) so that it also judges elements the model keeps raw.
CIBs on older schemas (``pacemaker-1.x``, ``2.x``) get the id checks only.
"""

from __future__ import annotations

from lxml import etree

from hacrm.cib.schema_base import (  # noqa: F401 - re-exported
    SchemaProblem, _attrs, _children, _id, _idref, _nvset, _only, _Run, _top, schema_version,
)
from hacrm.cib.schema_elements import (
    _acls, _alerts, _CONSTRAINTS, _defaults, _fencing, _node, _RESOURCES, _tags,
)


def _section(run: _Run, sec: etree._Element) -> None:
    tag = sec.tag
    run.top = None
    if tag == "crm_config":
        _attrs(run, sec, {})
        for c in _only(run, sec, ("cluster_property_set",)):
            _top(run, c)
            _nvset(run, c, "crm_config")
    elif tag == "nodes":
        _attrs(run, sec, {})
        for c in _only(run, sec, ("node",)):
            _top(run, c)
            _node(run, c)
    elif tag == "resources":
        _attrs(run, sec, {})
        for c in _only(run, sec, tuple(_RESOURCES)):
            if c.tag in _RESOURCES:
                _top(run, c)
                _RESOURCES[str(c.tag)](run, c)
    elif tag == "constraints":
        _attrs(run, sec, {})
        for c in _only(run, sec, tuple(_CONSTRAINTS)):
            if c.tag in _CONSTRAINTS:
                _top(run, c)
                _CONSTRAINTS[str(c.tag)](run, c)
    elif tag == "fencing-topology":
        _top(run, sec)
        _fencing(run, sec)
    elif tag in ("rsc_defaults", "op_defaults"):
        _defaults(run, sec)
    elif tag == "acls":
        _acls(run, sec)
    elif tag == "tags":
        _tags(run, sec)
    elif tag == "alerts":
        _alerts(run, sec)
    else:
        run.problem(sec, "is not a section of the configuration")


def _collect_ids(run: _Run, conf: etree._Element) -> None:
    """The id checks alone, for schemas this module does not know in detail."""
    for e in conf.iter():
        if not isinstance(e.tag, str):
            continue
        ident = e.get("id")
        if ident is not None and e.tag not in ("node", "resource_ref", "obj_ref", "role",
                                               "acl_target", "role_ref"):
            _id(run, e, "id", ident)
        for name in ("id-ref", "rsc", "with-rsc", "first", "then", "template"):
            value = e.get(name)
            if value is not None and (name == "id-ref" or e.tag.startswith("rsc_")
                                      or name == "template"):
                _idref(run, e, name, value)
        if e.tag == "resource_ref" and ident is not None:
            _idref(run, e, "id", ident)


def schema_problems(conf: etree._Element, schema: str) -> list[SchemaProblem]:
    """Schema problems of a ``<configuration>`` element under ``validate-with=schema``, each
    naming the element it is in.  Empty when it validates."""
    version = schema_version(schema)
    run = _Run(version or (0, 0), full=version is not None and version >= (3, 0))
    if run.full:
        seen: set[str] = set()
        for sec in _children(conf):
            if sec.tag in seen:
                run.problem(sec, "appears twice in the configuration")
            seen.add(str(sec.tag))
            _section(run, sec)
        run.top = None
        for required in ("crm_config", "nodes", "resources", "constraints"):
            if required not in seen:
                run.problems.append(SchemaProblem(
                    f"configuration: the <{required}> section is missing"))
    else:
        _collect_ids(run, conf)
    for where, name, value, top in run.refs:
        if value not in run.ids:
            run.problems.append(SchemaProblem(
                f"{where}: {name}='{value}' refers to an id that does not exist", top))
    return run.problems


def validate_configuration(conf: etree._Element, schema: str) -> list[str]:
    """The messages of :func:`schema_problems` (``rsc_location l1: ...``)."""
    return [p.message for p in schema_problems(conf, schema)]
