"""``crm node show [NODE]`` and ``crm node server``: the node list as crmsh prints it.

One block per node, sorted by name: ``name: type`` (``name(id): type`` when the id differs,
``(offline)`` when its recorded state says so), its other XML attributes, then each attribute
set as ``name=value`` pairs.
"""

from __future__ import annotations

from lxml import etree

from hacrm.operations.changes import Change


def _pairs(attr_set: etree._Element) -> str:
    from hacrm.language.render import nvpair_format

    return " ".join(nvpair_format(nv.get("name") or "", nv.get("value"))
                    for nv in attr_set.xpath("./nvpair | ./attributes/nvpair"))


def _block(elem: etree._Element, offline: bool) -> list[str]:
    uname = elem.get("uname") or ""
    ident = elem.get("id") or ""
    kind = elem.get("type") or "member"
    flag = "(offline)" if offline else ""
    lines = [f"{uname}: {kind}{flag}" if uname == ident else f"{uname}({ident}): {kind}{flag}"]
    for key, value in elem.attrib.items():
        if key not in ("type", "uname", "id"):
            lines.append(f"\t{key}: {value}")
    for attr_set in elem.iterfind("instance_attributes"):
        lines.append("\t" + _pairs(attr_set))
    return lines


def show(change: Change, node: str | None) -> None:
    root = change.root
    configured = root.findall("configuration/nodes/node")
    states = root.findall("status/node_state")

    def find(name: str, elems: list[etree._Element]) -> etree._Element | None:
        return next((e for e in elems if e.get("uname") == name), None)

    names = [node] if node is not None else sorted(
        {e.get("uname") for e in configured + states if e.get("uname")})
    for name in names:
        elem = find(name, configured)
        state = find(name, states)
        if elem is None and state is None:
            continue
        offline = state is not None and state.get("crmd") == "offline"
        for line in _block(elem if elem is not None else state, offline):
            change.out(line)


def server(change: Change, nodes: tuple[str, ...]) -> None:
    """The host name (or, for a remote node, its ``server`` parameter) of each node."""
    for elem in change.root.iterfind("configuration/nodes/node"):
        name = elem.get("uname") or elem.get("id") or ""
        if nodes and name not in nodes:
            continue
        if elem.get("type") == "remote":
            found = change.root.xpath(f"//primitive[@id='{name}']/instance_attributes/"
                                      "nvpair[@name='server']")
            if found:
                change.out(found[0].get("value") or "")
                continue
        change.out(name)
