"""Unpack stage, configuration half: cluster options, nodes, resources, templates and tags.

The status section (node states and resource history) is read by ``history``; constraints by
``constraints``.  The order of the steps is Pacemaker's (cluster_status), because later steps
read what earlier ones decided (the DC, quorum, fencing defaults).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from lxml import etree

from hacrm import xmlsafe

from . import history
from .cluster import CLUSTER_DEFAULTS, Cluster, is_true, node_name_key
from .intervals import parse_interval_ms
from .model import (INFINITY, Node, NodeScore, R_ALLOW_MIGRATE, R_CRITICAL, R_FENCE_DEVICE,
                    R_MAINTENANCE, R_MANAGED, R_NEEDS_FENCING, R_NEEDS_QUORUM,
                    R_NEEDS_UNFENCING, R_NOTIFY, R_ORPHAN, R_PROMOTABLE, R_PROVISIONAL,
                    R_RUNNABLE, R_UNIQUE, Recovery, Resource, Role, Variant, add_scores,
                    parse_score, text_to_role)
from .rules import RuleContext, parse_iso8601, unpack_nvpair_sets


class CibError(ValueError):
    """The input is not a CIB the scheduler can read."""


def parse_cib(text: str | bytes) -> Any:
    try:
        root = xmlsafe.parse(text, "the CIB", remove_blank_text=False, remove_comments=True)
    except xmlsafe.XmlRefused as exc:
        raise CibError(f"{exc} (expected a well-formed CIB)") from None
    if root.tag != "cib":
        raise CibError(f"the root element is <{root.tag}>, expected <cib>")
    return root


def section(cib: Any, *path: str) -> Any:
    node = cib
    for tag in path:
        if node is None:
            return None
        node = _child(node, tag)
    return node


def _child(xml: Any, tag: str) -> Any:
    for c in xml:
        if c.tag == tag:
            return c
    return None


class IdIndex:
    """Resolves id-ref attributes the way expand_idref does (any element with that id)."""

    def __init__(self, cib: Any) -> None:
        self.by_id: dict[str, Any] = {}
        for el in cib.iter():
            if isinstance(el.tag, str):
                i = el.get("id")
                if i is not None and i not in self.by_id:
                    self.by_id[i] = el

    def resolve(self, el: Any) -> Any:
        ref = el.get("id-ref")
        if ref is None:
            return el
        return self.by_id.get(ref)


def unpack_cluster(cib: Any, now: datetime | None) -> Cluster:
    """cluster_status(): the whole unpack stage."""
    cl = Cluster(cib=cib)
    cl.ids = IdIndex(cib)  # type: ignore[attr-defined]
    if now is None:
        ed = cib.get("execution-date")
        if ed is not None:
            try:
                from datetime import timezone
                now = datetime.fromtimestamp(int(ed), timezone.utc)
            except ValueError:
                now = None
    cl.now = now
    cl.have_quorum = is_true(cib.get("have-quorum"))
    cl.dc_uuid = cib.get("dc-uuid")
    config = section(cib, "configuration")
    if config is None:
        raise CibError("the CIB has no <configuration> section")
    cl.rsc_defaults = section(config, "rsc_defaults")
    cl.op_defaults = section(config, "op_defaults")
    unpack_config(cl, section(config, "crm_config"))
    unpack_nodes(cl, section(config, "nodes"))
    unpack_resources(cl, section(config, "resources"))
    unpack_tags(cl, section(config, "tags"))
    status = section(cib, "status")
    history.unpack_status(cl, status)
    return cl


def unpack_config(cl: Cluster, crm_config: Any) -> None:
    ctx = RuleContext(now=cl.now)
    cfg: dict[str, str] = {}
    unpack_nvpair_sets(crm_config, "cluster_property_set", ctx, cfg, resolve=cl.ids.resolve,
                       always_first="cib-bootstrap-options")
    cl.config = cfg

    def opt(name: str) -> str:
        return cfg.get(name, CLUSTER_DEFAULTS.get(name, ""))
    cl.startup_probes = is_true(opt("enable-startup-probes"))
    if is_true(opt("have-watchdog")):
        cl.have_stonith_resource = True
    cl.enable_unfencing = _unfencing_configured(cl.cib)
    cl.stonith_enabled = is_true(opt("stonith-enabled"))
    cl.stonith_action = opt("stonith-action")
    if cl.stonith_action == "poweroff":
        cl.stonith_action = "off"
    cl.concurrent_fencing = is_true(opt("concurrent-fencing"))
    cl.priority_fencing_delay = parse_interval_ms(opt("priority-fencing-delay")) // 1000
    cl.stop_everything = is_true(opt("stop-all-resources"))
    cl.symmetric = is_true(opt("symmetric-cluster"))
    nqp = opt("no-quorum-policy").lower()
    if nqp in ("ignore", "freeze", "demote"):
        cl.no_quorum_policy = nqp
    elif nqp == "suicide":
        if cl.stonith_enabled and (cl.have_quorum or
                                   (cl.cib.get("no-quorum-panic") or "0") not in ("0", "")):
            cl.no_quorum_policy = "suicide"
        else:
            cl.no_quorum_policy = "stop"
    else:
        cl.no_quorum_policy = "stop"
    cl.stop_orphans = is_true(opt("stop-orphan-resources"))
    cl.stop_action_orphans = is_true(opt("stop-orphan-actions"))
    cl.remove_after_stop = is_true(opt("remove-after-stop"))
    cl.maintenance_mode = is_true(opt("maintenance-mode"))
    cl.start_failure_fatal = is_true(opt("start-failure-is-fatal"))
    cl.startup_fencing = cl.stonith_enabled and is_true(opt("startup-fencing"))
    cl.placement_strategy = opt("placement-strategy").lower()
    cl.shutdown_lock = is_true(opt("shutdown-lock"))
    if cl.shutdown_lock:
        cl.shutdown_lock_limit = parse_interval_ms(opt("shutdown-lock-limit")) // 1000


def _unfencing_configured(cib: Any) -> bool:
    for path in ("configuration/resources//meta_attributes/nvpair",
                 "configuration/rsc_defaults/meta_attributes/nvpair"):
        for nv in cib.iterfind(path):
            if nv.get("name") in ("provides", "requires") and nv.get("value") == "unfencing":
                return True
    return False


def unpack_nodes(cl: Cluster, nodes_xml: Any) -> None:
    if nodes_xml is None:
        return
    for x in nodes_xml:
        if x.tag != "node":
            continue
        nid = x.get("id")
        if nid is None:
            continue
        node = create_node(cl, nid, x.get("uname"), x.get("type"), x.get("score"))
        handle_startup_fencing(cl, node)
        add_node_attrs(cl, x, node, False)
        unpack_nvpair_sets(x, "utilization", RuleContext(now=cl.now), node.utilization,
                           resolve=cl.ids.resolve)


def create_node(cl: Cluster, nid: str, uname: str | None, ntype: str | None,
                score: str | None) -> Node:
    t = (ntype or "member").lower()
    if t not in ("member", "remote"):
        t = "ping"
    node = Node(id=nid, uname=uname or nid, type=t, weight=parse_score(score))
    if t == "remote":
        cl.have_remote_nodes = True
    node.attrs["#kind"] = "remote" if t == "remote" else "cluster"
    cl.nodes.append(node)
    cl.nodes.sort(key=node_name_key)
    return node


def handle_startup_fencing(cl: Cluster, node: Node) -> None:
    if node.type == "remote" and node.remote_rsc is None:
        return
    node.unclean = cl.startup_fencing
    node.unseen = True


def add_node_attrs(cl: Cluster, xml: Any, node: Node, overwrite: bool) -> None:
    node.attrs["#uname"] = node.uname
    node.attrs["#id"] = node.id
    if cl.dc_uuid is not None and node.id == cl.dc_uuid:
        cl.dc_node = node
        node.is_dc = True
        node.attrs["#is_dc"] = "true"
    else:
        node.attrs["#is_dc"] = "false"
    cname = cl.config.get("cluster-name")
    if cname:
        node.attrs["#cluster-name"] = cname
    if xml is not None:
        unpack_nvpair_sets(xml, "instance_attributes", RuleContext(now=cl.now), node.attrs,
                           overwrite=overwrite, resolve=cl.ids.resolve)
    if "#site-name" not in node.attrs:
        site = node.attrs.get("site-name")
        if site:
            node.attrs["#site-name"] = site
        elif cname:
            node.attrs["#site-name"] = cname


# --- resources ------------------------------------------------------------------------------

def unpack_resources(cl: Cluster, resources_xml: Any) -> None:
    if resources_xml is None:
        return
    for x in resources_xml:
        if x.tag == "template":
            if x.get("id"):
                cl.templates[x.get("id")] = x
    # Remote and guest nodes are created before resources are unpacked
    unpack_remote_nodes(cl, resources_xml)
    for x in resources_xml:
        if not isinstance(x.tag, str) or x.tag == "template":
            continue
        if x.tag not in ("primitive", "group", "clone", "master", "bundle"):
            continue
        rsc = unpack_resource(cl, x, None)
        if rsc is None:
            continue
        cl.resources.append(rsc)
        if rsc.variant == Variant.BUNDLE:
            pass
    for r in cl.all_resources():
        cl.rsc_by_id.setdefault(r.id, r)
    _link_containers(cl)
    # pe__cmp_rsc_priority: higher priority first, otherwise configuration order (stable)
    cl.resources.sort(key=lambda r: -r.priority)
    if cl.stonith_enabled and not cl.have_stonith_resource:
        cl.warnings.append("Resource start-up disabled since no STONITH resources have been defined")


def _remote_meta(xml: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for ms in xml.iterfind("meta_attributes"):
        for nv in ms.iterfind("nvpair"):
            if nv.get("name") and nv.get("value") is not None:
                out.setdefault(nv.get("name"), nv.get("value"))
    return out


def _is_remote_primitive(x: Any) -> bool:
    """xml_contains_remote_node: an ocf:pacemaker:remote primitive."""
    return x.tag == "primitive" and x.get("class") == "ocf" \
        and x.get("provider") == "pacemaker" and x.get("type") == "remote"


def _expand_guest(cl: Cluster, x: Any, resources_xml: Any) -> str | None:
    """expand_remote_rsc_meta: a resource with meta remote-node gets an implicit
    ocf:pacemaker:remote connection resource (appended to the resources section)."""
    from lxml import etree
    values: dict[str, str] = {}
    for ms in x:
        if ms.tag != "meta_attributes":
            continue
        for nv in ms:
            if nv.tag == "nvpair" and nv.get("name") is not None:
                values[nv.get("name").lower()] = nv.get("value")
    name = values.get("remote-node")
    if name is None:
        return None
    for existing in resources_xml:
        if existing.get("id") == name:
            return name if _is_remote_primitive(existing) else None
    rsc = etree.SubElement(resources_xml, "primitive", id=name, **{"class": "ocf"},
                           provider="pacemaker", type="remote")
    meta = etree.SubElement(rsc, "meta_attributes", id=f"{name}-meta_attributes")
    entries = [("internal_rsc", "true"), ("container", x.get("id"))]
    if values.get("remote-allow-migrate") is not None:
        entries.append(("allow-migrate", values["remote-allow-migrate"]))
    if values.get("is-managed") is not None:
        entries.append(("is-managed", values["is-managed"]))
    for k, v in entries:
        etree.SubElement(meta, "nvpair", id=f"{name}-meta_attributes-{k}", name=k, value=v)
    server, port = values.get("remote-addr"), values.get("remote-port")
    if server or port:
        ia = etree.SubElement(rsc, "instance_attributes", id=f"{name}-instance_attributes")
        if server:
            etree.SubElement(ia, "nvpair", id=f"{name}-instance_attributes-addr", name="addr",
                             value=server)
        if port:
            etree.SubElement(ia, "nvpair", id=f"{name}-instance_attributes-port", name="port",
                             value=port)
    ops = etree.SubElement(rsc, "operations")
    etree.SubElement(ops, "op", id=f"{name}-monitor-interval-30s", name="monitor",
                     interval="30s", timeout="30s")
    etree.SubElement(ops, "op", id=f"{name}-start-interval-0", name="start", interval="0",
                     timeout=values.get("remote-connect-timeout", "60s"))
    cl.implicit_xml.append(rsc)  # type: ignore[attr-defined]
    return name


def unpack_remote_nodes(cl: Cluster, resources_xml: Any) -> None:
    """Create nodes for ocf:pacemaker:remote connections and guest (remote-node) resources."""
    cl.implicit_xml = []  # type: ignore[attr-defined]
    for x in list(resources_xml):
        if not isinstance(x.tag, str):
            continue
        if _is_remote_primitive(x):
            rid = x.get("id")
            if rid and cl.find_node(rid) is None:
                create_node(cl, rid, rid, "remote", None)
            continue
        if x.tag == "primitive":
            name = _expand_guest(cl, x, resources_xml)
            if name and cl.find_node(name) is None:
                create_node(cl, name, name, "remote", None)
        elif x.tag == "group":
            for c in list(x):
                if isinstance(c.tag, str):
                    name = _expand_guest(cl, c, resources_xml)
                    if name and cl.find_node(name) is None:
                        create_node(cl, name, name, "remote", None)


def _link_containers(cl: Cluster) -> None:
    """setup_container and link_rsc2remotenode."""
    for top in cl.resources:
        for r in top.walk():
            if r.children:
                continue
            cid = r.meta.get("container")
            if cid and cid != r.id:
                container = cl.find_resource(cid)
                if container is not None:
                    r.container = container
                    container.fillers.append(r)
    for r in cl.resources:
        if not r.is_remote_node:
            continue
        node = cl.find_node(r.id)
        if node is None:
            continue
        node.remote_rsc = r
        if r.container is None:
            handle_startup_fencing(cl, node)
        else:
            node.attrs["#kind"] = "container"


def _expand_template(cl: Cluster, xml: Any) -> Any:
    ref = xml.get("template")
    if ref is None or xml.tag != "primitive":
        return xml
    tmpl = cl.templates.get(ref)
    if tmpl is None:
        return xml
    new = copy.deepcopy(tmpl)
    new.tag = "primitive"
    for k, v in xml.attrib.items():
        if k != "template":
            new.set(k, v)
    if "template" in new.attrib:
        del new.attrib["template"]
    # child sets of the primitive come after the template's (ops are merged by name+role)
    tmpl_ops = _child(new, "operations")
    for c in xml:
        if not isinstance(c.tag, str):
            continue
        if c.tag == "operations" and tmpl_ops is not None:
            keep = []
            own_keys = set()
            for op in c:
                if isinstance(op.tag, str):
                    own_keys.add(_template_op_key(op))
            for op in tmpl_ops:
                if isinstance(op.tag, str) and _template_op_key(op) not in own_keys:
                    keep.append(copy.deepcopy(op))
            new_ops = copy.deepcopy(c)
            for op in keep:
                new_ops.append(op)
            new.replace(tmpl_ops, new_ops)
        else:
            new.append(copy.deepcopy(c))
    cl.template_members.setdefault(ref, []).append(xml.get("id"))
    return new


def _template_op_key(op: Any) -> str:
    role = op.get("role")
    if role is None or role.lower() in ("started", "unpromoted", "slave"):
        role = "Unknown"
    return f"{op.get('name')}-{role}"


def rsc_meta(cl: Cluster, rsc: Resource) -> dict[str, str]:
    """get_meta_attributes: XML attributes, meta sets, parents' sets, defaults, parent meta."""
    meta: dict[str, str] = {}
    for k, v in rsc.xml.attrib.items():
        meta.setdefault(k, v)
    ctx = RuleContext(now=cl.now, has_rsc=True, rsc_class=rsc.xml.get("class"),
                      rsc_provider=rsc.xml.get("provider"), rsc_type=rsc.xml.get("type"))
    unpack_nvpair_sets(rsc.xml, "meta_attributes", ctx, meta, resolve=cl.ids.resolve)
    if rsc.parent is not None:
        parent_sets: dict[str, str] = {}
        p = rsc.parent
        while p is not None:
            unpack_nvpair_sets(p.xml, "meta_attributes", ctx, parent_sets,
                               resolve=cl.ids.resolve)
            p = p.parent
        for k, v in parent_sets.items():
            meta.setdefault(k, v)
    if cl.rsc_defaults is not None:
        unpack_nvpair_sets(cl.rsc_defaults, "meta_attributes", ctx, meta, resolve=cl.ids.resolve)
    if rsc.parent is not None:
        for k, v in rsc.parent.meta.items():
            meta.setdefault(k, v)
    return meta


def unpack_resource(cl: Cluster, xml: Any, parent: Resource | None) -> Resource | None:
    rid = xml.get("id")
    if rid is None:
        return None
    xml = _expand_template(cl, xml)
    variant = {"primitive": Variant.PRIMITIVE, "group": Variant.GROUP, "clone": Variant.CLONE,
               "master": Variant.CLONE, "bundle": Variant.BUNDLE}.get(xml.tag)
    if variant is None:
        return None
    inc = xml.get("clone")  # XML_RSC_ATTR_INCARNATION attribute set on instance copies
    rsc = Resource(id=f"{rid}:{inc}" if inc is not None else rid, xml=xml, variant=variant,
                   parent=parent, cluster=cl)
    rsc.ops_xml = cl.ids.resolve(_child(xml, "operations")) if _child(xml, "operations") is not None else None
    rsc.agent_class = xml.get("class")
    rsc.agent_provider = xml.get("provider")
    rsc.agent_type = xml.get("type")
    rsc.meta = rsc_meta(cl, rsc)
    if inc is not None:
        rsc.meta["clone"] = inc
    rsc.flags = R_RUNNABLE | R_PROVISIONAL
    if not cl.maintenance_mode:
        rsc.set(R_MANAGED)
    rsc.role = Role.STOPPED
    rsc.next_role = Role.UNKNOWN
    m = rsc.meta
    rsc.priority = parse_score(m.get("priority"))
    if m.get("critical") is None or is_true(m.get("critical")):
        rsc.set(R_CRITICAL)
    if is_true(m.get("notify")):
        rsc.set(R_NOTIFY)
    remote_node = guest_node = False
    if variant == Variant.PRIMITIVE and _is_remote_primitive(xml):
        rsc.is_remote_node = True
        if m.get("container"):
            guest_node = True
        else:
            remote_node = True
    am = m.get("allow-migrate")
    if is_true(am) or (am is None and remote_node):
        rsc.set(R_ALLOW_MIGRATE)
    managed = m.get("is-managed")
    if managed is not None and managed != "default":
        if is_true(managed):
            rsc.set(R_MANAGED)
        else:
            rsc.clear(R_MANAGED)
    if is_true(m.get("maintenance")) or cl.maintenance_mode:
        rsc.clear(R_MANAGED)
        rsc.set(R_MAINTENANCE)
    top = rsc
    while top.parent is not None and top.parent.variant != Variant.BUNDLE:
        top = top.parent
    if top.variant == Variant.CLONE:
        if is_true(m.get("globally-unique")):
            rsc.set(R_UNIQUE)
        if is_true(m.get("promotable")) or (rsc.variant == Variant.CLONE and xml.tag == "master"):
            if rsc.variant == Variant.CLONE and xml.tag == "master":
                rsc.meta["promotable"] = "true"
            rsc.set(R_PROMOTABLE)
    else:
        rsc.set(R_UNIQUE)
    mult = (m.get("multiple-active") or "stop_start").lower()
    rsc.recovery_type = {"stop_only": Recovery.STOP_ONLY, "block": Recovery.BLOCK,
                         "stop_unexpected": Recovery.STOP_UNEXPECTED}.get(mult, Recovery.STOP_START)
    st = m.get("resource-stickiness")
    if st is not None and st != "default":
        rsc.stickiness = parse_score(st)
    thr = m.get("migration-threshold")
    if thr is not None and thr != "default":
        rsc.migration_threshold = parse_score(thr)
        if rsc.migration_threshold < 0:
            rsc.migration_threshold = 1
    if (xml.get("class") or "").lower() == "stonith":
        cl.have_stonith_resource = True
        rsc.set(R_FENCE_DEVICE)
    _unpack_requires(cl, rsc, m.get("requires"))
    ft = m.get("failure-timeout")
    if ft is not None:
        rsc.failure_timeout = parse_interval_ms(ft) // 1000
    if remote_node:
        params = rsc_params(cl, rsc, None)
        ri = params.get("reconnect_interval")
        if ri:
            rsc.remote_reconnect_ms = parse_interval_ms(ri)
            rsc.failure_timeout = rsc.remote_reconnect_ms // 1000
    role = history.get_target_role(rsc)
    if role is not None:
        rsc.next_role = role
    # variant-specific unpacking
    if variant == Variant.PRIMITIVE and top.variant == Variant.CLONE:
        standard = (xml.get("class") or "").lower()
        if standard not in ("ocf", "stonith") and rsc.has(R_UNIQUE):
            # pe__force_anon: these agent classes cannot be unique clones
            top.clone_node_max = 1
            top.clone_max = min(top.clone_max, len(cl.nodes))
            for r in list(top.walk()) + [rsc]:
                r.clear(R_UNIQUE)
                r.meta.setdefault("globally-unique", "false")
        if standard != "ocf" and top.has(R_PROMOTABLE):
            return None
    if variant == Variant.GROUP:
        rsc.group_ordered = m.get("ordered") is None or is_true(m.get("ordered"))
        rsc.group_colocated = m.get("collocated") is None or is_true(m.get("collocated"))
        for cx in xml:
            if isinstance(cx.tag, str) and cx.tag == "primitive":
                cx_copy = cx
                if inc is not None:
                    cx_copy = copy.deepcopy(cx)
                    cx_copy.set("clone", inc)
                child = unpack_resource(cl, cx_copy, rsc)
                if child is not None:
                    rsc.children.append(child)
    elif variant == Variant.CLONE:
        if not _unpack_clone(cl, rsc):
            return None
    elif variant == Variant.BUNDLE:
        from .bundle import unpack_bundle
        if not unpack_bundle(cl, rsc):
            return None
    if cl.symmetric:
        resource_location(cl, rsc, None, 0, "symmetric_default")
    elif guest_node:
        resource_location(cl, rsc, None, 0, "remote_connection_default")
    unpack_nvpair_sets(xml, "utilization", RuleContext(now=cl.now), rsc.utilization,
                       resolve=cl.ids.resolve)
    return rsc


def _unpack_requires(cl: Cluster, rsc: Resource, value: str | None) -> None:
    v = (value or "").lower()
    if v == "nothing":
        return
    if v == "quorum":
        rsc.set(R_NEEDS_QUORUM)
        return
    if v == "fencing":
        rsc.set(R_NEEDS_FENCING)
        return
    if v == "unfencing":
        if rsc.has(R_FENCE_DEVICE) or not cl.stonith_enabled:
            rsc.set(R_NEEDS_QUORUM)
        else:
            rsc.set(R_NEEDS_FENCING | R_NEEDS_UNFENCING)
        return
    if rsc.has(R_FENCE_DEVICE):
        rsc.set(R_NEEDS_QUORUM)
    elif rsc.variant == Variant.PRIMITIVE and rsc.is_remote_node and not rsc.meta.get("remote-node"):
        rsc.set(R_NEEDS_QUORUM)
    elif rsc.variant == Variant.PRIMITIVE and rsc.meta.get("remote-node") and False:
        rsc.set(R_NEEDS_QUORUM)
    elif cl.enable_unfencing:
        rsc.set(R_NEEDS_FENCING | R_NEEDS_UNFENCING)
    elif cl.stonith_enabled:
        rsc.set(R_NEEDS_FENCING)
    elif cl.no_quorum_policy == "ignore":
        return
    else:
        rsc.set(R_NEEDS_QUORUM)


def _min_int(value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        return max(0, int(value.strip()))
    except ValueError:
        return 0


def _unpack_clone(cl: Cluster, rsc: Resource) -> bool:
    m = rsc.meta
    if rsc.has(R_PROMOTABLE):
        pm = m.get("promoted-max", m.get("master-max"))
        pnm = m.get("promoted-node-max", m.get("master-node-max"))
        rsc.promoted_max = _min_int(pm, 1)
        rsc.promoted_node_max = _min_int(pnm, 1)
    rsc.clone_node_max = _min_int(m.get("clone-node-max"), 1)
    cm = m.get("clone-max")
    rsc.clone_max = max(1, len(cl.nodes)) if cm is None else _min_int(cm, 0)
    rsc.ordered = is_true(m.get("ordered"))
    rsc.interleave = is_true(m.get("interleave"))
    if not rsc.has(R_UNIQUE) and rsc.clone_node_max > 1:
        rsc.clone_node_max = 1
    for cx in rsc.xml:
        if isinstance(cx.tag, str) and cx.tag in ("primitive", "group"):
            rsc.xml_child = cx
            break
    if rsc.xml_child is None:
        return False
    if "resource-stickiness" not in m:
        m["resource-stickiness"] = "1"
    m.setdefault("globally-unique", "true" if rsc.has(R_UNIQUE) else "false")
    if rsc.clone_max <= 0:
        return create_clone_child(cl, rsc) is not None
    while rsc.total_clones < rsc.clone_max:
        if create_clone_child(cl, rsc) is None:
            return False
    return True


def create_clone_child(cl: Cluster, clone: Resource) -> Resource | None:
    as_orphan = clone.total_clones >= clone.clone_max
    child_xml = copy.deepcopy(clone.xml_child)
    child_xml.set("clone", str(clone.total_clones))
    child = unpack_resource(cl, child_xml, clone)
    if child is None:
        return None
    clone.total_clones += 1
    clone.children.append(child)
    if as_orphan:
        for r in child.walk():
            r.set(R_ORPHAN)
    child.meta.setdefault("clone-max", str(clone.clone_max))
    for r in child.walk():
        cl.rsc_by_id.setdefault(r.id, r)
    return child


def rsc_params(cl: Cluster, rsc: Resource, node: Node | None) -> dict[str, str]:
    """Instance attributes of a resource (and its parents, and rsc_defaults)."""
    out: dict[str, str] = {}
    ctx = RuleContext(now=cl.now, node_attrs=node.attrs if node else None)
    r: Resource | None = rsc
    while r is not None:
        unpack_nvpair_sets(r.xml, "instance_attributes", ctx, out, resolve=cl.ids.resolve)
        r = r.parent
    if cl.rsc_defaults is not None:
        unpack_nvpair_sets(cl.rsc_defaults, "instance_attributes", ctx, out,
                           resolve=cl.ids.resolve)
    return out


def resource_location(cl: Cluster, rsc: Resource, node: Node | None, score: int, tag: str) -> None:
    """resource_location: add a score for one node (or every node) to rsc and its children."""
    if node is not None:
        _node_score(rsc, node, score, tag)
    else:
        for n in cl.nodes:
            _node_score(rsc, n, score, tag)
    if node is None and score == -INFINITY:
        rsc.allocated_to = None


def resource_location_allowed(rsc: Resource, score: int, tag: str) -> None:
    """resource_location with no node and no working set: every already-allowed node."""
    for ns in list(rsc.allowed_nodes.values()):
        _node_score(rsc, ns.node, score, tag)


def _node_score(rsc: Resource, node: Node, score: int, tag: str) -> None:
    if tag == "symmetric_default" and rsc.exclusive_discover:
        return
    for child in rsc.children:
        _node_score(child, node, score, tag)
    ns = rsc.allowed_nodes.get(node.id)
    if ns is None:
        ns = NodeScore(node, node.weight, node.fixed)
        rsc.allowed_nodes[node.id] = ns
    ns.weight = add_scores(ns.weight, score)
    if score <= -INFINITY:
        rsc.reject(node, tag)


def unpack_tags(cl: Cluster, tags_xml: Any) -> None:
    if tags_xml is None:
        return
    for t in tags_xml:
        if t.tag != "tag" or not t.get("id"):
            continue
        refs = [o.get("id") for o in t if o.tag == "obj_ref" and o.get("id")]
        cl.tags[t.get("id")] = refs


def parse_now(text: str | None) -> datetime | None:
    return parse_iso8601(text)
