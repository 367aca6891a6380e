"""Labels against truth on a scanned simulated marketplace: the simulator's labels equal its truth for the
entities they cover, so the label figures must be the truth's figures over the labelled stores, and close to
the truth's figures over every store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from marketguard.evaluate import evaluate, metric_lines
from marketguard.evaluate.inputs import read_results
from marketguard.evaluate.label_metrics import store_labels
from marketguard.evaluate.labels import read_labels
from marketguard.evaluate.metrics import ranking_metrics


def test_label_figures_are_the_truth_figures_over_the_labelled_stores(
    small_market: Path, scanned_market: Path
) -> None:
    by_labels = evaluate(scanned_market, labels=small_market)
    labelled = store_labels(read_results(scanned_market), read_labels(small_market))
    truth = pq.read_table(small_market / "truth" / "stores.parquet")
    scores = pq.read_table(scanned_market / "store_scores.parquet", columns=["store_id", "score"])
    joined = labelled.join(truth, "store_id").join(scores, "store_id").sort_by("store_id")
    is_fake = joined.column("is_counterfeit").to_numpy(zero_copy_only=False).astype(bool)
    assert (joined.column("label").to_numpy() == is_fake).all()
    expected = ranking_metrics(
        is_fake, joined.column("score").to_numpy(), tie_break=np.arange(joined.num_rows)
    )
    assert {k: by_labels["stores"][k] for k in expected} == pytest.approx(expected)
    assert by_labels["warnings"] == [] and by_labels["stores"]["n_missing"] == 0


def test_label_figures_are_close_to_the_truth_figures(small_market: Path, scanned_market: Path) -> None:
    by_truth = evaluate(scanned_market, truth=small_market / "truth")
    by_labels = evaluate(scanned_market, labels=small_market)
    assert by_truth["warnings"] == []
    assert by_labels["stores"]["roc_auc"] == pytest.approx(by_truth["stores"]["roc_auc"], abs=0.05)
    assert by_labels["stores"]["average_precision"] == pytest.approx(
        by_truth["stores"]["average_precision"], abs=0.1
    )
    assert by_labels["networks"]["label_purity"] > 0.9 and by_labels["networks"]["networks_mixed"] <= 1
    assert by_labels["reviews"]["roc_auc"] > 0.9 and by_labels["declarations"]["roc_auc"] > 0.9
    assert len(metric_lines(by_truth)) >= 4 and len(metric_lines(by_labels)) >= 8
