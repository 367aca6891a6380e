"""The console in a real browser (Debian's chromium via Playwright) against a real server: an investigator signs
in, opens the top network, clicks a link in the graph and sees its evidence, confirms the case with a note, reloads
and finds it; the page requests nothing from elsewhere and writes no errors. Screenshots are kept as artifacts
(and on failure). Run with ``python -m pytest -m browser tests/server``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from marketguard.cases import CaseStore, database_url
from marketguard.cases.users import add_user
from tests.report.test_browser import artifacts_dir, browser  # noqa: F401 -- the browser fixture
from tests.server.conftest import running_server

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


def _serving(
    scanned: Path, tmp_path: Path, name: str, role: str, brands: tuple[str, ...] = ()
) -> Iterator[str]:
    """A real server over the scan with one user who signs in with :data:`PASSWORD`; yields its base URL."""
    url = database_url(tmp_path / "cases.sqlite")
    with CaseStore(url) as store:
        store.register_scan(scanned)
        add_user(store, name, role, brands=brands, password=PASSWORD)
    with running_server(str(scanned), "--db", url) as (base, _):
        yield base


@pytest.fixture
def server(scanned: Path, tmp_path: Path) -> Iterator[str]:
    yield from _serving(scanned, tmp_path, "ana", "investigator")


@pytest.fixture
def brand_server(scanned: Path, tmp_path: Path, user_brand: str) -> Iterator[str]:
    """A server with a brand user for the brand the most networks sell."""
    yield from _serving(scanned, tmp_path, "acme", "brand", (user_brand,))


@dataclass
class Watched:
    """A page and what it did: every URL it requested, every console or page error."""

    page: Any
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@contextmanager
def console_page(browser: Any, name: str) -> Iterator[Watched]:  # noqa: F811
    """A 1,366-px page, watched; on failure its screenshot is kept as ``<name>-failure.png``."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watched = Watched(page)
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("console", lambda m: watched.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.problems.append(str(e)))
    try:
        yield watched
    except Exception:
        page.screenshot(path=str(artifacts_dir() / f"{name}-failure.png"), full_page=True)
        raise
    finally:
        page.close()


def sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in-form button[type=submit]")


def test_an_investigator_confirms_the_top_network(browser: Any, server: str) -> None:  # noqa: F811
    with console_page(browser, "console") as watched:
        page = watched.page
        sign_in(page, server, "ana")
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
        elsewhere = [r for r in watched.requests if not r.startswith(server)]
        assert not elsewhere, elsewhere
        assert not watched.problems, "\n".join(watched.problems)


def test_the_console_is_usable_from_the_keyboard(browser: Any, server: str) -> None:  # noqa: F811
    with console_page(browser, "console-keyboard") as watched:
        page = watched.page
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


def test_the_api_documentation_renders_from_this_server_alone(browser: Any, server: str) -> None:  # noqa: F811
    with console_page(browser, "docs") as watched:
        watched.page.goto(f"{server}/v1/docs")
        watched.page.locator(".opblock-summary-path", has_text="/v1/queue").first.wait_for()
        elsewhere = [r for r in watched.requests if not r.startswith(server)]
        assert not elsewhere, elsewhere
        assert not watched.problems, "\n".join(watched.problems)


def test_search_sites_money_and_assignment(browser: Any, server: str) -> None:  # noqa: F811
    with console_page(browser, "console-search") as watched:
        page = watched.page
        sign_in(page, server, "ana")
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
        assert not watched.problems, "\n".join(watched.problems)


def test_a_brand_analyst_sees_pseudonyms_and_no_decision_panel(
    browser: Any,  # noqa: F811
    brand_server: str,
    scanned: Path,
) -> None:
    every_network = pq.read_table(scanned / "networks.parquet", columns=["network_id"]).column(0).to_pylist()
    with console_page(browser, "console-brand") as watched:
        page = watched.page
        sign_in(page, brand_server, "acme")
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
        assert not watched.problems, "\n".join(watched.problems)

        # another brand's network, typed into the address bar: refused as if it did not exist
        other = next(n for n in every_network if f"#network/{n}" not in theirs)
        page.goto(f"{brand_server}/console/#network/{other}")
        page.locator("#status", has_text="No network").wait_for()
