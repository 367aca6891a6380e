"""Connected components on integer-coded edge lists, with scipy.sparse.csgraph.

Notes
-----
Union of edges into a sparse adjacency matrix and a breadth-first labelling: O(V + E) time and memory
(scipy's ``connected_components``). Measured at about 1.6 s for 1M nodes / 3M edges on two cores.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _scipy_components

__all__ = ["bipartite_components", "connected_components", "encode", "encode_sorted"]


def encode(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dense integer codes for string ids (first-seen order) and the dictionary to decode them.

    One hash table over every chunk (``unique`` then ``index_in``): dictionary-encoding chunk by chunk and
    unifying the dictionaries afterwards is quadratic in the number of chunks (minutes on 15M rows).
    """
    dictionary = pc.unique(values)
    codes = pc.index_in(values, value_set=dictionary)
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    return codes.to_numpy(zero_copy_only=False).astype(np.int64, copy=False), dictionary


def encode_sorted(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dense integer codes in sorted-id order (-1 for nulls): the same ids get the same codes whatever the
    input order, so order-sensitive algorithms (Leiden) give the same answer on the same graph."""
    dictionary = pc.unique(values.drop_null())
    dictionary = dictionary.take(pc.array_sort_indices(dictionary))
    codes = pc.fill_null(pc.index_in(values, value_set=dictionary), -1)
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    return codes.to_numpy(zero_copy_only=False).astype(np.int64, copy=False), dictionary


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values: by sorting, which on integer keys is many times faster than ``np.unique``'s
    hashing (0.6 s against 0.005 s for 600k keys with numpy 2.4)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


#: Up to this many edges (and twice as many nodes), a union-find in Python labels the graph faster than building
#: scipy's sparse matrix, whose fixed cost is about 0.3 ms (the live index re-clusters small regions thousands of
#: times a replay). Many nodes with few edges stay with scipy: the loop here visits every node.
SMALL_GRAPH_EDGES = 64


def connected_components(src: np.ndarray, dst: np.ndarray, n_nodes: int) -> np.ndarray:
    """Component label per node for an undirected graph given as two code arrays: components are numbered in
    order of their smallest node, as scipy's traversal numbers them."""
    if n_nodes == 0:
        return np.empty(0, np.int64)
    if len(src) <= SMALL_GRAPH_EDGES and n_nodes <= 2 * SMALL_GRAPH_EDGES:
        return _small_components(src.tolist(), dst.tolist(), n_nodes)
    data = np.ones(len(src), dtype=np.int8)
    graph = coo_matrix((data, (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
    _, labels = _scipy_components(graph, directed=False)
    return labels.astype(np.int64, copy=False)


def _small_components(src: list[int], dst: list[int], n_nodes: int) -> np.ndarray:
    """:func:`connected_components` of a few edges: union-find, then labels by smallest node."""
    parent = list(range(n_nodes))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = x = parent[parent[x]]
        return x

    for a, b in zip(src, dst, strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    label: dict[int, int] = {}
    return np.array([label.setdefault(root(x), len(label)) for x in range(n_nodes)], np.int64)


def bipartite_components(left: np.ndarray, right: np.ndarray, n_left: int, n_right: int) -> np.ndarray:
    """Component label of each left node (e.g. account) when left and right (artifacts) nodes are joined by
    the given edges. Right nodes are offset after the left ones; only left labels are returned."""
    labels = connected_components(left, right + n_left, n_left + n_right)
    return labels[:n_left]
