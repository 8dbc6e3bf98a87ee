"""The cluster's shared secret: generated like ``corosync-keygen``, read strictly.

The file holds 256 random bytes (corosync-keygen's default size, so a corosync authkey can be
reused as it is) with mode 0400.  The packet key is derived from it and the cluster name, so two
clusters that happen to share a key file still cannot read each other's packets.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

KEY_BYTES = 256
MIN_KEY_BYTES = 16


class AuthKeyError(Exception):
    """The key file is missing, unreadable or too short; the message says which."""


def generate(path: Path, *, force: bool = False, size: int = KEY_BYTES) -> None:
    """Write a new random key of ``size`` bytes to ``path`` with mode 0400."""
    if path.exists() and not force:
        raise AuthKeyError(f"{path} already exists; use --force to replace it "
                           "(every node needs the same key)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400)
    try:
        os.write(fd, os.urandom(size))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o400)
    os.replace(tmp, path)


def load(path: Path) -> bytes:
    """Read the key; refuse a key others can read (as corosync does not, but should)."""
    try:
        st = os.stat(path)
        with open(path, "rb") as f:
            data = f.read(64 * 1024)
    except FileNotFoundError:
        raise AuthKeyError(f"authkey {path} does not exist; create it with "
                           "`crm cluster keygen` and copy it to every node") from None
    except OSError as err:
        raise AuthKeyError(f"cannot read authkey {path}: {err.strerror}") from None
    if len(data) < MIN_KEY_BYTES:
        raise AuthKeyError(f"authkey {path} is too short ({len(data)} bytes, at least "
                           f"{MIN_KEY_BYTES} needed)")
    if st.st_mode & 0o077:
        raise AuthKeyError(f"authkey {path} is readable by others (mode "
                           f"{st.st_mode & 0o777:o}); run chmod 400 on it")
    return data


def packet_key(authkey: bytes, cluster_name: str) -> bytes:
    """The HMAC key for packets, bound to the cluster name."""
    return hashlib.sha256(b"hacrm packet key v1\0" + cluster_name.encode() + b"\0" +
                          authkey).digest()
