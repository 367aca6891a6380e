"""The import signals find bonded-zone parcels, version titles and import complaints in either language."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from marketguard.features.signals import imports


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("listings", pa.table({
        "listing_id": ["L1", "L2", "L3", "L4"],
        "store_id": ["G", "G", "H", "H"],
        "title": ["【港版】BrandA 面霜", "BrandB serum International Version", "BrandA shoes", None],
        "brand": ["BrandA", "BrandB", "BrandA", "BrandA"],
    }))  # fmt: skip
    con.register("orders", pa.table({"order_id": ["O1", "O2", "O3"], "listing_id": ["L1", "L2", "L3"]}))
    con.register("shipments", pa.table({
        "order_id": ["O1", "O2", "O3"],
        "origin_address": ["广东省深圳市南山区前海综合保税区妈湾大道289号", "Waigaoqiao Bonded Zone, Shanghai", "南京市玄武区2号"],
    }))  # fmt: skip
    con.register("reviews", pa.table({
        "listing_id": ["L1", "L2", "L3", "L3"],
        "text": ["正品，就是没有国内保修", "no local WARRANTY", "假货", None],
    }))  # fmt: skip
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(sql).fetchall()}


def test_an_importer_and_an_ordinary_seller(con) -> None:  # type: ignore[no-untyped-def]
    assert _rows(con, imports._parcels_sql(None)) == {"G": (1.0,), "H": (0.0,)}  # type: ignore[arg-type]
    assert _rows(con, imports._listings_sql(None)) == {"G": (1.0, 2), "H": (0.0, 1)}  # type: ignore[arg-type]
    assert _rows(con, imports._reviews_sql(None)) == {"G": (1.0,), "H": (0.0,)}  # type: ignore[arg-type]
