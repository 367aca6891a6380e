"""Which review rings serve which networks: every review by a ring's members counted at its store's network, two
members at least, a concentration no chance gives, and the shares both ways."""

from __future__ import annotations

import pyarrow as pa
import pytest

from marketguard.detect.ring_clients import MIN_REVIEWERS, RING_NETWORK_SCHEMA, ring_networks_sql
from marketguard.engine import Tables, make_backend


def _ts(day: int) -> str:
    return f"2025-03-{day:02d}T00:00:00Z"


def _tables() -> dict[str, pa.Table]:
    # network N-1 runs stores S1, S2; network N-2 runs S3; S4 is in no network.
    # ring_0001 (f1, f2, f3) reviews S1 and S2 six times, and S3 and S4 once each (camouflage); ring_0002 (g1)
    # reviews S3 once; the honest h1 reviews S1 twice; ring_0003 (c1, c2) reviews S3 once each and S4 forty
    # times; sixty honest reviews of S4 and twenty of S3.
    honest = [(f"s4-{i}", "L4", f"buyer-{i}", 10) for i in range(60)]
    honest += [(f"s3-{i}", "L3", f"other-{i}", 11) for i in range(20)]
    camouflage = [("c1-3", "L3", "c1", 12), ("c2-3", "L3", "c2", 12)]
    camouflage += [(f"c-{i}", "L4", f"c{1 + i % 2}", 13) for i in range(40)]
    reviews = [
        *honest,
        *camouflage,
        ("r1", "L1", "f1", 1),
        ("r2", "L1", "f2", 2),
        ("r3", "L2", "f2", 3),
        ("r4", "L2", "f3", 4),
        ("r5", "L1", "f3", 5),
        ("r6", "L2", "f1", 20),
        ("r7", "L3", "f1", 21),
        ("r8", "L4", "f2", 22),
        ("r9", "L3", "g1", 6),
        ("r10", "L1", "h1", 7),
        ("r11", "L1", "h1", 8),
    ]
    ts = pa.array([_ts(r[3]) for r in reviews]).cast(pa.timestamp("us", tz="UTC"))
    return {
        "reviews": pa.table(
            {
                "review_id": [r[0] for r in reviews],
                "listing_id": [r[1] for r in reviews],
                "reviewer_account_id": [r[2] for r in reviews],
                "ts": ts,
            }
        ),
        "listings": pa.table({"listing_id": ["L1", "L2", "L3", "L4"], "store_id": ["S1", "S2", "S3", "S4"]}),
        "stores": pa.table({"store_id": ["S1", "S2", "S3", "S4"], "account_id": ["A1", "A2", "A3", "A4"]}),
        "account_networks": pa.table({"account_id": ["A1", "A2", "A3"], "network_id": ["N-1", "N-1", "N-2"]}),
        "reviewer_rings": pa.table(
            {
                "account_id": ["f1", "f2", "f3", "g1", "c1", "c2"],
                "ring_id": ["ring_0001"] * 3 + ["ring_0002"] + ["ring_0003"] * 2,
            }
        ),
    }


def test_a_ring_serves_the_network_two_of_its_members_reviewed() -> None:
    with make_backend("duckdb") as backend:
        data = _tables()
        for name, table in data.items():
            backend.register_arrow(name, table)
        tables = Tables(backend, frozenset(data))
        tables.run(ring_networks_sql())
        rows = tables.fetch("SELECT * FROM ring_networks ORDER BY ring_id, network_id", "rows")
    assert rows.schema.names == RING_NETWORK_SCHEMA.names
    assert MIN_REVIEWERS == 2
    # ring_0001 wrote 8 reviews: 6 at N-1 (3 members, 2 stores), 1 at N-2 (one member: not served), 1 at no
    # network; N-1 has 8 of the 133 reviews, 6 of them the ring's: 8 D(6/8 || 8/133) = 12.5 > ln(3 x 2).
    # ring_0002's one member at N-2 serves nothing; ring_0003's two members gave N-2 2 of their 42 reviews,
    # less than N-2's share of all reviews (24 of 133): camouflage.
    assert [
        (r["ring_id"], r["network_id"], r["n_reviews"], r["n_reviewers"], r["n_stores"])
        for r in rows.to_pylist()
    ] == [("ring_0001", "N-1", 6, 3, 2)]
    row = rows.to_pylist()[0]
    assert row["share_of_ring"] == pytest.approx(6 / 8)
    assert row["share_of_network"] == pytest.approx(6 / 8)
    assert row["lift"] == pytest.approx((6 / 8) / (8 / 133))
    assert (row["first_review"].day, row["last_review"].day) == (1, 20)
