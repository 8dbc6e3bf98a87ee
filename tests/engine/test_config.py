"""The corosync.conf reader: corosync's syntax rules, our interpretation, clear errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from oracles import oracle

from hacrm.engine import config as cconf

BASIC = """\
# a comment
totem {
\tversion: 2
\tcluster_name: web
\ttoken: 2000
}
nodelist {
\tnode {
\t\tring0_addr: 192.168.1.1
\t\tname: alpha
\t\tnodeid: 1
\t}
\tnode {
\t\tring0_addr: 192.168.1.2
\t\tname: beta
\t\tnodeid: 2
\t\tquorum_votes: 2
\t}
}
quorum {
\tprovider: corosync_votequorum
\ttwo_node: 1
}
"""


def test_basic_file_is_read():
    conf = cconf.load_text(BASIC, "c.conf")
    assert conf.totem.cluster_name == "web"
    assert conf.token_ms == 2000
    assert conf.consensus_ms == 2400  # corosync's default: 1.2 x token
    assert conf.heartbeat_ms == 200
    assert [(n.nodeid, n.name, n.addr, n.port, n.votes) for n in conf.nodes] == [
        (1, "alpha", "192.168.1.1", 5405, 1), (2, "beta", "192.168.1.2", 5405, 2)]
    assert conf.quorum.two_node and conf.quorum.wait_for_all is None
    assert conf.warnings == ()


def test_defaults_when_totem_is_silent():
    conf = cconf.load_text("nodelist {\nnode {\nring0_addr: 10.0.0.1\nnodeid: 3\n}\n}\n")
    assert conf.token_ms == cconf.DEFAULT_TOKEN == 1000
    assert conf.totem.cluster_name == "hacluster"
    assert conf.nodes[0].name == "10.0.0.1"  # no name: the address stands in


def test_token_coefficient_applies_above_two_nodes_like_corosync():
    nodes = "".join(f"node {{\nring0_addr: 10.0.0.{i}\nnodeid: {i}\n}}\n" for i in range(1, 5))
    conf = cconf.load_text(f"totem {{\ntoken: 1000\ntoken_coefficient: 650\n}}\n"
                           f"nodelist {{\n{nodes}}}\n")
    assert conf.token_ms == 1000 + 2 * 650


def test_nodeid_derived_from_ipv4_address_as_corosync_does():
    conf = cconf.load_text("nodelist {\nnode {\nring0_addr: 10.0.0.1\n}\n}\n")
    assert conf.nodes[0].nodeid == (10 << 24) + 1


def test_ipv6_value_keeps_its_colons():
    conf = cconf.load_text("nodelist {\nnode {\nring0_addr: fe80::1\nnodeid: 1\n}\n}\n")
    assert conf.nodes[0].addr == "fe80::1"


def test_unknown_key_is_a_warning_with_its_line():
    text = BASIC.replace("\ttoken: 2000\n", "\ttoken: 2000\n\ttokne: 5\n")
    conf = cconf.load_text(text, "c.conf")
    assert len(conf.warnings) == 1
    w = conf.warnings[0]
    assert (w.severity, w.source, w.line) == ("warning", "c.conf", 6)
    assert "totem.tokne" in w.message


def test_keys_corosync_knows_are_accepted_silently():
    text = BASIC.replace("\ttoken: 2000\n", "\ttoken: 2000\n\tcrypto_cipher: aes256\n"
                         "\tinterface {\n\t\tlinknumber: 0\n\t}\n")
    assert cconf.load_text(text).warnings == ()


@pytest.mark.parametrize("bad, line, column, words", [
    ("\ttoken: soon\n", 6, 9, "expected a number"),
    ("\ttoken: 1\n", 6, 9, "out of range"),
])
def test_bad_values_are_errors_located_at_the_value(bad, line, column, words):
    text = BASIC.replace("\ttoken: 2000\n", "\ttoken: 2000\n" + bad)
    with pytest.raises(cconf.ConfigError) as exc:
        cconf.load_text(text, "c.conf")
    d = exc.value.diagnostic
    assert (d.source, d.line, d.column) == ("c.conf", line, column)
    assert words in d.message


def test_bad_boolean():
    with pytest.raises(cconf.ConfigError, match="expected yes/no"):
        cconf.load_text(BASIC.replace("two_node: 1", "two_node: maybe"))


@pytest.mark.parametrize("text, line, words", [
    ("totem {\n", 1, "not closed"),
    ("totem {\n}\n}\n", 3, "unexpected '}'"),
    ("totem { x\n}\n", 1, "extra characters after"),
    ("totem {\njust words\n}\n", 2, "expected"),
    ("totem {\n} x\n", 2, "extra characters before or after"),
    ("{\n}\n", 1, "missing section name"),
])
def test_syntax_errors(text, line, words):
    with pytest.raises(cconf.ConfigError) as exc:
        cconf.parse_text(text, "s.conf")
    assert exc.value.diagnostic.line == line
    assert words in exc.value.diagnostic.message
    assert "s.conf:" in str(exc.value)


def test_missing_nodelist_is_an_error_with_a_hint():
    with pytest.raises(cconf.ConfigError) as exc:
        cconf.load_text("totem {\nversion: 2\n}\n")
    assert exc.value.diagnostic.hint


def test_duplicate_nodeid_refused():
    text = "nodelist {\nnode {\nring0_addr: a\nnodeid: 1\n}\nnode {\nring0_addr: b\nnodeid: 1\n}\n}\n"
    with pytest.raises(cconf.ConfigError, match="used twice"):
        cconf.load_text(text)


def test_heartbeat_must_fit_in_token():
    text = BASIC.replace("\ttoken: 2000\n", "\ttoken: 2000\n\theartbeat_interval: 1500\n")
    with pytest.raises(cconf.ConfigError, match="at most half"):
        cconf.load_text(text)


def test_quorum_options():
    conf = cconf.load_text(BASIC.replace("\ttwo_node: 1\n", "\twait_for_all: 0\n"
                                         "\tlast_man_standing: 1\n"
                                         "\tauto_tie_breaker: 1\n"
                                         "\tauto_tie_breaker_node: 3 1 2\n"))
    q = conf.quorum
    assert (q.wait_for_all, q.last_man_standing, q.auto_tie_breaker) == (False, True, True)
    assert q.auto_tie_breaker_node == (3, 1, 2)


def test_debian_default_corosync_conf_reads_as_is():
    path = Path("/etc/corosync/corosync.conf")
    if not path.exists():
        pytest.skip("corosync's default configuration is not installed")
    conf = cconf.load(path)
    assert conf.totem.cluster_name == "debian"
    assert [n.name for n in conf.nodes] == ["node1"]
    assert conf.warnings == ()


# ---------------------------------------------------------------------------- vs corosync -t

# corosync -t insists that this host is in the nodelist
LOCAL = BASIC.replace("192.168.1.1", "127.0.0.1")
ORACLE_CASES = [
    LOCAL,
    LOCAL.replace("totem {", "totem{"),
    LOCAL.replace("\ttoken: 2000\n", "\ttoken:2000\n"),
    LOCAL.replace("\tversion: 2\n", "    \t  version: 2   \n"),
    LOCAL + "\n# trailing comment\n",
    LOCAL.replace("}\nnodelist", "}\n}\nnodelist"),  # stray brace
    LOCAL.replace("quorum {", "quorum { x"),
    LOCAL.replace("\tcluster_name: web\n", "\tcluster_name web\n"),
    LOCAL[:-2],  # quorum never closed
    LOCAL.replace("\ttwo_node: 1\n", "\ttwo_node: 1\n\t}\n"),
    LOCAL.replace("\ttoken: 2000\n", "\ttoken: 2000\n\tmystery_key: 1\n"),
]


@pytest.mark.oracle
@pytest.mark.parametrize("case", range(len(ORACLE_CASES)))
def test_accepts_exactly_what_corosync_accepts(case, tmp_path):
    corosync = oracle("corosync")
    text = ORACLE_CASES[case]
    path = tmp_path / "corosync.conf"
    path.write_text(text)
    theirs = subprocess.run([corosync, "-t", "-c", str(path)], capture_output=True,
                            timeout=60).returncode == 0
    try:
        cconf.load_text(text)
        ours = True
    except cconf.ConfigError:
        ours = False
    assert ours == theirs, f"corosync -t says {theirs}, we say {ours} for:\n{text}"


@pytest.mark.oracle
def test_written_configuration_passes_corosync_t(tmp_path):
    corosync = oracle("corosync")
    nodes = [cconf.NodeEntry(1, "a", "127.0.0.1", 5405), cconf.NodeEntry(2, "b", "127.0.0.1", 6000)]
    text = cconf.render("demo", nodes, token=800, heartbeat_interval=80, port=5405)
    path = tmp_path / "corosync.conf"
    path.write_text(text)
    run = subprocess.run([corosync, "-t", "-c", str(path)], capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    conf = cconf.load_text(text)
    assert conf.token_ms == 800 and conf.heartbeat_ms == 80
    assert [n.port for n in conf.nodes] == [5405, 6000]
    assert conf.quorum.two_node
