"""``crm resource trace|untrace RSC [OP] [INTERVAL] [DIR]``: agent tracing through op attributes.

Tracing is switched on per operation with ``trace_ra=1`` (and ``trace_dir``) in the op's
instance attributes; OCF agents built on ocf-shellfuncs then write a shell trace of each call.
As crmsh does it: ``trace RSC`` traces start, stop (adding ``interval=0`` ops for them when
missing) and every configured op; an op that gains or loses an attribute is rebuilt and moves
to the end of ``operations``; an op left with nothing but its name and ``interval=0`` is
removed again by ``untrace``.
"""

from __future__ import annotations

from lxml import etree

from hacrm.operations.changes import Change
from hacrm.operations.xmltree import OperationError, all_ids, crmsh_id, find_resource

#: attributes an <op> element may carry (everything else goes to its instance attributes)
OP_ATTRIBUTES = ("id", "name", "description", "interval", "interval-origin", "start-delay",
                 "timeout", "enabled", "record-pending", "role", "requires", "on-fail")
TRACE, TRACE_DIR = "trace_ra", "trace_dir"
HEARTBEAT_DIR = "/var/lib/heartbeat"


def _msec(text: str | None) -> int:
    from hacrm.cib.timespec import to_msec

    return to_msec(text or "0")


def _primitive(change: Change, rsc_id: str) -> etree._Element:
    try:
        elem = find_resource(change.root, rsc_id)
    except OperationError:
        raise OperationError(f"resource {rsc_id} does not exist") from None
    if elem.tag != "primitive":
        raise OperationError(f"element {rsc_id} is not a primitive resource")
    return elem


def _ops(rsc: etree._Element, name: str | None = None) -> list[etree._Element]:
    return [op for ops in rsc.findall("operations") for op in ops.iterchildren("op")
            if name is None or op.get("name") == name]


def find_operation(rsc: etree._Element, name: str, interval: str | None) -> etree._Element | None:
    matching = _ops(rsc, name)
    if interval is None and len(matching) == 1:
        return matching[0]
    wanted = _msec(interval or "0")
    for op in matching:
        if _msec(op.get("interval")) == wanted:
            return op
    return None


def _append(rsc: etree._Element, op: etree._Element) -> None:
    ops = rsc.find("operations")
    if ops is None:
        ops = etree.SubElement(rsc, "operations")
    ops.append(op)


def _rebuild(rsc: etree._Element, op: etree._Element, values: dict[str, str],
             used: set[str]) -> etree._Element:
    """crmsh's Op.mkxml: a new element from name, the other attributes, the instance
    attributes flattened; appended at the end of ``operations``."""
    old_id = op.get("id")
    if op.getparent() is not None:
        op.getparent().remove(op)
    used.discard(old_id)
    for nested in op.iter():
        used.discard(nested.get("id"))
    new = etree.Element("op")
    extra = {}
    for key, value in values.items():
        if key in OP_ATTRIBUTES and key != "id":
            new.set(key, value)
        elif key != "id":
            extra[key] = value
    new.set("id", crmsh_id(new, rsc.get("id", ""), used))
    if extra:
        attrs = etree.SubElement(new, "instance_attributes",
                                 id=f"{new.get('id')}-instance_attributes")
        for key, value in extra.items():
            etree.SubElement(attrs, "nvpair", name=key, value=value,
                             id=f"{attrs.get('id')}-{key}")
    _append(rsc, new)
    return new


def _values(op: etree._Element) -> dict[str, str]:
    values = {"name": op.get("name", "")}
    for key, value in op.attrib.items():
        if key != "id":
            values[key] = value
    for nv in op.xpath("instance_attributes/nvpair"):
        if nv.get("name") is not None and nv.get("value") is not None:
            values[nv.get("name")] = nv.get("value")
    return values


def _set(rsc: etree._Element, op: etree._Element, key: str, value: str,
         used: set[str]) -> etree._Element:
    values = _values(op)
    values[key] = value
    return _rebuild(rsc, op, values, used)


def _add(rsc: etree._Element, name: str, interval: str, directory: str | None,
         used: set[str]) -> None:
    if find_operation(rsc, name, interval) is not None:
        raise OperationError(f"{rsc.get('id')} already has a {name} op with interval "
                             f"{interval}")
    op = etree.Element("op", name=name, interval=interval)
    op.set("id", crmsh_id(op, rsc.get("id", ""), used))
    attrs = etree.SubElement(op, "instance_attributes", id=f"{op.get('id')}-instance_attributes")
    extra = {TRACE: "1"}
    if directory is not None:
        extra[TRACE_DIR] = directory
    for key, value in extra.items():
        etree.SubElement(attrs, "nvpair", name=key, value=value, id=f"{attrs.get('id')}-{key}")
    _append(rsc, op)


def _trace_op(rsc: etree._Element, op: etree._Element, directory: str | None,
              used: set[str]) -> None:
    op = _set(rsc, op, TRACE, "1", used)
    if directory is not None:
        _set(rsc, op, TRACE_DIR, directory, used)


def parse_trace_args(args: list[str]) -> tuple[str | None, str | None, str | None]:
    usage = "usage: trace <rsc> [<op>] [<interval>] [<log-dir>]"
    if len(args) > 3:
        raise OperationError(usage)
    op = interval = directory = None
    for arg in args:
        if arg.startswith("/"):
            if directory is not None:
                raise OperationError(usage)
            directory = arg
        elif arg.isnumeric():
            if interval is not None:
                raise OperationError(usage)
            interval = arg
        else:
            if op is not None:
                raise OperationError(usage)
            op = arg
    if op == "probe":
        op, interval = "monitor", interval or "0"
    return op, interval, directory


def trace(change: Change, rsc_id: str, args: list[str]) -> None:
    change.crmsh_edit()
    rsc = _primitive(change, rsc_id)
    op_name, interval, directory = parse_trace_args(args)
    used = all_ids(change.root)
    if op_name is None:
        existing = _ops(rsc)
        for name in ("start", "stop"):
            if not any(o.get("name") == name for o in existing):
                _add(rsc, name, "0", directory, used)
        for op in existing:
            _trace_op(rsc, op, directory, used)
    elif interval is None:
        named = _ops(rsc, op_name)
        if not named:
            if op_name == "monitor":
                raise OperationError(f"No monitor operation configured for {rsc_id}")
            _add(rsc, op_name, "0", directory, used)
        for op in named:
            _trace_op(rsc, op, directory, used)
    else:
        op = find_operation(rsc, op_name, interval)
        if op is None and _msec(interval) != 0:
            raise OperationError(f"Operation {op_name} with interval {interval} not found in "
                                 f"{rsc_id}")
        if op is None:
            _add(rsc, op_name, interval, directory, used)
        else:
            _trace_op(rsc, op, directory, used)
    change.wrote("config")
    label = f":{op_name}" if op_name else ""
    change.info(f"Trace for {rsc_id}{label} is written to {HEARTBEAT_DIR}/trace_ra/"
                f"{rsc.get('type')}")
    if op_name is not None and op_name != "monitor":
        change.info(f"Trace set, restart {rsc_id} to trace the {op_name} operation")
    else:
        change.info(f"Trace set, restart {rsc_id} to trace non-monitor operations")


def _untrace_op(rsc: etree._Element, op: etree._Element, used: set[str]) -> None:
    values = _values(op)
    values.pop(TRACE, None)
    op = _rebuild(rsc, op, values, used)
    values.pop(TRACE_DIR, None)
    op = _rebuild(rsc, op, values, used)
    if len(op) == 0 and _msec(op.get("interval")) == 0 and set(op.keys()) == {"id", "name",
                                                                              "interval"}:
        ops = op.getparent()
        ops.remove(op)
        if len(ops) == 0:
            rsc.remove(ops)


def untrace(change: Change, rsc_id: str, op_name: str | None = None,
            interval: str | None = None) -> None:
    change.crmsh_edit()
    rsc = _primitive(change, rsc_id)
    if op_name == "probe":
        op_name, interval = "monitor", interval or "0"
    used = all_ids(change.root)
    if op_name is None:
        for op in rsc.xpath(f"operations/op[instance_attributes/nvpair[@name='{TRACE}']]"):
            _untrace_op(rsc, op, used)
    elif interval is None:
        named = _ops(rsc, op_name)
        if not named:
            raise OperationError(f"Operation {op_name} not found in {rsc_id}")
        for op in named:
            _untrace_op(rsc, op, used)
    else:
        op = find_operation(rsc, op_name, interval)
        if op is None:
            raise OperationError(f"Operation {op_name} with interval {interval} not found in "
                                 f"{rsc_id}")
        _untrace_op(rsc, op, used)
    change.wrote("config")
    change.info(f"Stop tracing {rsc_id}" + (f" for operation {op_name}" if op_name else ""))
