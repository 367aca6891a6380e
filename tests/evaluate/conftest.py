"""A tiny hand-built world for ``evaluate``, with exactly known answers.

Results: stores S1..S8 (owners A1..A8) scored 0.9, 0.8, ... 0.1 except S5 0.4 and S6 0.3; networks N1 = {S1, S2},
N2 = {S3, S4}, N3 = {S6, S8}; S5 and S7 in none. Reviews R1..R4, R1 and R3 in ring G1. Declarations D1 (tied to
N1) and D2.

Labels: stores S1, S2, S5 counterfeit and S3, S6, S8 legitimate; account A4 (owner of S4) fraudulent, A7 (owner
of S7) legitimate, A99 (owns no store) fraudulent; reviews R1, R3 fake and R2, R4 genuine, R9 (not in the
results) fake; declarations D1 counterfeit, D2 legitimate.

Truth: the same outcomes for S1..S8 (operators: op1 runs S1, S2, S4; op2 runs S5; the rest are independent).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marketguard.pipeline.results import RESULT_SCHEMAS

STORES = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]
SCORES = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
NETWORKS = ["N1", "N1", "N2", "N2", None, "N3", None, "N3"]
COUNTERFEIT = [True, True, False, True, True, False, False, False]

LABELS = {
    "entity_type": ["store"] * 6 + ["account"] * 3 + ["review"] * 5 + ["declaration"] * 2,
    "entity_id": [
        *("S1", "S2", "S5", "S3", "S6", "S8", "A4", "A7", "A99"),
        *("R1", "R3", "R2", "R4", "R9", "D1", "D2"),
    ],
    "label": [1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0],
    "source": ["investigation"] * 16,
    "labeled_at": ["2025-06-01T00:00:00Z"] * 16,
}

SUPERVISED: dict[str, Any] = {
    "stages": [
        {"name": "score_reviews", "notes": ["unsupervised scoring on 18 signals; 1 review rings"]},
        {"name": "score_stores", "notes": ["supervised scoring: LightGBM on 40 features"]},
        {"name": "screen_declarations", "notes": ["unsupervised scoring on 12 signals; 1 declarations tied"]},
    ],
    "inputs": {"labels": {"rows_accepted": 16}},
}


def table(name: str, columns: dict[str, list[Any]]) -> pa.Table:
    """``columns`` as result ``name`` with its documented schema; columns left out are null."""
    schema = RESULT_SCHEMAS[name]
    n = len(next(iter(columns.values())))
    return pa.table(
        {f.name: pa.array(columns.get(f.name, [None] * n), f.type) for f in schema}, schema=schema
    )


def write_results(
    path: Path, manifest: dict[str, Any] | None = None, stores: list[str] | None = None, **extra: Any
) -> Path:
    """The hand-built results directory (``stores`` renames S1..S8; ``manifest`` None writes none)."""
    path.mkdir(parents=True, exist_ok=True)
    ids = stores or STORES
    scores = {
        "store_id": ids,
        "account_id": [s.replace("S", "A") for s in STORES],
        "score": SCORES,
        "rank": list(range(1, 9)),
        "network_id": NETWORKS,
    }
    pq.write_table(table("store_scores", scores), path / "store_scores.parquet")
    reviews = {
        "review_id": ["R1", "R2", "R3", "R4"],
        "score": [0.9, 0.5, 0.4, 0.1],
        "ring_id": ["G1", None, "G1", None],
    }
    pq.write_table(table("review_scores", reviews), path / "review_scores.parquet")
    declarations = {"declaration_id": ["D1", "D2"], "score": [0.8, 0.2], "network_id": ["N1", None]}
    pq.write_table(table("declaration_scores", declarations), path / "declaration_scores.parquet")
    if manifest is not None:
        (path / "manifest.json").write_text(json.dumps({**manifest, **extra}))
    return path


def write_truth(dataset: Path, stores: list[str] | None = None) -> Path:
    """``dataset/truth/stores.parquet`` for S1..S8 (or ``stores``)."""
    truth = dataset / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    operators = ["op1", "op1", "i3", "op1", "op2", "i6", "i7", "i8"]
    kinds = ["counterfeit"] * 2 + ["independent", "counterfeit", "counterfeit"] + ["independent"] * 3
    pq.write_table(
        pa.table(
            {
                "store_id": stores or STORES,
                "is_counterfeit": COUNTERFEIT,
                "operator_id": operators,
                "operator_kind": kinds,
            }
        ),
        truth / "stores.parquet",
    )
    return truth


def labels_table(**changes: list[Any]) -> pa.Table:
    """The labels as text columns, as a CSV would give them, with whole columns replaced by ``changes``."""
    columns = {**LABELS, **changes}
    return pa.table(
        {c: pa.array([None if v is None else str(v) for v in vs], pa.string()) for c, vs in columns.items()}
    )


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return write_results(tmp_path / "results", SUPERVISED)


@pytest.fixture(scope="module")
def scanned_market(small_market: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small simulated marketplace, scanned once for this module."""
    from marketguard.pipeline.scan import scan

    return scan(small_market, tmp_path_factory.mktemp("scanned") / "results").out
