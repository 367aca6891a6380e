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

#: The ledger's columns, read once from the validated view (whose vocabulary mapping of the parties would run
#: again for every reference to them); '' stands for a missing party.
LEDGER_ROWS = (
    "SELECT transfer_id, ts, coalesce(from_party, '') AS src, coalesce(to_party, '') AS dst, "
    "CAST(amount AS DOUBLE) AS amount, kind, currency FROM transfers"
)


def _moves(t: str) -> str:
    """The rows of ``ledger_rows`` (alias ``t``) that move money: a time, a positive amount, not to the sender."""
    return f"{t}.ts IS NOT NULL AND {t}.amount > 0 AND ({t}.src <> {t}.dst OR {t}.src = '' OR {t}.dst = '')"


#: Every party of the ledger (step ``ledger_rows`` made from :data:`LEDGER_ROWS`), and every store owner's
#: settlement account (a seed need not have transfers), with a dense code in name order. The money trail and the
#: linker's money evidence read the ledger as these codes: the engine encodes millions of party names faster
#: than Python can.
LEDGER_PARTIES = (
    "SELECT party, CAST(row_number() OVER (ORDER BY party) - 1 AS BIGINT) AS code FROM ("
    f"SELECT t.src AS party FROM ledger_rows t WHERE {_moves('t')} UNION "
    f"SELECT t.dst FROM ledger_rows t WHERE {_moves('t')} UNION "
    "SELECT a.bank_account FROM accounts a JOIN stores s ON a.account_id = s.account_id "
    "WHERE a.bank_account IS NOT NULL) p"
)


#: The currencies of the transfers that move money (step ``ledger_rows``).
LEDGER_CURRENCIES = (
    f"SELECT DISTINCT t.currency FROM ledger_rows t WHERE {_moves('t')} AND t.currency IS NOT NULL "
    "ORDER BY t.currency"
)


def coded_transfers_sql(kinds: dict[str, int]) -> str:
    """The ledger as the money trail replays it (steps ``ledger_rows`` and ``ledger_parties``): the transfers
    that move money, in time order (ties by transfer id), parties as codes, ``kinds`` (transfer kind -> code) as
    codes, 0 for any other."""
    kind = "CASE t.kind " + " ".join(f"WHEN '{k}' THEN {c}" for k, c in kinds.items()) + " ELSE 0 END"
    return (
        "SELECT epoch_us(t.ts) AS ts, fp.code AS src, tp.code AS dst, t.amount, "
        f"CAST({kind} AS TINYINT) AS kind FROM ledger_rows t "
        "JOIN ledger_parties fp ON t.src = fp.party JOIN ledger_parties tp ON t.dst = tp.party "
        f"WHERE {_moves('t')} "
        "ORDER BY t.ts, t.transfer_id"
    )
