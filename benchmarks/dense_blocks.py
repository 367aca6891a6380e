"""Benchmark: the dense-block (Fraudar) detector against the reference implementation, on the same graphs.

Graphs: YelpChi's reviewer x product graph (``../shared/data/yelpchi``) and a simulated marketplace's
reviewer x listing graph. Each is deduplicated (the reference binarises its matrix) and run through
``marketguard.graph.dense_blocks`` (numba; first call compiles, reported apart) and through the PyPI package
``rgmining-fraudar``'s ``logWeightedAveDegree`` (GPL: a benchmark dependency only, never imported by the
library), with the same column weights 1 / log(degree + 5). Prints seconds, edges/s, both densities and the
ratios the review issue names: speed >= 20x, density at least the reference's.

    python benchmarks/dense_blocks.py --stores 10000
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from common import ROOT, ensure_market, market_parser, peak_mb
from marketguard.graph import encode
from marketguard.graph.dense_blocks import dense_blocks

YELPCHI = ROOT.parent / "shared" / "data" / "yelpchi" / "reviews.csv"


def main() -> None:
    parser = market_parser(__doc__, stores=10_000)
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    graphs = {}
    if YELPCHI.exists():
        table = pacsv.read_csv(YELPCHI)
        graphs["yelpchi"] = (table.column("user_id"), table.column("product_id"))
    market = ensure_market(args.stores, args.seed, args.difficulty)
    reviews = pq.read_table(Path(market) / "reviews.parquet", columns=["reviewer_account_id", "listing_id"])
    graphs[f"simulated_{args.stores}"] = (reviews.column("reviewer_account_id"), reviews.column("listing_id"))
    start = time.perf_counter()
    dense_blocks(np.array([0, 1]), np.array([0, 0]), 2, 1)  # compile once
    compile_seconds = time.perf_counter() - start
    for name, (users, items) in graphs.items():
        rows, _ = encode(users)
        cols, _ = encode(items)
        pairs = np.unique(rows * (int(cols.max()) + 1) + cols)
        rows, cols = pairs // (int(cols.max()) + 1), pairs % (int(cols.max()) + 1)
        n_rows, n_cols = int(rows.max()) + 1, int(cols.max()) + 1
        start = time.perf_counter()
        block = dense_blocks(rows, cols, n_rows, n_cols)[0]
        ours = time.perf_counter() - start
        line = {
            "bench": "dense_blocks",
            "graph": name,
            "rows": n_rows,
            "cols": n_cols,
            "edges": int(rows.size),
            "seconds": round(ours, 4),
            "edges_per_s": round(rows.size / ours),
            "numba_compile_seconds_once": round(compile_seconds, 2),
            "block_rows": int(block.rows.size),
            "block_cols": int(block.cols.size),
            "density": round(block.density, 6),
            "peak_rss_mb": peak_mb(),
        }
        if not args.skip_reference:
            reference, ref_density, ref_rows, ref_cols = _reference(rows, cols)
            line |= {
                "reference_seconds": round(reference, 3),
                "reference_density": round(ref_density, 6),
                "reference_block_rows": ref_rows,
                "reference_block_cols": ref_cols,
                "ratio_reference_over_ours": round(reference / ours, 1),
                "target_speed_ratio": 20.0,
                "density_ratio_ours_over_reference": round(block.density / ref_density, 4),
                "target_density_ratio": 1.0,
            }
        print(json.dumps(line))


def _reference(rows: np.ndarray, cols: np.ndarray) -> tuple[float, float, int, int]:
    """rgmining-fraudar's logWeightedAveDegree on the same binary matrix."""
    from fraudar.export.greedy import listToSparseMatrix, logWeightedAveDegree

    matrix = listToSparseMatrix(rows.tolist(), cols.tolist())
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its progress
        (row_set, col_set), score = logWeightedAveDegree(matrix)
    return time.perf_counter() - start, float(score), len(row_set), len(col_set)


if __name__ == "__main__":
    main()
