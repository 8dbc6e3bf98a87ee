"""kill -9 in the middle of a stream of commits: no node may be left with a corrupt CIB or one
older than the last commit it acknowledged."""

from __future__ import annotations

import random
import threading

from lxml import etree

from cluster.conftest import TIMEOUT
from hacrm.backends.base import BackendError, CibVersion
from hacrm.backends.embedded import connect
from hacrm.engine.cibfiles import CibFiles


class Writer(threading.Thread):
    """Commits one new primitive after another through one node; remembers what was
    acknowledged."""

    def __init__(self, sb, node: str) -> None:
        super().__init__(daemon=True)
        self.backend = connect(node, str(sb.dir), timeout=30)
        self.acked: list[tuple[CibVersion, str]] = []
        self.stop = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        k = 0
        while not self.stop.is_set() and k < 500:
            k += 1
            rid = f"r{k}"
            try:
                base = self.backend.version()
                xml = self.backend.read().replace(
                    "</resources>", f'<primitive id="{rid}" class="ocf" provider="heartbeat" '
                                    f'type="Dummy"/></resources>', 1).replace(
                    "<resources/>", f'<resources><primitive id="{rid}" class="ocf" '
                                    f'provider="heartbeat" type="Dummy"/></resources>', 1)
                version = self.backend.replace_configuration(xml, base)
            except BackendError as err:  # the node died under us: expected
                self.error = str(err)
                return
            self.acked.append((version, rid))


def on_disk(sb, node: str):
    loaded = CibFiles(sb.layout(node).cib_dir).load()
    assert loaded.cib is not None, f"{node} has no usable CIB on disk: {loaded.warnings}"
    ids = {p.get("id") for p in loaded.cib.root.iterfind("configuration/resources/primitive")}
    return loaded.cib.version, ids


def test_kill_during_a_stream_of_commits_never_loses_an_acknowledged_one(clusters):
    sb = clusters.start(3)
    sb.wait_converged(timeout=TIMEOUT)
    rng = random.Random(4)
    for round_, (writer_node, victim) in enumerate([("node2", "node2"), ("node3", "node1"),
                                                     ("node2", "node2"), ("node1", "node1")]):
        writer = Writer(sb, writer_node)
        writer.start()
        sb.wait(lambda _: len(writer.acked) >= 3 + round_, TIMEOUT, "a few commits", [])
        # land the kill at a random point of a commit
        threading.Event().wait(rng.uniform(0.0, 0.15))
        clusters.kill(sb, victim)
        writer.stop.set()
        writer.join(60)
        assert writer.acked, "no commit was acknowledged"
        last_version, _ = writer.acked[-1]
        acked_ids = {rid for _, rid in writer.acked}
        if victim == writer_node:
            version, ids = on_disk(sb, victim)
            assert version >= last_version, (version, last_version)
            assert acked_ids <= ids
        clusters.start_node(sb, victim)
        sb.wait_converged(timeout=TIMEOUT)
        # every node holds the same CIB and has written it (other nodes write in the
        # background: only the node that acknowledged a commit waits for its disk)
        st = sb.wait(lambda s: len({x["cib"]["digest"] for x in s.values()}) == 1 and all(
            x["persisted"] == x["cib"]["version"] for x in s.values()), TIMEOUT,
            "one CIB everywhere, on every disk")
        for name in sb.names():
            version, ids = on_disk(sb, name)
            assert acked_ids <= ids, f"{name} lost acknowledged commits"
            root = etree.fromstring(connect(name, str(sb.dir)).read().encode())
            live = {p.get("id") for p in root.iterfind("configuration/resources/primitive")}
            assert acked_ids <= live
