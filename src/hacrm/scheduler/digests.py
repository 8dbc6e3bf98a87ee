"""Parameter digests: the MD5 Pacemaker records with each operation, recomputed from the
current configuration to tell whether a resource's definition changed since it ran.

How a parameter set is filtered, serialised and hashed is :mod:`hacrm.engine.opdigest`'s job
(the executor writes the digests with it); this module only decides which parameters the
scheduler hashes for a configured operation and how the result compares with the history."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from hacrm.engine.opdigest import digest, filter_for_digest, meta_name

from .cluster import Cluster
from .intervals import get_msec
from .model import Node, Resource


class DigestResult(enum.IntEnum):
    MATCH = 0
    ALL = 1
    RESTART = 2
    UNKNOWN = 3


def _op_extra(cl: Cluster, entry: Any, node: Node | None) -> dict[str, str]:
    from .rules import RuleContext, unpack_nvpair_sets
    extra: dict[str, str] = {}
    if entry is not None:
        unpack_nvpair_sets(entry, "instance_attributes",
                           RuleContext(now=cl.now, node_attrs=node.attrs if node else None),
                           extra, resolve=cl.ids.resolve)
    return extra


@dataclass
class Digests:
    rc: DigestResult
    all_calc: str
    restart_calc: str | None
    secure_calc: str | None


def calculate(cl: Cluster, rsc: Resource, task: str, interval: int, node: Node,
              op: Any) -> Digests:
    from .actions import _op_meta, find_op_entry
    from .unpack import rsc_params
    params = dict(rsc_params(cl, rsc, node))
    entry = find_op_entry(rsc, f"{rsc.id}_{task}_{interval}")
    extra = _op_extra(cl, entry, node)
    meta = _op_meta(cl, rsc, task, interval, entry)
    if interval > 0:
        meta["interval"] = str(interval)
    else:
        meta.pop("interval", None)
    timeout = get_msec(meta.get("timeout")) if meta.get("timeout") is not None else -1
    meta["timeout"] = str(timeout if timeout >= 0 else 20000)
    all_params: dict[str, str] = {}
    for k, v in params.items():
        all_params.setdefault(k, v)
    for k, v in extra.items():
        all_params.setdefault(k, v)
    for k, v in meta.items():
        if "#" in k or ":" in k:
            continue
        all_params.setdefault(meta_name(k), v)
    all_params = filter_for_digest(all_params)
    rc = DigestResult.RESTART if (interval == 0 and extra) else DigestResult.MATCH
    all_calc = digest(all_params)
    restart_calc = None
    if op is not None and op.get("op-restart-digest") is not None:
        keep = op.get("op-force-restart")
        rp = dict(all_params)
        if keep is not None:
            rp = {k: v for k, v in rp.items() if f" {k} " in keep}
        restart_calc = digest(rp)
    secure_calc = None
    if op is not None and op.get("op-secure-digest") is not None:
        secure_list = op.get("op-secure-params")
        version = op.get("crm_feature_set") or cl.cib.get("crm_feature_set") or "3.16.2"
        from .history import _version_lt
        if _version_lt(version, "3.16.0"):
            sp = {}
            for k, v in params.items():
                sp.setdefault(k, v)
            if (rsc.xml.get("class") or "") == "stonith":
                sp = {k: v for k, v in sp.items() if not k.startswith("pcmk_")}
        else:
            sp = dict(all_params)
        if secure_list is not None:
            sp = {k: v for k, v in sp.items() if f" {k} " not in secure_list}
        sp = filter_for_digest(sp)
        if _version_lt(version, "3.16.0"):
            sp.pop("CRM_meta_timeout", None)
        secure_calc = digest(sp)
    return Digests(rc, all_calc, restart_calc, secure_calc)


def compare(cl: Cluster, rsc: Resource, op: Any, node: Node) -> Digests:
    """rsc_action_digest_cmp."""
    task = op.get("operation")
    try:
        interval = int(op.get("interval") or 0)
    except ValueError:
        interval = 0
    d = calculate(cl, rsc, task, interval, node, op)
    digest_all = op.get("op-digest")
    digest_restart = op.get("op-restart-digest")
    if digest_restart is not None and d.restart_calc is not None and d.restart_calc != digest_restart:
        d.rc = DigestResult.RESTART
    elif digest_all is None:
        d.rc = DigestResult.UNKNOWN
    elif digest_all != d.all_calc:
        if not (interval == 0 and d.rc == DigestResult.RESTART):
            d.rc = DigestResult.ALL
    else:
        d.rc = DigestResult.MATCH
    return d


def only_sanitized_changed(op: Any, d: Digests) -> bool:
    secure = op.get("op-secure-digest")
    return d.rc != DigestResult.MATCH and secure is not None and d.secure_calc is not None \
        and d.secure_calc == secure
