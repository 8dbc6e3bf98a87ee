"""Hypothesis strategies for valid configure scripts, and ways to corrupt them.

A generated script is a coherent configuration: every id is new when it is defined, groups
and clones take resources nobody has taken yet, constraints name resources that exist.  The
values mix plain words, numbers, paths and quoted strings with blanks, so that quoting is
exercised as well as structure.
"""

from __future__ import annotations

from hypothesis import strategies as st

AGENTS = ("Dummy", "ocf:pacemaker:Dummy", "ocf:heartbeat:IPaddr2", "ocf:pacemaker:Stateful",
          "stonith:fence_xvm", "systemd:nginx", "lsb:cron", "ocf:linbit:drbd")
META = {
    "target-role": ("Started", "Stopped"), "is-managed": ("true", "false"),
    "resource-stickiness": ("0", "100", "INFINITY"), "migration-threshold": ("1", "3"),
    "failure-timeout": ("60s", "10min"), "priority": ("0", "10"),
}
CLONE_META = {"interleave": ("true", "false"), "clone-max": ("1", "2", "3"),
              "notify": ("true", "false"), "ordered": ("true", "false")}
OPS = ("start", "stop", "monitor", "promote", "demote", "migrate_to", "reload")
PROPERTIES = {"stonith-enabled": ("true", "false"), "no-quorum-policy": ("stop", "ignore"),
              "maintenance-mode": ("true", "false"), "cluster-recheck-interval": ("5min",),
              "batch-limit": ("0", "20")}
NODES = ("node1", "node2", "node3")

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
plain_values = st.from_regex(r"[A-Za-z0-9_./-]{1,12}", fullmatch=True)
spaced_values = st.from_regex(r"[a-z]{1,5}( [a-z0-9]{1,5}){1,2}", fullmatch=True).map(
    lambda v: f'"{v}"')
values = st.one_of(plain_values, spaced_values, st.integers(0, 99999).map(str))
scores = st.sampled_from(("inf", "-inf", "100", "-100", "0", "50", "+INFINITY"))
intervals = st.sampled_from(("10s", "20s", "30s", "1min", "60", "90s", "2min"))


@st.composite
def nvpairs(draw: st.DrawFn, allowed: dict[str, tuple[str, ...]] | None = None,
            min_size: int = 1, max_size: int = 3) -> str:
    if allowed is None:
        keys = draw(st.lists(names, min_size=min_size, max_size=max_size, unique=True))
        return " ".join(f"{k}={draw(values)}" for k in keys)
    keys = draw(st.lists(st.sampled_from(sorted(allowed)), min_size=min_size,
                         max_size=max_size, unique=True))
    return " ".join(f"{k}={draw(st.sampled_from(allowed[k]))}" for k in keys)


@st.composite
def expression(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(("binary", "typed", "unary", "uname", "date")))
    attr = draw(st.sampled_from(("pingd", "site", "rack", "mem")))
    if kind == "binary":
        return f"{attr} {draw(st.sampled_from(('lt', 'gt', 'lte', 'gte', 'eq', 'ne')))} " \
               f"{draw(plain_values)}"
    if kind == "typed":
        typ = draw(st.sampled_from(("integer", "number", "version")))
        return f"{attr} {typ}:{draw(st.sampled_from(('lt', 'gt', 'eq')))} " \
               f"{draw(st.integers(0, 1000))}"
    if kind == "unary":
        return f"{draw(st.sampled_from(('defined', 'not_defined')))} {attr}"
    if kind == "uname":
        return f"#uname eq {draw(st.sampled_from(NODES))}"
    which = draw(st.sampled_from(("lt", "gt", "in", "spec")))
    if which in ("lt", "gt"):
        return f"date {which} 20{draw(st.integers(10, 40))}-0{draw(st.integers(1, 9))}-15"
    if which == "in":
        return f"date in start=2020-01-01 end=20{draw(st.integers(21, 40))}-12-31"
    return f"date spec hours={draw(st.integers(0, 11))}-{draw(st.integers(12, 23))}"


@st.composite
def rule(draw: st.DrawFn) -> str:
    exprs = draw(st.lists(expression(), min_size=1, max_size=3))
    op = draw(st.sampled_from(("and", "or")))
    score = draw(st.sampled_from(("", "100: ", "-inf: ", "inf: ", "pingd: ")))
    return f"rule {score}" + f" {op} ".join(exprs)


@st.composite
def primitive(draw: st.DrawFn, ident: str) -> str:
    parts = [f"primitive {ident} {draw(st.sampled_from(AGENTS))}"]
    if draw(st.booleans()):
        parts.append(f"params {draw(nvpairs())}")
    if draw(st.booleans()):
        parts.append(f"meta {draw(nvpairs(META))}")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"utilization cpu={draw(st.integers(1, 8))}")
    for name in draw(st.lists(st.sampled_from(OPS), max_size=3, unique=True)):
        attrs = f"interval={draw(intervals)}" if name == "monitor" else \
            f"timeout={draw(intervals)}"
        if draw(st.booleans()):
            attrs += f" timeout={draw(intervals)}" if name == "monitor" else ""
        parts.append(f"op {name} {attrs}")
    return " \\\n\t".join(parts) if draw(st.booleans()) else " ".join(parts)


@st.composite
def configuration(draw: st.DrawFn) -> str:
    """A coherent configure script."""
    lines: list[str] = []
    nodes = draw(st.lists(st.sampled_from(NODES), max_size=3, unique=True))
    for n in nodes:
        extra = f" attributes {draw(nvpairs(min_size=1, max_size=2))}" \
            if draw(st.booleans()) else ""
        lines.append(f"node {n}{extra}")
    count = draw(st.integers(1, 8))
    prims = [f"r{i}" for i in range(count)]
    for p in prims:
        lines.append(draw(primitive(p)))
    free = list(prims)
    containers: list[str] = []
    if len(free) >= 2 and draw(st.booleans()):
        members = free[:draw(st.integers(1, min(3, len(free))))]
        free = free[len(members):]
        meta = f" meta {draw(nvpairs(META, max_size=2))}" if draw(st.booleans()) else ""
        lines.append(f"group g1 {' '.join(members)}{meta}")
        containers.append("g1")
        if draw(st.booleans()):
            lines.append(f"clone cl-g1 g1 meta {draw(nvpairs(CLONE_META, max_size=2))}")
            containers = ["cl-g1"]
    if free and draw(st.booleans()):
        lines.append(f"clone cl-{free[0]} {free[0]} meta {draw(nvpairs(CLONE_META))}")
        containers.append(f"cl-{free[0]}")
        free = free[1:]
    targets = free + containers
    for i in range(draw(st.integers(0, 3))):
        rsc = draw(st.sampled_from(targets))
        if draw(st.booleans()):
            lines.append(f"location loc{i} {rsc} {draw(scores)}: "
                         f"{draw(st.sampled_from(NODES))}")
        else:
            rules = draw(st.lists(rule(), min_size=1, max_size=2))
            lines.append(f"location loc{i} {rsc} " + " ".join(rules))
    if len(targets) >= 2:
        for i in range(draw(st.integers(0, 2))):
            picked = draw(st.lists(st.sampled_from(targets), min_size=2, max_size=4,
                                   unique=True))
            if draw(st.booleans()):
                lines.append(f"colocation col{i} {draw(scores)}: {' '.join(picked)}")
            else:
                kind = draw(st.sampled_from(("Mandatory: ", "Optional: ", "Serialize: ", "")))
                lines.append(f"order ord{i} {kind}{' '.join(picked)}")
    if draw(st.booleans()):
        lines.append(f"property {draw(nvpairs(PROPERTIES))}")
    if draw(st.booleans()):
        lines.append(f"rsc_defaults {draw(nvpairs(META, max_size=2))}")
    if draw(st.booleans()):
        lines.append(f"op_defaults timeout={draw(intervals)}")
    if draw(st.booleans()):
        tagged = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3, unique=True))
        lines.append(f"tag t1 {' '.join(tagged)}")
    return "\n".join(lines) + "\n"


JUNK = ("(", ")", "[", "]", "{", "}", "'", '"', "\\", "=", ":", "$id=", "@", "rule", "op",
        "params", "meta", "inf:", "primitve", "locaton", "and", "or", "date", "xml", "#",
        "&", "a=b=c", "$id-ref=", "-", "::", "1abc")


@st.composite
def corruption(draw: st.DrawFn, script: str) -> tuple[str, int]:
    """The script with one command corrupted, and the (1-based) line the command starts at."""
    lines = script.rstrip("\n").split("\n")
    starts = [i for i, ln in enumerate(lines) if i == 0 or not lines[i - 1].endswith("\\")]
    start = draw(st.sampled_from(starts))
    end = start
    while lines[end].endswith("\\"):
        end += 1
    command = " ".join(ln.rstrip("\\").strip() for ln in lines[start:end + 1])
    words = command.split(" ")
    how = draw(st.sampled_from(("drop", "insert", "swap", "truncate", "keyword", "quote")))
    if how == "drop" and len(words) > 1:
        del words[draw(st.integers(1, len(words) - 1))]
    elif how == "insert":
        words.insert(draw(st.integers(1, len(words))), draw(st.sampled_from(JUNK)))
    elif how == "swap" and len(words) > 2:
        i = draw(st.integers(1, len(words) - 2))
        words[i], words[i + 1] = words[i + 1], words[i]
    elif how == "truncate" and len(words) > 1:
        words = words[:draw(st.integers(1, len(words) - 1))]
    elif how == "keyword":
        words[0] = draw(st.sampled_from(("primitve", "grop", "locaton", "colocaton",
                                         "properti", "clones", "ordr")))
    else:
        i = draw(st.integers(0, len(words) - 1))
        words[i] = words[i] + draw(st.sampled_from(('"', "'")))
    corrupted = lines[:start] + [" ".join(words)] + lines[end + 1:]
    return "\n".join(corrupted) + "\n", start + 1
