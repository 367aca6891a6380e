"""Reading a scan's results directory: the only way the report package sees data.

Reports are written from results, never from raw inputs (see DESIGN.md), so everything a case shows must be
readable here. Older results directories lack newer tables or columns; those read as absent (``None``) or as
null columns, so a report of an old scan still renders and says what it cannot show.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from marketguard.errors import MarketguardError
from marketguard.pipeline.results import RESULT_SCHEMAS

Row = dict[str, Any]


class ResultsDirError(MarketguardError, FileNotFoundError):
    """The path is not a scan's results directory (no ``networks.parquet``)."""


class UnknownNetworkError(MarketguardError, LookupError):
    """The network id asked for is not in the results; the message lists a few valid ids."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0])


class ResultsDir:
    """One results directory: tables filtered to one network, as JSON-able rows, plus the manifest."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not (self.path / "networks.parquet").is_file():
            raise ResultsDirError(
                f"{self.path} is not a scan's results directory: it has no networks.parquet. "
                "Fix: pass the directory written by `marketguard scan DATASET --out RESULTS`."
            )

    def has(self, name: str) -> bool:
        """Whether the scan wrote result ``name`` (optional results are written only when inputs allow)."""
        return (self.path / f"{name}.parquet").is_file()

    def read(self, name: str, network_id: str | None = None) -> list[Row] | None:
        """Rows of result ``name`` (of one network when given), every documented column present (null if the
        scan predates it); ``None`` when the table was not written at all."""
        table = self.table(name, network_id)
        if table is None:
            return None
        return [jsonable_row(r) for r in _with_schema_columns(name, table).to_pylist()]

    def read_where(self, name: str, column: str, values: list[Any]) -> list[Row] | None:
        """Rows of result ``name`` whose ``column`` is one of ``values``; ``None`` when it was not written."""
        table = self.table(name, where=(column, values))
        if table is None:
            return None
        return [jsonable_row(r) for r in _with_schema_columns(name, table).to_pylist()]

    def table(
        self, name: str, network_id: str | None = None, where: tuple[str, list[Any]] | None = None
    ) -> pa.Table | None:
        """Result ``name`` as written (of one network when given; rows whose column ``where[0]`` is one of
        ``where[1]`` when given); ``None`` when the table was not written. The one place rows are read: a server
        that indexes the results overrides it."""
        if not self.has(name):
            return None
        filters: list[tuple[str, str, Any]] = []
        if network_id is not None:
            filters.append(("network_id", "=", network_id))
        if where is not None:
            filters.append((where[0], "in", where[1]))
        return pq.read_table(self.path / f"{name}.parquet", filters=filters or None)

    def column(self, name: str, column: str) -> pa.ChunkedArray | None:
        """One column of a whole result, for cheap global facts (the data's last month); ``None`` if absent."""
        if not self.has(name) or column not in pq.read_schema(self.path / f"{name}.parquet").names:
            return None
        return pq.read_table(self.path / f"{name}.parquet", columns=[column]).column(column)

    def manifest(self) -> dict[str, Any]:
        """The scan's manifest (empty when missing), with the time it was written taken from the file."""
        file = self.path / "manifest.json"
        if not file.is_file():
            return {}
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        written = datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)
        return {**data, "written_at": written.isoformat(timespec="seconds")}


def _with_schema_columns(name: str, table: pa.Table) -> pa.Table:
    """Add the documented columns an older scan did not write, as nulls of the documented type."""
    schema = RESULT_SCHEMAS.get(name)
    if schema is None:
        return table
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field.name, pa.nulls(table.num_rows, field.type))
    return table


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def jsonable_row(row: Row) -> Row:
    """A result row as JSON takes it: times as ISO text, non-finite floats as null."""
    return {k: _jsonable(v) for k, v in row.items()}
