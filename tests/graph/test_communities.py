import numpy as np

from marketguard.graph.communities import weighted_networks


def _two_cliques_and_a_bridge(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    src, dst = [], []
    for base in (0, k):
        for i in range(k):
            for j in range(i + 1, k):
                src.append(base + i)
                dst.append(base + j)
    src.append(0)
    dst.append(k)  # one weak bridge
    weight = np.ones(len(src))
    weight[-1] = 0.05
    return np.array(src), np.array(dst), weight


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
