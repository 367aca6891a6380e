"""Label propagation as an absorbing random walk, with every labelled node's own label left out.

The harmonic function of Zhu, Ghahramani & Lafferty (2003): a walk leaves a node along weighted edges, each step
chosen in proportion to the edge's weight, and is absorbed at the first labelled node it meets; a node's value is
the chance of being absorbed at a node of a given label. Each node also has a tie of weight ``leak`` to nowhere,
so a walk from a node whose evidence is thin ends nowhere more often than at a label (one weak edge to a labelled
node is not a certainty).

A labelled node's value must not read its own label (a model trained on the values would learn the answer), but
should read every other label, as an unlabelled node does. With ``G[n, j]`` the chance that a walk from ``n`` is
absorbed at labelled node ``j`` (a walk from a labelled node takes its first step before it can be absorbed),
the walk from labelled ``s`` with ``s`` not absorbing returns to ``s`` with chance ``G[s, s]`` and starts over:
its value is ``(sum_{j != s} G[s, j] y_j) / (1 - G[s, s])``. One pass computes ``G`` for every labelled node at
once as a sparse matrix whose columns grow only over the nodes a label's walks reach.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["absorption", "leave_one_out"]


def absorption(
    weights: sp.csr_matrix,
    labelled: np.ndarray,
    *,
    leak: float,
    tolerance: float = 1e-9,
    max_steps: int = 100_000,
) -> sp.csr_matrix:
    """``G`` (nodes x labelled nodes, in the order of ``np.flatnonzero(labelled)``): the chance that a walk from
    each node on the symmetric ``weights`` is absorbed at each labelled node, walked step by step until no chance
    moves by ``tolerance`` (the leak makes every step lose a share of the walk, so it converges)."""
    if leak <= 0:
        raise ValueError("the walk needs a positive leak to end")
    n = weights.shape[0]
    out_weight = np.asarray(weights.sum(axis=1)).ravel()
    steps = sp.csr_matrix(sp.diags(1.0 / (out_weight + leak)) @ weights)  # row-stochastic but for the leak
    into_label = steps[:, np.flatnonzero(labelled)].tocsr()  # one step straight into a labelled node
    through = sp.csr_matrix(steps @ sp.diags((~labelled).astype(np.float64), shape=(n, n)))  # into the others
    through.eliminate_zeros()
    reached = into_label
    for _ in range(max_steps):
        walked = (into_label + through @ reached).tocsr()
        moved = walked - reached
        reached = walked
        if moved.nnz == 0 or np.abs(moved.data).max() < tolerance:
            break
    reached.sort_indices()
    return reached


def leave_one_out(reached: sp.csr_matrix, labelled: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per node: the chance its walk is absorbed at a labelled node of value 1 in ``values`` (one entry per
    labelled node, 1 or 0), a labelled node's own label left out (see the module)."""
    total = np.asarray(reached @ values, dtype=np.float64).ravel()
    rows = np.flatnonzero(labelled)
    if rows.size == 0:
        return total
    own = np.asarray(reached[rows, np.arange(rows.size)]).ravel()  # the chance a labelled node's walk returns
    total[rows] = (total[rows] - own * values) / (1.0 - own)
    return np.clip(total, 0.0, 1.0)
