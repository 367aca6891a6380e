"""``train_model``: fit the store risk model on a dataset's labelled stores and save it, as ``marketguard
train`` runs it. ``marketguard scan --model`` then scores new data with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marketguard.contract import validate
from marketguard.contract.settings import ValidationSettings
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.detect.store_risk import StoreRiskModel
from marketguard.engine import make_backend
from marketguard.pipeline.output import check_output_file


def train_model(
    dataset: Path | str,
    out: Path | str,
    *,
    engine: str = "duckdb",
    min_link_strength: float = 0.5,
    settings: ValidationSettings | None = None,
    signals: str = "all",
    min_labels: int = 30,
) -> dict[str, Any]:
    """Validate ``dataset``, link operators, train on its store labels and write the model file ``out``.

    ``signals="live"`` trains on the groups events keep current, with networks linked by the evidence the live
    path's operator index follows (internet environment and identities): the model a
    :class:`~marketguard.live.scorer.LiveScorer` scores with, and the batch scan scores the same way.

    Returns the training summary saved with the model (signals, training size, cross-fitted metrics, and the
    label selection check: how unlike the other stores the labelled ones are).
    Raises :class:`~marketguard.errors.ParameterError` when the labels hold fewer than the model's
    ``min_labels`` stores of either outcome, and :class:`~marketguard.errors.OutputError` (before any work)
    when ``out`` cannot be written.
    """
    check_output_file(Path(out), "model file")
    with make_backend(engine) as backend:
        tables, _ = validate(backend, Path(dataset), settings=settings)
        kinds = () if signals == "live" else None  # the live index links by environment and identities only
        OperatorLinker(min_link_strength=min_link_strength, kinds=kinds).fit(tables)
        model = StoreRiskModel(mode="supervised", signals=signals, min_labels=min_labels).fit(tables)
    model.check_selection()
    model.save(out)
    return {
        "model": str(out),
        "features": len(model.feature_names_),
        "signals": signals,
        "stores": model.signals_.num_rows,
        "labels": model.n_labels_,
        "metrics": model.metrics_,
    }
