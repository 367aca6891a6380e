"""What the benchmarks share: the simulated marketplace they run on, peak memory, the bare-read reference."""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]


def ensure_market(stores: int, seed: int, difficulty: str, data: Path | None = None) -> Path:
    """The marketplace under ``bench-data/`` or ``$MARKETGUARD_BENCH_DATA`` (simulated once, in a separate
    process, then reused)."""
    root = Path(os.environ.get("MARKETGUARD_BENCH_DATA", ROOT / "bench-data"))
    data = data or root / f"market-{stores}-{difficulty}-{seed}"
    stamp = data / "simulator.txt"  # the simulator's source it came from: a changed simulator simulates again
    if (
        not (data / "logins.parquet").exists()
        or not stamp.exists()
        or stamp.read_text() != simulator_digest()
    ):
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
        stamp.write_text(simulator_digest())
    return data


def simulator_digest() -> str:
    """A digest of the simulator's source files: cached marketplaces made by another version are stale (the
    adversarial preset's output is not pinned, and changes with it)."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "src" / "marketguard" / "simulate").glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def market_parser(doc: str | None, stores: int = 100_000) -> argparse.ArgumentParser:
    """A benchmark's argument parser with the marketplace it runs on: --stores, --seed, --difficulty."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=stores)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--difficulty", default="normal", choices=("easy", "normal", "hard", "adversarial"))
    return parser


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


def bare_read_seconds(data: Path) -> float:
    """Reference: DuckDB reading every Parquet table of ``data`` fully into memory, nothing else."""
    con = duckdb.connect()
    start = time.perf_counter()
    for i, path in enumerate(sorted(data.glob("*.parquet"))):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_parquet('{path}')")
    return time.perf_counter() - start


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_server(base: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    """Return once ``marketguard serve`` at ``base`` answers; exit if it died or did not start in time."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{base}/v1/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)
