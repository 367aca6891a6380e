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

__all__ = ["evaluate", "merged_networks", "pairwise_scores", "ranking_metrics"]

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
    return {
        "stores": stores,
        "networks": _network_metrics(joined, kind),
    }


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
