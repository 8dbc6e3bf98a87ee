"""The crm_simulate-compatible command line: options, files written, clear errors."""

import subprocess
import sys

from hacrm.scheduler.simulate_cli import main
from scheduler.scenarios import cib, dummy


def test_runs_and_writes_graph_and_cib(tmp_path, capsys):
    path = tmp_path / "cib.xml"
    path.write_text(cib(dummy("a")))
    graph, out = tmp_path / "g.xml", tmp_path / "o.xml"
    assert main(["-x", str(path), "-S", "-G", str(graph), "-O", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Transition Summary:" in text and "Revised Cluster Status:" in text
    assert "<transition_graph" in graph.read_text()
    assert "lrm_rsc_op" in out.read_text()


def test_injections_are_reported(tmp_path, capsys):
    path = tmp_path / "cib.xml"
    path.write_text(cib(dummy("a")))
    assert main(["-x", str(path), "-S", "-d", "node2"]) == 0
    text = capsys.readouterr().out
    assert "Taking node node2 offline" in text


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("<cib><configuration>")
    assert main(["-x", str(bad), "-R"]) != 0
    err = capsys.readouterr().err
    assert "bad.xml" in err and "line" in err and "Traceback" not in err
    assert main(["-x", str(tmp_path / "missing.xml"), "-R"]) != 0
    assert "cannot read" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path):
    path = tmp_path / "cib.xml"
    path.write_text(cib(dummy("a")))
    proc = subprocess.run([sys.executable, "-m", "hacrm.scheduler", "-x", str(path), "-R"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "Start      a" in proc.stdout
