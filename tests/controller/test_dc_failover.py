"""The DC dies: the new DC learns the truth from the survivors' histories and leaves healthy
resources alone; the dead DC's resources are recovered; the node comes back and is probed.

3 nodes, fencing disabled: after kill -9 of the DC (whichever node the sandbox elected), the
survivors elect another, every survivor sends its resource history, and the new DC schedules
from it.  A resource running on a survivor must not be restarted (same call id in its history),
the resource that ran on the DC must be started elsewhere, and when the dead node's daemon comes
back it is probed and joins the clone.
"""

from __future__ import annotations

import pytest
from lxml import etree

from . import live

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

T = 60.0

CONFIG = """\
primitive on3 ocf:hacrm:Dummy op monitor interval=3s
location on3-prefers-other on3 100: {other}
primitive on1 ocf:hacrm:Dummy op monitor interval=3s
location on1-prefers-dc on1 100: {dc}
primitive base ocf:hacrm:Dummy op monitor interval=3s
clone base-clone base
property stonith-enabled=false
"""


def _start_of(cib: str, node: str, rsc: str) -> tuple[str | None, str | None]:
    root = etree.fromstring(cib.encode())
    op = root.find(f"status/node_state[@uname='{node}']/lrm/lrm_resources/"
                   f"lrm_resource[@id='{rsc}']/lrm_rsc_op[@id='{rsc}_last_0']")
    return (op.get("call-id"), op.get("transition-key")) if op is not None else (None, None)


def test_dc_killed(sandboxes):
    sb = sandboxes.start(3)
    dc = live.wait(lambda: live.dc_of(sb), T, "a DC")
    survivors = [n for n in sb.names() if n != dc]
    other = survivors[-1]
    live.configure(sb, survivors[0], CONFIG.format(dc=dc, other=other))
    cib = live.wait(lambda: live.at_rest(sb) and live.where(
        c := live.cib_text(sb, survivors[0]), "on1") == [dc] and c, T, "the first placement")
    assert live.dc_of(sb) == dc
    assert live.where(cib, "on3") == [other]
    before = _start_of(cib, other, "on3")
    assert before[0] is not None

    sb.kill_node(dc)
    cib = live.wait(lambda: live.at_rest(sb, survivors)
                    and live.where(c := live.cib_text(sb, survivors[0]), "on1") in (
                        [survivors[0]], [survivors[1]]) and c, T, "on1 recovered by the new DC")
    assert live.dc_of(sb, survivors) in survivors
    assert live.where(cib, "on3") == [other]
    assert _start_of(cib, other, "on3") == before, "a healthy resource was restarted"
    assert sorted(n for n, _ in live.placement(cib)["base"]) == survivors

    sb.start_node(dc, timeout=T)
    cib = live.wait(lambda: live.at_rest(sb)
                    and len(live.placement(c := live.cib_text(sb, dc))["base"]) == 3
                    and c, T, "the old DC back, probed, in the clone")
    probe = etree.fromstring(cib.encode()).find(
        f"status/node_state[@uname='{dc}']/lrm/lrm_resources/lrm_resource[@id='on3']")
    assert probe is not None, "the old DC was probed for on3 after its restart"
    assert _start_of(cib, other, "on3") == before
