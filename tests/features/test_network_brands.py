"""Which brands each network sells: listings and stores per brand, and how many of those stores are authorised."""

from __future__ import annotations

import pyarrow as pa

from marketguard.engine import make_backend
from marketguard.features.networks import network_brands_sql


def test_brands_per_network_count_listings_stores_and_authorised_stores_once() -> None:
    with make_backend("duckdb") as backend:
        backend.register_arrow(
            "account_networks",
            pa.table({"account_id": ["A1", "A2", "B1"], "network_id": ["N-A", "N-A", "N-B"]}),
        )
        backend.register_arrow(
            "stores", pa.table({"store_id": ["S1", "S2", "S3", "S9"], "account_id": ["A1", "A2", "B1", "Z9"]})
        )
        backend.register_arrow(
            "listings",
            pa.table(
                {
                    "listing_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7"],
                    "store_id": ["S1", "S1", "S2", "S2", "S3", "S9", "S3"],
                    "brand": ["Acme", "Acme", "Acme", "Bolt", "Acme", "Acme", ""],
                }
            ),
        )
        # S2 is authorised for Acme twice over (a duplicated row): it counts once; S9 is in no network
        backend.register_arrow(
            "authorized_sellers",
            pa.table({"brand": ["Acme", "Acme", "Bolt"], "store_id": ["S2", "S2", "S3"]}),
        )
        backend.run(network_brands_sql(with_authorised=True))
        rows = backend.fetch("SELECT * FROM network_brands ORDER BY network_id, brand", "brands").to_pylist()
        backend.run(network_brands_sql(with_authorised=False))
        plain = backend.fetch("SELECT * FROM network_brands ORDER BY network_id, brand", "brands").to_pylist()
    assert rows == [
        {"network_id": "N-A", "brand": "Acme", "n_listings": 3, "n_stores": 2, "n_authorized_stores": 1},
        {"network_id": "N-A", "brand": "Bolt", "n_listings": 1, "n_stores": 1, "n_authorized_stores": 0},
        {"network_id": "N-B", "brand": "Acme", "n_listings": 1, "n_stores": 1, "n_authorized_stores": 0},
    ]
    assert [r["n_authorized_stores"] for r in plain] == [0, 0, 0]
