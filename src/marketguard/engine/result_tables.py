"""Result files for many readers: a scan's Parquet tables loaded once into an in-process DuckDB, each sorted by a
key, and queried with bound parameters from any thread (one cursor per thread).

The server answers every request from here: sorted by network, one network's rows are a zone-map look-up,
not a scan of the file per request. The files are read, never written.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

__all__ = ["ResultTables"]


class ResultTables:
    """The Parquet files of ``directory`` as tables named after the files, each ordered by ``order_by`` when it
    has that column (files whose names are not identifiers are left out)."""

    def __init__(self, directory: Path, order_by: str) -> None:
        self._db = duckdb.connect()
        self._local = threading.local()
        self.names: set[str] = set()
        for file in sorted(Path(directory).glob("*.parquet")):
            if not file.stem.isidentifier():
                continue
            source = "read_parquet('" + str(file).replace("'", "''") + "')"
            columns = {r[0] for r in self._db.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            order = f' ORDER BY "{order_by}"' if order_by in columns else ""
            self._db.execute(f'CREATE TABLE "{file.stem}" AS SELECT * FROM {source}{order}')
            self.names.add(file.stem)

    def arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """The result of a query over the tables; values are bound (``?``), never interpolated."""
        relation = self._cursor().sql(sql, params=params or [])
        assert relation is not None, sql  # a SELECT always has a result
        return relation.to_arrow_table()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.arrow(sql, params).to_pylist()
        return rows

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor per thread: a DuckDB connection is not shared between threads."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._db.cursor()
        return cursor
