"""Metrics against ground truth: ranking quality of scores and pairwise agreement of clusterings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.metrics import average_precision_score, roc_auc_score


def ranking_metrics(
    y_true: np.ndarray, score: np.ndarray, *, tie_break: np.ndarray | None = None
) -> dict[str, float]:
    """ROC-AUC, average precision, and precision among the top k where k = number of positives."""
    y_true = np.asarray(y_true, dtype=bool)
    k = int(y_true.sum())
    if k == 0 or k == len(y_true):
        return {
            "roc_auc": float("nan"),
            "average_precision": float("nan"),
            "precision_at_k": float("nan"),
            "k": k,
        }
    order = top_k_order(score, tie_break)
    return {
        "roc_auc": float(roc_auc_score(y_true, score)),
        "average_precision": float(average_precision_score(y_true, score)),
        "precision_at_k": float(y_true[order[:k]].mean()),
        "k": k,
    }


def top_k_order(score: np.ndarray, tie_break: np.ndarray | None = None) -> np.ndarray:
    """Indices by descending score; ties broken by ``tie_break`` ascending (e.g. ids), else by position."""
    keys = [np.arange(len(score))] if tie_break is None else [tie_break]
    return np.lexsort((*keys, -np.asarray(score, dtype=float)))


def _pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def pairwise_scores(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Pairwise precision/recall/F1: pairs of items in the same predicted cluster vs the same true cluster.

    ``predicted`` and ``truth`` are integer cluster codes per item; a negative predicted code means the item
    is in no cluster (a singleton).
    """
    predicted, truth = np.asarray(predicted), np.asarray(truth)
    clustered = predicted >= 0
    pred_pairs = _pairs(np.unique(predicted[clustered], return_counts=True)[1])
    true_pairs = _pairs(np.unique(truth, return_counts=True)[1])
    joint = np.stack([predicted[clustered], truth[clustered]], axis=1)
    both = _pairs(np.unique(joint, axis=0, return_counts=True)[1]) if len(joint) else 0
    precision = both / pred_pairs if pred_pairs else float("nan")
    recall = both / true_pairs if true_pairs else float("nan")
    f1 = (
        (2 * precision * recall / (precision + recall))
        if pred_pairs and true_pairs and (precision + recall)
        else 0.0
    )
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_pairs": pred_pairs,
        "true_pairs": true_pairs,
        "correct_pairs": both,
    }


def value_codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Integer codes per value (cluster ids, farm ids), -1 for null: what the pairwise scores compare."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    return pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def dominant_values(
    keys: pa.Array | pa.ChunkedArray, values: pa.Array | pa.ChunkedArray, min_share: float = 0.0
) -> dict[str, str]:
    """Per key, its most frequent value (ties: the smallest value) when that holds at least ``min_share`` of the
    key's rows; rows missing either side are left out (e.g. a ring's farm, a network's operator)."""
    t = pa.table({"k": keys, "v": values})
    t = t.filter(pc.and_(pc.is_valid(t.column("k")), pc.is_valid(t.column("v"))))
    counts = t.group_by(["k", "v"], use_threads=False).aggregate([("v", "count")])
    best: dict[str, str] = {}
    total: dict[str, int] = {}
    top: dict[str, int] = {}
    for k, v, n in sorted(zip(*counts.to_pydict().values(), strict=True), key=lambda r: (r[0], -r[2], r[1])):
        total[k] = total.get(k, 0) + n
        if k not in best:
            best[k], top[k] = v, n
    return {k: v for k, v in best.items() if top[k] >= min_share * total[k]}
