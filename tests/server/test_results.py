"""The server's read side: a scan's results searched by exact term, and networks' evidence kept encoded."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from marketguard.server.results import EncodedEvidence, IndexedResults


def test_search_is_exact_ordered_by_kind_network_and_id_and_bounded(scanned: Path) -> None:
    results = IndexedResults(scanned)
    links = results.query("SELECT artifact, kind, network_id FROM links ORDER BY artifact LIMIT 1", [])
    artifact = links[0]["artifact"]
    hits = results.search(artifact)
    assert {"kind": links[0]["kind"], "id": artifact, "network_id": links[0]["network_id"]} in hits
    assert all(h["id"] == artifact for h in hits)
    keys = [(h["kind"], h["network_id"] is None, h["network_id"] or "", h["id"]) for h in hits]
    assert keys == sorted(keys)
    # every sampled store is found, once, with its network, as SQL over the file says
    stores = duckdb.sql(
        f"SELECT store_id, network_id FROM '{scanned / 'store_scores.parquet'}' ORDER BY store_id"
    ).fetchall()
    for store, network in stores[:: max(1, len(stores) // 40)]:
        assert results.search(store, ("store",)) == [{"kind": "store", "id": store, "network_id": network}]
    assert all(h["id"] != artifact for h in results.search(artifact[:-1]))  # exact, not a prefix
    assert results.search("") == [] and results.search("\uffff" * 3) == []
    assert len(results.search(artifact, limit=1)) == 1
    assert results.search(artifact, kinds=("declaration",)) == []


def test_evidence_is_built_once_and_kept_within_its_budget() -> None:
    built: list[str] = []

    def build(name: str) -> dict[str, object]:
        built.append(name)
        return {"network_id": name, "rows": ["x" * 100]}

    kept = EncodedEvidence(max_bytes=300)
    first = kept.get(("s", "a"), lambda: build("a"))
    assert json.loads(first) == {"network_id": "a", "rows": ["x" * 100]}
    assert kept.get(("s", "a"), lambda: build("a")) is first and built == ["a"]
    kept.get(("s", "b"), lambda: build("b"))
    kept.get(("s", "a"), lambda: build("a"))  # a is now the most recently used
    kept.get(("s", "c"), lambda: build("c"))  # over 300 bytes: b, the least recently used, goes
    assert kept.kept(("s", "a")) is not None and kept.kept(("s", "b")) is None
    assert built == ["a", "b", "c"]
    huge = EncodedEvidence(max_bytes=10)
    huge.get(("s", "a"), lambda: build("a"))  # bigger than the whole budget: answered, not kept
    assert huge.kept(("s", "a")) is None
