"""``set <id>.[<op>.[<interval>.]]<name> <value>``: change one value of an element by path.

crmsh's ``set`` command edits a single attribute without retyping the element: with two parts
it sets the one nvpair called ``<name>`` anywhere in the element (a parameter, a meta
attribute, a utilization value), with three the attribute ``<name>`` of the element's only
``<op>`` operation, with four that of the operation whose id is ``<id>-<op>-<interval>``.
"""

from __future__ import annotations

from typing import Any, Iterator

from hacrm.cib import model as m
from hacrm.cib.ids import children
from hacrm.diagnostics import ConfigureError, Diagnostic


def _fail(message: str) -> ConfigureError:
    return ConfigureError([Diagnostic("error", message,
                                      hint="a path is id.name, id.op.name or "
                                           "id.op.interval.name")])


def _walk(obj: Any) -> Iterator[Any]:
    for c in children(obj):
        if isinstance(c, (m.Primitive, m.Group)) and not isinstance(obj, m.Bundle):
            continue  # a container's resources are elements of their own
        yield c
        yield from _walk(c)


def set_by_path(editor: Any, path: str, value: str) -> None:
    """Apply ``set PATH VALUE`` to the element the path names (raises ConfigureError)."""
    parts = path.split(".")
    if len(parts) < 2 or len(parts) > 4:
        raise _fail(f'Invalid path: "{path}"; Valid path: "id.[op_type.][interval.]name"')
    obj_id, rest = parts[0], parts[1:]
    obj = editor.find(obj_id)
    if obj is None:
        raise _fail(f"Object {obj_id} not found")
    target = obj.attrs if isinstance(obj, m.NvSet) else obj
    if len(rest) == 1:
        name = rest[0]
        pairs = [c for c in _walk(target) if isinstance(c, m.NvPair) and c.name == name]
        if isinstance(target, m.AttrSet):
            pairs = [c for c in target.nvpairs if c.name == name] + pairs
        if not pairs:
            raise _fail(f"Attribute not found: {path}")
        if len(pairs) != 1:
            raise _fail(f"Expected 1 attribute named {name}, found {len(pairs)}")
        pairs[0].value = value
    else:
        ops = [c for c in _walk(target) if isinstance(c, m.Op)]
        if len(rest) == 2:
            op_type, name = rest
            found = [op for op in ops if op.name == op_type]
            if not found:
                raise _fail(f'Operation "{op_type}" not found for resource {obj_id}')
            if len(found) > 1:
                raise _fail(f"Should specify interval of {op_type}")
        else:
            op_type, interval, name = rest
            found = [op for op in ops if op.id == f"{obj_id}-{op_type}-{interval}"]
            if not found:
                raise _fail(f'Operation "{op_type}" interval "{interval}" not found for '
                            f"resource {obj_id}")
        if name in ("id", "name"):
            raise _fail(f"the {name} of an operation cannot be set this way")
        found[0].attrs[name] = value
    editor._touch(obj)
