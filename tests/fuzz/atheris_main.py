"""Coverage-guided fuzzing of the offline targets with atheris (``make fuzz``).

``python tests/fuzz/atheris_main.py TARGET [libFuzzer options] [CORPUS_DIR ...]`` runs one
target of :mod:`fuzz.targets` on raw bytes.  ``make fuzz`` runs each for ``FUZZ_SECONDS``
with a scratch corpus directory seeded from ``tests/fuzz/corpus/`` (and, when present, the
Pacemaker scheduler inputs under ``../shared``), so that nothing is written into the
repository; a crash leaves its input as ``crash-*`` in ``FUZZ_OUT``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import atheris  # noqa: E402

with atheris.instrument_imports():
    import hacrm.cib.document  # noqa: F401
    import hacrm.cib.workcopy  # noqa: F401
    import hacrm.engine.cibstore  # noqa: F401
    import hacrm.engine.config  # noqa: F401
    import hacrm.engine.transport  # noqa: F401
    import hacrm.engine.wire  # noqa: F401
    import hacrm.language.build  # noqa: F401
    import hacrm.xmlsafe  # noqa: F401

from fuzz import targets  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="hacrm-atheris-"))

TARGETS = {
    "configure_line": lambda data: targets.configure_line(data, WORK),
    "configure_script": lambda data: targets.configure_script(data, WORK),
    "cib_xml": targets.cib_xml,
    "engine_cib": targets.engine_cib,
    "corosync_conf": targets.corosync_conf,
    "wire_decode": targets.wire_decode,
    "packet_auth": targets.packet_auth,
}
#: which seed directory feeds which target
SEEDS = {"configure_line": "configure", "configure_script": "configure", "cib_xml": "cibxml",
         "engine_cib": "cibxml", "corosync_conf": "corosync", "wire_decode": "wire",
         "packet_auth": "wire"}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} TARGET [libFuzzer options] [CORPUS_DIR ...]\n"
                 f"targets: {', '.join(TARGETS)}")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0]] + sys.argv[2:], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
