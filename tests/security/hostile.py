"""Hostile XML documents: each one a known way of hurting an XML reader.

Every reader of CIB XML in hacrm must refuse each of these with a clear message, quickly, and
without reading a file it was pointed at or allocating without bound.
"""

from __future__ import annotations

#: text that appears in the documents only if an external entity was read
SECRET = "hacrm-hostile-secret-7f3a"

_CIB_HEAD = ('<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" '
             'num_updates="0" admin_epoch="0">')
_CIB_TAIL = "</cib>"


def _cib(configuration_inner: str, prolog: str = "") -> str:
    return (prolog + _CIB_HEAD + "<configuration><crm_config/><nodes/><resources>"
            + configuration_inner + "</resources><constraints/></configuration><status/>"
            + _CIB_TAIL)


def _primitive(desc: str) -> str:
    return (f'<primitive id="p1" class="ocf" provider="heartbeat" type="Dummy" '
            f'description="{desc}"/>')


def billion_laughs() -> str:
    decl = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return _cib(_primitive("&lol9;"), f"<!DOCTYPE cib [{decl}]>")


def quadratic_blowup() -> str:
    """One large entity referenced many times (escapes amplification limits keyed on depth)."""
    decl = f'<!ENTITY a "{"x" * 20000}">'
    return _cib(_primitive("&a;" * 2000), f"<!DOCTYPE cib [{decl}]>")


def external_entity(secret_file: str) -> str:
    return _cib(_primitive("&ext;"), f'<!DOCTYPE cib [<!ENTITY ext SYSTEM "file://{secret_file}">]>')


def external_entity_in_text(secret_file: str) -> str:
    return _cib(f"<primitive id=\"p1\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\">"
                f"&ext;</primitive>",
                f'<!DOCTYPE cib [<!ENTITY ext SYSTEM "file://{secret_file}">]>')


def parameter_entity(secret_file: str) -> str:
    return _cib(_primitive("x"), f'<!DOCTYPE cib [<!ENTITY % pe SYSTEM "file://{secret_file}"> '
                                 "%pe;]>")


def external_dtd() -> str:
    # a port nothing listens on, on loopback: a reader that tries the network fails fast
    return _cib(_primitive("x"), '<!DOCTYPE cib SYSTEM "http://127.0.0.1:9/cib.dtd">')


def harmless_doctype() -> str:
    return _cib(_primitive("x"), "<!DOCTYPE cib>")


def deep_nesting(levels: int = 20000) -> str:
    return _cib("<group id=\"g\">" + "<x>" * levels + "</x>" * levels + "</group>")


def deep_rules(levels: int = 150) -> str:
    """Nesting a schema allows (rules in rules), deeper than any real CIB and than our limit,
    but within libxml2's own limit: our readers must refuse it, not recurse into it."""
    inner = '<expression id="e" attribute="a" operation="defined"/>'
    for i in range(levels):
        inner = f'<rule id="r{i}" boolean-op="and">{inner}</rule>'
    return _cib("", "").replace(
        "<constraints/>",
        f'<constraints><rsc_location id="l" rsc="p1">{inner}</rsc_location></constraints>')


def xinclude(secret_file: str) -> str:
    return _cib('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                f'href="{secret_file}" parse="text"/>')


def hostile_documents(secret_file: str) -> dict[str, str]:
    """Name -> document; each must be refused (or, for xinclude, read without following it)."""
    return {
        "billion_laughs": billion_laughs(),
        "quadratic_blowup": quadratic_blowup(),
        "external_entity": external_entity(secret_file),
        "external_entity_in_text": external_entity_in_text(secret_file),
        "parameter_entity": parameter_entity(secret_file),
        "external_dtd": external_dtd(),
        "harmless_doctype": harmless_doctype(),
        "deep_nesting": deep_nesting(),
        "deep_rules": deep_rules(),
    }
