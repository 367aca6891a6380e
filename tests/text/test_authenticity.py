"""The review-text model learns the tells of invented reviews and scores in [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from marketguard.errors import ParameterError
from marketguard.text import ReviewTextModel
from marketguard.text.authenticity import NaiveBayesScaler

GENUINE = [
    "The room was clean and the staff were helpful, breakfast was average.",
    "Good location near the station. The bed was a bit hard.",
    "Check-in took twenty minutes but the view from the tenth floor was nice.",
    "Parking was expensive; the pool closed early. Decent value overall.",
]
FAKE = [
    "My husband and I loved it!!! Best hotel ever!!! We will definitely be back!!!",
    "Amazing amazing amazing!!! My husband said it was the best vacation of our lives!!!",
    "Absolutely perfect in every way!!! My family loved everything!!! Highly recommend!!!",
    "I loved the luxurious experience!!! My husband and I felt like royalty!!!",
]
NEW = ["We loved it!!! My husband wants to come back!!!", "The lift was slow and the room small."]


@pytest.mark.parametrize(
    "params",
    [{}, {"C": 0.3}, {"naive_bayes": False}, {"chars": False}, {"chars": False, "naive_bayes": False}],
)
def test_invented_reviews_score_higher_than_genuine_ones(params: dict) -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    model = ReviewTextModel(**params).fit(texts, labels)
    assert model.predict(texts).tolist() == labels
    new = model.score(NEW)
    assert ((new >= 0) & (new <= 1)).all() and new[0] > 0.5 > new[1]
    assert model.predict(NEW).tolist() == [1, 0]


def test_chinese_text_is_scored() -> None:
    model = ReviewTextModel().fit(GENUINE + FAKE, [0] * 4 + [1] * 4)
    assert np.isfinite(model.score(["一个中文评论 没有空格"])).all()  # character n-grams cope with Chinese


def test_fit_is_deterministic_and_scoring_does_not_change_the_model() -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    first = ReviewTextModel().fit(texts, labels)
    before = first.score(NEW)
    first.score(GENUINE)
    np.testing.assert_array_equal(first.score(NEW), before)
    np.testing.assert_array_equal(ReviewTextModel().fit(texts, labels).score(NEW), before)


def test_naive_bayes_block_is_in_the_features_only_when_asked() -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    names = [name for name, _ in ReviewTextModel().fit(texts, labels).features_.transformer_list]
    assert names == ["words", "chars", "naive_bayes"]
    fitted = ReviewTextModel(chars=False, naive_bayes=False).fit(texts, labels)
    assert [name for name, _ in fitted.features_.transformer_list] == ["words"]


def test_naive_bayes_ratio_is_the_smoothed_log_count_ratio() -> None:
    # Column 0 in both fake docs, column 1 in the one genuine doc, column 2 everywhere (counts, not presence,
    # must not matter: the 5 counts once).
    x = sp.csr_matrix(np.array([[1, 0, 5], [1, 0, 1], [0, 1, 1]], dtype=float))
    scaler = NaiveBayesScaler(alpha=1.0).fit(x, [1, 1, 0])
    fake, genuine = np.array([3.0, 1.0, 3.0]), np.array([1.0, 2.0, 2.0])
    expected = np.log(fake / 7) - np.log(genuine / 5)
    np.testing.assert_allclose(scaler.ratio_, expected)
    assert scaler.ratio_[0] > 0 > scaler.ratio_[1]
    np.testing.assert_allclose(scaler.transform(x).toarray(), x.toarray() * expected)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"C": 0}, r"The 'C' parameter of ReviewTextModel must be a float in the range \(0, inf\)\. Got 0"),
        ({"C": float("nan")}, r"'C' parameter .* Got nan instead"),
        ({"C": True}, r"'C' parameter .* Got True instead"),
        (
            {"naive_bayes": "yes"},
            r"The 'naive_bayes' parameter of ReviewTextModel must be one of True, False",
        ),
    ],
)
def test_bad_parameters_are_named_at_fit(params: dict, match: str) -> None:
    model = ReviewTextModel(**params)  # __init__ stores only
    with pytest.raises(ParameterError, match=match):
        model.fit(GENUINE + FAKE, [0] * 4 + [1] * 4)


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"(?s)'C' parameter.*'chars' parameter"):
        ReviewTextModel(C=-1.0, chars=None).fit(GENUINE + FAKE, [0] * 4 + [1] * 4)  # type: ignore[arg-type]
