"""Logistics sites on tiny hand-built shipment tables with exactly known answers."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from marketguard.errors import ContractError, ParameterError
from marketguard.pipeline.results import RESULT_SCHEMAS
from marketguard.trace.sites import trace_sites

DAY0 = datetime(2025, 1, 1, tzinfo=UTC)
HEFEI = (31.80, 117.30)
SHENZHEN = (22.55, 113.88)
DONGGUAN = (22.80, 113.67)
BEIJING = (39.93, 116.45)


def _moved(at: tuple[float, float], north_m: float = 0.0, east_m: float = 0.0) -> tuple[float, float]:
    lat, lon = at
    return lat + north_m / 111_195.0, lon + east_m / (111_195.0 * math.cos(math.radians(lat)))


def _parcels(
    n: int,
    address: str,
    at: tuple[float, float] | None,
    *,
    network: str | None = "N1",
    store: str = "S1",
    phone: str | None = "ph1",
    day: int = 0,
) -> list[dict[str, Any]]:
    """``n`` parcels a day apart from ``day``, geocoded around ``at`` (30 m jitter) or not at all."""
    rows = []
    for i in range(n):
        lat, lon = _moved(at, 30.0 * (i % 3 - 1), 30.0 * ((i + 1) % 3 - 1)) if at else (None, None)
        rows.append(
            {
                "network_id": network,
                "store_id": store,
                "picked_up_at": DAY0 + timedelta(days=day + i),
                "origin_address": address,
                "origin_lat": lat,
                "origin_lon": lon,
                "sender_phone": phone,
            }
        )
    return rows


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    types = {
        "picked_up_at": pa.timestamp("us", tz="UTC"),
        "origin_lat": pa.float64(),
        "origin_lon": pa.float64(),
    }
    names = [
        "network_id",
        "store_id",
        "picked_up_at",
        "origin_address",
        "origin_lat",
        "origin_lon",
        "sender_phone",
    ]
    return pa.table({c: pa.array([r[c] for r in rows], types.get(c, pa.string())) for c in names})


def _site_id(key: str) -> str:
    return "site_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def test_forms_without_coordinates_join_their_site_through_the_key() -> None:
    rows = (
        _parcels(5, "安徽省合肥市包河区新华路257号", HEFEI)
        + _parcels(2, "合肥包河新华路257号", None, day=5)
        + _parcels(1, "No.257 Xinhua Road, Baohe District, Hefei, Anhui", None, day=7)
    )
    out = trace_sites(_table(rows))
    assert out.schema == RESULT_SCHEMAS["sites"]
    row = out.to_pylist()[0]
    assert out.num_rows == 1
    assert row.pop("lat") == pytest.approx(HEFEI[0]) and row.pop("lon") == pytest.approx(HEFEI[1])
    assert row == {
        "network_id": "N1",
        "site_id": _site_id("hefei|xinhualu|257"),
        "rank": 1,
        "address": "安徽省合肥市包河区新华路257号",
        "address_latin": "257 Xinhualu, Baohe, Hefei",
        "n_addresses": 3,
        "n_shipments": 8,
        "n_stores": 1,
        "share": 1.0,
        "exclusivity": 1.0,
        "n_sender_phones": 1,
        "first_seen": DAY0,
        "last_seen": DAY0 + timedelta(days=7),
        "active_days": 7.0,
        "score": 1.0,
        "reasons": [
            "8 parcels (100% of the network's) from 1 store, 2025-01-01 to 2025-01-08",
            "written 3 ways",
            "ships for this network only",
            "sent under 1 sender phone",
        ],
    }


def test_two_sites_a_kilometre_apart_sharing_a_phone_stay_two() -> None:
    rows = (
        _parcels(6, "合肥包河新华路257号", HEFEI)
        + _parcels(6, "合肥包河新华路1号", _moved(HEFEI, east_m=1000.0))
        + _parcels(2, "合肥滨湖仓", None)  # no road, no number, no coordinates; its phone ships from both
    )
    out = trace_sites(_table(rows)).to_pylist()
    assert sorted((r["n_shipments"], r["lat"] is None) for r in out) == [(2, True), (6, False), (6, False)]
    assert [r["rank"] for r in out] == [1, 2, 3]
    assert out[2]["reasons"][-1] == "never geocoded: located by its written address only"


def test_a_phone_attaches_a_form_with_neither_key_nor_coordinates_to_its_only_site() -> None:
    rows = _parcels(6, "合肥包河新华路257号", HEFEI) + _parcels(2, "合肥滨湖仓", None, day=6)
    out = trace_sites(_table(rows)).to_pylist()
    assert [(r["n_shipments"], r["n_addresses"], r["address"]) for r in out] == [
        (8, 2, "合肥包河新华路257号")
    ]


def _with_3pl() -> pa.Table:
    """N1 ships 30 parcels from its own site and 40 through a 3PL that 100 other stores use (4 each)."""
    own = "广东省深圳市宝安区鞋都路8号"
    tpl = "广东省东莞市长安镇物流大道1号"
    rows = _parcels(15, own, SHENZHEN, store="S1") + _parcels(15, own, SHENZHEN, store="S2", day=15)
    rows += _parcels(20, tpl, DONGGUAN, store="S1", phone="tpl") + _parcels(
        20, tpl, DONGGUAN, store="S2", phone="tpl"
    )
    for i in range(100):
        rows += _parcels(4, tpl, DONGGUAN, network=None, store=f"O{i}", phone="tpl")
    return _table(rows)


def test_a_shared_fulfilment_warehouse_ranks_below_the_networks_own_site() -> None:
    out = trace_sites(_with_3pl()).to_pylist()
    assert [(r["network_id"], r["rank"], r["address"]) for r in out] == [
        ("N1", 1, "广东省深圳市宝安区鞋都路8号"),
        ("N1", 2, "广东省东莞市长安镇物流大道1号"),
    ]
    own, tpl = out
    assert (own["n_shipments"], own["n_stores"], own["exclusivity"]) == (30, 2, 1.0)
    assert (tpl["n_shipments"], tpl["n_stores"]) == (40, 2)
    assert tpl["share"] == pytest.approx(40 / 70) and tpl["exclusivity"] == pytest.approx(40 / 440)
    assert own["score"] > 0.7 > 0.35 > tpl["score"]
    assert "also ships for 100 other stores: a shared fulfilment warehouse" in tpl["reasons"]
    assert own["reasons"][0] == "30 parcels (43% of the network's) from 2 stores, 2025-01-01 to 2025-01-30"


def test_output_does_not_depend_on_row_order() -> None:
    table = _with_3pl()
    shuffled = table.take(np.random.default_rng(0).permutation(table.num_rows))
    assert trace_sites(shuffled).equals(trace_sites(table))


def test_homonymous_roads_in_two_districts_stay_apart() -> None:
    rows = (
        _parcels(10, "北京市朝阳区人民路538号", BEIJING, network="N2", store="S2", phone="ph2")
        + _parcels(3, "北京市海淀区人民路538号", None)  # never geocoded, in another district
        + _parcels(2, "北京人民路538号", None, network="N3", store="S3", phone="ph3")  # names no district
        + _parcels(4, "北京市朝阳区人民路538号", _moved(BEIJING, north_m=8000.0), network="N4", store="S4")
    )  # N4 shares N1's phone, but N1's form names another district
    out = {r["network_id"]: r for r in trace_sites(_table(rows)).to_pylist()}
    assert (out["N1"]["lat"], out["N1"]["exclusivity"], out["N1"]["n_shipments"]) == (None, 1.0, 3)
    assert out["N3"]["site_id"] == out["N2"]["site_id"]  # joined the key's largest placed site
    assert out["N3"]["exclusivity"] == pytest.approx(2 / 12)
    assert out["N4"]["site_id"] != out["N2"]["site_id"]  # same written address, 8 km away
    assert out["N4"]["lat"] == pytest.approx(BEIJING[0] + 8000.0 / 111_195.0, abs=1e-3)


def test_parcels_of_one_key_a_few_hundred_metres_apart_make_one_site() -> None:
    rows = _parcels(1, "合肥包河新华路257号", HEFEI) + _parcels(
        1, "合肥包河新华路257号", _moved(HEFEI, east_m=550.0)
    )
    assert trace_sites(_table(rows), radius_m=300.0).num_rows == 1


def test_a_form_without_key_joins_the_complete_site_it_is_geocoded_at() -> None:
    rows = (
        _parcels(6, "广东省深圳市宝安区鞋都路8号", SHENZHEN)
        + _parcels(3, "深圳市宝安区西乡街道银田工业园A栋", _moved(SHENZHEN, north_m=50.0))
        + _parcels(3, "深圳市宝安区西乡街道银田工业园B栋", _moved(SHENZHEN, north_m=5000.0))
    )
    out = trace_sites(_table(rows)).to_pylist()
    assert [(r["n_shipments"], r["n_addresses"]) for r in out] == [(9, 2), (3, 1)]


def test_parcels_from_nowhere_count_in_the_share_but_make_no_site() -> None:
    rows = _parcels(3, "合肥包河新华路257号", HEFEI) + _parcels(1, "", None) + _parcels(1, " ", None)
    rows[-1]["origin_address"] = None
    out = trace_sites(_table(rows)).to_pylist()
    assert [(r["n_shipments"], r["share"]) for r in out] == [(3, 0.6)]
    assert trace_sites(_table(rows[3:])).num_rows == 0


def test_no_network_no_rows_and_empty_input_gives_the_empty_schema() -> None:
    rows = _parcels(3, "合肥包河新华路257号", HEFEI, network=None)
    assert trace_sites(_table(rows)).num_rows == 0
    empty = trace_sites(_table(rows).slice(0, 0))
    assert empty.num_rows == 0 and empty.schema == RESULT_SCHEMAS["sites"]


def test_missing_columns_and_bad_parameters_are_named() -> None:
    table = _table(_parcels(2, "合肥包河新华路257号", HEFEI))
    with pytest.raises(ContractError, match=r"shipments\.sender_phone: missing column"):
        trace_sites(table.drop_columns(["sender_phone"]))
    with pytest.raises(
        ParameterError, match=r"The 'radius_m' parameter of trace_sites must be a float in the range"
    ):
        trace_sites(table, radius_m=0.0)
    with pytest.raises(ParameterError, match=r"The 'min_phone_share' parameter of trace_sites"):
        trace_sites(table, min_phone_share=0.2)
