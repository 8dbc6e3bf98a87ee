"""Run configure scripts through Debian's crmsh (the oracle) and through hacrm, side by side.

Both sides start from an empty CIB file made the way Pacemaker makes one; crmsh runs with
``-F`` (so that agents which are not installed do not stop it).  What is compared is the
``<configuration>`` section (after normalising whitespace and attribute order) and the text of
``configure show``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from hacrm.backends.file import FileBackend
from hacrm.cib.document import empty_cib_xml
from hacrm.cib.batch import run_script
from hacrm.cib.workcopy import WorkingCopy


@dataclass
class Outcome:
    show: str
    configuration: str
    cib_path: Path
    messages: str


def _env(cib: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CIB_file"] = str(cib)
    env.pop("CIB_shadow", None)
    env["HOME"] = str(cib.parent)  # no user crm.conf, no history file in the real home
    env["LC_ALL"] = "C.UTF-8"
    return env


def run_crmsh(crm: str, script: str, workdir: Path) -> Outcome:
    """The oracle: ``crm -F configure < script`` on an empty CIB, then ``configure show``."""
    cib = workdir / "crmsh-cib.xml"
    cib.write_text(empty_cib_xml())
    env = _env(cib)
    done = subprocess.run([crm, "-F", "configure"], input=script, text=True,
                          capture_output=True, env=env, timeout=120)
    show = subprocess.run([crm, "configure", "show"], text=True, capture_output=True, env=env,
                          timeout=120)
    return Outcome(show.stdout, normalised_configuration(cib.read_text()), cib,
                   done.stdout + done.stderr)


def run_ours(script: str, workdir: Path, source: str = "script") -> Outcome:
    """hacrm: the same script through the configure layer (refused lines reported, the rest
    committed at the end, as with ``crm -F``), then ``configure show`` from a fresh read."""
    cib = workdir / "hacrm-cib.xml"
    cib.write_text(empty_cib_xml())
    backend = FileBackend(cib)
    result = run_script(script, backend, source=source)
    show = WorkingCopy(backend).show()
    return Outcome(show + "\n" if show else "", normalised_configuration(cib.read_text()),
                   cib, result.messages())


def normalised_configuration(cib_text: str) -> str:
    """The configuration section with sorted attributes and no insignificant whitespace."""
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=False)
    root = etree.fromstring(cib_text.encode(), parser)
    conf = root.find("configuration")
    if conf is None:
        return ""
    for e in conf.iter():
        if isinstance(e.tag, str):
            attrs = sorted(e.attrib.items())
            e.attrib.clear()
            for k, v in attrs:
                e.set(k, v)
        if e.text is not None and not e.text.strip():
            e.text = None
        e.tail = None
    return etree.tostring(conf, pretty_print=True, encoding="unicode")


def schema_complaints(crm_verify: str, cib: Path) -> str:
    """What crm_verify says against the schema about a CIB file (empty when it validates)."""
    done = subprocess.run([crm_verify, "-x", str(cib)], capture_output=True, text=True,
                          timeout=120)
    err = done.stderr
    if "does not conform" in err or "validity error" in err or "schema validation" in err:
        return err
    return ""


@lru_cache(maxsize=1)
def _scratch_root() -> Path:
    """One directory per test process for every scratch CIB, removed when the process ends."""
    root = Path(tempfile.mkdtemp(prefix="hacrm-tests-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(dir=_scratch_root()))
