"""CIB access control lists, with Pacemaker's semantics, for callers of the local API.

Who is subject to ACLs: nobody while the cluster property ``enable-acl`` is false; otherwise
every user but the privileged ones (root, ``hacluster``, the daemon's own user).  A user's
permissions come from the ``acl_target`` whose id (or name) is the user name and from every
``acl_group`` named after one of the user's Unix groups; each lists ``acl_permission``
entries (kind read, write or deny, selecting elements by ``xpath``, by ``reference`` id, or by
``object-type`` with an optional ``attribute``) and ``role`` references to ``acl_role``
elements holding more of them.  A user with none is denied everything.

How a permission applies (as Pacemaker's ``lib/common/acl.c`` does, rewritten here):

* each selection marks the elements it matches (an XPath that selects an attribute marks its
  element); an element may carry several marks;
* access to an element is decided by the nearest element, walking from it up to the root,
  whose marks decide: ``deny`` refuses, ``write`` grants reading and writing, ``read`` grants
  reading only (and a write request walks on up to find a ``write``); no decision by the root
  means no access;
* a query returns a filtered copy: unreadable elements lose their attributes but ``id`` and are
  kept only as the way to readable descendants, or vanish (the version attributes of ``<cib>``
  stay, so the shell can base a commit on what it read);
* a write is allowed when every element it creates, changes (any attribute) or deletes is
  writable; creating an element with nothing but an ``id`` ("scaffolding" on the way to a
  writable descendant) needs no permission outside ``<acls>``.

A restricted user edits the filtered copy; :func:`merge_edit` applies that edit to the real
CIB (what the user could not see stays as it is) before the write is checked.

Everything here is pure: trees in, trees or lists of refusals out.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

READ, WRITE, DENY = "read", "write", "deny"
PRIVILEGED_USERS = frozenset({"root", "hacluster"})
#: root attributes the cluster maintains; never a change the user made
VERSION_ATTRS = frozenset({"admin_epoch", "epoch", "num_updates", "cib-last-written",
                           "update-origin", "update-client", "update-user", "have-quorum",
                           "dc-uuid", "crm_feature_set", "validate-with"})
#: root attributes a filtered copy keeps so that the shell can base a commit on it
KEPT_ROOT_ATTRS = ("admin_epoch", "epoch", "num_updates", "validate-with", "crm_feature_set")


@dataclass(frozen=True)
class Identity:
    """Who is calling: user and group names (from the peer credentials of the socket)."""

    uid: int
    user: str
    groups: frozenset[str] = frozenset()
    privileged: bool = False


@dataclass(frozen=True)
class Permission:
    kind: str
    xpath: str
    source: str  # the acl_permission's id, for messages


def acl_enabled(root: etree._Element) -> bool:
    """The ``enable-acl`` cluster property (false when unset)."""
    for nv in root.iterfind("configuration/crm_config/cluster_property_set/nvpair"):
        if nv.get("name") == "enable-acl":
            return (nv.get("value") or "").strip().lower() in ("true", "yes", "on", "1", "y")
    return False


def required(root: etree._Element, who: Identity) -> bool:
    """Whether ACLs restrict this caller on this CIB."""
    return not who.privileged and who.user not in PRIVILEGED_USERS and acl_enabled(root)


def _selection(perm: etree._Element) -> str | None:
    xpath = perm.get("xpath")
    if xpath:
        return xpath
    tag = perm.get("object-type") or "*"
    ref = perm.get("reference")
    attr = perm.get("attribute")
    if ref is None and perm.get("object-type") is None and attr is None:
        return None
    if ref is not None and attr is not None:
        return f"//{tag}[@id={_literal(ref)} and @{attr}]"
    if ref is not None:
        return f"//{tag}[@id={_literal(ref)}]"
    if attr is not None:
        return f"//{tag}[@{attr}]"
    return f"//{tag}"


def _literal(text: str) -> str:
    """An XPath string literal for ``text`` (which may hold either quote)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def _entry_permissions(acls: etree._Element, entry: etree._Element,
                       seen: set[str]) -> list[Permission]:
    out: list[Permission] = []
    for child in entry:
        if child.tag == "acl_permission":
            kind = child.get("kind")
            xpath = _selection(child)
            if kind in (READ, WRITE, DENY) and xpath:
                out.append(Permission(kind, xpath, child.get("id") or "?"))
        elif child.tag == "role":
            ref = child.get("id")
            if ref is None or ref in seen:
                continue
            seen.add(ref)
            for role in acls.iterfind("acl_role"):
                if role.get("id") == ref:
                    out += _entry_permissions(acls, role, seen)
                    break
    return out


def permissions(root: etree._Element, who: Identity) -> list[Permission]:
    """The permissions that apply to ``who`` (empty: denied everything)."""
    acls = root.find("configuration/acls")
    if acls is None:
        return []
    out: list[Permission] = []
    for entry in acls:
        if entry.tag not in ("acl_target", "acl_group"):
            continue
        name = entry.get("name") or entry.get("id")
        if entry.tag == "acl_target" and name == who.user:
            out += _entry_permissions(acls, entry, set())
        elif entry.tag == "acl_group" and name in who.groups:
            out += _entry_permissions(acls, entry, set())
    return out


Marks = dict[etree._Element, set[str]]


def mark(root: etree._Element, perms: Iterable[Permission]) -> Marks:
    """Which elements each permission selects (an attribute or text selects its element)."""
    marks: Marks = {}
    doc = root.getroottree()
    for perm in perms:
        try:
            found = doc.xpath(perm.xpath)
        except (etree.XPathError, TypeError, ValueError):
            continue  # a broken XPath selects nothing (Pacemaker logs and ignores it)
        if not isinstance(found, list):
            continue
        for node in found:
            if isinstance(node, etree._ElementUnicodeResult):
                node = node.getparent()
            if isinstance(node, etree._Element) and isinstance(node.tag, str):
                marks.setdefault(node, set()).add(perm.kind)
    return marks


def allowed(marks: Marks, el: etree._Element, mode: str) -> bool:
    """Pacemaker's walk: the nearest deciding mark on ``el`` or an ancestor wins."""
    node: etree._Element | None = el
    while node is not None:
        flags = marks.get(node)
        if flags:
            if DENY in flags:
                return False
            if mode in flags or (mode == READ and WRITE in flags):
                return True
        node = node.getparent()
    return False


def _own_read(marks: Marks, el: etree._Element) -> bool:
    flags = marks.get(el, set())
    return DENY not in flags and bool(flags & {READ, WRITE})


def _purge(marks: Marks, el: etree._Element) -> bool:
    """Keep ``el`` whole if its own marks grant reading; else strip it to its id and keep it
    only as the way to readable descendants.  True when something of it stays."""
    if _own_read(marks, el):
        return True
    for name in list(el.attrib):
        if name != "id":
            del el.attrib[name]
    el.text = None
    keep = False
    for child in list(el):
        if not isinstance(child.tag, str):
            el.remove(child)
            continue
        if _purge(marks, child):
            keep = True
        else:
            el.remove(child)
    return keep


def filtered_copy(root: etree._Element, who: Identity) -> etree._Element | None:
    """What ``who`` may read of the CIB ``root``; None when nothing at all."""
    perms = permissions(root, who)
    if not perms:
        return None
    top = copy.deepcopy(root)
    marks = mark(top, perms)
    for el, flags in list(marks.items()):
        if DENY in flags and el is not top and el.getparent() is not None:
            if not _purge(marks, el) and el.getparent() is not None:
                el.getparent().remove(el)
    versions = {k: top.get(k) for k in KEPT_ROOT_ATTRS if top.get(k) is not None}
    if not _purge(marks, top):
        return None
    for key, value in versions.items():
        top.set(key, value)
    return top


# ---------------------------------------------------------------------------- writes


def _key(el: etree._Element, index: int) -> tuple[str, str]:
    ident = el.get("id")
    return (str(el.tag), f"id={ident}") if ident is not None else (str(el.tag), f"#{index}")


def _keyed(parent: etree._Element) -> dict[tuple[str, str], etree._Element]:
    out: dict[tuple[str, str], etree._Element] = {}
    counts: dict[str, int] = {}
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        n = counts.get(child.tag, 0) if child.get("id") is None else 0
        if child.get("id") is None:
            counts[child.tag] = n + 1
        out.setdefault(_key(child, n), child)
    return out


def _attrs(el: etree._Element, root: bool) -> dict[str, str]:
    items = dict(el.attrib)
    if root:
        for name in VERSION_ATTRS - {"validate-with"}:
            items.pop(name, None)
    return items


def path_of(el: etree._Element) -> str:
    parts = []
    node: etree._Element | None = el
    while node is not None:
        ident = node.get("id")
        parts.append(f"{node.tag}[@id='{ident}']" if ident is not None else str(node.tag))
        node = node.getparent()
    return "/" + "/".join(reversed(parts))


def _scaffolding(el: etree._Element) -> bool:
    return not set(el.attrib) - {"id"} and "/acls/" not in path_of(el)


def denied_writes(old: etree._Element, new: etree._Element, who: Identity,
                  limit: int = 5) -> list[str]:
    """The elements the change from ``old`` to ``new`` touches that ``who`` may not write
    (at most ``limit``); empty when the change is allowed."""
    perms = permissions(old, who)
    old_marks = mark(old, perms)
    new_marks = mark(new, permissions(new, who) if perms else [])
    out: list[str] = []

    def created(el: etree._Element) -> None:
        if not _scaffolding(el) and not allowed(new_marks, el, WRITE):
            out.append(f"create {path_of(el)}")
        for child in el:
            if isinstance(child.tag, str):
                created(child)

    def walk(o: etree._Element, n: etree._Element, is_root: bool) -> None:
        if len(out) >= limit:
            return
        if _attrs(o, is_root) != _attrs(n, is_root) or (o.text or "").strip() != \
                (n.text or "").strip():
            if not allowed(old_marks, o, WRITE):
                out.append(f"change {path_of(o)}")
        old_kids, new_kids = _keyed(o), _keyed(n)
        for key, child in old_kids.items():
            if key not in new_kids:
                if not allowed(old_marks, child, WRITE):
                    out.append(f"delete {path_of(child)}")
            else:
                walk(child, new_kids[key], False)
        for key, child in new_kids.items():
            if key not in old_kids:
                created(child)

    walk(old, new, True)
    return out[:limit]


def merge_edit(real: etree._Element, seen: etree._Element,
               edited: etree._Element) -> etree._Element:
    """Apply the user's edit (``seen`` -> ``edited``, both filtered views) to a copy of the
    real tree: what the user could not see stays as it is."""
    result = copy.deepcopy(real)

    def apply(r: etree._Element, s: etree._Element, e: etree._Element, is_root: bool) -> None:
        for name, value in e.attrib.items():
            if is_root and name in VERSION_ATTRS - {"validate-with"}:
                continue
            if s.get(name) != value:
                r.set(name, value)
        for name in s.attrib:
            if name not in e.attrib and not (is_root and name in VERSION_ATTRS):
                r.attrib.pop(name, None)
        real_kids, seen_kids, edit_kids = _keyed(r), _keyed(s), _keyed(e)
        for key, child in seen_kids.items():
            target = real_kids.get(key)
            if target is None:
                continue
            if key not in edit_kids:
                r.remove(target)
            else:
                apply(target, child, edit_kids[key], False)
        previous: etree._Element | None = None
        for key, child in edit_kids.items():
            if key in seen_kids and key in real_kids:
                previous = real_kids[key]
                continue
            if key in real_kids:  # hidden from the user, and the user made one like it
                previous = real_kids[key]
                continue
            new = copy.deepcopy(child)
            if previous is None:
                r.insert(0, new)
            else:
                previous.addnext(new)
            previous = new

    apply(result, seen, edited, True)
    return result
