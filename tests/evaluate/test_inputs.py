"""What ``evaluate`` refuses to compare, and the messages that say what to pass instead."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marketguard.errors import MarketguardError, ParameterError
from marketguard.evaluate import MIN_MATCH, EvaluationError, evaluate
from tests.conftest import write_tiny
from tests.evaluate.conftest import STORES, SUPERVISED, labels_table, write_results, write_truth


def test_results_that_are_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(
        EvaluationError, match=r"RESULTS .*nope is not a directory: pass the directory written by"
    ):
        evaluate(tmp_path / "nope", truth=write_truth(tmp_path / "m"))


def test_a_dataset_passed_as_results_is_named_as_such(tmp_path: Path) -> None:
    dataset = write_tiny(tmp_path / "tiny", "parquet")
    with pytest.raises(
        EvaluationError,
        match=r"not a scan's results directory: store_scores.parquet and manifest.json are missing; .* looks like "
        r"a dataset .*marketguard scan DATASET --out RESULTS",
    ):
        evaluate(dataset, labels=dataset)


def test_evaluation_errors_are_marketguard_and_value_errors() -> None:
    assert issubclass(EvaluationError, MarketguardError) and issubclass(EvaluationError, ValueError)


def test_truth_pointing_at_the_dataset(tmp_path: Path, results: Path) -> None:
    dataset = write_tiny(tmp_path / "market", "parquet")
    with pytest.raises(
        EvaluationError,
        match=r"no is_counterfeit column. .*looks like a dataset, and only simulated datasets have a truth: "
        r"evaluate against the dataset's labels instead \(labels=.*; --labels .* on the command line\)",
    ):
        evaluate(results, truth=dataset)
    write_truth(dataset)
    with pytest.raises(
        EvaluationError,
        match=r"market looks like a dataset: pass .*market/truth as the truth, or evaluate against the dataset's",
    ):
        evaluate(results, truth=dataset)


def test_truth_from_another_dataset(tmp_path: Path, results: Path) -> None:
    truth = write_truth(tmp_path / "other", stores=[f"X{i}" for i in range(8)])
    with pytest.raises(
        EvaluationError,
        match=r"0 of the 8 stores in the truth appear in the results .*\(e.g. X0, X1, X2 are not there\): "
        r"is the truth from another dataset\?",
    ):
        evaluate(results, truth=truth)


def test_same_store_ids_with_other_owners_are_another_dataset(tmp_path: Path, results: Path) -> None:
    # simulated datasets reuse store ids: the owner accounts next to the truth tell them apart
    dataset = tmp_path / "other"
    truth = write_truth(dataset)
    pq.write_table(
        pa.table({"store_id": STORES, "account_id": [f"U{i}" for i in range(8)]}), dataset / "stores.parquet"
    )
    with pytest.raises(
        EvaluationError, match=r"0 of the 8 .* with the same owner account \(8 more appear with another"
    ):
        evaluate(results, truth=truth)


def test_results_holding_stores_the_truth_lacks(tmp_path: Path, results: Path) -> None:
    # the truth lists every store of its dataset, so a scan of that dataset holds no store it lacks
    truth = tmp_path / "m" / "truth"
    truth.mkdir(parents=True)
    true = {"store_id": ["S1", "S2", "S3"], "is_counterfeit": [True, True, False]}
    true |= {
        "operator_id": ["op1", "op1", "i3"],
        "operator_kind": ["counterfeit", "counterfeit", "independent"],
    }
    pq.write_table(pa.table(true), truth / "stores.parquet")
    with pytest.raises(
        EvaluationError,
        match=r"3 of the 8 stores in the results .* appear in the truth \(e.g. S4, S5, S6 do not\): is the truth",
    ):
        evaluate(results, truth=truth)


def test_a_partial_overlap_is_a_figure_and_a_warning(tmp_path: Path, results: Path) -> None:
    truth = write_truth(tmp_path / "m", stores=[*STORES[:7], "S99"])
    m = evaluate(results, truth=truth)
    assert m["stores"]["n_missing"] == 1
    assert m["warnings"][0].startswith(
        "1 of the 8 stores in the truth are not comparable (1 missing from the results)"
    )
    assert "1 of the 8 stores in the results are not in the truth (e.g. S8)" in m["warnings"][1]
    assert MIN_MATCH == 0.5


def test_a_manifest_naming_another_dataset_is_a_warning(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = write_results(tmp_path / "r", SUPERVISED, dataset=str(elsewhere))
    m = evaluate(found, truth=write_truth(tmp_path / "market"))
    assert m["warnings"] == [
        f"the results are a scan of {elsewhere}, but the truth belongs to {tmp_path / 'market'}: check that they "
        "are the same data"
    ]
    found = write_results(tmp_path / "r2", SUPERVISED, dataset=str(tmp_path / "market"))
    assert evaluate(found, truth=tmp_path / "market" / "truth")["warnings"] == []


def test_labels_from_another_dataset(results: Path) -> None:
    other = labels_table(entity_id=[f"X{i}" for i in range(16)])
    with pytest.raises(
        EvaluationError,
        match=r"0 of the 6 stores in the labels appear .*: are the labels from another dataset\?",
    ):
        evaluate(results, labels=other)


def _other_owners(data: dict) -> None:
    data["stores"]["account_id"] = ["A2", "A3", "A1"]


def test_a_labels_dataset_that_is_not_the_scanned_one(tmp_path: Path, results: Path) -> None:
    with pytest.raises(
        EvaluationError,
        match=r"0 of the 3 stores in the labels' dataset .* with the same owner account .*: are the results a scan of another dataset\?",
    ):
        evaluate(results, labels=write_tiny(tmp_path / "tiny", "parquet", _other_owners))


def test_labels_pointing_at_the_truth(tmp_path: Path, results: Path) -> None:
    with pytest.raises(EvaluationError, match=r"is the simulator's truth, not a dataset: pass it as truth"):
        evaluate(results, labels=write_truth(tmp_path / "m"))


def test_a_dataset_without_labels(tmp_path: Path, results: Path) -> None:
    dataset = write_tiny(tmp_path / "tiny", "csv", lambda d: d.pop("labels"))
    with pytest.raises(EvaluationError, match=r"has no labels table: add labels.parquet or labels.csv"):
        evaluate(results, labels=dataset)


def test_labels_whose_outcomes_are_words_are_a_format_problem(results: Path) -> None:
    with pytest.raises(
        EvaluationError,
        match=r"the labels table given cannot be read as labels: labels.label: cannot be read as an integer in "
        r"16 of 16 rows \(e.g. row 1: 'yes'\). Fix: write whole numbers, or map your words to 1, 0 with --vocabulary",
    ):
        evaluate(results, labels=labels_table(label=["yes"] * 16))


def test_labels_every_row_of_which_is_quarantined(results: Path) -> None:
    with pytest.raises(
        EvaluationError,
        match=r"no usable labels in the labels table given; every row was quarantined: labels.label",
    ):
        evaluate(results, labels=labels_table(label=["7"] * 16))


def test_a_labels_file_without_its_label_column(tmp_path: Path, results: Path) -> None:
    path = tmp_path / "labels.parquet"
    pq.write_table(labels_table().drop_columns(["label"]), path)
    with pytest.raises(
        EvaluationError,
        match=r"labels.parquet cannot be read as labels: labels.label: required column is missing. Fix: add a "
        r"'label' column \(an integer\); columns found: entity_type, entity_id, source, labeled_at",
    ):
        evaluate(results, labels=path)


def test_exactly_one_of_truth_and_labels(tmp_path: Path, results: Path) -> None:
    with pytest.raises(ParameterError, match=r"exactly one of truth .* and labels .*; got neither"):
        evaluate(results)
    with pytest.raises(ParameterError, match="got both"):
        evaluate(results, truth=tmp_path, labels=tmp_path)


def test_the_supervised_note_reads_the_manifest_stage_notes(tmp_path: Path) -> None:
    from marketguard.evaluate.inputs import scan_learning

    manifest = json.loads(json.dumps(SUPERVISED))
    assert scan_learning(manifest) == {
        "modes": {"stores": "supervised", "reviews": "unsupervised", "declarations": "unsupervised"},
        "labels_in_scan": True,
    }
    assert scan_learning(None)["modes"]["stores"] == "unknown"
