from pathlib import Path

from marketguard.contract.doc import reasons_markdown, tables_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"


def test_the_contract_document_matches_the_spec() -> None:
    text = DOC.read_text()
    assert tables_markdown() in text, "regenerate docs/data-contract.md: python -m marketguard.contract.doc"
    assert reasons_markdown() in text
