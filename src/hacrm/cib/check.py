"""Semantic checks of a configuration, with crmsh's meaning, plus the schema's verdict.

Two kinds of findings: errors that would make Pacemaker refuse the CIB (anything
:mod:`hacrm.cib.schema` finds: a constraint naming a resource that does not exist, a
deprecated cluster option, a bad enumeration value, a duplicate id; these are prefixed
``schema:`` and always stop a commit, forced or not) and warnings about things that are legal
but probably wrong (an unknown meta attribute, a location for a node that is not configured, a
colocation with a grouped resource), worded as crmsh words them.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from hacrm.cib import model as m
from hacrm.cib.agentcheck import AgentChecker, resolve
from hacrm.cib.elements import option_values
from hacrm.cib.schema import schema_problems
from hacrm.cib.xmlio import write_configuration
from hacrm.diagnostics import Diagnostic

# The meta attributes crmsh 4.4.1 knows (its warnings are the reference): for every resource,
# and the extra ones of groups, clones and ms resources.
RSC_META = (
    "allow-migrate", "maintenance", "is-managed", "interval-origin", "migration-threshold",
    "priority", "multiple-active", "failure-timeout", "resource-stickiness", "target-role",
    "restart-type", "description", "remote-node", "requires", "provides", "remote-port",
    "remote-addr", "remote-connect-timeout",
)
COMMON_META = ("priority", "target-role", "is-managed")
GROUP_META = COMMON_META + ("container",)
CLONE_META = COMMON_META + ("ordered", "notify", "interleave", "globally-unique", "clone-max",
                            "clone-node-max", "clone-state", "description", "clone-min",
                            "promotable", "promoted-max", "promoted-node-max")
MS_META = COMMON_META + ("clone-max", "clone-node-max", "notify", "globally-unique", "ordered",
                         "interleave", "master-max", "master-node-max", "description")
# Cluster options (Pacemaker 2.1 metadata of the controller, scheduler and fencer).
CLUSTER_PROPERTIES = (
    "dc-version", "cluster-infrastructure", "cluster-name", "last-lrm-refresh",
    "no-quorum-policy", "symmetric-cluster", "maintenance-mode", "start-failure-is-fatal",
    "enable-startup-probes", "shutdown-lock", "shutdown-lock-limit", "stonith-enabled",
    "stonith-action", "stonith-timeout", "have-watchdog", "concurrent-fencing",
    "startup-fencing", "priority-fencing-delay", "node-pending-timeout", "cluster-delay",
    "batch-limit", "migration-limit", "stop-all-resources", "stop-orphan-resources",
    "stop-orphan-actions", "remove-after-stop", "pe-error-series-max", "pe-warn-series-max",
    "pe-input-series-max", "node-health-strategy", "node-health-base", "node-health-green",
    "node-health-yellow", "node-health-red", "placement-strategy", "dc-deadtime",
    "cluster-recheck-interval", "load-threshold", "node-action-limit", "election-timeout",
    "shutdown-escalation", "join-integration-timeout", "join-finalization-timeout",
    "transition-delay", "stonith-watchdog-timeout", "stonith-max-attempts", "fence-reaction",
    "no-quorum-policy", "enable-acl", "cluster-ipc-limit", "default-resource-stickiness",
    "is-managed-default", "default-action-timeout", "crmd-transition-delay",
    "expected-quorum-votes", "crmd-integration-timeout", "crmd-finalization-timeout",
    "stonith-watchdog-timeout", "pe-error-series-max",
)
OP_DEFAULTS = ("id", "name", "interval", "description", "start-delay", "interval-origin",
               "timeout", "enabled", "record-pending", "role", "on-fail")


def _referenced(c: Any) -> list[str]:
    from hacrm.cib.constraint_refs import referenced as refs

    return refs(c)


def schema_diagnostics(conf: etree._Element, schema: str,
                       origins: dict[tuple[str, bool], tuple[str, int]] | None = None
                       ) -> list[Diagnostic]:
    """Pacemaker's schema rules broken by a ``<configuration>`` element, as errors; located
    at the line that defined the element when ``origins`` knows it."""
    out = []
    for problem in schema_problems(conf, schema):
        where = (origins or {}).get(problem.element) if problem.element else None
        if where is not None:
            out.append(Diagnostic("error", f"schema: {problem}", where[0], where[1], 1))
        else:
            out.append(Diagnostic("error", f"schema: {problem}"))
    return out


def check_configuration(editor: Any, schema: str = "pacemaker-3.9",
                        conf: etree._Element | None = None) -> list[Diagnostic]:
    """All findings for the configuration held by an :class:`~hacrm.cib.edit.Editor`: crmsh's
    warnings first, then the schema errors of ``conf`` (its XML; written when not given)."""
    out = semantic_warnings(editor)
    if conf is None:
        conf = write_configuration(editor.cfg)
    return out + schema_diagnostics(conf, schema, editor.origins)


_FALSE = ("false", "off", "no", "n", "0")


def fencing_problems(editor: Any) -> list[Diagnostic]:
    """The error Pacemaker's own check (``crm_verify``) finds in most first configurations,
    which crmsh relays and refuses to commit: resources, fencing enabled (the default), and no
    fencing device, so the cluster would start none of them."""
    if "crm_config" not in editor.cfg.section_order and not any(
            isinstance(o, m.NvSet) and o.kind == "property" for o in editor.objects()):
        return []  # the cluster options are not readable here (an ACL): nothing to say
    primitives = [o for o in editor.objects() if isinstance(o, m.Primitive) and
                  not o.is_template]
    if not primitives or any((r := resolve(p, editor)) is not None and r.cls == "stonith"
                             for p in primitives):
        return []
    if any((v or "").lower() in _FALSE
           for v in option_values(editor, "property", "stonith-enabled")):
        return []
    return [Diagnostic(
        "error", "Resource start-up disabled since no STONITH resources have been defined",
        hint="configure a fencing device (primitive ... stonith:AGENT) or disable fencing "
             "with property stonith-enabled=false (clusters with shared data need fencing)")]


def semantic_warnings(editor: Any, only: set[tuple[str, bool]] | None = None,
                      agents: AgentChecker | None = None) -> list[Diagnostic]:
    """What crmsh's ``verify`` warns about (things Pacemaker accepts but that look wrong), for
    every element or ``only`` those with these keys (a commit checks what changed); with
    ``agents``, each resource is also checked against its agent's meta-data, in crmsh's
    order (parameter uniqueness first, then element by element)."""
    out: list[Diagnostic] = []
    if only is not None and not only:
        return out
    node_ids = {n.id.lower() for n in editor.cfg.nodes if isinstance(n, m.Node)} | \
               {n.uname.lower() for n in editor.cfg.nodes if isinstance(n, m.Node)}
    from hacrm.cib.edit import object_key

    objects = sorted((o for o in editor.objects() if only is None or object_key(o) in only),
                     key=lambda o: getattr(o, "id", "") or "")
    if agents is not None:
        out += agents.unique_clashes({o.id for o in objects if isinstance(o, m.Primitive)})
    for obj in objects:
        _element_warnings(editor, obj, node_ids, out)
        if agents is not None:
            out += agents.check(obj)
    return out


def _element_warnings(editor: Any, obj: Any, node_ids: set[str], out: list[Diagnostic]
                      ) -> None:
    """One element's findings, added to ``out``."""

    def warn(msg: str) -> None:
        out.append(Diagnostic("warning", msg))

    if isinstance(obj, (m.Location, m.Colocation, m.Order, m.Ticket)):
        for rsc in _referenced(obj):
            target = editor.find_resource(rsc)
            if target is None and editor.find(rsc) is None:
                warn(f"{obj.id}: resource {rsc} does not exist")
                continue
            parent = editor.parent_of(rsc)
            if parent is not None and isinstance(parent, m.Group) \
                    and isinstance(obj, m.Colocation):
                warn(f"{obj.id}: resource {rsc} is grouped, constraints should apply to "
                     f"the group")
            elif parent is not None and not isinstance(parent, m.Group):
                warn(f"{obj.id}: resource {rsc} ambiguous, apply constraints to container")
    if isinstance(obj, m.Location):
        if obj.node is not None and obj.node.lower() not in node_ids:
            warn(f"{obj.id}: referenced node {obj.node} does not exist")
        for r in obj.rules:
            if isinstance(r, m.Rule):
                for x in r.items:
                    if isinstance(x, m.Expression) and x.attribute == "#uname" \
                            and x.value and x.value.lower() not in node_ids:
                        warn(f"{obj.id}: referenced node {x.value} does not exist")
        if obj.rsc_pattern is not None:
            try:
                re.compile(obj.rsc_pattern)
            except re.error as err:
                warn(f"{obj.id}: '{obj.rsc_pattern}' may not be a valid regular "
                     f"expression ({err})")
    elif isinstance(obj, m.NvSet):
        known = {"property": CLUSTER_PROPERTIES, "rsc_defaults": RSC_META,
                 "op_defaults": OP_DEFAULTS}[obj.kind]
        if obj.kind == "property" and obj.attrs.id != "cib-bootstrap-options":
            return
        for nv in obj.attrs.nvpairs:
            if nv.name and nv.name not in known:
                warn(f"{obj.attrs.id}: unknown attribute '{nv.name}'")
    elif isinstance(obj, (m.Primitive, m.Group, m.Clone)):
        allowed = RSC_META
        if isinstance(obj, m.Group):
            allowed = RSC_META + GROUP_META
        elif isinstance(obj, m.Clone):
            allowed = RSC_META + CLONE_META + (MS_META if obj.tag == "master" else ())
        sets = obj.sets
        for s in sets:
            if isinstance(s, m.AttrSet) and s.tag == "meta_attributes":
                for nv in s.nvpairs:
                    if nv.name and nv.name not in allowed:
                        warn(f"{obj.id}: unknown attribute '{nv.name}'")
        if isinstance(obj, m.Primitive) and obj.template and \
                editor.find(obj.template) is None:
            out.append(Diagnostic("error", f"{obj.template}: no such resource template"))
    elif isinstance(obj, m.FencingTopology):
        for lv in obj.levels:
            if lv.target is not None and lv.target.lower() not in node_ids:
                warn(f"fencing_topology: target {lv.target} not a node")
        for lv in obj.levels:
            for dev in lv.devices.split(","):
                target = editor.find(dev)
                if target is None:
                    warn(f"fencing_topology: resource {dev} does not exist")
                elif not (isinstance(target, m.Primitive) and target.cls == "stonith"):
                    warn(f"fencing_topology: {dev} not a stonith resource")
