"""Which review rings serve which operator networks: the farms behind a network's reviews, and the networks
behind a farm's work.

A farm is hired by operators, not by stores: its accounts review the stores of one network across weeks and,
for camouflage, honest stores too. Every review by a ring's members (``reviewer_rings``, from
:mod:`marketguard.detect.review_rings`; the ring's camouflage and the reviews outside its dense block included)
is counted at the network of the store it is about (``account_networks``, from the operator linker).

A ring serves a network when at least :data:`MIN_REVIEWERS` of its members reviewed the network's stores (one
member's review may be its own shopping) and the ring put more of its reviews there than chance would anywhere:
camouflage goes to stores at random, in proportion to how much they are reviewed, while a client gets a share of
the farm's work far above its share of the marketplace's reviews. With ``N`` reviews by the ring, ``k`` of them at
the network and ``p`` the network's share of all reviews, the Chernoff bound ``P(X >= k) <= exp(-N D(k/N || p))``
(``D`` the relative entropy of two Bernoulli laws) is taken over every (ring, network) pair there is (the union
bound): a row is kept when ``N D(k/N || p) > ln(rings x networks)``, a concentration no chance would give any ring
at any network. Two members reviewing an honest network's popular stores a few times is camouflage and is left
out; a farm whose workers gave a network a tenth of their reviews is not.

Rows (:data:`RING_NETWORK_SCHEMA`): per (ring, network), the reviews, reviewers and stores, the share of the
ring's reviews that went to the network and its ``lift`` (that share over the network's share of all reviews),
the share of the network's reviews that came from the ring (a network living on one farm's reviews), and when.
"""

from __future__ import annotations

import pyarrow as pa

from marketguard.engine.base import Step

__all__ = ["MIN_REVIEWERS", "RING_NETWORK_SCHEMA", "ring_networks_sql"]

#: Ring members who reviewed a network's stores for the ring to serve it: one member's review can be its own
#: shopping; two or more, the farm's work.
MIN_REVIEWERS = 2

RING_NETWORK_SCHEMA = pa.schema(
    [
        ("ring_id", pa.string()),
        ("network_id", pa.string()),
        ("n_reviews", pa.int64()),
        ("n_reviewers", pa.int64()),
        ("n_stores", pa.int64()),
        ("share_of_ring", pa.float64()),
        ("lift", pa.float64()),
        ("share_of_network", pa.float64()),
        ("first_review", pa.timestamp("us", tz="UTC")),
        ("last_review", pa.timestamp("us", tz="UTC")),
    ]
)

_AT_NETWORK = (
    "FROM reviews rv JOIN listings l ON rv.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
    "LEFT JOIN account_networks an ON s.account_id = an.account_id"
)


def ring_networks_sql() -> Step:
    """The ``ring_networks`` step (over ``reviews``, ``listings``, ``stores``, ``account_networks`` and
    ``reviewer_rings``)."""
    ring_reviews = (
        "SELECT rr.ring_id, rv.review_id, rv.reviewer_account_id, rv.ts, l.store_id, an.network_id "
        f"{_AT_NETWORK} JOIN reviewer_rings rr ON rv.reviewer_account_id = rr.account_id"
    )
    per_network = (
        f"SELECT an.network_id, count(*) AS n {_AT_NETWORK} WHERE an.network_id IS NOT NULL GROUP BY 1"
    )
    counted = (
        "SELECT r.ring_id, r.network_id, count(*) AS n_reviews, "
        "count(DISTINCT r.reviewer_account_id) AS n_reviewers, count(DISTINCT r.store_id) AS n_stores, "
        "min(pr.n) AS n_ring, min(pn.n) AS n_network, min(r.ts) AS first_review, max(r.ts) AS last_review "
        "FROM rr r JOIN per_ring pr ON r.ring_id = pr.ring_id JOIN per_network pn ON r.network_id = pn.network_id "
        f"GROUP BY r.ring_id, r.network_id HAVING count(DISTINCT r.reviewer_account_id) >= {MIN_REVIEWERS}"
    )
    # a = k / N, p = the network's share of all reviews; N D(a || p), with 0 ln 0 = 0 when a = 1
    a, p = "(CAST(c.n_reviews AS DOUBLE) / c.n_ring)", "(CAST(c.n_network AS DOUBLE) / t.n_all)"
    surprise = (
        f"c.n_ring * ({a} * ln({a} / {p}) + CASE WHEN c.n_reviews < c.n_ring "
        f"THEN (1 - {a}) * ln((1 - {a}) / (1 - {p})) ELSE 0 END)"
    )
    return Step(
        "ring_networks",
        f"WITH rr AS ({ring_reviews}), "
        "per_ring AS (SELECT ring_id, count(*) AS n FROM rr GROUP BY ring_id), "
        f"per_network AS ({per_network}), "
        "totals AS (SELECT x.n_all, y.n * z.n AS n_pairs FROM (SELECT count(*) AS n_all FROM reviews) x "
        "CROSS JOIN (SELECT count(*) AS n FROM per_ring) y CROSS JOIN (SELECT count(*) AS n FROM per_network) z), "
        f"c AS ({counted}) "
        "SELECT c.ring_id, c.network_id, c.n_reviews, c.n_reviewers, c.n_stores, "
        f"CAST(c.n_reviews AS DOUBLE) / c.n_ring AS share_of_ring, {a} / {p} AS lift, "
        "CAST(c.n_reviews AS DOUBLE) / c.n_network AS share_of_network, c.first_review, c.last_review "
        f"FROM c CROSS JOIN totals t WHERE {a} > {p} AND {surprise} > ln(CAST(t.n_pairs AS DOUBLE))",
    )
