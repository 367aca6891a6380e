"""Benchmark: the whole scan on a simulated marketplace, per stage, with peak memory.

Prints JSON lines: one per stage, one total, and one comparing the whole scan with a bare DuckDB read of every
input table into memory (timed in the same run), as a ratio. The linking stage has its own benchmark
(``benchmarks/linking.py``) with the references its issue names.

    python benchmarks/scan.py --stores 100000 --engine duckdb
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from common import bare_read_seconds, ensure_market, market_parser


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


def main() -> None:
    parser = market_parser(__doc__)
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--data", type=Path, default=None, help="Reuse or create the marketplace here.")
    args = parser.parse_args()
    data = ensure_market(args.stores, args.seed, args.difficulty, args.data)
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
    bare = bare_read_seconds(data)
    print(
        json.dumps(
            {
                "bench": "scan",
                "name": "scan_vs_bare_read",
                "scan_seconds": round(total, 2),
                "bare_read_seconds": round(bare, 2),
                "ratio": round(total / bare, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
