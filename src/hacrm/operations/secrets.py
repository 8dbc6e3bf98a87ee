"""``crm resource secret RSC set|show|delete|stash|unstash|check PARAM [VALUE]``.

Pacemaker's CIB secrets (``cibsecret``): a sensitive parameter's value is kept out of the CIB,
in a local file ``<secrets>/<rsc>/<param>`` with its MD5 sum in ``<param>.sign``, and the CIB
holds ``lrm://`` in its place; the executor reads the file when it runs the agent.

The store is ``$CIB_secrets_dir`` when set, else Pacemaker's ``/var/lib/pacemaker/lrm/secrets``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hacrm.operations.changes import Change
from hacrm.operations.rscattrs import delete_attribute, set_attribute
from hacrm.operations.xmltree import OperationError, find_resource

MARK = "lrm://"
ACTIONS = ("set", "show", "get", "delete", "stash", "unstash", "check")


def store(env: dict[str, str]) -> Path:
    return Path(env.get("CIB_secrets_dir") or "/var/lib/pacemaker/lrm/secrets")


def _cib_value(change: Change, rsc: str, name: str) -> str | None:
    elem = find_resource(change.root, rsc)
    for nv in elem.iterfind("instance_attributes/nvpair"):
        if nv.get("name") == name:
            return nv.get("value")
    return None


def _write(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for target, text in ((path, value), (path.with_name(path.name + ".sign"),
                                          hashlib.md5(value.encode()).hexdigest())):
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")


def _read(path: Path) -> str:
    try:
        return path.read_text().rstrip("\n")
    except FileNotFoundError:
        raise OperationError(f"no secret stored for {path.parent.name}/{path.name} "
                             f"in {path.parent.parent}") from None


def secret(change: Change, env: dict[str, str], rsc: str, action: str, name: str,
           value: str | None) -> None:
    if action not in ACTIONS:
        raise OperationError(f"Unknown command {action!r} (one of {', '.join(ACTIONS)})")
    if (action == "set") != (value is not None):
        raise OperationError("Missing value argument to set" if action == "set"
                             else f"Too many arguments to {action}")
    find_resource(change.root, rsc)
    path = store(env) / rsc / name
    current = _cib_value(change, rsc, name)
    if action == "set":
        assert value is not None
        _write(path, value)
        set_attribute(change, rsc, "param", name, MARK)
    elif action in ("show", "get"):
        if current != MARK:
            raise OperationError(f"{rsc}/{name}: the CIB holds the value itself, not a secret")
        change.out(_read(path))
    elif action == "delete":
        for target in (path, path.with_name(path.name + ".sign")):
            target.unlink(missing_ok=True)
        delete_attribute(change, rsc, "param", name)
    elif action == "stash":
        if current is None:
            raise OperationError(f"nothing to stash: {rsc} has no parameter {name}")
        if current == MARK:
            raise OperationError(f"{rsc}/{name} is already a secret")
        _write(path, current)
        set_attribute(change, rsc, "param", name, MARK)
    elif action == "unstash":
        if current != MARK:
            raise OperationError(f"{rsc}/{name} is not a secret")
        set_attribute(change, rsc, "param", name, _read(path))
        for target in (path, path.with_name(path.name + ".sign")):
            target.unlink(missing_ok=True)
    else:
        stored = _read(path)
        sign = _read(path.with_name(path.name + ".sign"))
        if hashlib.md5(stored.encode()).hexdigest() != sign:
            raise OperationError(f"checksums do not match for {rsc}/{name}")
        change.info(f"{rsc}/{name}: the stored secret matches its checksum")
