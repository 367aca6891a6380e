"""DuckDB, the embedded default engine."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from marketguard.engine.base import INTERNAL_PREFIX, ROW, Backend, with_row_numbers
from marketguard.threads import thread_budget

#: The memory DuckDB keeps for its blocks to reuse (see :class:`DuckDBBackend`'s allocator settings).
BLOCK_POOL = "1GiB"


class DuckDBBackend(Backend):
    """In-process DuckDB; SQL runs as written. Timestamps are handled in UTC.

    Parameters
    ----------
    database
        ``":memory:"`` (default) or a file path for a persistent working database.
    threads
        Worker threads; ``None``: the process's budget (:func:`marketguard.threads.thread_budget`, every core
        unless ``MARKETGUARD_THREADS`` says otherwise).
    memory_limit
        DuckDB's memory limit, e.g. ``"6GB"``; it spills to disk beyond it.
    temp_directory
        Where DuckDB spills; by default a fresh directory under the system temp dir, removed on close (DuckDB's
        own default is ``.tmp`` in the working directory).
    """

    name = "duckdb"

    def __init__(
        self,
        database: str = ":memory:",
        *,
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
    ) -> None:
        self.con = duckdb.connect(database)
        self.con.execute("SET TimeZone = 'UTC'")
        # jemalloc keeps what dropped tables freed unless purged: a scan drops gigabytes of working tables
        # between stages, and without the purge the process never gives them back to the stages that follow
        # in Python (measured at 100k stores: 1.4 GB back within seconds of dropping the linker's tables)
        self.con.execute("SET allocator_background_threads = true")
        # ... while DuckDB's own blocks come from a pool it reuses: a block from jemalloc is fresh memory the
        # kernel zeroes page by page (clear_page was 6% of the 100k-store adversarial link stage's CPU). A freed
        # pool block stays resident until the kernel needs it, so the pool is bounded: 1 GiB took that link
        # stage from 21.8-24.0 s to 21.0-21.3 s and the scan from 158-162 s to 154 s with the same peak; 2 GB
        # was no faster and raised the scan's peak by 0.37 GB
        self.con.execute(f"SET block_allocator_memory = '{BLOCK_POOL}'")
        self._own_temp = temp_directory is None
        self.temp_directory = temp_directory or tempfile.mkdtemp(prefix="marketguard-duckdb-")
        self.con.execute(f"SET temp_directory = '{self.temp_directory}'")
        self.con.execute(f"SET threads = {int(threads or thread_budget())}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self._arrow: dict[str, pa.Table] = {}

    def _render(self, sql: str) -> str:
        return sql

    def _create(self, name: str, sql: str, materialize: bool) -> None:
        self.drop(name)
        kind = "TABLE" if materialize else "VIEW"
        self.con.execute(f"CREATE {kind} {name} AS {sql}")

    def _fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.drop(name)
        self._arrow[name] = table  # keep a reference: DuckDB scans it lazily
        self.con.register(name, table)

    def register_parquet(self, name: str, path: Path | Sequence[Path]) -> None:
        """A view over the file(s); rows are numbered across the files in the order given."""
        self.drop(name)
        files = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
        columns = set(pq.read_schema(files[0]).names)
        if "file_row_number" in columns:  # DuckDB's row-number option would clash with the file's column
            self.register_arrow(name, with_row_numbers(pq.read_table(files)))
            return
        listed = ", ".join(_literal(str(f)) for f in files)
        offsets, start = [], 0
        for f in files[:-1]:
            start += pq.ParquetFile(f).metadata.num_rows
            offsets.append(start)
        file_col = f"{INTERNAL_PREFIX}file"
        offset = (
            "CASE "
            + " ".join(
                f"WHEN {file_col} = {_literal(str(f))} THEN {o}"
                for f, o in zip(files[1:], offsets, strict=True)
            )
            + " ELSE 0 END + "
            if len(files) > 1
            else ""
        )
        self.con.execute(
            f"CREATE VIEW {name} AS SELECT {offset}file_row_number + 1 AS {ROW}, "
            f"* EXCLUDE (file_row_number, {file_col}) "
            f"FROM read_parquet([{listed}], file_row_number = true, filename = '{file_col}', "
            "union_by_name = true, hive_partitioning = false)"
        )

    def register_duckdb_table(self, name: str, database: Path, table: str) -> None:
        """Expose a table of another DuckDB database file, read-only, with :data:`ROW` from its row order.

        Each database file is attached under its own alias (named after its resolved path), so two datasets
        read on one backend never see each other's tables.
        """
        resolved = str(Path(database).resolve())
        alias = f"src_{hashlib.sha256(resolved.encode()).hexdigest()[:16]}"
        attached = {r[0] for r in self.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        if alias not in attached:
            self.con.execute(f"ATTACH {_literal(resolved)} AS {alias} (READ_ONLY)")
        self.drop(name)
        quoted = '"' + table.replace('"', '""') + '"'
        self.con.execute(f"CREATE VIEW {name} AS SELECT rowid + 1 AS {ROW}, * FROM {alias}.main.{quoted}")

    def table_exists(self, name: str) -> bool:
        return name in self._arrow or bool(
            self.con.execute(
                "SELECT 1 FROM duckdb_tables() WHERE table_name = $1 AND database_name = current_database() "
                "UNION ALL SELECT 1 FROM duckdb_views() WHERE view_name = $1 AND database_name = current_database()",
                [name],
            ).fetchall()
        )

    def drop(self, name: str) -> None:
        if name in self._arrow:
            self.con.unregister(name)
            del self._arrow[name]
        kinds = self.con.execute(
            "SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = $1 AND database_name = current_database() "
            "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE view_name = $1 AND database_name = current_database()",
            [name],
        ).fetchall()
        for (kind,) in kinds:
            self.con.execute(f"DROP {kind} {name}")

    def close(self) -> None:
        self.con.close()
        if self._own_temp:
            shutil.rmtree(self.temp_directory, ignore_errors=True)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
