"""Building the other elements: cluster options, fencing_topology, tag, ACLs, alerts, xml.

(The callbacks of :class:`hacrm.language.build._Builder` for these elements.)
"""

from __future__ import annotations

import shlex
from typing import Any

from lark import Token

from hacrm.cib import model as m
from hacrm.language.vocabulary import (
    ACL_SHORTCUTS, ACL_SPEC_MAP, Definition,
)
from hacrm.language.words import unquote


class OtherRules:
    """Transformer callbacks for options, fencing, tags, access control, alerts and raw XML."""

    # ------------------------------------------------------------ cluster options
    def _nvset(self, kind: str, items: list[Any]) -> Definition:
        tag = "cluster_property_set" if kind == "property" else "meta_attributes"
        aset = m.AttrSet(tag=tag)
        for item in items:
            if isinstance(item, tuple):
                if item[0] == "id":
                    aset.id = item[1]
                else:
                    aset.id_ref = item[1]
            elif isinstance(item, m.Rule):
                aset.items.append(item)
            elif isinstance(item, list):
                for nv in item:
                    if self.interactive and nv.value is None and nv.id_ref is None:
                        self.fail(f"expected name=value, got `{nv.name}`")
                    if self.interactive and nv.value == "":
                        self.fail(f"empty value for {nv.name} is not allowed")
                    aset.items.append(nv)
        return Definition(kind, m.NvSet(kind, aset), self.line)

    def property(self, items: list[Any]) -> Definition:
        return self._nvset("property", items)

    def rsc_defaults(self, items: list[Any]) -> Definition:
        return self._nvset("rsc_defaults", items)

    def op_defaults(self, items: list[Any]) -> Definition:
        return self._nvset("op_defaults", items)

    # ------------------------------------------------------------ fencing, tags
    def fencing_target(self, items: list[Token]) -> tuple[str, Any]:
        return "target", unquote(str(items[0]))[:-1]

    def fencing_attr_target(self, items: list[Token]) -> tuple[str, Any]:
        name, _, value = unquote(str(items[0]))[5:].partition("=")
        return "attr", (name, value)

    def fencing_pattern_target(self, items: list[Token]) -> tuple[str, Any]:
        return "pattern", unquote(str(items[0]))[8:]

    def fencing_devices(self, items: list[Token]) -> tuple[str, Any]:
        return "devices", unquote(str(items[0]))

    def fencing_topology(self, items: list[Any]) -> Definition:
        raw: list[tuple[Any, str]] = []
        target: Any = None
        for kind, value in items:
            if kind == "devices":
                raw.append((target, value))
            else:
                target = (kind, value)
        if raw and raw[0][0] is None:
            raw = [(("target", node), devices) for node in self.ctx.node_names()
                   for _, devices in raw]
        topo = m.FencingTopology()
        counters: dict[Any, int] = {}
        for tgt, devices in raw:
            kind, value = tgt
            key = value if kind != "attr" else value[0]
            index = counters.get(key, 1)
            counters[key] = index + 1
            level = m.FencingLevel(index=str(index), devices=devices)
            if kind == "target":
                level.target = value
            elif kind == "pattern":
                level.target_pattern = value
            else:
                level.target_attribute, level.target_value = value
            topo.levels.append(level)
        return Definition("fencing_topology", topo, self.line)

    def tag(self, items: list[Token]) -> Definition:
        name = unquote(str(items[0]))
        if name.endswith(":"):
            name = name[:-1]
        tag = m.Tag(id=name, refs=[unquote(str(t)) for t in items[1:]])
        return Definition("tag", tag, self.line)

    # ------------------------------------------------------------ access control
    def acl_right_id(self, items: list[Token]) -> tuple[str, str]:
        text = unquote(str(items[0]))
        return "id", text.split("=", 1)[1] if text.lower().startswith("$id=") else text[:-1]

    def acl_right(self, items: list[Any]) -> list[m.AclPermission]:
        kind_tok = items[0]
        base = m.AclPermission(kind=str(kind_tok).lower())
        specs: dict[str, str] = {}
        for item in items[1:]:
            if isinstance(item, tuple):
                if item[0] == "id":
                    base.id = item[1]
                else:
                    base.description = item[1]
                continue
            typ, _, val = unquote(str(item)).partition(":")
            if typ in ACL_SHORTCUTS:
                xpath = self._expand_shortcut(typ, val, item)
                specs["xpath"] = xpath
            else:
                if not val:
                    self.fail("expected <type>:<spec>", item)
                specs[ACL_SPEC_MAP.get(typ, typ)] = val
        out: list[m.AclPermission] = []
        if "xpath" in specs:
            out.append(m.AclPermission(kind=base.kind, id=base.id,
                                       description=base.description, xpath=specs["xpath"]))
        if "reference" in specs:
            out.append(m.AclPermission(kind=base.kind, id=base.id,
                                       description=base.description,
                                       reference=specs["reference"]))
        if "object-type" in specs:
            out.append(m.AclPermission(kind=base.kind, id=base.id,
                                       description=base.description,
                                       object_type=specs["object-type"],
                                       attribute=specs.get("attribute")))
        if "attribute" in specs and "object-type" not in specs:
            self.fail("attribute is only valid in combination with tag/object-type", kind_tok)
        return out

    def _expand_shortcut(self, name: str, value: str, tok: Token) -> str:
        expansion = ACL_SHORTCUTS[name]
        if not value:
            if "@@" in expansion[0]:
                self.fail(f"missing argument to ACL shortcut {name}", tok)
            return expansion[0]
        xpath = ""
        i = 0
        for word in value.split(":"):
            if i >= len(expansion):
                self.fail(f"too many arguments to ACL shortcut {name}", tok)
            if "@@" not in expansion[i]:
                xpath += expansion[i]
                i += 1
                if i >= len(expansion):
                    self.fail(f"too many arguments to ACL shortcut {name}", tok)
            xpath += expansion[i].replace("@@", word)
            i += 1
        return xpath

    def role(self, items: list[Any]) -> Definition:
        role = m.AclRole(id=self.ident(items[0]))
        for item in items[1:]:
            if isinstance(item, tuple):
                role.description = item[1]
            else:
                role.permissions.extend(item)
        return Definition("role", role, self.line)

    def user_role_ref(self, items: list[Token]) -> str:
        return unquote(str(items[0])).split(":", 1)[1]

    def user_right(self, items: list[Token]) -> m.AclRight:
        right = m.AclRight(kind=str(items[0]).lower())
        for tok in items[1:]:
            typ, _, val = unquote(str(tok)).partition(":")
            if typ in ACL_SHORTCUTS:
                right.attrs["xpath"] = self._expand_shortcut(typ, val, tok)
            else:
                right.attrs[typ] = val
        return right

    def user(self, items: list[Any]) -> Definition:
        if not self.ctx.acl_user_supported():
            self.fail("user is not supported by the CIB's schema (pacemaker-2.0 and later use "
                      "acl_target)", items[0], f"write `acl_target {self.ident(items[0])} "
                      f"<role> ...` with roles defined by `role`")
        user = m.AclUser(id=self.ident(items[0]), items=list(items[1:]))
        return Definition("user", user, self.line)

    def acl_target(self, items: list[Token]) -> Definition:
        t = m.AclTarget(id=self.ident(items[0]), roles=[unquote(str(x)) for x in items[1:]])
        return Definition("acl_target", t, self.line)

    def acl_group(self, items: list[Token]) -> Definition:
        t = m.AclTarget(id=self.ident(items[0]), tag="acl_group",
                        roles=[unquote(str(x)) for x in items[1:]])
        return Definition("acl_group", t, self.line)

    # ------------------------------------------------------------ alerts
    def alert_select(self, items: list[Token]) -> m.AlertSelect:
        sel = m.AlertSelect()
        for tok in items:
            if tok.type == "SELECT_ATTRIBUTES":
                sel.kinds.append("attributes")
            elif tok.type == "WORD":
                sel.attributes.append(m.SelectAttribute(unquote(str(tok))))
            else:
                sel.kinds.append(str(tok).lower())
        return sel

    def recipient(self, items: list[Any]) -> m.Recipient:
        r = m.Recipient(value=unquote(str(items[0])))
        for item in items[1:]:
            if isinstance(item, tuple):
                r.description = item[1]
            else:
                r.sets.append(item)
        return r

    recipient_braced = recipient

    def alert(self, items: list[Any]) -> Definition:
        alert = m.Alert(id=self.ident(items[0]), path=unquote(str(items[1])))
        count = 0
        for item in items[2:]:
            if isinstance(item, tuple):
                alert.description = item[1]
                continue
            if isinstance(item, m.Recipient):
                count += 1
                item.id = f"{alert.id}-recipient-{count}"
            alert.children.append(item)
        return Definition("alert", alert, self.line)

    # ------------------------------------------------------------ raw XML
    def xml(self, items: list[Token]) -> Definition:
        raw = str(items[0])
        if self.interactive:
            # a command's words are shell words: quotes go, as crmsh sees them
            try:
                text = " ".join(shlex.split(raw))
            except ValueError as err:
                self.fail(f"cannot split the XML into words: {err}", items[0])
                text = raw
        else:
            text = " ".join(raw.split())
        return Definition("xml", text, self.line)
