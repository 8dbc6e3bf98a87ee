"""A DC that stays DC when a node rejoins still reports its own resource history.

When the DC holds the newer CIB it must send it to the new ring before it is DC of that ring
(``cib_synced`` is false meanwhile).  The controller saw the new ring in that window and kept
its role, but returned before sending its own history, and never sent it afterwards: the DC
then waited ``JOIN_TIMEOUT`` (15 s) for itself before scheduling anything (a failover in a
2-node cluster took 17 s instead of 2 s when the surviving DC had the higher node id).

The controller's shell is driven here by a stand-in daemon: membership and CIB sync states are
set by hand, the messages it broadcasts are delivered back to it in order.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from hacrm.engine.cibstore import Cib
from hacrm.engine.controller import Controller
from hacrm.engine.membership import View
from hacrm.engine.node import AppMessage
from hacrm.engine.wire import RingId


class StandIn:
    """What :class:`Controller` reads of its daemon, with the broadcasts kept."""

    def __init__(self, root) -> None:
        self.node = SimpleNamespace(name="node2")
        self.config = SimpleNamespace(nodes=[SimpleNamespace(nodeid=1, name="node1"),
                                             SimpleNamespace(nodeid=2, name="node2")])
        self.layout = SimpleNamespace(root=root, state=root / "state")
        self.core = SimpleNamespace(me=2, view=None, dc=None, quorum_synced=False,
                                    cib_synced=False, vq=SimpleNamespace(quorate=True),
                                    cib=Cib.empty())
        self.sent: list[tuple[str, dict, bytes]] = []
        self.listeners: list = []
        self.logs: list[tuple[str, str]] = []
        self.logger = SimpleNamespace(error=lambda *a, **k: None,
                                      exception=lambda *a, **k: None)

    @property
    def is_dc(self) -> bool:
        return self.core.dc == self.core.me and self.core.cib_synced

    def send(self, kind: str, header: dict, body: bytes = b"") -> None:
        self.sent.append((kind, header, body))

    def log(self, level: str, text: str) -> None:
        self.logs.append((level, text))

    def ring(self, seq: int, rep: int, members: tuple[int, ...]) -> None:
        """A new ring installed: nothing known about it yet."""
        self.core.view = View(RingId(seq, rep), members)
        self.core.dc, self.core.quorum_synced, self.core.cib_synced = None, False, False


def _deliver(ctl: Controller, daemon: StandIn, kind: str, origin: int, header: dict,
             body: bytes = b"<lrm_resources/>") -> None:
    ctl.on_event(AppMessage(kind, origin, header, body))


def _histories(daemon: StandIn, ring: str) -> list[dict]:
    return [h for k, h, _ in daemon.sent if k == "lrm-state" and h["ring"] == ring]


def test_dc_that_sends_the_cib_reports_its_own_history(tmp_path) -> None:
    async def scenario() -> None:
        daemon = StandIn(tmp_path)
        ctl = Controller(daemon)
        # node2 alone, DC of ring 2.20
        daemon.ring(0x20, 2, (2,))
        daemon.core.dc, daemon.core.quorum_synced, daemon.core.cib_synced = 2, True, True
        ctl.on_event(SimpleNamespace(kind="dc"))
        [mine] = _histories(daemon, "2.20")
        _deliver(ctl, daemon, "lrm-state", 2, mine)
        assert ctl.core.is_dc and not ctl.core.awaiting

        # node1 rejoins (ring 1.24); node2 stays DC and must send its newer CIB first
        daemon.ring(0x24, 1, (1, 2))
        ctl.on_event(SimpleNamespace(kind="view"))
        daemon.core.dc, daemon.core.quorum_synced = 2, True
        ctl.on_event(SimpleNamespace(kind="dc"))
        assert ctl.core.is_dc, "the DC keeps its role while the CIB goes out"
        assert len(_histories(daemon, "1.24")) == 1, "the DC's own history was not sent"
        # its own history comes back before the CIB sync completes: kept for later
        _deliver(ctl, daemon, "lrm-state", 2, _histories(daemon, "1.24")[0])
        daemon.core.cib_synced = True
        ctl.on_event(SimpleNamespace(kind="cib"))
        _deliver(ctl, daemon, "lrm-state", 1, {"node": "node1", "ring": "1.24",
                                               "fresh": True})
        assert ctl.core.awaiting == set(), f"still waiting for {sorted(ctl.core.awaiting)}"
        assert len(_histories(daemon, "1.24")) == 1
        await ctl.lrm.close()

    asyncio.run(scenario())
