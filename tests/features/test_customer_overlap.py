"""Shared customers weighed against chance: the surprise table against its closed form, and exact evidence on
hand-built marketplaces (rare shared buyers count, a popular pair's chance overlap and hubs do not, an account
that orders and reviews counts once)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy.optimize import minimize_scalar

from marketguard.contract import validate
from marketguard.detect.operator_index import OperatorIndex
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from marketguard.features.customer_overlap import chance_table
from marketguard.features.evidence import KIND_WEIGHTS
from tests.conftest import write_tiny

KW = KIND_WEIGHTS["customer"]
KINDS = ("listing", "customer")
#: One copied listing (title, price) per group of stores.
COPIES = [("Kingmem 16GB DDR4 3200", 89.9), ("Lumo tote 2025", 1150.0)]


def _histogram(degrees: list[int], co_timed: float = 1.0) -> pa.Table:
    """What degree_counts_sql reads, for customers of the given degrees."""
    ks, counts = np.unique(np.array(degrees), return_counts=True)
    pairs = counts * ks * (ks - 1) // 2
    return pa.table(
        {
            "degree": ks,
            "n_uses": ks * counts,
            "n_co_timed": np.round(pairs * co_timed).astype(np.int64),
        }
    )


def _rate(table: pa.Table, x: float) -> float:
    row = next(r for r in table.to_pylist() if r["bin"] == math.floor(math.log(x) * 32))
    return row["rate"] + row["slope"] * (x - row["x"])


def test_with_buyers_of_two_stores_only_the_surprise_is_the_poisson_rate() -> None:
    n_uses = 450
    table = chance_table(_histogram([2] * 50), n_uses, 12, KW)
    mean = 100 / n_uses**2  # expected overlap per unit of n_a n_b: 50 buyers, each at both with 2 / M^2
    for x in (0.01, 0.1, 0.5):
        assert _rate(table, x) == pytest.approx(x * math.log(x / mean) - x + mean, rel=2e-3)
    assert table.column("ln_pairs")[0].as_py() == pytest.approx(math.log(66))


def test_with_buyers_of_many_degrees_the_table_reads_the_conjugate_from_below() -> None:
    degrees = [2] * 40 + [3] * 20 + [7] * 10 + [30] * 3
    n_uses, co_timed = 2000, 0.2  # every degree's pairs a whole number of fifths
    table = chance_table(_histogram(degrees, co_timed), n_uses, 100, KW)
    ks = np.array(degrees, float)
    spec = 1 / (1 + (ks - 2) / KW.half_degree)

    def conjugate(x: float) -> float:
        def minus(theta: float) -> float:
            chance = co_timed * ks * (ks - 1) / n_uses**2
            return -(theta * x - (chance * (np.exp(theta * spec) - 1)).sum())

        return -minimize_scalar(minus, bounds=(0, 200), method="bounded", options={"xatol": 1e-12}).fun

    for x in (1e-3, 0.02, 0.3):
        exact = conjugate(x)
        assert exact * (1 - 2e-3) <= _rate(table, x) <= exact * (1 + 1e-9)


def _market(
    customers: dict[str, list[tuple[int, str, int]]], n_stores: int, copied: list[tuple[int, ...]]
) -> dict:
    """Stores S1..Sn of owners A1..An on their own devices, each with its own product; each group of stores in
    ``copied`` with one copied listing of :data:`COPIES`. ``customers``: per account, (store number, 'order' /
    'review' / 'both', day of 2025)."""
    owners = [f"A{i}" for i in range(1, n_stores + 1)]
    listings = [(f"L{i}", f"S{i}", f"own product {i}", 10.0 + i) for i in range(1, n_stores + 1)]
    listings += [(f"LC{i}", f"S{i}", *COPIES[g]) for g, group in enumerate(copied) for i in group]
    orders, reviews = [], []
    for account, uses in customers.items():
        for store, what, day in uses:
            ts = f"{(np.datetime64('2025-01-01') + day).astype(str)}T12:00:00Z"
            if what in ("order", "both"):
                orders.append((f"O{len(orders)}", f"L{store}", account, ts))
            if what in ("review", "both"):
                reviews.append((f"R{len(reviews)}", f"L{store}", account, ts))
    accounts = owners + sorted(customers)
    return {
        "accounts": {
            "account_id": accounts,
            "created_at": ["2024-01-01"] * len(accounts),
            "id_document": [f"doc-{a}" for a in accounts],
        },
        "stores": {
            "store_id": [f"S{i}" for i in range(1, n_stores + 1)],
            "account_id": owners,
            "opened_at": ["2024-12-01"] * n_stores,
            "template": ["basic"] * n_stores,
        },
        "logins": {
            "account_id": owners,
            "ts": ["2024-12-02T00:00:00Z"] * n_stores,
            "ip": [f"10.{i // 200}.{i % 200}.1" for i in range(n_stores)],
            "device_id": [f"own-{a}" for a in owners],
        },
        "listings": {
            "listing_id": [r[0] for r in listings],
            "store_id": [r[1] for r in listings],
            "title": [r[2] for r in listings],
            "price": [r[3] for r in listings],
        },
        "orders": {
            "order_id": [o[0] for o in orders],
            "listing_id": [o[1] for o in orders],
            "buyer_account_id": [o[2] for o in orders],
            "ts": [o[3] for o in orders],
            "quantity": [1] * len(orders),
            "amount": [10.0] * len(orders),
        },
        "reviews": {
            "review_id": [r[0] for r in reviews],
            "listing_id": [r[1] for r in reviews],
            "reviewer_account_id": [r[2] for r in reviews],
            "ts": [r[3] for r in reviews],
            "rating": [5] * len(reviews),
        },
    }


def _marketplace(rare: list[tuple[int, str, int]] | None = None, n_rare: int = 4) -> dict[str, list]:
    """Twelve stores: S1 and S2 popular (150 customers each) and sharing 20 of them, S3..S10 sharing 5 with each
    of S1 and S2, S11 and S12 small (15 customers) and sharing ``n_rare`` buyers of theirs alone (``rare``: how
    each of those uses each store; both ordered on day 60 by default). Everyone else buys at one store, on day
    60."""
    ids = (f"C{i:04d}" for i in itertools.count())
    customers: dict[str, list[tuple[int, str, int]]] = {}
    for _ in range(20):
        customers[next(ids)] = [(1, "order", 60), (2, "order", 60)]
    for store, big, _ in itertools.product(range(3, 11), (1, 2), range(5)):
        customers[next(ids)] = [(big, "order", 60), (store, "order", 60)]
    for _ in range(n_rare):
        customers[next(ids)] = rare or [(11, "order", 60), (12, "order", 60)]
    for store in range(1, 13):
        have = sum(any(s == store for s, _, _ in uses) for uses in customers.values())
        for _ in range((150 if store <= 2 else 15) - have):
            customers[next(ids)] = [(store, "order", 60)]
    return customers


def _fit(tmp_path: Path, data: dict) -> tuple[OperatorLinker, dict[str, str], list[dict]]:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=data))
        linker = OperatorLinker(kinds=KINDS).fit(tables)
    networks = dict(
        zip(
            linker.assignments_.column("account_id").to_pylist(),
            linker.assignments_.column("network_id").to_pylist(),
            strict=True,
        )
    )
    links = linker.links_.select(
        ["account_a", "account_b", "kind", "artifact", "weight", "n_sharing", "n_events"]
    )
    return linker, networks, links.to_pylist()


def _expected_weight(customers: dict[str, list], a: int, b: int) -> tuple[float, float, float]:
    """(shared, expected by chance, pair weight) by the closed form, for buyers of at most two stores."""
    stores = {c: {s for s, _, _ in uses} for c, uses in customers.items()}
    n = {s: sum(s in v for v in stores.values()) for s in range(1, 13)}
    n_uses = sum(n.values())
    per_pair = sum(len(v) * (len(v) - 1) for v in stores.values() if len(v) >= 2) / n_uses**2
    shared = sum(v == {a, b} for v in stores.values())
    mean = n[a] * n[b] * per_pair
    surprise = shared * math.log(shared / mean) - shared + mean if shared > mean else 0.0
    return shared, mean, max(0.0, KW.weight * (1 - 66 * math.exp(-surprise)))


def _pair_weight(links: list[dict], kind: str) -> float:
    return 1 - math.prod(1 - r["weight"] for r in links if r["kind"] == kind)


def test_rare_shared_buyers_are_evidence_and_a_popular_pairs_chance_overlap_is_not(tmp_path) -> None:
    customers = _marketplace()
    shared, mean, _ = _expected_weight(customers, 1, 2)
    assert shared < mean  # S1 and S2 share 20 customers where chance alone predicts more
    _, mean_rare, weight = _expected_weight(customers, 11, 12)
    assert mean_rare < 0.25 and weight > 0.2
    _, networks, links = _fit(tmp_path, _market(customers, 12, copied=[(11, 12), (1, 2)]))
    # a copied listing (0.35) links no pair by itself: S1 and S2 stay apart, the four rare buyers link S11 and S12
    assert networks == {"A11": "N-A11", "A12": "N-A11"}
    rows = [(r["kind"], r["artifact"], r["n_sharing"], r["n_events"]) for r in links]
    assert rows == [("customer", f"C{i:04d}", 2, 2) for i in range(100, 104)] + [
        ("listing", "kingmem 16gb ddr4 3200 @ 89.9", 2, 2)
    ]
    assert _pair_weight(links, "customer") == pytest.approx(weight, abs=2e-3)


def test_an_account_that_orders_and_reviews_counts_once(tmp_path) -> None:
    once = _marketplace()
    both = _marketplace(rare=[(11, "both", 60), (12, "both", 60)])
    _, _, links_once = _fit(tmp_path / "once", _market(once, 12, copied=[(11, 12)]))
    _, _, links_both = _fit(tmp_path / "both", _market(both, 12, copied=[(11, 12)]))
    customers = [r for r in links_both if r["kind"] == "customer"]
    assert [r["artifact"] for r in customers] == [f"C{i:04d}" for i in range(100, 104)]
    assert [r["n_events"] for r in customers] == [4] * 4  # an order and a review at each store
    assert [r["weight"] for r in customers] == [r["weight"] for r in links_once if r["kind"] == "customer"]


def test_buyers_of_a_few_other_stores_say_less_and_of_very_many_nothing(tmp_path) -> None:
    wide = [(11, "order", 60), (12, "order", 60), *[(s, "order", 60) for s in range(3, 9)]]
    _, networks, links = _fit(tmp_path / "wide", _market(_marketplace(rare=wide), 12, copied=[(11, 12)]))
    assert networks == {}  # four buyers of eight stores each: 0.35 / (1 + 6 / 3) specificity, no surprise
    assert links == []
    # a buyer of every one of 61 stores is a hub: recorded, never paired
    customers = {"hub": [(s, "order", 60) for s in range(1, 62)]}
    customers |= {f"C{s:02d}": [(s, "order", 60)] for s in range(1, 62)}
    linker, networks, _ = _fit(tmp_path / "hub", _market(customers, 61, copied=[(1, 2)]))
    assert networks == {}
    assert linker.hubs_.to_pylist() == [
        {"kind": "customer", "artifact": "hub", "n_accounts": 61, "n_events": 61}
    ]


def test_buyers_shared_months_apart_are_not_co_timed(tmp_path) -> None:
    apart = _marketplace(rare=[(11, "order", 10), (12, "order", 200)])
    _, networks, links = _fit(tmp_path, _market(apart, 12, copied=[(11, 12)]))
    assert networks == {} and links == []


def test_the_index_keeps_the_batchs_customer_evidence_through_events(tmp_path) -> None:
    data = _market(_marketplace(), 12, copied=[(11, 12)])
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=data))
        linker = OperatorLinker(kinds=KINDS).fit(tables)
        index = OperatorIndex.from_batch(linker, tables)
    strength = linker.links_.column("pair_strength")[0].as_py()
    # a login re-scores the account's links: the shared customers keep the batch's weight, not a per-customer one
    index.add_login("A11", datetime(2025, 4, 1, tzinfo=UTC), "10.9.9.9", device_id="new-phone")
    network, reasons = index.network_of("A11")
    assert network == "N-A11"
    assert reasons[0].startswith(f"linked to A12 (strength {strength:.2f}) through customer C0100")
