"""Path credits: exact (each row's credits sum to its raw score, whatever the missing-value routing) and close
to TreeSHAP where reasons are read (high-scoring rows)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from marketguard.detect.scoring import lgb_params
from marketguard.detect.tree_paths import PathExplainer, path_contributions


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6000, 6))
    X[rng.random(X.shape) < 0.15] = np.nan  # missing values seen in training
    X[:, 4] = np.where(rng.random(6000) < 0.3, 0.0, X[:, 4])
    logit = np.nan_to_num(X[:, 0]) * 2 + np.nan_to_num(X[:, 1]) * np.nan_to_num(X[:, 2]) - 1.5
    y = (logit + rng.logistic(size=6000) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_credits_sum_to_the_raw_score_for_every_routing_of_missing_values(zero_as_missing: bool) -> None:
    X, y = _data()
    booster = lgb.train({**lgb_params(0), "zero_as_missing": zero_as_missing}, lgb.Dataset(X, y))
    unseen = X.copy()
    unseen[::7, 5] = np.nan  # more missing values than in training, and zeros everywhere
    unseen[::5, 3] = 0.0
    credits = path_contributions(booster, unseen)
    assert credits.shape == (X.shape[0], X.shape[1] + 1)
    np.testing.assert_allclose(credits.sum(axis=1), booster.predict(unseen, raw_score=True), atol=1e-9)
    # one row at a time, or a network's rows at once, as the live scorer asks: LightGBM's raw score exactly
    explainer = PathExplainer(booster)
    raw = booster.predict(unseen[:200], raw_score=True)
    assert [explainer.raw(row) for row in unseen[:200]] == raw.tolist()
    assert explainer.raws(unseen[:200]).tolist() == raw.tolist()


def test_the_strongest_credit_matches_treeshap_on_high_scoring_rows() -> None:
    X, y = _data(1)
    booster = lgb.train(lgb_params(0), lgb.Dataset(X, y))
    high = X[booster.predict(X) >= 0.5]
    shap = np.asarray(booster.predict(high, pred_contrib=True))[:, :-1]
    credits = path_contributions(booster, high)[:, :-1]
    agreement = float(np.mean(shap.argmax(axis=1) == credits.argmax(axis=1)))
    assert len(high) > 500
    assert agreement >= 0.9
