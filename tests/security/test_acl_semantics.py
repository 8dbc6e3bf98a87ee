"""CIB ACL semantics against Pacemaker's own: ``cibadmin`` on a file CIB honours ACLs for
``CIB_user``, so every read filter and every write decision of :mod:`hacrm.engine.acl` is
compared with what it does on the same CIB."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from hacrm import xmlsafe
from hacrm.engine import acl
from oracles import oracle

pytestmark = pytest.mark.oracle

HEAD = ('<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="5" '
        'num_updates="2" admin_epoch="0"><configuration><crm_config>'
        '<cluster_property_set id="cib-bootstrap-options">'
        '<nvpair id="o1" name="stonith-enabled" value="false"/>'
        '<nvpair id="o2" name="enable-acl" value="true"/></cluster_property_set></crm_config>'
        '<nodes><node id="1" uname="node1"/></nodes><resources>'
        '<primitive id="p1" class="ocf" provider="heartbeat" type="Dummy">'
        '<meta_attributes id="p1-ma"><nvpair id="p1-t" name="target-role" value="Started"/>'
        '</meta_attributes></primitive>'
        '<primitive id="p2" class="ocf" provider="heartbeat" type="Dummy"/>'
        '<group id="g1"><primitive id="p3" class="ocf" provider="heartbeat" type="Dummy">'
        '<instance_attributes id="p3-ia"><nvpair id="p3-s" name="state" value="/x"/>'
        '</instance_attributes></primitive></group></resources>'
        '<constraints><rsc_location id="l1" rsc="p1" score="100" node="node1"/></constraints>')
TAIL = '</configuration><status><node_state id="1" uname="node1" in_ccm="true"/></status></cib>'

ROLES = {
    "reader-with-deny": '<acl_permission id="a" kind="read" xpath="/cib"/>'
                        '<acl_permission id="b" kind="deny" xpath="//nvpair[@name=\'target-role\']"/>',
    "resources-and-ref": '<acl_permission id="a" kind="read" xpath="/cib/configuration/resources"/>'
                         '<acl_permission id="b" kind="write" reference="p1"/>'
                         '<acl_permission id="c" kind="deny" xpath="//nvpair[@name=\'target-role\']"/>',
    "object-type": '<acl_permission id="a" kind="write" object-type="primitive"/>'
                   '<acl_permission id="b" kind="read" object-type="rsc_location"/>',
    "attribute": '<acl_permission id="a" kind="read" object-type="primitive" attribute="type"/>'
                 '<acl_permission id="b" kind="write" xpath="//group"/>'
                 '<acl_permission id="c" kind="deny" reference="p3-ia"/>',
    "deny-all-but": '<acl_permission id="a" kind="deny" xpath="/cib"/>'
                    '<acl_permission id="b" kind="read" xpath="//constraints"/>',
    "writer": '<acl_permission id="a" kind="write" xpath="/cib"/>'
              '<acl_permission id="b" kind="read" xpath="//primitive[@id=\'p2\']"/>',
}


def cib_for(role: str, *, group: bool = False) -> str:
    target = ('<acl_group id="staff"><role id="r"/></acl_group>' if group
              else '<acl_target id="alice"><role id="r"/></acl_target>')
    return HEAD + f'<acls><acl_role id="r">{ROLES[role]}</acl_role>{target}</acls>' + TAIL


ALICE = acl.Identity(1000, "alice", frozenset({"alice", "staff"}))


def _norm(root: etree._Element | None) -> str:
    if root is None:
        return ""
    root = etree.fromstring(etree.tostring(root), etree.XMLParser(remove_blank_text=True))
    for name in list(root.attrib):
        del root.attrib[name]
    return etree.tostring(root, method="c14n").decode()


def _cibadmin(path: Path, *args: str, user: str = "alice") -> subprocess.CompletedProcess:
    env = {**os.environ, "CIB_file": str(path), "CIB_user": user}
    return subprocess.run([oracle("cibadmin"), *args], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_read_filter_matches_pacemaker(role: str, tmp_path: Path) -> None:
    text = cib_for(role)
    path = tmp_path / "cib.xml"
    path.write_text(text)
    out = _cibadmin(path, "-Q")
    ours = acl.filtered_copy(xmlsafe.parse(text), ALICE)
    if out.returncode != 0:
        assert ours is None, out.stderr
        return
    theirs = xmlsafe.parse(out.stdout)
    assert _norm(ours) == _norm(theirs)


def test_acl_group_and_unknown_user(tmp_path: Path) -> None:
    root = xmlsafe.parse(cib_for("reader-with-deny", group=True))
    assert acl.filtered_copy(root, ALICE) is not None
    assert acl.filtered_copy(root, acl.Identity(1001, "mallory", frozenset({"mallory"}))) is None
    assert not acl.required(root, acl.Identity(0, "root", privileged=True))
    assert not acl.required(xmlsafe.parse(HEAD.replace('value="true"', 'value="false"') + TAIL),
                            ALICE)


def _edit(text: str, xpath: str, action: str) -> str:
    root = xmlsafe.parse(text)
    el = root.xpath(xpath)[0]
    if action == "change":
        el.set("description", "changed")
    elif action == "delete":
        el.getparent().remove(el)
    elif action == "create":
        etree.SubElement(el, "primitive", id="pnew", type="Dummy", provider="heartbeat")
        el[-1].set("class", "ocf")
    elif action == "scaffold":
        etree.SubElement(el, "meta_attributes", id="p2-ma")
    return etree.tostring(root, encoding="unicode")


WRITES = [
    ("resources-and-ref", "//primitive[@id='p1']", "change"),
    ("resources-and-ref", "//primitive[@id='p2']", "change"),
    ("resources-and-ref", "//primitive[@id='p2']", "delete"),
    ("resources-and-ref", "//nvpair[@id='p1-t']", "delete"),
    ("resources-and-ref", "//resources", "create"),
    ("object-type", "//primitive[@id='p2']", "change"),
    ("object-type", "//primitive[@id='p2']", "delete"),
    ("object-type", "//rsc_location", "delete"),
    ("object-type", "//group", "create"),
    ("object-type", "//primitive[@id='p2']", "scaffold"),
    ("writer", "//primitive[@id='p2']", "change"),
    ("writer", "//resources", "create"),
    ("attribute", "//group", "create"),
    ("attribute", "//instance_attributes", "delete"),
    ("deny-all-but", "//rsc_location", "change"),
]


@pytest.mark.parametrize("role,xpath,action", WRITES)
def test_write_decision_matches_pacemaker(role: str, xpath: str, action: str,
                                          tmp_path: Path) -> None:
    text = cib_for(role)
    new = _edit(text, xpath, action)
    path, new_path = tmp_path / "cib.xml", tmp_path / "new.xml"
    path.write_text(text)
    new_path.write_text(new)
    out = _cibadmin(path, "--replace", "--xml-file", str(new_path))
    denied = acl.denied_writes(xmlsafe.parse(text), xmlsafe.parse(new), ALICE)
    assert (out.returncode == 0) == (not denied), (out.stderr, denied)
