"""Benchmark: the whole scan on a simulated marketplace, per stage, with peak memory.

Prints JSON lines: one per stage, one total, and one comparing the baseline linking stage with a bare
``scipy.sparse.csgraph.connected_components`` on the same account-artifact edge list (timed in the same run,
excluding load), as a ratio.

    python benchmarks/scan.py --stores 100000 --engine duckdb
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[1]


def ensure_market(stores: int, seed: int, difficulty: str, data: Path) -> Path:
    if not (data / "accounts.parquet").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "marketguard.cli",
                "simulate",
                "--stores",
                str(stores),
                "--seed",
                str(seed),
                "--difficulty",
                difficulty,
                "--out",
                str(data),
            ],
            check=True,
        )
    return data


def run_scan(data: Path, out: Path, engine: str) -> dict:
    """Scan in a fresh process so its peak memory is its own."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "marketguard.cli", "scan", str(data), "--out", str(out), "--engine", engine],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["wall_seconds"] = time.perf_counter() - start
    return manifest


def bare_components_seconds(data: Path, max_shared: int) -> tuple[float, int, int]:
    """Same account-artifact edges as the baseline (device + Wi-Fi, hubs removed), then scipy alone."""
    con = duckdb.connect()
    edges = con.sql(f"""
        WITH e AS (
            SELECT DISTINCT account_id, 'd' || device_id AS artifact FROM '{data}/logins.parquet'
            WHERE device_id IS NOT NULL
            UNION ALL
            SELECT DISTINCT account_id, 'w' || wifi_bssid FROM '{data}/logins.parquet' WHERE wifi_bssid IS NOT NULL),
        d AS (SELECT artifact FROM e GROUP BY artifact HAVING count(*) BETWEEN 2 AND {max_shared})
        SELECT dense_rank() OVER (ORDER BY account_id) - 1 AS a, dense_rank() OVER (ORDER BY e.artifact) - 1 AS b
        FROM e JOIN d USING (artifact)""").fetchnumpy()
    a, b = edges["a"].astype(np.int64), edges["b"].astype(np.int64)
    n_a, n_b = int(a.max()) + 1, int(b.max()) + 1
    start = time.perf_counter()
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b + n_a)), shape=(n_a + n_b, n_a + n_b)).tocsr()
    connected_components(graph, directed=False)
    return time.perf_counter() - start, len(a), n_a


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--difficulty", default="normal")
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--data", type=Path, default=None, help="Reuse or create the marketplace here.")
    args = parser.parse_args()
    data = args.data or ROOT / "bench-data" / f"market-{args.stores}-{args.difficulty}-{args.seed}"
    ensure_market(args.stores, args.seed, args.difficulty, data)
    manifest = run_scan(data, data.parent / f"{data.name}-results-{args.engine}", args.engine)
    rows_in = sum(t["rows_read"] for t in manifest["inputs"].values())
    for stage in manifest["stages"]:
        print(
            json.dumps(
                {
                    "bench": "scan",
                    "engine": args.engine,
                    "stores": args.stores,
                    **{k: stage[k] for k in ("name", "seconds", "peak_rss_mb", "rows_out")},
                }
            )
        )
    total = sum(s["seconds"] for s in manifest["stages"])
    peak = max(s["peak_rss_mb"] for s in manifest["stages"])
    print(
        json.dumps(
            {
                "bench": "scan",
                "engine": args.engine,
                "stores": args.stores,
                "name": "total",
                "seconds": round(total, 2),
                "wall_seconds_with_startup": round(manifest["wall_seconds"], 2),
                "rows_in": rows_in,
                "rows_per_s": round(rows_in / total),
                "peak_rss_mb": peak,
                "outputs": manifest["outputs"],
            }
        )
    )
    link = next(s["seconds"] for s in manifest["stages"] if s["name"] == "link")
    bare, n_edges, n_accounts = bare_components_seconds(data, manifest["config"]["max_shared_accounts"])
    print(
        json.dumps(
            {
                "bench": "scan",
                "name": "link_vs_bare_scipy_components",
                "link_stage_seconds": link,
                "bare_scipy_seconds": round(bare, 3),
                "edges": n_edges,
                "accounts_in_edges": n_accounts,
                "edges_per_s_link_stage": round(n_edges / link),
                "ratio": round(link / bare, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
