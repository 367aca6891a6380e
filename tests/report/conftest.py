"""A tiny results directory written by hand, with exactly known answers.

Network N-A1: accounts A1, A2, A3 own stores S1, S2, S3 and share device dev1 (all three), a Wi-Fi router (A1,
A2) and a phone whose value needs HTML escaping (A2, A3). Network N-B7: accounts B1, B2 sharing an IP, one store.
Store S5 belongs to no network. N-A1 has three sites (one without coordinates), three money parties (one of them
its own account A2; the collector paid straight or through A2, the supplier by the collector; A2's row
predates the chain columns) and revenue in 2025-01, 2025-03 and 2025-04; the data's last month is 2025-06 (N-B7).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from marketguard.pipeline.results import RESULT_SCHEMAS, write_result

Rows = list[dict[str, Any]]
PHONE = '+86 <138> & "co"'


def ts(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def result_table(name: str, rows: Rows) -> pa.Table:
    """Rows as the documented schema of result ``name``: a key outside the schema is a fixture bug; columns the
    rows leave out are null (so the fixture keeps working when the contract gains a column)."""
    schema = RESULT_SCHEMAS[name]
    for row in rows:
        unknown = set(row) - set(schema.names)
        assert not unknown, f"{name}: columns {sorted(unknown)} are not in RESULT_SCHEMAS"
    return pa.Table.from_pylist([{c: row.get(c) for c in schema.names} for row in rows], schema=schema)


def _link(
    a: str,
    b: str,
    net: str,
    kind: str,
    artifact: str,
    weight: float,
    n_sharing: int,
    n_events: int,
    first: str,
    last: str,
) -> dict[str, Any]:
    return {
        "account_a": a,
        "account_b": b,
        "network_id": net,
        "kind": kind,
        "artifact": artifact,
        "weight": weight,
        "n_sharing": n_sharing,
        "n_events": n_events,
        "first_seen": ts(first),
        "last_seen": ts(last),
        "pair_strength": 0.99,
    }


def _network(
    net: str, n_accounts: int, n_stores: int, score: float, revenue: float, n_orders: int, **shared: int
) -> dict[str, Any]:
    return {
        "network_id": net,
        "n_accounts": n_accounts,
        "n_stores": n_stores,
        "n_id_documents": n_accounts,
        "score": score,
        "revenue": revenue,
        "n_orders": n_orders,
        "first_seen": ts("2025-01-03"),
        "last_seen": ts("2025-06-20"),
        **{col: 0 for col in RESULT_SCHEMAS["networks"].names if col.startswith("n_shared_")},
        **shared,
        "reasons": [
            f"{n_stores} stores opened with {n_accounts} different identity documents share a device"
        ],
    }


def _listing(
    store: str, listing: str, brand: str, price: float, ratio: float, authorized: bool = False
) -> dict[str, Any]:
    return {
        "network_id": "N-A1",
        "store_id": store,
        "listing_id": listing,
        "brand": brand,
        "title": f"{brand} DDR4 <1:1> {listing}",
        "price": price,
        "currency": "CNY",
        "reference_price": 400.0,
        "price_ratio": ratio,
        "authorized": authorized,
        "listed_at": ts("2025-01-06"),
    }


def _site(
    rank: int, site_id: str, address: str, lat: float | None, lon: float | None, n: int, share: float
) -> dict[str, Any]:
    return {
        "network_id": "N-A1",
        "site_id": site_id,
        "rank": rank,
        "address": address,
        "address_latin": "12 Fenghuanglu, Baoan, Shenzhen" if site_id == "SITE-1" else None,
        "n_addresses": 1,
        "lat": lat,
        "lon": lon,
        "n_shipments": n,
        "n_stores": 2,
        "share": share,
        "exclusivity": 0.9,
        "n_sender_phones": 1,
        "first_seen": ts("2025-01-10"),
        "last_seen": ts("2025-04-20"),
        "active_days": 100.0,
        "score": 0.8,
        "reasons": [f"{n} parcels from this site"],
    }


def _party(
    rank: int, party: str, role: str, hops: int, amount: float, share: float, **chain: Any
) -> dict[str, Any]:
    """A money row; ``chain`` sets the chain columns (via, longest_hops, median_delay_days, active_share)."""
    return {
        "network_id": "N-A1",
        "party": party,
        "rank": rank,
        "role": role,
        "hops": hops,
        "amount": amount,
        "share": share,
        "n_transfers": 3,
        "first_seen": ts("2025-02-01"),
        "last_seen": ts("2025-05-01"),
        "reasons": [f"receives {share:.0%} of the settlements"],
        **chain,
    }


TABLES: dict[str, Rows] = {
    "networks": [
        _network("N-A1", 3, 3, 0.91, 1500.0, 12, n_shared_devices=1, n_shared_wifi=1, n_shared_phones=1),
        _network("N-B7", 2, 1, 0.40, 100.0, 1, n_shared_ips=1),
    ],
    "links": [
        _link("A2", "A3", "N-A1", "device", "dev1", 0.80, 3, 6, "2025-01-05", "2025-05-01"),
        _link("A1", "A2", "N-A1", "device", "dev1", 0.90, 3, 10, "2025-01-03", "2025-04-01"),
        _link("A1", "A3", "N-A1", "device", "dev1", 0.85, 3, 8, "2025-01-04", "2025-06-01"),
        _link("A1", "A2", "N-A1", "wifi", "aa:bb:cc:00:00:01", 0.70, 2, 5, "2025-02-01", "2025-03-01"),
        _link("A2", "A3", "N-A1", "phone", PHONE, 0.80, 2, 2, "2025-01-03", "2025-01-05"),
        _link("B1", "B2", "N-B7", "ip", "203.0.113.7", 0.50, 2, 4, "2025-06-01", "2025-06-20"),
    ],
    "store_scores": [
        {
            "store_id": "S1",
            "account_id": "A1",
            "score": 0.95,
            "rank": 1,
            "network_id": "N-A1",
            "reasons": ["cheap"],
        },
        {"store_id": "S3", "account_id": "A3", "score": 0.50, "rank": 4, "network_id": "N-A1", "reasons": []},
        {
            "store_id": "S2",
            "account_id": "A2",
            "score": 0.90,
            "rank": 2,
            "network_id": "N-A1",
            "reasons": ["young"],
        },
        {"store_id": "S4", "account_id": "B1", "score": 0.60, "rank": 3, "network_id": "N-B7", "reasons": []},
        {"store_id": "S5", "account_id": "X9", "score": 0.10, "rank": 5, "network_id": None, "reasons": []},
    ],
    "network_listings": [
        _listing("S2", "L9", "Kingmem", 150.0, 0.375, authorized=True),
        _listing("S1", "L2", "Kingmem", 120.0, 0.30),
        _listing("S1", "L1", "Kingmem", 90.0, 0.225),
    ],
    "network_revenue": [
        {"network_id": "N-A1", "month": "2025-04", "revenue": 700.0, "n_orders": 5, "units": 9},
        {"network_id": "N-A1", "month": "2025-01", "revenue": 300.0, "n_orders": 3, "units": 3},
        {"network_id": "N-A1", "month": "2025-03", "revenue": 500.0, "n_orders": 4, "units": 6},
        {"network_id": "N-B7", "month": "2025-06", "revenue": 100.0, "n_orders": 1, "units": 1},
    ],
    "sites": [
        _site(2, "SITE-2", "Warehouse B, Dongguan", 23.02, 113.75, 4, 0.3333),
        _site(1, "SITE-1", "深圳市宝安区凤凰路12号 (factory)", 22.60, 113.85, 7, 0.5833),
        _site(3, "SITE-3", "Unknown depot", None, None, 1, 0.0834),
    ],
    "money": [
        _party(
            3, "SUPPLIER-77", "supplier", 2, 200.0, 0.1333, via=["BANK-COLLECT-1"], median_delay_days=20.0
        ),
        _party(
            1,
            "BANK-COLLECT-1",
            "collector",
            1,
            1000.0,
            0.6667,
            via=[],
            longest_hops=2,
            active_share=0.9,
            median_delay_days=0.4,
        ),
        _party(2, "A2", "mule", 1, 300.0, 0.2),
    ],
    "declaration_scores": [
        {"declaration_id": "D7", "score": 0.93, "rank": 1, "network_id": "N-A1", "reasons": ["phone tie"]},
        {"declaration_id": "D2", "score": 0.10, "rank": 2, "network_id": None, "reasons": []},
    ],
}

MANIFEST = {
    "version": "0.1.0",
    "engine": "duckdb",
    "dataset": "/data/tiny-market",
    "missing_optional_tables": [],
    "stages": [{"name": "validate", "seconds": 1.25}, {"name": "link", "seconds": 0.5}],
    "outputs": {name: len(rows) for name, rows in TABLES.items()},
}

WriteResults = Callable[..., Path]


def write_results(
    out: Path, drop: tuple[str, ...] = (), manifest: dict[str, Any] | None = None, **replace: Rows
) -> Path:
    """Write the tiny results (without the tables in ``drop``, with ``replace`` tables swapped in)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in {**TABLES, **replace}.items():
        if name not in drop:
            write_result(out, name, result_table(name, rows))
    (out / "manifest.json").write_text(json.dumps(MANIFEST if manifest is None else manifest))
    return out


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """The full tiny results directory."""
    return write_results(tmp_path / "results")


@pytest.fixture
def make_results(tmp_path: Path) -> WriteResults:
    """Factory: ``make_results(drop=("sites",), manifest={...}, links=[...])`` writes a variant."""
    counter = iter(range(1000))

    def make(**kwargs: Any) -> Path:
        return write_results(tmp_path / f"results{next(counter)}", **kwargs)

    return make


def large_network(n_accounts: int = 100, n_artifacts: int = 90) -> dict[str, Rows]:
    """Tables for one network N-BIG of ``n_accounts`` accounts (one store each) sharing ``n_artifacts``
    artifacts, each used by two to three accounts chosen by fixed strides: a stress case for the figure's caps."""
    kinds = ("device", "wifi", "ip", "phone", "ip_net")
    links = []
    for j in range(n_artifacts):
        users = sorted({f"U{u % n_accounts:03d}" for u in (j, j + 1, 7 * j + 3)})
        for i, a in enumerate(users):
            for b in users[i + 1 :]:
                links.append(
                    _link(a, b, "N-BIG", kinds[j % 5], f"art-{j:03d}", 0.5, 3, 4, "2025-01-01", "2025-02-01")
                )
    stores = [
        {
            "store_id": f"T{i:03d}",
            "account_id": f"U{i:03d}",
            "score": 0.5,
            "rank": i + 1,
            "network_id": "N-BIG",
        }
        for i in range(n_accounts)
    ]
    networks = [_network("N-BIG", n_accounts, n_accounts, 0.7, 1.0e6, 900, n_shared_devices=18)]
    return {"networks": networks, "links": links, "store_scores": stores}


def agency_network(n_accounts: int = 50) -> dict[str, Rows]:
    """Tables for one network N-AG shaped like an e-commerce agency: every account works from one office (two
    Wi-Fi routers, four IP addresses of one /24, each seen by an overlapping share of the staff), staff pass
    devices around in pairs and threes, and account ids are long: the hub-heavy case for the graph's labels."""
    accounts = [f"U0100{i:05d}" for i in range(n_accounts)]
    links = []

    def share(users: list[str], kind: str, artifact: str, weight: float) -> None:
        for i, a in enumerate(users):
            for b in users[i + 1 :]:
                links.append(
                    _link(a, b, "N-AG", kind, artifact, weight, len(users), 9, "2025-01-01", "2025-03-01")
                )

    for router in ("c0:53:9c:ca:f8:2b", "e3:60:d7:65:41:df"):
        share(accounts, "wifi", router, 0.05)
    for k in range(4):
        share(sorted(set(accounts[k::2] + accounts[k + 1 :: 4])), "ip", f"123.113.252.{210 + k}", 0.08)
    for j in range(0, n_accounts - 2, 3):
        share(accounts[j : j + 2 + j % 2], "device", f"dv_{j:04d}a28ab35421bd", 0.6)
    stores = [
        {"store_id": f"S0100{i:04d}", "account_id": a, "score": 0.2, "rank": i + 1, "network_id": "N-AG"}
        for i, a in enumerate(accounts)
    ]
    networks = [_network("N-AG", n_accounts, n_accounts, 0.2, 2.0e5, 400, n_shared_devices=16)]
    return {"networks": networks, "links": links, "store_scores": stores}
