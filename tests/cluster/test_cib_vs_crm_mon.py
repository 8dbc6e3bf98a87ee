"""The membership our DC records in the CIB, read back by Pacemaker's own crm_mon: the same
DC, quorum and online nodes as our daemons report, a crashed node unclean (what fencing keys
on) and a cleanly stopped one not."""

from __future__ import annotations

import os
import subprocess

import pytest
from lxml import etree

from hacrm.backends.embedded import connect
from oracles import oracle

from cluster.conftest import TIMEOUT

pytestmark = pytest.mark.oracle


def crm_mon(sb, node: str, tmp_path) -> etree._Element:
    path = tmp_path / f"{node}.xml"
    path.write_text(connect(node, str(sb.dir)).read())
    run = subprocess.run([oracle("crm_mon"), "-1", "--output-as=xml"], capture_output=True,
                         env=dict(os.environ, CIB_file=str(path)), timeout=TIMEOUT)
    assert run.returncode == 0, run.stderr.decode()
    return etree.fromstring(run.stdout)


def recorded(sb, node: str, tmp_path, online: set[str]):
    """Wait until the DC recorded the current membership, then read it through crm_mon."""
    def done(_):
        root = etree.fromstring(connect(node, str(sb.dir)).read().encode())
        return {s.get("uname") for s in root.iterfind("status/node_state")
                if s.get("crmd") == "online"} == online
    sb.wait(done, TIMEOUT, "the membership in the CIB", [node])
    return crm_mon(sb, node, tmp_path)


def test_crm_mon_reads_our_membership(clusters, tmp_path):
    sb = clusters.start(3)
    sb.wait_converged(timeout=TIMEOUT)
    clusters.kill(sb, "node3")  # a crash
    ours = sb.wait_converged(["node1", "node2"], timeout=TIMEOUT)["node2"]
    mon = recorded(sb, "node2", tmp_path, {"node1", "node2"})
    dc = mon.find("summary/current_dc")
    assert (dc.get("name"), dc.get("with_quorum")) == (ours["dc_name"], "true")
    nodes = {n.get("name"): n for n in mon.iterfind("nodes/node")}
    assert {n for n, e in nodes.items() if e.get("online") == "true"} == {"node1", "node2"}
    assert nodes["node3"].get("unclean") == "true"
    assert nodes[ours["dc_name"]].get("is_dc") == "true"
    assert mon.find("summary/stack").get("type") == "hacrm"

    assert sb.stop_node("node2")  # a clean shutdown: node1 alone, without quorum
    ours = sb.wait_converged(["node1"], timeout=TIMEOUT)["node1"]
    assert not ours["quorate"]
    mon = recorded(sb, "node1", tmp_path, {"node1"})
    dc = mon.find("summary/current_dc")
    assert (dc.get("name"), dc.get("with_quorum")) == ("node1", "false")
    nodes = {n.get("name"): n for n in mon.iterfind("nodes/node")}
    assert nodes["node2"].get("online") == "false" and nodes["node2"].get("unclean") == "false"
    assert nodes["node3"].get("unclean") == "true"
