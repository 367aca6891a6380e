"""render_html: self-contained (no URL, no script), every evidence row present, text escaped, caps stated."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from html import escape, unescape
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from marketguard.report import build_case, render_graphml, render_html
from marketguard.report.graph_drawing import MAX_ARTIFACTS, label_boxes
from marketguard.report.html import LINK_ROWS_PER_KIND
from tests.report.conftest import MANIFEST, PHONE, WriteResults, agency_network, large_network


def _rows(html: str, section: str) -> list[list[str]]:
    """The cells of every body row of a section's tables, as plain text."""
    body = re.search(rf'<section id="{section}">(.*?)</section>', html, re.S)
    assert body, f"section {section} missing"
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", c)) for c in row] for row in cells if row]


def test_report_is_self_contained(results: Path) -> None:
    html = render_html(build_case(results, "N-A1"))
    assert "http://" not in html and "https://" not in html
    for pattern in (r"<script", r"<link", r"<img", r"<iframe", r"\ssrc=", r"\shref=", r"url\(", r"@import"):
        assert not re.search(pattern, html, re.I), pattern
    assert "default-src 'none'" in html  # the browser refuses any fetch, whatever the data holds


def test_report_has_the_four_figures(results: Path) -> None:
    html = render_html(build_case(results, "N-A1"))
    assert html.count('<svg viewBox="0 0 ') == 4  # (the site map nests one for its land, to clip it)
    for label in ("Evidence graph", "Revenue by month", "Ranked sites", "Money trail"):
        assert f'aria-label="{label}' in html


def _shown_per_kind(links: list[dict]) -> int:
    """Link rows the evidence section shows: each kind's strongest LINK_ROWS_PER_KIND."""
    kinds = Counter(r["kind"] for r in links)
    return sum(min(n, LINK_ROWS_PER_KIND) for n in kinds.values())


def test_every_link_row_is_in_the_evidence_table(results: Path) -> None:
    case = build_case(results, "N-A1")
    shown = _rows(render_html(case), "links")
    expected = [
        [r["account_a"], r["account_b"], r["artifact"], f"{r['weight']:.2f}", str(r["n_events"])]
        for r in case["links"]
    ]
    assert [[row[0], row[1], row[3], row[4], row[6]] for row in shown] == expected
    assert len(expected) == 5


def test_summary_stores_sites_and_money_tables(results: Path) -> None:
    html = render_html(build_case(results, "N-A1"))
    assert "<title>Case N-A1 · marketguard</title>" in html
    for figure in (
        "0.91",
        "1.5k",
        "1,500 in all",
        "700",
        "last 3 months of the data (2025-04 to 2025-06), 5 orders",
    ):
        assert escape(figure) in html, figure
    assert [r[:4] for r in _rows(html, "stores")] == [
        ["1", "S1", "A1", "0.95"],
        ["2", "S2", "A2", "0.90"],
        ["4", "S3", "A3", "0.50"],
    ]
    assert [r[:5] for r in _rows(html, "sites")] == [
        ["1", "深圳市宝安区凤凰路12号 (factory)12 Fenghuanglu, Baoan, Shenzhen", "7", "58%", "90%"],
        ["2", "Warehouse B, Dongguan", "4", "33%", "90%"],
        ["3", "Unknown depot", "1", "8%", "90%"],
    ]
    assert [r[:6] for r in _rows(html, "money")] == [
        ["1", "BANK-COLLECT-1", "collector", "1–2", "1,000", "67%"],
        ["2", "A2", "mule", "1", "300", "20%"],
        ["3", "SUPPLIER-77", "supplier", "2", "200", "13%"],
    ]
    assert "1 site(s) without coordinates are not on the map" in html
    assert "/data/tiny-market" in html and "duckdb" in html


def test_money_shows_the_chain_with_its_accounts_delays_and_spans(results: Path) -> None:
    html = render_html(build_case(results, "N-A1"))
    assert [r[7:10] for r in _rows(html, "money")] == [
        ["direct", "same day", "2025-02-01 to 2025-05-01 (90%)"],
        ["—", "—", "2025-02-01 to 2025-05-01"],  # a row from before the chain columns
        ["BANK-COLLECT-1", "20 d", "2025-02-01 to 2025-05-01"],
    ]
    assert (
        escape(
            "store accounts → BANK-COLLECT-1 (collector, 1k, 1 hop, same day) → SUPPLIER-77 (supplier, 200, 2 hops, 20 d)"
        )
        in html
    )


def test_data_text_is_escaped(results: Path) -> None:
    html = render_html(build_case(results, "N-A1"))
    assert PHONE not in html
    assert escape(PHONE) in html


def test_missing_tables_render_as_stated_limits(make_results: WriteResults) -> None:
    manifest = dict(MANIFEST, missing_optional_tables=["shipments", "transfers", "orders"])
    results = make_results(drop=("sites", "money", "network_revenue"), manifest=manifest)
    html = render_html(build_case(results, "N-A1"))
    assert html.count("<svg ") == 1
    for note in (
        "no shipments in the input: sites not traced",
        "no transfers in the input: money trail not traced",
    ):
        assert note in html
    assert "No revenue by month in the results." in html


def test_rendering_is_deterministic(results: Path) -> None:
    case = build_case(results, "N-A1")
    assert render_html(case) == render_html(build_case(results, "N-A1"))


def test_a_hundred_account_network_stays_readable(make_results: WriteResults) -> None:
    case = build_case(make_results(**large_network(100, 90)), "N-BIG")
    html = render_html(case)
    graph = re.search(r'<svg [^>]*aria-label="Evidence graph.*?</svg>', html, re.S)
    assert graph
    assert graph.group(0).count("<polygon") == MAX_ARTIFACTS
    legend = re.findall(r'class="legend">([^<]*)<', graph.group(0))
    assert legend == ["account", "device", "phone", "Wi-Fi router", "IP address", "store"]  # kinds drawn only
    assert graph.group(0).count("<circle") == 100 + len(legend)
    assert "2 artifact(s) only two accounts share are drawn as lines between them" in html
    assert "28 weaker artifacts not drawn (of 90)" in html
    assert "account labels hidden (more than 60 accounts)" in html.replace("Account labels", "account labels")
    assert "store labels hidden" in html.replace("Store labels", "store labels")
    assert len(case["artifacts"]) == 90
    assert len(case["links"]) > 200
    assert len(_rows(html, "links")) == _shown_per_kind(case["links"]) < len(case["links"])
    assert re.search(r"The strongest 25; [\d,]+ more rows in the JSON case and links.parquet", html)
    assert html.count("<details") == len({r["kind"] for r in case["links"]}) and html.count(" open>") == 1


def test_report_of_a_real_scan(small_market: Path, tmp_path: Path) -> None:
    """The report reads whatever a real scan writes today (old or new optional tables), end to end."""
    from marketguard import scan  # tests may run the pipeline; the report package itself never does

    results = scan(small_market, tmp_path / "results").out
    top = (
        pq.read_table(results / "networks.parquet").sort_by([("score", "descending")]).column("network_id")[0]
    )
    case = build_case(results, top.as_py())
    html = render_html(case)
    assert case["links"] and case["stores"]
    assert case["summary"]["currency"] == "CNY"  # the simulator's listings are priced in yuan
    revenue_card = re.search(r'<div class="name">Revenue</div><div class="value">([^<]*)</div>', html)
    assert revenue_card and revenue_card.group(1).startswith("CNY ")
    assert "Revenue (CNY)" in html and "revenue (CNY)</text>" in html  # table head and chart axis
    assert "http://" not in html and "https://" not in html
    assert len(_rows(html, "links")) == _shown_per_kind(case["links"])
    ET.fromstring(render_graphml(case))


def test_a_chinese_address_shows_its_latin_spelling(results: Path) -> None:
    html = render_html(build_case(results, "N-A1"))
    assert (
        '深圳市宝安区凤凰路12号 (factory)<br><span class="muted">12 Fenghuanglu, Baoan, Shenzhen</span>'
        in html
    )
    assert "Warehouse B, Dongguan</td>" in html  # a Latin address stands alone


def test_the_money_chart_joins_a_supplier_to_the_collector_that_paid_it(results: Path) -> None:
    from marketguard.report.charts import money_flow

    svg = money_flow(build_case(results, "N-A1")["money"], "N-A1")
    assert svg is not None
    starts = {
        re.sub(r"<[^>]+>", "", tip).split(":")[0]: d.split("V")[0]
        for d, tip in re.findall(r'<path[^>]*d="([^"]+)"[^>]*>(.*?)</path>', svg, re.S)
    }
    trunk = starts["BANK-COLLECT-1"]  # paid by the network's accounts: from the network's box
    assert starts["A2"] == trunk and starts["SUPPLIER-77"] != trunk
    collector_box = re.search(r'<rect x="([\d.]+)" y="([\d.]+)"[^>]*class="flow-party"', svg)
    assert collector_box is not None
    x, y = (float(v) for v in starts["SUPPLIER-77"][1:].split())
    assert y == float(collector_box.group(2)) + 40  # from the collector box's bottom edge
    assert float(collector_box.group(1)) < x < float(collector_box.group(1)) + 230


def _overlapping(boxes: list[tuple[str, str, tuple[float, float, float, float]]]) -> list[tuple[str, str]]:
    """Pairs of boxes that intersect, where at least one is a label (nodes may touch only nodes)."""
    found = []
    for i, (what_a, text_a, (l1, t1, r1, b1)) in enumerate(boxes):
        for what_b, text_b, (l2, t2, r2, b2) in boxes[i + 1 :]:
            if "label" in (what_a, what_b) and l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1:
                found.append((text_a, text_b))
    return found


@pytest.mark.parametrize("shape", ["strided", "agency"])
def test_no_label_overlaps_a_label_or_a_node_at_fifty_accounts(
    make_results: WriteResults, shape: str
) -> None:
    tables, network = (large_network(50, 60), "N-BIG") if shape == "strided" else (agency_network(50), "N-AG")
    case = build_case(make_results(**tables), network)
    boxes = label_boxes(case)
    labels = [text for what, text, _ in boxes if what == "label"]
    assert sum(text.startswith("U") for text in labels) == 50  # every account labelled
    assert _overlapping(boxes) == []
    svg = re.search(r'<svg [^>]*aria-label="Evidence graph.*?</svg>', render_html(case), re.S)
    assert svg and svg.group(0).count('class="label') == len(labels)  # the boxes are the labels drawn
