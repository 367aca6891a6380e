"""Quality floors on a seeded simulated marketplace: the scan must keep finding what it finds today."""

from __future__ import annotations

from marketguard.evaluate import evaluate
from marketguard.pipeline.scan import scan


def test_networks_and_store_ranking_meet_their_floors(small_market, tmp_path) -> None:
    scan(small_market, tmp_path / "r")
    metrics = evaluate(tmp_path / "r", small_market / "truth")
    networks = metrics["networks"]
    assert networks["counterfeit_and_agency_stores"]["f1"] >= 0.95
    assert networks["all_stores"]["f1"] >= 0.85
    assert networks["networks_merging_operators"] == 0
    assert metrics["stores"]["roc_auc"] >= 0.9
