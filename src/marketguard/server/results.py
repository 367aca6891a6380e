"""A scan's results as the server reads them: the case report's reader (:class:`~marketguard.report.results_dir.
ResultsDir`) over the files loaded once and sorted by network (:class:`~marketguard.engine.result_tables.
ResultTables`), so a request reads one network's rows, not whole files. Nothing is recomputed."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from marketguard.engine.result_tables import ResultTables
from marketguard.report.results_dir import ResultsDir

__all__ = ["IndexedResults", "ResultsCache"]


class IndexedResults(ResultsDir):
    """One results directory, its tables in memory, sorted by ``network_id`` where they have one."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._tables = ResultTables(self.path, order_by="network_id")
        self._manifest = super().manifest()

    def has(self, name: str) -> bool:
        return name in self._tables.names

    def table(self, name: str, network_id: str | None = None) -> pa.Table | None:
        if not self.has(name):
            return None
        where, params = ("", []) if network_id is None else (" WHERE network_id = ?", [network_id])
        return self._tables.arrow(f'SELECT * FROM "{name}"{where}', params)

    @cache  # noqa: B019 -- one instance per results directory, kept as long as the server runs
    def column(self, name: str, column: str) -> pa.ChunkedArray | None:
        table = self.table(name)
        return None if table is None or column not in table.column_names else table.column(column)

    def manifest(self) -> dict[str, Any]:
        return self._manifest

    def query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows of a read-only query over the result tables (parameters bound, never interpolated)."""
        return self._tables.rows(sql, params)


class ResultsCache:
    """The results of the scans people look at, loaded on first use and kept (the latest few)."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._loaded: dict[str, IndexedResults] = {}
        self._lock = threading.Lock()

    def get(self, path: str | Path) -> IndexedResults:
        key = str(Path(path).resolve())
        with self._lock:
            found = self._loaded.pop(key, None) or IndexedResults(Path(key))
            self._loaded[key] = found  # most recently used last
            while len(self._loaded) > self.keep:
                self._loaded.pop(next(iter(self._loaded)))
            return found
