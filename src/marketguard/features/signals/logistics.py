"""Logistics signals: where the store's parcels leave from.

Counterfeit networks ship from a few factory or warehouse addresses, often far from the region the owner's
identity was registered in, and sometimes from the same warehouse as other networks. Genuine imports leave from
bonded zones (:mod:`~marketguard.features.signals.imports`): context, the grey-market seller's look.
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import Signal, SignalGroup
from marketguard.features.signals.imports import BONDED_PATTERN

#: The owner's registered city, as the contract documents ``accounts.region``: for a Chinese administrative name
#: the name before 市, after the province or autonomous region (江苏省南京市 -> 南京, 新疆维吾尔自治区乌鲁木齐市 -> 乌鲁木齐);
#: otherwise the last comma-separated part of ``country, region[, city]`` (US, California, Los Angeles -> Los
#: Angeles), else the whole value: a region never reads as nothing. Matched case-insensitively as plain text
#: against the parcel's origin address.
REGION_CITY_SQL = (
    "CASE WHEN regexp_matches(a.region, '[^省区]+市') THEN regexp_extract(a.region, '([^省区]+)市', 1) "
    "ELSE trim(regexp_extract(a.region, '([^,]*)$', 1)) END"
)


def _sql(tables: Tables) -> str:
    networks = (
        "SELECT st.store_id, coalesce(an.network_id, st.store_id) AS owner FROM stores st "
        "LEFT JOIN account_networks an ON st.account_id = an.account_id"
        if tables.backend.table_exists("account_networks")
        else "SELECT store_id, store_id AS owner FROM stores"
    )
    return (
        f"WITH owners AS ({networks}), "
        # the owner's city once per store, not once per parcel (a regular expression per row is what costs)
        f"cities AS (SELECT s.store_id, nullif({REGION_CITY_SQL}, '') AS city FROM stores s "
        "JOIN accounts a ON s.account_id = a.account_id), "
        # one pass over the parcels: everything below reads their (store, origin) counts, and whether an origin
        # is outside the owner's city is read once per (store, origin), not per parcel (lower() on every
        # parcel's address was a third of this group's time)
        "counts AS (SELECT l.store_id, sh.origin_address, count(*) AS n "
        "FROM shipments sh JOIN orders o ON sh.order_id = o.order_id "
        "JOIN listings l ON o.listing_id = l.listing_id GROUP BY l.store_id, sh.origin_address), "
        "store_origins AS (SELECT k.store_id, k.origin_address, k.n, "
        "CASE WHEN c.city IS NULL THEN NULL WHEN contains(lower(k.origin_address), lower(c.city)) THEN 0 "
        "ELSE k.n END AS n_outside, CASE WHEN c.city IS NULL THEN 0 ELSE k.n END AS n_known "
        "FROM counts k JOIN cities c ON k.store_id = c.store_id), "
        "shared AS (SELECT so.origin_address, count(DISTINCT w.owner) AS n_owners FROM store_origins so "
        "JOIN owners w ON so.store_id = w.store_id GROUP BY so.origin_address) "
        "SELECT so.store_id, sum(so.n) AS n_shipments, count(so.origin_address) AS n_origins, "
        "CAST(sum(so.n_outside) AS DOUBLE) / nullif(sum(so.n_known), 0) AS share_origin_outside_region, "
        "max(sh.n_owners) - 1 AS origin_other_networks, "
        # a regular expression per (store, origin), not per parcel
        f"CAST(sum(CASE WHEN regexp_matches(lower(so.origin_address), '{BONDED_PATTERN}') THEN so.n ELSE 0 END) "
        "AS DOUBLE) / sum(so.n) AS share_parcels_bonded FROM store_origins so "
        "JOIN shared sh ON so.origin_address = sh.origin_address GROUP BY so.store_id"
    )


GROUP = SignalGroup(
    name="logistics",
    meaning="where the store's parcels are sent from",
    tables=("stores", "accounts", "listings", "orders", "shipments"),
    sql=_sql,
    signals=(
        Signal("n_shipments", "parcels sent for the store's orders", 0, 0.0),
        Signal("n_origins", "distinct origin addresses of those parcels", 0, 0.0),
        Signal(
            "share_origin_outside_region",
            "share of parcels sent from outside the owner's registered city",
            1,
            None,
            says="{value:.0%} of its parcels leave from outside the owner's registered city",
        ),
        Signal(
            "origin_other_networks",
            "most other operator networks (or unlinked stores) shipping from one of the store's origins",
            1,
            0.0,
            says="ships from an address {value:.0f} other networks also ship from",
        ),
        Signal(
            "share_parcels_bonded",
            "share of the store's parcels sent from a bonded or free-trade zone (保税区, FTZ...)",
            0,
            0.0,
            says="{value:.0%} of its parcels leave bonded zones (imports)",
        ),
    ),
)
