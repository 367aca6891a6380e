"""Review signals: bought reviews come in bursts of five stars; buyers of fakes complain ("fake", 假货)."""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup
from marketguard.features.signals.imports import IMPORT_COMPLAINT_PATTERN

#: Complaint words in review texts (matched in lower case).
COMPLAINT_WORDS = ("fake", "counterfeit", "not genuine", "not original", "假货", "假的", "仿品", "不是正品")
COMPLAINT_PATTERN = "|".join(COMPLAINT_WORDS)


def _sql(tables: Tables) -> str:
    return (
        "WITH r AS (SELECT l.store_id, rv.rating, rv.order_id, rv.text, "
        f"epoch_us(rv.ts) // {US_PER_DAY} AS day FROM reviews rv JOIN listings l ON rv.listing_id = l.listing_id), "
        "busiest AS (SELECT store_id, max(n) AS n_busiest FROM "
        "(SELECT store_id, day, count(*) AS n FROM r GROUP BY store_id, day) d GROUP BY store_id) "
        "SELECT r.store_id, count(*) AS n_reviews, avg(CASE WHEN r.rating = 5 THEN 1 ELSE 0 END) "
        "AS share_five_star, avg(CAST(r.rating AS DOUBLE)) AS mean_rating, "
        "max(b.n_busiest) / CAST(count(*) AS DOUBLE) AS busiest_day_share, "
        f"avg(CASE WHEN regexp_matches(lower(coalesce(r.text, '')), '{COMPLAINT_PATTERN}') THEN 1 ELSE 0 END) "
        "AS share_complaints, avg(CASE WHEN r.order_id IS NULL THEN 1 ELSE 0 END) AS share_without_order, "
        f"avg(CASE WHEN regexp_matches(lower(coalesce(r.text, '')), '{IMPORT_COMPLAINT_PATTERN}') THEN 1 ELSE 0 END) "
        "AS share_import_complaints "
        "FROM r JOIN busiest b ON r.store_id = b.store_id GROUP BY r.store_id"
    )


GROUP = SignalGroup(
    name="reviews",
    meaning="what buyers (and bought reviewers) wrote",
    tables=("stores", "listings", "reviews"),
    sql=_sql,
    signals=(
        Signal("n_reviews", "reviews of the store's listings", 0, 0.0),
        Signal(
            "share_five_star",
            "share of five-star reviews",
            1,
            None,
            says="{value:.0%} of its reviews give five stars",
        ),
        Signal("mean_rating", "mean rating", 0, None),
        Signal(
            "busiest_day_share",
            "share of the store's reviews written on its busiest day (bursts)",
            1,
            None,
            says="{value:.0%} of its reviews were written on a single day",
        ),
        Signal(
            "share_complaints",
            "share of reviews complaining of fakes (fake, 假货, 不是正品...)",
            1,
            None,
            says="{value:.0%} of its reviews complain of fakes (fake, 假货...)",
        ),
        Signal(
            "share_without_order",
            "share of reviews with no matching order",
            1,
            None,
            says="{value:.0%} of its reviews have no matching order",
        ),
        Signal(
            "share_import_complaints",
            "share of reviews about the warranty, version, manual or plug of imported goods (保修, 国行, warranty...)",
            0,
            0.0,
            says="{value:.0%} of its reviews are about the warranty or version of imported goods",
        ),
    ),
)
