"""The message codec: every message survives encoding; garbage never does, and never crashes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hacrm.engine import wire
from hacrm.engine.wire import (
    Ack,
    Commit,
    Data,
    Heartbeat,
    Install,
    Join,
    Leave,
    Nack,
    Recovered,
    RecoverReq,
    RingId,
    Submit,
    SubmitAck,
)

ids = st.integers(1, 2**31)
seqs = st.integers(0, 2**40)
rings = st.builds(RingId, seq=seqs, rep=ids)
node_sets = st.frozensets(ids, max_size=8)
bodies = st.binary(max_size=300)


@st.composite
def fragments(draw, cls):
    count = draw(st.integers(1, 50))
    idx = draw(st.integers(0, count - 1))
    if cls is Submit:
        return Submit(draw(rings), draw(st.integers(1, 2**40)), idx, count, draw(bodies))
    return Data(draw(rings), draw(st.integers(1, 2**40)), draw(ids), idx, count, draw(seqs),
                draw(bodies))


messages = st.one_of(
    st.builds(Heartbeat, rings, st.booleans(), seqs, seqs, seqs,
              st.lists(ids, max_size=8).map(tuple)),
    st.builds(Join, rings, node_sets, node_sets, seqs, seqs),
    st.builds(Commit, rings, st.lists(ids, max_size=8).map(tuple),
              st.lists(st.tuples(ids, rings, seqs), max_size=8).map(tuple)),
    st.builds(Recovered, rings), st.builds(Install, rings), st.builds(Leave, rings),
    fragments(Submit), st.builds(SubmitAck, rings, seqs), fragments(Data),
    st.builds(Ack, rings, seqs), st.builds(Nack, rings, st.lists(seqs, max_size=20).map(tuple)),
    st.builds(RecoverReq, rings, st.integers(1, 100), st.integers(100, 200)),
)


@given(messages)
@settings(max_examples=300, deadline=None)
def test_roundtrip(msg):
    assert wire.decode(wire.encode(msg)) == msg


@given(st.binary(max_size=400))
@settings(max_examples=500, deadline=None)
def test_garbage_only_ever_raises_wire_error(data):
    try:
        wire.decode(data)
    except wire.WireError:
        pass


@given(messages, st.integers(0, 10_000), st.integers(0, 255))
@settings(max_examples=300, deadline=None)
def test_corrupted_messages_decode_or_raise_wire_error(msg, pos, byte):
    data = bytearray(wire.encode(msg))
    data[pos % len(data)] = byte
    try:
        wire.decode(bytes(data))
    except wire.WireError:
        pass


@pytest.mark.parametrize("header", [
    {"r": [1, 2], "o": 2, "a": 0, "h": 0, "s": 0, "n": []},  # flag out of range
    {"r": [1, -2], "o": 1, "a": 0, "h": 0, "s": 0, "n": []},  # negative ring sequence
    {"r": [1, 2], "o": 1, "a": "0", "h": 0, "s": 0, "n": []},  # string where a number goes
    {"r": [1, 2], "o": 1, "a": 0, "h": 0, "s": 0, "n": [0]},  # node id 0
    {"r": [1, 2], "o": 1, "a": 0, "h": 0, "s": 0, "n": list(range(1, 5000))},  # huge list
    {"r": [1, 2], "o": True, "a": 0, "h": 0, "s": 0},  # missing list
])
def test_type_checked_fields(header):
    raw = json.dumps(header).encode()
    data = bytes([1]) + len(raw).to_bytes(2, "big") + raw
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_ring_id_prints_like_corosync():
    assert str(RingId(seq=0x2C, rep=1)) == "1.2c"
    assert RingId(seq=8, rep=3) > RingId(seq=4, rep=9)  # sequence first
