"""``evaluate``: detection quality of a scan's results directory, against the simulator's ground truth or
against a dataset's labels.

The truth (``DATASET/truth``, written by the simulator) knows everything and supports every figure; labels
(known outcomes of past investigations, what real users have) support the ranking figures over the labelled
entities and a few network figures, and the result says which figures were skipped and why. Either way the
inputs are checked first (:mod:`marketguard.evaluate.inputs`): comparing results with another dataset's truth
or labels raises :class:`EvaluationError` rather than printing numbers without meaning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from marketguard.errors import ParameterError
from marketguard.evaluate.inputs import MIN_MATCH, EvaluationError
from marketguard.evaluate.label_metrics import evaluate_labels
from marketguard.evaluate.metrics import pairwise_scores, ranking_metrics
from marketguard.evaluate.operators import agency_integrity, network_merges, operator_recovery
from marketguard.evaluate.summary import metric_lines
from marketguard.evaluate.truth import declaration_metrics, evaluate_truth, merged_networks, review_metrics

__all__ = [
    "MIN_MATCH",
    "EvaluationError",
    "agency_integrity",
    "declaration_metrics",
    "evaluate",
    "evaluate_labels",
    "evaluate_truth",
    "merged_networks",
    "metric_lines",
    "network_merges",
    "operator_recovery",
    "pairwise_scores",
    "ranking_metrics",
    "review_metrics",
]


def evaluate(
    results: Path | str,
    truth: Path | str | None = None,
    *,
    labels: Path | str | pa.Table | None = None,
) -> dict[str, Any]:
    """Metrics of ``results`` against the simulator's ``truth`` directory or against ``labels``.

    Exactly one of the two: ``truth`` is a ``DATASET/truth`` directory (:func:`evaluate_truth`); ``labels`` is
    a dataset directory or DuckDB file, a labels file or an Arrow table (:func:`evaluate_labels`). The result's
    ``against`` says which, and ``warnings`` lists what did not fully match.

    Raises
    ------
    ParameterError
        When neither or both of ``truth`` and ``labels`` are given.
    EvaluationError
        When the inputs cannot be compared (see :func:`evaluate_truth` and :func:`evaluate_labels`).
    """
    if (truth is None) == (labels is None):
        given = "both" if truth is not None else "neither"
        raise ParameterError(
            f"evaluate needs exactly one of truth (the simulator's DATASET/truth directory) and labels (a "
            f"dataset or its labels file); got {given}"
        )
    if truth is not None:
        return evaluate_truth(results, truth)
    assert labels is not None
    return evaluate_labels(results, labels)
