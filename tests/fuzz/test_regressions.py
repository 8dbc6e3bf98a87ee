"""What the fuzzers found, each kept as a regression test (the fix is in the commit that
added the test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fuzz import targets
from hacrm.cib.document import empty_cib_xml


@pytest.mark.parametrize("text", [
    "location l1 \x001 100: node1",
    "location l2 p1 rule and\x00pingd lt 1 or not_defined pingd",
    "primitive p1 Dummy params a=\x01",
    "location l1 \udc80p1 100: node1",
    "# comment \x07\nprimitive p1 Dummy",
])
def test_characters_a_cib_cannot_hold_are_refused_where_typed(text: str, tmp_path: Path) -> None:
    """Control characters and undecodable bytes were accepted by the parser and crashed the
    XML writer at commit (a traceback from ``crm configure < script``)."""
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.diagnostics import ConfigureError

    cib = tmp_path / "cib.xml"
    cib.write_text(empty_cib_xml())
    wc = WorkingCopy(FileBackend(cib), force=True)
    with pytest.raises(ConfigureError) as err:
        wc.define(text, source="t.crm")
    diag = err.value.diagnostics[0]
    assert diag.line is not None and diag.column is not None
    assert "CIB" in diag.message or "UTF-8" in diag.message
    targets.configure_line(text, tmp_path)
    targets.configure_script(text, tmp_path)


def _crm(args: list[str], cib: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "CIB_file": str(cib), "LC_ALL": "C"}
    return subprocess.run([sys.executable, "-m", "hacrm.cli", *args], input=stdin,
                          capture_output=True, env=env, timeout=120, cwd=cib.parent)


def test_crm_batch_with_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    cib.write_text(empty_cib_xml())
    script = b"primitive p1 Dummy params a=\xff\n"
    (tmp_path / "bad.crm").write_bytes(b"configure\n" + script)
    for args, stdin in ((["configure"], script), (["-f", "bad.crm"], b""),
                        (["configure", "primitive", "p2", "Dummy", "params", "a=\x01"], b"")):
        out = _crm(args, cib, stdin)
        text = (out.stdout + out.stderr).decode(errors="replace")
        assert "Traceback" not in text, text
        assert out.returncode != 0
        assert "UTF-8" in text or "cannot be stored" in text, text
    assert cib.read_text() == empty_cib_xml()


@pytest.mark.parametrize("text", [
    "bundle b1 docker image=img inf:network control-port=3121 port-mapping id=pm port=80 "
    "primitive p4",
    "bundle b1 docker image=img 1net=2",
    "bundle b1 docker image=img network control-port=3121 port-mapping id=pm p:ort=80",
])
def test_bundle_attribute_names_that_are_not_xml_names(text: str, tmp_path: Path) -> None:
    """Bundle part attributes become XML attributes; a name XML cannot hold was accepted and
    crashed ``show`` and commit (``ValueError: Invalid attribute name``)."""
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.diagnostics import ConfigureError

    cib = tmp_path / "cib.xml"
    cib.write_text(empty_cib_xml())
    wc = WorkingCopy(FileBackend(cib), force=True)
    with pytest.raises(ConfigureError) as err:
        wc.define(text, source="t.crm")
    assert "not a valid attribute name" in err.value.diagnostics[0].message
    assert err.value.diagnostics[0].column > 1
    targets.configure_line(text, tmp_path)


def test_cib_update_with_an_op_that_is_not_a_string() -> None:
    """``{"op": "cib_update", "args": {"op": []}}`` on the local API raised TypeError
    (unhashable list) inside the node's state machine, and the daemon exited."""
    from engine.fakecluster import FakeCluster

    cluster = FakeCluster(1)
    cluster.run_until(cluster.settled)
    for bad in ([], {}, 1, None, ["status_replace"]):
        call = cluster.call(1, "cib_update", {"op": bad, "args": {}})
        reply = cluster.reply(1, call)
        assert not reply.ok and "unknown CIB operation" in reply.error


@pytest.mark.parametrize("op,args", [
    ("attribute", {"node": ["node1"], "name": "x", "value": "1"}),
    ("attributes", {"node": {"a": 1}}),
    ("resource_cleanup", {"node": [1]}),
    ("resource_cleanup", {"resource": "p", "wait": [2]}),
    ("node_clearstate", {"node": ["node2"]}),
    ("node_fence", {"node": {}}),
    ("wait_idle", {"timeout": "soon"}),
])
def test_controller_calls_with_badly_typed_arguments_get_an_error(op: str, args: dict) -> None:
    """``{"op": "attribute", "args": {"node": [...]}}`` raised TypeError (unhashable list)
    in the controller's handler: the client got "internal error" and the daemon logged a
    bug.  A badly typed argument is now refused like any bad value, before anything is done
    (the fake controller has no daemon: touching it would fail differently)."""
    import asyncio
    from types import SimpleNamespace

    from hacrm.engine.controller_api import ControllerApi

    api = ControllerApi(SimpleNamespace(me="node1", node_ids={"node1": "1", "node2": "2"},
                                        names={1: "node1", 2: "node2"}, daemon=None))
    reply = asyncio.run(api.handlers()[op](args, None))
    assert reply["ok"] is False and "must be" in reply["error"], reply


def test_local_api_answers_what_json_cannot_hold_and_survives_handler_bugs(tmp_path) -> None:
    """A request nested 100,000 deep got no answer (RecursionError escaped the connection
    task); ``1e999999`` was read as infinity and echoed back as ``Infinity``, which is not
    JSON; a handler's exception left the client without an answer."""
    import asyncio
    import json
    import socket

    from hacrm.engine.localapi import ApiServer

    logs: list[str] = []

    async def handler(request, conn):
        if request["op"] == "boom":
            raise KeyError("bug")
        return {"ok": True, "result": {"echo": request.get("args")}}

    def exchange(path, payload: bytes) -> list[dict]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(path))
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return [json.loads(line) for line in data.splitlines()]

    async def main() -> list[list[dict]]:
        server = ApiServer(tmp_path / "api.sock", handler, lambda lvl, text: logs.append(text))
        await server.start()
        try:
            loop = asyncio.get_running_loop()
            out = []
            for payload in (b"[" * 100000 + b"\n", b'{"op": "x", "id": 1e999999}\n',
                            b'{"op": "x", "args": NaN}\n', b'{"op": "boom", "id": 7}\n'
                            b'{"op": "x", "id": 8}\n'):
                out.append(await loop.run_in_executor(None, exchange, server.path, payload))
            return out
        finally:
            await server.close()

    deep, infinite, nan, boom = asyncio.run(main())
    assert deep == [{"id": None, "ok": False, "error": "bad request: nested too deeply"}]
    assert not infinite[0]["ok"] and "out of range" in infinite[0]["error"]
    assert not nan[0]["ok"] and "NaN" in nan[0]["error"]
    assert boom[0] == {"id": 7, "ok": False, "error": "internal error: KeyError"}
    assert boom[1]["ok"] and boom[1]["id"] == 8
    assert any("internal error answering 'boom'" in line for line in logs)


def test_location_attribute_names_that_are_not_xml_names(tmp_path: Path) -> None:
    """Found by atheris (configure_script): ``location l3 { p1 p2 } ro(e=Promoted inf: node1``
    kept ``ro(e`` as an attribute of <rsc_location> and crashed the XML writer."""
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.diagnostics import ConfigureError

    cib = tmp_path / "cib.xml"
    cib.write_text(empty_cib_xml())
    wc = WorkingCopy(FileBackend(cib), force=True)
    with pytest.raises(ConfigureError) as err:
        wc.define("location l3 { p1 p2 } ro(e=Promoted inf: node1", source="t.crm")
    assert "not a valid attribute name" in err.value.diagnostics[0].message
    targets.configure_script("location l3 { p1 p2 } ro(e=Promoted inf: node1", tmp_path)
