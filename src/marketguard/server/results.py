"""A scan's results as the server reads them: the case report's reader (:class:`~marketguard.report.results_dir.
ResultsDir`) over the files read once into memory, each sorted by network with the row range of every network, so
one network's rows are a slice (microseconds), not a query per request. Search goes through SQL over the same
tables (:class:`~marketguard.engine.result_tables.ResultTables`). Nothing is recomputed."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.engine.result_tables import ResultTables
from marketguard.report.results_dir import ResultsDir, jsonable_row
from marketguard.server.answers import encode

__all__ = ["EncodedEvidence", "IndexedResults", "ResultsCache"]


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
        self._terms = pa.table({"term": pa.array([], pa.string())})
        if sources:
            union = " UNION ".join(sources)  # UNION: each (term, kind, id, network) once
            self._terms = self._sql.table(
                f"SELECT * FROM ({union}) t WHERE term IS NOT NULL ORDER BY term, kind, network_id NULLS LAST, id"
            ).combine_chunks()
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
        """Everything named exactly ``term`` (of ``kinds`` only, when given), ordered by kind, network and id: a
        binary search of the terms, sorted once when the results load (tens of microseconds; an indexed SQL
        look-up costs two milliseconds of the server's CPU)."""
        terms = self._terms.column("term")
        start = _lower_bound(terms, term)
        end = start
        hits: list[dict[str, Any]] = []
        while end < len(terms) and terms[end].as_py() == term and len(hits) < limit:
            row = {k: self._terms.column(k)[end].as_py() for k in ("kind", "id", "network_id")}
            if kinds is None or row["kind"] in kinds:
                hits.append(row)
            end += 1
        return hits


def _lower_bound(values: pa.ChunkedArray, value: str) -> int:
    """The first position in sorted ``values`` whose value is not below ``value``."""
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if values[middle].as_py() < value:
            low = middle + 1
        else:
            high = middle
    return low


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

    def loaded(self, path: str | Path) -> IndexedResults | None:
        """The results of ``path`` when they are in memory already (no reading)."""
        key = _resolved(str(path))
        with self._lock:
            found = self._loaded.get(key)
            if found is not None:
                self._loaded[key] = self._loaded.pop(key)  # most recently used last
            return found

    def get(self, path: str | Path) -> IndexedResults:
        key = _resolved(str(path))
        with self._lock:
            found = self._loaded.pop(key, None) or IndexedResults(Path(key))
            self._loaded[key] = found  # most recently used last
            while len(self._loaded) > self.keep:
                self._loaded.pop(next(iter(self._loaded)))
            return found


@functools.lru_cache(maxsize=64)
def _resolved(path: str) -> str:
    """The real path of a registered scan's results (asked on every request: resolved once)."""
    return str(Path(path).resolve())


class EncodedEvidence:
    """Networks' evidence as the answers carry it (JSON bytes), kept for the networks people open again.

    A scan's results never change, so a network's evidence, once built (7 ms for a top network at 100k stores)
    and encoded (0.2 ms), is the same bytes for every caller of one view (investigators, brand users). Bounded by
    size, least recently used out first: ``max_bytes`` (64 MB) holds the few hundred networks at the top of a
    queue, which are what many people open at once, at a fraction of a worker's memory for the results (0.9 GB
    at 100k stores)."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def kept(self, key: tuple[object, ...]) -> bytes | None:
        """The bytes of ``key`` when they are kept."""
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def get(self, key: tuple[object, ...], build: Callable[[], dict[str, Any]]) -> bytes:
        """The bytes of ``key``; ``build`` makes its evidence when it is not kept."""
        found = self.kept(key)
        if found is not None:
            return found
        encoded = encode(build())
        with self._lock:
            if key not in self._kept and len(encoded) <= self.max_bytes:
                self._kept[key] = encoded
                self._size += len(encoded)
                while self._size > self.max_bytes:
                    self._size -= len(self._kept.popitem(last=False)[1])
        return encoded
