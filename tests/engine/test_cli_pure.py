"""``crm cluster`` pieces that need no daemon: status layout, init/keygen, usage errors."""

from __future__ import annotations

import os

from hacrm.engine import config as cconf
from hacrm.engine import statusview
from hacrm.engine.cluster_cli import main
from hacrm.engine.paths import Layout

STATUS = {
    "cluster_name": "web", "node": "beta", "nodeid": 2, "ring_id": "1.2c", "quorate": True,
    "synced": True, "dc": 1, "dc_name": "alpha", "members": [1, 2],
    "nodes": [{"id": 1, "name": "alpha", "votes": 1}, {"id": 2, "name": "beta", "votes": 1},
              {"id": 3, "name": "gamma", "votes": 1}],
    "quorum": {"quorate": True, "expected_votes": 3, "highest_expected": 3, "total_votes": 2,
               "quorum": 2, "flags": ["Quorate"]},
    "cib": {"version": [0, 7, 3], "digest": "0123456789abcdef"},
    "rejected": {"bad-signature": 4},
}


def test_status_layout_follows_corosync_quorumtool():
    text = statusview.render(STATUS)
    assert "Ring ID:          1.2c" in text
    assert "Quorate:          Yes" in text
    assert "Expected votes:   3" in text and "Total votes:      2" in text
    assert "Quorum:           2\n" in text
    assert "         1          1 alpha (DC)" in text
    assert "         2          1 beta (local)" in text
    assert "Offline:          gamma" in text
    assert "CIB:              0.7.3" in text and "bad-signature 4" in text
    blocked = dict(STATUS, quorate=False, quorum=dict(STATUS["quorum"], quorate=False))
    assert "Quorum:           2 Activity blocked" in statusview.render(blocked)


def test_init_writes_a_usable_configuration_and_a_private_key(tmp_path, capsys):
    root = tmp_path / "r"
    assert main(["init", "--root", str(root), "-n", "web", "-N", "alpha=10.0.0.1",
                 "-N", "beta=10.0.0.2", "--token", "2000"]) == 0
    conf = cconf.load(Layout(root).config)
    assert conf.totem.cluster_name == "web" and conf.token_ms == 2000
    assert [(n.name, n.addr, n.nodeid) for n in conf.nodes] == [
        ("alpha", "10.0.0.1", 1), ("beta", "10.0.0.2", 2)]
    assert conf.quorum.two_node  # two nodes: votequorum's two_node
    key = Layout(root).authkey
    assert oct(os.stat(key).st_mode & 0o777) == "0o400" and len(key.read_bytes()) == 256
    assert main(["keygen", "--root", str(root)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["keygen", "--root", str(root), "--force"]) == 0


def test_usage_errors_are_exit_status_2_without_traceback(capsys):
    assert main(["frobnicate"]) == 2
    assert main(["sandbox", "start", "--nodes", "many"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "invalid choice" in err


def test_sandbox_commands_explain_a_missing_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("HACRM_SANDBOX", raising=False)
    assert main(["sandbox", "stop"]) == 1
    assert "--dir" in capsys.readouterr().err
    assert main(["sandbox", "status", "--dir", str(tmp_path)]) == 1
    assert "not a sandbox" in capsys.readouterr().err
