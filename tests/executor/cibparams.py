"""Parameters of a resource operation, read straight from a CIB, for digest tests.

A deliberately small reader, independent of the scheduler: instance attributes of the primitive
(its template, its parents, ``rsc_defaults``), ``id-ref`` resolution, op-level instance attributes,
and ``CRM_meta_interval``/``CRM_meta_timeout`` for recurring operations.  Anything it does not
handle (rules, bundles, remote connections) makes it return None so the test skips that record
instead of guessing.
"""

from __future__ import annotations

from hacrm.engine.agentmeta import parse_duration_ms

PARENT_TAGS = ("primitive", "group", "clone", "master")


class CibParams:
    def __init__(self, doc) -> None:
        self.cfg = doc.find("configuration")
        self.ids = {e.get("id"): e for e in self.cfg.iter() if e.get("id")}

    def _resolve(self, el):
        ref = el.get("id-ref")
        return self.ids.get(ref) if ref else el

    def nvsets(self, el, tag: str) -> dict[str, str] | None:
        out: dict[str, str] = {}
        if el is None:
            return out
        for s in el.findall(tag):
            s = self._resolve(s)
            if s is None or s.find("rule") is not None:
                return None
            for nv in s.findall("nvpair"):
                nv = self._resolve(nv)
                if nv is None:
                    return None
                name, value = nv.get("name"), nv.get("value")
                if name in out or value is None:
                    continue
                if value == "#default":
                    return None
                out[name] = value
        return out

    def primitive(self, rsc_id: str):
        el = self.ids.get(rsc_id.split(":")[0])
        if el is None or el.tag != "primitive":
            return None
        parent = el.getparent()
        while parent is not None and parent.tag != "resources":
            if parent.tag not in PARENT_TAGS:
                return None   # bundles and the like: not handled here
            parent = parent.getparent()
        return el

    def _ops(self, prim, template):
        ops = []
        for src in (prim, template):
            if src is None:
                continue
            for sect in src.findall("operations"):
                sect = self._resolve(sect)
                if sect is not None:
                    ops.extend(sect.findall("op"))
        return ops

    def params(self, rsc_id: str, task: str, interval_ms: int) -> dict[str, str] | None:
        prim = self.primitive(rsc_id)
        if prim is None:
            return None
        template = self.ids.get(prim.get("template")) if prim.get("template") else None
        out: dict[str, str] = {}
        el = prim
        while el is not None and el.tag in PARENT_TAGS:
            sources = [el, template] if el is prim else [el]
            for src in sources:
                found = self.nvsets(src, "instance_attributes")
                if found is None:
                    return None
                for k, v in found.items():
                    out.setdefault(k, v)
            el = el.getparent()
        defaults = self.nvsets(self.cfg.find("rsc_defaults"), "instance_attributes")
        if defaults is None:
            return None
        for k, v in defaults.items():
            out.setdefault(k, v)
        timeout = None
        for op in self._ops(prim, template):
            if op.get("name") == task and (parse_duration_ms(op.get("interval") or "0")
                                           == interval_ms):
                extra = self.nvsets(op, "instance_attributes")
                meta = self.nvsets(op, "meta_attributes")
                if extra is None or meta is None:
                    return None
                for k, v in extra.items():
                    out.setdefault(k, v)
                timeout = op.get("timeout") or meta.get("timeout")
                break
        if interval_ms:
            if timeout is None:
                op_defaults = self.nvsets(self.cfg.find("op_defaults"), "meta_attributes")
                if op_defaults is None:
                    return None
                timeout = op_defaults.get("timeout")
            out["CRM_meta_interval"] = str(interval_ms)
            out["CRM_meta_timeout"] = str(parse_duration_ms(timeout) if timeout else 20000)
        return out
