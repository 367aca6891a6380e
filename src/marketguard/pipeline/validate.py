"""``validate_dataset``: the contract checks alone, as ``marketguard validate`` runs them."""

from __future__ import annotations

from pathlib import Path

from marketguard.contract import ValidationReport, validate
from marketguard.contract.settings import ValidationSettings
from marketguard.engine import make_backend
from marketguard.pipeline.output import check_results_dir


def validate_dataset(
    dataset: Path | str,
    *,
    out: Path | str | None = None,
    engine: str = "duckdb",
    settings: ValidationSettings | None = None,
) -> ValidationReport:
    """Check ``dataset``; with ``out``, rejected rows are written to ``out/quarantine/<table>.parquet``.

    Raises :class:`~marketguard.errors.ContractError` listing every structural problem, and
    :class:`~marketguard.errors.OutputError` (before any work) when ``out`` cannot be written.
    """
    quarantine = check_results_dir(Path(out)) / "quarantine" if out is not None else None
    with make_backend(engine) as backend:
        _, report = validate(backend, Path(dataset), quarantine_dir=quarantine, settings=settings)
    return report
