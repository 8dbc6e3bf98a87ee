"""Hand-made plans and a driver for the controller core (no scheduler, no daemon)."""

from __future__ import annotations

from lxml import etree

from hacrm.engine.controller_core import ControllerCore
from hacrm.engine.controller_events import DcState, NodeHistory, WriteDone, WriteStatus
from hacrm.engine.plan import Plan, PlannedAction, PlannedSynapse, RscRef

WALL = 1_700_000_000.0
NODES = {"node1": "1", "node2": "2", "node3": "3"}


def rsc_op(aid: int, rsc: str, task: str, node: str, *, interval: int = 0,
           target_rc: int | None = None, timeout: int = 20000, **meta: str) -> PlannedAction:
    params = {"CRM_meta_timeout": str(timeout), "CRM_meta_on_node": node}
    if interval:
        params["CRM_meta_interval"] = str(interval)
    if target_rc is not None:
        params["CRM_meta_op_target_rc"] = str(target_rc)
    for k, v in meta.items():
        params[f"CRM_meta_{k}"] = v
    return PlannedAction(aid, "rsc_op", task, f"{rsc}_{task}_{interval}", node, NODES[node],
                         RscRef(rsc, None, "ocf", "hacrm", "Dummy"), params)


def pseudo(aid: int, key: str, task: str = "start") -> PlannedAction:
    return PlannedAction(aid, "pseudo_event", task, key, None, None, None,
                         {"CRM_meta_timeout": "20000"})


def event(aid: int, task: str, node: str, rsc: str | None = None, **params: str
          ) -> PlannedAction:
    key = f"stonith-{node}-reboot" if task == "stonith" else \
        f"{rsc}_{task}_0" if rsc else f"{task}-{node}"
    p = {"CRM_meta_on_node": node, **{f"CRM_meta_{k}": v for k, v in params.items()}}
    return PlannedAction(aid, "crm_event", task, key, node, NODES[node],
                         RscRef(rsc, None, "ocf", "hacrm", "Dummy") if rsc else None, p)


def plan(*items: tuple[PlannedAction, tuple[int, ...]], **kw) -> Plan:
    return Plan(tuple(PlannedSynapse(i, a, tuple(inputs), 0)
                      for i, (a, inputs) in enumerate(items)), **kw)


class Driver:
    """Feeds a core and keeps what it emitted; acknowledges status writes on request."""

    def __init__(self, me: str = "node1", uuid: str = "uuid-1", **kw) -> None:
        self.core = ControllerCore(me, uuid, wall_offset=WALL, **kw)
        self.now = 100.0
        self.effects: list = []

    def step(self, event, advance: float = 0.0):
        self.now += advance
        out = self.core.step(event, self.now)
        self.effects.extend(out)
        return out

    def of(self, kind, out=None):
        return [e for e in (self.effects if out is None else out) if isinstance(e, kind)]

    def ack_writes(self) -> list:
        out = []
        for w in self.of(WriteStatus):
            if w.seq in self.core.writes:
                out += self.step(WriteDone(w.seq, True))
        return out

    def become_dc(self, members=("node1", "node2")) -> list:
        out = self.step(DcState(True, {m: NODES[m] for m in members}, dict(NODES)))
        for m in members:
            out += self.step(NodeHistory(m, b"<lrm_resources/>"))
        out += self.ack_writes()
        return out


def patch_changes(body: bytes) -> list[tuple[str, str, dict]]:
    """(node, change tag, attributes) for every change of a status patch."""
    root = etree.fromstring(body)
    return [(n.get("uname"), c.tag, dict(c.attrib)) for n in root for c in n]
