"""Review fraud signals: how much of a store's praise comes from review rings and reviews scored as fake.

Read from ``review_fraud_scores``, which the review fraud detector registers when it runs before store risk.
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import Signal, SignalGroup


def _sql(tables: Tables) -> str:
    return (
        "SELECT l.store_id, avg(CASE WHEN f.reviewer_ring_id IS NULL THEN 0 ELSE 1 END) "
        "AS share_ring_reviews, avg(f.score) AS mean_review_score FROM review_fraud_scores f "
        "JOIN reviews rv ON f.review_id = rv.review_id JOIN listings l ON rv.listing_id = l.listing_id "
        "GROUP BY l.store_id"
    )


GROUP = SignalGroup(
    name="review_fraud",
    meaning="reviews from rings and reviews scored as fake (the review fraud detector)",
    tables=("stores", "listings", "reviews"),
    needs=("review_fraud_scores",),
    sql=_sql,
    signals=(
        Signal(
            "share_ring_reviews",
            "share of the store's reviews written by members of review rings",
            1,
            0.0,
            says="{value:.0%} of its reviews come from review-ring accounts",
        ),
        Signal(
            "mean_review_score",
            "mean fake-review score of the store's reviews",
            1,
            None,
            says="its reviews' mean fake-review score is {value:.2f}",
        ),
    ),
)
