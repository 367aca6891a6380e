"""``evaluate(results, truth)``: detection quality of a results directory against simulator ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.errors import MarketguardError
from marketguard.evaluate.metrics import pairwise_scores, ranking_metrics, top_k_order
from marketguard.evaluate.tracing import money_metrics, operator_networks, site_metrics

__all__ = [
    "declaration_metrics",
    "evaluate",
    "merged_networks",
    "pairwise_scores",
    "ranking_metrics",
    "review_metrics",
]

#: Operator kinds whose stores are multi-store operations the linker should group.
MULTI_STORE_KINDS = ("counterfeit", "agency")


def evaluate(results: Path | str, truth: Path | str) -> dict[str, Any]:
    """Store ranking metrics and network pairwise scores of ``results`` against ``truth``.

    Stores in the truth but missing from the results (e.g. quarantined) count as score 0 and are reported.
    """
    results, truth = Path(results), Path(truth)
    for path in (results / "store_scores.parquet", truth / "stores.parquet"):
        if not path.is_file():
            raise MarketguardError(
                f"{path} not found: evaluate needs a scan's results and the simulator's truth/"
            )
    scores = pq.read_table(results / "store_scores.parquet", columns=["store_id", "score", "network_id"])
    true = pq.read_table(truth / "stores.parquet")
    joined = true.join(scores, "store_id", join_type="left outer").sort_by("store_id")
    n_missing = int(pc.sum(pc.is_null(joined.column("score"))).as_py() or 0)
    score = pc.fill_null(joined.column("score"), 0.0).to_numpy()
    is_fake = joined.column("is_counterfeit").to_numpy(zero_copy_only=False).astype(bool)
    kind = joined.column("operator_kind").to_numpy(zero_copy_only=False)
    stores = ranking_metrics(is_fake, score)
    order = top_k_order(score)
    k = max(int(is_fake.sum()), 1)
    stores["agency_share_top_k"] = float((kind[order[:k]] == "agency").mean())
    stores.update({"n_stores": joined.num_rows, "n_counterfeit": int(is_fake.sum()), "n_missing": n_missing})
    out = {"stores": stores, "networks": _network_metrics(joined, kind)}
    if (results / "review_scores.parquet").is_file() and (truth / "reviews.parquet").is_file():
        out["reviews"] = review_metrics(
            pq.read_table(results / "review_scores.parquet", columns=["review_id", "score", "ring_id"]),
            pq.read_table(truth / "reviews.parquet"),
        )
    out.update(_tracing(results, truth, true, scores))
    if (results / "declaration_scores.parquet").is_file() and (truth / "declarations.parquet").is_file():
        out["declarations"] = declaration_metrics(
            pq.read_table(
                results / "declaration_scores.parquet", columns=["declaration_id", "score", "network_id"]
            ),
            pq.read_table(truth / "declarations.parquet"),
        )
    return out


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


def _tracing(results: Path, truth: Path, true: pa.Table, scores: pa.Table) -> dict[str, Any]:
    """Site and money recall when the scan traced them and the truth has them."""
    counterfeit = set(
        true.filter(pc.equal(true.column("operator_kind"), "counterfeit")).column("operator_id").to_pylist()
    )
    networks = operator_networks(true, scores)
    out: dict[str, Any] = {}
    if (results / "sites.parquet").is_file() and (truth / "sites.parquet").is_file():
        out["sites"] = site_metrics(
            pq.read_table(results / "sites.parquet"),
            pq.read_table(truth / "sites.parquet"),
            counterfeit,
            networks,
        )
    if (results / "money.parquet").is_file() and (truth / "parties.parquet").is_file():
        out["money"] = money_metrics(
            pq.read_table(results / "money.parquet"),
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
    farm, ring = _codes(joined.column("farm_id")), _codes(joined.column("ring_id"))
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


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    """Integer codes per value, -1 for null."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    return pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _network_metrics(joined: pa.Table, kind: np.ndarray) -> dict[str, Any]:
    predicted, operator = _codes(joined.column("network_id")), _codes(joined.column("operator_id"))
    scoped = np.isin(kind, MULTI_STORE_KINDS)
    return {
        "all_stores": pairwise_scores(predicted, operator),
        "counterfeit_and_agency_stores": pairwise_scores(predicted[scoped], operator[scoped]),
        "n_networks": len(np.unique(predicted[predicted >= 0])),
        "networks_merging_operators": merged_networks(predicted[scoped], operator[scoped]),
    }


def merged_networks(predicted: np.ndarray, operator: np.ndarray) -> int:
    """Predicted networks that hold stores of two or more different true operators."""
    clustered = predicted >= 0
    pairs = np.unique(np.stack([predicted[clustered], operator[clustered]], axis=1), axis=0)
    if pairs.size == 0:
        return 0
    return int((np.bincount(pairs[:, 0]) > 1).sum())
