"""Shared customers weighed against chance: evidence from the buyers and reviewers two store owners share beyond
what independent choice would give them.

Brushing buyers and review accounts serve one operator's stores (or the farm it hires), so its stores share
them; but any two stores share customers by chance too, the more so the more popular the stores and the more
stores each customer buys from. A shared customer is therefore never evidence by itself: the evidence of a pair of
owners is the *surprise* of their whole overlap under independence, and only an overlap no chance can explain in
the whole marketplace links (the model below). Each shared customer is one artifact whether it ordered, reviewed
or both (a brushing account does both: one fact, counted once).

Model
-----
Owner a has ``n_a`` distinct customers; customer c is a customer of ``d_c`` owners; ``M = sum n_a = sum d_c``.
Were every customer to pick its ``d_c`` owners independently in proportion to their popularity, c would be a
customer of both a and b with probability ``q_c = d_c (d_c - 1) n_a n_b / M^2`` (the configuration model). Each
shared customer counts for the kind's specificity ``s(d) = 1 / (1 + (d - 2) / half_degree)``, the rule of every
artifact (a buyer of two stores points at one pair, a buyer of forty at hundreds); customers above the kind's
degree cap are hubs, neither paired nor counted. With a co-timing window (the linker's
:data:`~marketguard.detect.operator_linking.CO_TIMED_DAYS`), a shared customer counts only when its activity at
the two stores comes within the window (a campaign orders and reviews in days or weeks), and chance is credited
with the share ``tau`` of all shared customers that are co-timed (learned from the data: nearly all sharing is
chance).

The pair's overlap ``T = sum of s(d_c)`` over shared customers is, under independence, a sum of independent
Bernoulli jumps; since ``ln(1 + u) <= u`` its log moment generating function is at most ``n_a n_b G(theta)``,
so the Cramér-Chernoff bound holds as it stands::

    P(T >= t) <= exp(-n_a n_b G*(t / (n_a n_b))),   G(theta) = tau sum_c d_c (d_c - 1) / M^2 (e^(theta s_c) - 1)

where ``G*`` is the convex conjugate of ``G``. ``G`` depends on the marketplace's degree histogram only, so
``G*`` is one function of one variable, tabulated once (:func:`chance_table`) and read per pair by an equi-join
on a bin of ``ln x``. The surprise ``S = n_a n_b G*(x)`` is a lower bound on ``-ln p``. Two stores with 5,000
customers each are expected to share dozens and are not surprised by dozens; two small stores sharing three
buyers of two stores each are.

The weight of the pair is ``weight x max(0, 1 - P e^-S)`` with ``P = N (N - 1) / 2`` the pairs of the ``N``
owners with customers: ``P e^-S`` bounds how many pairs in the whole marketplace chance alone would make this
surprising (the union bound), so an overlap chance makes somewhere counts for nothing and one it makes nowhere
counts fully. ``weight`` (the kind's :class:`~marketguard.features.evidence.KindWeight`) stays below the link
strength: a surprising overlap is one operator's brushing *or* one review farm several operators hired, a
service like a shared warehouse. The pair's weight is spread over its shared customers in proportion to their
specificity (in log space: they combine back to exactly the pair's weight), so that every evidence row names a
customer.

Notes
-----
Linear in the rows that can link: one self-join of the non-hub customer rows (at most ``max_degree - 1`` pairs
per customer row), filtered to the co-timed ones before anything is stored, one aggregation of those per pair,
and a table of a few hundred rows. At 100k stores (3.2M owner-customer rows, 15.7M shared pairs) the model's
steps take seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from marketguard.engine.base import Step
from marketguard.features.evidence import KindWeight, gap_days_sql

__all__ = [
    "BINS_PER_E_FOLD",
    "chance_table",
    "customer_evidence_sql",
    "customer_pair_rows_sql",
    "customer_pairs_sql",
    "customer_totals_sql",
    "degree_counts_sql",
    "market_totals_sql",
]

#: Bins of the surprise table per unit of ``ln x``: neighbouring bin edges differ by 3%, and within a bin the
#: surprise is read off the tangent at the lower edge (below the convex curve: never more surprise than due).
BINS_PER_E_FOLD = 32
#: The specificity of each shared customer in integer units: sums of integers do not depend on row order, so the
#: pair's overlap is identical on every engine and thread count (as the pair strengths' log sums).
_UNITS = 10**12


def market_totals_sql() -> str:
    """The marketplace's customer rows (``M``: owner x customer, hubs and one-store customers included) and the
    owners with customers (``N``)."""
    return (
        "SELECT count(*) AS n_uses, count(DISTINCT account_id) AS n_owners FROM other_uses "
        "WHERE kind = 'customer'"
    )


def customer_totals_sql() -> Step:
    """Distinct customers per owner that shares one (hubs and one-store customers included: its popularity), by
    the owner's account code."""
    return Step(
        "customer_totals",
        "SELECT c.code, count(*) AS n_customers FROM other_uses u JOIN account_codes c "
        "ON u.account_id = c.account_id WHERE u.kind = 'customer' GROUP BY c.code",
    )


def customer_pair_rows_sql(kw: KindWeight, window_days: float | None) -> Step:
    """One row per owner pair and co-timed non-hub customer they share (every shared one without a window), by
    codes and artifact key (the names are joined back for the few pairs that count), with the customer's
    specificity in integer units. Customers shared at distant times are dropped here, before anything is
    stored: most sharing is chance, and chance rarely co-times."""
    timed = "" if window_days is None else f" AND {gap_days_sql('a', 'b')} <= {float(window_days)}"
    return Step(
        "customer_pair_rows",
        "SELECT a.code AS code_a, b.code AS code_b, a.artifact_key, a.n_accounts, "
        f"CAST(floor({_UNITS} / (1 + (a.n_accounts - 2) / CAST({kw.half_degree} AS DOUBLE)) + 0.5) AS BIGINT) "
        "AS specificity FROM shared_artifacts a JOIN shared_artifacts b ON b.artifact_key = a.artifact_key "
        f"AND b.kind = a.kind AND b.artifact = a.artifact AND a.code < b.code WHERE a.kind = 'customer'{timed}",
    )


def degree_counts_sql() -> str:
    """Per degree: the customer rows (customer x owner) of non-hub shared customers, and the co-timed pair rows
    among the ``n_uses (degree - 1) / 2`` pairs they make: what :func:`chance_table` reads."""
    return (
        "SELECT d.degree, d.n_uses, coalesce(p.n_co_timed, 0) AS n_co_timed "
        "FROM (SELECT n_accounts AS degree, count(*) AS n_uses FROM shared_artifacts WHERE kind = 'customer' "
        "GROUP BY n_accounts) d LEFT JOIN (SELECT n_accounts AS degree, count(*) AS n_co_timed "
        "FROM customer_pair_rows GROUP BY n_accounts) p ON d.degree = p.degree ORDER BY d.degree"
    )


def chance_table(degrees: pa.Table, n_uses: int, n_owners: int, kw: KindWeight) -> pa.Table:
    """``bin, x, rate, slope, ln_pairs``: the rate ``G*`` of the model at the lower edge ``x`` of each bin of ``ln
    x`` where it is positive, its slope there, and ``ln P``. ``degrees`` is what :func:`degree_counts_sql` reads,
    ``n_uses`` (``M``) and ``n_owners`` (``N``) what :func:`market_totals_sql` does."""
    degree = degrees.column("degree").to_numpy().astype(np.float64)
    uses = degrees.column("n_uses").to_numpy().astype(np.float64)
    pairs = float((uses * (degree - 1.0) / 2.0).sum())  # a customer of k owners puts k (k - 1) / 2 pairs
    tau = float(degrees.column("n_co_timed").to_numpy().sum()) / pairs if pairs else 0.0
    schema = pa.schema([(name, pa.float64()) for name in ("x", "rate", "slope", "ln_pairs")]).insert(
        0, pa.field("bin", pa.int64())
    )
    if tau <= 0.0 or n_owners < 2:
        return schema.empty_table()
    spec = 1.0 / (1.0 + (degree - 2.0) / kw.half_degree)
    # per unit of n_a n_b: customers of degree k are uses_k / k, each shared with probability k (k - 1) / M^2
    chance = tau * uses * (degree - 1.0) / float(n_uses) ** 2

    def slope(theta: np.ndarray) -> np.ndarray:  # G'(theta), increasing
        return (chance * spec * np.exp(np.outer(theta, spec))).sum(axis=1)

    first = math.floor(math.log(float(slope(np.zeros(1))[0])) * BINS_PER_E_FOLD)
    bins = np.arange(first + 1, 1)  # x = T / (n_a n_b) <= 1 / max(n_a, n_b) <= 1: bin 0 is the last
    x = np.exp(bins / BINS_PER_E_FOLD)
    lo, hi = np.zeros_like(x), np.ones_like(x)
    while (slope(hi) < x).any():
        hi *= 2.0
    for _ in range(100):  # bisection on G'(theta) = x, every bin at once
        mid = (lo + hi) / 2.0
        below = slope(mid) < x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    theta = (lo + hi) / 2.0
    g = (chance * (np.exp(np.outer(theta, spec)) - 1.0)).sum(axis=1)
    ln_pairs = math.log(n_owners * (n_owners - 1) / 2.0)
    return pa.table([bins, x, theta * x - g, theta, np.full(bins.size, ln_pairs)], schema=schema)


def customer_pairs_sql(chance: str, kw: KindWeight) -> Step:
    """Per owner pair whose overlap chance cannot explain: the overlap ``t`` (co-timed customers' specificity),
    the co-timed customers shared, the surprise and the pair's weight. ``chance`` is the table
    :func:`chance_table` made."""
    x = "p.t / (CAST(ta.n_customers AS DOUBLE) * tb.n_customers)"
    surprise = f"CAST(ta.n_customers AS DOUBLE) * tb.n_customers * (g.rate + g.slope * ({x} - g.x))"
    overlap = (
        f"SELECT code_a, code_b, CAST(sum(specificity) AS DOUBLE) / {_UNITS} AS t, count(*) AS n_shared "
        "FROM customer_pair_rows GROUP BY code_a, code_b"
    )
    scored = (
        f"SELECT p.code_a, p.code_b, p.t, p.n_shared, {surprise} AS surprise, g.ln_pairs FROM ({overlap}) p "
        "JOIN customer_totals ta ON p.code_a = ta.code JOIN customer_totals tb ON p.code_b = tb.code "
        f"JOIN {chance} g ON g.bin = CAST(floor(ln({x}) * {BINS_PER_E_FOLD}) AS BIGINT)"
    )
    return Step(
        "customer_pairs",
        "SELECT code_a, code_b, t, n_shared, surprise, "
        f"CAST({kw.weight} AS DOUBLE) * (1.0 - exp(ln_pairs - surprise)) AS weight "
        f"FROM ({scored}) s WHERE surprise > ln_pairs",
    )


def customer_evidence_sql() -> Step:
    """The pairs' evidence rows, one per co-timed shared customer, in the columns of
    :func:`~marketguard.features.evidence.pair_rows_sql`: the pair's weight spread in proportion to specificity,
    so that ``1 - prod(1 - weight)`` over a pair's rows is the pair's weight."""
    share = f"CAST(r.specificity AS DOUBLE) / ({_UNITS} * p.t)"
    use = (
        "shared_artifacts {0} ON {0}.code = r.code_{0} AND {0}.artifact_key = r.artifact_key "
        "AND {0}.kind = 'customer'"
    )
    return Step(
        "customer_evidence",
        "SELECT a.account_id AS account_a, b.account_id AS account_b, r.code_a, r.code_b, a.kind, a.artifact, "
        "a.n_accounts, CAST(NULL AS VARCHAR) AS net, least(a.first_seen, b.first_seen) AS first_seen, "
        "greatest(a.last_seen, b.last_seen) AS last_seen, a.n_events + b.n_events AS n_events, "
        f"1.0 - exp(ln(1.0 - p.weight) * {share}) AS weight "
        "FROM customer_pairs p JOIN customer_pair_rows r ON r.code_a = p.code_a AND r.code_b = p.code_b "
        f"JOIN {use.format('a')} JOIN {use.format('b')} AND b.artifact = a.artifact",
    )
