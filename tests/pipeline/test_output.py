"""Results directories: checked before any work, written aside and swapped in whole, never mixing two runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.errors import ContractError, OutputError
from marketguard.pipeline.output import ResultsDir, check_output_file, check_results_dir
from marketguard.pipeline.scan import scan

OPTIONAL = ("reviews", "shipments", "transfers", "declarations", "orders", "listings", "brands", "labels")


def _names(results: Path) -> set[str]:
    return {p.name for p in results.iterdir()}


def test_a_second_scan_into_the_same_directory_leaves_only_its_own_tables(tiny, tmp_path: Path) -> None:
    out = tmp_path / "results"
    scan(tiny(), out)
    assert {
        "review_scores.parquet",
        "sites.parquet",
        "money.parquet",
        "declaration_scores.parquet",
    } <= _names(out)

    def bare(data: dict) -> None:
        for table in (*OPTIONAL, "authorized_sellers"):
            del data[table]

    scan(tiny(bare), out)
    assert _names(out) == {"store_scores.parquet", "networks.parquet", "links.parquet", "manifest.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".results")]  # no staging left behind


def test_a_failed_scan_leaves_the_previous_results_as_they_were(tiny, tmp_path: Path) -> None:
    out = tmp_path / "results"
    scan(tiny(), out)
    before = {p.name: p.read_bytes() for p in out.glob("*.parquet")}
    with pytest.raises(ContractError):
        scan(tiny(lambda d: d.pop("logins")), out)
    assert {p.name: p.read_bytes() for p in out.glob("*.parquet")} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".results")]


def test_out_problems_are_found_before_any_work(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(OutputError, match="is a file; give a directory for the results"):
        check_results_dir(a_file)
    with pytest.raises(OutputError, match=r"is under .*file.txt, which is a file, not a directory"):
        check_results_dir(a_file / "results")
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match="not a marketguard results directory"):
        check_results_dir(home)
    with pytest.raises(OutputError, match="is a directory; give a file name"):
        check_output_file(home, "report")
    with (
        pytest.raises(OutputError, match="cannot write results beside"),
        ResultsDir(Path("/proc/marketguard")),
    ):
        pass


def test_the_scan_refuses_a_bad_out_before_validating(tiny, tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    broken = tiny(lambda d: d.pop("logins"))  # validation would raise a ContractError
    with pytest.raises(OutputError):
        scan(broken, a_file)
