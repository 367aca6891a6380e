"""Benchmark: the scan at growing sizes on both engines, against the scale issue's bars.

Scans simulated marketplaces of ``--duckdb-sizes`` stores on DuckDB and ``--spark-sizes`` stores on Spark local,
each in a fresh process (``scan.py``'s ``run_scan``), and prints JSON lines:

- one per engine, size and stage: seconds, the Python process's peak memory (Spark's JVM is not in it), the rows
  the stage collected into the process (the driver, on Spark), and the stage's growth over the engine's smallest
  size (its time ratio beside the ratio of input rows: a stage whose time grows faster than its input is not
  linear);
- one total per engine and size with the bars that apply: on DuckDB the largest scan <= 45 s, peak <= 4 GB,
  time(largest) / time(smallest) <= 11 (with the default sizes, 100k over 10k); on Spark the driver collects
  < 5% of the input rows, and the results equal DuckDB's on the same marketplace (when DuckDB scanned that size).

    python benchmarks/scale.py                                   # 10k, 30k, 100k on DuckDB; 10k, 30k on Spark
    python benchmarks/scale.py --spark-sizes ""                  # DuckDB only
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.parquet as pq

from common import ensure_market, market_parser
from scan import run_scan

#: The scale issue's bars: DuckDB's largest scan (seconds, peak MB) and its growth; Spark's driver collection.
SCAN_BAR_S, PEAK_BAR_MB, GROWTH_BAR, COLLECTED_BAR = 45.0, 4096.0, 11.0, 0.05


def main() -> None:
    parser = market_parser(__doc__)
    parser.add_argument("--duckdb-sizes", default="10000,30000,100000", help="store counts, comma-separated")
    parser.add_argument(
        "--spark-sizes", default="10000,30000", help="store counts, comma-separated ('' none)"
    )
    args = parser.parse_args()
    sizes = {"duckdb": _sizes(args.duckdb_sizes), "spark": _sizes(args.spark_sizes)}
    results: dict[tuple[str, int], Path] = {}
    for engine, engine_sizes in sizes.items():
        first: dict | None = None
        for stores in engine_sizes:
            data = ensure_market(stores, args.seed, args.difficulty)
            out = data.parent / f"{data.name}-results-{engine}"
            manifest = run_scan(data, out, engine)
            results[(engine, stores)] = out
            first = first or manifest
            _print(engine, stores, manifest, first, engine_sizes, results)


def _sizes(text: str) -> list[int]:
    return sorted(int(s) for s in text.split(",") if s.strip())


def _rows_in(manifest: dict) -> int:
    return sum(t["rows_read"] for t in manifest["inputs"].values())


def _print(
    engine: str,
    stores: int,
    manifest: dict,
    first: dict,
    sizes: list[int],
    results: dict[tuple[str, int], Path],
) -> None:
    rows_in, growth_in = _rows_in(manifest), _rows_in(manifest) / _rows_in(first)
    before = {s["name"]: s["seconds"] for s in first["stages"]}
    for stage in manifest["stages"]:
        base = before.get(stage["name"])
        line = {
            "bench": "scale",
            "engine": engine,
            "stores": stores,
            "name": stage["name"],
            "seconds": stage["seconds"],
            "peak_rss_mb": stage["peak_rss_mb"],
            "rows_collected": stage["rows_collected"],
            "time_growth": round(stage["seconds"] / base, 2) if base else None,
            "input_growth": round(growth_in, 2),
        }
        print(json.dumps(line), flush=True)
    seconds = sum(s["seconds"] for s in manifest["stages"])
    peak = max(s["peak_rss_mb"] for s in manifest["stages"])
    collected = sum(s["rows_collected"] or 0 for s in manifest["stages"])
    growth = seconds / sum(s["seconds"] for s in first["stages"])
    total = {
        "bench": "scale",
        "engine": engine,
        "stores": stores,
        "name": "total",
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak,
        "rows_in": rows_in,
        "rows_collected": collected,
        "share_collected": round(collected / rows_in, 4),
        "time_growth": round(growth, 2),
        "input_growth": round(growth_in, 2),
    }
    if engine == "duckdb" and stores == sizes[-1]:
        total |= {
            "ratio_seconds_to_bar": round(seconds / SCAN_BAR_S, 2),
            "ratio_peak_to_bar": round(peak / PEAK_BAR_MB, 2),
        }
        if len(sizes) > 1:
            total["ratio_growth_to_bar"] = round(growth / GROWTH_BAR, 2)
    if engine == "spark":
        total["ratio_collected_to_bar"] = round(collected / rows_in / COLLECTED_BAR, 2)
        duck = results.get(("duckdb", stores))
        if duck is not None:
            total["same_results_as_duckdb"] = same_results(duck, results[("spark", stores)])
    print(json.dumps(total), flush=True)


def same_results(a: Path, b: Path) -> bool:
    """Whether two results directories hold the same rows in every result table, floats equal to 1e-9 relative
    (a sum's order differs between engines in the last bits, which can cross any rounding boundary)."""
    names = sorted(p.name for p in a.glob("*.parquet"))
    if names != sorted(p.name for p in b.glob("*.parquet")):
        return False
    for name in names:
        rows_a, rows_b = _rows(a / name), _rows(b / name)
        if len(rows_a) != len(rows_b):
            return False
        for x, y in zip(rows_a, rows_b, strict=True):
            if x.keys() != y.keys() or not all(_same(x[k], y[k]) for k in x):
                return False
    return True


def _rows(path: Path) -> list[dict]:
    """The table's rows in an order both engines' rows share: by their values, floats to 9 digits."""

    def key(row: dict) -> str:
        return json.dumps({k: f"{v:.9g}" if isinstance(v, float) else v for k, v in row.items()}, default=str)

    return sorted(pq.read_table(path).to_pylist(), key=key)


def _same(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    return x == y


if __name__ == "__main__":
    main()
