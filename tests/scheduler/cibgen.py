"""Hypothesis strategies for random CIBs: 2-8 nodes (some offline or in standby), primitives,
groups, clones and promotable clones, location/colocation/order constraints with random
scores, stickiness, and resources already running or failed in the status section."""

from __future__ import annotations

from hypothesis import strategies as st

SCORES = ["INFINITY", "-INFINITY", "100", "-100", "50", "0", "10"]


@st.composite
def cibs(draw) -> str:
    n_nodes = draw(st.integers(2, 8))
    nodes = [f"node{i}" for i in range(1, n_nodes + 1)]
    states = [draw(st.sampled_from(["online", "online", "online", "offline", "standby"]))
              for _ in nodes]
    if all(s != "online" for s in states):
        states[0] = "online"
    stickiness = draw(st.sampled_from([None, "0", "1", "100", "INFINITY"]))
    kinds = draw(st.lists(st.sampled_from(["primitive", "primitive", "group", "clone",
                                           "promotable"]), min_size=1, max_size=6))
    resources, tops, prims = [], [], []
    for i, kind in enumerate(kinds):
        if kind == "primitive":
            rid = f"r{i}"
            resources.append(_prim(rid))
            tops.append(rid)
            prims.append((rid, rid, False))
        elif kind == "group":
            gid = f"g{i}"
            members = [f"g{i}m{j}" for j in range(draw(st.integers(2, 3)))]
            resources.append(f'<group id="{gid}">' + "".join(_prim(m) for m in members) + "</group>")
            tops.append(gid)
            prims += [(m, m, False) for m in members]
        elif kind == "clone":
            cid = f"c{i}"
            resources.append(f'<clone id="{cid}">{_prim(f"c{i}p")}</clone>')
            tops.append(cid)
            prims.append((f"c{i}p", cid, True))
        else:
            cid = f"m{i}"
            resources.append(
                f'<clone id="{cid}"><meta_attributes id="{cid}-meta">'
                f'<nvpair id="{cid}-pr" name="promotable" value="true"/></meta_attributes>'
                f'{_prim(f"m{i}p", "pacemaker", "Stateful", promotable=True)}</clone>')
            tops.append(cid)
            prims.append((f"m{i}p", cid, True))
    constraints = []
    for j in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["location", "colocation", "order"]))
        a = draw(st.sampled_from(tops))
        b = draw(st.sampled_from(tops))
        score = draw(st.sampled_from(SCORES))
        if kind == "location":
            node = draw(st.sampled_from(nodes))
            constraints.append(f'<rsc_location id="l{j}" rsc="{a}" node="{node}" score="{score}"/>')
        elif a != b and kind == "colocation":
            constraints.append(f'<rsc_colocation id="co{j}" rsc="{a}" with-rsc="{b}" '
                               f'score="{score}"/>')
        elif a != b:
            kind_attr = draw(st.sampled_from(["Mandatory", "Optional"]))
            constraints.append(f'<rsc_order id="ord{j}" first="{a}" then="{b}" kind="{kind_attr}"/>')
    status = []
    for n, state in zip(nodes, states):
        if state == "offline":
            continue
        lrm = []
        for rid, top, cloned in prims:
            if not draw(st.booleans()) or not draw(st.booleans()):
                continue
            hist = rid
            if cloned:
                hist = f"{rid}:{nodes.index(n)}" if False else rid
            outcome = draw(st.sampled_from(["start", "start", "fail", "stopped"]))
            lrm.append(_history(hist, n, outcome, promotable=top.startswith("m")))
        standby = ""
        if state == "standby":
            standby = (f'<transient_attributes id="{n}"><instance_attributes id="{n}-ta">'
                       f'<nvpair id="{n}-sb" name="standby" value="on"/>'
                       "</instance_attributes></transient_attributes>")
        status.append(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" '
                      f'join="member" expected="member">{standby}<lrm id="{n}"><lrm_resources>'
                      + "".join(lrm) + "</lrm_resources></lrm></node_state>")
    defaults = ""
    if stickiness is not None:
        defaults = ('<rsc_defaults><meta_attributes id="rd"><nvpair id="rd-s" '
                    f'name="resource-stickiness" value="{stickiness}"/></meta_attributes>'
                    "</rsc_defaults>")
    return ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" dc-uuid="node1" '
            'validate-with="pacemaker-3.7" crm_feature_set="3.16.2"><configuration><crm_config>'
            '<cluster_property_set id="cib-bootstrap-options">'
            '<nvpair id="o1" name="stonith-enabled" value="false"/>'
            '<nvpair id="o2" name="no-quorum-policy" value="ignore"/>'
            "</cluster_property_set></crm_config><nodes>"
            + "".join(f'<node id="{n}" uname="{n}"/>' for n in nodes)
            + "</nodes><resources>" + "".join(resources) + "</resources>" + defaults
            + "<constraints>" + "".join(constraints) + "</constraints></configuration><status>"
            + "".join(status) + "</status></cib>")


def _prim(rid: str, provider: str = "heartbeat", agent: str = "Dummy",
          promotable: bool = False) -> str:
    ops = f'<op id="{rid}-mon" name="monitor" interval="10s"/>'
    if promotable:
        ops += f'<op id="{rid}-mon-p" name="monitor" interval="9s" role="Promoted"/>'
    return (f'<primitive id="{rid}" class="ocf" provider="{provider}" type="{agent}">'
            f"<operations>{ops}</operations></primitive>")


def _history(rid: str, node: str, outcome: str, promotable: bool) -> str:
    agent = 'provider="pacemaker" type="Stateful"' if promotable else \
        'provider="heartbeat" type="Dummy"'
    if outcome == "start":
        op = _op(rid, node, "start", 0, 0, 2)
    elif outcome == "fail":
        op = _op(rid, node, "start", 1, 0, 2, last_failure=True)
    else:
        op = _op(rid, node, "stop", 0, 0, 3)
    return f'<lrm_resource id="{rid}" class="ocf" {agent}>{op}</lrm_resource>'


def _op(rid, node, task, rc, target, call, last_failure=False) -> str:
    op_id = f"{rid}_last_failure_0" if last_failure else f"{rid}_last_0"
    return (f'<lrm_rsc_op id="{op_id}" operation_key="{rid}_{task}_0" operation="{task}" '
            f'transition-key="1:{call}:{target}:00000000-0000-0000-0000-000000000000" '
            f'transition-magic="0:{rc};1:{call}:{target}:00000000-0000-0000-0000-000000000000" '
            f'call-id="{call}" rc-code="{rc}" op-status="0" interval="0" on_node="{node}" '
            'last-rc-change="1000" exec-time="1" queue-time="0"/>')
