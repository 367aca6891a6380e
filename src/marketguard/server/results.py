"""A scan's results as the server reads them: the case report's reader (:class:`~marketguard.report.results_dir.
ResultsDir`) over the files read once into memory, each sorted by network with the row range of every network, so
one network's rows are a slice (microseconds), not a query per request. Search goes through SQL over the same
tables (:class:`~marketguard.engine.result_tables.ResultTables`). Nothing is recomputed."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.engine.result_tables import ResultTables
from marketguard.report.results_dir import ResultsDir, jsonable_row

__all__ = ["IndexedResults", "ResultsCache"]


class IndexedResults(ResultsDir):
    """One results directory in memory: every table, sorted by ``network_id`` where it has one."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._tables: dict[str, pa.Table] = {}
        self._ranges: dict[str, dict[str, tuple[int, int]]] = {}
        for file in sorted(self.path.glob("*.parquet")):
            if not file.stem.isidentifier():
                continue
            table = pq.read_table(file)
            if "network_id" in table.column_names:
                table = table.sort_by("network_id")
                self._ranges[file.stem] = _runs(table.column("network_id"))
            self._tables[file.stem] = table
        self._sql = ResultTables(self._tables)
        sources = [sql for tables, sql in _TERMS if all(t in self._tables for t in tables)]
        if sources:
            union = " UNION ".join(sources)  # UNION: each (term, kind, id, network) once
            self._sql.materialise("search_terms", f"SELECT * FROM ({union}) t", "term")
        self._searchable = bool(sources)
        self._manifest = super().manifest()

    def has(self, name: str) -> bool:
        return name in self._tables

    def has_network(self, name: str, network_id: str) -> bool:
        """Whether result ``name`` holds rows of the network."""
        return network_id in self._ranges.get(name, {})

    def table(
        self, name: str, network_id: str | None = None, where: tuple[str, list[Any]] | None = None
    ) -> pa.Table | None:
        table = self._tables.get(name)
        if table is None:
            return None
        if network_id is not None:
            start, end = self._ranges.get(name, {}).get(network_id, (0, 0))
            table = table.slice(start, end - start)
        if where is not None:
            table = table.filter(pc.is_in(table.column(where[0]), value_set=pa.array(where[1])))
        return table

    def column(self, name: str, column: str) -> pa.ChunkedArray | None:
        table = self._tables.get(name)
        return None if table is None or column not in table.column_names else table.column(column)

    def manifest(self) -> dict[str, Any]:
        return self._manifest

    def query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows of a read-only query over the result tables (parameters bound, never interpolated), as JSON
        takes them (:func:`~marketguard.report.results_dir.jsonable_row`)."""
        return [jsonable_row(r) for r in self._sql.rows(sql, params)]

    def search(
        self, term: str, kinds: tuple[str, ...] | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Everything named exactly ``term`` (of ``kinds`` only, when given): an index look-up."""
        if not self._searchable:
            return []
        only = "" if kinds is None else " AND kind IN (SELECT unnest(?))"
        params: list[Any] = [term] if kinds is None else [term, list(kinds)]
        return self._sql.rows(
            f"SELECT kind, id, network_id FROM search_terms WHERE term = ?{only} "
            f"ORDER BY kind, network_id NULLS LAST, id LIMIT {int(limit)}",
            params,
        )


#: What search finds: (the tables it needs, rows of term, kind, id, network_id).
_TERMS: list[tuple[tuple[str, ...], str]] = [
    (
        ("store_scores",),
        "SELECT store_id AS term, 'store' AS kind, store_id AS id, network_id FROM store_scores",
    ),
    (
        ("store_scores",),
        "SELECT account_id AS term, 'account' AS kind, account_id AS id, network_id FROM store_scores",
    ),
    (
        ("networks",),
        "SELECT network_id AS term, 'network' AS kind, network_id AS id, network_id FROM networks",
    ),
    (
        ("declaration_scores",),
        "SELECT declaration_id AS term, 'declaration' AS kind, declaration_id AS id, network_id "
        "FROM declaration_scores",
    ),
    (("links",), "SELECT account_a AS term, 'account' AS kind, account_a AS id, network_id FROM links"),
    (("links",), "SELECT account_b AS term, 'account' AS kind, account_b AS id, network_id FROM links"),
    (("links",), "SELECT artifact AS term, kind, artifact AS id, network_id FROM links"),
    (
        ("sites",),
        "SELECT address AS term, 'site' AS kind, site_id AS id, network_id FROM sites WHERE address IS NOT NULL",
    ),
]


def _runs(ids: pa.ChunkedArray) -> dict[str, tuple[int, int]]:
    """Row range of each value of a sorted column (nulls left out)."""
    encoded = pc.run_end_encode(ids.combine_chunks())
    ends = encoded.run_ends.to_numpy()
    starts = np.concatenate([[0], ends[:-1]])
    values = encoded.values.to_pylist()
    return {v: (int(s), int(e)) for v, s, e in zip(values, starts, ends, strict=True) if v is not None}


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
