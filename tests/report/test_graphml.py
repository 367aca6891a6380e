"""GraphML export: typed keys, the expected nodes and edges, readable by xml.etree and networkx."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx

from marketguard.report import write_graphml
from marketguard.report.graphml import KEYS

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def _data(element: ET.Element) -> dict[str, str]:
    return {d.get("key", ""): d.text or "" for d in element.findall("g:data", NS)}


def test_graphml_nodes_edges_and_keys(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.graphml"
    write_graphml(results, "N-A1", out)
    root = ET.parse(out).getroot()
    declared = {
        k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in root.findall("g:key", NS)
    }
    assert len(declared) == len(KEYS)
    nodes = root.findall("g:graph/g:node", NS)
    edges = root.findall("g:graph/g:edge", NS)
    used = {key for element in nodes + edges for key in _data(element)}
    assert used <= set(declared)
    # network + 3 accounts + 3 artifacts + 3 stores + 3 sites + 2 parties (party A2 is the account node)
    assert Counter(_data(n)["n_type"] for n in nodes) == {
        "network": 1,
        "account": 3,
        "artifact": 3,
        "store": 3,
        "site": 3,
        "party": 2,
    }
    assert Counter(_data(e)["e_type"] for e in edges) == {
        "member": 3,
        "uses": 7,
        "owns": 3,
        "ships_from": 3,
        "pays": 3,
        "forwards": 1,  # the collector pays the supplier
    }
    ids = {n.get("id") for n in nodes}
    assert {"account:A2", "artifact:device:dev1", "site:SITE-1", "party:BANK-COLLECT-1"} <= ids
    assert "party:A2" not in ids
    pays = [e for e in edges if _data(e)["e_type"] == "pays" and e.get("target") == "account:A2"]
    assert len(pays) == 1 and _data(pays[0])["e_amount"] == "300.0" and _data(pays[0])["e_hops"] == "1"
    forwards = [e for e in edges if _data(e)["e_type"] == "forwards"]
    assert [(e.get("source"), e.get("target")) for e in forwards] == [
        ("party:BANK-COLLECT-1", "party:SUPPLIER-77")
    ]
    supplier = [e for e in edges if _data(e)["e_type"] == "pays" and e.get("target") == "party:SUPPLIER-77"]
    assert (_data(supplier[0])["e_via"], _data(supplier[0])["e_median_delay_days"]) == (
        "BANK-COLLECT-1",
        "20.0",
    )


def test_graphml_loads_in_networkx_with_typed_attributes(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.graphml"
    write_graphml(results, "N-A1", out)
    graph = nx.read_graphml(out)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (15, 20)
    uses = [d for _, _, d in graph.edges(data=True) if d["type"] == "uses"]
    assert all(isinstance(d["weight"], float) and isinstance(d["n_events"], int) for d in uses)
    assert sorted(d["n_events"] for d in uses if d["kind"] == "device") == [6, 6, 8]
    site = graph.nodes["site:SITE-1"]
    assert (site["lat"], site["lon"], site["rank"]) == (22.6, 113.85, 1)
    assert "lat" not in graph.nodes["site:SITE-3"]  # unknown coordinates are left out, not zero
