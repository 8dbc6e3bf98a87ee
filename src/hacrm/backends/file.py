"""The file backend: a CIB kept in an XML file, as Pacemaker's tools use ``CIB_file``.

Writes are atomic (a temporary file in the same directory, fsync, rename) so that a crash never
leaves a half-written CIB, and a commit is refused when the file changed since it was read.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from hacrm import xmlsafe
from hacrm.backends.base import BackendError, CibConflict, CibVersion
from hacrm.cib.document import CibDocument, empty_cib_xml
from hacrm.cib.xmlio import CibXmlError, parse_xml
from hacrm.records import record


@record
class FileBackend:
    """A CIB in a file; ``create`` makes an empty CIB when the file does not exist."""

    path: Path
    create: bool = False
    name: str = "file"

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def label(self) -> str:
        """What the prompt shows for this CIB (the file's name)."""
        return self.path.name

    def read(self) -> str:
        try:
            return xmlsafe.read_text(self.path, f"CIB file {self.path}")
        except xmlsafe.XmlRefused as err:
            raise BackendError(str(err)) from None
        except FileNotFoundError:
            if self.create:
                return empty_cib_xml()
            raise BackendError(f"CIB file {self.path} does not exist") from None
        except OSError as err:
            raise BackendError(f"cannot read CIB file {self.path}: {err.strerror}") from None

    def version(self) -> CibVersion:
        try:
            return CibDocument.from_xml(self.read()).version
        except CibXmlError as err:
            raise BackendError(f"{self.path}: {err}") from None

    def replace_configuration(self, cib_xml: str, base: CibVersion) -> CibVersion:
        try:
            current = parse_xml(self.read())
            new = parse_xml(cib_xml)
        except CibXmlError as err:
            raise BackendError(f"{self.path}: {err}") from None
        cur_version = CibVersion.of(current)
        if cur_version != base:
            raise CibConflict(base, cur_version)
        new_conf = new.find("configuration")
        if new_conf is None:
            raise BackendError("the new CIB has no <configuration> section")
        old_conf = current.find("configuration")
        if old_conf is not None:
            current.replace(old_conf, new_conf)
        else:
            current.insert(0, new_conf)
        if new.get("validate-with"):
            current.set("validate-with", new.get("validate-with"))
        version = CibVersion(cur_version.admin_epoch, cur_version.epoch + 1, 0)
        current.set("epoch", str(version.epoch))
        current.set("num_updates", "0")
        write_atomically(self.path, _serialise(current))
        return version


def _serialise(root: etree._Element) -> str:
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix."""
    directory = path.parent if str(path.parent) else Path(".")
    import tempfile  # only writers pay for it

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
