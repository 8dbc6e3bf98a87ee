"""hacrm.records behaves as dataclasses does for the subset it implements (the classes that
moved to it are compared, ordered, hashed and built as before)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from hacrm.records import FrozenInstanceError, field, record, replace


@record(frozen=True, order=True)
class Version:
    major: int = 0
    minor: int = 0


@record
class Box:
    name: str
    items: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)
    kind: ClassVar[str] = "box"

    def __post_init__(self) -> None:
        self.size = len(self.items)


@dataclasses.dataclass
class Twin:
    name: str
    items: list[str] = dataclasses.field(default_factory=list)


def test_init_defaults_factories_and_post_init() -> None:
    a, b = Box("a"), Box("b", ["x"], note="n")
    assert (a.items, a.note, a.size) == ([], "", 0)
    assert (b.items, b.note, b.size) == (["x"], "n", 1)
    assert a.items is not Box("c").items  # a new list for each
    assert Box.kind == "box" and "kind" not in Box.__record_fields__
    with pytest.raises(TypeError):
        Box()  # type: ignore[call-arg]


def test_equality_repr_and_hash_as_dataclasses() -> None:
    assert Box("a", ["x"], note="1") == Box("a", ["x"], note="2")  # compare=False
    assert Box("a") != Box("b") and Box("a") != Twin("a")
    assert repr(Box("a", ["x"])) == "Box(name='a', items=['x'])"
    assert repr(Twin("a", ["x"])) == "Twin(name='a', items=['x'])"  # the same format
    with pytest.raises(TypeError):
        hash(Box("a"))


def test_frozen_and_ordered() -> None:
    v = Version(1, 2)
    with pytest.raises(FrozenInstanceError):
        v.major = 3  # type: ignore[misc]
    assert isinstance(FrozenInstanceError("x"), AttributeError)
    assert sorted([Version(2), Version(1, 5), Version(1)]) == [Version(1), Version(1, 5),
                                                               Version(2)]
    assert Version(1, 2) <= Version(1, 2) < Version(1, 3) and {Version(1): 1}[Version(1)] == 1
    assert replace(v, minor=9) == Version(1, 9)
