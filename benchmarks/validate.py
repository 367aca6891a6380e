"""Benchmark: contract validation on a simulated marketplace with bad rows planted for every rule.

Prints JSON lines: per (table, reason) the planted and quarantined counts (they must be equal), then the
totals with rows/s and peak memory, compared (as a ratio) with a bare DuckDB read of every table into memory, timed in the same run.

    python benchmarks/validate.py --stores 100000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from common import bare_read_seconds, peak_mb
from marketguard.pipeline.validate import validate_dataset
from marketguard.simulate import corrupt, simulate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--per-rule", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "market"
        data.mkdir()
        bad = corrupt(simulate(n_stores=args.stores, seed=args.seed).tables, n_per_rule=args.per_rule, seed=1)
        for name, table in bad.tables.items():
            pq.write_table(table, data / f"{name}.parquet")
        rows = sum(t.num_rows for t in bad.tables.values())
        del bad.tables
        start = time.perf_counter()
        report = validate_dataset(data, out=Path(tmp) / "results")
        seconds = time.perf_counter() - start
        found = report.quarantine_counts()
        for table, reasons in sorted(bad.expected.items()):
            for code, planted in sorted(reasons.items()):
                got = found.get(table, {}).get(code, 0)
                print(
                    json.dumps(
                        {
                            "bench": "validate",
                            "table": table,
                            "reason": code,
                            "planted": planted,
                            "quarantined": got,
                            "exact": got == planted,
                        }
                    )
                )
        bare = bare_read_seconds(data)
    print(
        json.dumps(
            {
                "bench": "validate",
                "stores": args.stores,
                "rows": rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(rows / seconds),
                "peak_rss_mb": peak_mb(),
                "all_exact": found == bad.expected,
                "bare_read_seconds": round(bare, 3),
                "ratio_vs_bare_read": round(seconds / bare, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
