"""Networks from weighted account links: connected components, with oversized components split by Leiden.

Notes
-----
Components: O(V + E) with scipy. A component larger than ``max_size`` usually chains unrelated groups through a
few weak links (a shared e-commerce park, a popular café); it is split with the Leiden algorithm (Traag, Waltman
& van Eck, "From Louvain to Leiden: guaranteeing well-connected communities", Sci. Rep. 2019) maximising weighted
modularity with a resolution parameter (the Reichardt-Bornholdt configuration-model quality
``Q = 1/2m sum_ij (A_ij - resolution k_i k_j / 2m) [c_i = c_j]``), on that component only. The library is
``graspologic-native`` (MIT): a Rust implementation of Leiden from the graspologic project. Leiden is run again
from its own partition until a pass no longer raises the quality (what leidenalg's ``n_iterations=-1`` does).
Each pass is near-linear in the component's edges; oversized components are small (60 to 150 accounts on the
simulated marketplaces, a few milliseconds each).

Deterministic for a given ``seed`` (and library version): the library's generator is seeded, nodes and edges
are handed over in a fixed order, and parts are numbered by their first node.
"""

from __future__ import annotations

import graspologic_native
import numpy as np

from marketguard.graph.components import connected_components

__all__ = ["leiden", "weighted_networks"]

#: Leiden passes at most (each starts from the previous partition); the quality rises at every pass kept, so this
#: only bounds pathological inputs. On the simulated marketplaces two or three passes settle.
_MAX_PASSES = 50
#: A pass must raise the quality by more than this to be kept (rounding noise is not progress).
_TOLERANCE = 1e-12


def weighted_networks(
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    n_nodes: int,
    *,
    max_size: int = 60,
    resolution: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Network label per node: components of the link graph, oversized ones split into Leiden communities.

    Labels are dense integers; isolated nodes get their own label. Only components of more than ``max_size``
    nodes are split; the others are kept whole whatever their shape.
    """
    labels = connected_components(src, dst, n_nodes)
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes > max_size)
    if big.size == 0:
        return labels
    next_label = int(labels.max()) + 1
    edge_component = labels[src]
    for component in big:
        nodes = np.flatnonzero(labels == component)
        inside = edge_component == component
        local = np.searchsorted(nodes, np.stack([src[inside], dst[inside]]))
        parts = leiden(local[0], local[1], weight[inside], nodes.size, resolution=resolution, seed=seed)
        labels[nodes] = parts + next_label
        next_label += int(parts.max()) + 1
    return np.unique(labels, return_inverse=True)[1]


def leiden(
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    n_nodes: int,
    *,
    resolution: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Leiden community per node (dense, numbered in order of each community's first node) of an undirected
    weighted graph on nodes ``0 .. n_nodes - 1``.

    Repeated edges add their weights (a multigraph, as igraph reads one). A node without edges is a community
    of its own. Quality: weighted modularity with ``resolution`` (see the module notes).
    """
    if n_nodes == 0:
        return np.empty(0, dtype=np.int64)
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    pair, where = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)
    total = np.bincount(where.ravel(), weights=weight, minlength=len(pair))
    membership = np.full(n_nodes, -1, dtype=np.int64)
    if len(pair):
        edges = [(str(u), str(v), w) for (u, v), w in zip(pair.tolist(), total.tolist(), strict=True)]
        communities = _until_stable(edges, resolution, seed)
        found = np.fromiter(map(int, communities.keys()), dtype=np.int64, count=len(communities))
        membership[found] = np.fromiter(communities.values(), dtype=np.int64, count=len(communities))
    alone = membership < 0  # no edges: graspologic never sees the node
    membership[alone] = membership.max() + 1 + np.arange(int(alone.sum()))
    _, first, inverse = np.unique(membership, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse]


def _until_stable(edges: list[tuple[str, str, float]], resolution: float, seed: int) -> dict[str, int]:
    """Leiden passes, each from the previous partition, while the quality rises (leidenalg's
    ``n_iterations=-1``)."""
    seed = seed % 2**64  # the library's generator takes an unsigned 64-bit seed
    quality, communities = graspologic_native.leiden(edges, resolution=resolution, seed=seed)
    for _ in range(_MAX_PASSES - 1):
        better, again = graspologic_native.leiden(
            edges, starting_communities=communities, resolution=resolution, seed=seed
        )
        if better <= quality + _TOLERANCE:
            break
        quality, communities = better, again
    return communities
