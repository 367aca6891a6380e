import math

import numpy as np
import pytest

from marketguard.evaluate.metrics import pairwise_scores, ranking_metrics


def test_pairwise_scores_count_pairs_exactly() -> None:
    # truth: {0,1,2} {3,4}; predicted: {0,1} {2,3} 4 alone
    result = pairwise_scores(np.array([0, 0, 1, 1, -1]), np.array([7, 7, 7, 8, 8]))
    assert result["true_pairs"] == 4 and result["predicted_pairs"] == 2 and result["correct_pairs"] == 1
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(0.25)
    assert result["f1"] == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_perfect_clustering() -> None:
    result = pairwise_scores(np.array([1, 1, 2, 2]), np.array([5, 5, 6, 6]))
    assert result["f1"] == 1.0


def test_ranking_metrics_precision_at_k() -> None:
    y = np.array([1, 1, 0, 0, 0])
    m = ranking_metrics(y, np.array([0.9, 0.2, 0.8, 0.1, 0.0]))
    assert m["k"] == 2 and m["precision_at_k"] == 0.5
    assert m["roc_auc"] == pytest.approx(5 / 6)


def test_ranking_metrics_without_positives_is_nan() -> None:
    assert math.isnan(ranking_metrics(np.zeros(3), np.ones(3))["roc_auc"])


def test_merged_networks_counts_networks_spanning_operators() -> None:
    from marketguard.evaluate import merged_networks

    # network 0 holds operators 1 and 2; network 1 holds only operator 3; -1 is no network
    assert merged_networks(np.array([0, 0, 1, 1, -1]), np.array([1, 2, 3, 3, 4])) == 1
