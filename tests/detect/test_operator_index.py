"""The incremental index replays a marketplace event by event and ends with the batch linker's networks."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from marketguard.contract import validate
from marketguard.detect.operator_index import OperatorIndex
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from marketguard.features.evidence import ip_network
from marketguard.simulate import simulate


def _events(tables: dict[str, pa.Table]) -> list[tuple]:
    """Accounts, stores and logins in time order (accounts before their logins at equal times)."""
    events = [(r["created_at"], 0, "accounts", r) for r in tables["accounts"].to_pylist()]
    events += [(r["opened_at"], 1, "stores", r) for r in tables["stores"].to_pylist()]
    events += [(r["ts"], 2, "logins", r) for r in tables["logins"].to_pylist()]
    events.sort(key=lambda e: (e[0], e[1]))
    return events


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    mp = simulate(n_stores=120, seed=21, difficulty="normal")
    tables = {t: mp.tables[t] for t in ("accounts", "stores", "logins")}
    out = tmp_path_factory.mktemp("replay")
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")
    return out, tables


def _batch_networks(path) -> dict[str, str]:
    with make_backend("duckdb") as backend:
        validated, report = validate(backend, path)
        assert report.n_quarantined == 0
        batch = OperatorLinker().fit(validated).assignments_
    return dict(
        zip(batch.column("account_id").to_pylist(), batch.column("network_id").to_pylist(), strict=True)
    )


def _replay(index: OperatorIndex, events: list[tuple]) -> list[float]:
    latencies = []
    for _, _, table, row in events:
        start = time.perf_counter()
        index.add(table, row)
        latencies.append(time.perf_counter() - start)
    return latencies


def test_replaying_events_gives_the_batch_networks(market) -> None:
    path, tables = market
    expected = _batch_networks(path)
    index = OperatorIndex()
    latencies = _replay(index, _events(tables))
    assert len(expected) > 20
    assert index.networks() == expected
    account = min(expected)
    network, reasons = index.network_of(account)
    assert network == expected[account] and reasons and reasons[0].startswith("linked to ")
    assert np.percentile(latencies, 50) < 0.01  # the bar (p99 <= 1 ms at 1M accounts) lives in benchmarks


@pytest.mark.parametrize("max_accounts", [60, 3])
def test_networks_read_after_every_event_are_the_batch_networks(market, max_accounts) -> None:
    """Read as the live scorer reads them (an event's account's network, re-clustering only what changed; here
    after every fifth event, so that changes wait in accounts other than the one read), the networks end as the
    batch's, with Leiden cutting components (max 3 accounts) or not."""
    path, tables = market
    with make_backend("duckdb") as backend:
        validated, _ = validate(backend, path)
        batch = OperatorLinker(max_network_accounts=max_accounts).fit(validated).assignments_
        whole = OperatorLinker().fit(validated).assignments_
    expected = dict(
        zip(batch.column("account_id").to_pylist(), batch.column("network_id").to_pylist(), strict=True)
    )
    members: dict[str, set[str]] = {}
    for account, network in expected.items():
        members.setdefault(network, set()).add(account)
    n_whole = len(set(whole.column("network_id").to_pylist()))
    assert len(members) > 5 and (len(members) > n_whole if max_accounts == 3 else len(members) == n_whole)
    index = OperatorIndex(OperatorLinker(max_network_accounts=max_accounts))
    for i, (_, _, table, row) in enumerate(_events(tables)):
        index.add(table, row)
        if i % 5 == 0:
            index.network_mates(row["account_id"])
    for account in tables["accounts"].column("account_id").to_pylist():
        network, mates = index.network_mates(account)
        assert network == expected.get(account), account
        if network is not None:
            assert {account, *mates} == members[network]


def test_a_link_made_by_others_shows_in_the_network_of_an_account_it_does_not_touch() -> None:
    """a and b share a device; later c and b share another. Reading a's network (a itself unchanged) finds c."""
    index = OperatorIndex()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for account in ("a", "b", "c"):
        index.add_account(account, start)
    index.add_store("s-a", "a")
    index.add_login("a", start + timedelta(hours=1), "198.51.100.1", device_id="d1")
    index.add_login("b", start + timedelta(hours=2), "198.51.100.2", device_id="d1")
    assert index.network_mates("a") == ("N-a", ["b"])
    index.add_login("c", start + timedelta(hours=3), "203.0.113.9", device_id="d2")
    index.add_login("b", start + timedelta(hours=4), "198.51.100.2", device_id="d2")
    network, mates = index.network_mates("a")
    assert network == "N-a" and sorted(mates) == ["b", "c"]


def test_ip_network_matches_the_sql() -> None:
    assert ip_network("203.0.113.7") == "203.0.113"
    assert ip_network("2001:DB8::1") == "2001:db8:0:0"
    assert ip_network("2408:8000:7325:0002:2160:498c:8d9f:870b") == "2408:8000:7325:0002"
    with make_backend("duckdb") as backend:
        from marketguard.features.evidence import ip_network_sql

        ips = [
            "203.0.113.7",
            "2001:DB8::1",
            "2408:8000:7325:0002:2160:498c:8d9f:870b",
            "fe80::1ff:fe23:4567:890a",
            "::ffff:198.51.100.9",
            "10.1.2.3",
        ]
        backend.register_arrow("t", pa.table({"ip": ips}))
        sql = backend.fetch(f"SELECT {ip_network_sql('ip')} AS net FROM t", "nets").column(0).to_pylist()
        assert sql == [ip_network(ip) for ip in ips]
        assert pc.count(pa.array(sql)).as_py() == len(ips)


def test_an_index_loaded_from_a_batch_then_fed_the_rest_gives_the_batch_networks(market, tmp_path) -> None:
    path, tables = market
    cut = pc.quantile(tables["logins"].column("ts").cast(pa.int64()), 0.6).to_pylist()[0]
    cut_ts = pa.scalar(cut, pa.int64()).cast(tables["logins"].schema.field("ts").type)
    before = {
        "accounts": tables["accounts"].filter(pc.less(tables["accounts"].column("created_at"), cut_ts)),
        "stores": tables["stores"].filter(pc.less(tables["stores"].column("opened_at"), cut_ts)),
    }
    early = pc.is_in(tables["logins"].column("account_id"), value_set=before["accounts"].column("account_id"))
    before["logins"] = tables["logins"].filter(pc.and_(pc.less(tables["logins"].column("ts"), cut_ts), early))
    for name, table in before.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    with make_backend("duckdb") as backend:
        validated, report = validate(backend, tmp_path)
        assert report.n_quarantined == 0
        linker = OperatorLinker().fit(validated)
        index = OperatorIndex.from_batch(linker, validated)
        loaded = dict(
            zip(
                linker.assignments_.column("account_id").to_pylist(),
                linker.assignments_.column("network_id").to_pylist(),
                strict=True,
            )
        )
    assert index.networks() == loaded and len(loaded) > 10
    seen = {name: set(t.column(0).to_pylist()) for name, t in before.items() if name != "logins"}
    seen_logins = set(
        zip(*(before["logins"].column(c).to_pylist() for c in ("account_id", "ts")), strict=True)
    )
    rest = [
        e
        for e in _events(tables)
        if (e[2] == "accounts" and e[3]["account_id"] not in seen["accounts"])
        or (e[2] == "stores" and e[3]["store_id"] not in seen["stores"])
        or (e[2] == "logins" and (e[3]["account_id"], e[3]["ts"]) not in seen_logins)
    ]
    assert 100 < len(rest) < len(_events(tables))
    _replay(index, rest)
    expected = _batch_networks(path)
    assert index.networks() == expected
    assert index.networks() != loaded  # the later events did change the networks


def test_an_artifact_crossing_its_degree_cap_stops_linking_like_the_batch(tmp_path) -> None:
    """Two stores share a device and (with two more accounts) a phone: linked. Then 137 more accounts log in on
    the device: at 139 users it is a hub (device cap 138) and stops counting. Its weight would have been 0.05,
    just enough to keep the pair above 0.5 with the phone's 0.48: the link must go, in the index as in the
    batch."""
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    ids = [f"A{i:03d}" for i in range(139)]
    accounts = pa.table(
        {
            "account_id": ids,
            "created_at": [t0] * len(ids),
            "id_document": [f"D{i}" for i in range(len(ids))],
            "phone": ["P-shared" if i < 4 else f"P{i}" for i in range(len(ids))],
            "email": [None] * len(ids),
            "bank_account": [None] * len(ids),
            "registered_region": ["Guangdong"] * len(ids),
        }
    )
    stores = pa.table(
        {
            "store_id": ["S0", "S1"],
            "account_id": ids[:2],
            "opened_at": [t0, t0],
            "category": ["electronics"] * 2,
            "template": ["basic"] * 2,
        }
    )
    logins = [(ids[i % 2], t0 + timedelta(hours=i), f"10.0.{i % 2}.{i}", "DEV-1", None) for i in range(10)]
    logins += [
        (a, t0 + timedelta(days=1, minutes=j), f"10.9.{j}.1", "DEV-1", None) for j, a in enumerate(ids[2:])
    ]
    login_table = pa.table(
        dict(
            zip(
                ["account_id", "ts", "ip", "device_id", "wifi_bssid"],
                [list(c) for c in zip(*logins, strict=True)],
                strict=True,
            )
        ),
        schema=pa.schema(
            [
                ("account_id", pa.string()),
                ("ts", pa.timestamp("us", tz="UTC")),
                ("ip", pa.string()),
                ("device_id", pa.string()),
                ("wifi_bssid", pa.string()),
            ]
        ),
    )
    tables = {"accounts": accounts, "stores": stores, "logins": login_table}
    index = OperatorIndex()
    events = _events(tables)
    _replay(index, [e for e in events if e[0] < t0 + timedelta(days=1)])
    assert index.network_of("A000")[0] == "N-A000"  # ten logins on one device: linked
    _replay(index, [e for e in events if e[0] >= t0 + timedelta(days=1)])
    for name, table in tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    assert index.networks() == _batch_networks(tmp_path) == {}
    assert index.network_of("A000") == (None, [])


def test_rows_of_other_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="not 'orders'"):
        OperatorIndex().add("orders", {"order_id": "O1"})
