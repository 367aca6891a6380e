"""The one interface every engine implements, and the workflow written once around its hooks.

SQL is written once, in DuckDB's dialect, as named steps. A backend renders it for its engine, runs it, and wraps
any engine error with the step name and the SQL (in the manner of Splink's database API).
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.errors import EngineError

log = logging.getLogger(__name__)

#: Prefix of every column name marketguard adds to a user's table. Input columns may not use it (validation
#: stops on one), so an input column can never stand in for an internal one.
INTERNAL_PREFIX = "__mg_"
#: Column added to every loaded input table: the 1-based data row in the user's file.
ROW = f"{INTERNAL_PREFIX}row"


@dataclass(frozen=True)
class Step:
    """A named SQL step: ``name`` is the logical table it creates, ``sql`` a SELECT in DuckDB's dialect.

    ``materialize`` asks the engine to compute and keep the result (a table) rather than a lazy view; steps
    read several times downstream should set it.
    """

    name: str
    sql: str
    materialize: bool = True


def round12(expr: str) -> str:
    """SQL: ``expr`` to 12 decimals by double arithmetic, identical on every engine and thread count. Float sums,
    averages and exp/ln differ in the last bits with the order rows arrive in (threads, engines), enough to move a
    tree's split; SQL ``round`` breaks a tie in the 13th decimal by the decimal digits on Spark and by the binary
    value on DuckDB. A sum or mean rounded after can still fall on a rounding boundary and go either way with the
    order: :func:`sum12` and :func:`mean12` are exact."""
    return f"{_grid12(expr)} / 1e12"


def sum12(expr: str) -> str:
    """SQL: the sum of ``expr`` with every value first put on the 1e-12 grid and the values summed as integers
    (units of 1e-12, up to about 9e6 in magnitude per value): the same whatever order rows arrive in. A float sum
    rounded by :func:`round12` after is not when it falls on a rounding boundary (one network score of the
    README's tour differed by 2e-13 between DuckDB on one thread and Spark)."""
    return f"CAST(sum({_units12(expr)}) AS DOUBLE) / 1e12"


def mean12(expr: str) -> str:
    """SQL: the mean of ``expr`` as :func:`sum12` sums it (divided by the count before the units are undone)."""
    return f"CAST(sum({_units12(expr)}) AS DOUBLE) / count({expr}) / 1e12"


def _units12(expr: str) -> str:
    return f"CAST({_grid12(expr)} AS BIGINT)"


def _grid12(expr: str) -> str:
    """``expr`` in units of 1e-12, rounded half up by double arithmetic (what :func:`round12` and the exact sums
    share)."""
    return f"floor(CAST({expr} AS DOUBLE) * 1e12 + 0.5)"


def round_significant(expr: str, digits: int = 12) -> str:
    """SQL: ``expr`` to ``digits`` significant digits by double arithmetic (zero, infinities and NaN as they
    are). :func:`round12`'s reason for values of any size: a float sum of millions of amounts differs in its
    last bits with the order the threads add them, which moved a displayed mean across a cent between two runs of
    one scan. A value rounded so often ends in 5 one digit further: round it again with one function only
    (``np.round`` and Python's ``round`` break such a tie differently)."""
    x = f"CAST({expr} AS DOUBLE)"
    scale = f"pow(10.0, {digits} - ceil(log10(abs({x}))))"
    return f"CASE WHEN {x} = 0 OR NOT abs({x}) < 1e300 THEN {x} ELSE floor({x} * {scale} + 0.5) / {scale} END"


def significant(value: float, digits: int = 12) -> float:
    """:func:`round_significant` in Python, for the signals computed one row at a time (their twins in SQL
    are rounded so)."""
    if value == 0 or not math.isfinite(value):
        return value
    if (
        value.is_integer() and abs(value) < 10.0**digits
    ):  # a count: unchanged by the rounding, and most signals are
        return value
    scale = 10.0 ** (digits - math.ceil(math.log10(abs(value))))
    return math.floor(value * scale + 0.5) / scale


def with_row_numbers(table: pa.Table) -> pa.Table:
    """Prepend the 1-based :data:`ROW` column to an Arrow table read in file order."""
    return table.add_column(0, ROW, pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)))


def _group_bounds(keys: pa.ChunkedArray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal values in a sorted column."""
    if len(keys) == 0:
        return []
    codes = pc.dictionary_encode(keys).combine_chunks().indices.to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    stops = np.r_[starts[1:], len(codes)]
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


class Backend(ABC):
    """A small engine adapter: register inputs, run steps, fetch Arrow.

    Subclasses implement the ``_``-prefixed hooks only; naming, logging and error wrapping live here.
    """

    name: ClassVar[str]
    #: Whether graph algorithms may collect edge lists into this process (True for the embedded engine). When
    #: False, detectors use the iterative-SQL and per-group paths that keep the data on the engine.
    local_graphs: ClassVar[bool] = True
    #: Rows brought into this process by :meth:`fetch` so far: on Spark, what the driver collected (each scan
    #: stage's share is in the manifest, ``rows_collected``).
    rows_fetched: int = 0

    # -- hooks -------------------------------------------------------------------------------------------
    @abstractmethod
    def _render(self, sql: str) -> str:
        """Translate DuckDB-dialect SQL to the engine's dialect."""

    @abstractmethod
    def _create(self, name: str, sql: str, materialize: bool) -> None:
        """Create or replace ``name`` from engine-dialect SQL."""

    @abstractmethod
    def _fetch(self, sql: str) -> pa.Table:
        """Run engine-dialect SQL and return the result as Arrow."""

    @abstractmethod
    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Expose an in-memory Arrow table under ``name``."""

    @abstractmethod
    def register_parquet(self, name: str, path: Path | Sequence[Path]) -> None:
        """Expose a Parquet file (or a directory of Parquet part files) under ``name`` with a 1-based :data:`ROW`
        column in file order."""

    def register_duckdb_table(self, name: str, database: Path, table: str) -> None:
        """Expose a table of a DuckDB database file with :data:`ROW` from its row order (read through Arrow)."""
        import duckdb

        with duckdb.connect(str(database), read_only=True) as con:
            data = con.execute(f'SELECT * FROM "{table}"').to_arrow_table()
        self.register_arrow(name, with_row_numbers(data))

    @abstractmethod
    def table_exists(self, name: str) -> bool:
        """Whether ``name`` is registered."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Forget ``name`` if it exists."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the engine's resources."""

    # -- workflow ----------------------------------------------------------------------------------------
    def run(self, steps: Step | Iterable[Step]) -> None:
        """Run steps in order; each creates its logical table."""
        for step in [steps] if isinstance(steps, Step) else steps:
            sql = self.render(step.sql, step.name)
            log.debug("step %s on %s:\n%s", step.name, self.name, sql)
            start = time.perf_counter()
            try:
                self._create(step.name, sql, step.materialize)
            except Exception as exc:
                raise EngineError(self.name, step.name, sql, exc) from exc
            log.info("step %s on %s: %.2f s", step.name, self.name, time.perf_counter() - start)

    def fetch(self, sql: str, step: str) -> pa.Table:
        """Run a SELECT (DuckDB dialect) and return Arrow; ``step`` names it in errors."""
        rendered = self.render(sql, step)
        try:
            fetched = self._fetch(rendered)
        except Exception as exc:
            raise EngineError(self.name, step, rendered, exc) from exc
        self.rows_fetched += fetched.num_rows
        return fetched

    def render(self, sql: str, step: str) -> str:
        try:
            return self._render(sql)
        except Exception as exc:
            raise EngineError(self.name, step, sql, exc) from exc

    def map_groups(
        self, name: str, sql: str, key: str, fn: Callable[[pa.Table], pa.Table], schema: pa.Schema
    ) -> None:
        """Create ``name`` by applying ``fn`` to the rows of ``sql`` (DuckDB dialect) sharing each ``key`` value.

        This default runs the groups here, in key order; distributed engines run them where the data lives.
        """
        data = self.fetch(f"SELECT * FROM ({sql}) g ORDER BY {key}", f"groups of {name}")
        parts = [fn(data.slice(start, stop - start)) for start, stop in _group_bounds(data.column(key))]
        self.register_arrow(name, pa.concat_tables(parts).cast(schema) if parts else schema.empty_table())

    def columns(self, name: str) -> list[tuple[str, str]]:
        """Column names and Arrow types of a registered table."""
        schema = self.fetch(f"SELECT * FROM {name} LIMIT 0", f"schema of {name}").schema
        return [(f.name, str(f.type)) for f in schema]

    def scalar(self, sql: str, step: str) -> Any:
        """The first value of the first row of a SELECT (DuckDB dialect)."""
        return self.fetch(sql, step).column(0)[0].as_py()

    def count(self, name: str) -> int:
        return int(self.scalar(f"SELECT count(*) AS n FROM {name}", f"count {name}"))

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
