"""build_case on the tiny hand-made results: exact counts, sums and orders; missing tables; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marketguard.errors import MarketguardError
from marketguard.pipeline.results import RESULT_SCHEMAS
from marketguard.report import ResultsDirError, UnknownNetworkError, build_case, render_json
from marketguard.report.case import verdict
from marketguard.report.html import render_html
from tests.report.conftest import MANIFEST, PHONE, TABLES, WriteResults, ts


def test_summary_is_read_from_the_networks_row(results: Path) -> None:
    case = build_case(results, "N-A1")
    assert case["network_id"] == "N-A1"
    assert case["score"] == 0.91
    assert case["reasons"] == ["3 stores opened with 3 different identity documents share a device"]
    summary = case["summary"]
    assert (summary["n_accounts"], summary["n_stores"], summary["n_id_documents"]) == (3, 3, 3)
    assert (summary["revenue"], summary["n_orders"]) == (1500.0, 12)
    assert (summary["first_seen"], summary["last_seen"]) == (
        "2025-01-03T00:00:00+00:00",
        "2025-06-20T00:00:00+00:00",
    )
    assert [(s["label"], s["count"]) for s in summary["shared"]] == [
        ("device", 1),  # singular for one
        ("Wi-Fi router", 1),
        ("phone", 1),
    ]


def test_revenue_by_month_is_ordered_and_recent_revenue_sums_the_data_s_last_three_months(
    results: Path,
) -> None:
    case = build_case(results, "N-A1")
    assert [m["month"] for m in case["revenue_by_month"]] == ["2025-01", "2025-03", "2025-04"]
    assert sum(m["revenue"] for m in case["revenue_by_month"]) == case["summary"]["revenue"]
    # the data ends in 2025-06 (network N-B7), so the last three months are 2025-04..06: only April's 700
    assert case["recent_revenue"] == {
        "revenue": 700.0,
        "n_orders": 5,
        "basis": "months",
        "period": "last 3 months of the data (2025-04 to 2025-06)",
    }


def test_recent_revenue_prefers_the_scan_s_revenue_window(make_results: WriteResults) -> None:
    networks = [dict(TABLES["networks"][0], revenue_window=1020000.0, n_orders_window=40, window_days=90)]
    networks[0]["window_end"] = networks[0]["last_seen"]
    case = build_case(make_results(networks=networks), "N-A1")
    assert case["recent_revenue"] == {
        "revenue": 1020000.0,
        "n_orders": 40,
        "basis": "window",
        "period": "last 90 days to 2025-06-20",
    }


def test_evidence_graph_turns_pair_rows_into_account_artifact_uses(results: Path) -> None:
    case = build_case(results, "N-A1")
    assert [a["account_id"] for a in case["accounts"]] == ["A1", "A2", "A3"]
    assert [a["store_ids"] for a in case["accounts"]] == [["S1"], ["S2"], ["S3"]]
    assert [(a["kind"], a["artifact"], a["n_accounts"]) for a in case["artifacts"]] == [
        ("device", "dev1", 3),
        ("phone", PHONE, 2),
        ("wifi", "aa:bb:cc:00:00:01", 2),
    ]
    uses = {(u["account_id"], u["kind"]): u for u in case["uses"]}
    assert len(case["uses"]) == 7
    # own events are bounded by the smallest pair total: A1 is in pairs of 10 and 8 events on dev1
    assert [uses[(a, "device")]["n_events"] for a in ("A1", "A2", "A3")] == [8, 6, 6]
    assert uses[("A1", "device")]["weight"] == 0.90
    assert (uses[("A3", "device")]["first_seen"], uses[("A3", "device")]["last_seen"]) == (
        "2025-01-04T00:00:00+00:00",
        "2025-06-01T00:00:00+00:00",
    )


def test_links_and_stores_are_every_row_of_the_network_strongest_first(results: Path) -> None:
    case = build_case(results, "N-A1")
    assert [(r["account_a"], r["account_b"], r["artifact"], r["weight"]) for r in case["links"]] == [
        ("A1", "A2", "dev1", 0.90),
        ("A1", "A3", "dev1", 0.85),
        ("A2", "A3", "dev1", 0.80),
        ("A2", "A3", PHONE, 0.80),
        ("A1", "A2", "aa:bb:cc:00:00:01", 0.70),
    ]
    assert set(case["links"][0]) == set(RESULT_SCHEMAS["links"].names) - {"network_id"}
    assert [(s["store_id"], s["account_id"], s["rank"]) for s in case["stores"]] == [
        ("S1", "A1", 1),
        ("S2", "A2", 2),
        ("S3", "A3", 4),
    ]


def test_sites_and_money_come_in_rank_order(results: Path) -> None:
    case = build_case(results, "N-A1")
    assert [(s["rank"], s["site_id"], s["n_shipments"]) for s in case["sites"]] == [
        (1, "SITE-1", 7),
        (2, "SITE-2", 4),
        (3, "SITE-3", 1),
    ]
    assert [(m["rank"], m["party"], m["hops"], m["amount"]) for m in case["money"]] == [
        (1, "BANK-COLLECT-1", 1, 1000.0),
        (2, "A2", 1, 300.0),
        (3, "SUPPLIER-77", 2, 200.0),
    ]
    assert [(d["rank"], d["declaration_id"], d["score"]) for d in case["declarations"]] == [(1, "D7", 0.93)]
    assert case["notes"] == []


def test_the_money_chain_runs_from_the_store_accounts_to_the_collector_and_its_supplier(
    results: Path,
) -> None:
    chain = build_case(results, "N-A1")["money_chain"]
    assert [(step["party"], step["role"], step["hops"]) for step in chain] == [
        (None, "store accounts", 0),
        ("BANK-COLLECT-1", "collector", 1),
        ("SUPPLIER-77", "supplier", 2),
    ]
    assert chain[2]["median_delay_days"] == 20.0


def test_scan_facts_come_from_the_manifest(results: Path) -> None:
    scan = build_case(results, "N-A1")["scan"]
    assert (scan["engine"], scan["version"], scan["dataset"], scan["seconds"]) == (
        "duckdb",
        "0.1.0",
        "/data/tiny-market",
        1.75,
    )
    assert scan["outputs"] == MANIFEST["outputs"]
    assert scan["written_at"]


def test_case_is_json_and_the_same_on_every_build(results: Path) -> None:
    case = build_case(results, "N-A1")
    assert json.loads(render_json(case)) == case
    assert build_case(results, "N-A1") == case


def test_missing_optional_inputs_are_stated(make_results: WriteResults) -> None:
    manifest = dict(MANIFEST, missing_optional_tables=["shipments", "transfers"])
    results = make_results(drop=("sites", "money", "network_revenue"), manifest=manifest)
    case = build_case(results, "N-A1")
    assert (case["sites"], case["money"], case["revenue_by_month"], case["recent_revenue"]) == (
        None,
        None,
        [],
        None,
    )
    assert case["notes"] == [
        "the results have no network_revenue table (a scan from before it was written): "
        "revenue by month not available",
        "no shipments in the input: sites not traced",
        "no transfers in the input: money trail not traced",
    ]


def test_a_network_without_sites_rows_says_so(make_results: WriteResults) -> None:
    case = build_case(make_results(sites=[]), "N-A1")
    assert case["sites"] == []
    assert case["notes"] == ["no sites rows for this network in the results: sites not traced"]


def test_an_older_scan_without_owner_accounts_still_builds(make_results: WriteResults) -> None:
    results = make_results()
    old = pq.read_table(results / "store_scores.parquet").drop_columns(["account_id"])
    pq.write_table(old, results / "store_scores.parquet")
    case = build_case(results, "N-A1")
    assert [s["account_id"] for s in case["stores"]] == [None, None, None]
    assert (
        "store_scores has no owner accounts (an older scan): stores are not tied to accounts" in case["notes"]
    )


def test_unknown_network_names_the_id_and_valid_ones(results: Path) -> None:
    with pytest.raises(
        UnknownNetworkError, match=r"'N-A2' is not in the results .* \(2 networks\)\. Did you mean N-A1\?"
    ) as err:
        build_case(results, "N-A2")
    assert "Valid ids include: N-A1, N-B7" in str(err.value)
    assert isinstance(err.value, MarketguardError) and isinstance(err.value, LookupError)


def test_a_directory_that_is_not_results_is_refused(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1]}), tmp_path / "orders.parquet")
    with pytest.raises(
        ResultsDirError, match=r"is not a scan's results directory: it has no networks\.parquet"
    ):
        build_case(tmp_path, "N-A1")


def _ring_network(ring: str, network: str, n_reviews: int, lift: float) -> dict:
    return {
        "ring_id": ring,
        "network_id": network,
        "n_reviews": n_reviews,
        "n_reviewers": 5,
        "n_stores": 2,
        "share_of_ring": 0.5,
        "lift": lift,
        "share_of_network": 0.25,
        "first_review": ts("2025-02-01"),
        "last_review": ts("2025-03-01"),
    }


def test_the_review_rings_serving_the_network_come_most_reviews_first_with_their_own_size(
    make_results: WriteResults,
) -> None:
    from marketguard.report import render_html

    rings = [
        {"ring_id": f"ring_000{i}", "density": 2.0, "n_reviewers": 10 * i, "n_targets": 3, "n_reviews": 40,
         "evidence": "dense_block"}
        for i in (1, 2)
    ]  # fmt: skip
    served = [
        _ring_network("ring_0001", "N-A1", 12, 62.4),
        _ring_network("ring_0002", "N-A1", 30, 8.0),
        _ring_network("ring_0002", "N-OTHER", 99, 3.0),
    ]
    case = build_case(make_results(review_rings=rings, ring_networks=served), "N-A1")
    assert [
        (r["ring_id"], r["n_reviews"], r["ring_reviewers"], r["ring_evidence"]) for r in case["review_rings"]
    ] == [
        ("ring_0002", 30, 20, "dense_block"),
        ("ring_0001", 12, 10, "dense_block"),
    ]
    page = render_html(case)
    assert 'id="review-rings"' in page and "5 of 10" in page and "50% (62x its share of all reviews)" in page
    assert case["notes"] == []


def test_a_network_no_ring_serves_says_so_and_old_results_say_why_they_lack_rings(
    make_results: WriteResults,
) -> None:
    from marketguard.report import render_html

    case = build_case(make_results(review_rings=[], ring_networks=[]), "N-A1")
    assert case["review_rings"] == []
    assert "No review ring's members reviewed this network's stores" in render_html(case)
    scored = [{"review_id": "R1", "score": 0.9, "rank": 1, "ring_id": None, "reasons": []}]
    old = build_case(make_results(review_scores=scored), "N-A1")
    assert old["review_rings"] is None
    assert old["notes"] == ["the results have no ring_networks table (a scan from before it was written)"]


def test_the_verdict_line_matches_the_score(results: Path) -> None:
    high = build_case(results, "N-A1")["verdict"]
    assert high["level"] == "high" and high["text"].startswith(
        "High risk (score 0.91): flagged as a counterfeit"
    )
    low = build_case(results, "N-B7")["verdict"]
    assert low == {
        "level": "low",
        "text": "Low risk (score 0.40): 1 store whose listings, prices and customers do not look counterfeit, "
        "linked by 1 IP address: this looks like a family, a household or a small shop team, not a "
        "counterfeit-seller network.",
    }
    agency = verdict({"score": 0.2, "n_stores": 35, "n_shared_wifi": 1, "n_shared_offices": 1})
    assert (
        "e-commerce agency" in agency["text"] and "1 Wi-Fi router, 1 office-and-purse match" in agency["text"]
    )
    assert 'class="verdict low"' in render_html(build_case(results, "N-B7"))


def test_branded_listings_store_by_store_cheapest_first(results: Path, make_results: WriteResults) -> None:
    case = build_case(results, "N-A1")
    assert [(r["store_id"], r["listing_id"]) for r in case["listings"]] == [
        ("S1", "L1"),
        ("S1", "L2"),
        ("S2", "L9"),
    ]
    html = render_html(case)
    assert "<h2>Branded listings (3)</h2>" in html and "Kingmem DDR4 &lt;1:1&gt; L1" in html
    assert build_case(results, "N-B7")["listings"] == []
    old = make_results(drop=("network_listings",))
    assert build_case(old, "N-A1")["listings"] is None and 'id="listings"' not in render_html(
        build_case(old, "N-A1")
    )
