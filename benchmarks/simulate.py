"""Benchmark the marketplace simulator end to end (simulate + write Parquet).

Prints one JSON line per size with seconds, rows per table, rows/s, peak RSS and the ratio against the
targets (10k stores <= 15 s, 100k stores <= 180 s, peak RSS <= 6 GB on 2 cores). Each size runs in its own
subprocess so that peak memory is measured separately.

    python benchmarks/simulate.py --sizes 10000,100000 --seed 7 --difficulty normal
    python benchmarks/simulate.py --sizes 10000,100000 --seed 7 --difficulty adversarial
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

TARGET_SECONDS = {10_000: 15.0, 100_000: 180.0}
TARGET_RSS_MB = 6 * 1024


def _target_seconds(n_stores: int) -> float:
    """Targets are linear in the store count between and beyond the two reference sizes."""
    if n_stores in TARGET_SECONDS:
        return TARGET_SECONDS[n_stores]
    return max(15.0, 180.0 * n_stores / 100_000)


def _worker(n_stores: int, seed: int, difficulty: str) -> dict[str, object]:
    from marketguard.simulate import simulate, write_marketplace

    start = time.perf_counter()
    mp = simulate(n_stores=n_stores, seed=seed, difficulty=difficulty)
    simulated = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        rows = write_marketplace(mp, out)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    target = _target_seconds(n_stores)
    total = sum(v for k, v in rows.items() if not k.startswith("truth/"))
    return {
        "benchmark": "simulate",
        "stores": n_stores,
        "seed": seed,
        "difficulty": difficulty,
        "seconds": round(seconds, 2),
        "simulate_seconds": round(simulated, 2),
        "write_seconds": round(seconds - simulated, 2),
        "stage_seconds": {k: round(v, 2) for k, v in mp.timings.items()},
        "rows": rows,
        "total_rows": total,
        "rows_per_second": round(total / seconds),
        "peak_rss_mb": round(peak_mb),
        "target_seconds": target,
        "target_ratio": round(seconds / target, 3),
        "target_rss_mb": TARGET_RSS_MB,
        "rss_ratio": round(peak_mb / TARGET_RSS_MB, 3),
        "ok": seconds <= target and peak_mb <= TARGET_RSS_MB,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated store counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--difficulty", default="normal", choices=("easy", "normal", "hard", "adversarial"))
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.seed, args.difficulty), ensure_ascii=False))
        return 0
    ok = True
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            str(size),
            "--seed",
            str(args.seed),
            "--difficulty",
            args.difficulty,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            return done.returncode
        line = done.stdout.strip().splitlines()[-1]
        ok = ok and json.loads(line)["ok"]
        print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
