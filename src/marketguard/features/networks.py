"""Per-network summary: accounts, stores, distinct identity documents (the tell), revenue, activity span, the
shared artifacts behind the links, and the network's score.

Network score = 0.8 x the mean of its three riskiest stores' scores + 0.2 x the identity tell x the evidence
strength, where the tell is 1 when two or more stores were opened with as many different identity documents as
stores and still share a device or Wi-Fi router (one operator behind borrowed identities), else 0, and the
evidence strength is the mean strength of the network's linked pairs (how surely its accounts are one operator,
0.5 to 1). The top three rather than the maximum or the mean: one odd store does not condemn a network, and many
quiet stores do not hide a few loud ones. The strength also ranks networks whose stores all score near 1 (a
calibrated model's scores saturate there, and trees give many stores the same leaves): without it, 187 networks
of a 10k-store marketplace tied at the top of the queue.
"""

from __future__ import annotations

from marketguard.engine.base import Step, mean12, round12

#: Per artifact kind, the networks column counting the distinct artifacts of that kind shared inside a network.
SHARED_COUNTS: dict[str, str] = {
    "device": "n_shared_devices",
    "wifi": "n_shared_wifi",
    "ip": "n_shared_ips",
    "ip_net": "n_shared_ip_networks",
    "id_document": "n_shared_id_documents",
    "phone": "n_shared_phones",
    "email": "n_shared_emails",
    "bank_account": "n_shared_bank_accounts",
    "listing": "n_shared_listings",
    "customer": "n_shared_customers",
    "site": "n_shared_sites",
    "payee": "n_shared_payees",
    "destination": "n_shared_destinations",
    "listing_text": "n_shared_listing_texts",
    "price_list": "n_shared_price_lists",
    "office": "n_shared_offices",
}
#: The kinds of the internet environment: a network tied by none of them says so ("no shared device").
ENVIRONMENT_COUNTS = ("n_shared_devices", "n_shared_wifi", "n_shared_ips", "n_shared_ip_networks")


def currency_sql(column: str) -> str:
    """The one currency of the aggregated rows' ``column``, 'mixed' when they have several, NULL when none
    says (order amounts are in their listing's currency)."""
    return (
        f"CASE WHEN count(DISTINCT nullif({column}, '')) > 1 THEN 'mixed' ELSE min(nullif({column}, '')) END"
    )


def network_summary_sql(with_revenue: bool, window_days: int = 90) -> Step:
    """One row per network; reads ``account_networks``, ``store_scores_in``, ``links`` and, with revenue,
    ``network_revenue_window`` (:func:`marketguard.trace.revenue.revenue_steps`). Revenue is summed as the
    orders give it, in ``currency``; 'mixed' flags a network whose listings use several (its sum adds them as
    they are: read ``network_revenue`` per month, where each month says its own currency)."""
    revenue = (
        "LEFT JOIN (SELECT an.network_id, round(sum(o.amount), 2) AS revenue, count(*) AS n_orders, "
        f"{currency_sql('l.currency')} AS currency FROM orders o "
        "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
        "JOIN account_networks an ON s.account_id = an.account_id GROUP BY an.network_id) rv "
        "ON acc.network_id = rv.network_id "
        "LEFT JOIN network_revenue_window rw ON acc.network_id = rw.network_id "
        "CROSS JOIN (SELECT max(ts) AS window_end FROM orders) we"
        if with_revenue
        else ""
    )
    revenue_cols = (
        "coalesce(rv.revenue, 0.0) AS revenue, rv.currency, coalesce(rv.n_orders, 0) AS n_orders, "
        "coalesce(rw.revenue_window, 0.0) AS revenue_window, coalesce(rw.n_orders_window, 0) AS n_orders_window, "
        f"CAST({window_days} AS BIGINT) AS window_days, we.window_end"
        if with_revenue
        else "CAST(NULL AS DOUBLE) AS revenue, CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS BIGINT) AS n_orders, "
        "CAST(NULL AS DOUBLE) AS revenue_window, CAST(NULL AS BIGINT) AS n_orders_window, "
        "CAST(NULL AS BIGINT) AS window_days, CAST(NULL AS TIMESTAMPTZ) AS window_end"
    )
    tell = (
        "CASE WHEN coalesce(st.n_stores, 0) >= 2 AND acc.n_id_documents >= st.n_stores "
        "AND coalesce(art.n_shared_devices, 0) + coalesce(art.n_shared_wifi, 0) > 0 "
        "THEN coalesce(ps.strength, 0.0) ELSE 0.0 END"
    )
    return Step(
        "network_summary",
        "SELECT acc.network_id, acc.n_accounts, coalesce(st.n_stores, 0) AS n_stores, acc.n_id_documents, "
        f"CAST(0.8 AS DOUBLE) * top.score + CAST(0.2 AS DOUBLE) * {tell} AS score, "
        + revenue_cols
        + ", seen.first_seen, seen.last_seen, "
        + ", ".join(f"coalesce(art.{col}, 0) AS {col}" for col in SHARED_COUNTS.values())
        + " "
        "FROM (SELECT an.network_id, count(*) AS n_accounts, count(DISTINCT a.id_document) AS n_id_documents "
        "      FROM account_networks an JOIN accounts a ON an.account_id = a.account_id "
        "      GROUP BY an.network_id) acc "
        "LEFT JOIN (SELECT an.network_id, count(*) AS n_stores FROM stores s "
        "      JOIN account_networks an ON s.account_id = an.account_id GROUP BY an.network_id) st "
        "  ON acc.network_id = st.network_id "
        "LEFT JOIN (SELECT network_id, avg(score) AS score FROM (SELECT an.network_id, sc.score, "
        "      row_number() OVER (PARTITION BY an.network_id ORDER BY sc.score DESC, s.store_id) AS position "
        "      FROM stores s JOIN account_networks an ON s.account_id = an.account_id "
        "      JOIN store_scores_in sc ON s.store_id = sc.store_id) ranked WHERE position <= 3 "
        "      GROUP BY network_id) top "
        "  ON acc.network_id = top.network_id "
        "LEFT JOIN (SELECT an.network_id, min(g.ts) AS first_seen, max(g.ts) AS last_seen FROM logins g "
        "      JOIN account_networks an ON g.account_id = an.account_id GROUP BY an.network_id) seen "
        "  ON acc.network_id = seen.network_id "
        "LEFT JOIN (SELECT network_id, "
        + ", ".join(
            f"count(DISTINCT CASE WHEN kind = '{k}' THEN artifact END) AS {c}"
            for k, c in SHARED_COUNTS.items()
        )
        + " FROM links GROUP BY network_id) art "
        "  ON acc.network_id = art.network_id "
        # summed exactly (mean12): a float mean's last bits follow the order the threads add the pairs in
        f"LEFT JOIN (SELECT network_id, {round12(mean12('pair_strength'))} AS strength FROM (SELECT DISTINCT "
        "      network_id, account_a, account_b, pair_strength FROM links) pairs GROUP BY network_id) ps "
        "  ON acc.network_id = ps.network_id " + revenue,
    )


#: How each shared-artifact count reads in a sentence, strongest evidence first.
SHARED_WORDS = {
    "n_shared_devices": "device",
    "n_shared_wifi": "Wi-Fi router",
    "n_shared_id_documents": "identity document",
    "n_shared_bank_accounts": "bank account",
    "n_shared_phones": "phone",
    "n_shared_emails": "e-mail address",
    "n_shared_ips": "IP address",
    "n_shared_ip_networks": "IP network",
    "n_shared_payees": "settlement payee",
    "n_shared_destinations": "onward money destination",
    "n_shared_sites": "ship-from site",
    "n_shared_listings": "copied listing",
    "n_shared_price_lists": "price list",
    "n_shared_listing_texts": "near-duplicate listing",
    "n_shared_customers": "likely brushing customer",  # shared beyond chance, in the same weeks
    "n_shared_offices": "office-and-purse match",  # a place and a money account only its members use
}


def network_brands_sql(with_authorised: bool) -> Step:
    """Which brands each network's stores list: per (network, brand), the listings, the stores listing it, and
    how many of those stores the brand authorised (``authorized_sellers``; 0 without that table). What scopes a
    brand's analysts to the networks selling their brands, and what a takedown cites."""
    authorised = (
        "count(DISTINCT CASE WHEN au.store_id IS NOT NULL THEN l.store_id END)" if with_authorised else "0"
    )
    join = (
        "LEFT JOIN (SELECT DISTINCT brand, store_id FROM authorized_sellers) au "
        "ON au.brand = l.brand AND au.store_id = l.store_id "
        if with_authorised
        else ""
    )
    return Step(
        "network_brands",
        "SELECT an.network_id, l.brand, count(DISTINCT l.listing_id) AS n_listings, "
        f"count(DISTINCT l.store_id) AS n_stores, {authorised} AS n_authorized_stores "
        "FROM listings l JOIN stores s ON l.store_id = s.store_id "
        f"JOIN account_networks an ON s.account_id = an.account_id {join}"
        "WHERE l.brand IS NOT NULL AND l.brand <> '' GROUP BY an.network_id, l.brand",
    )


def network_listings_sql(with_brands: bool, with_authorised: bool) -> Step:
    """The branded listings of each network's stores, as a takedown notice cites them: per listing its store,
    brand, title and price, the brand's reference price and the ratio (same currency only), and whether the brand
    authorised the store (``authorized_sellers``; false without that table)."""
    reference = (
        "CASE WHEN b.currency IS NULL OR l.currency IS NULL OR b.currency = l.currency THEN b.reference_price END"
        if with_brands
        else "CAST(NULL AS DOUBLE)"
    )
    authorised = "au.store_id IS NOT NULL" if with_authorised else "false"
    joins = ("LEFT JOIN brands b ON b.brand = l.brand " if with_brands else "") + (
        "LEFT JOIN (SELECT DISTINCT brand, store_id FROM authorized_sellers) au "
        "ON au.brand = l.brand AND au.store_id = l.store_id "
        if with_authorised
        else ""
    )
    return Step(
        "network_listings",
        "SELECT network_id, store_id, listing_id, brand, title, price, currency, reference_price, "
        "CASE WHEN reference_price > 0 THEN round(price / reference_price, 4) END AS price_ratio, authorized, "
        "listed_at FROM (SELECT an.network_id, l.store_id, l.listing_id, l.brand, l.title, l.price, l.currency, "
        f"{reference} AS reference_price, {authorised} AS authorized, l.listed_at "
        "FROM listings l JOIN stores s ON l.store_id = s.store_id "
        f"JOIN account_networks an ON s.account_id = an.account_id {joins}"
        "WHERE l.brand IS NOT NULL AND l.brand <> '') branded",
    )
