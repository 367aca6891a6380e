"""Shared fixtures: a tiny valid dataset written in any supported format, and a small simulated marketplace."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from marketguard.threads import VARIABLE as THREADS_VARIABLE
from marketguard.threads import thread_budget

# pytest-xdist's workers share the machine: each gets its share of the cores as marketguard's thread budget
# (DuckDB, LightGBM and numba in this process and in the commands it starts), so that two workers' pools do not
# take turns on the same cores (marketguard.threads)
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1 and THREADS_VARIABLE not in os.environ:
    os.environ[THREADS_VARIABLE] = str(max(1, thread_budget() // _WORKERS))

TINY: dict[str, dict[str, list[Any]]] = {
    "accounts": {
        "account_id": ["A1", "A2", "A3", "A4"],
        "created_at": ["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "2025-03-01"],
        "id_document": ["d1", "d2", "d3", "d4"],
        "phone": ["p1", "p2", "p3", "p4"],
        "email": ["e1", "e2", "e3", "e4"],
        "bank_account": ["b1", "b2", "b3", "b4"],
        "region": ["Shenzhen", "Guangzhou", "Hangzhou", None],
    },
    "stores": {
        "store_id": ["S1", "S2", "S3"],
        "account_id": ["A1", "A2", "A3"],
        "opened_at": ["2025-01-05T00:00:00Z", "2025-01-06T00:00:00Z", "2024-06-01T00:00:00Z"],
        "template": ["basic", "basic", "custom"],
        "main_category": ["memory", "memory", "bags"],
        "name": ["Store one", "Store two", "Store three"],
        "closed_at": [None, None, None],
    },
    "logins": {
        "account_id": ["A1", "A2", "A3", "A4", "A1"],
        "ts": ["2025-02-01T10:00:00Z"] * 5,
        "ip": ["203.0.113.7", "203.0.113.8", "198.51.100.1", "2001:db8::1", "203.0.113.7"],
        "device_id": ["dev1", "dev1", "dev3", "dev4", "dev1"],
        "wifi_bssid": ["aa:bb:cc:00:00:01", "aa:bb:cc:00:00:01", None, None, None],
        "user_agent": ["ua"] * 5,
    },
    "brands": {
        "brand": ["Kingmem", "Lumo"],
        "category": ["memory", "bags"],
        "reference_price": [400.0, 1200.0],
        "currency": ["CNY", "CNY"],
    },
    "authorized_sellers": {"brand": ["Lumo"], "store_id": ["S3"]},
    "listings": {
        "listing_id": ["L1", "L2", "L3"],
        "store_id": ["S1", "S2", "S3"],
        "title": ["Kingmem 16GB DDR4 1:1", "Kingmem 8GB", "Lumo tote"],
        "brand": ["Kingmem", "Kingmem", "Lumo"],
        "category": ["memory", "memory", "bags"],
        "price": [90.0, 100.0, 1150.0],
        "currency": ["CNY"] * 3,
        "listed_at": ["2025-01-06T00:00:00Z"] * 3,
    },
    "orders": {
        "order_id": ["O1", "O2", "O3"],
        "listing_id": ["L1", "L2", "L3"],
        "buyer_account_id": ["A4", "A4", "A4"],
        "ts": ["2025-02-02T00:00:00Z"] * 3,
        "quantity": [2, 1, 1],
        "amount": [180.0, 100.0, 1150.0],
        "ship_to_region": ["Beijing"] * 3,
    },
    "reviews": {
        "review_id": ["R1", "R2"],
        "listing_id": ["L1", "L3"],
        "reviewer_account_id": ["A4", "A4"],
        "order_id": ["O1", None],
        "ts": ["2025-02-05T00:00:00Z"] * 2,
        "rating": [5, 4],
        "text": ["great", "ok"],
    },
    "shipments": {
        "shipment_id": ["SH1", "SH2"],
        "order_id": ["O1", "O2"],
        "carrier": ["SF", "SF"],
        "picked_up_at": ["2025-02-03T00:00:00Z"] * 2,
        "origin_address": ["深圳市宝安区凤凰路12号", "Shenzhen"],
        "origin_lat": [22.6, None],
        "origin_lon": [113.8, None],
        "sender_phone": ["p9", None],
    },
    "transfers": {
        "transfer_id": ["T1", "T2"],
        "ts": ["2025-02-10T00:00:00Z", "2025-02-11T00:00:00Z"],
        "from_party": ["PLATFORM", "b1"],
        "to_party": ["b1", "X9"],
        "amount": [180.0, 170.0],
        "currency": ["CNY", "CNY"],
        "kind": ["settlement", "transfer"],
    },
    "declarations": {
        "declaration_id": ["D1"],
        "filed_at": ["2025-03-01T00:00:00Z"],
        "exporter": ["Xinda Trading"],
        "exporter_address": ["深圳"],
        "exporter_phone": ["p9"],
        "hs_code": ["847330"],
        "description": ["memory modules"],
        "brand": ["Kingmem"],
        "quantity": [500],
        "declared_value": [2000.0],
        "currency": ["USD"],
        "destination_country": ["KH"],
        "port": ["Shekou"],
    },
    "labels": {
        "entity_type": ["store", "store"],
        "entity_id": ["S1", "S3"],
        "label": [1, 0],
        "source": ["investigation"] * 2,
        "labeled_at": ["2025-06-01T00:00:00Z"] * 2,
    },
}


def _as_text(values: list[Any]) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def write_tiny(
    path: Path,
    fmt: str = "csv",
    edit: Callable[[dict], None] | None = None,
    tables: dict[str, dict[str, list[Any]]] | None = None,
) -> Path:
    """Write the tiny dataset (after ``edit`` mutates a deep copy) as CSV, Parquet or a DuckDB file."""
    data = {t: {c: list(v) for c, v in cols.items()} for t, cols in (tables or TINY).items()}
    if edit is not None:
        edit(data)
    path.mkdir(parents=True, exist_ok=True)
    arrow = {t: pa.table({c: _as_text(v) for c, v in cols.items()}) for t, cols in data.items()}
    if fmt == "duckdb":
        db = path / "market.duckdb"
        with duckdb.connect(str(db)) as con:
            for t, table in arrow.items():
                con.register("tmp", table)
                con.execute(f"CREATE TABLE {t} AS SELECT * FROM tmp")
                con.unregister("tmp")
        return db
    for t, table in arrow.items():
        if fmt == "csv":
            pacsv.write_csv(table, path / f"{t}.csv")
        else:
            pq.write_table(table, path / f"{t}.parquet")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``tiny(edit=fn, fmt="csv")`` writes a mutated tiny dataset and returns its location."""
    counter = iter(range(1000))

    def make(edit: Callable[[dict], None] | None = None, fmt: str = "csv") -> Path:
        return write_tiny(tmp_path / f"ds{next(counter)}", fmt, edit)

    return make


@pytest.fixture(scope="session")
def small_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated marketplace (300 stores, normal difficulty), written once per session."""
    from marketguard.simulate import simulate, write_marketplace

    out = tmp_path_factory.mktemp("market")
    write_marketplace(simulate(n_stores=300, seed=11, difficulty="normal"), out)
    return out


#: A PostgreSQL server for the case-store tests: an SQLAlchemy URL of a role allowed to create databases (each
#: test gets its own, dropped after). `.ci/run` starts Debian's PostgreSQL and sets it; without it those tests skip.
POSTGRES_VARIABLE = "MARKETGUARD_TEST_POSTGRES"


@pytest.fixture(params=["sqlite", "postgresql"])
def case_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh case-store database URL on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.sqlite'}"
        return
    server = os.environ.get(POSTGRES_VARIABLE)
    if not server:
        if os.environ.get("MARKETGUARD_REQUIRE_POSTGRES"):  # .ci/run: a missing server is a failure there
            pytest.fail(f"{POSTGRES_VARIABLE} is not set, and MARKETGUARD_REQUIRE_POSTGRES says it must be")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_VARIABLE} (.ci/run does)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"marketguard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(admin, name)
        admin.dispose()


def _drop(admin, name: str) -> None:
    """Drop a test database. FORCE ends our own leftover connections; an autovacuum worker visiting the new
    database belongs to the server, which our role may not end: it leaves within moments, so try again."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(20):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == 19:
                raise
            time.sleep(0.5)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first (the README's commands, then the Spark tests): under pytest-xdist (``make test``)
    they start at once on one worker while the other takes the many short ones, so no long test starts last."""
    items.sort(
        key=lambda item: (
            0 if item.get_closest_marker("readme") else 1 if item.get_closest_marker("spark") else 2
        )
    )
