"""The parameters of every graph action, against the transition graphs of Pacemaker 2.1.5's
scheduler regression corpus (``exp/NAME.exp``, read in place).

For every action our scheduler plans that Pacemaker's graph also holds (same operation key,
node and operation), the ``<attributes>`` the controller sends must be Pacemaker's: instance
attributes evaluated for the node, operation attributes, and every ``CRM_meta_*`` value
(timeouts and intervals in milliseconds, probe timeouts, clone numbers and sizes, promotion
limits, target node, fencing attributes).  Agents read these, and the history digests hash
them.

Left out, and why (each a known gap, listed in docs/resources.md):
``CRM_meta_notify_*`` (the notification variables: the scheduler does not compute the lists of
resources and nodes they carry yet), ``CRM_meta_physical_host`` and bundle instance numbers
(bundles and guest nodes are not run by the embedded engine), ``CRM_meta_digests_*`` (unfencing).
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import pytest
from lxml import etree
from oracles import shared_dir

from hacrm.engine.opresult import request_from_graph_action
from hacrm.engine.plan import compute_plan, request_for, rsc_op_element

pytestmark = pytest.mark.slow

UNSUPPORTED_PREFIXES = ("CRM_meta_notify_", "CRM_meta_physical_host", "CRM_meta_digests_",
                        "crm_feature_set")
#: bundle replicas: their instance numbers follow the bundle's own numbering
BUNDLE_CASES = {"guest-node-host-dies"}


def _now(extra: str) -> float | None:
    args = shlex.split(extra or "")
    if "-t" in args:
        when = args[args.index("-t") + 1]
        return datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=UTC).timestamp()
    return None


def _attributes(el) -> dict[str, str]:
    attrs = el.find("attributes")
    if attrs is None:
        return {}
    out = dict(attrs.attrib)
    for p in attrs.findall("param"):
        out[p.get("name")] = p.get("value")
    return out


def _kept(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if not k.startswith(UNSUPPORTED_PREFIXES)}


def test_action_parameters_are_pacemakers():
    corpus = shared_dir("pacemaker-scheduler-2.1.5")
    index = {}
    for line in (corpus / "index.tsv").read_text().splitlines()[1:]:
        parts = line.split("\t")
        index[parts[1]] = parts[3] if len(parts) > 3 else ""
    compared = same = requests = 0
    failures = []
    for exp_path in sorted((corpus / "exp").glob("*.exp")):
        name = exp_path.stem
        if name in BUNDLE_CASES:
            continue
        try:
            plan = compute_plan((corpus / "xml" / f"{name}.xml").read_bytes(),
                                _now(index.get(name, "")))
            exp = etree.parse(str(exp_path)).getroot()
        except Exception:   # noqa: BLE001,S112 - scheduler gaps are the scheduler's tests' business
            continue
        ours: dict[tuple, list] = {}
        for a in plan.actions():
            ours.setdefault((a.key, a.node, a.task), []).append(a)
        for el in exp.iterfind("synapse/action_set/*"):
            found = ours.get((el.get("operation_key"), el.get("on_node"),
                              el.get("operation")), [])
            if len(found) != 1:
                continue    # not planned, or ambiguous (pseudo actions of guest nodes)
            action = found[0]
            compared += 1
            want, got = _kept(_attributes(el)), _kept(action.params)
            prim = el.find("primitive")
            if prim is not None:
                ref = action.rsc
                want["<primitive>"] = repr((prim.get("id"), prim.get("long-id"),
                                            prim.get("class"), prim.get("provider"),
                                            prim.get("type")))
                got["<primitive>"] = repr((ref.id, ref.long_id, ref.cls, ref.provider,
                                           ref.type) if ref else None)
            if want == got:
                same += 1
            else:
                diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
                        if want.get(k) != got.get(k)}
                failures.append(f"{name} {el.get('operation_key')}: {diff}")
            if action.kind == "rsc_op" and action.rsc is not None:
                requests += 1
                assert request_for(action, 7, "u") == request_from_graph_action(
                    rsc_op_element(action), 7, "u"), (name, action.key)
    print(f"{same} of {compared} graph actions with Pacemaker's parameters; "
          f"{requests} executor requests checked")
    assert compared > 9000
    assert not failures, "\n".join(failures[:20])
