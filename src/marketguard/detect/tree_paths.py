"""Per-feature contributions of a LightGBM model along each row's decision paths (Saabas, as in treeinterpreter).

Walking a row down a tree, each split moves the expected output from the parent node's value to the child's;
the move is credited to the split's feature. Summed over trees, the credits plus the trees' root values are the
row's raw score exactly. TreeSHAP (``predict(pred_contrib=True)``) spreads credit over every path a feature
could change, which costs O(leaves x depth^2) per tree and row; the path credit costs O(depth). Reasons for
hundreds of thousands of scored rows use the path credit; on the project's models its strongest feature agrees
with TreeSHAP's for nearly every row (``tests/detect/test_tree_paths.py`` pins how often).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from marketguard.threads import thread_budget

__all__ = ["PathExplainer", "path_contributions"]


def path_contributions(booster: Any, X: np.ndarray) -> np.ndarray:
    """Credits per (row, feature) plus a last column with the sum of the trees' root values (the bias), shaped
    like ``booster.predict(X, pred_contrib=True)``; each row sums to its raw score."""
    return PathExplainer(booster).contributions(X)


class PathExplainer:
    """:func:`path_contributions` for one booster, its trees flattened once (reading them back from LightGBM
    costs far more than walking a row: what explaining one row at a time needs)."""

    def __init__(self, booster: Any) -> None:
        self._trees = _flatten(booster.dump_model()["tree_info"])
        self._n_features = booster.num_feature()
        self._threads = min(thread_budget(), numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]

    def contributions(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        numba.set_num_threads(self._threads)
        return _walk(X, *self._trees, self._n_features)  # type: ignore[call-arg, arg-type]  # a numba dispatcher

    def raw(self, x: np.ndarray) -> float:
        """One row's raw score: its leaves' values summed tree by tree, as LightGBM sums them, without the
        tenth of a millisecond ``Booster.predict`` spends per call on checking and converting its input."""
        return float(_leaves(np.ascontiguousarray(x, dtype=np.float64), *self._trees))

    def raws(self, X: np.ndarray) -> np.ndarray:
        """:meth:`raw` for each row of ``X`` in one call (a live event re-scores a network's stores together)."""
        return _leaves_of_rows(np.ascontiguousarray(X, dtype=np.float64), *self._trees)


def _flatten(tree_info: list[dict]) -> tuple[np.ndarray, ...]:
    """All trees as flat node arrays: feature, threshold, default-left, missing kind, children, value; leaves are
    encoded as feature -1. ``roots`` holds each tree's first node."""
    feature: list[int] = []
    threshold: list[float] = []
    default_left: list[int] = []  # 0 / 1
    missing: list[int] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    kinds = {"None": 0, "Zero": 1, "NaN": 2}

    def add(node: dict) -> int:
        at = len(feature)
        for column in (feature, threshold, default_left, missing, left, right, value):
            column.append(0)
        if "leaf_index" in node or "split_feature" not in node:
            feature[at], value[at], left[at], right[at] = -1, node.get("leaf_value", 0.0), -1, -1
            return at
        if node["decision_type"] != "<=":
            raise ValueError(f"path credits handle numeric splits only, not {node['decision_type']!r}")
        feature[at], threshold[at] = node["split_feature"], node["threshold"]
        default_left[at], missing[at] = int(node["default_left"]), kinds[node["missing_type"]]
        value[at] = node["internal_value"]
        left[at] = add(node["left_child"])
        right[at] = add(node["right_child"])
        return at

    for tree in tree_info:
        roots.append(add(tree["tree_structure"]))
    return (
        np.array(feature, np.int64),
        np.array(threshold, np.float64),
        np.array(default_left, np.bool_),
        np.array(missing, np.int8),
        np.array(left, np.int64),
        np.array(right, np.int64),
        np.array(value, np.float64),
        np.array(roots, np.int64),
    )


@numba.njit(cache=True, parallel=True)
def _walk(
    X: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    default_left: np.ndarray,
    missing: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    value: np.ndarray,
    roots: np.ndarray,
    n_features: int,
) -> np.ndarray:
    out = np.zeros((X.shape[0], n_features + 1))
    for i in numba.prange(X.shape[0]):
        for root in roots:
            node = root
            out[i, n_features] += value[node]
            while feature[node] >= 0:
                go_left = _goes_left(X[i, feature[node]], missing[node], default_left[node], threshold[node])
                child = left[node] if go_left else right[node]
                out[i, feature[node]] += value[child] - value[node]
                node = child
    return out


@numba.njit(cache=True)
def _leaves(
    x: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    default_left: np.ndarray,
    missing: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    value: np.ndarray,
    roots: np.ndarray,
) -> float:
    total = 0.0
    for root in roots:
        node = root
        while feature[node] >= 0:
            go_left = _goes_left(x[feature[node]], missing[node], default_left[node], threshold[node])
            node = left[node] if go_left else right[node]
        total += value[node]
    return total


@numba.njit(cache=True)
def _leaves_of_rows(
    X: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    default_left: np.ndarray,
    missing: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    value: np.ndarray,
    roots: np.ndarray,
) -> np.ndarray:
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = _leaves(X[i], feature, threshold, default_left, missing, left, right, value, roots)
    return out


@numba.njit(cache=True, inline="always")
def _goes_left(x: float, kind: int, default_left: bool, threshold: float) -> bool:
    """LightGBM's routing of one value at a split (``kind``: the missing type, 0 None, 1 Zero, 2 NaN)."""
    if kind == 0 and np.isnan(x):  # no missing values seen in training: NaN reads as 0
        x = 0.0
    if (kind == 2 and np.isnan(x)) or (kind == 1 and (np.isnan(x) or x == 0.0)):
        return default_left
    return x <= threshold
