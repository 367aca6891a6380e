"""The console in a real browser (Debian's chromium via Playwright) against a real server: an investigator signs
in, opens the top network, clicks a link in the graph and sees its evidence, confirms the case with a note, reloads
and finds it; the page requests nothing from elsewhere and writes no errors. Screenshots are kept as artifacts
(and on failure). Run with ``python -m pytest -m browser tests/server``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from marketguard.cases import CaseStore, database_url
from marketguard.cases.users import add_user
from tests.report.test_browser import artifacts_dir, browser  # noqa: F401 -- the browser fixture
from tests.server.test_durability import _start
from tests.server.test_serve import _free_port

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(scanned: Path, tmp_path: Path) -> Iterator[str]:
    url = database_url(tmp_path / "cases.sqlite")
    with CaseStore(url) as store:
        store.register_scan(scanned)
        add_user(store, "ana", "investigator", password=PASSWORD)
    port = _free_port()
    process = _start(scanned, url, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_investigator_confirms_the_top_network(browser: Any, server: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{server}/")
        page.fill("input[name=name]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        first = page.locator("#queue-table tbody tr").first
        first.wait_for()
        key = first.locator("td").first.inner_text()
        network = first.locator("a").inner_text()
        first.locator("a").click()
        page.locator("#links-list button").first.wait_for()  # drawn with the graph
        assert page.locator("#network-title").inner_text().startswith(network)
        page.screenshot(path=str(artifacts_dir() / "console-network.png"), full_page=True)

        # click the first link drawn in the graph, where it is drawn
        x, y = page.evaluate(
            "(() => { const e = window.marketguard.graph.edges(\"[kind = 'link']\")[0]; "
            "const p = e.renderedMidpoint(); return [p.x, p.y]; })()"
        )
        box = page.locator("#graph").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.locator("#evidence-table").wait_for(state="visible")
        rows = page.locator("#evidence-table tbody tr")
        assert rows.count() >= 1
        assert "evidence rows" in page.locator("#evidence-hint").inner_text()

        note = "Same boss phone on every store <b>not bold</b>"
        page.select_option("#decision-form select[name=status]", "confirmed_counterfeit")
        page.fill("#decision-form textarea[name=note]", note)
        page.click("#decision-form button[type=submit]")
        # a locator waits without evaluating strings, which the console's Content-Security-Policy forbids
        decided = page.locator("#case-state", has_text="confirmed_counterfeit")
        decided.wait_for()

        page.reload()
        decided.wait_for()
        assert f"Case {key}: confirmed_counterfeit" in page.locator("#case-state").inner_text()
        notes = page.locator("#notes li").all_inner_texts()
        assert any(note in n for n in notes)  # shown as text, tags and all: never interpreted
        assert page.locator("#notes b").count() == 0
        page.screenshot(path=str(artifacts_dir() / "console-decided.png"), full_page=True)
        assert all(r.startswith(server) for r in requests), [r for r in requests if not r.startswith(server)]
        assert not problems, "\n".join(problems)
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "console-failure.png"), full_page=True)
        raise
    finally:
        page.close()


def test_the_console_is_usable_from_the_keyboard(browser: Any, server: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(f"{server}/console/")
        page.focus("input[name=name]")
        page.keyboard.type("ana")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.locator("#queue-table tbody tr").first.wait_for()
        page.locator("#queue-table tbody tr a").first.focus()
        page.keyboard.press("Enter")
        page.locator("#links-list button").first.wait_for()
        page.locator("#links-list button").first.focus()
        page.keyboard.press("Enter")
        page.locator("#evidence-table").wait_for(state="visible")
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "console-keyboard-failure.png"), full_page=True)
        raise
    finally:
        page.close()


def test_the_api_documentation_renders_from_this_server_alone(browser: Any, server: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{server}/v1/docs")
        page.locator(".opblock-summary-path", has_text="/v1/queue").first.wait_for()
        assert all(r.startswith(server) for r in requests), [r for r in requests if not r.startswith(server)]
        assert not problems, "\n".join(problems)
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "docs-failure.png"), full_page=True)
        raise
    finally:
        page.close()


def test_search_sites_money_and_assignment(browser: Any, server: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{server}/")
        page.fill("input[name=name]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.locator("#queue-table tbody tr a").first.click()
        page.locator("#stores-table tbody tr").first.wait_for()
        store = page.locator("#stores-table tbody tr td").first.inner_text()
        network = page.locator("#network-title").inner_text().split(" ")[0]
        n_sites = page.locator("#sites-table tbody tr").count()
        assert n_sites >= 1 and page.locator("#map path.leaflet-interactive").count() == n_sites
        assert (
            page.locator("#revenue-chart rect").count() >= 1 and page.locator("#money-chain li").count() >= 2
        )

        links = page.evaluate("window.marketguard.graph.edges(\"[kind = 'link']\").length")
        page.check("#show-artifacts")  # artifacts join the graph, the links stay clickable
        page.locator("#links-list button").first.wait_for()
        shown = page.evaluate(
            "window.marketguard.graph.nodes(\"[kind = 'artifact'], [kind = 'outside']\").length"
        )
        assert (
            shown >= 1
            and page.evaluate("window.marketguard.graph.edges(\"[kind = 'link']\").length") == links
        )
        page.locator("#graph").screenshot(path=str(artifacts_dir() / "console-graph-artifacts.png"))

        page.click("#assign-me")
        page.locator("#case-state", has_text="assigned to ana").wait_for()

        page.fill("#search-form input[name=q]", store)
        page.press("#search-form input[name=q]", "Enter")
        hit = page.locator("#search-table tbody tr", has_text="store")
        hit.first.wait_for()
        assert network in hit.first.inner_text()
        assert not problems, "\n".join(problems)
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "console-search-failure.png"), full_page=True)
        raise
    finally:
        page.close()


@pytest.fixture
def brand_server(scanned: Path, tmp_path: Path) -> Iterator[str]:
    """A server with a brand user for the brand the most networks sell."""
    sold = pq.read_table(scanned / "network_brands.parquet", columns=["network_id", "brand"]).to_pylist()
    counts: dict[str, set[str]] = {}
    for row in sold:
        counts.setdefault(row["brand"], set()).add(row["network_id"])
    brand = min(counts, key=lambda b: (-len(counts[b]), b))
    url = database_url(tmp_path / "cases.sqlite")
    with CaseStore(url) as store:
        store.register_scan(scanned)
        add_user(store, "acme", "brand", brands=(brand,), password=PASSWORD)
    port = _free_port()
    process = _start(scanned, url, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_brand_analyst_sees_pseudonyms_and_no_decision_panel(
    browser: Any,  # noqa: F811
    brand_server: str,
    scanned: Path,
) -> None:
    every_network = pq.read_table(scanned / "networks.parquet", columns=["network_id"]).column(0).to_pylist()
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{brand_server}/")
        page.fill("input[name=name]", "acme")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.locator("#queue-table tbody tr a").first.wait_for()
        theirs = {a.get_attribute("href") for a in page.locator("#queue-table tbody tr a").all()}
        page.locator("#queue-table tbody tr a").first.click()
        page.locator("#links-list button").first.wait_for()
        page.locator("#history li").first.wait_for()
        assert page.locator("#decision-form").is_hidden() and page.locator("#note-form").is_hidden()
        assert page.locator("#assign-me").is_hidden() and page.locator("#declarations-section").is_hidden()
        text = page.locator("main").inner_text()
        raw = re.findall(
            r"\b(?:ph|dv|ba|em|id|wf)_[0-9a-f]{16}\b|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", text
        )
        assert not raw, raw[:5]
        page.locator("#links-list button").first.click()  # its evidence rows name pseudonyms
        page.locator("#evidence-table").wait_for(state="visible")
        rows = page.locator("#evidence-table tbody").inner_text()
        assert "#" in rows and not re.findall(r"\b(?:ph|dv|ba)_[0-9a-f]{16}\b", rows)
        assert not problems, "\n".join(problems)

        # another brand's network, typed into the address bar: refused as if it did not exist
        other = next(n for n in every_network if f"#network/{n}" not in theirs)
        page.goto(f"{brand_server}/console/#network/{other}")
        page.locator("#status", has_text="No network").wait_for()
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "console-brand-failure.png"), full_page=True)
        raise
    finally:
        page.close()
