"""Result tables for many readers: Arrow tables held in memory, queried through an in-process DuckDB with bound
parameters from any thread (one cursor per thread). DuckDB scans the Arrow tables where they are (no copy).

The server searches a scan's results with it; the files are read once by the caller, never written.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import duckdb
import pyarrow as pa

__all__ = ["ResultTables"]


class ResultTables:
    """SQL over ``tables`` (name -> Arrow table; names must be identifiers)."""

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        self._db = duckdb.connect()
        self._local = threading.local()
        self._tables = dict(tables)  # DuckDB scans them lazily: keep them alive
        for name in self._tables:
            if not name.isidentifier():
                raise ValueError(f"not a table name: {name!r}")

    def table(self, sql: str) -> pa.Table:
        """The result of a query over the tables, as an Arrow table."""
        relation = self._cursor().sql(sql)
        assert relation is not None, sql  # a SELECT always has a result
        return relation.to_arrow_table()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a query over the tables; values are bound (``?``), never interpolated."""
        relation = self._cursor().sql(sql, params=params or [])
        assert relation is not None, sql  # a SELECT always has a result
        rows: list[dict[str, Any]] = relation.to_arrow_table().to_pylist()
        return rows

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor per thread (a DuckDB connection is not shared between threads), with the tables registered on
        it: a registered table is a view of its own connection only."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._db.cursor()
            for name, table in self._tables.items():
                cursor.register(name, table)
        return cursor
