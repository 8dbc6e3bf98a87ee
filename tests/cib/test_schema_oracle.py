"""Our schema checks against Pacemaker's own validation (crm_verify), on many CIBs.

Valid CIBs from Pacemaker's scheduler corpus (written by Pacemaker, pcs and crmsh over the
years, schemas 3.0 to 3.8) must pass our checks; randomly corrupted copies of them (a bad
enumeration value, a missing or unknown attribute, a duplicate or malformed id, a dangling
reference, an element moved or repeated where the schema forbids it) must be refused by our
checks exactly when crm_verify refuses them for a schema reason.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from cib.mutations import mutate
from oracles import oracle, shared_dir
from hacrm.cib.schema import validate_configuration

CORPUS = "pacemaker-scheduler-2.1.5"
MUTATIONS = 240


def _schema_refused(crm_verify: str, xml: bytes) -> tuple[bool, str]:
    with tempfile.NamedTemporaryFile("wb", suffix=".xml") as f:
        f.write(xml)
        f.flush()
        done = subprocess.run([crm_verify, "-x", f.name], capture_output=True, text=True,
                              timeout=60)
    err = done.stderr
    return ("does not conform" in err or "validity error" in err
            or "schema validation" in err), err


def _corpus_files() -> list[Path]:
    root = shared_dir(CORPUS) / "xml"
    return sorted(root.glob("*.xml"))


def test_corpus_cibs_pass_our_checks() -> None:
    flagged = []
    for path in _corpus_files():
        root = etree.parse(str(path)).getroot()
        schema = root.get("validate-with", "")
        if not schema.startswith("pacemaker-"):
            continue
        problems = validate_configuration(root.find("configuration"), schema)
        if problems:
            flagged.append((path.name, problems[:2]))
    assert not flagged, flagged[:5]


@pytest.mark.oracle
@pytest.mark.slow
def test_corruptions_refused_as_crm_verify_refuses_them() -> None:
    crm_verify = oracle("crm_verify")
    rnd = random.Random(20241128)
    files = [p for p in _corpus_files()
             if (etree.parse(str(p)).getroot().get("validate-with") or "").startswith(
                 "pacemaker-3")]
    cases = []
    while len(cases) < MUTATIONS:
        path = rnd.choice(files)
        root = etree.parse(str(path)).getroot()
        what = mutate(root, rnd)
        if what is not None:
            cases.append((path.name, what, root))

    def judge(case: tuple[str, str, etree._Element]) -> tuple[str, str, list[str], bool, str]:
        name, what, root = case
        ours = validate_configuration(root.find("configuration"), root.get("validate-with"))
        theirs, err = _schema_refused(crm_verify, etree.tostring(root))
        return name, what, ours, theirs, err

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(judge, cases))
    wrong = [(n, w, o[:2], e[-300:]) for n, w, o, t, e in results if bool(o) != t]
    refused = sum(1 for *_, t, _ in results if t)
    assert refused > MUTATIONS // 3, "too few corruptions were invalid to test anything"
    assert not wrong, wrong[:5]
