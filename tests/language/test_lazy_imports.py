"""Showing, saving and committing never load the parser (show must start fast)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hacrm.backends.file import FileBackend
from hacrm.cib.document import empty_cib_xml
from hacrm.cib.workcopy import WorkingCopy

PROBE = """
import sys
from hacrm.backends.file import FileBackend
from hacrm.cib.workcopy import WorkingCopy
wc = WorkingCopy(FileBackend(sys.argv[1]))
wc.show(); wc.show(xml=True); wc.save_text(); wc.verify()
wc.delete(["b"]); wc.commit()
print(sorted(m for m in sys.modules if m == "lark" or m.startswith("lark.")
             or m.startswith("hacrm.language.build") or m == "hacrm.language.parse"))
"""


def test_show_save_commit_do_not_import_the_parser(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    cib.write_text(empty_cib_xml())
    wc = WorkingCopy(FileBackend(cib))
    wc.define("primitive a Dummy\nprimitive b Dummy\ngroup g a\n"
              "location l g rule 10: #uname eq n1")
    wc.commit()
    done = subprocess.run([sys.executable, "-c", PROBE, str(cib)], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout
