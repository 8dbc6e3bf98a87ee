"""Carrying a :class:`~.changes.Change` out on the CIB the shell works on.

* **A CIB file** (``CIB_file``, a shadow): the whole edited tree is the result.  A configuration
  change goes through the backend's ``replace_configuration`` (epoch + 1, as Pacemaker's tools
  do on a file); a change of the status section alone is written here, with ``num_updates``
  + 1 and the same refusal when the file moved since it was read.
* **The embedded engine**: the configuration goes through ``replace_configuration`` (through
  the DC, refused if the configuration moved); the status section is the engine's, so the
  change's :class:`~.changes.EngineOp` calls are made on the local API instead.

:func:`load` reads the CIB once into a :class:`Change`; :func:`apply` writes it back.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hacrm.backends.base import BackendError, CibConflict, CibVersion
from hacrm.operations.changes import Change


def _section(root: etree._Element, name: str) -> bytes:
    found = root.find(name)
    return etree.tostring(found) if found is not None else b""


def section_changed(change: Change, name: str) -> bool:
    """Whether ``configuration`` or ``status`` differs from what was read."""
    return _section(change.root, name) != change.baseline.get(name, b"")


class Loaded:
    """The CIB as read, and the tree a command edits."""

    def __init__(self, backend: Any) -> None:
        from hacrm.cib.xmlio import CibXmlError, parse_xml

        self.backend = backend
        text = backend.read()
        try:
            self.original = parse_xml(text)
        except CibXmlError as err:
            raise BackendError(f"cannot read the CIB: {err}") from None
        self.base = CibVersion.of(self.original)
        self.change = Change(etree.fromstring(etree.tostring(self.original)))
        self.change.baseline = {name: _section(self.original, name)
                                for name in ("configuration", "status")}

    @property
    def root(self) -> etree._Element:
        return self.change.root


def load(backend: Any) -> Loaded:
    return Loaded(backend)


def is_engine(backend: Any) -> bool:
    """The status section belongs to a running cluster (embedded engine or Pacemaker)."""
    return getattr(backend, "name", "") in ("embedded", "pacemaker") and \
        getattr(backend, "live", True)


def apply(loaded: Loaded, call: Any = None) -> list[dict[str, Any]]:
    """Write the change; returns the engine's answers to its calls (embedded backend).

    ``call(op, args)`` makes one local API call (the embedded backend's); it is only needed
    when the change has engine operations.
    """
    change = loaded.change
    backend = loaded.backend
    config_changed = section_changed(change, "configuration")
    status_changed = section_changed(change, "status")
    answers: list[dict[str, Any]] = []
    if is_engine(backend) or getattr(backend, "path", None) is None:
        if config_changed:
            backend.replace_configuration(etree.tostring(change.root, encoding="unicode"),
                                          loaded.base)
        for op in change.engine:
            if call is None:
                raise BackendError(f"the {getattr(backend, 'name', '?')} backend cannot do "
                                   f"this ({op.op})")
            answers.append(call(op.op, op.args))
        return answers
    if config_changed or status_changed:
        _write_file(backend, change, loaded.base, config_changed, status_changed)
    return answers


def next_version(base: CibVersion, writes: list[str]) -> CibVersion:
    """The version after these writes: a configuration write bumps the epoch and starts
    num_updates again, a status write bumps num_updates."""
    epoch, updates = base.epoch, base.num_updates
    for section in writes:
        if section == "config":
            epoch, updates = epoch + 1, 0
        else:
            updates += 1
    return CibVersion(base.admin_epoch, epoch, updates)


def _write_file(backend: Any, change: Change, base: CibVersion, config_changed: bool,
                status_changed: bool) -> None:
    """Write the edited CIB to its file, refusing when the file moved since it was read."""
    from hacrm.backends.file import write_atomically
    from hacrm.cib.xmlio import CibXmlError, parse_xml

    path = backend.path
    try:
        now = CibVersion.of(parse_xml(backend.read()))
    except CibXmlError as err:
        raise BackendError(f"{path}: {err}") from None
    if now != base:
        raise CibConflict(base, now)
    writes = list(change.writes)
    if config_changed and "config" not in writes:
        writes.append("config")
    if status_changed and not writes:
        writes.append("status")
    version = next_version(base, writes)
    root = etree.fromstring(etree.tostring(change.root))
    root.set("epoch", str(version.epoch))
    root.set("num_updates", str(version.num_updates))
    etree.indent(root, space="  ")
    write_atomically(path, etree.tostring(root, encoding="unicode") + "\n")
