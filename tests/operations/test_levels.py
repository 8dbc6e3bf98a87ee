"""The resource and node levels in-process: what they print and write, on a file CIB.

Whether the CIB ends up as crmsh leaves it is the differential test's job
(``test_crmsh_differential``); these check the shell's side: messages, errors that change
nothing, questions, and the read-only views.
"""

from __future__ import annotations

from lxml import etree

SETUP = ["configure node node1", "configure node node2",
         "configure property stonith-enabled=false",
         "configure primitive p1 Dummy", "configure primitive p2 Dummy",
         "configure group g1 p2", "configure clone c1 g1"]


def cib(scratch) -> etree._Element:
    return etree.fromstring(scratch.cib.read_bytes())


def test_meta_param_utilization(shell, scratch) -> None:
    assert shell.run(*SETUP)
    shell.take()
    assert shell.run("resource meta p1 set priority 5", "resource param p1 set fake 7",
                     "resource utilization p1 set cpu 2", "resource meta p1 show priority")
    out, _ = shell.take()
    assert "Set 'p1' option: id=p1-meta_attributes-priority set=p1-meta_attributes " \
           "name=priority value=5" in out
    assert out.endswith("5\n")
    root = cib(scratch)
    assert root.find(".//primitive[@id='p1']/instance_attributes/nvpair[@id="
                     "'p1-instance_attributes-fake']").get("value") == "7"
    assert root.find(".//nvpair[@id='p1-utilization-cpu']") is not None
    assert shell.run("resource meta p1 delete priority")
    assert "Deleted 'p1' option: id=p1-meta_attributes-priority" in shell.take()[0]


def test_start_stop_on_a_group_in_a_clone_goes_to_the_clone(shell, scratch) -> None:
    assert shell.run(*SETUP, "resource stop g1", "resource stop p1")
    root = cib(scratch)
    assert root.find(".//nvpair[@id='c1-meta_attributes-target-role']").get("value") == "Stopped"
    assert root.find(".//nvpair[@id='p1-meta_attributes-target-role']").get("value") == "Stopped"
    assert shell.run("resource start p1")
    assert cib(scratch).find(".//nvpair[@id='p1-meta_attributes-target-role']").get(
        "value") == "Started"


def test_ban_move_clear(shell, scratch) -> None:
    assert shell.run(*SETUP, "resource ban p1 node2", "resource move p1 node1")
    out, _ = shell.take()
    assert "Creating rsc_location constraint 'cli-ban-p1-on-node2'" in out
    assert "Move constraint created for p1 to node1" in out
    locs = {e.get("id"): e for e in cib(scratch).iterfind(".//rsc_location")}
    assert locs["cli-ban-p1-on-node2"].get("score") == "-INFINITY"
    assert locs["cli-prefer-p1"].get("node") == "node1"
    assert shell.run("resource clear p1")
    assert not cib(scratch).findall(".//rsc_location")
    assert not shell.run("resource ban p1")
    assert not shell.run("resource move p1 nosuchnode")


def test_unknown_resource_is_an_error_and_changes_nothing(shell, scratch) -> None:
    assert shell.run(*SETUP)
    before = scratch.cib.read_text()
    shell.take()
    assert not shell.run("resource meta nosuch set a 1")
    assert "Resource 'nosuch' not found" in shell.take()[1]
    assert scratch.cib.read_text() == before


def test_node_attributes_and_show(shell, scratch) -> None:
    assert shell.run(*SETUP, "node attribute node1 set color red",
                     "node utilization node1 set cpu 4", "node standby node2")
    shell.take()
    assert shell.run("node attribute node1 show color", "node show node2")
    out, _ = shell.take()
    assert out == "scope=nodes  name=color value=red\nnode2: member\n\tstandby=on\n"
    root = cib(scratch)
    assert root.find(".//nvpair[@id='nodes-node1-color']") is not None
    assert root.find(".//nvpair[@id='nodes-node1-utilization-cpu']") is not None
    assert shell.run("node online node2")
    standby = cib(scratch).find(".//node[@uname='node2']/instance_attributes/nvpair")
    assert (standby.get("name"), standby.get("value")) == ("standby", "off")


def test_node_maintenance_offers_to_drop_resource_maintenance(shell, scratch) -> None:
    assert shell.run(*SETUP, "resource maintenance p1", "node maintenance node1")
    out, _ = shell.take()
    assert "'maintenance' attribute already exists in p1. Remove it? [YES]" in out
    root = cib(scratch)
    assert root.find(".//primitive[@id='p1']//nvpair[@name='maintenance']") is None
    assert root.find(".//nvpair[@id='nodes-node1-maintenance']").get("value") == "true"


def test_status_and_locate_from_the_status_section(shell, monkeypatch) -> None:
    from oracles import shared_dir

    cib = shared_dir("pacemaker-scheduler-2.1.5") / "xml" / "1-a-then-bm-move-b.xml"
    shell.session.env["CIB_file"] = str(cib)
    assert shell.run("resource locate A", "resource status B", "resource status")
    out, _ = shell.take()
    assert out.startswith("resource A is running on: 18node1\n"
                          "resource B is running on: 18node2\nFull List of Resources:\n")
    assert not shell.run("resource locate nosuch")
