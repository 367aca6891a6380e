"""The simulator's tables follow the data contract exactly: names, columns, types, keys and references."""

from __future__ import annotations

import ipaddress

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from marketguard.contract.spec import LOAD_ORDER, TABLES, Kind
from marketguard.simulate import DIFFICULTIES, Marketplace, simulate, write_marketplace

S, TS, F, INT, B = pa.string(), pa.timestamp("us", tz="UTC"), pa.float64(), pa.int64(), pa.bool_()
ARROW = {Kind.STRING: S, Kind.IP: S, Kind.TIMESTAMP: TS, Kind.FLOAT: F, Kind.INT: INT}
CONTRACT = {name: {c.name: ARROW[c.kind] for c in TABLES[name].columns} for name in LOAD_ORDER}
TRUTH = {
    "stores": {
        **{"store_id": S, "is_counterfeit": B, "operator_id": S, "operator_kind": S},
        **{"bought_at": TS, "is_aged_account": B},
    },
    "accounts": {"account_id": S, "operator_id": S, "role": S},
    "reviews": {"review_id": S, "is_fake": B, "farm_id": S, "campaign_id": S},
    "sites": {"operator_id": S, "site_id": S, "kind": S, "address": S, "lat": F, "lon": F},
    "parties": {
        **{"party": S, "operator_id": S, "role": S, "hops": INT},
        **{"first_received_at": TS, "last_received_at": TS, "amount_received": F, "n_received": INT},
    },
    "declarations": {"declaration_id": S, "is_counterfeit": B, "operator_id": S, "forwarder_id": S},
    "hubs": {"hub_id": S, "kind": S, "field": S, "value": S},
}
#: Every preset writes the same tables: the normal market and the adversarial one are checked alike.
MARKETS = ["market", "adversarial"]
#: Optional columns only a later tactic writes: the older presets' output is pinned as it was.
TACTIC_COLUMNS = {("declarations", "consignee"): "overseas_consignees"}
KEYS = {name: spec.key for name, spec in TABLES.items() if spec.key}
REFERENCES = [
    (name, col.name, *col.references)
    for name, spec in TABLES.items()
    for col in spec.columns
    if col.references
]


def _schema(table: pa.Table) -> dict[str, pa.DataType]:
    return {f.name: f.type for f in table.schema}


@pytest.mark.parametrize("name", MARKETS)
def test_tables_have_exactly_the_contract_columns_and_types(
    request: pytest.FixtureRequest, name: str
) -> None:
    market: Marketplace = request.getfixturevalue(name)
    assert list(market.tables) == list(CONTRACT)
    cfg = DIFFICULTIES[market.difficulty]
    for name, columns in CONTRACT.items():
        tactic = {c: TACTIC_COLUMNS.get((name, c)) for c in columns}
        written = {c: t for c, t in columns.items() if tactic[c] is None or getattr(cfg, tactic[c])}
        assert _schema(market.tables[name]) == written, name
    assert set(market.truth) == set(TRUTH)
    for name, columns in TRUTH.items():
        assert _schema(market.truth[name]) == columns, f"truth/{name}"


@pytest.mark.parametrize("name", MARKETS)
@pytest.mark.parametrize("table,key", sorted(KEYS.items()))
def test_keys_are_unique_and_present(request: pytest.FixtureRequest, name: str, table: str, key: str) -> None:
    market: Marketplace = request.getfixturevalue(name)
    col = market.tables[table][key]
    assert col.null_count == 0
    assert pc.count_distinct(col).as_py() == len(col)


@pytest.mark.parametrize("name", MARKETS)
@pytest.mark.parametrize("child,col,parent,key", REFERENCES)
def test_references_are_valid(
    request: pytest.FixtureRequest, name: str, child: str, col: str, parent: str, key: str
) -> None:
    market: Marketplace = request.getfixturevalue(name)
    values = market.tables[child][col].drop_null()
    assert pc.all(pc.is_in(values, value_set=market.tables[parent][key].combine_chunks())).as_py()


@pytest.mark.parametrize("name", MARKETS)
def test_labels_and_truth_reference_real_entities(request: pytest.FixtureRequest, name: str) -> None:
    market: Marketplace = request.getfixturevalue(name)
    t = market.tables
    entity_key = {
        "store": ("stores", "store_id"),
        "account": ("accounts", "account_id"),
        "review": ("reviews", "review_id"),
        "declaration": ("declarations", "declaration_id"),
    }
    labels = t["labels"]
    assert set(pc.unique(labels["entity_type"]).to_pylist()) == set(entity_key)
    for etype, (table, key) in entity_key.items():
        ids = labels.filter(pc.equal(labels["entity_type"], etype))["entity_id"]
        assert pc.all(pc.is_in(ids, value_set=t[table][key].combine_chunks())).as_py()
    for name, key in (
        ("stores", "store_id"),
        ("accounts", "account_id"),
        ("reviews", "review_id"),
        ("declarations", "declaration_id"),
    ):
        assert sorted(market.truth[name][key].to_pylist()) == sorted(t[name][key].to_pylist()), name


@pytest.mark.parametrize("name", MARKETS)
def test_value_domains(request: pytest.FixtureRequest, name: str) -> None:
    t = request.getfixturevalue(name).tables
    rating = t["reviews"]["rating"].to_numpy()
    assert rating.min() >= 1 and rating.max() <= 5
    for table, col in (
        ("listings", "price"),
        ("orders", "amount"),
        ("transfers", "amount"),
        ("declarations", "declared_value"),
        ("brands", "reference_price"),
    ):
        assert pc.min(t[table][col]).as_py() >= 0, (table, col)
    assert pc.min(t["orders"]["quantity"]).as_py() >= 1
    lat, lon = t["shipments"]["origin_lat"].drop_null(), t["shipments"]["origin_lon"].drop_null()
    assert pc.min(lat).as_py() >= -90 and pc.max(lat).as_py() <= 90
    assert pc.min(lon).as_py() >= -180 and pc.max(lon).as_py() <= 180
    ips = pc.unique(t["logins"]["ip"]).to_pylist()
    versions = {ipaddress.ip_address(ip).version for ip in ips}
    assert versions == {4, 6}
    assert set(pc.unique(t["labels"]["label"]).to_pylist()) <= {0, 1}
    assert set(pc.unique(t["listings"]["currency"]).to_pylist()) == {"CNY"}
    assert set(pc.unique(t["declarations"]["currency"]).to_pylist()) <= {"CNY", "USD"}


def test_identifiers_are_consistent_across_tables(market: Marketplace) -> None:
    t = market.tables
    phones = t["accounts"]["phone"].combine_chunks()
    banks = t["accounts"]["bank_account"].combine_chunks()
    # honest stores ship under the owner's phone, so sender phones overlap account phones
    assert pc.sum(pc.is_in(t["shipments"]["sender_phone"], value_set=phones)).as_py() > 0
    settled = t["transfers"].filter(pc.equal(t["transfers"]["kind"], "settlement"))["to_party"]
    assert pc.all(pc.is_in(settled, value_set=banks)).as_py()
    exporter_phones = t["declarations"]["exporter_phone"].combine_chunks()
    shipment_phones = t["shipments"]["sender_phone"].combine_chunks()
    assert pc.sum(pc.is_in(exporter_phones, value_set=shipment_phones)).as_py() > 0


@pytest.mark.parametrize("difficulty", ["hard", "adversarial"])
def test_same_seed_gives_identical_tables_and_other_seed_differs(difficulty: str) -> None:
    a = simulate(n_stores=300, seed=3, difficulty=difficulty)
    b = simulate(n_stores=300, seed=3, difficulty=difficulty)
    c = simulate(n_stores=300, seed=4, difficulty=difficulty)
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name
    for name in a.truth:
        assert a.truth[name].equals(b.truth[name]), name
    assert not a.tables["logins"].equals(c.tables["logins"])
    assert not a.tables["accounts"].equals(c.tables["accounts"])


def test_write_marketplace_round_trips(tmp_path, market: Marketplace) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    counts = write_marketplace(market, tmp_path)
    for name, table in market.tables.items():
        back = pq.read_table(tmp_path / f"{name}.parquet")
        assert back.schema.equals(table.schema) and back.num_rows == counts[name] == table.num_rows
    for name in market.truth:
        assert (tmp_path / "truth" / f"{name}.parquet").exists()


def test_bad_parameters_are_reported_together() -> None:
    with pytest.raises(
        ValueError, match=r"'n_stores' parameter of simulate.*Got 5.*'difficulty'.*Got 'extreme'"
    ):
        simulate(n_stores=5, seed=1, difficulty="extreme")


def test_sizes_scale_linearly() -> None:
    small, big = simulate(n_stores=300, seed=1), simulate(n_stores=1200, seed=1)
    for name in ("accounts", "logins", "listings", "orders", "reviews", "shipments", "transfers"):
        ratio = big.tables[name].num_rows / small.tables[name].num_rows
        assert 3.0 < ratio < 5.3, (name, ratio)
    n = 1200
    assert 8 * n < big.tables["accounts"].num_rows < 12 * n
    assert 70 * n < big.tables["logins"].num_rows < 140 * n
    assert 7 * n < big.tables["listings"].num_rows < 14 * n
    assert np.isclose(big.tables["shipments"].num_rows, big.tables["orders"].num_rows)
