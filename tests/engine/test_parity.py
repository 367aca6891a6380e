"""The same scan on DuckDB and Spark gives identical results (marker ``spark``: starts a local session)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from marketguard.pipeline.scan import RESULT_TABLES, scan

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_backend():
    from marketguard.engine.spark_backend import SparkBackend

    backend = SparkBackend(master="local[2]")
    yield backend
    backend.close()


def _rows(path: Path) -> list[dict]:
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isnan(value):
                row[key] = float(f"{value:.12g}")  # summation order may differ in the last bits
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def assert_same_results(duck: Path, spark: Path) -> None:
    """Every result table, quarantined table and count of two scans of one dataset are the same."""
    for table in RESULT_TABLES:
        assert pq.read_schema(duck / f"{table}.parquet") == pq.read_schema(spark / f"{table}.parquet"), table
        assert _rows(duck / f"{table}.parquet") == _rows(spark / f"{table}.parquet"), table
    quarantined = (
        sorted(p.name for p in (duck / "quarantine").glob("*.parquet"))
        if (duck / "quarantine").exists()
        else []
    )
    for name in quarantined:
        assert _rows(duck / "quarantine" / name) == _rows(spark / "quarantine" / name), name
    m_duck, m_spark = (json.loads((d / "manifest.json").read_text()) for d in (duck, spark))
    assert m_duck["quarantine"] == m_spark["quarantine"]
    assert {t: v["rows_accepted"] for t, v in m_duck["inputs"].items()} == {
        t: v["rows_accepted"] for t, v in m_spark["inputs"].items()
    }
    assert m_duck["outputs"] == m_spark["outputs"]
    assert m_spark["engine"] == "spark"


# The README's tour scans its 1,000-store simulated market on both engines and tests/test_readme.py compares them
# table by table in `make test`: this smaller copy of that check (2.5 min of a slow CI machine) runs with -m slow.
@pytest.mark.slow
def test_simulated_marketplace_gives_identical_results(small_market, tmp_path, spark_backend) -> None:
    scan(small_market, tmp_path / "duck")
    scan(small_market, tmp_path / "spark", backend=spark_backend)
    assert_same_results(tmp_path / "duck", tmp_path / "spark")
    assert pq.read_table(tmp_path / "duck" / "networks.parquet").num_rows > 0


# Rows the validation quarantines are compared engine against engine case by case below (the bad-input corpus).


def test_engine_side_leiden_on_spark_matches_local_clustering(small_market, spark_backend) -> None:
    from marketguard.contract import validate
    from marketguard.detect.operator_linking import OperatorLinker
    from marketguard.engine import make_backend

    with make_backend("duckdb") as duck:
        local = OperatorLinker(max_network_accounts=5).fit(validate(duck, small_market)[0]).assignments_
    tables, _ = validate(spark_backend, small_market)
    remote = OperatorLinker(max_network_accounts=5).fit(tables).assignments_
    assert local.num_rows > 0
    assert local.to_pylist() == remote.to_pylist()


#: The corpus cases whose handling could differ between the engines (directory row numbers, NaN, casts, time
#: range) run in CI; three whose checks (length, blank text, case) the other Spark tests also take run with ``-m slow``
#: (each Spark validation of a corpus dataset takes 15-30 s here).
HOSTILE = (
    "parts_directory",
    "nan_amount_typed",
    "fractions_in_integer_columns_typed",
    "nan_and_infinity_as_text",
    "timestamps_far_in_the_future",
    *(
        pytest.param(name, marks=pytest.mark.slow)
        for name in ("megabyte_address", "blank_optional_reference_in_parquet", "entity_type_in_capitals")
    ),
)


@pytest.mark.parametrize("name", HOSTILE)
def test_spark_quarantines_the_bad_input_corpus_as_duckdb_does(name, tmp_path, spark_backend) -> None:
    from marketguard.contract import validate
    from marketguard.engine import make_backend
    from tests.contract.corpus import CASES_BY_NAME

    case = CASES_BY_NAME[name]
    dataset = case.write(tmp_path / "data")
    with make_backend("duckdb") as duck:
        _, on_duck = validate(duck, dataset)
    _, on_spark = validate(spark_backend, dataset)
    assert on_spark.quarantine_counts() == on_duck.quarantine_counts() == case.quarantined
    assert on_spark.vocabulary.to_dict() == on_duck.vocabulary.to_dict()
