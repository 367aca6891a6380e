"""Scoring shared by the detectors: oriented percentiles (unsupervised) and cross-fitted LightGBM (supervised).

Unsupervised, each signal becomes a percentile oriented so that 1 is its riskiest end: no scale or outlier can
dominate a mean of them. Supervised, every labelled entity is scored by a model that never saw its label
(k-fold cross-fitting) and the rest by a model trained on all labels; Platt scaling fitted on the held-out
scores turns raw scores into probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.engine.tables import Tables
from marketguard.errors import ParameterError
from marketguard.features.signals import Signal
from marketguard.features.signals.catalogue import known_label_sql, known_labels_sql
from marketguard.threads import thread_budget


def entity_labels(tables: Tables, entity_type: str, ids: pa.ChunkedArray) -> np.ndarray:
    """1 / 0 / NaN (unlabelled) per id of ``ids`` from the ``labels`` table; an entity labelled both ways
    counts as 1. A label dated after the data's "now" (its last login, as the signals read it) was not known
    when the data was cut and is left out: a model must not learn from the future. Undated labels are kept
    (nothing says when they were made)."""
    y = np.full(len(ids), np.nan)
    if not tables.has("labels"):
        return y
    labels = tables.fetch(known_labels_sql(tables, entity_type), f"{entity_type} labels")
    position = pc.index_in(labels.column("entity_id"), value_set=ids)
    found = pc.is_valid(position).to_numpy(zero_copy_only=False)
    rows = pc.fill_null(position, 0).to_numpy(zero_copy_only=False)[found].astype(np.int64)
    y[rows] = labels.column("label").to_numpy(zero_copy_only=False)[found]
    return y


def labels_after_now(tables: Tables, entity_type: str) -> int:
    """How many ``entity_type`` labels :func:`entity_labels` leaves out as dated after the data's "now"."""
    if not tables.has("labels"):
        return 0
    later = tables.fetch(
        f"SELECT count(*) AS n FROM labels WHERE entity_type = '{entity_type}' AND NOT {known_label_sql(tables)}",
        f"{entity_type} labels after the data",
    )
    return int(later.column("n")[0].as_py())


def choose_mode(mode: str, y: np.ndarray, min_labels: int, what: tuple[str, str, str], later: int = 0) -> str:
    """``"supervised"`` or ``"unsupervised"`` for a detector's ``mode`` and labels ``y`` (1 / 0 / NaN).

    ``"auto"`` trains when each class has ``min_labels`` labels; ``"supervised"`` insists on it (fewer give a
    model whose cross-fitted metrics mean little). ``what`` names the entities and both classes for the error,
    e.g. ("stores", "counterfeit", "legitimate"); ``later`` counts the labels left out as dated after the data
    (:func:`labels_after_now`), which the error names."""
    n_pos, n_neg = int(np.sum(y == 1)), int(np.sum(y == 0))
    enough = n_pos >= min_labels and n_neg >= min_labels
    if mode == "supervised" and not enough:
        entities, positive, negative = what
        raise ParameterError(
            f"supervised scoring needs at least {min_labels} labelled {entities} of each kind; the labels "
            f"hold {n_pos} {positive} and {n_neg} {negative} {entities}"
            + (
                f" ({later} more are dated after the data's last login, when they were not known yet, and are "
                "not learned from)"
                if later
                else ""
            )
            + f". Label more {entities}, or lower min_labels (--min-labels) knowingly"
        )
    return "supervised" if mode == "supervised" or (mode == "auto" and enough) else "unsupervised"


@dataclass
class CrossFitted:
    """A booster trained on every label, raw scores for all rows (held-out ones for labelled rows), the Platt
    calibration (slope, intercept) and the held-out ranking metrics."""

    booster: Any  # lightgbm.Booster (imported lazily)
    raw: np.ndarray
    calibration: tuple[float, float]
    metrics: dict[str, float]
    n_labelled: int


def cross_fit(
    X: np.ndarray, y: np.ndarray, feature_names: list[str], *, n_folds: int, random_state: int
) -> CrossFitted:
    """LightGBM on the rows of ``X`` whose ``y`` is 0 or 1 (NaN: unlabelled)."""
    import lightgbm as lgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    labelled = np.flatnonzero(~np.isnan(y))
    target = y[labelled].astype(np.int64)
    params = lgb_params(random_state)

    def train(rows: np.ndarray) -> lgb.Booster:
        data = lgb.Dataset(X[labelled[rows]], target[rows], feature_name=feature_names)
        return lgb.train(params, data)

    booster = train(np.arange(labelled.size))
    raw = np.asarray(booster.predict(X, raw_score=True), dtype=np.float64)
    held_out = np.empty(labelled.size)
    n_splits = min(n_folds, int(np.bincount(target).min()))
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for fit_rows, test_rows in folds.split(labelled, target):
        held_out[test_rows] = train(fit_rows).predict(X[labelled[test_rows]], raw_score=True)
    raw[labelled] = held_out  # a labelled row is scored by a model that never saw its label
    platt = LogisticRegression().fit(held_out.reshape(-1, 1), target)
    return CrossFitted(
        booster=booster,
        raw=raw,
        calibration=(float(platt.coef_[0, 0]), float(platt.intercept_[0])),
        metrics={
            "cross_fitted_roc_auc": float(roc_auc_score(target, held_out)),
            "cross_fitted_average_precision": float(average_precision_score(target, held_out)),
        },
        n_labelled=int(labelled.size),
    )


def lgb_params(seed: int) -> dict:
    """Small, regularised trees; deterministic (same data and seed, same model, whatever the thread count);
    threads from the process's budget (:func:`marketguard.threads.thread_budget`)."""
    return {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_iterations": 300,
        "num_leaves": 15,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.8,
        "lambda_l2": 1.0,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": thread_budget(),
        "verbosity": -1,
    }


def oriented_percentiles(x: np.ndarray, direction: int) -> np.ndarray:
    """Percentile in (0, 1] of each known value, 1 = riskiest end; NaN stays NaN."""
    out = np.full(x.shape, np.nan)
    x = np.round(x, 9)  # engines sum in different orders: equal values must stay tied on every engine
    known = ~np.isnan(x)
    n = int(known.sum())
    if n:
        from scipy.stats import rankdata  # scipy.stats takes 1.4 s to import: not at every command's start

        ranks = rankdata(x[known] if direction > 0 else -x[known])  # average ranks for ties
        out[known] = ranks / n
    return out


def strongest(lift: np.ndarray, n: int) -> list[int]:
    """The columns of the ``n`` largest positive lifts of one row, strongest first (ties: column order). The
    one rule for which signals become a detector's reasons."""
    return [int(j) for j in np.argsort(-lift, kind="stable")[:n] if lift[j] > 0]


def strongest_own_first(lift: np.ndarray, n: int, of_mates: np.ndarray) -> list[int]:
    """:func:`strongest`, but a row whose ``n`` strongest lifts are all its network mates' features
    (``of_mates``) while one of its own raised it too gets its strongest own in place of the weakest: a store's
    reasons always show its own evidence when it has any, not only its network's."""
    picked = strongest(lift, n)
    if picked and all(of_mates[j] for j in picked):
        own = strongest(np.where(of_mates, 0.0, lift), 1)
        if own:
            picked = [*picked[: n - 1], own[0]] if len(picked) == n else [*picked, own[0]]
    return picked


def value_sentence(signal: Signal, value: float) -> str:
    if np.isnan(value):
        return f"{signal.meaning}: unknown"
    value += 0.0  # -0.0 (an entropy of one outcome, say) reads as 0
    if signal.says:
        return signal.says.format(value=value)
    as_percent = signal.name.startswith("share_") or signal.name.endswith("_ratio")
    shown = f"{value:.0%}" if as_percent else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{signal.meaning}: {shown}"
