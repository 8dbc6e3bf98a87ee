"""Text for ``crm cluster status``: the node daemon's facts laid out as corosync-quorumtool does.

A pure function of the status dictionary the daemon returns, so the layout is tested without a
running cluster.
"""

from __future__ import annotations

from typing import Any


def render(st: dict[str, Any]) -> str:
    q = st.get("quorum") or {}
    members = set(st.get("members") or [])
    me = st.get("nodeid")
    lines = [
        f"Cluster {st.get('cluster_name')} (hacrm embedded engine)",
        "",
        "Quorum information",
        "------------------",
        f"Node:             {st.get('node')} (id {me})",
        f"Ring ID:          {st.get('ring_id') or '(none yet)'}",
        f"Quorate:          {'Yes' if st.get('quorate') else 'No'}",
        f"DC:               {st.get('dc_name') or '(none)'}",
    ]
    if not st.get("synced"):
        lines.append("State:            synchronising after a membership change")
    lines += [
        "",
        "Votequorum information",
        "----------------------",
        f"Expected votes:   {q.get('expected_votes')}",
        f"Highest expected: {q.get('highest_expected')}",
        f"Total votes:      {q.get('total_votes')}",
        f"Quorum:           {q.get('quorum')} {'' if q.get('quorate') else 'Activity blocked'}"
        .rstrip(),
        f"Flags:            {' '.join(q.get('flags') or [])}".rstrip(),
        "",
        "Membership information",
        "----------------------",
        "    Nodeid      Votes Name",
    ]
    offline = []
    for node in st.get("nodes") or []:
        if node["id"] in members:
            tags = []
            if node["id"] == me:
                tags.append("local")
            if node["id"] == st.get("dc"):
                tags.append("DC")
            suffix = f" ({', '.join(tags)})" if tags else ""
            lines.append(f"{node['id']:>10} {node.get('votes', 1):>10} {node['name']}{suffix}")
        else:
            offline.append(node["name"])
    lines.append(f"Offline:          {' '.join(offline) if offline else '(none)'}")
    cib = st.get("cib") or {}
    version = ".".join(str(v) for v in cib.get("version") or [])
    lines += ["", f"CIB:              {version} (digest {str(cib.get('digest'))[:12]})"]
    rejected = st.get("rejected") or {}
    if rejected:
        lines.append("Rejected packets: " + ", ".join(f"{k} {v}" for k, v in
                                                       sorted(rejected.items())))
    faults = st.get("faults") or []
    if faults:
        lines.append(f"Injected faults:  {len(faults)} active")
    return "\n".join(lines) + "\n"


def render_sandbox(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """One line per sandbox node: name, pid, ring, members, quorum, DC, CIB version."""
    out = [f"{'node':<8} {'pid':>7}  {'ring':<8} {'members':<12} {'quorate':<8} {'DC':<8} CIB"]
    for name, st in rows:
        if "error" in st:
            out.append(f"{name:<8} {'-':>7}  stopped ({st['error']})")
            continue
        cib = ".".join(str(v) for v in (st.get("cib") or {}).get("version") or [])
        members = ",".join(str(m) for m in st.get("members") or [])
        out.append(f"{name:<8} {st.get('pid', '-'):>7}  {str(st.get('ring_id')):<8} "
                   f"{members:<12} {'yes' if st.get('quorate') else 'no':<8} "
                   f"{str(st.get('dc_name')):<8} {cib}")
    return "\n".join(out) + "\n"
