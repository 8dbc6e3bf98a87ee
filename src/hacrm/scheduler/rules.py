"""Rule evaluation: node attribute expressions, date expressions and date_spec, resource and
operation expressions, and the nvpair-set unpacking that uses them.

This module is shared with the embedded engine, so it takes plain values (a dict of node
attributes, a "now" datetime) and XML elements, and never reads a clock itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from .model import Role, parse_score, text_to_role

UTC = timezone.utc


@dataclass
class RuleContext:
    """What an expression may look at (Pacemaker's pe_rule_eval_data_t)."""

    node_attrs: dict[str, str] | None = None
    role: Role = Role.UNKNOWN
    now: datetime | None = None
    rsc_class: str | None = None
    rsc_provider: str | None = None
    rsc_type: str | None = None
    has_rsc: bool = False
    op_name: str | None = None
    op_interval_ms: int | None = None
    params: dict[str, str] | None = None
    meta: dict[str, str] | None = None
    regex_match: Any = None


# --- ISO 8601 dates -------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"^\s*(?P<y>\d{4})(?:-?(?:(?P<m>\d{2})-?(?P<d>\d{2})|(?P<o>\d{3})|W(?P<w>\d{2})-?(?P<wd>\d)))?"
    r"(?:[T ](?P<H>\d{2})(?::?(?P<M>\d{2})(?::?(?P<S>\d{2}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?\s*$")


def parse_iso8601(text: str | None) -> datetime | None:
    """Parse the date forms Pacemaker accepts (calendar, ordinal, ISO week), in UTC."""
    if not text:
        return None
    m = _DATE_RE.match(text)
    if not m:
        return None
    year = int(m["y"])
    try:
        if m["o"]:
            base = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=int(m["o"]) - 1)
        elif m["w"]:
            base = datetime.fromisocalendar(year, int(m["w"]), int(m["wd"])).replace(tzinfo=UTC)
        else:
            base = datetime(year, int(m["m"] or 1), int(m["d"] or 1), tzinfo=UTC)
    except ValueError:
        return None
    secs = int(m["H"] or 0) * 3600 + int(m["M"] or 0) * 60 + int(m["S"] or 0)
    result = base + timedelta(seconds=secs)
    tz = m["tz"]
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        off = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
        result -= timedelta(seconds=sign * off)
    return result


def _add_months(t: datetime, months: int) -> datetime:
    month = t.month - 1 + months
    year = t.year + month // 12
    month = month % 12 + 1
    import calendar
    day = min(t.day, calendar.monthrange(year, month)[1])
    return t.replace(year=year, month=month, day=day)


def _duration_end(start: datetime, spec: Any) -> datetime:
    end = start
    for field_name in ("years", "months", "weeks", "days", "hours", "minutes", "seconds"):
        raw = spec.get(field_name)
        if raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            continue
        if value == 0:
            continue
        if field_name == "years":
            end = _add_months(end, 12 * value)
        elif field_name == "months":
            end = _add_months(end, value)
        else:
            end = end + timedelta(**{field_name: value})
    return end


def _parse_range(value: str) -> tuple[int, int] | None:
    v = value.strip()
    if "-" in v[1:]:
        idx = v.index("-", 1)
        low_s, high_s = v[:idx], v[idx + 1:]
        try:
            low = int(low_s) if low_s else -1
            high = int(high_s) if high_s else -1
        except ValueError:
            return None
        return low, high
    try:
        n = int(v)
    except ValueError:
        return None
    return n, n


def _moon_phase(now: datetime) -> int:
    year = now.year
    diy = now.timetuple().tm_yday
    goldn = (year % 19) + 1
    epact = (11 * goldn + 18) % 30
    if (epact == 25 and goldn > 11) or epact == 24:
        epact += 1
    return ((((diy + epact) * 6) + 11) % 177 // 22) & 7


def date_spec_satisfied(now: datetime, spec: Any) -> bool:
    iso_year, iso_week, iso_wd = now.isocalendar()
    fields = [
        ("years", now.year), ("months", now.month), ("monthdays", now.day),
        ("hours", now.hour), ("minutes", now.minute), ("seconds", now.second),
        ("yeardays", now.timetuple().tm_yday), ("weekyears", iso_year), ("weeks", iso_week),
        ("weekdays", iso_wd), ("moon", _moon_phase(now)),
    ]
    for name, value in fields:
        raw = spec.get(name)
        if raw is None:
            continue
        rng = _parse_range(raw)
        if rng is None:
            continue
        low, high = rng
        if low == -1:
            ok = value <= high
        elif high == -1:
            ok = value >= low
        else:
            ok = low <= value <= high
        if not ok:
            return False
    return True


def eval_date_expression(expr: Any, now: datetime | None) -> bool:
    if now is None:
        now = datetime.now(UTC)
    op = (expr.get("operation") or "in_range").lower()
    start = parse_iso8601(expr.get("start"))
    end = parse_iso8601(expr.get("end"))
    duration = _first_child(expr, "duration")
    if start is not None and end is None and duration is not None:
        end = _duration_end(start, duration)
    if op == "in_range":
        if start is None and end is None:
            return False
        if start is not None and now < start:
            return False
        if end is not None and now > end:
            return False
        return True
    if op == "date_spec":
        spec = _first_child(expr, "date_spec")
        return spec is not None and date_spec_satisfied(now, spec)
    if op == "gt":
        return start is not None and now > start
    if op == "lt":
        return end is not None and now < end
    return False


# --- expressions ----------------------------------------------------------------------------

def _first_child(xml: Any, tag: str) -> Any:
    for child in xml:
        if child.tag == tag:
            return child
    return None


def _version_cmp(a: str, b: str) -> int:
    def parts(v: str) -> list[int]:
        out = []
        for p in v.split("."):
            try:
                out.append(int(p))
            except ValueError:
                out.append(0)
        return out
    pa, pb = parts(a), parts(b)
    n = max(len(pa), len(pb))
    pa += [0] * (n - len(pa))
    pb += [0] * (n - len(pb))
    return (pa > pb) - (pa < pb)


def _int_prefix(s: str) -> int | None:
    m = re.match(r"^\s*([+-]?\d+)", s)
    return int(m.group(1)) if m else None


def _compare(lval: str | None, rval: str | None, typ: str | None, op: str) -> int:
    if lval is not None and rval is not None:
        if typ is None:
            if op in ("lt", "lte", "gt", "gte"):
                typ = "number" if ("." in lval or "." in rval) else "integer"
            else:
                typ = "string"
        typ = typ.lower()
        if typ == "string":
            a, b = lval.lower(), rval.lower()
            return (a > b) - (a < b)
        if typ == "integer":
            a_i, b_i = _int_prefix(lval), _int_prefix(rval)
            if a_i is not None and b_i is not None:
                return (a_i > b_i) - (a_i < b_i)
            return _compare(lval, rval, "string", op)
        if typ == "number":
            try:
                a_f, b_f = float(lval), float(rval)
            except ValueError:
                return _compare(lval, rval, "string", op)
            return (a_f > b_f) - (a_f < b_f)
        if typ == "version":
            return _version_cmp(lval, rval)
        return 0
    if lval is None and rval is None:
        return 0
    return 1 if rval is None else -1


def _accept(lval: str | None, rval: str | None, typ: str | None, op: str) -> bool:
    op = (op or "").lower()
    if op == "defined":
        return lval is not None
    if op == "not_defined":
        return lval is None
    cmp = _compare(lval, rval, typ, op)
    if op == "eq":
        return cmp == 0
    if op == "ne":
        return cmp != 0
    if lval is None or rval is None:
        return False
    return {"lt": cmp < 0, "lte": cmp <= 0, "gt": cmp > 0, "gte": cmp >= 0}.get(op, False)


def _expand_submatches(text: str, match: Any) -> str:
    if match is None or "%" not in text:
        return text

    def repl(m: re.Match) -> str:
        idx = int(m.group(1))
        try:
            return match.group(idx) or ""
        except IndexError:
            return ""
    return re.sub(r"%(\d)", repl, text)


def eval_attr_expression(expr: Any, ctx: RuleContext) -> bool:
    attr = expr.get("attribute")
    if attr is None:
        return False
    op = expr.get("operation")
    value = expr.get("value")
    typ = expr.get("type")
    source = expr.get("value-source")
    if ctx.regex_match is not None:
        attr = _expand_submatches(attr, ctx.regex_match)
    if ctx.params is not None or ctx.meta is not None or ctx.regex_match is not None:
        if not value:
            value = None
        elif source and source.lower() == "param":
            value = (ctx.params or {}).get(value)
        elif source and source.lower() == "meta":
            value = (ctx.meta or {}).get(value)
    lval = ctx.node_attrs.get(attr) if ctx.node_attrs is not None else None
    return _accept(lval, value, typ, op or "")


def eval_role_expression(expr: Any, ctx: RuleContext) -> bool:
    if ctx.role == Role.UNKNOWN:
        return False
    op = (expr.get("operation") or "").lower()
    value = expr.get("value")
    if op == "defined":
        return ctx.role > Role.STARTED
    if op == "not_defined":
        return Role.UNKNOWN < ctx.role < Role.UNPROMOTED
    if op == "eq":
        return text_to_role(value) == ctx.role
    if op == "ne":
        if Role.UNKNOWN < ctx.role < Role.UNPROMOTED:
            return False
        return text_to_role(value) != ctx.role
    return False


def eval_subexpression(expr: Any, ctx: RuleContext) -> bool:
    tag = expr.tag
    if not isinstance(tag, str):
        return True
    if tag == "rule":
        return eval_rule(expr, ctx)
    if tag == "date_expression":
        return eval_date_expression(expr, ctx.now)
    if tag == "rsc_expression":
        if not ctx.has_rsc:
            return False
        cls, prov, typ = expr.get("class"), expr.get("provider"), expr.get("type")
        if cls is not None and cls != ctx.rsc_class:
            return False
        if prov != ctx.rsc_provider and not (prov is None and ctx.rsc_provider is None):
            if prov is None or ctx.rsc_provider is None or prov != ctx.rsc_provider:
                return False
        if typ is not None and typ != ctx.rsc_type:
            return False
        return True
    if tag == "op_expression":
        if ctx.op_name is None:
            return False
        from .intervals import parse_interval_ms
        interval = expr.get("interval")
        if interval is not None and parse_interval_ms(interval) != (ctx.op_interval_ms or 0):
            return False
        return expr.get("name") == ctx.op_name
    if tag != "expression":
        return False
    attr = expr.get("attribute")
    if attr == "#role":
        return eval_role_expression(expr, ctx)
    if ctx.node_attrs is None:
        return False
    return eval_attr_expression(expr, ctx)


def eval_rule(rule: Any, ctx: RuleContext) -> bool:
    """pe_eval_expr: a rule's expressions combined by its boolean-op (default and)."""
    do_and = (rule.get("boolean-op") or "and").lower() != "or"
    for expr in rule:
        if not isinstance(expr.tag, str):
            continue
        ok = eval_subexpression(expr, ctx)
        if ok and not do_and:
            return True
        if not ok and do_and:
            return False
    return do_and


def eval_rules(parent: Any, ctx: RuleContext) -> bool:
    """pe_eval_rules: any rule child passing passes; no rule at all passes."""
    saw = False
    for rule in parent:
        if rule.tag != "rule":
            continue
        saw = True
        if eval_rule(rule, ctx):
            return True
    return not saw


# --- nvpair sets ----------------------------------------------------------------------------

def unpack_nvpair_sets(xml: Any, set_name: str, ctx: RuleContext, into: dict[str, str],
                       overwrite: bool = False, resolve: Callable[[Any], Any] | None = None,
                       always_first: str | None = None) -> None:
    """Fold the set_name blocks of xml into ``into``, highest-scoring block first.

    Pacemaker keeps the first value it sees unless ``overwrite``; blocks of equal score are taken
    in reverse document order, which this reproduces.
    """
    if xml is None:
        return
    blocks = []
    for child in xml:
        if child.tag != set_name:
            continue
        block = resolve(child) if resolve else child
        if block is None:
            continue
        blocks.append(block)
    blocks.reverse()

    def key(b: Any) -> tuple[int, int]:
        first = 0 if (always_first and b.get("id") == always_first) else 1
        return (first, -parse_score(b.get("score")))
    blocks.sort(key=key)
    for block in blocks:
        if not eval_rules(block, ctx):
            continue
        _populate(block, into, overwrite, resolve)


def _populate(block: Any, into: dict[str, str], overwrite: bool,
              resolve: Callable[[Any], Any] | None) -> None:
    items: Iterable[Any] = block
    for nv in items:
        if nv.tag != "nvpair":
            continue
        ref = resolve(nv) if resolve else nv
        name = nv.get("name") or (ref.get("name") if ref is not None else None)
        value = nv.get("value")
        if value is None and ref is not None:
            value = ref.get("value")
        if name is None or value is None:
            continue
        if value.lower() == "#default":
            into.pop(name, None)
            continue
        if name not in into or overwrite:
            into[name] = value
