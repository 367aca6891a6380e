"""Network-mate aggregation: each store's signals averaged over the other stores of its operator network.

The GADBench study (Tang et al., NeurIPS 2023) found that tree ensembles over a node's features plus its
neighbours' aggregated features beat specialised fraud GNNs; for a store, the neighbours that matter are the
other stores its operator runs.
"""

from __future__ import annotations

import numpy as np


def mean_of_mates(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per row and column: the mean of the known values of the *other* rows with the same group code.

    ``values`` is (rows, columns) with NaN for unknown; ``groups`` holds a non-negative code per row, or -1
    for a row in no group. NaN where a row has no mates with a known value.
    """
    out = np.full(values.shape, np.nan)
    member = groups >= 0
    if not member.any():
        return out
    codes = groups[member]
    n_groups = int(codes.max()) + 1
    for j in range(values.shape[1]):
        x = values[member, j]
        known = ~np.isnan(x)
        filled = np.where(known, x, 0.0)
        total = np.bincount(codes, weights=filled, minlength=n_groups)[codes] - filled
        count = np.bincount(codes, weights=known.astype(np.float64), minlength=n_groups)[codes] - known
        with np.errstate(invalid="ignore", divide="ignore"):
            out[member, j] = np.where(count > 0, total / count, np.nan)
    return out
