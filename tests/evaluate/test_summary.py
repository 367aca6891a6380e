"""``metric_lines``: the printed wording of truth and label metrics, on the hand-built world of ``conftest.py``."""

from __future__ import annotations

from pathlib import Path

from marketguard.evaluate import evaluate, metric_lines
from marketguard.evaluate.summary import fmt
from tests.evaluate.conftest import labels_table, write_truth


def test_truth_lines(results: Path, tmp_path: Path) -> None:
    assert metric_lines(evaluate(results, truth=write_truth(tmp_path / "m"))) == [
        "stores: ROC-AUC 0.875, average precision 0.887, precision@k 0.750 (k=4), agency share of top k 0.000, "
        "grey-market share 0.000",
        "networks: 3 found; 0 merge two or more true counterfeit/agency operators; 2 hold stores of two or more "
        "true operators of any kind, 1 of them with counterfeit stores",
        "networks (all stores): pairwise precision 0.333, recall 0.333, F1 0.333",
        "networks (counterfeit and agency stores): pairwise precision 1.000, recall 0.333, F1 0.500",
        "networks (counterfeit stores): pairwise precision 1.000, recall 0.333, F1 0.500",
        "operators: 1 of 2 counterfeit operators (0.500) have >= 80% of their stores in one network >= 80% "
        "theirs; 0 of 0 agencies split (0 over several networks, 0 with stores in no network), 0 sharing a "
        "network with counterfeit stores",
    ]


def test_truth_warnings_are_printed_last(results: Path, tmp_path: Path) -> None:
    lines = metric_lines(
        evaluate(results, truth=write_truth(tmp_path / "m", stores=[f"S{i}" for i in range(2, 10)]))
    )
    assert lines[-2].startswith("warning: 1 of the 8 stores in the truth are not comparable (1 missing")
    assert lines[-1].startswith("warning: 1 of the 8 stores in the results are not in the truth (e.g. S1)")


def test_label_lines(results: Path) -> None:
    lines = metric_lines(evaluate(results, labels=labels_table()))
    assert lines[:2] == [
        "labels from the labels table given: 16 rows read, 0 quarantined; account 2 fraudulent / 1 legitimate; "
        "declaration 1 counterfeit / 1 legitimate; review 3 fake / 2 genuine; store 3 counterfeit / 3 legitimate",
        "stores (labelled only): ROC-AUC 0.875, average precision 0.887, precision@k 0.750 (k=4); 4 counterfeit "
        "and 4 legitimate labelled stores (2 through their owner account), 0 missing from the results",
    ]
    assert lines[2].startswith("  scan: the scan learned store scores from its labels; each labelled one was")
    assert lines[3] == (
        "networks (labelled stores): 3 found; 2 of 4 labelled counterfeit stores share a network with another "
        "(0.500); label purity 0.833 over 3 networks holding two or more labelled stores, 1 mixing counterfeit "
        "and legitimate labels"
    )
    assert lines[4] == (
        "reviews (labelled only): ROC-AUC 0.750, average precision 0.833, precision@k 0.500 (k=2); 2 of 2 fake "
        "and 0 of 2 genuine labelled reviews in review rings"
    )
    assert lines[6].startswith("declarations (labelled only): ROC-AUC 1.000") and lines[6].endswith(
        "1 of 1 counterfeit and 0 of 1 legitimate labelled declarations tied to networks"
    )
    assert "skipped sites: labels name no factories or warehouses" in lines
    assert lines[-2].startswith("note: labelled entities are the investigated ones")
    assert (
        lines[-1]
        == "warning: 1 of the 5 labelled reviews are not in the results and are left out of the figures"
    )


def test_quarantined_label_rows_are_listed_under_the_labels_line(results: Path) -> None:
    lines = metric_lines(evaluate(results, labels=labels_table(label=["1", "7", *["0"] * 14])))
    assert "16 rows read, 1 quarantined" in lines[0]
    assert lines[1].startswith("  labels.label: value outside its allowed range in 1 row (e.g. row 2: '7')")


def test_figures_read_as_three_decimals_or_not_available() -> None:
    assert (fmt(0.12345), fmt(float("nan")), fmt(12345), fmt(True)) == ("0.123", "n/a", "12,345", "True")
