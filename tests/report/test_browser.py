"""The case report in a real browser (Debian's chromium via Playwright): it renders, its figures have size, the
console stays clean and the page requests nothing but itself. Screenshots and a print PDF are kept as artifacts.

Run with ``python -m pytest -m browser tests/report``. Never ``playwright install``: the test drives the system
chromium and skips when it is absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from marketguard.report import build_case, render_html
from tests.report.conftest import WriteResults, large_network

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def artifacts_dir() -> Path:
    """Where screenshots go: ``$MARKETGUARD_TEST_ARTIFACTS`` or ``test-artifacts/`` in the project root."""
    out = Path(os.environ.get("MARKETGUARD_TEST_ARTIFACTS") or PROJECT_ROOT / "test-artifacts")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run browser tests"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser: Any, report: Path) -> tuple[Any, list[str], list[str]]:
    """Load ``report``; returns the page, every URL it requested and every console error or page error."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri(), wait_until="load")
    return page, requests, errors


def _svg_boxes(page: Any) -> list[dict[str, float]]:
    return [svg.bounding_box() for svg in page.locator("svg.figure").all()]


@pytest.mark.parametrize("network_id", ["N-A1", "N-BIG"])
def test_case_report_renders_offline(
    browser: Any, make_results: WriteResults, tmp_path: Path, network_id: str
) -> None:
    results = make_results() if network_id == "N-A1" else make_results(**large_network(100, 90))
    report = tmp_path / f"case-{network_id}.html"
    report.write_text(render_html(build_case(results, network_id)), encoding="utf-8")

    page, requests, errors = _open(browser, report)
    try:
        assert page.title() == f"Case {network_id} · marketguard"
        assert page.locator("h1").inner_text() == f"Case {network_id}"
        if network_id == "N-A1":
            cards = page.locator(".card")
            assert cards.filter(has_text="Network score").locator(".value").inner_text() == "0.91"
            assert cards.filter(has_text="Stores").locator(".value").inner_text() == "3"
            assert cards.filter(has_text="Identity documents").locator(".value").inner_text() == "3"
            assert cards.filter(has_text="Recent revenue").locator(".value").inner_text() == "700"
            assert page.locator("#links tbody tr").count() == 5
        boxes = _svg_boxes(page)
        assert len(boxes) == (4 if network_id == "N-A1" else 1)
        assert all(b is not None and b["width"] > 100 and b["height"] > 100 for b in boxes), boxes
        node = page.locator("#graph svg .node").first.bounding_box()
        assert node is not None and node["width"] > 0 and node["height"] > 0
        assert errors == []
        assert requests == [report.as_uri()], requests

        out = artifacts_dir()
        page.screenshot(path=str(out / f"case-{network_id}.png"), full_page=True)
        page.emulate_media(media="print")
        page.pdf(path=str(out / f"case-{network_id}.pdf"), format="A4", print_background=True)
    finally:
        page.close()
