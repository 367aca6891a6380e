"""``evaluate_labels`` on the hand-built world of ``conftest.py``: every figure known exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from marketguard.evaluate import evaluate, evaluate_labels
from marketguard.evaluate.label_metrics import label_network_metrics
from tests.conftest import write_tiny
from tests.evaluate.conftest import LABELS, labels_table, write_results


def test_store_figures_over_the_labelled_stores_only(results: Path) -> None:
    # labelled: S1 .9 (1), S2 .8 (1), S3 .7 (0), S4 .6 (1, via account A4), S5 .4 (1), S6 .3 (0), S7 .2 (0, via
    # account A7), S8 .1 (0): 14 of 16 pairs ordered; top 4 hold 3 counterfeit; AP = (1 + 1 + 3/4 + 4/5) / 4
    stores = evaluate(results, labels=labels_table())["stores"]
    assert stores["roc_auc"] == pytest.approx(14 / 16)
    assert stores["precision_at_k"] == pytest.approx(0.75) and stores["k"] == 4
    assert stores["average_precision"] == pytest.approx((1 + 1 + 0.75 + 0.8) / 4)
    counts = ("n_labelled", "n_counterfeit", "n_legitimate", "n_from_accounts", "n_missing")
    assert tuple(stores[c] for c in counts) == (8, 4, 4, 2, 0)


def test_network_figures_from_labels(results: Path) -> None:
    # N1 = {S1 1, S2 1}, N2 = {S3 0, S4 1}, N3 = {S6 0, S8 0}; S5 (1) and S7 (0) in no network
    networks = evaluate(results, labels=labels_table())["networks"]
    assert networks == {
        "n_counterfeit": 4,
        "counterfeit_in_networks": 3,
        "counterfeit_with_counterfeit_mate": 2,
        "counterfeit_mate_share": 0.5,
        "networks_labelled": 3,
        "networks_with_two_labelled": 3,
        "networks_mixed": 1,
        "label_purity": pytest.approx(5 / 6),
        "n_networks": 3,
    }


def test_network_figures_without_networks_are_not_numbers() -> None:
    stores = pa.table({"store_id": ["S1", "S2"], "label": [1, 0], "network_id": pa.nulls(2, pa.string())})
    m = label_network_metrics(stores)
    assert (m["counterfeit_with_counterfeit_mate"], m["networks_labelled"]) == (0, 0)
    assert math.isnan(m["label_purity"]) and m["counterfeit_mate_share"] == 0.0


def test_review_and_declaration_figures(results: Path) -> None:
    # reviews R1 .9 (fake), R2 .5, R3 .4 (fake), R4 .1; R9 is labelled but not in the results
    m = evaluate(results, labels=labels_table())
    reviews, declarations = m["reviews"], m["declarations"]
    assert reviews["roc_auc"] == pytest.approx(0.75) and reviews["precision_at_k"] == 0.5
    assert reviews["average_precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert (reviews["n_fake"], reviews["n_genuine"], reviews["n_missing"]) == (2, 2, 1)
    assert (reviews["fake_in_rings"], reviews["genuine_in_rings"]) == (2, 0)
    assert declarations["roc_auc"] == 1.0
    assert (declarations["counterfeit_tied"], declarations["legitimate_tied"]) == (1, 0)
    assert m["warnings"] == [
        "1 of the 5 labelled reviews are not in the results and are left out of the figures"
    ]


def test_a_supervised_scan_is_noted_and_what_labels_cannot_support_is_skipped(results: Path) -> None:
    m = evaluate(results, labels=labels_table())
    assert m["against"] == "labels"
    assert m["scan"]["modes"] == {
        "stores": "supervised",
        "reviews": "unsupervised",
        "declarations": "unsupervised",
    }
    assert "never saw its label (cross-fitting)" in m["stores"]["note"]
    assert "without learning from labels" in m["reviews"]["note"]
    assert {"stores.agency_share_top_k", "networks.pairwise", "reviews.farms", "sites", "money"} <= set(
        m["skipped"]
    )


def test_a_saved_model_is_flagged_as_possibly_in_sample(tmp_path: Path) -> None:
    stages = [{"name": "score_stores", "notes": ["saved scoring: LightGBM on 40 features"]}]
    found = write_results(tmp_path / "r", {"stages": stages, "inputs": {}})
    assert "optimistic" in evaluate(found, labels=labels_table())["stores"]["note"]


def test_an_entity_labelled_both_ways_counts_as_counterfeit(results: Path) -> None:
    # S8 (score .1) labelled legitimate and counterfeit: it becomes the lowest-scored counterfeit store
    extra = {c: [v] for c, v in zip(LABELS, ["store", "S8", "1", "x", "2025-06-01T00:00:00Z"], strict=True)}
    labels = pa.concat_tables([labels_table(), labels_table(**extra)])
    m = evaluate(results, labels=labels)
    assert (m["stores"]["n_counterfeit"], m["stores"]["n_legitimate"]) == (5, 3)
    assert m["labels"]["conflicting"] == {"store": 1}


def test_a_labels_file_is_read_with_the_contract_row_rules(results: Path, tmp_path: Path) -> None:
    dirty = {
        "entity_type": ["store", "shop", "store", "store"],
        "entity_id": ["S1", "S2", "", "S3"],
        "label": ["1", "1", "0", "2"],
        "source": ["x"] * 4,
        "labeled_at": ["2025-06-01"] * 4,
    }
    path = tmp_path / "labels.csv"
    pacsv.write_csv(pa.concat_tables([labels_table(), labels_table(**dirty)]), path)
    info = evaluate(results, labels=path)["labels"]
    assert (info["rows_read"], info["rows_accepted"], info["rows_quarantined"]) == (20, 17, 3)
    assert info["quarantine"] == {"empty:entity_id": 1, "not_allowed:entity_type": 1, "out_of_range:label": 1}
    assert any("labels.label" in line and "row 20: '2'" in line for line in info["quarantine_lines"])


def test_a_dataset_is_validated_whole_and_its_rejected_rows_never_count(tmp_path: Path) -> None:
    # tiny: S1 (A1) labelled counterfeit, S3 (A3) legitimate; add a label of an unknown store and one out of range
    def edit(data: dict) -> None:
        data["labels"]["entity_type"] += ["store", "store"]
        data["labels"]["entity_id"] += ["S404", "S2"]
        data["labels"]["label"] += [1, 7]
        data["labels"]["source"] += ["x", "x"]
        data["labels"]["labeled_at"] += ["2025-06-01T00:00:00Z"] * 2

    dataset = write_tiny(tmp_path / "tiny", "csv", edit)
    scores = {"store_id": ["S1", "S2", "S3"], "account_id": ["A1", "A2", "A3"], "score": [0.9, 0.5, 0.1]}
    found = tmp_path / "results"
    found.mkdir()
    pq.write_table(pa.table(scores), found / "store_scores.parquet")
    (found / "manifest.json").write_text(json.dumps({"dataset": str(dataset), "stages": [], "inputs": {}}))
    m = evaluate_labels(found, dataset)
    assert m["labels"]["quarantine"] == {"dangling_reference:entity_id": 1, "out_of_range:label": 1}
    assert (m["stores"]["n_labelled"], m["stores"]["roc_auc"]) == (2, 1.0)
    assert m["warnings"] == [] and "networks" in m["skipped"]  # no network_id column in these scores


def test_a_duckdb_dataset_gives_the_same_labels(tmp_path: Path) -> None:
    from marketguard.evaluate.labels import read_labels

    csv = read_labels(write_tiny(tmp_path / "csv", "csv")).table
    duck = read_labels(write_tiny(tmp_path / "duck", "duckdb")).table
    assert csv.equals(duck) and csv.num_rows == 2


def test_results_without_a_manifest_still_rank_with_a_warning(tmp_path: Path) -> None:
    m = evaluate(write_results(tmp_path / "r", manifest=None), labels=labels_table())
    assert m["stores"]["roc_auc"] == pytest.approx(14 / 16)
    assert m["scan"]["modes"]["stores"] == "unknown"
    assert "no manifest.json" in m["warnings"][0]


def test_store_labels_of_one_outcome_cannot_rank(results: Path) -> None:
    m = evaluate(results, labels=labels_table(label=["1"] * 16))
    assert math.isnan(m["stores"]["roc_auc"]) and "stores.ranking" in m["skipped"]
