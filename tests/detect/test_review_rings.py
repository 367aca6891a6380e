"""Review rings on their own: what find_rings registers, and the size and co-reviewing limits it applies."""

from __future__ import annotations

from marketguard.detect.review_rings import RING_SCHEMA, RingSettings, find_rings
from marketguard.engine import Tables, make_backend
from tests.detect.test_review_fraud import _market


def _rings(settings: RingSettings, farm: int = 5) -> tuple[list[dict], list[dict], list[dict]]:
    market = _market(farm=farm)
    with make_backend("duckdb") as backend:
        for name, table in market.items():
            backend.register_arrow(name, table)
        tables = Tables(backend, frozenset(market))
        rings = find_rings(tables, settings)
        assert rings.schema == RING_SCHEMA
        reviews = tables.fetch("SELECT * FROM review_rings ORDER BY review_id", "rings").to_pylist()
        reviewers = tables.fetch("SELECT * FROM reviewer_rings ORDER BY account_id", "rings").to_pylist()
    return rings.to_pylist(), reviews, reviewers


def test_the_farm_s_reviews_and_reviewers_are_registered_with_their_ring() -> None:
    rings, reviews, reviewers = _rings(RingSettings())
    assert [
        (r["ring_id"], r["n_reviewers"], r["n_targets"], r["n_reviews"], r["evidence"]) for r in rings
    ] == [
        ("ring_0001", 5, 1, 15, "dense_block")  # 5 accounts x 1 (store, week): the 3 listings are one store's
    ]
    assert len(reviews) == 15 and {r["ring_id"] for r in reviews} == {"ring_0001"}
    assert [r["account_id"] for r in reviewers] == [f"F{a}" for a in range(5)]
    assert all(r["ring_density"] == rings[0]["density"] for r in reviews + reviewers)


def test_a_farm_larger_than_max_reviewers_is_no_ring() -> None:
    rings, reviews, reviewers = _rings(RingSettings(max_reviewers=4))
    assert rings == [] and reviews == [] and reviewers == []


def test_a_farm_smaller_than_min_reviewers_is_no_ring() -> None:
    rings, _, _ = _rings(RingSettings(min_reviewers=6))
    assert rings == []
