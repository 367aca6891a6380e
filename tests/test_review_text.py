"""The review-text model learns the tells of invented reviews and scores in [0, 1]."""

from __future__ import annotations

import numpy as np

from marketguard.text import ReviewTextModel

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


def test_invented_reviews_score_higher_than_genuine_ones() -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    model = ReviewTextModel(C=1.0).fit(texts, labels)
    assert model.predict(texts).tolist() == labels
    new = model.score(
        ["We loved it!!! My husband wants to come back!!!", "The lift was slow and the room small."]
    )
    assert ((new >= 0) & (new <= 1)).all() and new[0] > 0.5 > new[1]
    assert np.isfinite(model.score(["一个中文评论 没有空格"])).all()  # character n-grams cope with Chinese
