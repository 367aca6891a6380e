"""Review fraud: a planted farm comes out as exactly one ring and outscores honest reviews; signals are exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from marketguard.detect.review_fraud import ReviewFraudDetector
from marketguard.engine import Tables, make_backend

START = datetime(2025, 3, 1, tzinfo=UTC)
WORDS = [
    "arrived",
    "quickly",
    "fits",
    "well",
    "colour",
    "sturdy",
    "strap",
    "zipper",
    "soft",
    "cheap",
    "gift",
    "daughter",
    "returned",
    "smaller",
    "larger",
    "box",
]


def _market(farm: int = 5, honest: int = 120) -> dict[str, pa.Table]:
    """Store S0 buys a burst of 5-star reviews from ``farm`` accounts on its 3 listings within two days;
    ``honest`` buyers each review one listing of 10 stores over four months, after an order."""
    rng = np.random.default_rng(0)
    listings = [f"L{s}{k}" for s in range(10) for k in range(3)]
    rows: list[tuple] = []
    for a in range(farm):
        for k in range(3):
            rows.append(
                (f"F{a}", f"L0{k}", None, START + timedelta(hours=6 * a + k), 5, "great great great!!")
            )
    orders = []
    for h in range(honest):
        listing = listings[int(rng.integers(0, len(listings)))]
        when = START + timedelta(days=int(rng.integers(0, 120)), hours=int(rng.integers(0, 24)))
        orders.append((f"O{h}", listing, f"H{h}", when - timedelta(days=2)))
        text = " ".join(rng.choice(WORDS, 6, replace=False))
        rows.append((f"H{h}", listing, f"O{h}", when, int(rng.choice([3, 4, 4, 5, 5])), text))
    reviews = pa.table(
        {
            "review_id": [f"R{i:04d}" for i in range(len(rows))],
            "listing_id": [r[1] for r in rows],
            "reviewer_account_id": [r[0] for r in rows],
            "order_id": pa.array([r[2] for r in rows], pa.string()),
            "ts": pa.array([r[3] for r in rows], pa.timestamp("us", tz="UTC")),
            "rating": [r[4] for r in rows],
            "text": [r[5] for r in rows],
        }
    )
    return {
        "reviews": reviews,
        "listings": pa.table(
            {"listing_id": listings, "store_id": [lst[:2].replace("L", "S") for lst in listings]}
        ),
        "orders": pa.table(
            {
                "order_id": [o[0] for o in orders],
                "listing_id": [o[1] for o in orders],
                "buyer_account_id": [o[2] for o in orders],
                "ts": pa.array([o[3] for o in orders], pa.timestamp("us", tz="UTC")),
            }
        ),
    }


@pytest.fixture
def fitted():
    market = _market()
    with make_backend("duckdb") as backend:
        for name, table in market.items():
            backend.register_arrow(name, table)
        tables = Tables(backend, frozenset(market))
        yield ReviewFraudDetector().fit(tables), tables, market["reviews"]


def test_the_planted_farm_is_exactly_one_ring(fitted) -> None:
    detector, _, _ = fitted
    assert detector.rings_.column("ring_id").to_pylist() == ["ring_0001"]
    assert detector.rings_.column("n_reviewers").to_pylist() == [5]
    assert detector.rings_.column("n_reviews").to_pylist() == [15]
    ring = detector.features_.column("ring_id").to_pylist()
    account = detector.features_.column("account_id").to_pylist()
    assert {a for a, r in zip(account, ring, strict=True) if r} == {f"F{a}" for a in range(5)}
    assert all(r == "ring_0001" for a, r in zip(account, ring, strict=True) if a.startswith("F"))
    reviewers = detector.reviewer_scores_.to_pylist()
    assert [r["account_id"] for r in reviewers[:5]] == sorted(f"F{a}" for a in range(5))
    assert all(r["ring_id"] == "ring_0001" and r["n_reviews"] == 3 for r in reviewers[:5])


def test_unsupervised_scores_put_every_farm_review_above_every_honest_one(fitted) -> None:
    detector, tables, _ = fitted
    assert detector.mode_ == "unsupervised"
    scores = detector.score(tables)
    account = detector.features_.column("account_id").to_pylist()
    score = scores.column("score").to_numpy()
    farm = np.array([a.startswith("F") for a in account])
    assert score[farm].min() > score[~farm].max()
    assert np.all((score >= 0) & (score <= 1))
    reasons = detector.explain(tables, [scores.column("review_id")[int(np.flatnonzero(farm)[0])].as_py()])
    assert "REVIEWER_RING_DENSITY" in reasons.column("reason").to_pylist()


def test_review_signals_are_exact(fitted) -> None:
    detector, _, _ = fitted
    rows = {r["review_id"]: r for r in detector.features_.to_pylist()}
    first_farm = rows["R0000"]  # F0 on L00, 5 stars; L00's other reviews: 4 farm 5-stars + honest ones
    assert first_farm["without_order"] == 1.0
    assert first_farm["reviewer_same_store"] == 3
    assert first_farm["reviewer_same_listing"] == 1
    assert first_farm["reviewer_reviews"] == 3
    assert first_farm["reviewer_max_per_day"] == 3
    assert first_farm["early_position"] == 0.0
    assert first_farm["duplicate_text_accounts"] == 4  # the same text from the 4 other farm accounts
    honest = next(r for r in rows.values() if r["account_id"] == "H0")
    assert honest["without_order"] == 0.0
    assert honest["reviewer_span_days"] == 0.0
    assert honest["duplicate_text_accounts"] == 0.0
    assert honest["ring_density"] == 0.0 and honest["reviewer_ring_density"] == 0.0


def test_rating_deviation_is_against_the_listings_other_reviews() -> None:
    reviews = pa.table(
        {
            "review_id": ["R1", "R2", "R3"],
            "listing_id": ["L1", "L1", "L1"],
            "reviewer_account_id": ["A", "B", "C"],
            "order_id": pa.array([None] * 3, pa.string()),
            "ts": pa.array(
                [START, START + timedelta(days=1), START + timedelta(days=30)], pa.timestamp("us", "UTC")
            ),
            "rating": [1, 5, 4],
            "text": pa.array([None] * 3, pa.string()),
        }
    )
    with make_backend("duckdb") as backend:
        backend.register_arrow("reviews", reviews)
        tables = Tables(backend, frozenset({"reviews"}))
        detector = ReviewFraudDetector().fit(tables)
        rows = {r["review_id"]: r for r in detector.features_.to_pylist()}
    assert rows["R1"]["rating_deviation"] == pytest.approx(3.5)  # 1 against (5 + 4) / 2
    assert rows["R3"]["rating_deviation"] == pytest.approx(1.0)  # 4 against (1 + 5) / 2
    assert rows["R2"]["early_position"] == pytest.approx(1 / 3)
    assert rows["R1"]["extreme_rating"] == 1.0 and rows["R3"]["extreme_rating"] == 0.0
    assert detector.rings_.num_rows == 0
    assert [m.signal for m in detector.missing_] == [
        "reviewer_same_store",
        "without_order",
        "account_age_days",
        "duplicate_text_accounts",
        "environment_reviewers",
        "environment_co_reviewers",
        "reviewer_shared_stores",
        "reviewer_network_stores",
    ]


def _by_account(
    rows: list[tuple[str, str]], networks: dict[str, str] | None = None, signal: str = "", explain: str = ""
) -> tuple[dict[str, float], dict[str, list[float]], list[dict]]:
    """Fit the detector on one 5-star review per (account, listing) row, a week apart, each listing its own store
    S<n> of owner O<n> (``networks``: owner -> network); returns per account its ``signal`` value and its reviews'
    scores, and the reasons of review ``explain``."""
    n = len(rows)
    reviews = pa.table({
        "review_id": [f"R{i}" for i in range(n)],
        "listing_id": [listing for _, listing in rows],
        "reviewer_account_id": [account for account, _ in rows],
        "order_id": pa.array([None] * n, pa.string()),
        "ts": pa.array([START + timedelta(days=7 * i) for i in range(n)], pa.timestamp("us", "UTC")),
        "rating": [5] * n,
        "text": pa.array([None] * n, pa.string()),
    })  # fmt: skip
    listing_ids = sorted({listing for _, listing in rows})
    store_ids = [f"S{listing[1:]}" for listing in listing_ids]
    data = {"reviews": reviews, "listings": pa.table({"listing_id": listing_ids, "store_id": store_ids})}
    if networks is not None:
        data["stores"] = pa.table({"store_id": store_ids, "account_id": [f"O{s[1:]}" for s in store_ids]})
        data["account_networks"] = pa.table(
            {"account_id": list(networks), "network_id": list(networks.values())}
        )
    with make_backend("duckdb") as backend:
        for name, table in data.items():
            backend.register_arrow(name, table)
        tables = Tables(backend, frozenset(data) - {"account_networks"})
        detector = ReviewFraudDetector().fit(tables)
        features = detector.features_.select(["review_id", signal]).to_pydict()
        scores = dict(zip(detector.features_.column("review_id").to_pylist(), detector.scores_, strict=True))
        reasons = detector.explain(tables, [explain]).to_pylist() if explain else []
    account_of = dict(zip(reviews.column("review_id").to_pylist(), [a for a, _ in rows], strict=True))
    values = {account_of[r]: k for r, k in zip(*features.values(), strict=True)}
    by_account: dict[str, list[float]] = {}
    for (account, _), review in zip(rows, reviews.column("review_id").to_pylist(), strict=True):
        by_account.setdefault(account, []).append(scores[review])
    return values, by_account, reasons


def test_accounts_reviewing_the_same_stores_are_coordinated_and_rank_first() -> None:
    """A and B reviewed the same two stores (S1, S2), weeks apart and one review each: no dense block, but two
    shared stores are a repeated coincidence; C shares one store with them, D none. The popular store S9 (reviewed
    by every account but one, the top 5% of stores by reviewers) is left out of co-reviewing."""
    rows = [("A", "L1"), ("A", "L2"), ("B", "L1"), ("B", "L2"), ("C", "L2"), ("C", "L3"), ("D", "L4")]
    rows += [(a, "L9") for a in "ABCEFGHIJKLMNOPQRSTUVWXYZ"]
    rows += [(f"x{k}{a}", f"L{10 + k}") for k in range(40) for a in "abc"]  # forty stores of three strangers
    shared, by_account, _ = _by_account(rows, signal="reviewer_shared_stores")
    assert (shared["A"], shared["B"], shared["C"], shared["D"]) == (2, 2, 1, 0)
    assert min(by_account["A"] + by_account["B"]) >= 0.5 > max(by_account["C"] + by_account["D"])


def test_an_account_reviewing_two_stores_of_one_network_is_coordinated_with_all_its_reviews() -> None:
    """S1 and S2 are one operator's (network N-O1), the other stores in no network. A reviewed S1 and S2 weeks apart
    and S3 (camouflage); B reviewed S1 and S4: one store of the network is any buyer's luck. A is sent to the
    network: its three reviews rank with coordinated ones, B's do not."""
    rows = [("A", "L1"), ("A", "L2"), ("A", "L3"), ("B", "L1"), ("B", "L4")]
    rows += [(f"x{k}{a}", f"L{10 + k}") for k in range(40) for a in "abc"]  # forty stores of three strangers
    stores, by_account, reasons = _by_account(
        rows, {"O1": "N-O1", "O2": "N-O1"}, signal="reviewer_network_stores", explain="R0"
    )
    assert (stores["A"], stores["B"]) == (2, 1)
    assert min(by_account["A"]) >= 0.5 > max(by_account["B"])
    assert max(by_account["A"]) < 0.75  # one kind of coordination: no ring, no co-reviewer
    assert reasons[0]["reason"] == "REVIEWER_NETWORK_STORES"
    assert reasons[0]["detail"] == "its account reviewed 2 stores of one operator network"


def test_supervised_when_labels_exist() -> None:
    """Every review labelled: cross-fitted LightGBM on the signals plus the text model's cross-fitted score."""
    market = _market(farm=12, honest=150)
    reviews = market["reviews"]
    fake = [a.startswith("F") for a in reviews.column("reviewer_account_id").to_pylist()]
    market["labels"] = pa.table(
        {
            "entity_type": ["review"] * reviews.num_rows,
            "entity_id": reviews.column("review_id"),
            "label": [int(f) for f in fake],
        }
    )
    with make_backend("duckdb") as backend:
        for name, table in market.items():
            backend.register_arrow(name, table)
        tables = Tables(backend, frozenset(market))
        detector = ReviewFraudDetector().fit(tables)
        evidence = detector.explain(tables, ["R0000"])
    assert detector.mode_ == "supervised"
    assert detector.n_labels_ == {"fake": 36, "genuine": 150}
    assert detector.feature_names_[-1] == "text_score"
    assert detector.metrics_["cross_fitted_roc_auc"] > 0.95
    assert detector.metrics_["text_model_fits_at_iteration_limit"] == 0  # the model and its folds converged
    assert evidence.num_rows >= 1 and set(evidence.column("review_id").to_pylist()) == {"R0000"}


def test_reviewers_sharing_an_environment_are_a_ring_without_any_campaign() -> None:
    """Six accounts on one phone rack each review a listing of a different store, weeks apart, no shared
    target and no burst: the dense blocks see nothing, the shared environment makes them one ring. A household
    of three reviewers on one router stays out (fewer than ``min_environment_reviewers``)."""
    market = _market(farm=0, honest=100)
    rows = [(f"E{a}", f"L{a + 1}0", START + timedelta(days=20 * a)) for a in range(6)]
    reviews = market["reviews"]
    extra = pa.table(
        {
            "review_id": [f"R9{i:03d}" for i in range(len(rows))],
            "listing_id": [r[1] for r in rows],
            "reviewer_account_id": [r[0] for r in rows],
            "order_id": pa.array([None] * len(rows), pa.string()),
            "ts": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
            "rating": [5] * len(rows),
            "text": [f"lovely item number {i}" for i in range(len(rows))],
        }
    )
    market["reviews"] = pa.concat_tables([reviews, extra.cast(reviews.schema)])
    groups = [(f"E{a}", "G-E0", 6) for a in range(6)] + [(f"H{h}", "G-H0", 3) for h in range(3)]
    market["environment_groups"] = pa.table(
        {k: [g[i] for g in groups] for i, k in enumerate(("account_id", "group_id", "n_accounts"))}
    )
    with make_backend("duckdb") as backend:
        for name, table in market.items():
            backend.register_arrow(name, table)
        tables = Tables(backend, frozenset(market) - {"environment_groups"})
        detector = ReviewFraudDetector().fit(tables)
        scores = detector.score(tables).column("score").to_numpy()
    rings = detector.rings_.to_pylist()
    assert [(r["evidence"], r["n_reviewers"], r["n_targets"], r["n_reviews"]) for r in rings] == [
        ("shared_environment", 6, 6, 6)
    ]
    features = detector.features_.to_pylist()
    farm = np.array([f["account_id"].startswith("E") for f in features])
    assert {f["ring_id"] for f in features if f["account_id"].startswith("E")} == {rings[0]["ring_id"]}
    assert all(f["ring_id"] is None for f in features if not f["account_id"].startswith("E"))
    by_account = {f["account_id"]: f for f in features}
    assert (
        by_account["E0"]["environment_reviewers"] == 5 and by_account["E0"]["environment_co_reviewers"] == 0
    )
    assert by_account["H0"]["environment_reviewers"] == 2 and by_account["H5"]["environment_reviewers"] == 0
    assert scores[farm].min() > scores[~farm].max()


def test_reviewer_rating_entropy_is_the_entropy_of_its_stars() -> None:
    ratings = [5, 5, 1, 1, 4]
    reviews = pa.table(
        {
            "review_id": [f"R{i}" for i in range(5)],
            "listing_id": ["L1", "L2", "L3", "L4", "L1"],
            "reviewer_account_id": ["X", "X", "X", "X", "Y"],
            "order_id": pa.array([None] * 5, pa.string()),
            "ts": pa.array([START + timedelta(days=i) for i in range(5)], pa.timestamp("us", "UTC")),
            "rating": ratings,
            "text": pa.array([None] * 5, pa.string()),
        }
    )
    with make_backend("duckdb") as backend:
        backend.register_arrow("reviews", reviews)
        detector = ReviewFraudDetector().fit(Tables(backend, frozenset({"reviews"})))
    rows = {r["review_id"]: r for r in detector.features_.to_pylist()}
    assert rows["R0"]["reviewer_rating_entropy"] == pytest.approx(np.log(2))  # half 5 stars, half 1 star
    assert rows["R4"]["reviewer_rating_entropy"] == 0.0  # one review: one star
