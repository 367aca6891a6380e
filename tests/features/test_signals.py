"""Every store signal on a hand-made marketplace whose values are worked out by hand.

S1 (owner U1, new account, basic template) sells branded shoes far below reference without authorisation,
one titled "AAA replica"; its network holds S3 (labelled counterfeit). S2 is an old authorised seller.
S3 has no listings, logins or reviews: it gets the documented defaults.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.features.signals import GROUPS, signal_steps
from marketguard.features.signals.doc import page


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def _market(path) -> None:
    parks = [f"P{i}" for i in range(9)]  # nine more accounts on 9.9.9.9: with U1 it is heavily shared (10)
    accounts = [
        {
            "account_id": "U1",
            "created_at": _t("2025-01-01"),
            "id_document": "D1",
            "region": "江苏省南京市",
            "bank_account": "ba1",
        },
        {
            "account_id": "U2",
            "created_at": _t("2020-01-01"),
            "id_document": "D2",
            "region": "北京市",
            "bank_account": "ba2",
        },
        {"account_id": "U3", "created_at": _t("2025-01-20"), "id_document": "D3"},
        {"account_id": "B1", "created_at": _t("2020-01-01"), "id_document": "D4"},
        {"account_id": "B2", "created_at": _t("2020-01-01"), "id_document": "D5"},
    ] + [{"account_id": p, "created_at": _t("2020-01-01"), "id_document": f"D{p}"} for p in parks]
    stores = [
        {
            "store_id": "S1",
            "account_id": "U1",
            "opened_at": _t("2025-01-11"),
            "template": "basic",
            "closed_at": None,
            "main_category": "shoes",
        },
        {
            "store_id": "S2",
            "account_id": "U2",
            "opened_at": _t("2021-01-01"),
            "template": "custom",
            "closed_at": _t("2025-06-01"),
            "main_category": "shoes",
        },
        {
            "store_id": "S3",
            "account_id": "U3",
            "opened_at": _t("2025-02-01"),
            "template": "basic",
            "closed_at": None,
            "main_category": "toys",
        },
    ]
    logins = [
        {"account_id": "U1", "ts": _t("2025-02-01"), "ip": "1.1.1.1", "device_id": "d1", "wifi_bssid": "w1"},
        {"account_id": "U1", "ts": _t("2025-02-02"), "ip": "1.1.1.2", "device_id": "d1", "wifi_bssid": "w1"},
        {"account_id": "U1", "ts": _t("2025-02-03"), "ip": "1.1.1.3", "device_id": "d2", "wifi_bssid": "w1"},
        {"account_id": "U1", "ts": _t("2025-02-04"), "ip": "9.9.9.9", "device_id": "d2", "wifi_bssid": "w1"},
        {"account_id": "U2", "ts": _t("2025-03-01"), "ip": "2.2.2.2", "device_id": "e1", "wifi_bssid": None},
        {"account_id": "U2", "ts": _t("2025-03-02"), "ip": "2.2.2.2", "device_id": "e1", "wifi_bssid": None},
    ] + [
        {"account_id": p, "ts": _t("2025-12-31"), "ip": "9.9.9.9", "device_id": f"x{p}", "wifi_bssid": None}
        for p in parks
    ]
    listings = [
        {
            "listing_id": "L1",
            "store_id": "S1",
            "title": "AAA Replica shoes",
            "brand": "BrandA",
            "price": 20.0,
            "listed_at": _t("2025-01-15"),
        },
        {
            "listing_id": "L2",
            "store_id": "S1",
            "title": "shoes",
            "brand": "BrandA",
            "price": 60.0,
            "listed_at": _t("2025-03-01"),
        },
        {
            "listing_id": "L3",
            "store_id": "S1",
            "title": "phone case",
            "brand": None,
            "price": 5.0,
            "listed_at": _t("2025-01-12"),
        },
        {
            "listing_id": "L4",
            "store_id": "S2",
            "title": "BrandA shoes",
            "brand": "BrandA",
            "price": 110.0,
            "listed_at": _t("2021-02-01"),
        },
    ]
    orders = [
        {
            "order_id": "O1",
            "listing_id": "L1",
            "buyer_account_id": "B1",
            "ts": _t("2025-12-01"),
            "quantity": 1,
            "amount": 20.0,
        },
        {
            "order_id": "O2",
            "listing_id": "L2",
            "buyer_account_id": "B2",
            "ts": _t("2025-12-11"),
            "quantity": 1,
            "amount": 60.0,
        },
        {
            "order_id": "O3",
            "listing_id": "L4",
            "buyer_account_id": "B1",
            "ts": _t("2025-01-01"),
            "quantity": 1,
            "amount": 110.0,
        },
    ]
    reviews = [
        {
            "review_id": "R1",
            "listing_id": "L1",
            "reviewer_account_id": "B1",
            "order_id": "O1",
            "ts": _t("2025-12-02T10:00"),
            "rating": 5,
            "text": "great",
        },
        {
            "review_id": "R2",
            "listing_id": "L1",
            "reviewer_account_id": "B2",
            "order_id": None,
            "ts": _t("2025-12-02T11:00"),
            "rating": 5,
            "text": "great!!",
        },
        {
            "review_id": "R3",
            "listing_id": "L2",
            "reviewer_account_id": "B2",
            "order_id": "O2",
            "ts": _t("2025-12-12"),
            "rating": 1,
            "text": "假货 terrible",
        },
    ]
    tables = {
        "accounts": accounts,
        "stores": stores,
        "logins": logins,
        "brands": [{"brand": "BrandA", "category": "shoes", "reference_price": 100.0}],
        "authorized_sellers": [{"brand": "BrandA", "store_id": "S2"}],
        "listings": listings,
        "orders": orders,
        "reviews": reviews,
        "labels": [{"entity_type": "store", "entity_id": "S3", "label": 1}],
        "shipments": [  # S1 ships from Shenzhen (outside Nanjing) and Nanjing; S2 from the same Shenzhen address
            {
                "shipment_id": "H1",
                "order_id": "O1",
                "picked_up_at": _t("2025-12-01"),
                "origin_address": "广东省深圳市宝安区1号",
            },
            {
                "shipment_id": "H2",
                "order_id": "O2",
                "picked_up_at": _t("2025-12-11"),
                "origin_address": "南京市玄武区2号",
            },
            {
                "shipment_id": "H3",
                "order_id": "O3",
                "picked_up_at": _t("2025-01-01"),
                "origin_address": "广东省深圳市宝安区1号",
            },
        ],
        "transfers": [
            {
                "transfer_id": "T1",
                "ts": _t("2025-12-12"),
                "from_party": "PLATFORM",
                "to_party": "ba1",
                "amount": 80.0,
                "kind": "settlement",
            },
            {
                "transfer_id": "T2",
                "ts": _t("2025-12-13T09:00"),
                "from_party": "ba1",
                "to_party": "X1",
                "amount": 50.0,
                "kind": "transfer",
            },
            {
                "transfer_id": "T3",
                "ts": _t("2025-12-13T10:00"),
                "from_party": "ba1",
                "to_party": "ATM",
                "amount": 10.0,
                "kind": "withdrawal",
            },
            {
                "transfer_id": "T4",
                "ts": _t("2025-12-20"),
                "from_party": "ba1",
                "to_party": "X2",
                "amount": 10.0,
                "kind": "transfer",
            },
            {
                "transfer_id": "T5",
                "ts": _t("2025-01-02"),
                "from_party": "PLATFORM",
                "to_party": "ba2",
                "amount": 110.0,
                "kind": "settlement",
            },
            {
                "transfer_id": "T6",
                "ts": _t("2025-01-10"),
                "from_party": "ba2",
                "to_party": "SUP",
                "amount": 30.0,
                "kind": "payment",
            },
        ],
    }
    for name, rows in tables.items():
        pq.write_table(_table(rows), path / f"{name}.parquet")


EXPECTED = {
    "S1": {
        "account_age_at_open_days": 10,
        "network_accounts": 2,
        "share_parcels_bonded": 0.0,
        "share_version_titles": 0.0,
        "n_brands": 1,
        "share_import_complaints": 0.0,
        "commerce_tie_strength": 0.8,
        "environment_tie_strength": 0.5,
        "network_stores": 2,
        "network_id_documents": 2,
        "network_counterfeit_stores": 1,
        "owner_logins": 4,
        "owner_ips": 4,
        "owner_devices": 2,
        "owner_wifis": 1,
        "ip_rotation": 1.0,
        "share_logins_shared_ip": 0.25,
        "basic_template": 1,
        "store_age_days": 354,
        "closed": 0,
        "n_listings": 3,
        "n_branded": 2,
        "min_price_ratio": 0.2,
        "median_price_ratio": 0.4,
        "share_far_below": 0.5,
        "n_unauthorised_branded": 2,
        "share_unauthorised": 1.0,
        "n_tell_words": 1,
        "n_tell_words_branded": 1,
        "listings_first_30_days": 2,
        "category_branded_share": 0.75,
        "n_orders": 2,
        "revenue": 80.0,
        "revenue_90_days": 80.0,
        "orders_per_day": 2 / 11,
        "mean_order_value": 40.0,
        "n_reviews": 3,
        "share_five_star": 2 / 3,
        "mean_rating": 11 / 3,
        "busiest_day_share": 2 / 3,
        "share_complaints": 1 / 3,
        "share_ring_reviews": 2 / 3,
        "mean_review_score": 0.6,
        "share_without_order": 1 / 3,
        "n_shipments": 2,
        "n_origins": 2,
        "share_origin_outside_region": 0.5,
        "origin_other_networks": 1,
        "settled_amount": 80.0,
        "share_forwarded_quickly": 50 / 80,
        "n_payees": 2,
        "share_sent_on": 70 / 80,
    },
    "S2": {
        "account_age_at_open_days": 366,
        "network_accounts": 1,
        "share_parcels_bonded": 0.0,
        "share_version_titles": 0.0,
        "n_brands": 1,
        "share_import_complaints": 0.0,
        "commerce_tie_strength": 0.0,
        "environment_tie_strength": 0.0,
        "network_stores": 1,
        "network_id_documents": 1,
        "network_counterfeit_stores": 0,
        "owner_logins": 2,
        "owner_ips": 1,
        "owner_devices": 1,
        "owner_wifis": 0,
        "ip_rotation": 0.5,
        "share_logins_shared_ip": 0.0,
        "basic_template": 0,
        "store_age_days": 1825,
        "closed": 1,
        "n_listings": 1,
        "n_branded": 1,
        "min_price_ratio": 1.1,
        "median_price_ratio": 1.1,
        "share_far_below": 0.0,
        "n_unauthorised_branded": 0,
        "share_unauthorised": 0.0,
        "n_tell_words": 0,
        "n_tell_words_branded": 0,
        "listings_first_30_days": 0,
        "category_branded_share": 0.75,
        "n_orders": 1,
        "revenue": 110.0,
        "revenue_90_days": 0.0,
        "orders_per_day": 1.0,
        "mean_order_value": 110.0,
        "n_reviews": 0,
        "share_five_star": None,
        "mean_rating": None,
        "busiest_day_share": None,
        "share_complaints": None,
        "share_ring_reviews": 0.0,
        "mean_review_score": None,
        "share_without_order": None,
        "n_shipments": 1,
        "n_origins": 1,
        "share_origin_outside_region": 1.0,
        "origin_other_networks": 1,
        "settled_amount": 110.0,
        "share_forwarded_quickly": 0.0,
        "n_payees": 1,
        "share_sent_on": 30 / 110,
    },
    "S3": {
        "account_age_at_open_days": 12,
        "network_accounts": 2,
        "share_parcels_bonded": 0.0,
        "share_version_titles": 0.0,
        "n_brands": 0,
        "share_import_complaints": 0.0,
        "commerce_tie_strength": 0.8,
        "environment_tie_strength": 0.5,
        "network_stores": 2,
        "network_id_documents": 2,
        "network_counterfeit_stores": 0,  # its own label does not count
        "owner_logins": 0,
        "owner_ips": 0,
        "owner_devices": 0,
        "owner_wifis": 0,
        "ip_rotation": None,
        "share_logins_shared_ip": None,
        "basic_template": 1,
        "store_age_days": 333,
        "closed": 0,
        "n_listings": 0,
        "n_branded": 0,
        "min_price_ratio": None,
        "median_price_ratio": None,
        "share_far_below": None,
        "n_unauthorised_branded": 0,
        "share_unauthorised": None,
        "n_tell_words": 0,
        "n_tell_words_branded": 0,
        "listings_first_30_days": 0,
        "category_branded_share": None,
        "n_orders": 0,
        "revenue": 0.0,
        "revenue_90_days": 0.0,
        "orders_per_day": 0.0,
        "mean_order_value": None,
        "n_reviews": 0,
        "share_five_star": None,
        "mean_rating": None,
        "busiest_day_share": None,
        "share_complaints": None,
        "share_ring_reviews": 0.0,
        "mean_review_score": None,
        "share_without_order": None,
        "n_shipments": 0,
        "n_origins": 0,
        "share_origin_outside_region": None,
        "origin_other_networks": 0,
        "settled_amount": 0.0,
        "share_forwarded_quickly": None,
        "n_payees": 0,
        "share_sent_on": None,
    },
}


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    path = tmp_path_factory.mktemp("signals")
    _market(path)
    rows, signals, missing = _features("duckdb", path)
    return {r.pop("store_id"): r for r in rows}, signals, missing


def _features(engine: str, path) -> tuple[list[dict], list, list[str]]:
    """store_features on ``engine``, with U1 and U3 in one operator network."""
    with make_backend(engine) as backend:
        tables, report = validate(backend, path)
        assert report.n_quarantined == 0
        backend.register_arrow(
            "account_networks", pa.table({"account_id": ["U1", "U3"], "network_id": ["N-U1", "N-U1"]})
        )
        backend.register_arrow(  # as the linker would: U1 and U3 share an office, a collector, a site, a payee
            "links",
            pa.table(
                {
                    "account_a": ["U1"] * 4,
                    "account_b": ["U3"] * 4,
                    "kind": ["device", "destination", "site", "payee"],
                    "weight": [0.5, 0.6, 0.5, 0.9],
                }
            ),
        )
        backend.register_arrow(  # as the review fraud detector would: R1 inside a ring, R3 by a ring member
            "review_fraud_scores",
            pa.table(
                {
                    "review_id": ["R1", "R2", "R3"],
                    "score": [0.9, 0.3, 0.6],
                    "ring_id": ["ring_0001", None, None],
                    "reviewer_ring_id": ["ring_0001", None, "ring_0001"],
                }
            ),
        )
        steps, signals, missing = signal_steps(tables, GROUPS)
        tables.run(steps)
        rows = backend.fetch("SELECT * FROM store_features ORDER BY store_id", "features").to_pylist()
    return rows, signals, missing


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_each_signal_has_its_worked_out_value(features, group) -> None:
    rows, _, _ = features
    for store, expected in EXPECTED.items():
        for signal in group.signals:
            want, got = expected[signal.name], rows[store][signal.name]
            assert got == (None if want is None else pytest.approx(want)), (store, signal.name, got)


def test_the_catalogue_has_thirty_documented_signals_and_names_missing_inputs(features) -> None:
    rows, signals, missing = features
    assert len(signals) >= 30 and missing == []
    assert {s.name for s in signals} == set(EXPECTED["S1"]) == set(rows["S1"])
    assert all(s.meaning and s.direction in (-1, 0, 1) for s in signals)
    assert (Path(__file__).parents[2] / "docs" / "signals.md").read_text() == page()


def test_a_missing_table_leaves_its_signals_out_and_says_why(tmp_path) -> None:
    _market(tmp_path)
    (tmp_path / "reviews.parquet").unlink()
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, tmp_path)
        _, signals, missing = signal_steps(tables, GROUPS)
    names = {s.name for s in signals}
    assert "share_complaints" not in names and "network_accounts" not in names  # no reviews, no networks
    assert "share_complaints: needs reviews" in missing
    assert "network_accounts: needs account_networks" in missing


@pytest.mark.spark
def test_spark_computes_the_same_signals(features, tmp_path) -> None:
    rows, _, _ = features
    _market(tmp_path)
    spark, _, _ = _features("spark", tmp_path)
    for row in spark:
        store = row.pop("store_id")
        assert row == {k: (None if v is None else pytest.approx(v)) for k, v in rows[store].items()}, store


def test_environment_signals_read_from_the_linker_s_evidence_are_the_same(tmp_path) -> None:
    """After operator linking, the owner-login signals come from its per-(account, artifact) rows instead of
    the logins: the worked-out values must not move."""
    from marketguard.detect.operator_linking import OperatorLinker
    from marketguard.features.signals.environment import GROUP

    _market(tmp_path)
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, tmp_path)
        OperatorLinker().fit(tables)
        assert backend.table_exists("login_artifacts") and backend.table_exists("artifact_degrees")
        steps, signals, _ = signal_steps(tables, (GROUP,))
        assert "login_artifacts" in steps[-2].sql  # the evidence path ran
        tables.run(steps)
        rows = backend.fetch("SELECT * FROM store_features ORDER BY store_id", "features").to_pylist()
    for row in rows:
        for signal in signals:
            want = EXPECTED[row["store_id"]][signal.name]
            assert row[signal.name] == (None if want is None else pytest.approx(want)), (row, signal.name)
