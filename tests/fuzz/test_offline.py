"""Fuzzing the offline input surfaces with a bounded budget (a few seconds each): the
configure language (lines and whole scripts, through the working copy and through the
shell), the CIB XML readers, the corosync.conf reader, the wire decoder and the packet
authenticator.  The property is the one in :mod:`fuzz.targets`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz import targets
from fuzz.budget import fuzz_settings
from fuzz.corpus import TOKENS, lines_of, mutated, mutated_text, seeds

WORK = Path(tempfile.mkdtemp(prefix="hacrm-fuzz-"))


@pytest.fixture(scope="module", autouse=True)
def _workdir():
    yield
    import shutil

    shutil.rmtree(WORK, ignore_errors=True)


CONFIGURE_LINES = lines_of("configure")


@fuzz_settings(300)
@given(mutated_text(CONFIGURE_LINES, TOKENS["configure"], max_ops=4))
def test_configure_line(text: str) -> None:
    targets.configure_line(text, WORK)


@fuzz_settings(60)
@given(st.lists(mutated_text(CONFIGURE_LINES, TOKENS["configure"], max_ops=3),
                min_size=1, max_size=8).map("\n".join))
def test_configure_script(text: str) -> None:
    targets.configure_script(text, WORK)


SHELL_WORDS = ["show", "verify", "delete", "rename", "erase", "refresh", "ptest", "set",
               "modgroup", "default-timeouts", "rsctest", "property", "primitive",
               "p1", "p2", "g1", "xml", "changed", "type:primitive", "add", "remove"]


@fuzz_settings(40)
@given(st.lists(st.one_of(mutated_text(CONFIGURE_LINES, TOKENS["configure"], max_ops=2),
                          st.lists(st.sampled_from(SHELL_WORDS), min_size=1,
                                   max_size=4).map(" ".join)),
                min_size=1, max_size=8).map("\n".join))
def test_shell_script(text: str) -> None:
    targets.shell_script(text, WORK)


CIB_SEEDS = seeds("cibxml")


@fuzz_settings(300)
@given(mutated(CIB_SEEDS, TOKENS["cibxml"]))
def test_cib_xml(data: bytes) -> None:
    targets.cib_xml(data)


@fuzz_settings(200)
@given(mutated(CIB_SEEDS, TOKENS["cibxml"]))
def test_engine_cib(data: bytes) -> None:
    targets.engine_cib(data)


@fuzz_settings(400)
@given(mutated(seeds("corosync"), TOKENS["corosync"], max_ops=8))
def test_corosync_conf(data: bytes) -> None:
    targets.corosync_conf(data)


@fuzz_settings(500)
@given(mutated(seeds("wire"), ['{"r":[1,5]', '"a":', '-1', '1e400', '[]', '{}', 'null',
                               '9' * 30, '\x00', '"n":[' + '1,' * 5000 + '1]'], max_ops=4))
def test_wire_decode(data: bytes) -> None:
    targets.wire_decode(data)


@fuzz_settings(200)
@given(st.binary(max_size=200) | mutated(seeds("wire"), None).map(lambda b: b"HC\x01\x00" + b))
def test_packet_auth(data: bytes) -> None:
    targets.packet_auth(data)
