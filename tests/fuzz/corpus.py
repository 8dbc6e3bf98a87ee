"""The seed corpora (``tests/fuzz/corpus/TARGET/``) and a mutation strategy over them.

Seeds are small hand-written inputs of each surface; the larger public corpora under
``../shared`` (Pacemaker's scheduler inputs, crmsh's regression scripts) are read in place as
extra seeds when present, never copied here.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

HERE = Path(__file__).parent / "corpus"

#: words and fragments splice mutations insert: the syntax each surface is built from
TOKENS = {
    "configure": ["primitive", "group", "clone", "ms", "location", "colocation", "order",
                  "rule", "params", "meta", "op", "inf:", "-inf:", "#uname", "eq", "and", "or",
                  "date", "in", "spec", "$id=", "$role=", "@", "{", "}", "(", ")", "[", "]",
                  ":", "=", '"', "'", "\\\n", "\n", " ", "role", "acl_target", "xml", "<",
                  ">", "/>", "ocf:", "stonith:", "lsb:", "property", "tag", "bundle",
                  "fencing_topology", "alert", "to", "attributes", "\x00", "\u00e9", "\udcff",
                  "9" * 30, "-", "Promoted", "Started", "rsc_ticket", "utilization"],
    "cibxml": ["<", ">", "/>", "</", "<cib>", "</cib>", "<configuration>", "</configuration>",
               "<primitive id=\"x\">", "</primitive>", "<rule id=\"r\">", "</rule>",
               "<nvpair id=\"n\" name=\"a\" value=\"b\"/>", "id=", "=\"", "\"", "&amp;",
               "&#0;", "&#x110000;", "<!--", "-->", "<![CDATA[", "]]>", "<?xml version=\"1.0\"?>",
               "<!DOCTYPE cib [<!ENTITY e \"x\">]>", "&e;", "\x00", "\u00e9", "\ufeff",
               "score=\"INFINITY\"", "interval=\"1x\"", "epoch=\"-1\"", "9" * 40],
    "corosync": ["{", "}", ":", "\n", "#", "totem", "nodelist", "node", "quorum", "logging",
                 "ring0_addr", "nodeid", "name", "token", "two_node", "auto_tie_breaker_node",
                 "expected_votes", "0x", "-1", "9" * 40, "::1", "127.0.0.1", "\xa0", "\t",
                 "interface", "mcastport", "yes", "no", "lowest", "highest", "\x00"],
}


def seeds(target: str) -> list[bytes]:
    d = HERE / target
    return [p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()]


def lines_of(target: str) -> list[str]:
    """Seed files split into lines (for line-oriented surfaces)."""
    out = []
    for data in seeds(target):
        out += [line for line in data.decode().splitlines() if line.strip()]
    return out


@st.composite
def mutated(draw: st.DrawFn, base: list[bytes], tokens: list[str] | None = None,
            max_ops: int = 6) -> bytes:
    """A seed with a few byte-level edits: flips, deletions, duplications, splices of tokens
    or of other seeds, truncation."""
    data = bytearray(draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(0, max_ops))):
        kind = draw(st.sampled_from(["flip", "delete", "dup", "token", "splice", "truncate",
                                     "insert"]))
        pos = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif kind == "delete":
            end = min(len(data), pos + draw(st.integers(1, 40)))
            del data[pos:end]
        elif kind == "dup":
            end = min(len(data), pos + draw(st.integers(1, 200)))
            data[pos:pos] = data[pos:end] * draw(st.integers(1, 5))
        elif kind == "token" and tokens:
            data[pos:pos] = draw(st.sampled_from(tokens)).encode("utf-8", "surrogateescape")
        elif kind == "splice":
            other = draw(st.sampled_from(base))
            a = draw(st.integers(0, len(other)))
            data[pos:pos] = other[a:a + draw(st.integers(1, 300))]
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def mutated_text(base: list[str], tokens: list[str], max_ops: int = 6) -> st.SearchStrategy[str]:
    """Like :func:`mutated` on text, in characters; bytes that are not UTF-8 become lone
    surrogates, as Python's standard input hands them over under the C locale."""
    return mutated([b.encode() for b in base], tokens, max_ops).map(
        lambda b: b.decode("utf-8", "surrogateescape"))
