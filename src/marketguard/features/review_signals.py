"""Review signals: per-review behaviour the review fraud detector reads, in documented groups.

Bought reviews betray themselves by behaviour more than by words: a rating far from the listing's consensus and
at an extreme, a burst of reviews on one listing within days, accounts that write one review and vanish or write
many in a day, several reviews by one account on one store, reviews nobody ordered for, the same template text
posted by many accounts, reviewers sharing one environment (the operator linker's ``environment_groups``: a
farm's phone racks and routers), and membership of a dense reviewer x listing block (a ring, found in
:mod:`marketguard.graph.dense_blocks`). Each group is one SQL step over the contract's ``reviews`` and the
tables it names; a group whose tables are missing is skipped and said so (see
:func:`~marketguard.features.signals.catalogue.signal_steps`), which is how the YelpChi benchmark (no text, no
orders, no accounts) runs on the same code.
"""

from __future__ import annotations

from marketguard.engine.base import mean12, round12, sum12
from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Entity, Signal, SignalGroup

#: One row per review; the assembled view is ``review_features``.
REVIEW = Entity("reviews", "review_id", "review_features")

#: Half-width of the window in which a listing's reviews count as one burst.
BURST_DAYS = 3


def _listing_stats() -> str:
    """Per listing: review count, rating sum and life (first review to the data's last review)."""
    return (
        "r AS (SELECT review_id, listing_id, reviewer_account_id AS account_id, rating, epoch_us(ts) AS t "
        "FROM reviews), "
        "l AS (SELECT listing_id, count(*) AS n, sum(rating) AS total, min(t) AS first_t FROM r "
        "GROUP BY listing_id), "
        "rd AS (SELECT r.*, l.n, l.first_t, CASE WHEN l.n > 1 THEN "
        "abs(r.rating - (l.total - r.rating) / CAST(l.n - 1 AS DOUBLE)) END AS deviation FROM r JOIN l "
        "ON r.listing_id = l.listing_id)"
    )


def _rating_sql(tables: Tables) -> str:
    window = BURST_DAYS * US_PER_DAY
    return (
        f"WITH {_listing_stats()}, "
        "last AS (SELECT max(t) AS last_t FROM r), "
        "w AS (SELECT review_id, count(*) OVER (PARTITION BY listing_id ORDER BY t "
        f"RANGE BETWEEN {window} PRECEDING AND {window} FOLLOWING) AS n_near, "
        "rank() OVER (PARTITION BY listing_id ORDER BY t) AS position FROM r) "
        "SELECT rd.review_id, rd.deviation AS rating_deviation, "
        "CASE WHEN rd.rating IN (1, 5) THEN 1.0 ELSE 0.0 END AS extreme_rating, "
        "(w.position - 1) / CAST(rd.n AS DOUBLE) AS early_position, "
        # others in the window, against what the listing's average pace over its life would put there
        f"(w.n_near - 1) / greatest(CAST(rd.n - 1 AS DOUBLE) * {2 * window} / greatest(last.last_t - rd.first_t, "
        f"{2 * window}), CAST(1 AS DOUBLE)) AS listing_burst "
        "FROM rd JOIN w ON rd.review_id = w.review_id CROSS JOIN last"
    )


def _reviewer_sql(tables: Tables) -> str:
    return (
        f"WITH {_listing_stats()}, "
        "acc AS (SELECT account_id, count(*) AS n, "
        f"(max(t) - min(t)) / CAST({US_PER_DAY} AS DOUBLE) AS span_days, "
        "avg(CASE WHEN rating IN (1, 5) THEN 1 ELSE 0 END) AS share_extreme, "
        # summed exactly (mean12, sum12): a float sum's last bits follow the order the threads add the rows in
        f"{round12(mean12('deviation'))} AS mean_deviation FROM rd GROUP BY account_id), "
        "per_day AS (SELECT account_id, max(k) AS most FROM (SELECT account_id, "
        f"t // {US_PER_DAY} AS day, count(*) AS k FROM r GROUP BY account_id, t // {US_PER_DAY}) d "
        "GROUP BY account_id), "
        "same AS (SELECT account_id, listing_id, count(*) AS k FROM r GROUP BY account_id, listing_id), "
        "stars AS (SELECT account_id, rating, count(*) AS k FROM r GROUP BY account_id, rating), "
        "entropy AS (SELECT s.account_id, "
        f"{round12('-' + sum12('CAST(s.k AS DOUBLE) / acc.n * ln(CAST(s.k AS DOUBLE) / acc.n)'))} "
        "AS h FROM stars s JOIN acc ON s.account_id = acc.account_id GROUP BY s.account_id) "
        "SELECT r.review_id, acc.n AS reviewer_reviews, acc.span_days AS reviewer_span_days, "
        "per_day.most AS reviewer_max_per_day, acc.share_extreme AS reviewer_share_extreme, "
        "acc.mean_deviation AS reviewer_mean_deviation, same.k AS reviewer_same_listing, "
        "entropy.h AS reviewer_rating_entropy "
        "FROM r JOIN acc ON r.account_id = acc.account_id JOIN per_day ON r.account_id = per_day.account_id "
        "JOIN same ON r.account_id = same.account_id AND r.listing_id = same.listing_id "
        "JOIN entropy ON r.account_id = entropy.account_id"
    )


def _store_sql(tables: Tables) -> str:
    return (
        "WITH r AS (SELECT rv.review_id, rv.reviewer_account_id AS account_id, l.store_id FROM reviews rv "
        "JOIN listings l ON rv.listing_id = l.listing_id), "
        "same AS (SELECT account_id, store_id, count(*) AS k FROM r GROUP BY account_id, store_id) "
        "SELECT r.review_id, same.k AS reviewer_same_store FROM r JOIN same "
        "ON r.account_id = same.account_id AND r.store_id = same.store_id"
    )


def _order_sql(tables: Tables) -> str:
    return (
        "SELECT rv.review_id, CASE WHEN o.order_id IS NULL THEN 1.0 ELSE 0.0 END AS without_order "
        "FROM reviews rv LEFT JOIN orders o ON rv.order_id = o.order_id "
        "AND rv.reviewer_account_id = o.buyer_account_id AND rv.listing_id = o.listing_id"
    )


def _account_sql(tables: Tables) -> str:
    return (
        f"SELECT rv.review_id, (epoch_us(rv.ts) - epoch_us(a.created_at)) / CAST({US_PER_DAY} AS DOUBLE) "
        "AS account_age_days FROM reviews rv JOIN accounts a ON rv.reviewer_account_id = a.account_id"
    )


def _text_sql(tables: Tables) -> str:
    return (
        "WITH g AS (SELECT t.review_id, t.text_group, rv.reviewer_account_id AS account_id "
        "FROM review_text_groups t JOIN reviews rv ON t.review_id = rv.review_id), "
        "n AS (SELECT text_group, count(DISTINCT account_id) AS k FROM g GROUP BY text_group) "
        "SELECT g.review_id, n.k - 1 AS duplicate_text_accounts FROM g JOIN n ON g.text_group = n.text_group"
    )


def _environment_sql(tables: Tables) -> str:
    by_store = tables.has("listings")
    target = "l.store_id" if by_store else "rv.listing_id"
    joined = "JOIN listings l ON rv.listing_id = l.listing_id " if by_store else ""
    return (
        "WITH r AS (SELECT rv.review_id, rv.reviewer_account_id AS account_id, "
        f"{target} AS target, g.group_id FROM reviews rv {joined}"
        "LEFT JOIN environment_groups g ON rv.reviewer_account_id = g.account_id), "
        "writers AS (SELECT group_id, count(DISTINCT account_id) AS k FROM r WHERE group_id IS NOT NULL "
        "GROUP BY group_id), "
        "co AS (SELECT group_id, target, count(DISTINCT account_id) AS k FROM r WHERE group_id IS NOT NULL "
        "GROUP BY group_id, target) "
        "SELECT r.review_id, coalesce(w.k - 1, 0) AS environment_reviewers, "
        "coalesce(co.k - 1, 0) AS environment_co_reviewers FROM r "
        "LEFT JOIN writers w ON r.group_id = w.group_id "
        "LEFT JOIN co ON r.group_id = co.group_id AND r.target = co.target"
    )


def _ring_sql(tables: Tables) -> str:
    return (
        "SELECT rv.review_id, coalesce(rr.ring_density, 0.0) AS ring_density, "
        "coalesce(ar.ring_density, 0.0) AS reviewer_ring_density FROM reviews rv "
        "LEFT JOIN review_rings rr ON rv.review_id = rr.review_id "
        "LEFT JOIN reviewer_rings ar ON rv.reviewer_account_id = ar.account_id"
    )


RATING = SignalGroup(
    name="review_rating",
    meaning="the rating against the listing's other reviews, and the listing's pace",
    tables=("reviews",),
    sql=_rating_sql,
    signals=(
        Signal(
            "rating_deviation",
            "distance of the rating from the mean of the listing's other reviews",
            1,
            None,
            says="its rating is {value:.1f} stars from the listing's other reviews",
        ),
        Signal(
            "extreme_rating", "the rating is 1 or 5 stars", 1, 0.0, says="an extreme rating (1 or 5 stars)"
        ),
        Signal(
            "early_position",
            "share of the listing's reviews written before it (0: the first review)",
            0,
            None,
        ),
        Signal(
            "listing_burst",
            f"the listing's other reviews within {BURST_DAYS} days, over what its average pace would put there",
            1,
            0.0,
            says="written in a burst: {value:.1f}x the listing's usual pace of reviews",
        ),
    ),
)

REVIEWER = SignalGroup(
    name="review_reviewer",
    meaning="the reviewer's history",
    tables=("reviews",),
    sql=_reviewer_sql,
    signals=(
        Signal(
            "reviewer_reviews",
            "reviews the account wrote (one-shot accounts: 1)",
            -1,
            None,
            says="its account wrote only {value:.0f} reviews",
        ),
        Signal(
            "reviewer_span_days",
            "days between the account's first and last review (hit-and-run accounts: 0)",
            -1,
            None,
            says="its account reviewed only within {value:.0f} days",
        ),
        Signal(
            "reviewer_max_per_day",
            "most reviews the account wrote in one day",
            1,
            None,
            says="its account wrote {value:.0f} reviews in one day",
        ),
        Signal("reviewer_share_extreme", "share of the account's ratings that are 1 or 5 stars", 1, None),
        Signal(
            "reviewer_mean_deviation",
            "mean distance of the account's ratings from the listings' consensus",
            1,
            None,
        ),
        Signal(
            "reviewer_same_listing",
            "reviews the account wrote on this listing",
            1,
            None,
            says="its account reviewed this listing {value:.0f} times",
        ),
        Signal(
            "reviewer_rating_entropy",
            "entropy of the account's star ratings (0: always the same star; SpEagle's ERD)",
            -1,
            None,
            says="its account gives the same few stars (rating entropy {value:.2f})",
        ),
    ),
)

STORE = SignalGroup(
    name="review_store",
    meaning="the reviewer against the store",
    tables=("reviews", "listings"),
    sql=_store_sql,
    signals=(
        Signal(
            "reviewer_same_store",
            "reviews the account wrote on this store's listings",
            1,
            None,
            says="its account reviewed this store {value:.0f} times",
        ),
    ),
)

ORDER = SignalGroup(
    name="review_order",
    meaning="whether anyone bought what was reviewed",
    tables=("reviews", "orders"),
    sql=_order_sql,
    signals=(
        Signal(
            "without_order",
            "no order of this listing by the reviewer backs the review",
            1,
            None,
            says="no order of this listing by the reviewer backs it",
        ),
    ),
)

ACCOUNT = SignalGroup(
    name="review_account",
    meaning="the reviewer's account",
    tables=("reviews", "accounts"),
    sql=_account_sql,
    signals=(
        Signal(
            "account_age_days",
            "age of the reviewer's account when it wrote the review, in days",
            -1,
            None,
            says="its account was {value:.0f} days old",
        ),
    ),
)

TEXT = SignalGroup(
    name="review_text",
    meaning="the same text posted by other accounts",
    tables=("reviews",),
    needs=("review_text_groups",),
    sql=_text_sql,
    signals=(
        Signal(
            "duplicate_text_accounts",
            "other accounts that posted a near-duplicate of the text (MinHash)",
            1,
            0.0,
            says="{value:.0f} other accounts posted a near-duplicate of its text",
        ),
    ),
)

ENVIRONMENT = SignalGroup(
    name="review_environment",
    meaning="other reviewers sharing the reviewer's devices, Wi-Fi or identity (operator linking's groups)",
    tables=("reviews",),
    needs=("environment_groups",),
    sql=_environment_sql,
    signals=(
        Signal(
            "environment_reviewers",
            "other accounts linked to the reviewer by a shared environment that also write reviews",
            1,
            0.0,
            says="{value:.0f} other reviewers share its devices, Wi-Fi or identity",
        ),
        Signal(
            "environment_co_reviewers",
            "of those, the accounts that reviewed the same store (listing without listings)",
            1,
            0.0,
            says="{value:.0f} accounts sharing its environment reviewed the same store",
        ),
    ),
)

RING = SignalGroup(
    name="review_ring",
    meaning="membership of a review ring (a dense reviewer x store block, or a linked group of reviewers)",
    tables=("reviews",),
    needs=("review_rings", "reviewer_rings"),
    sql=_ring_sql,
    signals=(
        Signal(
            "ring_density",
            "density of the review ring the review belongs to (0: none)",
            1,
            0.0,
            says="part of a review ring of density {value:.1f}",
        ),
        Signal(
            "reviewer_ring_density",
            "density of the densest ring its reviewer belongs to (0: none), camouflage reviews included",
            1,
            0.0,
            says="its account belongs to a review ring of density {value:.1f}",
        ),
    ),
)

#: Stores reviewed by more accounts than this share of stores are left out of co-reviewing: a popular store's
#: reviewers share it by chance, and its reviewer pairs cost the square of their number. The top 5% go.
COREVIEW_STORE_QUANTILE = 0.95


def _coreview_sql(tables: Tables) -> str:
    return (
        "WITH rs AS (SELECT DISTINCT rv.reviewer_account_id AS account_id, l.store_id FROM reviews rv "
        "JOIN listings l ON rv.listing_id = l.listing_id WHERE rv.reviewer_account_id IS NOT NULL), "
        "sdeg AS (SELECT store_id, count(*) AS n FROM rs GROUP BY store_id), "
        "ranked AS (SELECT n, row_number() OVER (ORDER BY n) AS rk FROM sdeg), "
        "cap AS (SELECT coalesce(max(n), 0) AS n FROM ranked "
        f"WHERE rk <= (SELECT {COREVIEW_STORE_QUANTILE} * count(*) FROM sdeg)), "
        "small AS (SELECT rs.account_id, rs.store_id FROM rs JOIN sdeg ON rs.store_id = sdeg.store_id "
        "WHERE sdeg.n <= (SELECT n FROM cap)), "
        "pairs AS (SELECT x.account_id, count(*) AS k FROM small x JOIN small y "
        "ON x.store_id = y.store_id AND x.account_id <> y.account_id GROUP BY x.account_id, y.account_id), "
        "most AS (SELECT account_id, max(k) AS k FROM pairs GROUP BY account_id) "
        "SELECT rv.review_id, most.k AS reviewer_shared_stores FROM reviews rv "
        "JOIN most ON rv.reviewer_account_id = most.account_id"
    )


COREVIEW = SignalGroup(
    name="review_coreview",
    meaning="the reviewer's co-reviewers over the whole data: a farm's workers review the same client stores for "
    "months, however they spread and camouflage their work",
    tables=("reviews", "listings"),
    sql=_coreview_sql,
    signals=(
        Signal(
            "reviewer_shared_stores",
            "most stores the account reviewed in common with any one other account (popular stores aside)",
            1,
            0.0,
            says="its account reviewed {value:.0f} of the same stores as another account",
        ),
    ),
)


def _network_stores_sql(tables: Tables) -> str:
    at_network = (
        "FROM reviews rv JOIN listings l ON rv.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
        "JOIN account_networks an ON s.account_id = an.account_id"
    )
    return (
        "WITH per AS (SELECT rv.reviewer_account_id AS account_id, an.network_id, "
        f"count(DISTINCT l.store_id) AS n {at_network} GROUP BY rv.reviewer_account_id, an.network_id), "
        "most AS (SELECT account_id, max(n) AS n FROM per GROUP BY account_id) "
        "SELECT rv.review_id, most.n AS reviewer_network_stores FROM reviews rv "
        "JOIN most ON rv.reviewer_account_id = most.account_id"
    )


NETWORK = SignalGroup(
    name="review_network",
    meaning="the reviewer's reviews of operator networks: a network's stores look unrelated to buyers, so an "
    "account reviewing two or more of them was sent there (a farm's worker, a brushing account), and every review "
    "it writes is suspect, its camouflage included",
    tables=("reviews", "listings", "stores"),
    needs=("account_networks",),
    sql=_network_stores_sql,
    signals=(
        Signal(
            "reviewer_network_stores",
            "most stores of any one operator network the account reviewed (0: none in a network)",
            1,
            0.0,
            says="its account reviewed {value:.0f} stores of one operator network",
        ),
    ),
)

#: Every review signal group, in the order of ``review_features``'s columns.
REVIEW_GROUPS: tuple[SignalGroup, ...] = (
    RATING,
    REVIEWER,
    STORE,
    ORDER,
    ACCOUNT,
    TEXT,
    ENVIRONMENT,
    RING,
    COREVIEW,
    NETWORK,
)
