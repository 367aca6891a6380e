"""Which farms serve which operators, against the truth: the scan's ``ring_networks`` rows read as (farm,
operator) claims.

A row (ring, network) is a farm-client claim once the ring is read as the farm that wrote most of its reviews
(:data:`~marketguard.evaluate.truth.RING_PURITY` of them; a ring no farm dominates claims nothing true) and the
network as the operator that runs most of its stores; precision is also given over the rows of rings one farm
dominates (a ring mixing several farms' accounts names their clients, but no one farm). The truth's clients of a farm are the counterfeit
operators at whose stores two or more of its accounts wrote fake reviews (the rule the results use for a ring
serving a network).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.evaluate.metrics import dominant_values

__all__ = ["MIN_ACCOUNTS", "farm_client_metrics"]

#: A farm's accounts that faked reviews at an operator's stores for the operator to be its client: the results'
#: rule for a ring serving a network (``detect.ring_clients.MIN_REVIEWERS``), which evaluate does not import.
MIN_ACCOUNTS = 2


def farm_client_metrics(
    ring_networks: pa.Table,
    review_rings: pa.Table,
    truth_reviews: pa.Table,
    reviews: pa.Table,
    store_operators: pa.Table,
    *,
    purity: float,
) -> dict[str, Any]:
    """``ring_networks`` (ring_id, network_id) from the results; ``review_rings`` (review_id, ring_id) the
    results' review rings; ``truth_reviews`` (review_id, is_fake, farm_id); ``reviews`` (review_id, store_id,
    reviewer_account_id) of the dataset; ``store_operators`` (store_id, operator_id, operator_kind, network_id)."""
    rr = review_rings.join(truth_reviews.select(["review_id", "farm_id"]), "review_id")
    farm_of_ring = dominant_values(rr.column("ring_id"), rr.column("farm_id"), purity)
    operator_of_network = dominant_values(
        store_operators.column("network_id"), store_operators.column("operator_id")
    )
    fake = truth_reviews.filter(pc.equal(truth_reviews.column("is_fake"), True))
    at = fake.join(reviews, "review_id").join(
        store_operators.filter(pc.equal(store_operators.column("operator_kind"), "counterfeit")), "store_id"
    )
    clients = at.group_by(["farm_id", "operator_id"], use_threads=False).aggregate(
        [("reviewer_account_id", "count_distinct")]
    )
    served = {
        (f, o)
        for f, o, n in zip(*clients.to_pydict().values(), strict=True)
        if f is not None and n >= MIN_ACCOUNTS
    }
    rings = ring_networks.column("ring_id").to_pylist()
    claims = [
        (farm_of_ring.get(r), operator_of_network.get(n))
        for r, n in zip(rings, ring_networks.column("network_id").to_pylist(), strict=True)
    ]
    rows_true = [claim in served for claim in claims]
    of_farm_rings = [ok for ok, r in zip(rows_true, rings, strict=True) if r in farm_of_ring]
    recovered = set(farm_of_ring.values())
    of_recovered = {p for p in served if p[0] in recovered}
    found = served & set(claims)
    return {
        "ring_network_rows": ring_networks.num_rows,
        "ring_network_rows_true": int(np.sum(rows_true)),
        "ring_network_precision": float(np.mean(rows_true)) if rows_true else float("nan"),
        "ring_network_rows_of_farm_rings": len(of_farm_rings),
        "ring_network_precision_of_farm_rings": float(np.mean(of_farm_rings))
        if of_farm_rings
        else float("nan"),
        "farm_clients": len(served),
        "farm_clients_found": len(found),
        "farm_clients_of_recovered_farms": len(of_recovered),
        "farm_client_recall_of_recovered_farms": len(found) / len(of_recovered)
        if of_recovered
        else float("nan"),
    }
