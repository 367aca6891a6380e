"""Iterative-SQL components agree with scipy's on the same graph, and engine-side linking matches local."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from marketguard.engine import make_backend
from marketguard.graph import connected_components
from marketguard.graph.label_propagation import component_labels


def test_sql_components_equal_scipy_components() -> None:
    rng = np.random.default_rng(4)
    n = 400
    src, dst = rng.integers(0, n, 300), rng.integers(0, n, 300)
    ids = np.array([f"a{i:04d}" for i in range(n)])
    with make_backend("duckdb") as backend:
        backend.register_arrow("e", pa.table({"src": ids[src], "dst": ids[dst]}))
        component_labels(backend, "e", name="cc")
        got = backend.fetch("SELECT node, label FROM cc ORDER BY node", "labels").to_pylist()
    scipy_labels = connected_components(src, dst, n)
    in_graph = np.unique(np.concatenate([src, dst]))
    smallest = {}
    for node in in_graph:  # expected label: the smallest id in the node's scipy component
        smallest.setdefault(scipy_labels[node], ids[node])
    assert [r["node"] for r in got] == sorted(ids[in_graph].tolist())
    assert all(r["label"] == smallest[scipy_labels[int(r["node"][1:])]] for r in got)


def test_engine_side_clustering_gives_the_local_networks(small_market) -> None:
    from marketguard.contract import validate
    from marketguard.detect.operator_linking import OperatorLinker

    results = []
    for local in (True, False):
        with make_backend("duckdb") as backend:
            backend.local_graphs = local  # type: ignore[misc]  # force the engine-side path on DuckDB
            tables, _ = validate(backend, small_market)
            linker = OperatorLinker(max_network_accounts=5).fit(tables)  # small cap: Leiden runs per group
            results.append(linker.assignments_)
    assert results[0].num_rows > 0
    assert results[0].equals(results[1])
