"""What tracing and customs screening read from the engine, as SQL (DuckDB dialect, rendered for Spark by the
engine): every shipment with its store's network, each network's settlement accounts, and the ledger in time
order.

One place for these queries: the scan, customs screening and the tracing benchmark read exactly the same rows.
"""

from __future__ import annotations

#: Every shipment (network or not: a site's exclusivity needs all its parcels) with its store and network.
PARCELS = (
    "SELECT sh.shipment_id, an.network_id, s.store_id, sh.picked_up_at, sh.origin_address, "
    "CAST(sh.origin_lat AS DOUBLE) AS origin_lat, CAST(sh.origin_lon AS DOUBLE) AS origin_lon, "
    "sh.sender_phone FROM shipments sh JOIN orders o ON sh.order_id = o.order_id "
    "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
    "LEFT JOIN account_networks an ON s.account_id = an.account_id"
)

#: :data:`PARCELS` as sites are traced from: the columns ``trace_sites`` reads, in shipment order.
SHIPMENTS = (
    "SELECT network_id, store_id, picked_up_at, origin_address, origin_lat, origin_lon, sender_phone "
    f"FROM ({PARCELS}) p ORDER BY shipment_id"
)

#: Each network's settlement accounts: the bank accounts of its store owners.
SETTLEMENT_ACCOUNTS = (
    "SELECT DISTINCT an.network_id, a.bank_account AS party FROM stores s "
    "JOIN account_networks an ON s.account_id = an.account_id "
    "JOIN accounts a ON s.account_id = a.account_id "
    "WHERE a.bank_account IS NOT NULL AND a.bank_account <> '' ORDER BY network_id, party"
)

#: The ledger in time order (ties by transfer id).
TRANSFERS = (
    "SELECT transfer_id, ts, from_party, to_party, CAST(amount AS DOUBLE) AS amount, kind, currency "
    "FROM transfers ORDER BY ts, transfer_id"
)
