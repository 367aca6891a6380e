"""Exact ``office`` evidence: accounts that alone share a place and a purse are tied; a loose coincidence (a park's
router and a wholesaler with customers elsewhere) counts for little; stores that paid nobody do not dilute it; a
fee account past a payee's hub cap still makes one, a proxy's or a warehouse's users never (places are never hubs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.contract import validate
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from tests.conftest import write_tiny

#: Ten stores worked from one office: one Wi-Fi router, each store on its own computer and its own IP network,
#: every store paying the office's fee account. Ten users make each artifact weak alone.
OFFICE = [f"A{i:02d}" for i in range(10)]


def _market(wifi: dict[str, str], payees: dict[str, str]) -> dict:
    """Owners of ``wifi`` (account -> router) and ``payees`` (account -> party its bank pays), each with one
    store, its own device and its own IP network; every login on its router."""
    owners = sorted(set(wifi) | set(payees))
    return {
        "accounts": {
            "account_id": owners,
            "created_at": ["2025-01-01"] * len(owners),
            "id_document": [f"doc-{a}" for a in owners],
            "bank_account": [f"bank-{a}" for a in owners],
        },
        "stores": {
            "store_id": [f"S-{a}" for a in owners],
            "account_id": owners,
            "opened_at": ["2025-02-01"] * len(owners),
            "template": ["basic"] * len(owners),
        },
        "logins": {
            "account_id": owners,
            "ts": ["2025-02-02T00:00:00Z"] * len(owners),
            "ip": [f"10.{i}.0.1" for i in range(len(owners))],
            "device_id": [f"own-{a}" for a in owners],
            "wifi_bssid": [wifi.get(a) for a in owners],
        },
        "transfers": {
            "transfer_id": [f"T-{a}" for a in payees],
            "ts": ["2025-03-05T00:00:00Z"] * len(payees),
            "from_party": [f"bank-{a}" for a in payees],
            "to_party": list(payees.values()),
            "amount": [100.0] * len(payees),
            "kind": ["transfer"] * len(payees),
        },
    }


def _fit(tmp_path: Path, data: dict, engine: str = "duckdb", **params) -> OperatorLinker:
    with make_backend(engine) as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=data))
        return OperatorLinker(**params).fit(tables)


def _networks(linker: OperatorLinker) -> dict[str, str]:
    return dict(
        zip(
            linker.assignments_.column("account_id").to_pylist(),
            linker.assignments_.column("network_id").to_pylist(),
            strict=True,
        )
    )


def _office_data() -> dict:
    return _market({a: "office-ap" for a in OFFICE}, {a: "fee" for a in OFFICE})


def test_an_office_router_and_fee_account_used_by_the_same_ten_accounts_tie_them(tmp_path) -> None:
    linker = _fit(tmp_path, _office_data())
    assert _networks(linker) == {a: "N-A00" for a in OFFICE}
    links = linker.links_.to_pylist()
    office = [r for r in links if r["kind"] == "office"]
    assert len(office) == 45  # every pair of the ten, once
    assert {r["artifact"] for r in office} == {"wifi:office-ap & payee:fee"}
    assert {r["weight"] for r in office} == {0.45}  # the sets coincide: J = 1
    assert {r["n_sharing"] for r in office} == {10}
    # the router (0.7 / (1 + 8 / 8)) and the fee account (0.45 / (1 + 8 / 3)) alone: 0.43, under the link
    # strength; with the office's 0.45
    assert sorted({r["pair_strength"] for r in links}) == pytest.approx(
        [1 - 0.65 * (1 - 0.45 / (11 / 3)) * 0.55]
    )


def test_without_the_office_kind_the_same_accounts_stay_apart(tmp_path) -> None:
    linker = _fit(tmp_path, _office_data(), kinds=("payee",))
    assert _networks(linker) == {}


def test_a_park_router_and_a_wholesaler_with_customers_elsewhere_count_for_little(tmp_path) -> None:
    # ten park tenants on the park's router; five of them and five sellers elsewhere pay one wholesaler, the
    # other five their own suppliers
    park = {a: "park-ap" for a in OFFICE}
    elsewhere = [f"B{i}" for i in range(5)]
    payees = {a: "wholesaler" for a in [*OFFICE[:5], *elsewhere]} | {a: f"supplier-{a}" for a in OFFICE[5:]}
    linker = _fit(tmp_path, _market(park, payees))
    assert _networks(linker) == {}
    # J = 5 / 15: 0.45 / 9 = 0.05, and 1 - 0.65 x (1 - 0.45 / (11 / 3)) x 0.95 = 0.458 < 0.5
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "p", "parquet", tables=_market(park, payees)))
        OperatorLinker().fit(tables)
        rows = tables.fetch(
            "SELECT DISTINCT artifact, weight FROM office_evidence", "office rows"
        ).to_pylist()
    assert rows == [{"artifact": "wifi:park-ap & payee:wholesaler", "weight": pytest.approx(0.05)}]


def _office_rows(tmp_path: Path, data: dict) -> list[dict]:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "rows", "parquet", tables=data))
        OperatorLinker().fit(tables)
        return tables.fetch(
            "SELECT account_a, account_b, artifact, n_accounts, weight FROM office_evidence ORDER BY 1, 2",
            "office rows",
        ).to_pylist()


def test_stores_that_paid_nobody_yet_do_not_hide_their_office(tmp_path) -> None:
    # ten stores behind the office router; seven pay its fee account, three have paid nobody (not selling yet)
    payers = OFFICE[:7]
    rows = _office_rows(tmp_path, _market({a: "office-ap" for a in OFFICE}, {a: "fee" for a in payers}))
    assert len(rows) == 21  # the seven payers' pairs, each once
    assert {r["account_a"] for r in rows} | {r["account_b"] for r in rows} == set(payers)
    assert {r["weight"] for r in rows} == {0.45}  # J = 7 / 7 (was 7 / 10: 0.22)
    # ... while three users paying someone else do count against the coincidence: J = 7 / 10
    others = {a: f"own-{a}" for a in OFFICE[7:]}
    rows = _office_rows(
        tmp_path / "o", _market({a: "office-ap" for a in OFFICE}, {a: "fee" for a in payers} | others)
    )
    assert [r["weight"] for r in rows] == pytest.approx([0.45 * 0.7**2] * 21)


def test_a_fee_account_paid_by_more_stores_than_a_payees_cap_still_makes_an_office(tmp_path) -> None:
    # 30 stores behind one router pay one fee account: a hub as a payee (cap 26, where a shared payee alone is
    # worth 0.05), an exact coincidence as an office
    agency = [f"G{i:02d}" for i in range(30)]
    linker = _fit(tmp_path, _market({a: "agency-ap" for a in agency}, {a: "fee" for a in agency}))
    assert _networks(linker) == {a: "N-G00" for a in agency}
    kinds = {r["kind"] for r in linker.links_.to_pylist()}
    assert kinds == {"wifi", "office"}  # the fee account itself is a hub: never paired
    assert linker.hubs_.to_pylist() == [
        {"kind": "payee", "artifact": "fee", "n_accounts": 30, "n_events": 30}
    ]


def test_a_coincidence_worth_less_than_the_worthless_weight_makes_no_row(tmp_path) -> None:
    park = {a: "park-ap" for a in OFFICE}
    payees = {a: "wholesaler" for a in [*OFFICE[:4], *(f"B{i}" for i in range(6))]}  # J = 4 / 16
    payees |= {a: f"supplier-{a}" for a in OFFICE[4:]}
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=_market(park, payees)))
        OperatorLinker().fit(tables)
        assert tables.fetch("SELECT * FROM office_evidence", "office rows").num_rows == 0


def test_two_users_of_each_make_no_office(tmp_path) -> None:
    pair = OFFICE[:2]
    with make_backend("duckdb") as backend:
        data = _market({a: "ap" for a in pair}, {a: "fee" for a in pair})
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=data))
        OperatorLinker().fit(tables)
        assert tables.fetch("SELECT * FROM office_evidence", "office rows").num_rows == 0


def test_the_office_kind_needs_a_money_kind(tmp_path) -> None:
    assert _fit(tmp_path, _office_data(), kinds=("office",)).kinds_ == ()
    assert _fit(tmp_path / "d", _office_data(), kinds=("destination", "office")).kinds_ == (
        "destination",
        "office",
    )


@pytest.mark.spark
def test_spark_ties_an_office_as_duckdb_does(tmp_path) -> None:
    # seven of the office's ten stores pay its fee account, three have paid nobody: J over those who paid
    data = _market({a: "office-ap" for a in OFFICE}, {a: "fee" for a in OFFICE[:7]})
    duck = _fit(tmp_path / "duck", data)
    spark = _fit(tmp_path / "spark", data, "spark")
    assert {r["kind"] for r in duck.links_.to_pylist()} == {"wifi", "payee", "office"}
    assert spark.links_.to_pylist() == duck.links_.to_pylist()
    assert spark.assignments_.to_pylist() == duck.assignments_.to_pylist()
