"""Benchmark: the incremental operator index at marketplace scale, event by event.

The marketplace is cut at a time T so that the last ``--events`` logins (with the accounts and stores created
after T) come after it. ``OperatorLinker`` runs in batch on everything before T, ``OperatorIndex.from_batch``
loads that run, and the remaining events are fed one at a time in time order, each followed by the query
"which network is this event's account in now, and why" (``network_of``, which re-clusters the account's
component if its links changed). Prints JSON lines: the batch and load times, the index's accounts and peak
memory, the per-event update latency (p50, p99, max; per event type) against the linking issue's bar (p99 <=
1 ms with 1M accounts indexed), and the query latency.

    python benchmarks/operator_index.py --stores 100000       # ~1M accounts indexed
"""

from __future__ import annotations

import gc
import json
import time

import numpy as np

from common import ensure_market, market_parser, peak_mb, rss_mb
from marketguard.contract import validate
from marketguard.detect.operator_index import OperatorIndex
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from marketguard.engine.base import Step


def main() -> None:
    parser = market_parser(__doc__)
    parser.add_argument(
        "--events", type=int, default=100_000, help="logins replayed after the cut (at least)"
    )
    parser.add_argument("--new-stores", type=int, default=100, help="stores opened after the cut (at least)")
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="leave the loaded index in the collector's generations"
    )
    args = parser.parse_args()
    data = ensure_market(args.stores, args.seed, args.difficulty)
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, data)
        cut = min(
            backend.scalar(f"SELECT ts FROM logins ORDER BY ts DESC LIMIT 1 OFFSET {args.events}", "cut"),
            backend.scalar(
                f"SELECT opened_at FROM stores ORDER BY opened_at DESC LIMIT 1 OFFSET {args.new_stores}",
                "cut",
            ),
        )
        later = {
            "accounts": backend.fetch(
                f"SELECT * FROM accounts WHERE created_at > '{cut.isoformat()}'", "later accounts"
            ).to_pylist(),
            "stores": backend.fetch(
                f"SELECT * FROM stores WHERE opened_at > '{cut.isoformat()}'", "later stores"
            ).to_pylist(),
            "logins": backend.fetch(
                f"SELECT * FROM logins WHERE ts > '{cut.isoformat()}'", "later logins"
            ).to_pylist(),
        }
        for name, column in (("accounts", "created_at"), ("stores", "opened_at"), ("logins", "ts")):
            backend.con.execute(f"ALTER VIEW {name} RENAME TO {name}_all")
            backend.run(
                Step(
                    name,
                    f"SELECT * FROM {name}_all WHERE {column} <= '{cut.isoformat()}'",
                    materialize=False,
                )
            )
        start = time.perf_counter()
        linker = OperatorLinker().fit(tables)
        batch_seconds = time.perf_counter() - start
        start = time.perf_counter()
        index = OperatorIndex.from_batch(linker, tables)
        load_seconds = time.perf_counter() - start
    if not args.no_gc_freeze:  # what a service does after loading: the index is long-lived, never garbage
        gc.collect()
        gc.freeze()
    when = {"accounts": "created_at", "stores": "opened_at", "logins": "ts"}
    events = sorted(
        ((r[when[kind]], order, kind, r) for order, kind in enumerate(when) for r in later[kind]),
        key=lambda e: (e[0], e[1]),
    )
    print(
        json.dumps(
            {
                "bench": "operator_index",
                "name": "load",
                "stores": args.stores,
                "accounts_indexed": index.n_accounts,
                "batch_linking_seconds": round(batch_seconds, 2),
                "load_seconds": round(load_seconds, 2),
                "networks": len(set(index.networks().values())),
                "peak_rss_mb": peak_mb(),
                "rss_after_load_mb": rss_mb(),
                "gc_frozen": not args.no_gc_freeze,
            }
        )
    )
    latencies: dict[str, list[float]] = {kind: [] for kind in when}
    queries: list[float] = []
    pauses: list[float] = []
    started: list[float] = []

    def collector(phase: str, info: dict) -> None:  # how long each garbage collection pauses the events
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append(time.perf_counter() - started.pop())

    gc.callbacks.append(collector)
    for _, _, kind, r in events:
        start = time.perf_counter()
        index.add(kind, r)
        latencies[kind].append(time.perf_counter() - start)
        start = time.perf_counter()
        index.network_of(r["account_id"])  # "which network is this account in now, and why"
        queries.append(time.perf_counter() - start)
    answers = np.asarray(queries) * 1000
    every = np.concatenate([np.asarray(v) for v in latencies.values()]) * 1000
    p99 = float(np.percentile(every, 99))
    print(
        json.dumps(
            {
                "bench": "operator_index",
                "name": "events",
                "accounts_indexed": index.n_accounts,
                "events": int(every.size),
                "events_per_s": round(every.size / (every.sum() / 1000)),
                "p50_ms": round(float(np.percentile(every, 50)), 4),
                "p99_ms": round(p99, 4),
                "max_ms": round(float(every.max()), 2),
                "per_kind_p99_ms": {
                    kind: round(float(np.percentile(v, 99)) * 1000, 4) for kind, v in latencies.items() if v
                },
                "per_kind_events": {kind: len(v) for kind, v in latencies.items()},
                "query_after_each_event_p50_ms": round(float(np.percentile(answers, 50)), 4),
                "query_after_each_event_p99_ms": round(float(np.percentile(answers, 99)), 4),
                "query_max_ms": round(float(answers.max()), 2),
                "gc_collections": len(pauses),
                "gc_max_pause_ms": round(max(pauses, default=0.0) * 1000, 2),
                "peak_rss_mb": peak_mb(),
                "target_p99_ms": 1.0,
                "ratio_p99_over_target": round(p99 / 1.0, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
