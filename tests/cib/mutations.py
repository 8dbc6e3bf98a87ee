"""Small random corruptions of a CIB's configuration, for checking schema checks against
Pacemaker's own validation (crm_verify)."""

from __future__ import annotations

import random as _random
from typing import Callable

from lxml import etree

ENUM_ATTRS = ("role", "rsc-role", "with-rsc-role", "kind", "first-action", "then-action",
              "action", "on-fail", "operation", "type", "boolean-op", "loss-policy",
              "resource-discovery", "sequential", "require-all", "symmetrical", "enabled",
              "record-pending", "score", "index", "class", "value-source")
BAD_VALUES = ("bogus", "Maybe", "", "INF", "1.5", "-", "yes", "master", "0")


def _elements(root: etree._Element) -> list[etree._Element]:
    conf = root.find("configuration")
    return [e for e in conf.iter() if isinstance(e.tag, str) and e is not conf]


def bad_enum(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = [(e, a) for e in _elements(root) for a in e.attrib if a in ENUM_ATTRS]
    if not cands:
        return None
    e, a = rnd.choice(cands)
    value = rnd.choice(BAD_VALUES)
    e.set(a, value)
    return f"{e.tag}@{a}={value!r}"


def drop_attribute(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = [(e, a) for e in _elements(root) for a in e.attrib]
    if not cands:
        return None
    e, a = rnd.choice(cands)
    del e.attrib[a]
    return f"drop {e.tag}@{a}"


def duplicate_id(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = [e for e in _elements(root) if e.get("id") and e.tag not in (
        "node", "resource_ref", "obj_ref", "role", "acl_target")]
    if len(cands) < 2:
        return None
    a, b = rnd.sample(cands, 2)
    b.set("id", a.get("id"))
    return f"dup id {a.get('id')} on {b.tag}"


def dangling_ref(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = [(e, a) for e in _elements(root) for a in e.attrib
             if a in ("rsc", "with-rsc", "first", "then", "id-ref", "template")
             or (e.tag == "resource_ref" and a == "id")]
    if not cands:
        return None
    e, a = rnd.choice(cands)
    e.set(a, "no-such-thing")
    return f"dangling {e.tag}@{a}"


def unknown_attribute(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = _elements(root)
    if not cands:
        return None
    e = rnd.choice(cands)
    e.set("frobnicate", "1")
    return f"unknown attr on {e.tag}"


def bad_id(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = [e for e in _elements(root) if e.get("id") and e.tag not in (
        "node", "resource_ref", "obj_ref", "role", "acl_target")]
    if not cands:
        return None
    e = rnd.choice(cands)
    e.set("id", rnd.choice(("1abc", "a b", "a:b", "-x")))
    return f"bad id on {e.tag}"


def duplicate_child(root: etree._Element, rnd: _random.Random) -> str | None:
    import copy

    cands = [e for e in _elements(root) if e.tag in (
        "rule", "operations", "primitive", "docker", "network", "storage", "select",
        "date_spec", "duration", "lifetime")]
    if not cands:
        return None
    e = rnd.choice(cands)
    dup = copy.deepcopy(e)
    for x in dup.iter():
        if isinstance(x.tag, str) and x.get("id") and x.tag not in ("resource_ref",):
            x.set("id", x.get("id") + "-dup")
    e.addnext(dup)
    return f"duplicate <{e.tag}>"


def remove_child(root: etree._Element, rnd: _random.Random) -> str | None:
    cands = [e for e in _elements(root) if e.getparent() is not None
             and e.getparent().tag != "configuration"]
    if not cands:
        return None
    e = rnd.choice(cands)
    e.getparent().remove(e)
    return f"remove <{e.tag}>"


def move_child(root: etree._Element, rnd: _random.Random) -> str | None:
    elems = _elements(root)
    leaves = [e for e in elems if e.tag in ("nvpair", "rule", "op", "resource_ref",
                                            "expression", "meta_attributes", "primitive")]
    targets = [e for e in elems if e.tag not in ("nvpair",)]
    if not leaves or not targets:
        return None
    e, t = rnd.choice(leaves), rnd.choice(targets)
    if t is e or e in t.iterancestors():
        return None
    e.getparent().remove(e)
    t.append(e)
    return f"move <{e.tag}> into <{t.tag}>"


MUTATIONS: tuple[Callable[[etree._Element, _random.Random], str | None], ...] = (
    bad_enum, drop_attribute, duplicate_id, dangling_ref, unknown_attribute, bad_id,
    duplicate_child, remove_child, move_child,
)


def mutate(root: etree._Element, rnd: _random.Random) -> str | None:
    """Apply one random corruption; a description of it, or None when none applied."""
    return rnd.choice(MUTATIONS)(root, rnd)
