"""A case as GraphML, for Gephi, Cytoscape, i2-style link-analysis tools and networkx.

Nodes: the network, its accounts, the artifacts they share (``kind:value``), its stores, sites and money
parties. Edges: ``member`` (network -> account), ``uses`` (account -> artifact: kind, n_events, first/last seen,
weight), ``owns`` (account -> store), ``ships_from`` (network -> site: parcels, share), ``pays`` (network ->
party: amount, hops, via) and ``forwards`` (party -> party, along each party's main path). A party that is one of the network's accounts or shared bank accounts is that node, not a
copy, so money and identity evidence meet in one graph. Every attribute is declared with a typed ``<key>``;
``weight`` is set on every edge because Gephi reads it for layouts. Standard library only.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from marketguard.report.case import build_case
from marketguard.report.evidence import artifact_key

_NS = "http://graphml.graphdrawing.org/xmlns"

#: (domain, name) -> GraphML type; the key id is ``<domain[0]>_<name>`` (n_score, e_weight).
KEYS: dict[tuple[str, str], str] = {
    **{
        ("node", name): kind
        for name, kind in {
            "type": "string",
            "label": "string",
            "kind": "string",
            "value": "string",
            "score": "double",
            "rank": "long",
            "n_accounts": "long",
            "n_sharing": "long",
            "address": "string",
            "lat": "double",
            "lon": "double",
            "n_shipments": "long",
            "share": "double",
            "exclusivity": "double",
            "role": "string",
            "hops": "long",
            "amount": "double",
            "longest_hops": "long",
            "active_share": "double",
            "median_delay_days": "double",
        }.items()
    },
    **{
        ("edge", name): kind
        for name, kind in {
            "type": "string",
            "kind": "string",
            "n_events": "long",
            "first_seen": "string",
            "last_seen": "string",
            "weight": "double",
            "parcels": "long",
            "share": "double",
            "amount": "double",
            "hops": "long",
            "n_transfers": "long",
            "role": "string",
            "via": "string",
            "median_delay_days": "double",
        }.items()
    },
}

_DESCRIPTIONS = {
    ("edge", "n_events"): "uses: events of the account and its least active link partner on the artifact (an "
    "upper bound of the account's own; results hold pair totals)",
    ("edge", "weight"): "uses: strongest link weight through the artifact; ships_from, pays: share; else 1",
    ("node", "n_sharing"): "accounts of the whole scan sharing the artifact",
    ("node", "n_accounts"): "accounts of this network using the artifact",
    ("edge", "via"): "pays: accounts between the store accounts and the party on its main path, ' > ' apart",
}


def _key_id(domain: str, name: str) -> str:
    return f"{domain[0]}_{name}"


class _Builder:
    """Accumulates nodes and edges with typed data, skipping nulls (GraphML's way to say unknown)."""

    def __init__(self, network_id: str) -> None:
        self.root = ET.Element("graphml", xmlns=_NS)
        for (domain, name), kind in KEYS.items():
            key = ET.SubElement(
                self.root,
                "key",
                {"id": _key_id(domain, name), "for": domain, "attr.name": name, "attr.type": kind},
            )
            if (domain, name) in _DESCRIPTIONS:
                ET.SubElement(key, "desc").text = _DESCRIPTIONS[(domain, name)]
        self.graph = ET.SubElement(self.root, "graph", id=network_id, edgedefault="directed")
        self.nodes: set[str] = set()
        self.n_edges = 0

    def _data(self, parent: ET.Element, domain: str, attrs: dict[str, Any]) -> None:
        for name, value in attrs.items():
            if value is None:
                continue
            kind = KEYS[(domain, name)]
            text = (
                repr(float(value)) if kind == "double" else str(int(value)) if kind == "long" else str(value)
            )
            ET.SubElement(parent, "data", key=_key_id(domain, name)).text = text

    def node(self, node_id: str, **attrs: Any) -> None:
        if node_id in self.nodes:
            return
        self.nodes.add(node_id)
        self._data(ET.SubElement(self.graph, "node", id=node_id), "node", attrs)

    def edge(self, source: str, target: str, **attrs: Any) -> None:
        edge = ET.SubElement(self.graph, "edge", id=f"e{self.n_edges}", source=source, target=target)
        self.n_edges += 1
        self._data(edge, "edge", attrs)


def _evidence(b: _Builder, case: dict[str, Any], network: str) -> None:
    for acc in case["accounts"]:
        b.node(f"account:{acc['account_id']}", type="account", label=acc["account_id"])
        b.edge(network, f"account:{acc['account_id']}", type="member", weight=1.0)
    for art in case["artifacts"]:
        b.node(
            f"artifact:{art['key']}",
            type="artifact",
            label=art["key"],
            kind=art["kind"],
            value=art["artifact"],
            n_accounts=art["n_accounts"],
            n_sharing=art["n_sharing"],
        )
    for use in case["uses"]:
        b.edge(
            f"account:{use['account_id']}",
            f"artifact:{artifact_key(use['kind'], use['artifact'])}",
            type="uses",
            kind=use["kind"],
            n_events=use["n_events"],
            first_seen=use["first_seen"],
            last_seen=use["last_seen"],
            weight=use["weight"],
        )
    for store in case["stores"]:
        b.node(
            f"store:{store['store_id']}",
            type="store",
            label=store["store_id"],
            score=store["score"],
            rank=store["rank"],
        )
        if store.get("account_id"):
            b.node(f"account:{store['account_id']}", type="account", label=store["account_id"])
            b.edge(f"account:{store['account_id']}", f"store:{store['store_id']}", type="owns", weight=1.0)


def _trace(b: _Builder, case: dict[str, Any], network: str) -> None:
    for site in case["sites"] or []:
        node = f"site:{site['site_id']}"
        b.node(
            node,
            type="site",
            label=site["address"],
            address=site["address"],
            rank=site["rank"],
            lat=site["lat"],
            lon=site["lon"],
            n_shipments=site["n_shipments"],
            share=site["share"],
            exclusivity=site["exclusivity"],
            score=site["score"],
        )
        b.edge(
            network,
            node,
            type="ships_from",
            parcels=site["n_shipments"],
            share=site["share"],
            weight=site["share"],
        )
    nodes: dict[str, str] = {}
    for party in case["money"] or []:
        node = next(
            (
                n
                for n in (f"account:{party['party']}", f"artifact:bank_account:{party['party']}")
                if n in b.nodes
            ),
            f"party:{party['party']}",
        )
        nodes[party["party"]] = node
        b.node(
            node,
            type="party",
            label=party["party"],
            role=party["role"],
            rank=party["rank"],
            hops=party["hops"],
            amount=party["amount"],
            share=party["share"],
            longest_hops=party.get("longest_hops"),
            active_share=party.get("active_share"),
            median_delay_days=party.get("median_delay_days"),
        )
        via = party.get("via")
        b.edge(
            network,
            node,
            type="pays",
            amount=party["amount"],
            hops=party["hops"],
            share=party["share"],
            n_transfers=party["n_transfers"],
            role=party["role"],
            via=None if via is None else " > ".join(via),
            median_delay_days=party.get("median_delay_days"),
            weight=party["share"],
        )
    _chains(b, case["money"] or [], nodes)


def _chains(b: _Builder, money: list[dict[str, Any]], nodes: dict[str, str]) -> None:
    """``forwards`` edges along each party's main path, once per pair of parties the case holds."""
    seen: set[tuple[str, str]] = set()
    for party in money:
        path = [*(party.get("via") or []), party["party"]] if party.get("via") else []
        for a, c in itertools.pairwise(path):
            if a in nodes and c in nodes and (a, c) not in seen:
                seen.add((a, c))
                b.edge(nodes[a], nodes[c], type="forwards", weight=1.0)


def render_graphml(case: dict[str, Any]) -> str:
    """The case (from :func:`marketguard.report.build_case`) as a GraphML document."""
    b = _Builder(case["network_id"])
    network = f"network:{case['network_id']}"
    b.node(network, type="network", label=case["network_id"], score=case["score"])
    _evidence(b, case, network)
    _trace(b, case, network)
    ET.indent(b.root)
    return ET.tostring(b.root, encoding="unicode", xml_declaration=True) + "\n"


def write_graphml(results: Path, network_id: str, out: Path) -> None:
    """Write network ``network_id`` of the results directory ``results`` as GraphML to ``out``."""
    Path(out).write_text(render_graphml(build_case(results, network_id)), encoding="utf-8")
