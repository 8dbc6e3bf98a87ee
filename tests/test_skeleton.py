"""The package imports and ships its data files."""

from hacrm import resources


def test_grammar_and_docs_are_found() -> None:
    assert resources.grammar_file().name == "crm.lark"
    assert resources.docs_dir().is_dir()
