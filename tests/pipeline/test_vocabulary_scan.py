"""A platform's own words: with the mapping a scan gives exactly the original's results; without it, validation
names the unknown words and the stages that need a missing term say so instead of reading zeros."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from marketguard.contract.settings import ValidationSettings
from marketguard.contract.vocabulary import Vocabulary
from marketguard.pipeline.scan import ScanConfig, scan

PLATFORM_WORDS = {"PLATFORM": "TMALL-PAY-CENTRE", "CASH": "ATM-CASH"}
KIND_WORDS = {
    "settlement": "SETTLE",
    "transfer": "XFER",
    "withdrawal": "CASH_OUT",
    "payment": "PAY",
    "fee": "FEE",
}


def _renamed(market: Path, out: Path, kinds: dict[str, str] | None) -> Path:
    """``market`` with its transfers in a platform's words: kinds upper-cased (or renamed), parties renamed."""
    shutil.copytree(market, out, ignore=shutil.ignore_patterns("truth"))
    transfers = pq.read_table(out / "transfers.parquet")
    kind = transfers.column("kind")
    if kinds is None:
        kind = pc.utf8_upper(kind)
    else:
        for word, theirs in kinds.items():
            kind = pc.if_else(pc.equal(kind, word), theirs, kind)
    columns = {"kind": kind}
    for col in ("from_party", "to_party"):
        party = transfers.column(col)
        for ours, theirs in PLATFORM_WORDS.items():
            party = pc.if_else(pc.equal(party, ours), theirs, party)
        columns[col] = party
    for name, values in columns.items():
        transfers = transfers.set_column(transfers.schema.get_field_index(name), name, values)
    pq.write_table(transfers, out / "transfers.parquet")
    return out


def _tables(results: Path) -> dict[str, pa.Table]:
    return {p.stem: pq.read_table(p) for p in sorted(results.glob("*.parquet"))}


@pytest.fixture(scope="module")
def original(small_market: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("original") / "results"
    scan(small_market, out)
    return out


def _config(mapping: dict | None) -> ScanConfig:
    vocabulary = Vocabulary.from_mapping(mapping) if mapping else Vocabulary()
    return ScanConfig(validation=ValidationSettings(vocabulary=vocabulary))


PARTY_MAPPING = {"transfers.party": {"platform": PLATFORM_WORDS["PLATFORM"], "cash": PLATFORM_WORDS["CASH"]}}


def test_upper_cased_kinds_and_renamed_parties_with_the_mapping_give_the_same_results(
    small_market: Path, original: Path, tmp_path: Path
) -> None:
    data = _renamed(small_market, tmp_path / "data", kinds=None)
    result = scan(data, tmp_path / "mapped", _config(PARTY_MAPPING))
    assert _tables(tmp_path / "mapped") == _tables(original)
    assert not [n for s in result.manifest["stages"] for n in s["notes"] if "vocabulary" in n]


def test_without_the_mapping_validation_names_the_platform_party(small_market: Path, tmp_path: Path) -> None:
    data = _renamed(small_market, tmp_path / "data", kinds=None)
    result = scan(data, tmp_path / "unmapped")
    notes = next(s["notes"] for s in result.manifest["stages"] if s["name"] == "validate")
    assert any("settlements are paid by 'TMALL-PAY-CENTRE'" in n for n in notes)


def test_renamed_kinds_are_named_and_their_signals_left_out_until_mapped(
    small_market: Path, original: Path, tmp_path: Path
) -> None:
    data = _renamed(small_market, tmp_path / "data", kinds=KIND_WORDS)
    unmapped = scan(data, tmp_path / "unmapped")
    stages = {s["name"]: s["notes"] for s in unmapped.manifest["stages"]}
    # FEE is the term fee in capitals: four words match no term
    assert any(n.startswith("transfers.kind: 4 values in") and "'SETTLE'" in n for n in stages["validate"])
    assert any(
        "settled_amount, share_forwarded_quickly, n_payees, share_sent_on): need transfers.kind = "
        "'settlement'" in n
        for n in stages["score_stores"]
    )
    assert unmapped.manifest["vocabulary"]["transfers.kind"]["terms"]["settlement"] == 0
    mapping = {"transfers.kind": {k: v for k, v in KIND_WORDS.items()}, **PARTY_MAPPING}
    scan(data, tmp_path / "mapped", _config(mapping))
    assert _tables(tmp_path / "mapped") == _tables(original)
