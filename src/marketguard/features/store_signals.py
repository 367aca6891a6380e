"""Per-store signals for the baseline risk score: template, account age, prices against brand reference,
and how many other stores share the owner's internet environment."""

from __future__ import annotations

from marketguard.contract.vocabulary import BASIC_TEMPLATE
from marketguard.engine.base import Step

#: A listing priced below this share of its brand's reference price is "far below reference".
FAR_BELOW_SHARE = 0.5


def branded_prices_sql(far_below: float = FAR_BELOW_SHARE) -> Step:
    """Per store: branded listings, how many are far below the brand's reference price, median price ratio."""
    return Step(
        "store_branded_prices",
        "SELECT l.store_id, count(*) AS n_branded, "
        f"count(CASE WHEN l.price < {far_below} * b.reference_price THEN 1 END) AS n_far_below, "
        "median(l.price / b.reference_price) AS median_price_ratio "
        "FROM listings l JOIN brands b ON l.brand = b.brand "
        "WHERE b.reference_price > 0 GROUP BY l.store_id",
    )


def store_signals_sql(with_prices: bool, with_networks: bool) -> Step:
    """One row per store with the baseline signals; missing inputs give neutral values."""
    prices = "LEFT JOIN store_branded_prices p ON s.store_id = p.store_id" if with_prices else ""
    price_cols = (
        "coalesce(p.n_branded, 0) AS n_branded, coalesce(p.n_far_below, 0) AS n_far_below, "
        "p.median_price_ratio"
        if with_prices
        else "0 AS n_branded, 0 AS n_far_below, CAST(NULL AS DOUBLE) AS median_price_ratio"
    )
    networks = (
        "LEFT JOIN account_networks an ON s.account_id = an.account_id "
        "LEFT JOIN (SELECT an2.network_id, count(*) AS n_stores FROM stores s2 "
        "JOIN account_networks an2 ON s2.account_id = an2.account_id GROUP BY an2.network_id) ns "
        "ON an.network_id = ns.network_id"
        if with_networks
        else ""
    )
    network_cols = (
        "an.network_id, coalesce(ns.n_stores, 1) - 1 AS n_linked_stores"
        if with_networks
        else "CAST(NULL AS VARCHAR) AS network_id, 0 AS n_linked_stores"
    )
    return Step(
        "store_signals",
        "SELECT s.store_id, s.account_id, "
        f"CAST(s.template = '{BASIC_TEMPLATE}' AS INTEGER) AS is_basic_template, "
        # whole days elapsed; engines disagree on date_diff (boundaries crossed vs full days)
        "(epoch_us(s.opened_at) - epoch_us(a.created_at)) // 86400000000 AS account_age_days, "
        f"{price_cols}, {network_cols} "
        f"FROM stores s JOIN accounts a ON s.account_id = a.account_id {prices} {networks}",
    )
