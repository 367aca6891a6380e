"""The vocabulary: words matched without regard to case, a platform's words mapped to the terms, unknown words
named with their counts, mapping files checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.contract import validate
from marketguard.contract.settings import ValidationSettings
from marketguard.contract.vocabulary import Vocabulary, vocabulary_markdown
from marketguard.engine import make_backend
from marketguard.errors import ParameterError


def accepted(dataset: Path, sql: str, vocabulary: Vocabulary | None = None) -> tuple[list, list[str]]:
    settings = ValidationSettings(vocabulary=vocabulary or Vocabulary())
    with make_backend("duckdb") as backend:
        _, report = validate(backend, dataset, settings=settings)
        return backend.fetch(sql, "test").to_pylist(), report.lines()


def test_terms_match_whatever_their_case_and_spaces(tiny) -> None:
    def edit(data: dict) -> None:
        data["transfers"]["kind"] = [" SETTLEMENT ", "Transfer"]
        data["transfers"]["from_party"][0] = "platform"
        data["stores"]["template"] = ["BASIC", "Basic ", "custom"]
        data["labels"]["entity_type"] = ["STORE", "Store"]

    rows, _ = accepted(tiny(edit), "SELECT kind, from_party FROM transfers ORDER BY transfer_id")
    assert rows == [
        {"kind": "settlement", "from_party": "PLATFORM"},
        {"kind": "transfer", "from_party": "b1"},
    ]
    templates, _ = accepted(tiny(edit), "SELECT template FROM stores ORDER BY store_id")
    assert [r["template"] for r in templates] == ["basic", "basic", "custom"]


def test_a_platforms_words_are_mapped_to_the_terms(tiny) -> None:
    def edit(data: dict) -> None:
        data["transfers"]["kind"] = ["SETTLE", "xfer"]
        data["transfers"]["from_party"][0] = "TMALL-PAY"
        data["labels"]["label"] = ["Counterfeit", "cleared"]
        data["labels"]["entity_type"] = ["shop", "store"]

    vocabulary = Vocabulary.from_mapping(
        {
            "transfers": {
                "kind": {"settlement": "settle", "transfer": ["XFER"]},
                "party": {"platform": "tmall-pay"},
            },
            "labels.label": {"1": ["counterfeit"], "0": "cleared"},
            "labels.entity_type": {"store": "SHOP"},
        }
    )
    rows, lines = accepted(
        tiny(edit), "SELECT kind, from_party FROM transfers ORDER BY transfer_id", vocabulary
    )
    assert rows == [
        {"kind": "settlement", "from_party": "PLATFORM"},
        {"kind": "transfer", "from_party": "b1"},
    ]
    labels, _ = accepted(tiny(edit), "SELECT entity_type, label FROM labels ORDER BY entity_id", vocabulary)
    assert labels == [{"entity_type": "store", "label": 1}, {"entity_type": "store", "label": 0}]
    assert not [line for line in lines if "match no term" in line or "PLATFORM" in line]


def test_unknown_words_are_named_with_counts_and_what_they_cost(tiny) -> None:
    def edit(data: dict) -> None:
        data["transfers"]["kind"] = ["SETTLE", "SETTLE"]
        data["transfers"]["from_party"][0] = "TMALL-PAY"

    _, lines = accepted(tiny(edit), "SELECT 1")
    assert (
        "transfers.kind: 1 value in 2 rows match no term ('SETTLE' (2 rows)) and are treated as other values. "
        "If they mean settlement, withdrawal, payment, fee, transfer, map them with --vocabulary: "
        "[transfers.kind] <term> = [...]"
    ) in lines
    assert (
        "transfers.from_party: no transfer comes from the platform party 'PLATFORM'. Map your platform's party "
        "with --vocabulary: [transfers.party] platform = [...]"
    ) in lines


def test_a_mapping_file_is_read_and_its_mistakes_are_named(tmp_path: Path) -> None:
    good = tmp_path / "map.toml"
    good.write_text(
        '[transfers.kind]\nsettlement = ["SETTLE", "payout"]\n[transfers.party]\nplatform = "TMALL"\n'
    )
    vocabulary = Vocabulary.load(good)
    assert vocabulary.words("transfers.kind")["payout"] == "settlement"
    assert vocabulary.words("transfers.party")["tmall"] == "PLATFORM"
    cases = {
        "[transfers.kind\n": "is not valid TOML",
        "[orders.kind]\nx = 'y'\n": r"unknown section \[orders.kind\]. Sections are: transfers.kind, ",
        "[transfers.kind]\nrefund = 'R'\n": r"\[transfers.kind\] has no term 'refund'. Terms are: settlement, ",
        "[transfers.kind]\nsettlement = 'X'\nfee = 'x'\n": r"maps 'x' to both 'settlement' and 'fee'",
        "[transfers.kind]\nsettlement = []\n": r"must be a non-empty word or list of words. Got \[\] instead",
        "[transfers.kind]\nsettlement = 3\n": "must be a non-empty word or list of words. Got 3 instead",
        "kind = 'settlement'\n": "must map sections to tables of terms",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ParameterError, match=message):
            Vocabulary.load(bad)
    with pytest.raises(ParameterError, match="cannot read the vocabulary file"):
        Vocabulary.load(tmp_path / "missing.toml")


def test_the_vocabulary_table_lists_every_term() -> None:
    table = vocabulary_markdown()
    for term in (
        "`settlement`",
        "`PLATFORM` (`platform`)",
        "`CASH` (`cash`)",
        "`basic`",
        "`declaration`",
        "`1`",
    ):
        assert term in table
