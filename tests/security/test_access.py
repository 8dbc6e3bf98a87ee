"""Access control on a running node, with the shell run as unprivileged users: the local API
lets in root and the haclient group only, privileged operations stay privileged, and CIB ACLs
filter what a restricted user reads and refuse what it may not write, with a clear message.

The users are created for the test (root only) and removed after it.  Our interpreter lives
where other users cannot read, so the shell runs as the user in a forked child of this
process (everything it needs already imported), after setgroups/setgid/setuid.
"""

from __future__ import annotations

import grp
import io
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from checkout import require_reachable_by_others

from hacrm.engine import control
from hacrm.engine import sandbox as sandbox_mod

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(300)]

ALICE, BOB = "hacrmt-alice", "hacrmt-bob"
GROUP = "haclient"


def _ensure_user(name: str, groups: list[str]) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        args = ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin"]
        if groups:
            args += ["-G", ",".join(groups)]
        subprocess.run(args + [name], check=True, capture_output=True)
        return pwd.getpwnam(name)


@pytest.fixture(scope="module")
def users():
    if os.geteuid() != 0:
        pytest.skip("needs root to create users and run the shell as them")
    if shutil.which("useradd") is None:
        pytest.skip("useradd is not installed")
    require_reachable_by_others()
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", "-r", GROUP], check=True, capture_output=True)
    created = [n for n in (ALICE, BOB) if not _exists(n)]
    alice = _ensure_user(ALICE, [GROUP])
    bob = _ensure_user(BOB, [])
    try:
        yield alice, bob
    finally:
        for name in created:
            subprocess.run(["userdel", name], capture_output=True)


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def node(users):
    top = Path(tempfile.mkdtemp(prefix="hacrm-access-test-"))
    os.chmod(top, 0o755)
    sb = None
    try:
        sb = sandbox_mod.start(top / "sb", 1, timeout=90)
        layout = sb.layout("node1")
        for path in (sb.dir, layout.root, layout.root / "run"):
            os.chmod(path, 0o755)
        yield sb
    finally:
        if sb is not None:
            pid = sb.pid("node1")
            if pid is not None:
                os.kill(pid, 9)
                control._wait_gone(pid, 10)
        shutil.rmtree(top, ignore_errors=True)


def _crm_here(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    if args and args[0] == "--api":  # a raw local API call: --api OP
        from hacrm.engine.localapi import ApiClient, ApiError

        sb = sandbox_mod.Sandbox.load(env["HACRM_SANDBOX"])
        try:
            with ApiClient(sb.layout("node1").socket, timeout=30) as client:
                return 0, str(client.call(args[1], {"rules": []}))
        except ApiError as err:
            return 1, str(err)
    from hacrm.cli import main

    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    out = io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(out):
            try:
                rc = main(args)
            except SystemExit as done:
                rc = int(done.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(old)
    return rc, out.getvalue()


def crm_as(user: pwd.struct_passwd | None, args: list[str], sb, home: Path) -> tuple[int, str]:
    """Run ``crm ARGS`` against the sandbox, as ``user`` (None: root, in this process)."""
    env = {"HACRM_SANDBOX": str(sb.dir), "HOME": str(home), "PATH": "/usr/bin:/bin",
           "LC_ALL": "C.UTF-8", "TERM": "dumb"}
    if user is None:
        return _crm_here(args, env)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the user, run the shell, report
        code = 70
        try:
            os.close(read_fd)
            os.setgroups(os.getgrouplist(user.pw_name, user.pw_gid))
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            code, text = _crm_here(args, env)
            os.write(write_fd, text.encode(errors="replace"))
        except BaseException as err:  # noqa: BLE001 - report anything from the child
            os.write(write_fd, f"child failed: {type(err).__name__}: {err}".encode())
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace")


@pytest.fixture(scope="module")
def homes(users, tmp_path_factory):
    out = {}
    for u in users:
        home = tmp_path_factory.mktemp(u.pw_name)
        os.chown(home, u.pw_uid, u.pw_gid)
        os.chmod(home, 0o700)
        out[u.pw_name] = home
    out["root"] = tmp_path_factory.mktemp("root-home")
    return out


def test_access_control(node, users, homes) -> None:
    alice, bob = users
    sb = node
    layout = sb.layout("node1")
    st = os.stat(layout.socket)
    assert oct(st.st_mode & 0o777) == "0o660"
    assert grp.getgrgid(st.st_gid).gr_name == GROUP
    assert oct(os.stat(layout.run).st_mode & 0o777) == "0o750"

    def root(*args):
        return crm_as(None, list(args), sb, homes["root"])

    rc, out = root("configure", "property", "stonith-enabled=false")  # no fencing device here
    assert rc == 0, out
    rc, out = root("configure", "primitive", "p1", "Dummy")
    assert rc == 0, out
    rc, out = root("configure", "primitive", "p2", "Dummy")
    assert rc == 0, out

    # a user outside haclient is refused at the door, with a message saying why
    rc, out = crm_as(bob, ["configure", "show"], sb, homes[BOB])
    assert rc != 0 and "permission denied" in out and GROUP in out, out
    assert "Traceback" not in out

    # a haclient member has full access while enable-acl is false ...
    rc, out = crm_as(alice, ["configure", "show"], sb, homes[ALICE])
    assert rc == 0 and "primitive p2" in out, out
    rc, out = crm_as(alice, ["configure", "primitive", "p3", "Dummy"], sb, homes[ALICE])
    assert rc == 0, out
    # ... but may not stop the node or inject faults
    for op in ("shutdown", "fault", "send"):
        rc, out = crm_as(alice, ["--api", op], sb, homes[ALICE])
        assert rc != 0 and "permission denied" in out, out
    assert sb.pid("node1") is not None

    # ACLs on: alice reads the resources, writes p1 only, never sees target-role
    rc, out = root("configure", "role", "ops", "read", "xpath:/cib/configuration/resources",
                   "write", "ref:p1", "deny",
                   "xpath:\"//nvpair[@name='target-role']\"")
    assert rc == 0, out
    rc, out = root("configure", "acl_target", ALICE, "ops")
    assert rc == 0, out
    rc, out = root("configure", "property", "enable-acl=true")
    assert rc == 0, out
    rc, out = root("configure", "primitive", "p4", "Dummy", "meta", "target-role=Stopped")
    assert rc == 0, out

    rc, out = crm_as(alice, ["configure", "show"], sb, homes[ALICE])
    assert rc == 0, out
    assert "primitive p1" in out and "primitive p4" in out
    assert "target-role" not in out and "enable-acl" not in out and "acl_target" not in out, \
        (out, root("configure", "show", "xml")[1])

    rc, out = crm_as(alice, ["resource", "meta", "p1", "set", "is-managed", "true"], sb,
                     homes[ALICE])
    assert rc == 0, out
    rc, out = crm_as(alice, ["resource", "meta", "p2", "set", "is-managed", "true"], sb,
                     homes[ALICE])
    assert rc != 0, out
    assert "permission denied" in out and ALICE in out and "p2" in out, out
    assert "Traceback" not in out and "internal error" not in out
    rc, out = crm_as(alice, ["configure", "delete", "p2"], sb, homes[ALICE])
    assert rc != 0 and "permission denied" in out, out

    rc, out = root("configure", "show")
    assert "is-managed=true" in out and "primitive p2 Dummy\n" in out + "\n"
    assert "target-role=Stopped" in out, out

    # a user with no ACL entry is denied everything once ACLs are on
    rc, out = crm_as(bob, ["configure", "show"], sb, homes[BOB])
    assert rc != 0 and "permission denied" in out
