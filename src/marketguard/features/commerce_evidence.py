"""Evidence kinds beyond the internet environment: what an operator's stores sell, to whom, from where, and where
their money goes first.

Operators who hide their environment (anti-detect browsers, residential proxies) still run one business: the
same catalogue copied across their stores (identical titles at identical prices; edited titles and whole price
lists in :mod:`marketguard.detect.catalogue_copies`, whose rows are selected here), the same brushing buyers and
review accounts, parcels from the same factory, settlements forwarded to the same first mule or payee. Each of
these is an artifact of a store's owner account, weighted like the environment's (by kind, and by how few
accounts share it) and combined with them as independent evidence, so that several weak kinds agreeing can link
stores that share no device. Services many honest stores use too (3PL warehouses, wholesalers, payment
processors, popular products and their catalogue titles, power buyers) are shared by too many accounts: past
their kind's degree cap they are hubs, recorded and never paired.

Every part here yields rows ``account_id, kind, artifact, n_events, first_seen, last_seen`` (the store owner's
account, as the environment kinds do), to be unioned into the evidence graph.
"""

from __future__ import annotations

import pyarrow as pa

from marketguard.features.addresses import address_keys

__all__ = [
    "COMMERCE_KINDS",
    "USES_SCHEMA",
    "customer_uses_sql",
    "listing_uses_sql",
    "made_uses_sql",
    "site_table",
    "site_uses_sql",
    "title_sql",
]

#: The kinds this module adds, and what each artifact is.
COMMERCE_KINDS: dict[str, str] = {
    "listing": "a listing title and price (normalised): the same catalogue copied across stores",
    "customer": "a buyer or reviewer account: the same brushing buyers and review accounts",
    "site": "a ship-from address (normalised key): the same factory or warehouse",
    "payee": "a party paid from the owner's settlement account: the same first mule, payee or withdrawal account",
    "destination": "a party two or more transfers from the owner's settlement account that got a material share "
    "of its money: the same collector or deeper mule (trace.owner_money)",
    "listing_text": "a group of near-duplicate listings at one price, two title variants or more: the same "
    "catalogue copied with edited titles (detect.catalogue_copies)",
    "price_list": "a group of owners with near-identical lists of distinct prices: the same catalogue repriced "
    "alike (detect.catalogue_copies)",
}

#: The rows of every part, and of the evidence tables made in Python (payees and money destinations in
#: ``trace.owner_money``, copied catalogues in ``detect.catalogue_copies``) that :func:`made_uses_sql` selects.
USES_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("kind", pa.string()),
        ("artifact", pa.string()),
        ("n_events", pa.int64()),
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("last_seen", pa.timestamp("us", tz="UTC")),
    ]
)

#: Store to owner, as every part below starts from it.
_OWNER = "JOIN listings l ON {alias}.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id"


def title_sql(column: str) -> str:
    """A title as copies of it meet: lower case, runs of white space as one space, trimmed.

    The regular expression, most of the cost on a million titles, runs only where it can change something: a
    double space, or a tab, newline, vertical tab, form feed or carriage return (``\\s`` of RE2 and of Java's
    regular expressions are these and the space)."""
    lowered = f"lower({column})"
    blanks = " OR ".join(
        [f"contains({column}, '  ')", *(f"contains({column}, chr({c}))" for c in range(9, 14))]
    )
    return f"trim(CASE WHEN {blanks} THEN regexp_replace({lowered}, '\\s+', ' ', 'g') ELSE {lowered} END)"


def listing_uses_sql() -> str:
    """Per (owner, normalised title and price): the listings. A copied catalogue repeats both; an honest reseller
    of a popular product repeats the title but rarely the price to the cent, and when many do, it is a hub."""
    artifact = f"{title_sql('l.title')} || ' @ ' || CAST(round(l.price, 2) AS VARCHAR)"
    return (
        f"SELECT s.account_id, 'listing', {artifact}, count(*), min(s.opened_at), max(s.opened_at) "
        "FROM listings l JOIN stores s ON l.store_id = s.store_id "
        "WHERE l.title IS NOT NULL AND l.price > 0 "
        f"GROUP BY s.account_id, {artifact}"
    )


def customer_uses_sql(with_orders: bool, with_reviews: bool) -> str:
    """Per (owner, buyer or reviewer account): its orders and reviews at the owner's stores. One artifact per
    account whether it bought, reviewed or both: a brushing account does both, and counting it twice would
    count one fact twice. The owner buying at its own store is no evidence."""
    parts = []
    if with_orders:
        parts.append("SELECT listing_id, buyer_account_id AS customer, ts FROM orders")
    if with_reviews:
        parts.append("SELECT listing_id, reviewer_account_id AS customer, ts FROM reviews")
    return (
        f"SELECT s.account_id, 'customer', c.customer, count(*), min(c.ts), max(c.ts) "
        f"FROM ({' UNION ALL '.join(parts)}) c {_OWNER.format(alias='c')} "
        "WHERE c.customer IS NOT NULL AND c.customer <> s.account_id GROUP BY s.account_id, c.customer"
    )


def site_table(origins: pa.Array) -> pa.Table:
    """``origin_address, site``: the address key of every distinct written origin that names one place (city,
    road and house number); forms naming less (a city alone) are left out, since they would tie every store
    of a city together."""
    keys = address_keys(origins.to_pylist())
    complete = [k.is_complete for k in keys]
    return pa.table(
        {
            "origin_address": origins.filter(pa.array(complete, pa.bool_())),
            "site": pa.array([k.text for k in keys if k.is_complete], pa.string()),
        }
    )


def site_uses_sql(sites: str) -> str:
    """Per (owner, ship-from site): the parcels. ``sites`` is the table :func:`site_table` made; the parcels
    per owner and origin come from ``owner_parcels`` (:func:`marketguard.features.evidence.owner_parcels_sql`)."""
    return (
        "SELECT p.account_id, 'site', k.site, sum(p.n_parcels), min(p.first_seen), max(p.last_seen) "
        f"FROM owner_parcels p JOIN {sites} k ON p.origin_address = k.origin_address "
        "GROUP BY p.account_id, k.site"
    )


def made_uses_sql(uses: str, kind: str) -> str:
    """Per (owner, artifact): the rows of kind ``kind`` of table ``uses``, evidence rows made in Python: payees
    and money destinations (:func:`marketguard.trace.owner_money.owner_money_uses`), copied catalogues
    (:mod:`marketguard.detect.catalogue_copies`)."""
    return f"SELECT account_id, kind, artifact, n_events, first_seen, last_seen FROM {uses} WHERE kind = '{kind}'"
