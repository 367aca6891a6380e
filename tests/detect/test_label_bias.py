"""The label selection check tells a fair sample of labels from one chosen by what the features show."""

from __future__ import annotations

import numpy as np

from marketguard.detect.label_bias import selection_check, selection_line

NAMES = ["price_ratio", "tell_words", "noise"]


def _data(chosen_by_price: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    is_bad = rng.random(3000) < 0.1
    picked = X[:, 0] < -1.0 if chosen_by_price else rng.random(3000) < 0.15
    y = np.where(picked, is_bad.astype(float), np.nan)
    return X, y, np.where(is_bad, 0.8, 0.1)


def test_labels_picked_at_random_look_like_the_rest() -> None:
    check = selection_check(*_data(False), NAMES, random_state=1, flag=0.5)
    assert 0.4 < check["labelled_vs_unlabelled_auc"] < 0.6 and not check["biased"]
    assert "look like the others" in selection_line(check)


def test_labels_picked_by_a_feature_are_flagged_as_biased_and_the_feature_named() -> None:
    check = selection_check(*_data(True), NAMES, random_state=1, flag=0.5)
    assert check["labelled_vs_unlabelled_auc"] > 0.95 and check["biased"]
    assert check["most_different"][0] == "price_ratio"
    assert "not a fair sample" in selection_line(check)


def test_both_populations_are_scored_separately() -> None:
    X, y, scores = _data(False)
    pops = selection_check(X, y, scores, NAMES, random_state=1, flag=0.5)["populations"]
    labelled = ~np.isnan(y)
    assert pops["labelled"]["rows"] == labelled.sum() and pops["unlabelled"]["rows"] == (~labelled).sum()
    assert pops["unlabelled"]["flagged_share"] == (scores[~labelled] >= 0.5).mean()
    assert pops["labelled"]["positive_share"] == np.nanmean(y)
