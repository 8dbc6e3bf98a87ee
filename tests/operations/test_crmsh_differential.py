"""``crm resource`` and ``crm node`` change a CIB file exactly as crmsh 4.4.1 does.

Each case runs the same one-shot commands through Debian's crmsh and through our ``crm`` on
copies of the same CIB (see ``crmsh_ops``) and compares what is left: the version attributes,
the configuration and status sections element by element with ids and attribute order, the
exit codes and, for commands that print a result, standard output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crmsh_ops import OUR_CRM, Bases, Case, differences, make_bases, oracle_env, our_env, run
from oracles import oracle

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

S = "status"
CASES = [
    # -------- target-role, is-managed, maintenance (crmsh's own edit, committed as a whole)
    Case("stop-primitive", ["resource stop p1"]),
    Case("stop-start", ["resource stop p1", "resource start p1"]),
    Case("stop-group", ["resource stop g1"]),
    Case("stop-group-member", ["resource stop p2"]),
    Case("start-group-then-member", ["resource start g1", "resource stop p2"]),
    Case("stop-cloned-primitive-goes-to-clone", ["resource stop p4"]),
    Case("stop-several", ["resource stop c1 p1 g1"]),
    Case("stop-group-with-member-role", ["resource stop p2", "-F resource stop g1"],
         note="crmsh offers to drop the member's own target-role"),
    Case("promote", ["resource promote ms1"], stdout=True),
    Case("demote", ["resource demote ms1"], stdout=True),
    Case("promote-not-promotable", ["resource promote p1"]),
    Case("promote-twice", ["resource promote ms1", "resource demote ms1"]),
    Case("unmanage", ["resource unmanage p1"]),
    Case("manage-group", ["resource unmanage g1", "resource manage g1"]),
    Case("manage-with-maintenance", ["-F resource manage p7"],
         note="is-managed and maintenance conflict: the other one is removed"),
    Case("maintenance-on-off", ["resource maintenance p1", "resource maintenance p1 off"]),
    Case("maintenance-group-conflict", ["-F resource maintenance g2 on"]),
    Case("maintenance-bad-word", ["resource maintenance p1 maybe"]),
    Case("unknown-resource", ["resource stop nosuch"]),
    # -------- crm_resource --meta / params / --utilization
    Case("meta-set-show-delete", ["resource meta p1 set priority 5",
                                  "resource meta p1 show priority",
                                  "resource meta p1 delete priority"], stdout=True),
    Case("meta-on-group-member", ["resource meta p2 set priority 3"], stdout=True),
    Case("meta-cloned-primitive-to-clone", ["resource meta p4 set foo 1"], stdout=True),
    Case("meta-clone", ["resource meta c1 set clone-max 1"], stdout=True),
    Case("meta-existing-nvpair", ["resource meta ms1 set promotable false"], stdout=True),
    Case("meta-group", ["resource meta g2 set priority 7"], stdout=True),
    Case("param-set-show-delete", ["resource param p6 set fake 2", "resource param p6 show fake",
                                   "resource param p1 set state /tmp/x",
                                   "resource param p6 delete fake"], stdout=True),
    Case("param-clone", ["resource param c1 set state /tmp/x"], stdout=True),
    Case("utilization", ["resource utilization p1 set cpu 2",
                         "resource utilization p1 show cpu",
                         "resource utilization p1 delete cpu"], stdout=True),
    Case("meta-show-missing", ["resource meta p1 show nosuch"]),
    # -------- move / ban / clear (crm_resource's cli-* constraints)
    Case("move", ["resource move p1 node2"], stdout=True),
    Case("migrate-alias", ["resource migrate g1 node1"]),
    Case("move-replaces", ["resource move p1 node2", "resource move p1 node1"]),
    Case("move-lifetime", ["resource move c1 node1 PT10M"]),
    Case("move-force-away", ["resource move p1 force"], base=S),
    Case("move-no-node", ["resource move p1"]),
    Case("ban", ["resource ban g1 node1"]),
    Case("ban-lifetime", ["resource ban p1 node2 P1D"]),
    Case("ban-current-location", ["resource ban p1"], base=S),
    Case("ban-not-running", ["resource ban p1"]),
    Case("ban-both-clear", ["resource ban p1 node1", "resource ban p1 node2",
                            "resource move p1 node1", "resource clear p1"]),
    Case("unmove-alias", ["resource move p1 node2", "resource unmove p1"]),
    Case("move-unknown-node", ["resource move p1 node9"]),
    # -------- trace / untrace (op attributes)
    Case("trace-resource", ["resource trace p1"]),
    Case("trace-op", ["resource trace p1 start"]),
    Case("trace-monitor-interval", ["resource trace p1 monitor 10"]),
    Case("trace-untrace", ["resource trace p1", "resource untrace p1"]),
    Case("trace-not-primitive", ["resource trace g1"]),
    # -------- fail-counts (status section, crm_attribute / crm_failcount)
    Case("failcount-show", ["resource failcount p1 show node1"], base=S, stdout=True),
    Case("failcount-set", ["resource failcount p1 set node1 3"], base=S),
    Case("failcount-set-zero", ["resource failcount p1 set node1 0"], base=S),
    Case("failcount-none", ["resource failcount p2 show node2"], base=S, stdout=True),
    # -------- read-only views
    Case("locate", ["resource locate g1", "resource locate c1"], base=S, stdout=True),
    Case("status-one", ["resource status p1"], base=S, stdout=True),
    Case("status-list", ["resource status"], base=S, stdout=True),
    Case("status-list-stopped", ["resource stop g1", "resource status", "resource locate g1"],
         base=S, stdout=True),
    Case("operations", ["resource operations p1", "resource operations p1 node2"], base=S,
         stdout=True),
    # -------- node attributes
    Case("standby", ["node standby node1"], base=S),
    Case("standby-reboot", ["node standby node1 reboot"], base=S),
    Case("standby-all", ["node standby --all"], base=S),
    Case("standby-online", ["node standby node1", "node online node1"], base=S),
    Case("standby-both-online", ["node standby node1 reboot", "node standby node1",
                                 "node online node1"], base=S),
    Case("maintenance-ready", ["node maintenance node1", "node ready node1"]),
    Case("node-maintenance-drops-rsc", ["-F node maintenance node2"]),
    Case("attribute", ["node attribute node1 set color red", "node attribute node1 show color",
                       "node attribute node1 delete color"], stdout=True),
    Case("node-utilization", ["node utilization node2 set cpu 2",
                              "node utilization node2 show cpu"], stdout=True),
    Case("status-attr", ["node status-attr node1 set foo bar", "node status-attr node1 show foo",
                         "node status-attr node2 set foo baz",
                         "node status-attr node1 delete foo"], base=S, stdout=True),
    Case("fence", ["-F node fence node2"], base=S),
    Case("delete", ["-F node delete node2"], base=S),
    Case("show", ["node show", "node show node1", "node list"], base=S, stdout=True),
    Case("show-attributes", ["node attribute node1 set color red", "node standby node2",
                             "node show"], base=S, stdout=True),
]


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Bases:
    return make_bases(tmp_path_factory.mktemp("bases"), oracle("crm"), oracle("cibadmin"),
                      oracle("crm_simulate"))


def test_enough_cases() -> None:
    commands = set()
    for case in CASES:
        for line in case.commands:
            words = [w for w in line.split() if not w.startswith("-")]
            commands.add(" ".join(words[:2]))
    assert len(CASES) >= 40 and len(commands) >= 30, sorted(commands)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_cib_as_crmsh(case: Case, bases: Bases, tmp_path: Path) -> None:
    crmsh = oracle("crm")
    base = bases.status if case.base == S else bases.config
    theirs_dir, ours_dir = tmp_path / "crmsh", tmp_path / "hacrm"
    theirs_dir.mkdir()
    ours_dir.mkdir()
    theirs = run(crmsh, case.commands, base, theirs_dir,
                 oracle_env(theirs_dir / "cib.xml", bases.shims, theirs_dir))
    ours = run(str(OUR_CRM), case.commands, base, ours_dir,
               our_env(ours_dir / "cib.xml", ours_dir))
    found = differences(theirs, ours, case)
    assert not found, "\n\n".join(found)
