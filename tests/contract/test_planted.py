"""Validation on a simulated marketplace with bad rows planted: it quarantines exactly the planted rows."""

from __future__ import annotations

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.simulate import corrupt, simulate


@pytest.fixture(scope="module")
def market():
    return simulate(n_stores=400, seed=3, difficulty="normal")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_quarantine_counts_equal_planted_rows_exactly(market, tmp_path, fmt) -> None:
    bad = corrupt(market.tables, n_per_rule=5, seed=1)
    assert sum(sum(v.values()) for v in bad.expected.values()) == 5 * 18  # 18 rules planted
    for name, table in bad.tables.items():
        if fmt == "csv":
            pacsv.write_csv(table, tmp_path / f"{name}.csv")
        else:
            pq.write_table(table, tmp_path / f"{name}.parquet")
    with make_backend("duckdb") as backend:
        tables, report = validate(backend, tmp_path, quarantine_dir=tmp_path / "q")
        accepted = {t: backend.count(t) for t in tables.present}
    assert report.quarantine_counts() == bad.expected
    for name, table in bad.tables.items():
        planted = sum(bad.expected.get(name, {}).values())
        assert report.tables[name].rows_read == table.num_rows
        assert accepted[name] == table.num_rows - planted
        if planted:
            assert pq.read_table(tmp_path / "q" / f"{name}.parquet").num_rows == planted
    lines = "\n".join(report.lines())
    assert "logins.ip: not an IPv4 or IPv6 address in 5 rows (e.g. row " in lines
    assert "logins.ts: cannot be read as a timestamp in 5 rows" in lines
    assert "accounts.account_id: duplicate key" in lines


def test_the_clean_marketplace_has_no_row_problems(market, tmp_path) -> None:
    for name, table in market.tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    with make_backend("duckdb") as backend:
        _, report = validate(backend, tmp_path)
    assert report.n_quarantined == 0
