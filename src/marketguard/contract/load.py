"""Finding a dataset's tables and exposing them, as read, to a backend.

A dataset is a directory with one ``<table>.parquet`` or ``<table>.csv`` per contract table (a file, or a
directory of part files as Spark and many other tools write them), or a DuckDB database file holding tables of
those names. Each table is registered as ``raw_<table>`` with a 1-based row column (:data:`ROW`) so every later
message can point at the user's row; in a directory of parts, rows are counted across the parts in name order.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from marketguard.contract.spec import LOAD_ORDER, TABLES
from marketguard.engine.base import INTERNAL_PREFIX, Backend, with_row_numbers
from marketguard.engine.duckdb_files import database_tables, table_columns
from marketguard.errors import Problem

DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")


@dataclass(frozen=True)
class Source:
    """Where one contract table comes from: ``parts`` are the files of a ``<table>.<format>/`` directory."""

    table: str
    path: Path
    format: str  # "parquet" | "csv" | "duckdb"
    parts: tuple[Path, ...] = ()

    def describe(self) -> str:
        if self.format == "duckdb":
            return f"{self.path}:{self.table}"
        return f"{self.path} ({len(self.parts)} parts)" if self.path.is_dir() else f"{self.path}"

    @property
    def files(self) -> tuple[Path, ...]:
        return self.parts or (self.path,)


def part_files(directory: Path, fmt: str) -> tuple[Path, ...]:
    """The data files of a directory-as-table, in name order: ``*.<fmt>`` at any depth, without the hidden and
    bookkeeping files tools leave beside them (``_SUCCESS``, ``.part-0.crc``, ``_committed_...``)."""
    return tuple(
        sorted(
            f
            for f in directory.rglob(f"*.{fmt}")
            if f.is_file() and not any(part.startswith(("_", ".")) for part in f.relative_to(directory).parts)
        )
    )


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
            dataset / f"{table}.{ext}" for ext in ("parquet", "csv") if (dataset / f"{table}.{ext}").exists()
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
            source, problem = _source(table, found[0])
            if problem:
                problems.append(problem)
            if source:
                sources[table] = source
    return sources, problems + _missing_required(sources, dataset, problems)


def _source(table: str, path: Path) -> tuple[Source | None, Problem | None]:
    fmt = path.suffix.lstrip(".")
    if path.is_file():
        return Source(table, path, fmt), None
    if not path.is_dir():
        return None, Problem(table, None, f"{path} is neither a file nor a directory", "give a regular file")
    parts = part_files(path, fmt)
    if not parts:
        return None, Problem(
            table,
            None,
            f"the directory {path} holds no .{fmt} part files",
            f"write the table's data as {path.name}/part-*.{fmt}, or remove the empty directory",
        )
    return Source(table, path, fmt, parts), None


def _discover_duckdb(path: Path) -> tuple[dict[str, Source], list[Problem]]:
    try:
        names = database_tables(path)
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


def _missing_required(
    sources: dict[str, Source], where: Path, problems: list[Problem] | None = None
) -> list[Problem]:
    """A required table with no source, unless a problem about that table was already reported."""
    named = {p.table for p in problems or []}
    return [
        Problem(
            t,
            None,
            f"required table is missing from {where}",
            (
                f"add a table named {t} to the database"
                if where.is_file()
                else f"provide {t}.parquet or {t}.csv"
            )
            + " with columns "
            + ", ".join(c.name for c in TABLES[t].columns if c.required),
        )
        for t in LOAD_ORDER
        if TABLES[t].required and t not in sources and t not in named
    ]


def register_raw(backend: Backend, sources: dict[str, Source]) -> list[Problem]:
    """Register every source as ``raw_<table>``; unreadable files become problems, not exceptions."""
    problems = []
    for table, source in sources.items():
        try:
            reserved = [c for c in source_columns(source) if c.startswith(INTERNAL_PREFIX)]
            if reserved:
                problems += [
                    Problem(
                        table,
                        c,
                        f"column names starting with {INTERNAL_PREFIX!r} are reserved for marketguard",
                        "rename the column in the export",
                    )
                    for c in reserved
                ]
                continue
            if source.format == "parquet":
                for part in source.files:
                    pq.read_schema(part)  # fail early and clearly on a corrupt file
                backend.register_parquet(raw_name(table), list(source.files))
            elif source.format == "csv":
                parts = [read_csv_as_text(part) for part in source.files]
                data = pa.concat_tables(parts, promote_options="permissive") if len(parts) > 1 else parts[0]
                backend.register_arrow(raw_name(table), with_row_numbers(data))
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


def source_columns(source: Source) -> list[str]:
    """The column names as the file (its first part) or database table gives them."""
    if source.format == "parquet":
        return list(pq.read_schema(source.files[0]).names)
    if source.format == "csv":
        with open(source.files[0], newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), [])
    return table_columns(source.path, source.table)


def read_csv_as_text(path: Path) -> pa.Table:
    """Read a CSV with every column as text, so typing and its errors happen in validation, row by row.

    Only an empty field is missing: "NA", "null" or "NaN" are kept as written (a store may be called "NA"),
    as a Parquet file would keep them, and the typed checks judge them.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise ValueError("the file is empty (no header line)")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ValueError(f"the header names {', '.join(map(repr, duplicated))} more than once")
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
