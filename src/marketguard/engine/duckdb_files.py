"""Reading DuckDB database files given as datasets (the contract's third input format)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def database_tables(path: Path) -> set[str]:
    """The names of the tables and views in a DuckDB database file, opened read-only.

    Raises whatever DuckDB raises when the file is not a database or is locked by a writer.
    """
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }


def table_columns(path: Path, table: str) -> list[str]:
    """The column names of one table or view of a DuckDB database file, opened read-only."""
    with duckdb.connect(str(path), read_only=True) as con:
        return [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
