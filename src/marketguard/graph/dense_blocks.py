"""Dense blocks in a bipartite graph (reviewers x listings): review rings, found by greedy peeling.

Fraudar (Hooi, Song, Beutel, Shah, Shin & Faloutsos, "FRAUDAR: Bounding Graph Fraud in the Face of Camouflage", KDD
2016): the density of a node set S is (sum of the weights of the edges inside S) / |S|. Peeling repeatedly removes
the node whose remaining edges weigh least and keeps the densest set seen; that set is within a factor 2 of the
densest subgraph. Greedy peeling keeps two disjoint blocks of similar density together (neither is peeled before
the other), so a found block is split into its connected components, each reported with its own density: two review
farms working for different clients come out as two rings. Edge weights 1 / log(column degree + 5) discount popular
listings, so fraudsters who camouflage themselves by also reviewing popular items gain nothing from it. After a
block is found its edges are removed and peeling starts again, for several blocks.

Notes
-----
O(E log V) per block: an indexed binary heap (decrease-key) over the nodes' remaining weights, compiled with
numba. Integer-coded inputs; deterministic (ties broken by node code).

Rounds after the first prune before they peel. While any node's remaining weight is under a density L, the greedy
removes such a node, so it peels exactly the nodes outside the L-core (the largest node set in which every node
keeps weight >= L) before any node inside; and while it does, the density only rises once it has reached L
(removing a node lighter than the density raises the density). So if the peel's best density is at least L,
queue-pruning to the L-core first (O(E), no heap) and peeling the core alone finds the same block. L is 0.8 x the
previous round's density; a round whose best falls under its L runs again with that best as L (a real node set's
density, which the full peel rarely falls under), then with L / 4, and so on down to no pruning. A round reads only
the edges between nodes whose core number (the largest L whose L-core holds them, from one peel of the whole graph
before the first round: Batagelj & Zaversnik's core decomposition) is at least its L: removing a block's edges only
shrinks cores, so those nodes hold the round's L-core, and the L-core of the subgraph they span is the graph's. A
round then reads its candidates' edges, not the whole graph's: at 100k stores (a million reviews, 54 rounds) the
rings took 9.8 s instead of 12.0, the same blocks to the last bit. Weights are peeled as exact integers (units of
2^-24), so that the pruned and the full peel, which remove nodes in different orders, see the same priorities to
the last bit and break ties alike. Most of the graph is sparse and outside every core: later rounds cost a fraction
of the first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Block", "column_weights", "dense_blocks"]

#: Edge weights are peeled as integers in units of 2^-24: sums are then exact, so the order nodes are removed in
#: (pruned or not, ties broken by node code) cannot change a priority in its last bit.
WEIGHT_UNITS = 2**24
#: Each round after the first prunes to the core of this share of the previous round's density.
FLOOR_SHARE = 0.8


@dataclass(frozen=True)
class Block:
    """One dense block: its row nodes (e.g. reviewers), column nodes (listings) and density."""

    rows: np.ndarray
    cols: np.ndarray
    density: float
    weight: float  # sum of the weights of the edges inside
    edges: np.ndarray  # indices (into the input edge list) of the edges inside


def column_weights(cols: np.ndarray, n_cols: int, constant: float = 5.0) -> np.ndarray:
    """Fraudar's camouflage-resistant edge weights: 1 / log(degree of the edge's column + ``constant``)."""
    degree = np.bincount(cols, minlength=n_cols).astype(np.float64)
    return 1.0 / np.log(degree[cols] + constant)


def dense_blocks(
    rows: np.ndarray,
    cols: np.ndarray,
    n_rows: int,
    n_cols: int,
    *,
    weights: np.ndarray | None = None,
    n_blocks: int = 1,
    min_rows: int = 2,
    split: bool = True,
) -> list[Block]:
    """Dense blocks from up to ``n_blocks`` rounds of peeling, densest first. ``weights`` per edge (default:
    :func:`column_weights`); a round's block with fewer than ``min_rows`` row nodes is set aside, not
    reported, and the search goes on.
    ``split``: report each connected component of a round's block (with at least ``min_rows`` rows) as a
    block of its own."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    w = column_weights(cols, n_cols) if weights is None else np.asarray(weights, dtype=np.float64)
    units = np.rint(w * WEIGHT_UNITS).astype(np.int64)
    alive = np.ones(rows.size, dtype=np.bool_)
    blocks: list[Block] = []
    floor = 0.0  # in weight units
    n_nodes = n_rows + n_cols
    core_number = _core_numbers(rows, cols + n_rows, units, n_nodes) if n_blocks > 1 else None
    for _ in range(n_blocks):
        if not alive.any():
            break
        retried = False
        while True:
            keep, density = _peel_candidates(rows, cols + n_rows, units, alive, n_nodes, floor, core_number)
            if density >= floor:  # the pruned peel found what the full one would (module notes)
                break
            # the best it reached, then a quarter at a time (module notes)
            floor = density if not retried else (floor / 4.0 if floor > 1.0 else 0.0)
            retried = True
        floor = FLOOR_SHARE * density
        block_rows = np.flatnonzero(keep[:n_rows])
        inside = alive & keep[rows] & keep[cols + n_rows]
        if block_rows.size < min_rows:
            pass  # too few rows to be a block (one heavy reviewer, say): set aside, keep looking
        elif split:
            blocks += _components(np.flatnonzero(inside), rows, cols, w, n_rows, n_cols, min_rows)
        else:
            edges = np.flatnonzero(inside)
            block_cols = np.flatnonzero(keep[n_rows:])
            total = float(w[edges].sum())
            blocks.append(
                Block(block_rows, block_cols, total / (block_rows.size + block_cols.size), total, edges)
            )
        alive &= ~inside  # the block's own edges are explained: look beyond
    return sorted(blocks, key=lambda b: (-b.density, int(b.rows[0])))


def _peel_candidates(
    src: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    alive: np.ndarray,
    n_nodes: int,
    floor: float,
    core_number: np.ndarray | None,
) -> tuple[np.ndarray, float]:
    """:func:`_peel` over the live edges between nodes whose core number reaches ``floor`` (module notes)."""
    if core_number is None or floor <= 0.0:
        return _peel(src, dst, w, alive, n_nodes, floor)
    edges = np.flatnonzero(alive & (core_number[src] >= floor) & (core_number[dst] >= floor))
    return _peel(src[edges], dst[edges], w[edges], np.ones(edges.size, np.bool_), n_nodes, floor)


def _components(
    edges: np.ndarray,
    all_rows: np.ndarray,
    all_cols: np.ndarray,
    all_w: np.ndarray,
    n_rows: int,
    n_cols: int,
    min_rows: int,
) -> list[Block]:
    """The connected components of one block's ``edges`` with at least ``min_rows`` rows, each a block with its
    own density. Grouped by sorting: a loose last block can hold tens of thousands of components."""
    rows, cols, w = all_rows[edges], all_cols[edges], all_w[edges]
    n = n_rows + n_cols
    graph = coo_matrix((np.ones(rows.size), (rows, cols + n_rows)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    part = label[rows].astype(np.int64)
    # distinct (component, row) and (component, column) pairs, packed and sorted once: a component's rows
    # and columns are then slices
    row_pairs = np.unique(part * n_rows + rows)
    col_pairs = np.unique(part * n_cols + cols)
    row_part, col_part = row_pairs // n_rows, col_pairs // n_cols
    n_rows_of = np.bincount(row_part, minlength=int(label.max()) + 1 if label.size else 0)
    order = np.argsort(part, kind="stable")
    sorted_part = part[order]
    out = []
    for k in np.flatnonzero(n_rows_of >= min_rows):
        mine = order[np.searchsorted(sorted_part, k) : np.searchsorted(sorted_part, k, side="right")]
        r = row_pairs[np.searchsorted(row_part, k) : np.searchsorted(row_part, k, side="right")] % n_rows
        c = col_pairs[np.searchsorted(col_part, k) : np.searchsorted(col_part, k, side="right")] % n_cols
        total = float(w[mine].sum())
        out.append(Block(r, c, total / (r.size + c.size), total, edges[mine]))
    return out


@numba.njit(cache=True)
def _peel(
    src: np.ndarray, dst: np.ndarray, w: np.ndarray, alive: np.ndarray, n_nodes: int, floor: float
) -> tuple[np.ndarray, float]:
    """Greedy peeling over the live edges (integer weights ``w``), pruned first to the ``floor``-core; returns
    the densest node set and its density (under ``floor`` when the pruned peel cannot vouch for it)."""
    degree, priority, ptr, incident = _incidence(src, dst, w, alive, n_nodes)
    edge_dead = np.zeros(src.size, np.bool_)
    pruned = _prune_to_core(src, dst, w, ptr, incident, degree, priority, edge_dead, floor)
    # the peel reads the core alone, renumbered in node order (so ties break as by node) with its own adjacency,
    # neighbour and weight side by side: arrays the core's size instead of the graph's, read in order (made here,
    # not by a helper: the peel loop over arrays a compiled helper returned ran 0.5 s slower at 100k stores)
    core = np.flatnonzero((degree > 0) & ~pruned)
    size = core.size
    local = np.full(n_nodes, -1, np.int64)
    local[core] = np.arange(size)
    start = np.zeros(size + 1, np.int64)
    for i in range(size):
        live = 0
        for k in range(ptr[core[i]], ptr[core[i] + 1]):
            live += not edge_dead[incident[k]]
        start[i + 1] = start[i] + live
    mate = np.empty(start[size], np.int64)
    weight = np.empty(start[size], np.int64)
    rank = np.empty(size, np.int64)  # the core's priorities
    for i in range(size):
        v = core[i]
        rank[i] = priority[v]
        at = start[i]
        for k in range(ptr[v], ptr[v + 1]):
            e = incident[k]
            if not edge_dead[e]:
                mate[at] = local[src[e] if dst[e] == v else dst[e]]
                weight[at] = w[e]
                at += 1
    total = rank.sum() // 2  # every edge counted at both ends
    heap = np.arange(size)
    where = np.arange(size)
    for i in range(size // 2 - 1, -1, -1):
        _sift_down(heap, where, rank, i, size)
    gone = np.zeros(size, np.bool_)
    order = np.empty(size, np.int64)
    n_left = size
    best, best_at = total / n_left if n_left else 0.0, 0
    for step in range(order.size):
        i = _pop_lightest(heap, where, rank, size)
        size -= 1
        order[step] = i
        gone[i] = True
        total -= rank[i]
        for k in range(start[i], start[i + 1]):
            j = mate[k]
            if not gone[j]:  # an edge to a node peeled before was taken off then
                rank[j] -= weight[k]
                _sift_up(heap, where, rank, where[j])
        n_left -= 1
        if n_left > 0 and total / n_left > best:
            best, best_at = total / n_left, step + 1
    keep = np.zeros(n_nodes, np.bool_)
    for step in range(best_at, order.size):
        keep[core[order[step]]] = True
    return keep, best


@numba.njit(cache=True)
def _core_numbers(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n_nodes: int) -> np.ndarray:
    """Each node's core number: the largest L whose L-core (every node keeping weight >= L) holds it, by
    peeling the lightest node first and keeping the running maximum of the weights peeled (0 without edges)."""
    _, priority, ptr, incident = _incidence(src, dst, w, np.ones(src.size, np.bool_), n_nodes)
    heap = np.arange(n_nodes)
    where = np.arange(n_nodes)
    size = n_nodes
    for i in range(size // 2 - 1, -1, -1):
        _sift_down(heap, where, priority, i, size)
    gone = np.zeros(n_nodes, np.bool_)
    core = np.zeros(n_nodes, np.int64)
    level = 0
    while size > 0:
        v = _pop_lightest(heap, where, priority, size)
        size -= 1
        gone[v] = True
        level = max(level, priority[v])
        core[v] = level
        for k in range(ptr[v], ptr[v + 1]):
            e = incident[k]
            u = src[e] if dst[e] == v else dst[e]
            if not gone[u]:
                priority[u] -= w[e]
                _sift_up(heap, where, priority, where[u])
    return core


@numba.njit(cache=True)
def _prune_to_core(
    src: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    ptr: np.ndarray,
    incident: np.ndarray,
    degree: np.ndarray,
    priority: np.ndarray,
    edge_dead: np.ndarray,
    floor: float,
) -> np.ndarray:
    """Remove, queue order, every node whose remaining weight is under ``floor`` (updating ``priority`` and
    ``edge_dead``) until none is left: what remains is the ``floor``-core. Returns the removed nodes' mask."""
    n_nodes = degree.size
    pruned = np.zeros(n_nodes, np.bool_)
    if floor <= 0.0:
        return pruned
    queue = np.empty(n_nodes, np.int64)
    tail = 0
    for v in range(n_nodes):
        if degree[v] > 0 and priority[v] < floor:
            pruned[v] = True
            queue[tail] = v
            tail += 1
    head = 0
    while head < tail:
        v = queue[head]
        head += 1
        for k in range(ptr[v], ptr[v + 1]):
            e = incident[k]
            if edge_dead[e]:
                continue
            edge_dead[e] = True
            u = src[e] if dst[e] == v else dst[e]
            priority[u] -= w[e]
            if not pruned[u] and priority[u] < floor:
                pruned[u] = True
                queue[tail] = u
                tail += 1
    return pruned


@numba.njit(cache=True)
def _incidence(
    src: np.ndarray, dst: np.ndarray, w: np.ndarray, alive: np.ndarray, n_nodes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each node's live degree and weight, and its live edges as CSR: ``incident[ptr[v]:ptr[v + 1]]``."""
    degree = np.zeros(n_nodes, np.int64)
    priority = np.zeros(n_nodes, np.int64)
    for e in range(src.size):
        if alive[e]:
            degree[src[e]] += 1
            degree[dst[e]] += 1
            priority[src[e]] += w[e]
            priority[dst[e]] += w[e]
    ptr = np.zeros(n_nodes + 1, np.int64)
    for v in range(n_nodes):
        ptr[v + 1] = ptr[v] + degree[v]
    fill = ptr[:-1].copy()
    incident = np.empty(ptr[n_nodes], np.int64)
    for e in range(src.size):
        if alive[e]:
            incident[fill[src[e]]] = e
            fill[src[e]] += 1
            incident[fill[dst[e]]] = e
            fill[dst[e]] += 1
    return degree, priority, ptr, incident


@numba.njit(cache=True)
def _pop_lightest(heap: np.ndarray, where: np.ndarray, priority: np.ndarray, size: int) -> int:
    """Take the lightest node off a heap of ``size`` nodes (the caller then counts one fewer)."""
    v = heap[0]
    last = heap[size - 1]
    heap[0] = last
    where[last] = 0
    where[v] = -1
    if size > 1:
        _sift_down(heap, where, priority, 0, size - 1)
    return v


@numba.njit(cache=True)
def _less(priority: np.ndarray, a: int, b: int) -> bool:
    return priority[a] < priority[b] or (priority[a] == priority[b] and a < b)


@numba.njit(cache=True)
def _sift_down(heap: np.ndarray, where: np.ndarray, priority: np.ndarray, i: int, size: int) -> None:
    while True:
        smallest = i
        left, right = 2 * i + 1, 2 * i + 2
        if left < size and _less(priority, heap[left], heap[smallest]):
            smallest = left
        if right < size and _less(priority, heap[right], heap[smallest]):
            smallest = right
        if smallest == i:
            return
        heap[i], heap[smallest] = heap[smallest], heap[i]
        where[heap[i]] = i
        where[heap[smallest]] = smallest
        i = smallest


@numba.njit(cache=True)
def _sift_up(heap: np.ndarray, where: np.ndarray, priority: np.ndarray, i: int) -> None:
    while i > 0:
        parent = (i - 1) // 2
        if not _less(priority, heap[i], heap[parent]):
            return
        heap[i], heap[parent] = heap[parent], heap[i]
        where[heap[i]] = i
        where[heap[parent]] = parent
        i = parent
