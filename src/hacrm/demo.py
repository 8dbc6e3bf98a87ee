"""``make demo``: the two-node web service of the classic tutorial.

Until the embedded engine can run it, the demo configures the service in a file CIB (the same
commands a user types into ``crm configure``) and shows the result, so a new user sees the
language and the shell's output in one step.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

SEED = """\
node node1
node node2
primitive webip ocf:heartbeat:IPaddr2 \\
\tparams ip=127.0.0.200 cidr_netmask=32 \\
\top monitor interval=10s timeout=20s
primitive webserver ocf:hacrm:webserver \\
\tparams port=8080 \\
\top monitor interval=10s timeout=20s
group webservice webip webserver
location prefer-node1 webservice 100: node1
property stonith-enabled=false no-quorum-policy=ignore
rsc_defaults resource-stickiness=100
"""


def main() -> int:
    from hacrm.backends.file import FileBackend
    from hacrm.cib.workcopy import ConfigureError, WorkingCopy

    workdir = Path(tempfile.mkdtemp(prefix="hacrm-demo-"))
    cib = workdir / "cib.xml"
    backend = FileBackend(cib, create=True)
    wc = WorkingCopy(backend)
    print(f"# CIB_file={cib} crm configure <<EOF")
    print(SEED + "EOF\n")
    try:
        for warning in wc.define(SEED, source="demo"):
            print(warning.format(), file=sys.stderr)
        wc.commit()
    except ConfigureError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"# CIB_file={cib} crm configure show")
    print(WorkingCopy(backend).show())
    return 0


if __name__ == "__main__":
    sys.exit(main())
