"""Detection quality of a results directory against the simulator's ground truth (``DATASET/truth``).

The truth knows every store's operator, every fake review's farm and every counterfeit operator's sites and
money parties, so it supports every figure: ranking quality per entity, pairwise agreement of the networks with
the operators, operators recovered whole (:mod:`marketguard.evaluate.operators`), and recall of the traced sites
and money (every collector an operator used over the year, :mod:`marketguard.evaluate.tracing`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.evaluate.farm_clients import farm_client_metrics
from marketguard.evaluate.inputs import (
    Results,
    check_truth,
    dataset_warning,
    match_results,
    match_stores,
    read_results,
)
from marketguard.evaluate.metrics import pairwise_scores, ranking_metrics, top_k_order, value_codes
from marketguard.evaluate.operators import (
    MIN_NETWORK_PURITY,
    MIN_STORE_SHARE,
    agency_integrity,
    hub_ties,
    merged_networks,
    network_merges,
    operator_recovery,
)
from marketguard.evaluate.tracing import money_metrics, operator_networks, site_metrics

__all__ = ["declaration_metrics", "evaluate_truth", "merged_networks", "review_metrics"]

#: Operator kinds whose stores are multi-store operations the linker should group.
MULTI_STORE_KINDS = ("counterfeit", "agency")


def _unlabelled_stores(dataset: Path, store_ids: pa.ChunkedArray) -> np.ndarray | None:
    """Per store, whether the dataset's labels leave it unlabelled (None: no labels file beside the truth). A
    model trained on labels chosen by what is easy to see scores the labelled stores well; these are the
    stores it has to find."""
    path = dataset / "labels.parquet"
    if not path.is_file():
        return None
    labels = pq.read_table(path, columns=["entity_type", "entity_id"])
    stores = labels.filter(pc.equal(labels.column("entity_type"), "store")).column("entity_id")
    return ~pc.is_in(store_ids, value_set=pc.unique(stores).cast(pa.string())).to_numpy(zero_copy_only=False)


def evaluate_truth(results: Path | str, truth: Path | str) -> dict[str, Any]:
    """Store ranking metrics and network pairwise scores of ``results`` against the simulator's ``truth``.

    Stores in the truth but missing from the results (e.g. quarantined) count as score 0 and are reported.

    Raises
    ------
    EvaluationError
        When ``results`` is not a results directory, ``truth`` is a dataset rather than its ``truth/``
        directory, or fewer than :data:`~marketguard.evaluate.inputs.MIN_MATCH` of the stores of either side
        are found on the other (another dataset's truth).
    """
    found, truth = read_results(results), check_truth(truth)
    true = pq.read_table(truth / "stores.parquet")
    owners = _dataset_owners(truth.parent)
    match_stores(found, true, "the truth", owners)
    match_results(found, true.column("store_id").combine_chunks(), "the truth")
    dataset_warning(found, truth.parent, "the truth")
    scores = found.store_scores
    if "network_id" not in scores.column_names:
        scores = scores.append_column("network_id", pa.nulls(scores.num_rows, pa.string()))
    joined = true.join(scores.select(["store_id", "score", "network_id"]), "store_id", join_type="left outer")
    joined = joined.sort_by("store_id")
    n_missing = int(pc.sum(pc.is_null(joined.column("score"))).as_py() or 0)
    score = pc.fill_null(joined.column("score"), 0.0).to_numpy()
    is_fake = joined.column("is_counterfeit").to_numpy(zero_copy_only=False).astype(bool)
    kind = joined.column("operator_kind").to_numpy(zero_copy_only=False)
    stores: dict[str, Any] = dict(ranking_metrics(is_fake, score))
    order = top_k_order(score)
    k = max(int(is_fake.sum()), 1)
    stores["agency_share_top_k"] = float((kind[order[:k]] == "agency").mean())
    stores["grey_market_share_top_k"] = float((kind[order[:k]] == "grey_market").mean())
    stores.update({"n_stores": joined.num_rows, "n_counterfeit": int(is_fake.sum()), "n_missing": n_missing})
    unlabelled = _unlabelled_stores(truth.parent, joined.column("store_id"))
    if unlabelled is not None and unlabelled.any() and not unlabelled.all():
        stores["unlabelled"] = ranking_metrics(is_fake[unlabelled], score[unlabelled]) | {
            "n_stores": int(unlabelled.sum())
        }
    out: dict[str, Any] = {
        "against": "truth",
        "stores": stores,
        "networks": _network_metrics(joined, kind),
        "operators": _operator_metrics(joined, kind),
    }
    if found.has("links") and (truth / "hubs.parquet").is_file() and owners is not None:
        out["networks"].update(_hub_ties(found, truth, true, owners))
    if found.has("review_scores") and (truth / "reviews.parquet").is_file():
        out["reviews"] = review_metrics(
            found.read("review_scores", ["review_id", "score", "ring_id"]),
            pq.read_table(truth / "reviews.parquet"),
        )
        clients = _farm_clients(found, truth, joined)
        if clients is not None:
            out["reviews"].update(clients)
    out.update(_tracing(found, truth, true, scores))
    if found.has("declaration_scores") and (truth / "declarations.parquet").is_file():
        out["declarations"] = declaration_metrics(
            found.read("declaration_scores", ["declaration_id", "score", "network_id"]),
            pq.read_table(truth / "declarations.parquet"),
        )
    out["warnings"] = found.warnings
    return out


def _hub_ties(found: Results, truth: Path, true: pa.Table, owners: pa.Table) -> dict[str, int]:
    """Cross-operator links tied by hubs alone (:func:`marketguard.evaluate.operators.hub_ties`)."""
    joined = owners.join(true.select(["store_id", "operator_id"]), "store_id")
    operator_of = dict(
        zip(joined.column("account_id").to_pylist(), joined.column("operator_id").to_pylist(), strict=True)
    )
    hubs = set(pq.read_table(truth / "hubs.parquet", columns=["value"]).column(0).to_pylist())
    links = found.read("links", ["account_a", "account_b", "network_id", "kind", "artifact"])
    return hub_ties(links, operator_of, hubs)


def _farm_clients(found: Results, truth: Path, joined: pa.Table) -> dict[str, Any] | None:
    """Which farms serve which operators (:mod:`marketguard.evaluate.farm_clients`), when the results have the
    rings' networks and the dataset beside the truth has its reviews and listings."""
    dataset = truth.parent
    if not found.has("ring_networks") or not all(
        (dataset / f"{t}.parquet").is_file() for t in ("reviews", "listings")
    ):
        return None
    scored = found.read("review_scores", ["review_id", "ring_id"])
    reviews = pq.read_table(
        dataset / "reviews.parquet", columns=["review_id", "listing_id", "reviewer_account_id"]
    )
    listings = pq.read_table(dataset / "listings.parquet", columns=["listing_id", "store_id"])
    return farm_client_metrics(
        found.read("ring_networks", ["ring_id", "network_id"]),
        scored.filter(pc.is_valid(scored.column("ring_id"))),
        pq.read_table(truth / "reviews.parquet", columns=["review_id", "is_fake", "farm_id"]),
        reviews.join(listings, "listing_id").select(["review_id", "store_id", "reviewer_account_id"]),
        joined.select(["store_id", "operator_id", "operator_kind", "network_id"]),
        purity=RING_PURITY,
    )


def _dataset_owners(dataset: Path) -> pa.Table | None:
    """``store_id, account_id`` of the dataset the simulator wrote next to its truth, when it is there."""
    path = dataset / "stores.parquet"
    if not path.is_file() or not {"store_id", "account_id"} <= set(pq.read_schema(path).names):
        return None
    return pq.read_table(path, columns=["store_id", "account_id"])


def declaration_metrics(scores: pa.Table, truth: pa.Table) -> dict[str, Any]:
    """Declaration ranking metrics (precision among the top k, k = true counterfeit declarations), and how
    many counterfeit declarations were tied to a network."""
    joined = truth.join(scores, "declaration_id", join_type="left outer").sort_by("declaration_id")
    score = pc.fill_null(joined.column("score"), 0.0).to_numpy()
    fake = joined.column("is_counterfeit").to_numpy(zero_copy_only=False).astype(bool)
    tied = pc.is_valid(joined.column("network_id")).to_numpy(zero_copy_only=False)
    tie_break = np.arange(joined.num_rows)  # rows sorted by declaration id: ties by id, as in the results
    return {
        **ranking_metrics(fake, score, tie_break=tie_break),
        "n_declarations": joined.num_rows,
        "counterfeit_tied": int((fake & tied).sum()),
        "legitimate_tied": int((~fake & tied).sum()),
    }


def _tracing(results: Results, truth: Path, true: pa.Table, scores: pa.Table) -> dict[str, Any]:
    """Site and money recall when the scan traced them and the truth has them."""
    counterfeit = set(
        true.filter(pc.equal(true.column("operator_kind"), "counterfeit")).column("operator_id").to_pylist()
    )
    networks = operator_networks(true, scores)
    out: dict[str, Any] = {}
    if results.has("sites") and (truth / "sites.parquet").is_file():
        out["sites"] = site_metrics(
            results.read("sites"),
            pq.read_table(truth / "sites.parquet"),
            counterfeit,
            networks,
        )
    if results.has("money") and (truth / "parties.parquet").is_file():
        out["money"] = money_metrics(
            results.read("money"),
            pq.read_table(truth / "parties.parquet"),
            counterfeit,
            networks,
        )
    return out


#: A ring "is" a farm when at least this share of its reviews were written by that farm.
RING_PURITY = 0.5


def review_metrics(scores: pa.Table, truth: pa.Table) -> dict[str, Any]:
    """Review ranking metrics, and how many planted farms came out as rings.

    A farm is recovered when some ring has at least :data:`RING_PURITY` of its reviews from that farm;
    ``farm_review_coverage`` is the mean share of a farm's reviews that sit in rings it dominates.
    """
    joined = truth.join(scores, "review_id", join_type="left outer").sort_by("review_id")
    score = pc.fill_null(joined.column("score"), 0.0).to_numpy()
    is_fake = joined.column("is_fake").to_numpy(zero_copy_only=False).astype(bool)
    metrics = ranking_metrics(is_fake, score)
    farm, ring = value_codes(joined.column("farm_id")), value_codes(joined.column("ring_id"))
    n_farms = int(farm.max()) + 1 if farm.size else 0
    recovered = np.zeros(n_farms, bool)
    covered = np.zeros(n_farms)
    in_ring = ring >= 0
    for r in np.unique(ring[in_ring]):
        members = farm[ring == r]
        top = np.bincount(members[members >= 0], minlength=n_farms).argmax() if (members >= 0).any() else -1
        if top >= 0 and np.mean(members == top) >= RING_PURITY:
            recovered[top] = True
            covered[top] += np.sum(members == top)
    per_farm = np.bincount(farm[farm >= 0], minlength=n_farms)
    metrics.update(
        {
            "n_reviews": joined.num_rows,
            "n_fake": int(is_fake.sum()),
            "n_missing": int(pc.sum(pc.is_null(joined.column("score"))).as_py() or 0),
            "n_farms": n_farms,
            "farms_recovered": int(recovered.sum()),
            "farm_recall": float(recovered.mean()) if n_farms else float("nan"),
            "farm_review_coverage": float(np.mean(covered / np.maximum(per_farm, 1)))
            if n_farms
            else float("nan"),
            "n_rings": int(np.unique(ring[in_ring]).size),
        }
    )
    return metrics


def _network_metrics(joined: pa.Table, kind: np.ndarray) -> dict[str, Any]:
    """Pairwise scores over all, counterfeit and agency, and counterfeit stores; networks merging operators.

    ``networks_merging_operators`` counts merges among counterfeit and agency operators only (the multi-store
    operations); ``networks_merging_any_operators`` counts every network holding two or more true operators of
    any kind, which is where a hub (a shared warehouse, a forwarder, a proxy exit) gluing independents in shows,
    and ``counterfeit_networks_merging_operators`` those of them holding counterfeit stores.
    """
    predicted, operator = value_codes(joined.column("network_id")), value_codes(joined.column("operator_id"))
    scoped = np.isin(kind, MULTI_STORE_KINDS)
    counterfeit = kind == "counterfeit"
    merges = network_merges(predicted, operator, counterfeit)
    return {
        "all_stores": pairwise_scores(predicted, operator),
        "counterfeit_and_agency_stores": pairwise_scores(predicted[scoped], operator[scoped]),
        "counterfeit_stores": pairwise_scores(predicted[counterfeit], operator[counterfeit]),
        "n_networks": len(np.unique(predicted[predicted >= 0])),
        "networks_merging_operators": merged_networks(predicted[scoped], operator[scoped]),
        "networks_merging_any_operators": merges["any"],
        "counterfeit_networks_merging_operators": merges["with_counterfeit"],
    }


def _operator_metrics(joined: pa.Table, kind: np.ndarray) -> dict[str, Any]:
    """Counterfeit operators recovered as one pure network each, and agencies split or merged with counterfeit."""
    predicted, operator = value_codes(joined.column("network_id")), value_codes(joined.column("operator_id"))
    recovery = operator_recovery(predicted, operator, kind == "counterfeit")
    return {
        "n_counterfeit": recovery["n_operators"],
        "counterfeit_recovered": recovery["recovered"],
        "counterfeit_recovered_share": recovery["share"],
        "min_store_share": MIN_STORE_SHARE,
        "min_network_purity": MIN_NETWORK_PURITY,
        **agency_integrity(predicted, operator, kind),
    }
