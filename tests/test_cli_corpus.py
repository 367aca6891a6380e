"""No traceback reaches the terminal: `marketguard scan` on every dataset of the bad-input corpus ends with exit 0
(rows quarantined and counted) or 2 (structural problems listed), and every wrong argument ends with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from marketguard.cli import main
from tests.contract.corpus import CASES, Case


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_scan_ends_with_exit_0_or_3_and_a_message(case: Case, tmp_path: Path) -> None:
    result = run("scan", case.write(tmp_path / "data"), "--out", tmp_path / "results")
    if case.error is not None:
        assert result.exit_code == 3, result.output
        assert "error: The dataset has" in result.output and case.error in result.output
        assert not (tmp_path / "results").exists()
    else:
        assert result.exit_code == 0, result.output
        assert f"results in {tmp_path / 'results'}" in result.output
        manifest = json.loads((tmp_path / "results" / "manifest.json").read_text())
        assert {t: c for t, c in manifest["quarantine"].items()} == case.quarantined


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import write_tiny

    root = tmp_path_factory.mktemp("scanned")
    data = write_tiny(root / "data")
    assert run("scan", data, "--out", root / "results").exit_code == 0
    return root


def test_out_that_cannot_hold_results_is_refused_at_once(scanned: Path, tmp_path: Path) -> None:
    data = scanned / "data"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out, says in (
        (a_file, "is a file; give a directory for the results"),
        (a_file / "results", "which is a file, not a directory"),
        (data, "not a marketguard results directory"),
        (Path("/proc/marketguard-results"), "cannot write results beside"),
    ):
        result = run("scan", data, "--out", out)
        assert result.exit_code == 1 and says in result.output, result.output
        assert "validate" not in result.output  # refused before any stage ran


def test_wrong_files_and_options_end_with_a_message(scanned: Path, tmp_path: Path) -> None:
    data, results = scanned / "data", scanned / "results"
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps({"format": "marketguard-store-risk/1", "params": {}, "booster": 3}))
    vocabulary = tmp_path / "v.toml"
    vocabulary.write_text("[transfers.kind]\nrefund = 'R'\n")
    cases = [
        (["scan", data, "--out", tmp_path / "r1", "--model", junk], "not a readable model file"),
        (
            ["customs", data, "--out", tmp_path / "r2", "--networks", results / "store_scores.parquet"],
            "has no column n_stores, n_accounts",
        ),
        (["customs", data, "--out", tmp_path / "r3", "--networks", junk], "is not a Parquet file"),
        (
            ["report", results, "--network", "N-A1", "--out", tmp_path],
            "is a directory",
        ),  # click's usage error
        (
            ["report", results, "--network", "N-A1", "--out", junk / "case.html"],
            "which is a file, not a directory",
        ),
        (["train", data, "--out", tmp_path / "m.json"], "needs at least 30 labelled stores of each kind"),
        (["scan", data, "--out", tmp_path / "r4", "--vocabulary", vocabulary], "has no term 'refund'"),
        (
            ["scan", data, "--out", tmp_path / "r5", "--max-length", "reviews.text"],
            "takes TABLE.COLUMN=CHARACTERS",
        ),
        (["scan", data, "--out", tmp_path / "r6", "--max-length", "orders.amount=5"], "is not a text column"),
        (["scan", data, "--out", tmp_path / "r7", "--min-time", "last year"], "must be an ISO 8601 date"),
        (["scan", data, "--out", tmp_path / "r8", "--max-time", "1999-01-01"], "must be after min_time"),
    ]
    for args, says in cases:
        result = run(*args)
        assert result.exit_code == (2 if "Invalid value" in result.output else 1), (args, result.output)
        assert says in result.output, (args, result.output)
    damaged_model = run("scan", data, "--out", tmp_path / "r9", "--model", damaged)
    assert damaged_model.exit_code == 1 and "a damaged model file" in damaged_model.output


def test_limits_and_times_can_be_set_from_the_command_line(scanned: Path, tmp_path: Path) -> None:
    result = run(
        "validate", scanned / "data", "--max-length", "reviews.text=3", "--max-time", "2025-02-04T00:00:00Z"
    )
    assert result.exit_code == 0, result.output
    assert (
        "reviews.text: value longer than the column's limit in 1 row (e.g. row 1: 'great')" in result.output
    )
    assert "reviews.ts: timestamp outside the plausible range in 2 rows" in result.output


def test_evaluate_against_a_dataset_or_nothing_says_what_to_pass(scanned: Path) -> None:
    data, results = scanned / "data", scanned / "results"
    as_truth = run("evaluate", results, "--truth", data)
    assert (
        as_truth.exit_code == 1
        and "looks like a dataset, and only simulated datasets have a truth" in as_truth.output
    )
    neither = run("evaluate", results)
    assert (
        neither.exit_code == 2
        and "pass exactly one of --truth DATASET/truth and --labels DATASET" in neither.output
    )
    labelled = run("evaluate", results, "--labels", data)
    assert labelled.exit_code == 0 and "labels" in labelled.output, labelled.output
