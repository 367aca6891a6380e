"""The import signals find bonded-zone parcels, version titles and import complaints in either language, in
the passes over parcels, listings and reviews that their groups make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from marketguard.engine import make_backend
from marketguard.engine.tables import Tables
from marketguard.features.signals import imports, logistics, reviews

T0 = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def tables() -> Iterator[Tables]:
    with make_backend("duckdb") as backend:
        backend.register_arrow("stores", pa.table({"store_id": ["G", "H"], "account_id": ["UG", "UH"]}))
        backend.register_arrow(
            "accounts", pa.table({"account_id": ["UG", "UH"], "region": ["深圳市", "南京市"]})
        )
        backend.register_arrow("listings", pa.table({
            "listing_id": ["L1", "L2", "L3", "L4"],
            "store_id": ["G", "G", "H", "H"],
            "title": ["【港版】BrandA 面霜", "BrandB serum International Version", "BrandA shoes", None],
            "brand": ["BrandA", "BrandB", "BrandA", "BrandA"],
        }))  # fmt: skip
        backend.register_arrow(
            "orders", pa.table({"order_id": ["O1", "O2", "O3"], "listing_id": ["L1", "L2", "L3"]})
        )
        backend.register_arrow("shipments", pa.table({
            "order_id": ["O1", "O2", "O3"],
            "origin_address": ["广东省深圳市南山区前海综合保税区妈湾大道289号", "Waigaoqiao Bonded Zone, Shanghai", "南京市玄武区2号"],
        }))  # fmt: skip
        backend.register_arrow("reviews", pa.table({
            "listing_id": ["L1", "L2", "L3", "L3"],
            "order_id": ["O1", "O2", "O3", None],
            "rating": [3, 2, 1, 5],
            "ts": pa.array([T0] * 4, pa.timestamp("us", "UTC")),
            "text": ["正品，就是没有国内保修", "no local WARRANTY", "假货", None],
        }))  # fmt: skip
        yield Tables(backend, frozenset({"stores", "accounts", "listings", "orders", "shipments", "reviews"}))


def _rows(tables: Tables, sql: str, *columns: str) -> dict[str, tuple]:
    table = tables.fetch(f"SELECT store_id, {', '.join(columns)} FROM ({sql}) s", "import signals")
    return {r["store_id"]: tuple(r[c] for c in columns) for r in table.to_pylist()}


def test_an_importer_and_an_ordinary_seller(tables: Tables) -> None:
    assert _rows(tables, logistics.GROUP.sql(tables), "share_parcels_bonded") == {"G": (1.0,), "H": (0.0,)}
    assert _rows(tables, imports.LISTINGS.sql(tables), "share_version_titles", "n_brands") == {
        "G": (1.0, 2),
        "H": (0.0, 1),
    }
    assert _rows(tables, reviews.GROUP.sql(tables), "share_import_complaints") == {"G": (1.0,), "H": (0.0,)}
