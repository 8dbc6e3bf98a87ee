"""Plain record classes for the modules every ``crm`` command loads.

:func:`dataclasses.dataclass` imports :mod:`inspect` (and with it ``ast``, ``dis``,
``tokenize``...), which alone costs a short command like ``crm configure show`` a tenth of its
run time.  The classes on that path need only a small part of it, which is all this module
does: fields from the class's annotations (``ClassVar`` ones left out, a record base's fields
first), defaults and ``field(default_factory=...)``, a keyword-or-positional ``__init__`` that
calls ``__post_init__``, ``__repr__``, ``__eq__`` (fields with ``compare=False`` left out),
``frozen=True`` (assignment refused, hashable) and ``order=True``.  Modules off that path keep
using :mod:`dataclasses`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    """A field's default and how it takes part in ``repr`` and comparisons."""

    __slots__ = ("compare", "default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None, repr: bool,
                 compare: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
          repr: bool = True, compare: bool = True) -> Any:
    """A field's default, spelled as :func:`dataclasses.field` spells it."""
    return Field(default, default_factory, repr, compare)


def _own_fields(cls: type) -> list[tuple[str, Field]]:
    out = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, Field) else Field(value, None, True, True)
        if isinstance(value, Field):
            if value.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        out.append((name, spec))
    return out


def _compile(name: str, source: str, env: dict[str, Any], qualname: str) -> Any:
    exec(source, env)  # noqa: S102 - generated from the class's own field names
    func = env[name]
    func.__qualname__ = qualname
    return func


def _make(cls: type, frozen: bool, order: bool) -> type:
    spec: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        spec.update(getattr(base, "__record_fields__", {}))
    spec.update(_own_fields(cls))
    cls.__record_fields__ = spec  # type: ignore[attr-defined]
    names = list(spec)
    env: dict[str, Any] = {"_MISSING": _MISSING, "_setattr": object.__setattr__}
    params, body = [], []
    for name, f in spec.items():
        if f.default_factory is not None:
            env[f"_factory_{name}"] = f.default_factory
            params.append(f"{name}=_MISSING")
            value = f"_factory_{name}() if {name} is _MISSING else {name}"
        elif f.default is not _MISSING:
            env[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
            value = name
        else:
            params.append(name)
            value = name
        body.append(f"    _setattr(self, {name!r}, {value})" if frozen
                    else f"    self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    cls.__init__ = _compile(  # type: ignore[misc]
        "__init__", f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or
                                                                        "    pass"),
        env, f"{cls.__qualname__}.__init__")
    shown = [n for n in names if spec[n].repr]
    compared = [n for n in names if spec[n].compare]

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
        return f"{type(self).__qualname__}({inner})"

    def key(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in compared)

    def __eq__(self: Any, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    cls.__repr__ = __repr__  # type: ignore[assignment]
    cls.__eq__ = __eq__  # type: ignore[assignment]
    if frozen:
        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self: Any, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r}")

        cls.__setattr__ = __setattr__  # type: ignore[assignment]
        cls.__delattr__ = __delattr__  # type: ignore[assignment]
        cls.__hash__ = lambda self: hash(key(self))  # type: ignore[assignment]
    else:
        cls.__hash__ = None  # type: ignore[assignment]
    if order:
        def compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
            def method(self: Any, other: Any) -> Any:
                if other.__class__ is not self.__class__:
                    return NotImplemented
                return op(key(self), key(other))
            return method

        cls.__lt__ = compare(lambda a, b: a < b)  # type: ignore[assignment]
        cls.__le__ = compare(lambda a, b: a <= b)  # type: ignore[assignment]
        cls.__gt__ = compare(lambda a, b: a > b)  # type: ignore[assignment]
        cls.__ge__ = compare(lambda a, b: a >= b)  # type: ignore[assignment]
    return cls


def record(cls: type | None = None, /, *, frozen: bool = False, order: bool = False) -> Any:
    """``@record`` or ``@record(frozen=True, order=True)``: as :func:`dataclasses.dataclass`
    with those options, for the subset described in the module's docstring."""
    if cls is None:
        return lambda c: _make(c, frozen, order)
    return _make(cls, frozen, order)


def replace(obj: Any, **changes: Any) -> Any:
    """A copy of a record with some fields changed (:func:`dataclasses.replace`)."""
    values = {n: getattr(obj, n) for n in obj.__record_fields__}
    values.update(changes)
    return type(obj)(**values)
