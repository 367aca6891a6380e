"""Reading the ``labels`` table for ``evaluate``: through the data contract, so that a dirty label row is
quarantined exactly as a scan would quarantine it and never counts in a metric.

Three kinds of source: a dataset (directory or DuckDB file), validated whole so that labels of stores, reviews
or declarations the scan rejected are rejected too (``dangling_reference``); a lone ``labels.parquet`` /
``labels.csv`` file or an Arrow table, checked by the contract's row rules without references (there is no
dataset to refer to).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.contract import TABLES, TableReport, validate, validate_sources
from marketguard.contract.load import DUCKDB_SUFFIXES, Source
from marketguard.contract.validate import describe_reason
from marketguard.engine import make_backend
from marketguard.errors import ContractError
from marketguard.evaluate.inputs import EvaluationError

__all__ = ["LabelSet", "read_labels"]

SPEC = TABLES["labels"]
#: Per entity and id, the label that counts: an entity labelled both ways counts as counterfeit / fake, as
#: the detectors read it (``marketguard.detect.scoring.entity_labels``), so evaluation and training agree.
LABELS_SQL = (
    "SELECT entity_type, entity_id, max(label) AS label, min(label) <> max(label) AS is_conflicting "
    "FROM labels WHERE entity_type IS NOT NULL AND entity_id IS NOT NULL GROUP BY entity_type, entity_id "
    "ORDER BY entity_type, entity_id"
)


@dataclass
class LabelSet:
    """The usable labels, one row per entity (``entity_type, entity_id, label, is_conflicting``), where they
    came from, and how many rows were quarantined and why."""

    table: pa.Table
    source: str
    dataset: Path | None = None
    owners: pa.Table | None = None  # store_id, account_id of the dataset (None for a lone labels file)
    report: dict[str, Any] = field(default_factory=dict)

    def of(self, entity_type: str) -> pa.Table:
        """``entity_id, label`` of one entity type."""
        rows = self.table.filter(pc.equal(self.table.column("entity_type"), entity_type))
        return rows.select(["entity_id", "label", "is_conflicting"])


def read_labels(labels: Path | str | pa.Table, engine: str = "duckdb") -> LabelSet:
    """Read and check ``labels``: a dataset directory or DuckDB file, a labels file, or an Arrow table.

    Raises
    ------
    EvaluationError
        When no labels table is found, when ``labels`` is the simulator's truth, or when no label row is usable.
    ContractError
        When the dataset has structural problems (as ``marketguard validate`` would report).
    """
    if isinstance(labels, pa.Table):
        return _checked_alone(labels, "the labels table given", engine)
    path = Path(labels)
    if path.is_file() and path.suffix in DUCKDB_SUFFIXES:
        return _from_dataset(path, engine)
    if path.is_file():
        if path.suffix not in (".parquet", ".csv"):
            raise EvaluationError(
                f"labels {path} is not a .parquet, .csv or DuckDB file: pass the dataset or its labels file"
            )
        return _checked_alone(Source("labels", path, path.suffix.lstrip(".")), str(path), engine)
    if not path.is_dir():
        raise EvaluationError(f"labels {path} does not exist: pass the dataset or its labels file")
    if _is_truth(path):
        raise EvaluationError(
            f"{path} is the simulator's truth, not a dataset: pass it as truth, or pass {path.parent} as labels"
        )
    if any((path / f"stores.{ext}").is_file() for ext in ("parquet", "csv")):
        return _from_dataset(path, engine)
    files = [path / f"labels.{ext}" for ext in ("parquet", "csv") if (path / f"labels.{ext}").is_file()]
    if len(files) == 1:
        return _checked_alone(Source("labels", files[0], files[0].suffix.lstrip(".")), str(files[0]), engine)
    raise EvaluationError(
        f"{path} has no labels: pass a dataset with a labels table (entity_type, entity_id, label) or a labels "
        "file"
    )


def _is_truth(path: Path) -> bool:
    stores = path / "stores.parquet"
    return stores.is_file() and "is_counterfeit" in pq.read_schema(stores).names


def _from_dataset(dataset: Path, engine: str) -> LabelSet:
    """Validate the whole dataset, as a scan does, and keep its accepted labels."""
    with make_backend(engine) as backend:
        tables, report = validate(backend, dataset)
        if not tables.has("labels"):
            raise EvaluationError(
                f"{dataset} has no labels table: add labels.parquet or labels.csv (entity_type, entity_id, "
                "label), or evaluate against the simulator's truth"
            )
        table = backend.fetch(LABELS_SQL, "evaluation labels")
        owners = backend.fetch("SELECT store_id, account_id FROM stores", "evaluation store owners")
    return _usable(LabelSet(table, str(dataset), dataset, owners, _info(report.tables["labels"])))


def _checked_alone(source: Source | pa.Table, name: str, engine: str) -> LabelSet:
    """A labels file or table on its own: the contract's rules, without references to check (there is no
    dataset to refer to)."""
    with TemporaryDirectory(prefix="marketguard-labels-") as tmp:
        if isinstance(source, pa.Table):
            path = Path(tmp) / "labels.parquet"
            pq.write_table(source, path)
            source = Source("labels", path, "parquet")
        with make_backend(engine) as backend:
            try:
                _, report = validate_sources(backend, {"labels": source})
            except ContractError as exc:
                problems = "; ".join(str(problem) for problem in exc.problems)
                raise EvaluationError(f"{name} cannot be read as labels: {problems}") from exc
            table = backend.fetch(LABELS_SQL, "evaluation labels")
    return _usable(LabelSet(table, name, report=_info(report.tables["labels"])))


def _info(labels: TableReport) -> dict[str, Any]:
    """Rows read, accepted and quarantined per reason, with the lines a scan's report gives them."""
    return {
        "rows_read": labels.rows_read,
        "rows_accepted": labels.rows_accepted,
        "rows_quarantined": labels.rows_quarantined,
        "quarantine": dict(labels.reasons),
        "quarantine_lines": [
            describe_reason("labels", code, n, labels.examples.get(code, []))
            for code, n in labels.reasons.items()
        ],
    }


def _usable(labels: LabelSet) -> LabelSet:
    """``labels`` when at least one row survived the checks; otherwise an error listing why none did."""
    if labels.table.num_rows:
        return labels
    reasons = labels.report.get("quarantine_lines") or []
    why = (
        ("; every row was quarantined: " + " | ".join(reasons)) if reasons else ": the labels table is empty"
    )
    raise EvaluationError(f"no usable labels in {labels.source}{why}")
