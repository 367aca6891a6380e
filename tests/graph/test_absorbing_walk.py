"""The absorbing walk against the harmonic function solved exactly, and its leave-one-out values against the walk
run again with the labelled node made transient."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from marketguard.graph.absorbing_walk import absorption, leave_one_out


def _exact(weights: np.ndarray, absorbing: np.ndarray, values: np.ndarray, leak: float) -> np.ndarray:
    """Per node, the chance an endless walk is absorbed at a node of value 1 (every node, absorbing ones too,
    takes its first step before it can be absorbed): one linear solve."""
    steps = weights / (weights.sum(axis=1, keepdims=True) + leak)
    transient = ~absorbing
    into = steps[:, absorbing] @ values  # one step straight into a node of value 1
    inner = np.linalg.solve(np.eye(transient.sum()) - steps[np.ix_(transient, transient)], into[transient])
    return into + steps[:, transient] @ inner


@pytest.fixture
def graph() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forty nodes, random symmetric weights on a sparse pattern, a third of them labelled."""
    rng = np.random.default_rng(5)
    n = 40
    weights = np.triu(rng.uniform(0.2, 1.0, (n, n)) * (rng.random((n, n)) < 0.12), 1)
    weights = weights + weights.T
    labelled = rng.random(n) < 0.33
    label = (rng.random(labelled.sum()) < 0.5).astype(np.float64)
    return weights, labelled, label


def test_long_walks_reach_the_harmonic_function_and_leave_each_label_out(graph) -> None:
    weights, labelled, label = graph
    reached = absorption(sp.csr_matrix(weights), labelled, leak=1.0, tolerance=1e-15)
    got = leave_one_out(reached, labelled, label)
    want = _exact(weights, labelled, label, 1.0)
    unlabelled = ~labelled
    np.testing.assert_allclose(got[unlabelled], want[unlabelled], atol=1e-12)
    for i, s in enumerate(np.flatnonzero(labelled)):  # s made transient: every other label, never its own
        others = labelled.copy()
        others[s] = False
        alone = _exact(weights, others, np.delete(label, i), 1.0)
        assert got[s] == pytest.approx(alone[s], abs=1e-12), s


def test_one_weak_tie_to_a_label_is_not_a_certainty() -> None:
    weights = sp.csr_matrix(np.array([[0.0, 0.5], [0.5, 0.0]]))
    labelled = np.array([False, True])
    got = leave_one_out(absorption(weights, labelled, leak=1.0), labelled, np.array([1.0]))
    assert got[0] == pytest.approx(0.5 / 1.5) and got[1] == 0.0  # the labelled node has no other label


def test_a_big_clique_with_one_label_is_walked_to_the_end() -> None:
    """Sixty stores tied at 0.99 leak a 60th of the walk a step: it takes hundreds of steps to settle."""
    n = 60
    weights = np.full((n, n), 0.99) - np.diag(np.full(n, 0.99))
    labelled = np.arange(n) == 0
    got = leave_one_out(absorption(sp.csr_matrix(weights), labelled, leak=1.0), labelled, np.array([1.0]))
    want = _exact(weights, labelled, np.array([1.0]), 1.0)
    np.testing.assert_allclose(got[1:], want[1:], atol=1e-7)
    assert got[1] > 0.45 and got[0] == 0.0


def test_a_walk_needs_a_leak_to_end() -> None:
    with pytest.raises(ValueError, match="positive leak"):
        absorption(sp.csr_matrix((2, 2)), np.array([True, False]), leak=0.0)
