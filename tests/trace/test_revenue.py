"""Revenue per network and month: in the listings' currency, and flagged when a network's listings use several
(a sum across currencies must not pass for one figure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from marketguard.engine import Tables, make_backend
from marketguard.sentences import in_currency
from marketguard.trace.revenue import revenue_steps


def _tables(backend, currencies: dict[str, str | None]) -> Tables:
    t = datetime(2025, 3, 1, tzinfo=UTC)
    backend.register_arrow(
        "account_networks", pa.table({"account_id": ["A", "B"], "network_id": ["N-A", "N-A"]})
    )
    backend.register_arrow("stores", pa.table({"store_id": ["S1", "S2"], "account_id": ["A", "B"]}))
    backend.register_arrow(
        "listings",
        pa.table(
            {
                "listing_id": list(currencies),
                "store_id": ["S1", "S2"][: len(currencies)],
                "currency": pa.array(list(currencies.values()), pa.string()),
            }
        ),
    )
    backend.register_arrow(
        "orders",
        pa.table(
            {
                "order_id": ["O1", "O2"],
                "listing_id": ["L1", "L2"],
                "ts": pa.array([t, t], pa.timestamp("us", tz="UTC")),
                "amount": [100.0, 50.0],
                "quantity": [1, 2],
            }
        ),
    )
    return Tables(backend, frozenset({"stores", "listings", "orders"}))


@pytest.mark.parametrize(
    ("currencies", "expected"),
    [
        ({"L1": "CNY", "L2": "CNY"}, "CNY"),
        ({"L1": "CNY", "L2": "USD"}, "mixed"),
        ({"L1": None, "L2": ""}, None),
    ],
)
def test_each_month_says_its_currency(currencies: dict[str, str | None], expected: str | None) -> None:
    with make_backend("duckdb") as backend:
        tables = _tables(backend, currencies)
        tables.run(revenue_steps(90))
        rows = tables.fetch("SELECT * FROM network_revenue", "revenue").to_pylist()
    assert rows == [
        {
            "network_id": "N-A",
            "month": "2025-03",
            "revenue": 150.0,
            "currency": expected,
            "n_orders": 2,
            "units": 3,
        }
    ]


def test_a_figure_reads_with_its_currency() -> None:
    assert in_currency("1.02M", "CNY") == "CNY 1.02M"
    assert in_currency("1.02M", None) == "1.02M"
    assert in_currency("1.02M", "mixed") == "1.02M (several currencies)"
