"""Benchmark: operator linking end to end from Parquet, against bare connected components and networkx.

Timed in the same run on the same marketplace:
- ``linking``: ``OperatorLinker.fit`` on validated tables (views over the Parquet files): artifacts, degrees,
  weighted pairs, strengths, components, Leiden, links;
- ``bare_scipy``: ``scipy.sparse.csgraph.connected_components`` alone on the account-artifact edge list, edges
  already in memory (load excluded): once on the edges that can link (non-hub artifacts shared by at least two
  accounts), once on every account-artifact edge the linker derives;
- ``networkx``: a straightforward Python + networkx version of the same linking (degrees, pair weights in
  Python loops, a networkx graph of strong pairs, components, Louvain for oversized ones), load excluded.

Prints JSON lines with seconds, edges/s, peak memory and the ratios the linking issue names.

    python benchmarks/linking.py --stores 100000          # ~1M accounts, ~10.8M logins
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from common import ensure_market, peak_mb
from marketguard.contract import validate
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from marketguard.features.evidence import KIND_WEIGHTS


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--difficulty", default="normal")
    parser.add_argument("--skip-networkx", action="store_true")
    args = parser.parse_args()
    data = ensure_market(args.stores, args.seed, args.difficulty)
    with make_backend("duckdb") as backend:
        tables, report = validate(backend, data)
        n_logins = report.tables["logins"].rows_accepted
        n_accounts = report.tables["accounts"].rows_accepted
        start = time.perf_counter()
        linker = OperatorLinker().fit(tables)
        linking = time.perf_counter() - start
        peak_linking = peak_mb()
        edges = backend.fetch(
            "SELECT a.account_id, a.kind || ':' || a.artifact AS artifact FROM account_artifacts a "
            "JOIN artifact_degrees d ON a.kind = d.kind AND a.artifact = d.artifact "
            "WHERE NOT d.is_hub AND d.n_accounts >= 2",
            "benchmark edges",
        )
        full = backend.fetch(
            "SELECT account_id, kind || ':' || artifact AS artifact, kind, share, epoch_us(first_seen) AS f, "
            "epoch_us(last_seen) AS l FROM account_artifacts",
            "all edges",
        )
    from marketguard.graph import encode

    acc, _ = encode(edges.column("account_id"))
    art, _ = encode(edges.column("artifact"))
    n_acc, n_art = int(acc.max()) + 1, int(art.max()) + 1
    start = time.perf_counter()
    graph = coo_matrix((np.ones(acc.size, np.int8), (acc, art + n_acc)), shape=(n_acc + n_art,) * 2).tocsr()
    connected_components(graph, directed=False)
    bare = time.perf_counter() - start
    full_acc, _ = encode(full.column("account_id"))
    full_art, _ = encode(full.column("artifact"))
    kind_codes = {k: i for i, k in enumerate(KIND_WEIGHTS)}
    evidence = {
        "account": full_acc,
        "artifact": full_art,
        "kind": np.array([kind_codes[k] for k in full.column("kind").to_pylist()], dtype=np.int8),
        "share": full.column("share").to_numpy(),
        "first": full.column("f").to_numpy(),
        "last": full.column("l").to_numpy(),
    }
    del full
    offset = int(full_acc.max()) + 1
    shape = (offset + int(full_art.max()) + 1,) * 2
    start = time.perf_counter()
    graph = coo_matrix((np.ones(full_acc.size, np.int8), (full_acc, full_art + offset)), shape=shape).tocsr()
    connected_components(graph, directed=False)
    bare_full = time.perf_counter() - start
    common = {
        "bench": "linking",
        "stores": args.stores,
        "accounts": n_accounts,
        "logins": n_logins,
        "edges": int(acc.size),
    }
    print(
        json.dumps(
            {
                **common,
                "name": "linking",
                "seconds": round(linking, 2),
                "logins_per_s": round(n_logins / linking),
                "edges_per_s": round(acc.size / linking),
                "peak_rss_mb": peak_linking,
                "networks": len(set(linker.assignments_.column("network_id"))),
                "target_peak_mb": 4096,
            }
        )
    )
    print(
        json.dumps(
            {
                **common,
                "name": "bare_scipy_components",
                "seconds": round(bare, 3),
                "ratio_linking_over_bare": round(linking / bare, 1),
                "target_ratio": 3.0,
            }
        )
    )
    print(
        json.dumps(
            {
                **common,
                "name": "bare_scipy_components_all_edges",
                "edges_all": int(full_acc.size),
                "seconds": round(bare_full, 3),
                "ratio_linking_over_bare": round(linking / bare_full, 1),
                "target_ratio": 3.0,
            }
        )
    )
    if not args.skip_networkx:
        start = time.perf_counter()
        n_networks = networkx_linking(evidence)
        naive = time.perf_counter() - start
        print(
            json.dumps(
                {
                    **common,
                    "name": "networkx_linking",
                    "seconds": round(naive, 2),
                    "networks_with_two_or_more_accounts": n_networks,
                    "ratio_networkx_over_linking": round(naive / linking, 2),
                    "target_ratio": 20.0,
                }
            )
        )


def networkx_linking(evidence: dict[str, np.ndarray], threshold: float = 0.5, max_size: int = 60) -> int:
    """A straightforward Python + networkx version of the same linking, for the speed reference: degrees,
    per-artifact pair weights in Python loops, a networkx graph of strong pairs, components, Louvain for the
    oversized ones. Same weights as the SQL (share, specificity, time), accumulated in a dict."""
    import math
    from collections import defaultdict

    import networkx as nx

    from marketguard.features.evidence import KIND_WEIGHTS

    kinds = list(KIND_WEIGHTS)
    art, acc, kind = evidence["artifact"], evidence["account"], evidence["kind"]
    degree = np.bincount(art)
    order = np.argsort(art, kind="stable")
    starts = np.flatnonzero(np.r_[True, art[order][1:] != art[order][:-1]])
    stops = np.r_[starts[1:], order.size]
    logs: dict[tuple[int, int], float] = defaultdict(float)
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        rows = order[start:stop]
        n = int(degree[art[rows[0]]])
        kw = KIND_WEIGHTS[kinds[kind[rows[0]]]]
        if n < 2 or n > kw.max_degree:
            continue
        for x in range(len(rows)):
            for y in range(x + 1, len(rows)):
                a, b = rows[x], rows[y]
                share = min(evidence["share"][a], evidence["share"][b])
                gap = max(
                    0.0,
                    (
                        max(evidence["first"][a], evidence["first"][b])
                        - min(evidence["last"][a], evidence["last"][b])
                    )
                    / 86_400_000_000,
                )
                weight = (
                    kw.weight
                    / (1 + (n - 2) / kw.half_degree)
                    * min(1.0, share / 0.2)
                    * max(0.3, 1.0 - gap / 365.0)
                )
                key = (int(min(acc[a], acc[b])), int(max(acc[a], acc[b])))
                logs[key] += math.log(1.0 - min(weight, 0.999))
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        (a, b, 1 - math.exp(t)) for (a, b), t in logs.items() if 1 - math.exp(t) >= threshold
    )
    networks = 0
    for component in nx.connected_components(graph):
        if len(component) > max_size:
            networks += len(
                nx.community.louvain_communities(graph.subgraph(component), weight="weight", seed=0)
            )
        else:
            networks += 1
    return networks


if __name__ == "__main__":
    main()
