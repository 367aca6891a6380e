from pathlib import Path

from marketguard.contract.doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"


def test_the_contract_document_matches_the_spec() -> None:
    text = DOC.read_text()
    assert render(text) == text, "regenerate docs/data-contract.md: python -m marketguard.contract.doc"
    for section in ("tables", "reasons", "vocabulary", "lengths"):
        assert f"<!-- BEGIN GENERATED: {section}" in text
