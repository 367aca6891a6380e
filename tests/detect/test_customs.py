"""Customs screening: ties to networks, exact declaration signals, and the real-time path equal to the batch."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from marketguard.contract import validate
from marketguard.detect.customs import CustomsScreener
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from tests.conftest import TINY, write_tiny


def _declarations(data: dict) -> None:
    """Three declarations beside the tiny marketplace's D1 (tied to N-A1 by the sender phone p9): an honest
    exporter's fairly priced memory, the same exporter's sneakers under a toy HS code, and an unknown currency."""
    rows = [
        ("D2", "2025-03-02T00:00:00Z", "Honest Co", "杭州市西湖区文三路1号", "p-honest", "847330",
         "Kingmem DDR4 memory module", "Kingmem", 100, 5000.0, "USD", "US", "CNNGB"),
        ("D3", "2025-03-20T00:00:00Z", "Honest Co", "杭州市西湖区文三路1号", "p-honest", "950300",
         "running shoes", None, 10, 100.0, "USD", "DE", "CNNGB"),
        ("D4", "2025-04-01T00:00:00Z", "Other Ltd", None, None, "847330", "memory", "Kingmem", 10, 10.0, "XYZ", "JP", None),
    ]  # fmt: skip
    for r in rows:
        for column, value in zip(data["declarations"], r, strict=True):
            data["declarations"][column].append(value)


@pytest.fixture
def screened(tmp_path):
    data = {t: {c: list(v) for c, v in cols.items()} for t, cols in TINY.items()}
    _declarations(data)
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=data))
        OperatorLinker().fit(tables)
        scores = pa.table({"network_id": ["N-A1"], "score": [0.9]})
        yield CustomsScreener().fit(tables, network_scores=scores), tables


def test_the_declaration_tied_to_a_network_ranks_first(screened) -> None:
    screener, tables = screened
    assert screener.mode_ == "unsupervised"
    scores = dict(zip(*screener.score(tables).to_pydict().values(), strict=True))
    assert max(scores, key=scores.get) == "D1"
    assert screener.network_ids().to_pylist() == ["N-A1", None, None, None]
    reasons = screener.explain(tables, ["D1"]).to_pylist()
    assert reasons[0]["detail"].startswith("exporter phone p9 is the sender phone of 1 store of network N-A1")


def test_declaration_signals_are_exact(screened) -> None:
    screener, _ = screened
    rows = {r["declaration_id"]: r for r in screener.features_.to_pylist()}
    # D1: 500 memory modules declared at USD 2,000: 2000 * 7.2 / 500 = 28.8 CNY against Kingmem's 400
    assert rows["D1"]["value_to_reference"] == pytest.approx(28.8 / 400)
    assert rows["D2"]["value_to_reference"] == pytest.approx(5000 * 7.2 / 100 / 400)
    assert rows["D4"]["value_to_reference"] is None  # unknown currency: unknown value
    assert rows["D1"]["hs_inconsistent"] == 0.0  # 847330 is electronics, as memory modules and Kingmem are
    assert rows["D3"]["hs_inconsistent"] == 1.0  # running shoes under a toys code
    assert rows["D3"]["exporter_age_days"] == pytest.approx(18.0)
    assert rows["D3"]["exporter_destinations"] == 2
    assert (rows["D1"]["linked_by_phone"], rows["D2"]["linked_by_phone"]) == (1.0, 0.0)
    assert rows["D1"]["linked_network_score"] == 0.9
    assert rows["D2"]["destination_tied_share"] is None  # the only declaration to the US


def test_score_one_equals_the_batch(screened) -> None:
    screener, tables = screened
    declarations = tables.fetch("SELECT * FROM declarations ORDER BY declaration_id", "all").to_pylist()
    batch = screener.score(tables).column("score").to_pylist()
    for row, expected in zip(declarations, batch, strict=True):
        assert screener.score_one(row)["score"] == pytest.approx(expected, abs=1e-9)
    fresh = dict(declarations[1], declaration_id="D-new", exporter_phone="p9", exporter="Xinda Trading")
    one = screener.score_one(fresh)
    assert one["network_id"] == "N-A1" and one["score"] > batch[1]


def test_score_one_matches_the_batch_on_a_simulated_market(small_market) -> None:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, small_market)
        OperatorLinker().fit(tables)
        screener = CustomsScreener(mode="unsupervised").fit(tables)
        rows = tables.fetch("SELECT * FROM declarations ORDER BY declaration_id", "all").to_pylist()
        batch = screener.score(tables).column("score").to_numpy()
    features = screener.features_.to_pylist()
    for row, expected, feature in zip(rows, batch, features, strict=True):
        values, _, _ = screener._signals_of(row)
        for s in screener.available_:
            want, got = feature[s.name], values.get(s.name, math.nan)
            assert (want is None and math.isnan(got)) or got == pytest.approx(want, rel=1e-9), (s.name, row)
        one = screener.score_one(row)
        assert one["score"] == pytest.approx(float(expected), abs=1e-9)
        assert len(one["reasons"]) == len(set(one["reasons"])), one["reasons"]
    assert np.all((batch >= 0) & (batch <= 1))
    explained = screener.explain(tables).to_pylist()
    tied = {r["declaration_id"] for r in explained if r["reason"].startswith("LINKED_")}
    assert tied  # the simulated market has declarations tied to networks
    for declaration in tied:  # the tie is told once, however many of its signals lifted the score
        details = [r["detail"] for r in explained if r["declaration_id"] == declaration]
        assert len(details) == len(set(details)), details
        assert len(details) <= screener.n_reasons


def test_a_screener_loaded_from_a_dataset_and_its_scan_scores_one_declaration(tiny, tmp_path) -> None:
    from marketguard import load_screener, scan

    dataset = tiny()
    scan(dataset, tmp_path / "r")
    screener = load_screener(dataset, tmp_path / "r")
    one = screener.score_one(
        {
            "declaration_id": "D-live",
            "filed_at": "2025-03-05T00:00:00Z",
            "exporter": "Xinda Trading",
            "exporter_phone": "p9",
            "hs_code": "847330",
            "description": "memory modules",
            "brand": "Kingmem",
            "quantity": 400,
            "declared_value": 1500.0,
            "currency": "USD",
            "destination_country": "KH",
        }
    )
    assert one["network_id"] == "N-A1" and one["score"] > 0.5
    assert any(r.startswith("exporter phone p9 is the sender phone") for r in one["reasons"])
