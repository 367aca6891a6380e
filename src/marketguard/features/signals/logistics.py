"""Logistics signals: where the store's parcels leave from.

Counterfeit networks ship from a few factory or warehouse addresses, often far from the region the owner's
identity was registered in, and sometimes from the same warehouse as other networks.
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import Signal, SignalGroup

#: The owner's registered city: the name before 市 (after the province, if any): 江苏省南京市 -> 南京.
#: A plain-text match against the parcel's origin address; proper address normalisation comes with tracing.
REGION_CITY_SQL = "regexp_extract(a.region, '([^省]+)市', 1)"


def _sql(tables: Tables) -> str:
    networks = (
        "SELECT st.store_id, coalesce(an.network_id, st.store_id) AS owner FROM stores st "
        "LEFT JOIN account_networks an ON st.account_id = an.account_id"
        if tables.backend.table_exists("account_networks")
        else "SELECT store_id, store_id AS owner FROM stores"
    )
    return (
        f"WITH owners AS ({networks}), "
        "parcels AS (SELECT l.store_id, sh.origin_address, "
        f"CASE WHEN {REGION_CITY_SQL} = '' OR a.region IS NULL THEN NULL "
        f"WHEN contains(sh.origin_address, {REGION_CITY_SQL}) THEN 0 ELSE 1 END AS outside "
        "FROM shipments sh JOIN orders o ON sh.order_id = o.order_id "
        "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
        "JOIN accounts a ON s.account_id = a.account_id), "
        "origin_owners AS (SELECT DISTINCT p.origin_address, w.owner FROM parcels p "
        "JOIN owners w ON p.store_id = w.store_id), "
        "shared AS (SELECT o.origin_address, count(*) AS n_owners FROM origin_owners o GROUP BY o.origin_address), "
        "per_store AS (SELECT p.store_id, count(*) AS n_shipments, count(DISTINCT p.origin_address) AS n_origins, "
        "avg(p.outside) AS share_origin_outside_region FROM parcels p GROUP BY p.store_id), "
        "other_owners AS (SELECT DISTINCT p.store_id, p.origin_address FROM parcels p) "
        "SELECT ps.store_id, ps.n_shipments, ps.n_origins, ps.share_origin_outside_region, "
        "max(sh.n_owners) - 1 AS origin_other_networks FROM per_store ps "
        "JOIN other_owners oo ON ps.store_id = oo.store_id JOIN shared sh ON oo.origin_address = sh.origin_address "
        "GROUP BY ps.store_id, ps.n_shipments, ps.n_origins, ps.share_origin_outside_region"
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
    ),
)
