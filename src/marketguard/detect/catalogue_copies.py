"""Copied catalogues as evidence of one operator: near-duplicate listings at one price, and near-identical price
lists (the ``listing_text`` and ``price_list`` kinds of :class:`~marketguard.detect.operator_linking.OperatorLinker`).

Store-group software (店群) copies one master catalogue into every store of an operator and edits each title a
little (a word dropped, two swapped, a suffix or a claim added) to slip past the platform's duplicate-listing
check, which the exact ``listing`` kind (one normalised title at one price) cannot see through. The honest
look-alikes are hit products: unrelated resellers list a brand's bestsellers under near-identical titles, many
at the brand's minimum advertised price. Prices tell the two apart (a copy keeps the master's price to the
cent, resellers of a hit mostly do not), and what they do not, the degree cap does: a hit listed at its
advertised price by many stores is a hub, recorded and never paired.

Both kinds read one row per listing (``account_id`` of the store's owner, ``title``, ``price``, ``opened_at``
of the store, optionally ``description``) and return evidence rows ``account_id, kind, artifact, n_events,
first_seen, last_seen``: made in Python (MinHash LSH, :mod:`marketguard.text.near_duplicates`) and registered
for the linker's SQL, which only selects them (:func:`~marketguard.features.commerce_evidence.made_uses_sql`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.engine.tables import Tables
from marketguard.features.commerce_evidence import USES_SCHEMA
from marketguard.graph.components import encode, encode_sorted
from marketguard.text.near_duplicates import near_duplicate_groups, near_duplicate_sets

__all__ = [
    "LISTING_TEXT_SIMILARITY",
    "MIN_PRICES",
    "PRICE_LIST_SIMILARITY",
    "USES_SCHEMA",
    "listing_text_uses",
    "price_list_uses",
    "priced_listings",
    "uses_of_listings",
]

#: Jaccard similarity of two listings' character 3-shingles at which they are copies: the review texts' value.
#: A copied title with one edit stays above it, two honest titles of one hit product (other adjectives, other
#: suffix) mostly fall below. On the adversarial simulation (seed 7), 0.6 tied 2.5x as many stores of different
#: operators for 1.2x the same-operator pairs, 0.8 lost an eighth of the same-operator pairs.
LISTING_TEXT_SIMILARITY = 0.7
#: Share of its members two price lists must share (Jaccard) to count as one list repriced alike.
PRICE_LIST_SIMILARITY = 0.5
#: Distinct prices an owner must list for its price list to count: prices sit on a few price points (x9.9),
#: so short lists coincide by chance. On the adversarial simulation (seed 7) owners with 3 or more prices
#: gave 24 pairs of different operators at Jaccard 0.5 (3 of one operator); with 5 or more, one at 0.4; with 8
#: or more, none even at 0.3.
MIN_PRICES = 8


def priced_listings(tables: Tables) -> pa.Table:
    """Every priced listing with its store's owner, what :func:`uses_of_listings` reads; a ``description``
    column of ``listings`` (an extra one) is read when present."""
    description = any(name == "description" for name, _ in tables.backend.columns("listings"))
    return tables.fetch(
        "SELECT s.account_id, l.title, l.price, s.opened_at"
        + (", CAST(l.description AS VARCHAR) AS description" if description else "")
        + " FROM listings l JOIN stores s ON l.store_id = s.store_id "
        "WHERE l.title IS NOT NULL AND l.price > 0 ORDER BY l.listing_id",
        "listings for copied catalogues",
    )


def uses_of_listings(listings: pa.Table, kinds: Sequence[str]) -> pa.Table:
    """The evidence rows of the kinds in ``kinds`` (``listing_text``, ``price_list``) from
    :func:`priced_listings` (no engine: the linker makes them on its pool while the engine reads on)."""
    made = {"listing_text": listing_text_uses, "price_list": price_list_uses}
    return pa.concat_tables([made[kind](listings) for kind in kinds])


def listing_text_uses(listings: pa.Table) -> pa.Table:
    """Per (owner, group of near-duplicate listings at one price): the owner's listings in it.

    Listings are grouped by :func:`~marketguard.text.near_duplicates.near_duplicate_groups` on their title (and
    description, when the listings carry one) within their price to the cent: a copy keeps its master's price,
    and comparing within a price keeps a hit product's many titles from chaining into one group. Prices are
    compared to the cent, not within a tolerance: on the adversarial simulation (seed 7), where a seventh of
    the copies are repriced by up to 5%, grouping within 1% price bands instead tied 582 more account pairs of
    different operators for 9 more of one operator, 3% bands 1,451 for 29 (honest prices sit on a grid of
    whole yuan, so above 100 a 1% band already holds several honest price points).

    A group of one normalised title at one price is left to the exact ``listing`` kind (exact copies say more:
    see ``KIND_WEIGHTS``); this kind keeps the groups of two variants or more, the edited copies. A verbatim copy
    inside such a group is seen by both kinds, which is why this kind weighs so little that the two together
    stay below the link strength: one copied listing never links two stores alone.
    """
    if listings.num_rows == 0:
        return USES_SCHEMA.empty_table()
    text = listings.column("title")
    if "description" in listings.column_names:
        description = listings.column("description").cast(pa.string())
        text = pc.if_else(pc.is_null(description), text, pc.binary_join_element_wise(text, description, " "))
    cents = _cents(listings.column("price"))
    groups = near_duplicate_groups(text, blocks=cents, threshold=LISTING_TEXT_SIMILARITY)
    if not (groups >= 0).any():
        return USES_SCHEMA.empty_table()
    grouped = pa.array(groups >= 0)
    rows = listings.select(["account_id", "opened_at"]).filter(grouped)
    groups, cents = groups[groups >= 0], cents[groups >= 0]
    titles = _normalised(text.filter(grouped))
    title_codes, title_names = encode_sorted(titles)
    kept = _copied_groups(groups, title_codes, encode(rows.column("account_id"))[0])
    names = _group_names(groups, title_codes, title_names, cents)
    keep = kept[groups]
    return _uses(rows.filter(pa.array(keep)), "listing_text", names.take(pa.array(groups[keep])))


def price_list_uses(listings: pa.Table) -> pa.Table:
    """Per owner whose distinct prices (to the cent) near-duplicate another owner's: the group of such owners.

    A copied catalogue repriced alike ties its stores even when every title was rewritten. Lists are grouped by
    :func:`~marketguard.text.near_duplicates.near_duplicate_sets` at Jaccard :data:`PRICE_LIST_SIMILARITY`,
    owners with fewer than :data:`MIN_PRICES` distinct prices left out; many owners with one list (a brand's
    resellers at its advertised prices) make the group a hub. The artifact is named after its first owner.
    """
    if listings.num_rows == 0:
        return USES_SCHEMA.empty_table()
    table = pa.table(
        {
            "account_id": listings.column("account_id"),
            "cents": _cents(listings.column("price")),
            "opened_at": listings.column("opened_at"),
        }
    )
    owners = (
        table.group_by("account_id", use_threads=False)
        .aggregate([("cents", "distinct"), ("opened_at", "min"), ("opened_at", "max"), ("cents", "count")])
        .sort_by("account_id")
    )
    groups = near_duplicate_sets(
        owners.column("cents_distinct"), threshold=PRICE_LIST_SIMILARITY, min_size=MIN_PRICES
    )
    keep = pa.array(groups >= 0)
    owners, groups = owners.filter(keep), groups[groups >= 0]
    first = owners.column("account_id").combine_chunks()
    first_of = first.take(pa.array(np.unique(groups, return_index=True)[1][groups]))
    return pa.table(
        [
            owners.column("account_id"),
            pa.array(["price_list"] * owners.num_rows, pa.string()),
            pc.binary_join_element_wise(first_of, pa.scalar("'s price list"), ""),
            owners.column("cents_count").cast(pa.int64()),
            owners.column("opened_at_min").cast(USES_SCHEMA.field("first_seen").type),
            owners.column("opened_at_max").cast(USES_SCHEMA.field("last_seen").type),
        ],
        schema=USES_SCHEMA,
    )


def _cents(prices: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.round(np.asarray(prices.to_numpy(zero_copy_only=False), np.float64) * 100).astype(np.int64)


def _normalised(titles: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A title as the exact ``listing`` kind compares it (:func:`~marketguard.features.commerce_evidence.title_sql`)."""
    spaced = pc.replace_substring_regex(pc.utf8_lower(titles), r"\s+", " ")
    out = pc.utf8_trim_whitespace(spaced)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _copied_groups(groups: np.ndarray, titles: np.ndarray, accounts: np.ndarray) -> np.ndarray:
    """Per group: whether it has two variants or more (normalised titles at its price) and two owners or more."""
    n = int(groups.max()) + 1
    variants = np.bincount(_distinct_pairs(groups, titles)[0], minlength=n)
    owners = np.bincount(_distinct_pairs(groups, accounts)[0], minlength=n)
    return (variants >= 2) & (owners >= 2)


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (a, b) pairs of two non-negative code arrays, sorted, and how often each occurs."""
    width = int(b.max()) + 1 if b.size else 1
    keys, counts = np.unique(a * width + b, return_counts=True)
    return keys // width, keys % width, counts


def _group_names(
    groups: np.ndarray, titles: np.ndarray, title_names: pa.Array, cents: np.ndarray
) -> pa.Array:
    """Per group: its commonest normalised title (the first in sort order among equals) ``~`` its price."""
    n = int(groups.max()) + 1
    group, title, counts = _distinct_pairs(groups, titles)
    order = np.lexsort((title, -counts, group))
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    names = title_names.take(pa.array(title[first]))
    price = np.zeros(n, np.int64)
    price[groups] = cents
    label = pa.array([f" ~ {c / 100!r}" for c in price.tolist()], pa.string())
    return pc.binary_join_element_wise(names, label, "")


def _uses(rows: pa.Table, kind: str, artifacts: pa.Array) -> pa.Table:
    """Evidence rows per (owner, artifact): listings, first and last store opening."""
    table = pa.table(
        {"account_id": rows.column("account_id"), "artifact": artifacts, "t": rows.column("opened_at")}
    )
    per = (
        table.group_by(["account_id", "artifact"], use_threads=False)
        .aggregate([("t", "count"), ("t", "min"), ("t", "max")])
        .sort_by([("account_id", "ascending"), ("artifact", "ascending")])
    )
    return pa.table(
        [
            per.column("account_id"),
            pa.array([kind] * per.num_rows, pa.string()),
            per.column("artifact"),
            per.column("t_count").cast(pa.int64()),
            per.column("t_min").cast(USES_SCHEMA.field("first_seen").type),
            per.column("t_max").cast(USES_SCHEMA.field("last_seen").type),
        ],
        schema=USES_SCHEMA,
    )
