"""A clone and a promotable clone on a 3-node sandbox, checked against crm_simulate (issue #6,
point 2).

The live cluster (our scheduler, controller, executor and the ``ocf:hacrm:Dummy`` agent in its
promotable mode publishing promotion scores) must end where Debian's crm_simulate says it
should:

* at rest, crm_simulate reads the status section we wrote exactly as our own unpacking does,
  and wants no further action;
* predicted from scratch (the same CIB with every resource history removed, the promotion
  scores kept), crm_simulate places and promotes exactly as the live cluster did.
"""

from __future__ import annotations

import pytest
from lxml import etree

from . import live
from .oracle_status import check, oracle_reading

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.oracle]

T = 60.0

CONFIG = """\
primitive db ocf:hacrm:Dummy params promotion_score=5 promoted_score=10 \\
    op monitor interval=4s role=Promoted op monitor interval=5s role=Unpromoted
clone db-clone db meta promotable=true promoted-max=1
primitive base ocf:hacrm:Dummy op monitor interval=5s
clone base-clone base
location db-promoted-prefers-node3 db-clone role=Promoted 50: node3
order base-then-db Mandatory: base-clone db-clone
property stonith-enabled=false
"""


def _without_history(cib: str) -> str:
    root = etree.fromstring(cib.encode())
    for lrm in root.findall("status/node_state/lrm"):
        lrm.getparent().remove(lrm)
    return etree.tostring(root).decode()


def _resources(block: str) -> str:
    return block.split("Full List of Resources:", 1)[-1].strip()


def test_clone_and_promotable_clone_as_crm_simulate_predicts(sandboxes):
    sb = sandboxes.start(3)
    live.configure(sb, "node1", CONFIG)

    def settled():
        cib = live.cib_text(sb, "node2")
        p = live.placement(cib)
        promoted = [n for n, role in p.get("db", []) if role == "Promoted"]
        started = [n for n, _ in p.get("base", [])]
        return live.at_rest(sb) and len(promoted) == 1 and len(started) == 3 and cib
    cib = live.wait(settled, T, "the clones started and one instance promoted")
    placement = live.placement(cib)
    assert placement["db"] == [("node1", "Unpromoted"), ("node2", "Unpromoted"),
                               ("node3", "Promoted")], placement
    assert placement["base"] == [("node1", "Started"), ("node2", "Started"),
                                 ("node3", "Started")]

    theirs, ours = check(cib)
    assert theirs.current == ours.current
    assert theirs.summary == "" and ours.summary == "", theirs.summary

    predicted = oracle_reading(_without_history(cib))
    assert "Promote" in predicted.summary and "Start" in predicted.summary
    assert _resources(predicted.revised) == _resources(theirs.current)
