from collections.abc import Iterator

import numpy as np
import pytest

from marketguard.graph.communities import leiden, weighted_networks

Edges = tuple[np.ndarray, np.ndarray, np.ndarray]


def _cliques(sizes: list[int], bridges: list[tuple[int, int, float]]) -> Edges:
    """Cliques of the given sizes on consecutive nodes (weight 1 inside), plus the listed bridges."""
    src, dst, weight = [], [], []
    base = 0
    for k in sizes:
        for i in range(k):
            for j in range(i + 1, k):
                src.append(base + i)
                dst.append(base + j)
                weight.append(1.0)
        base += k
    for a, b, w in bridges:
        src.append(a)
        dst.append(b)
        weight.append(w)
    return np.array(src), np.array(dst), np.array(weight)


def _two_cliques_and_a_bridge(k: int) -> Edges:
    return _cliques([k, k], [(0, k, 0.05)])


def _modularity(edges: Edges, membership: np.ndarray, resolution: float) -> float:
    src, dst, weight = edges
    degree = np.bincount(src, weight, membership.size) + np.bincount(dst, weight, membership.size)
    m = weight.sum()
    inside = weight[membership[src] == membership[dst]].sum()
    return float(inside / m - resolution * (np.bincount(membership, degree) ** 2).sum() / (4 * m * m))


def _partitions(n: int) -> Iterator[np.ndarray]:
    """Every partition of ``n`` nodes once, as restricted growth strings (node 0 in part 0, ...)."""

    def grow(prefix: list[int]) -> Iterator[list[int]]:
        if len(prefix) == n:
            yield prefix
            return
        for part in range(max(prefix) + 2):
            yield from grow([*prefix, part])

    for labels in grow([0]):
        yield np.array(labels)


def _best_partition(edges: Edges, n: int, resolution: float) -> np.ndarray:
    scored = [(_modularity(edges, p, resolution), p) for p in _partitions(n)]
    best = max(q for q, _ in scored)
    winners = [p for q, p in scored if q > best - 1e-12]
    assert len(winners) == 1, "the fixture must have one best partition"
    return winners[0]


def test_two_cliques_joined_by_a_weak_edge_are_two_communities() -> None:
    src, dst, weight = _two_cliques_and_a_bridge(4)
    assert leiden(src, dst, weight, 8).tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("sizes", "bridges", "resolution"),
    [
        ([4, 4], [(0, 4, 0.05)], 1.0),
        ([4, 4], [(0, 4, 0.05)], 0.005),  # low resolution: one community
        ([3, 3, 2], [(0, 3, 0.5), (4, 6, 0.5)], 1.0),
        ([3, 4], [(0, 3, 1.0), (1, 4, 1.0), (2, 5, 1.0)], 1.0),  # three bridges: still two
        ([3, 3], [(a, b, 1.0) for a in range(3) for b in range(3, 6)], 1.0),  # a 6-clique: one community
        ([3, 3, 3], [(2, 3, 0.2), (5, 6, 0.2), (8, 0, 0.2)], 2.0),  # a ring of triangles, high resolution
    ],
)
def test_leiden_finds_the_best_partition_of_small_graphs(
    sizes: list[int], bridges: list[tuple[int, int, float]], resolution: float
) -> None:
    edges = _cliques(sizes, bridges)
    n = sum(sizes)
    expected = _best_partition(edges, n, resolution)  # by enumerating every partition
    assert leiden(*edges, n, resolution=resolution).tolist() == expected.tolist()


def test_resolution_sets_the_scale() -> None:
    edges = _two_cliques_and_a_bridge(4)
    assert leiden(*edges, 8, resolution=0.005).tolist() == [0] * 8
    assert leiden(*edges, 8, resolution=1.0).tolist() == [0] * 4 + [1] * 4


def test_repeated_edges_add_their_weights() -> None:
    # Two triangles and one bridge: as a single weak edge they split; listed 20 times (weight 20) the bridge's
    # ends outweigh their triangles.
    src, dst, weight = _cliques([3, 3], [(0, 3, 1.0)])
    assert leiden(src, dst, weight, 6).tolist() == [0, 0, 0, 1, 1, 1]
    many = (np.r_[src, [0] * 19], np.r_[dst, [3] * 19], np.r_[weight, [1.0] * 19])
    summed = (src, dst, np.r_[weight[:-1], 20.0])
    assert leiden(*many, 6).tolist() == leiden(*summed, 6).tolist()
    assert leiden(*summed, 6).tolist() != [0, 0, 0, 1, 1, 1]


def test_edge_direction_does_not_matter() -> None:
    src, dst, weight = _two_cliques_and_a_bridge(4)
    assert leiden(dst, src, weight, 8).tolist() == leiden(src, dst, weight, 8).tolist()


def test_nodes_without_edges_are_communities_of_their_own() -> None:
    src, dst, weight = _two_cliques_and_a_bridge(3)  # nodes 0..5; 6 and 7 have no edge
    assert leiden(src, dst, weight, 8).tolist() == [0, 0, 0, 1, 1, 1, 2, 3]
    assert leiden(np.array([], int), np.array([], int), np.array([]), 3).tolist() == [0, 1, 2]
    assert leiden(np.array([], int), np.array([], int), np.array([]), 0).tolist() == []


def test_communities_are_numbered_by_their_first_node() -> None:
    # The clique holding node 0 is listed last: its community is still 0.
    src, dst, weight = _cliques([4, 4], [(0, 4, 0.05)])
    order = np.argsort(-src, kind="stable")
    assert leiden(src[order], dst[order], weight[order], 8).tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_leiden_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(5)
    src, dst = rng.integers(0, 200, 1500), rng.integers(0, 200, 1500)
    keep = src != dst
    src, dst, weight = src[keep], dst[keep], rng.random(int(keep.sum()))
    runs = [leiden(src, dst, weight, 200, seed=11) for _ in range(3)]
    assert all(np.array_equal(runs[0], run) for run in runs[1:])
    assert runs[0].max() > 0


def test_small_components_are_kept_whole() -> None:
    src, dst, w = _two_cliques_and_a_bridge(5)
    labels = weighted_networks(src, dst, w, 10, max_size=60)
    assert len(set(labels.tolist())) == 1


def test_oversized_component_is_split_at_the_weak_bridge_deterministically() -> None:
    src, dst, w = _two_cliques_and_a_bridge(8)
    first = weighted_networks(src, dst, w, 16, max_size=10, seed=3)
    assert len(set(first[:8].tolist())) == 1 and len(set(first[8:].tolist())) == 1
    assert first[0] != first[8]
    assert np.array_equal(first, weighted_networks(src, dst, w, 16, max_size=10, seed=3))


def test_only_components_over_max_size_are_split_and_isolated_nodes_keep_their_own_label() -> None:
    # Nodes 0-15: two 8-cliques and a weak bridge (16 > max_size: split). Nodes 16-25: two 5-cliques and a
    # weak bridge (10 <= max_size: kept whole). Node 26: no link.
    big = _two_cliques_and_a_bridge(8)
    small = _two_cliques_and_a_bridge(5)
    src, dst, weight = (np.r_[big[i], small[i] + 16] if i < 2 else np.r_[big[i], small[i]] for i in range(3))
    labels = weighted_networks(src, dst, weight, 27, max_size=12)
    groups = {tuple(np.flatnonzero(labels == label).tolist()) for label in set(labels.tolist())}
    assert groups == {tuple(range(8)), tuple(range(8, 16)), tuple(range(16, 26)), (26,)}
    assert sorted(set(labels.tolist())) == [0, 1, 2, 3]  # dense labels
