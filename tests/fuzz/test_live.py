"""Fuzzing a running node daemon through its two doors: the local API socket and the UDP
port (unsigned garbage, and messages signed with the cluster's key as if from a peer).  The
daemon must answer or drop each input, stay up, and keep its configuration."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz.budget import fuzz_settings
from fuzz.corpus import mutated, seeds
from fuzz.live import LiveNode, api_request, udp_packets

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    live = LiveNode(tmp_path_factory.mktemp("fuzz-live") / "sb")
    try:
        yield live
        assert live.log_problems() == []
    finally:
        live.close()


#: ops a user may call that change things on purpose (shutdown, fault rules, application
#: messages): not generated, their refusals are tested by the request shapes below
EXCLUDED = {"shutdown", "fault", "send", "node_fence"}
OPS = ["ping", "query", "status", "replace_configuration", "cib_update", "watch", "attribute",
       "attributes", "resource_cleanup", "controller", "nosuch", ""]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
CIB_TEXT = [b.decode() for b in seeds("cibxml")]


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    req: dict = {"id": draw(st.integers(0, 10) | json_values)}
    req["op"] = draw(st.sampled_from(OPS) | st.text(max_size=12))
    if draw(st.booleans()):
        req["args"] = draw(st.dictionaries(
            st.sampled_from(["base", "op", "args", "node", "name", "value", "delete", "nodes",
                             "resource", "lifetime", "query", "set", "refresh", "wait"]),
            json_values, max_size=4) | json_values)
    if draw(st.booleans()):
        req["body"] = draw(st.sampled_from(CIB_TEXT).map(lambda t: t.replace("epoch", "x"))
                           | json_values)
    if draw(st.booleans()):
        req["timeout"] = draw(json_values)
    if req["op"] in EXCLUDED:
        req["op"] = "nosuch"
    return json.dumps(req).encode() + b"\n"


raw_lines = st.one_of(
    st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"") + b"\n"),
    st.just(b"[" * 100000 + b"\n"),
    st.just(b'{"op": "query", "args": ' + b"[" * 5000 + b"]" * 5000 + b"}\n"),
    st.just(b'{"op": "ping", "id": 1e999999}\n'),
    st.just(b'{"op": "\xff"}\n'),
    st.just(b"\n\n\n"),
    mutated(seeds("api"), ['"', "{", "}", "[", "]", ",", ":", "null", "1e309", "\\u0000"],
            max_ops=3).map(lambda b: b.rstrip(b"\n") + b"\n"),
)


@fuzz_settings(600)
@given(st.lists(requests() | raw_lines, min_size=1, max_size=3).map(b"".join))
def test_local_api(node, payload: bytes) -> None:
    api_request(node, payload)


def _wire_seeds() -> list[bytes]:
    return seeds("wire")


@fuzz_settings(400)
@given(st.lists(mutated(_wire_seeds(), ['{"r":[1,9]', '"q":', "-1", "[]", "{}", "null",
                                         "9" * 25, "1e400"], max_ops=3),
                min_size=1, max_size=20))
def test_udp_signed_messages(node, messages: list[bytes]) -> None:
    udp_packets(node, messages, signed=True)


@fuzz_settings(40)
@given(st.lists(st.binary(max_size=120) | mutated(_wire_seeds(), None).map(
    lambda b: b"HC\x01\x00" + b), min_size=1, max_size=50))
def test_udp_unsigned_garbage(node, messages: list[bytes]) -> None:
    udp_packets(node, messages, signed=False)
