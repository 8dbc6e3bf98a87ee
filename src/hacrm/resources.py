"""Locate the data files shipped with hacrm (the grammar and the docs).

In a wheel they sit inside the package (``hacrm/grammar``, ``hacrm/docs``, put there by
hatchling's force-include); in an editable install or a source checkout they sit at the top of
the repository.  Both layouts are looked up here, once, so no other module guesses paths.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory holding the shipped data set ``name`` ("grammar" or "docs")."""
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"hacrm data directory {name!r} not found next to {_PACKAGE_DIR}")


def grammar_file() -> Path:
    """The Lark grammar of the configure language."""
    return data_dir("grammar") / "crm.lark"


def docs_dir() -> Path:
    """The markdown documentation, which is also the source of the shell's help topics."""
    return data_dir("docs")
