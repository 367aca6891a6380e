"""Listing signals: prices against the brand's reference, brand authorisation, tell-words, listing pace.

A genuine branded item rarely sells far below its reference price; a counterfeit one is listed by a store
the brand never authorised, often with the trade's own words in the title ("replica", "1:1", 高仿, 原单).
Honest stores also sell cheap accessories and second-hand goods, and "replica" posters: each signal alone
misleads, which is why they are combined.
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup

#: A branded listing priced below this share of the brand's reference price is "far below reference".
FAR_BELOW = 0.5
#: Words counterfeit sellers use in titles, English and Chinese (matched in lower case).
TELL_WORDS = (
    "replica",
    "1:1",
    "1比1",
    "aaa",
    "mirror quality",
    "super copy",
    "top copy",
    "高仿",
    "原单",
    "复刻",
    "精仿",
    "a货",
    "超a",
    "莆田",
)
TELL_PATTERN = "|".join(w.replace(".", "[.]") for w in TELL_WORDS)


def _sql(tables: Tables) -> str:
    authorised = (
        "SELECT DISTINCT brand, store_id, 1 AS ok FROM authorized_sellers"
        if tables.has("authorized_sellers")
        else "SELECT CAST(NULL AS VARCHAR) AS brand, CAST(NULL AS VARCHAR) AS store_id, 1 AS ok WHERE 1 = 0"
    )
    tell = f"regexp_matches(lower(l.title), '{TELL_PATTERN}')"
    return (
        f"WITH authorised AS ({authorised}), "
        "priced AS (SELECT l.store_id, l.title, l.listed_at, b.brand AS known_brand, "
        "l.price / b.reference_price AS ratio, au.ok FROM listings l "
        "LEFT JOIN brands b ON l.brand = b.brand AND b.reference_price > 0 "
        "LEFT JOIN authorised au ON l.brand = au.brand AND l.store_id = au.store_id), "
        "categories AS (SELECT s.main_category, avg(CASE WHEN p.known_brand IS NOT NULL THEN 1 ELSE 0 END) AS share "
        "FROM priced p JOIN stores s ON p.store_id = s.store_id GROUP BY s.main_category) "
        "SELECT l.store_id, count(*) AS n_listings, count(l.known_brand) AS n_branded, "
        "min(l.ratio) AS min_price_ratio, median(l.ratio) AS median_price_ratio, "
        f"avg(CASE WHEN l.known_brand IS NOT NULL THEN CASE WHEN l.ratio < {FAR_BELOW} THEN 1 ELSE 0 END END) "
        "AS share_far_below, "
        "count(CASE WHEN l.known_brand IS NOT NULL AND l.ok IS NULL THEN 1 END) AS n_unauthorised_branded, "
        "avg(CASE WHEN l.known_brand IS NOT NULL THEN CASE WHEN l.ok IS NULL THEN 1 ELSE 0 END END) "
        "AS share_unauthorised, "
        f"count(CASE WHEN {tell} THEN 1 END) AS n_tell_words, "
        f"count(CASE WHEN l.known_brand IS NOT NULL AND {tell} THEN 1 END) AS n_tell_words_branded, "
        f"count(CASE WHEN epoch_us(l.listed_at) - epoch_us(s.opened_at) < 30 * {US_PER_DAY} THEN 1 END) "
        "AS listings_first_30_days, max(c.share) AS category_branded_share "
        "FROM priced l JOIN stores s ON l.store_id = s.store_id "
        "LEFT JOIN categories c ON s.main_category = c.main_category GROUP BY l.store_id"
    )


GROUP = SignalGroup(
    name="listings",
    meaning="what the store lists and at what price",
    tables=("stores", "listings", "brands"),
    sql=_sql,
    signals=(
        Signal("n_listings", "listings", 0, 0.0),
        Signal("n_branded", "listings of a brand with a reference price", 0, 0.0),
        Signal(
            "min_price_ratio",
            "lowest branded price / the brand's reference price",
            -1,
            None,
            says="its cheapest branded listing is at {value:.0%} of the brand's reference price",
        ),
        Signal(
            "median_price_ratio",
            "median branded price / the brand's reference price",
            -1,
            None,
            says="its branded listings sell at a median {value:.0%} of the brand's reference price",
        ),
        Signal(
            "share_far_below",
            f"share of branded listings below {FAR_BELOW:g} x reference price",
            1,
            None,
            says="{value:.0%} of its branded listings are priced below half the brand's reference price",
        ),
        Signal(
            "n_unauthorised_branded",
            "branded listings of brands that did not authorise the store",
            1,
            0.0,
            says="lists {value:.0f} branded items the brand never authorised it to sell",
        ),
        Signal(
            "share_unauthorised",
            "share of branded listings not authorised by the brand",
            1,
            None,
            says="{value:.0%} of its branded listings are not authorised by the brand",
        ),
        Signal(
            "n_tell_words",
            "listings whose title has a counterfeit tell-word (replica, 1:1, 高仿...)",
            1,
            0.0,
            says="{value:.0f} listings have counterfeit tell-words (replica, 1:1, 高仿...) in the title",
        ),
        Signal(
            "n_tell_words_branded",
            "branded listings whose title has a tell-word",
            1,
            0.0,
            says="{value:.0f} branded listings have counterfeit tell-words in the title",
        ),
        Signal(
            "listings_first_30_days",
            "listings put up in the store's first 30 days",
            1,
            0.0,
            says="put up {value:.0f} listings in its first 30 days",
        ),
        Signal(
            "category_branded_share",
            "share of branded listings in the store's main category across the platform (fake-prone categories)",
            0,
            None,
        ),
    ),
)
