"""The copied-catalogue evidence rows on exact small cases: what is one artifact, what is left to the exact listing
kind, and what a description changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from marketguard.detect.catalogue_copies import USES_SCHEMA, listing_text_uses, price_list_uses

TITLE = "Kingmem 16GB DDR4 3200 desktop memory"
EDITED = "Kingmem 16GB DDR4 3200 desktop memory free shipping"


def _listings(rows: list[tuple], description: list[str | None] | None = None) -> pa.Table:
    """``rows``: (owner account, title, price); every store opened on 1 February 2025."""
    opened = datetime(2025, 2, 1, tzinfo=UTC)
    columns = {
        "account_id": [r[0] for r in rows],
        "title": [r[1] for r in rows],
        "price": [float(r[2]) for r in rows],
        "opened_at": pa.array([opened] * len(rows), pa.timestamp("us", tz="UTC")),
    }
    if description is not None:
        columns["description"] = description
    return pa.table(columns)


def _artifacts(uses: pa.Table) -> list[tuple]:
    return [(r["account_id"], r["artifact"], r["n_events"]) for r in uses.to_pylist()]


def test_edited_copies_at_one_price_are_one_artifact_and_verbatim_ones_are_left_to_the_exact_kind() -> None:
    uses = listing_text_uses(
        _listings(
            [
                ("A1", TITLE, 89.9),
                ("A2", EDITED, 89.9),
                ("A2", EDITED, 89.9),
                ("A3", EDITED, 99.9),  # another price: another block
                ("A4", "Pocket AAA batteries 8 pack", 12.9),  # verbatim copies only: the exact kind's
                ("A5", "pocket aaa  batteries 8 pack", 12.9),
            ]
        )
    )
    assert uses.schema == USES_SCHEMA
    name = "kingmem 16gb ddr4 3200 desktop memory free shipping ~ 89.9"  # the commonest title, normalised
    assert _artifacts(uses) == [("A1", name, 1), ("A2", name, 2)]
    assert uses.column("kind").to_pylist() == ["listing_text"] * 2


def test_one_owner_s_own_variants_are_no_artifact() -> None:
    assert listing_text_uses(_listings([("A1", TITLE, 89.9), ("A1", EDITED, 89.9)])).num_rows == 0
    assert listing_text_uses(_listings([])).num_rows == 0


def test_a_description_is_compared_with_its_title() -> None:
    rows = [("A1", TITLE, 89.9), ("A2", EDITED, 89.9)]
    assert listing_text_uses(_listings(rows)).num_rows == 2
    assert listing_text_uses(_listings(rows, [None, None])).num_rows == 2
    unrelated = ["DDR4 desktop module, lifetime warranty, ships from Shenzhen", "二手 内存条 拆机 保一个月"]
    assert listing_text_uses(_listings(rows, unrelated)).num_rows == 0


def test_price_lists_alike_share_the_first_owner_s_artifact() -> None:
    prices = [20.9 + 10 * k for k in range(8)]
    rows = [(a, f"{a} item {k}", p) for a in ("A2", "A1") for k, p in enumerate(prices)]
    rows += [("A3", "other", p + 1) for p in prices] + [("A4", "short", p) for p in prices[:7]]
    uses = price_list_uses(_listings(rows))
    assert _artifacts(uses) == [("A1", "A1's price list", 8), ("A2", "A1's price list", 8)]
    assert uses.column("kind").to_pylist() == ["price_list"] * 2
