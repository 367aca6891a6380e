import numpy as np
import pyarrow as pa
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from marketguard.graph import bipartite_components, connected_components, encode
from marketguard.graph.components import SMALL_GRAPH_EDGES


def test_connected_components_on_a_tiny_graph() -> None:
    labels = connected_components(np.array([0, 1, 3]), np.array([1, 2, 4]), 6)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4]
    assert len({labels[0], labels[3], labels[5]}) == 3


@pytest.mark.parametrize("seed", range(20))
def test_a_few_edges_are_labelled_here_exactly_as_scipy_labels_them(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    src, dst = rng.integers(0, n, size=(2, int(rng.integers(0, SMALL_GRAPH_EDGES + 1))))
    graph = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n, n)).tocsr()
    expected = scipy_components(graph, directed=False)[1]
    assert connected_components(src, dst, n).tolist() == expected.tolist()


def test_many_nodes_with_a_few_edges_are_labelled_alike() -> None:
    n = 10 * SMALL_GRAPH_EDGES  # past the union-find's size: scipy's labels, in the same order
    labels = connected_components(np.array([0, n - 1]), np.array([n - 1, 5]), n)
    assert labels[0] == labels[n - 1] == labels[5] == 0 and labels[1] == 1 and labels.max() == n - 3


def test_bipartite_components_join_left_nodes_through_shared_right_nodes() -> None:
    # accounts 0,1 share artifact 0; account 2 alone on artifact 1; account 3 shares artifact 1 with 2
    labels = bipartite_components(np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]), 5, 2)
    assert labels.shape == (5,)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert labels[4] not in labels[:4]


def test_encode_gives_dense_codes_and_decodes() -> None:
    codes, dictionary = encode(pa.chunked_array([["b", "a"], ["b", "c"]]))
    assert codes.tolist() == [0, 1, 0, 2]
    assert dictionary.to_pylist() == ["b", "a", "c"]


def test_encode_sorted_is_independent_of_input_order() -> None:
    from marketguard.graph import encode_sorted

    codes, dictionary = encode_sorted(pa.chunked_array([["b", "a"], ["b", "c"]]))
    assert codes.tolist() == [1, 0, 1, 2]
    assert dictionary.to_pylist() == ["a", "b", "c"]


def test_encode_sorted_codes_ids_in_sorted_order_and_nulls_as_minus_one() -> None:
    from marketguard.graph import encode_sorted

    codes, ids = encode_sorted(pa.chunked_array([["b", None], ["a", "b"]]))
    assert codes.tolist() == [1, -1, 0, 1] and ids.to_pylist() == ["a", "b"]
