"""The figure helpers on exact small inputs: ticks, number formats, gap-filled months, empty figures."""

from __future__ import annotations

import re

import pytest

from marketguard.report.charts import money_flow, revenue_chart, site_map
from marketguard.report.formatting import amount, compact, percent
from marketguard.report.svg import element, nice_ticks


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.0, 700.0, [0.0, 200.0, 400.0, 600.0]),
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (22.5, 23.1, [22.6, 22.8, 23.0]),
    ],
)
def test_nice_ticks(low: float, high: float, expected: list[float]) -> None:
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_number_formats() -> None:
    assert [compact(v) for v in (950.0, 1500.0, 38_400.0, 1_020_000.0, 2.5e9, None)] == [
        "950",
        "1.5k",
        "38.4k",
        "1.02M",
        "2.5B",
        "—",
    ]
    assert (amount(1234567.8), amount(12.5), percent(0.5833)) == ("1,234,568", "12.50", "58%")


def test_svg_text_and_attributes_are_escaped() -> None:
    assert element("text", "<b>&", x=1.25, class_='a"b', font_size=10) == (
        '<text x="1.2" class="a&quot;b" font-size="10">&lt;b&gt;&amp;</text>'
    )


def test_revenue_chart_draws_a_bar_for_every_calendar_month() -> None:
    months = [
        {"month": m, "revenue": r, "n_orders": 1, "units": 1} for m, r in (("2024-12", 5.0), ("2025-03", 7.0))
    ]
    svg = revenue_chart(months)
    assert (
        svg is not None and svg.count('class="bar"') == 4
    )  # 2024-12, 2025-01 (zero), 2025-02 (zero), 2025-03
    assert revenue_chart([]) is None


def test_empty_figures_are_none() -> None:
    assert site_map([{"rank": 1, "lat": None, "lon": None}]) is None
    assert money_flow([], "N-1") is None


def test_sites_at_one_place_share_a_numbered_mark() -> None:
    site = {"address": "Depot", "lat": 22.6, "lon": 113.8, "n_shipments": 5, "share": 0.5}
    svg = site_map([{**site, "rank": 1}, {**site, "rank": 2}, {**site, "rank": 3, "lat": 23.5}])
    assert svg is not None
    assert svg.count('class="site-rank"') == 2
    assert "Depot (also #2)" in svg
    assert "Close-up" not in svg  # the two at one place would stay one mark


def test_sites_a_country_apart_get_a_basemap_and_a_close_up_of_the_crowded_city() -> None:
    def site(rank: int, lat: float, lon: float) -> dict:
        address = {"address": f"site {rank}", "address_latin": f"Site {rank}, Shenzhen"}
        return {**address, "rank": rank, "lat": lat, "lon": lon, "n_shipments": 9, "share": 0.3}

    # a factory and its warehouse 3 km apart in Shenzhen, a shop in Chengdu 1,300 km away
    svg = site_map([site(1, 22.56, 114.07), site(2, 22.58, 114.09), site(3, 30.66, 104.07)])
    assert svg is not None
    land = re.search(r'<path d="M([^"]+)" class="land"', svg)
    assert land and land.group(1).count("L") > 100  # China's outline, not a box
    assert "Close-up of #1, #2, one mark above" in svg
    assert svg.count('class="site-rank"') == 2 + 2  # overview: #1 (also #2) and #3; close-up: #1 and #2
    assert "Site 1, Shenzhen (also #2)" in svg  # labels in the Latin form
    assert "url(" not in svg
