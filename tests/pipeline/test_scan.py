from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from marketguard.errors import ContractError
from marketguard.pipeline.scan import ScanConfig, scan


def test_scan_writes_results_quarantine_and_manifest(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        data["reviews"]["rating"][1] = 9

    out = tmp_path / "results"
    events = []
    result = scan(tiny(edit), out, progress=lambda event, record: events.append((event, record.name)))
    assert {p.name for p in out.iterdir()} == {
        "store_scores.parquet",
        "networks.parquet",
        "links.parquet",
        "review_scores.parquet",
        "reviewer_scores.parquet",
        "review_rings.parquet",
        "ring_networks.parquet",
        "network_revenue.parquet",
        "network_brands.parquet",
        "network_listings.parquet",
        "sites.parquet",
        "money.parquet",
        "declaration_scores.parquet",
        "quarantine",
        "manifest.json",
    }
    reviews = pq.read_table(out / "review_scores.parquet")
    assert reviews.schema.names == ["review_id", "score", "rank", "ring_id", "reasons"]
    assert reviews.num_rows == 1  # the review with rating 9 is quarantined
    scores = pq.read_table(out / "store_scores.parquet").to_pylist()
    assert [s["store_id"] for s in scores] == ["S1", "S2", "S3"]
    assert [s["rank"] for s in scores] == [1, 2, 3]
    s1 = scores[0]
    assert s1["network_id"] == "N-A1"
    assert (
        "its cheapest branded listing is at 22% of the brand's reference price (riskier than 100% of stores)"
        in s1["reasons"]
    )
    assert 0.0 <= scores[-1]["score"] <= s1["score"] <= 1.0
    networks = pq.read_table(out / "networks.parquet").to_pylist()
    assert (
        networks[0]["reasons"][0] == "2 stores opened with 2 different identity documents share 1 device, "
        "1 Wi-Fi router and 1 IP network"
    )
    assert networks[0]["revenue"] == pytest.approx(280.0) and networks[0]["currency"] == "CNY"
    assert "revenue CNY 280 from 2 orders" in networks[0]["reasons"]
    assert networks[0]["revenue_window"] == pytest.approx(280.0) and networks[0]["window_days"] == 90
    assert networks[0]["reasons"][-1] == "all of it in the last 90 days of the data"
    assert pq.read_table(out / "network_brands.parquet").to_pylist() == [
        {"network_id": "N-A1", "brand": "Kingmem", "n_listings": 2, "n_stores": 2, "n_authorized_stores": 0}
    ]
    listings = pq.read_table(out / "network_listings.parquet").to_pylist()
    assert [(r["store_id"], r["listing_id"], r["price"], r["reference_price"]) for r in listings] == [
        ("S1", "L1", 90.0, 400.0),
        ("S2", "L2", 100.0, 400.0),
    ]
    assert [(r["price_ratio"], r["authorized"], r["title"]) for r in listings] == [
        (0.225, False, "Kingmem 16GB DDR4 1:1"),
        (0.25, False, "Kingmem 8GB"),
    ]
    revenue = pq.read_table(out / "network_revenue.parquet").to_pylist()
    assert revenue == [
        {
            "network_id": "N-A1",
            "month": "2025-02",
            "revenue": 280.0,
            "currency": "CNY",
            "n_orders": 2,
            "units": 3,
        }
    ]
    sites = pq.read_table(out / "sites.parquet").to_pylist()
    assert [(s["network_id"], s["rank"], s["address"], s["lat"]) for s in sites] == [
        ("N-A1", 1, "深圳市宝安区凤凰路12号", 22.6),
        ("N-A1", 2, "Shenzhen", None),
    ]
    money = pq.read_table(out / "money.parquet").to_pylist()
    assert [(m["party"], m["role"], m["hops"], m["amount"]) for m in money] == [("X9", "other", 1, 170.0)]
    assert money[0]["reasons"][0].startswith("received CNY 170 (")  # the ledger's one currency
    declaration = pq.read_table(out / "declaration_scores.parquet").to_pylist()[0]
    assert (declaration["declaration_id"], declaration["network_id"]) == ("D1", "N-A1")
    assert declaration["reasons"][0].startswith(
        "exporter phone p9 is the sender phone of 1 store of network N-A1"
    )
    in_network = [x["score"] for x in scores if x["network_id"] == networks[0]["network_id"]]
    assert len(in_network) == 2  # two stores, two identity documents, a shared device: the tell holds
    links = pq.read_table(out / "links.parquet").to_pylist()
    pairs = {(r["account_a"], r["account_b"]): r["pair_strength"] for r in links}
    assert len(pairs) == 1  # the tell weighs by the mean strength of the network's linked pairs
    strength = next(iter(pairs.values()))
    assert 0.5 <= strength < 1
    assert networks[0]["score"] == pytest.approx(0.8 * sum(in_network) / 2 + 0.2 * strength)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest == result.manifest
    assert manifest["quarantine"] == {"reviews": {"out_of_range:rating": 1}}
    assert manifest["inputs"]["reviews"]["rows_quarantined"] == 1
    assert [s["name"] for s in manifest["stages"]] == [
        "validate",
        "link",
        "score_reviews",
        "score_stores",
        "networks",
        "trace_money",
        "trace_sites",
        "screen_declarations",
        "write",
    ]
    assert all(s["seconds"] >= 0 and s["peak_rss_mb"] > 0 for s in manifest["stages"])
    collected = {s["name"]: s["rows_collected"] for s in manifest["stages"]}  # into this process, per stage
    assert all(isinstance(n, int) and n >= 0 for n in collected.values())
    assert collected["score_stores"] >= manifest["inputs"]["stores"]["rows_read"]  # a row of features a store
    assert ("start", "link") in events and ("end", "write") in events


def test_scan_is_deterministic(tiny, tmp_path) -> None:
    dataset = tiny()
    scan(dataset, tmp_path / "a")
    scan(dataset, tmp_path / "b")
    for table in (
        "store_scores",
        "networks",
        "links",
        "network_revenue",
        "network_brands",
        "network_listings",
        "sites",
        "money",
        "declaration_scores",
    ):
        assert pq.read_table(tmp_path / "a" / f"{table}.parquet").equals(
            pq.read_table(tmp_path / "b" / f"{table}.parquet")
        )


def test_structural_problem_writes_nothing(tiny, tmp_path) -> None:
    out = tmp_path / "results"
    with pytest.raises(ContractError, match=r"stores\.template: required column is missing"):
        scan(tiny(lambda d: d["stores"].pop("template")), out)
    assert not out.exists()


def test_missing_optional_tables_are_reported(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        for table in ("listings", "orders", "reviews", "shipments", "brands", "authorized_sellers"):
            del data[table]

    manifest = scan(tiny(edit), tmp_path / "r", ScanConfig(min_link_strength=0.6)).manifest
    assert "listings" in manifest["missing_optional_tables"]
    stages = {s["name"]: s for s in manifest["stages"]}
    notes = stages["score_stores"]["notes"]
    assert any(
        n.startswith("11 signals skipped (n_listings, n_branded,") and n.endswith("need listings, brands")
        for n in notes
    )
    assert stages["networks"]["notes"] == ["revenue skipped: needs orders and listings"]


def test_scan_of_a_simulated_marketplace_is_reproducible_to_the_bit(small_market, tmp_path) -> None:
    scan(small_market, tmp_path / "a")
    scan(small_market, tmp_path / "b")
    for table in (
        "store_scores",
        "networks",
        "links",
        "network_revenue",
        "network_brands",
        "network_listings",
        "sites",
        "money",
        "declaration_scores",
    ):
        first = pq.read_table(tmp_path / "a" / f"{table}.parquet")
        assert first.num_rows > 0
        assert first.equals(pq.read_table(tmp_path / "b" / f"{table}.parquet")), table


def test_network_reasons_read_as_plain_sentences() -> None:
    from marketguard.pipeline.scan import network_reasons

    row = {
        "n_stores": 3,
        "n_id_documents": 3,
        "n_accounts": 3,
        "n_shared_devices": 1,
        "n_shared_ips": 2,
        "n_shared_emails": 1,
        "revenue": 1_020_000.0,
        "n_orders": 812,
    }
    assert network_reasons(row) == [
        "3 stores opened with 3 different identity documents share 1 device, 1 e-mail address and 2 IP addresses",
        "revenue 1,020,000 from 812 orders",
    ]
