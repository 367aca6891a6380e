"""Finding a dataset's tables and exposing them, as read, to a backend.

A dataset is a directory with one ``<table>.parquet`` or ``<table>.csv`` per contract table, or a DuckDB
database file holding tables of those names. Each table is registered as ``raw_<table>`` with a 1-based
``_row`` column so every later message can point at the user's row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from marketguard.contract.spec import LOAD_ORDER, TABLES
from marketguard.engine.base import Backend, with_row_numbers
from marketguard.errors import Problem

DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")


@dataclass(frozen=True)
class Source:
    """Where one contract table comes from."""

    table: str
    path: Path
    format: str  # "parquet" | "csv" | "duckdb"

    def describe(self) -> str:
        return f"{self.path}" if self.format != "duckdb" else f"{self.path}:{self.table}"


def raw_name(table: str) -> str:
    return f"raw_{table}"


def discover(dataset: Path) -> tuple[dict[str, Source], list[Problem]]:
    """Map each contract table to its source file; report ambiguous or unreadable locations."""
    dataset = Path(dataset)
    if dataset.is_file() and dataset.suffix in DUCKDB_SUFFIXES:
        return _discover_duckdb(dataset)
    if not dataset.is_dir():
        return {}, [
            Problem(
                "dataset",
                None,
                f"{dataset} is neither a directory nor a DuckDB file",
                "pass a directory of <table>.parquet/.csv files or a .duckdb file",
            )
        ]
    sources: dict[str, Source] = {}
    problems: list[Problem] = []
    for table in LOAD_ORDER:
        found = [
            dataset / f"{table}.{ext}" for ext in ("parquet", "csv") if (dataset / f"{table}.{ext}").is_file()
        ]
        if len(found) > 1:
            problems.append(
                Problem(
                    table,
                    None,
                    f"found both {found[0].name} and {found[1].name}",
                    "keep exactly one file per table",
                )
            )
        elif found:
            sources[table] = Source(table, found[0], found[0].suffix.lstrip("."))
    return sources, problems + _missing_required(sources, dataset)


def _discover_duckdb(path: Path) -> tuple[dict[str, Source], list[Problem]]:
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            names = {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() "
                    "UNION SELECT view_name FROM duckdb_views() "
                    "WHERE NOT internal"
                ).fetchall()
            }
    except Exception as exc:
        return {}, [
            Problem(
                "dataset",
                None,
                f"cannot open DuckDB file {path}: {exc}",
                "check the file is a DuckDB database and not in use by another writer",
            )
        ]
    sources = {t: Source(t, path, "duckdb") for t in LOAD_ORDER if t in names}
    return sources, _missing_required(sources, path)


def _missing_required(sources: dict[str, Source], where: Path) -> list[Problem]:
    return [
        Problem(
            t,
            None,
            f"required table is missing from {where}",
            f"provide {t}.parquet or {t}.csv with columns "
            + ", ".join(c.name for c in TABLES[t].columns if c.required),
        )
        for t in LOAD_ORDER
        if TABLES[t].required and t not in sources
    ]


def register_raw(backend: Backend, sources: dict[str, Source]) -> list[Problem]:
    """Register every source as ``raw_<table>``; unreadable files become problems, not exceptions."""
    problems = []
    for table, source in sources.items():
        try:
            if source.format == "parquet":
                pq.read_schema(source.path)  # fail early and clearly on a corrupt file
                backend.register_parquet(raw_name(table), source.path)
            elif source.format == "csv":
                backend.register_arrow(raw_name(table), with_row_numbers(read_csv_as_text(source.path)))
            else:
                backend.register_duckdb_table(raw_name(table), source.path, table)
        except Exception as exc:
            problems.append(
                Problem(
                    table,
                    None,
                    f"cannot read {source.describe()}: {_first_line(exc)}",
                    f"check that the file is a valid {source.format} file",
                )
            )
    return problems


def read_csv_as_text(path: Path) -> pa.Table:
    """Read a CSV with every column as text, so typing and its errors happen in validation, row by row."""
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise ValueError("the file is empty (no header line)")
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=True
        ),
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
