"""The daemon's own logic that needs no sockets: failing fast, effects routing."""

from __future__ import annotations

import asyncio
import logging

import pytest

from engine.fakecluster import make_config
from hacrm.engine.daemon import Daemon, StartupError, resolve_node
from hacrm.engine.membership import Log
from hacrm.engine.node import Notify
from hacrm.engine.paths import Layout


class Exploding:
    def step(self, event, now):
        raise RuntimeError("a bug")


class Recording:
    def __init__(self):
        self.seen = []

    def step(self, event, now):
        self.seen.append(event)
        return [Log("notice", "hello"), Notify("view", {"ring": "1.4"})]


class Api:
    def __init__(self):
        self.events = []

    def broadcast(self, kind, data):
        self.events.append((kind, data))


def make(tmp_path):
    config = make_config(2)
    return Daemon(Layout(tmp_path), config, config.nodes[0], b"k" * 32,
                  logger=logging.getLogger("test-daemon"))


def test_a_bug_in_the_core_stops_the_daemon_instead_of_leaving_it_half_alive(tmp_path):
    async def scenario():
        daemon = make(tmp_path)
        daemon.core = Exploding()
        daemon.step(object())
        assert daemon.failed is not None and daemon.stopping.is_set()
        daemon.step(object())  # nothing more happens once failed
    asyncio.run(scenario())


def test_effects_reach_watchers_and_listeners(tmp_path):
    async def scenario():
        daemon = make(tmp_path)
        daemon.core = Recording()
        daemon.api = Api()
        heard = []
        daemon.listeners.append(heard.append)
        daemon.step("tick")
        assert daemon.api.events == [("view", {"ring": "1.4"})]
        assert [n.kind for n in heard] == ["view"]
        assert daemon.view_log and daemon.view_log[-1]["ring"] == "1.4"
    asyncio.run(scenario())


def test_node_identity():
    config = make_config(3)
    assert resolve_node(config, "node2").nodeid == 2
    assert resolve_node(config, "3").name == "node3"
    with pytest.raises(StartupError, match="not in the nodelist"):
        resolve_node(config, "node9")
    with pytest.raises(StartupError, match="cannot tell which node"):
        resolve_node(config, None)  # all on 127.0.0.1: ambiguous without --name
