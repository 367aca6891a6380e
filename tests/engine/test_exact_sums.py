"""Sums and means that come out the same whatever order the engine adds the rows in (``sum12``, ``mean12``)."""

from __future__ import annotations

import duckdb
import pytest

from marketguard.engine.base import mean12, round12, sum12

#: A float sum of these, rounded to 12 decimals, is 1.3 added in this order and 1.300000000001 in reverse (the
#: exact sum, 1.3000000000005, sits on the rounding boundary).
BOUNDARY = [0.3, 5e-13, 1 / 3, 2 / 3]


def _one(sql: str, values: list[float]) -> float:
    """``sql`` over a column ``x`` holding ``values`` in this order, added in it (one thread)."""
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("CREATE TABLE t (i INTEGER, x DOUBLE)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    return con.execute(f"SELECT {sql} FROM (SELECT x FROM t ORDER BY i)").fetchone()[0]


def test_a_rounded_float_sum_depends_on_the_order_the_rows_come_in() -> None:
    """The reason for sum12: without it these values give two answers (the engine's sum is a plain float sum)."""
    forward, backward = (_one(round12("sum(x)"), v) for v in (BOUNDARY, BOUNDARY[::-1]))
    assert forward != backward


def test_sum12_and_mean12_do_not() -> None:
    for values in (BOUNDARY, BOUNDARY[::-1], [BOUNDARY[i] for i in (2, 0, 3, 1)]):
        assert _one(sum12("x"), values) == 1.300000000001
        assert _one(mean12("x"), values) == pytest.approx(1.300000000001 / 4, abs=1e-15)
        assert _one(round12(mean12("x")), values) == _one(round12(mean12("x")), BOUNDARY)


def test_sum12_puts_each_value_on_the_grid_first() -> None:
    assert _one(sum12("x"), [0.4e-12] * 3) == 0.0  # each rounds to 0, though their float sum is 1.2e-12
    assert _one(sum12("x"), [0.6e-12, -0.7e-12]) == 0.0  # 1 and -1 units
    assert _one(sum12("x"), [None, 0.25]) == 0.25  # NULL is left out, as sum leaves it
    assert _one(mean12("x"), [None, 0.25, 0.75]) == 0.5  # and from the count
