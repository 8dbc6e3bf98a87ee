"""What differs between the pacemaker-3.x schemas, judged by us and by crm_verify alike."""

from __future__ import annotations

import subprocess
import tempfile

import pytest
from lxml import etree

from oracles import oracle
from hacrm.cib.schema import validate_configuration

BASE = """<cib crm_feature_set="3.16.1" validate-with="{schema}" epoch="1" num_updates="0"
 admin_epoch="0"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options">
<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="n1" uname="n1"/></nodes><resources>
<primitive id="a" class="ocf" provider="pacemaker" type="Stateful"/>
<primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/>
{resources}</resources><constraints>{constraints}</constraints>
</configuration><status/></cib>"""

CASES = {
    "promoted-role": dict(constraints='<rsc_colocation id="c" score="10" rsc="b" with-rsc="a" '
                                      'with-rsc-role="Promoted"/>'),
    "influence": dict(constraints='<rsc_colocation id="c" score="10" rsc="b" with-rsc="a" '
                                  'influence="false"/>'),
    "podman": dict(resources='<bundle id="bu"><podman image="x"/></bundle>'),
    "on-fail-demote": dict(resources='<primitive id="c" class="ocf" provider="heartbeat" '
                                     'type="Dummy"><operations><op id="c-m" name="monitor" '
                                     'interval="10" on-fail="demote"/></operations></primitive>'),
    "rule-without-score": dict(constraints='<rsc_location id="l" rsc="b"><rule id="r">'
                                           '<expression id="e" attribute="x" '
                                           'operation="defined"/></rule></rsc_location>'),
    "rsc-expression": dict(constraints='<rsc_location id="l" rsc="b"><rule id="r" score="1">'
                                       '<rsc_expression id="e" type="Dummy"/></rule>'
                                       '</rsc_location>'),
    "nvset-rsc-expression": dict(resources='<primitive id="c" class="ocf" provider="heartbeat" '
                                           'type="Dummy"><meta_attributes id="c-m"><rule '
                                           'id="c-r" score="1"><rsc_expression id="c-e" '
                                           'type="Dummy"/></rule><nvpair id="c-n" name="x" '
                                           'value="1"/></meta_attributes></primitive>'),
    "node-type-normal": dict(resources="", constraints=""),
    "acl-target-name": dict(constraints=""),
}
SCHEMAS = ("pacemaker-3.0", "pacemaker-3.2", "pacemaker-3.3", "pacemaker-3.4", "pacemaker-3.5", "pacemaker-3.6",
           "pacemaker-3.7", "pacemaker-3.8", "pacemaker-3.9")


def _cib(case: str, schema: str) -> etree._Element:
    parts = {"resources": "", "constraints": ""} | CASES[case]
    root = etree.fromstring(BASE.format(schema=schema, **parts))
    if case == "node-type-normal":
        root.find("configuration/nodes/node").set("type", "normal")
    if case == "acl-target-name":
        acls = etree.SubElement(root.find("configuration"), "acls")
        etree.SubElement(acls, "acl_target", id="alice", name="Alice")
    return root


@pytest.mark.oracle
@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_version_rules_match_crm_verify(case: str, schema: str) -> None:
    root = _cib(case, schema)
    ours = validate_configuration(root.find("configuration"), schema)
    with tempfile.NamedTemporaryFile("wb", suffix=".xml") as f:
        f.write(etree.tostring(root))
        f.flush()
        err = subprocess.run([oracle("crm_verify"), "-x", f.name], capture_output=True,
                             text=True, timeout=60).stderr
    theirs = "does not conform" in err or "validity error" in err or "schema validation" in err
    assert bool(ours) == theirs, (ours, err[-400:])
