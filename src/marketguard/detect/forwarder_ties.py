"""Tying exporters to networks through the freight forwarders they share: the goods, not the contact.

A careful front company files its exports through a freight forwarder, under the forwarder's desk phone or
warehouse address, and the same forwarder often collects the operator's marketplace parcels. Those contacts are
hubs: a forwarder's parcels are several networks' and many honest stores', its declarations many exporters'; a
contact no network holds half the parcels of ties nobody (the customs screener's own phones and sites leave them
out). What narrows a hub is the goods, and what separates a front from an honest exporter using the same
forwarder is consistency:

1. A declaration's *pointer*: its exporter phone is a hub's sender phone, or its exporter address has the
   address key of a hub's parcel origin, and among that contact's parcels of the declared brand one network
   ships at least half (the same half rule that makes a contact a network's own, applied to one brand). A
   declaration without a brand, or through a contact whose parcels of that brand no network dominates, points
   nowhere.
2. An exporter's tie: at least ``min_declarations`` of its declarations point at network N (one pointer is a
   coincidence any brand the network sells can make) and they are more than half of its declarations that
   carry a brand and a hub contact. A front declares its network's goods again and again; an honest exporter's
   brands meet a network's at its forwarder only by chance, and rarely most of the time.

Every declaration of a tied exporter (company name key, :func:`exporter_key`) that nothing else ties gets the
tie, with its reason: "filed through forwarder contact <c> (parcels of 12 networks and 85 other stores); 7 of its
9 branded declarations through forwarders are goods network N ships most of there".

Requires the customs screener's tables: ``declarations`` (with brand), ``shipments``, ``orders``, ``listings``,
``stores`` and ``account_networks``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
from scipy.stats import binom

from marketguard.detect.exporter_matching import exporter_key
from marketguard.detect.exporter_ties import ExporterLink
from marketguard.engine.tables import Tables
from marketguard.features.addresses import normalise_address
from marketguard.sentences import plural

__all__ = ["ForwarderTie", "forwarder_ties", "with_forwarder_tie", "with_forwarder_ties"]

#: Least declarations of one exporter pointing at one network for a tie: one is a coincidence any brand the
#: network sells can make at a forwarder it uses; two independent ones of the same network are not.
MIN_DECLARATIONS = 2
#: Most probability that an exporter whose goods are unrelated to the network's would point at it as often
#: (binomial, at the rate of the other exporters' declarations at the same contacts): about one false tie per
#: thousand honest exporters filing through forwarders, a few in a market of a million stores.
MAX_CHANCE = 1e-3
#: Characters of a contact quoted in a reason.
SHOWN_CHARS = 64

_PARCELS = (
    "SELECT an.network_id, s.store_id, l.brand, sh.sender_phone, sh.origin_address "
    "FROM shipments sh JOIN orders o ON sh.order_id = o.order_id "
    "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
    "LEFT JOIN account_networks an ON s.account_id = an.account_id"
)


def _hub_parcels(col: str) -> str:
    """(value, brand, network_id, parcels, networks, stores, total) for each contact in ``col`` that carries
    network parcels but that no network holds half the parcels of."""
    return (
        f"WITH p AS ({_PARCELS}), "
        f"c AS (SELECT {col} AS value, network_id, count(*) AS n FROM p "
        f"WHERE {col} IS NOT NULL AND {col} <> '' GROUP BY 1, 2), "
        "h AS (SELECT value, sum(n) AS total, count(network_id) AS networks FROM c GROUP BY value "
        "HAVING count(network_id) > 0 AND max(CASE WHEN network_id IS NOT NULL THEN 2 * n ELSE 0 END) < sum(n)), "
        "st AS (SELECT p.value, count(DISTINCT p.store_id) AS stores FROM "
        f"(SELECT {col} AS value, store_id FROM p WHERE network_id IS NULL) p JOIN h ON p.value = h.value "
        "GROUP BY 1) "
        f"SELECT p.{col} AS value, p.brand, p.network_id, count(*) AS parcels, h.networks, "
        "coalesce(st.stores, 0) AS stores, h.total FROM p JOIN h ON p.{col} = h.value "
        "LEFT JOIN st ON h.value = st.value WHERE p.brand IS NOT NULL AND p.brand <> '' "
        "GROUP BY p.{col}, p.brand, p.network_id, h.networks, st.stores, h.total ORDER BY 1, 2, 3"
    ).replace("{col}", col)


@dataclass(frozen=True)
class _Contact:
    """One hub contact: what it says in a reason and, per brand, the network shipping at least half of it."""

    shown: str
    leader: dict[str, tuple[str, int, int]]  # brand -> (network, its parcels, all parcels of the brand)


@dataclass(frozen=True)
class ForwarderTie:
    """An exporter's tie through forwarders: the network and the reason."""

    network_id: str
    evidence: str


def _contacts(tables: Tables, col: str, key: str) -> dict[str, _Contact]:
    """Hub contacts of parcel column ``col`` by ``key`` (``"phone"``: as written; ``"address"``: address key)."""
    rows = tables.fetch(_hub_parcels(col), f"forwarder contacts ({col})").to_pylist()
    counts: dict[str, dict[str, Counter[str | None]]] = defaultdict(lambda: defaultdict(Counter))
    about: dict[str, tuple[str, int, int]] = {}
    for r in rows:
        k = r["value"] if key == "phone" else normalise_address(r["value"]).text
        if not k:
            continue
        counts[k][r["brand"]][r["network_id"]] += r["parcels"]
        networks, stores = about.get(k, (r["value"], 0, 0))[1:]
        about[k] = (about.get(k, (r["value"],))[0], max(networks, r["networks"]), max(stores, r["stores"]))
    out: dict[str, _Contact] = {}
    for k, brands in counts.items():
        leader = {}
        for brand, by_network in brands.items():
            total = sum(by_network.values())
            network, n = max(
                ((nw, n) for nw, n in by_network.items() if nw is not None),
                key=lambda x: (x[1], x[0]),
                default=(None, 0),
            )
            if network is not None and 2 * n >= total:
                leader[brand] = (network, n, total)
        shown, networks, stores = about[k]
        text = shown if len(shown) <= SHOWN_CHARS else shown[: SHOWN_CHARS - 1] + "…"
        out[k] = _Contact(
            f"'{text}' (parcels of {plural(networks, 'network')} and {plural(stores, 'other store')})", leader
        )
    return out


def forwarder_ties(tables: Tables, min_declarations: int = MIN_DECLARATIONS) -> dict[str, ForwarderTie]:
    """Exporter name key (:func:`exporter_key`) -> its tie through forwarders, for the exporters tied."""
    if not tables.has("declarations", "shipments", "orders", "listings", "stores") or not (
        tables.backend.table_exists("account_networks")
    ):
        return {}
    phones = _contacts(tables, "sender_phone", "phone")
    addresses = _contacts(tables, "origin_address", "address")
    if not phones and not addresses:
        return {}
    declarations = tables.fetch(
        "SELECT exporter, exporter_phone, exporter_address, brand FROM declarations ORDER BY declaration_id",
        "declarations through forwarders",
    ).to_pylist()
    address_keys: dict[str, str] = {}
    seen: list[tuple[str, str, str | None]] = []  # (exporter, contact, network pointed at) per declaration
    shown: dict[str, str] = {}
    for d in declarations:
        hubs = []
        if d["exporter_phone"] in phones:
            hubs.append(f"phone|{d['exporter_phone']}")
        address = d["exporter_address"]
        if address:
            if address not in address_keys:
                address_keys[address] = normalise_address(address).text
            if address_keys[address] in addresses:
                hubs.append(f"address|{address_keys[address]}")
        if not hubs or not d["brand"]:
            continue
        contacts = {c: (phones if c.startswith("phone|") else addresses)[c.split("|", 1)[1]] for c in hubs}
        pointer = next(
            (
                (c, k.leader[d["brand"]][0]) for c, k in contacts.items() if d["brand"] in k.leader
            ),  # phone first
            (hubs[0], None),
        )
        seen.append((exporter_key(d["exporter"]), pointer[0], pointer[1]))
        shown.setdefault(pointer[0], contacts[pointer[0]].shown)
    aliases = _city_keys(seen)
    ties = _ties([(aliases.get(k, k), c, n) for k, c, n in seen], shown, min_declarations)
    return ties | {alias: ties[key] for alias, key in aliases.items() if key in ties}


def _city_keys(seen: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """Exporter keys naming no city -> the one key of the batch with that trade name and business that names
    one (the clerk left the city out); none when no key or several do."""
    cities: dict[str, set[str]] = defaultdict(set)
    for key, _, _ in seen:
        if not key.startswith(("|", "raw|")):
            cities[key.split("|", 1)[1]].add(key)
    return {
        key: next(iter(cities[key[1:]]))
        for key, _, _ in seen
        if key.startswith("|") and len(cities.get(key[1:], ())) == 1
    }


def _ties(
    seen: list[tuple[str, str, str | None]], shown: dict[str, str], min_declarations: int
) -> dict[str, ForwarderTie]:
    """The exporters whose declarations point at one network more than chance at their contacts explains."""
    at: Counter[str] = Counter(c for _, c, _ in seen)
    at_network: Counter[tuple[str, str | None]] = Counter((c, n) for _, c, n in seen)
    by_exporter: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for exporter, contact, network in seen:
        by_exporter[exporter].append((contact, network))
    ties = {}
    for exporter, rows in by_exporter.items():
        pointers = Counter(n for _, n in rows if n is not None)
        if not pointers:
            continue
        network, k = max(pointers.items(), key=lambda x: (x[1], x[0]))
        n = len(rows)
        if k < min_declarations or 2 * k <= n:
            continue
        own = Counter(c for c, _ in rows)
        own_network = Counter(c for c, m in rows if m == network)
        others = sum(at[c] - own[c] for c in own)
        chance = sum(at_network[(c, network)] - own_network[c] for c in own) / others if others else 0.0
        if binom.sf(k - 1, n, chance) > MAX_CHANCE:
            continue
        contact = max(own_network, key=lambda c: (own_network[c], c))
        ties[exporter] = ForwarderTie(
            network,
            f"filed through forwarder contact {shown[contact]}; {k} of its {plural(n, 'branded declaration')} "
            f"through forwarders are goods network {network} ships most of there (other exporters there: "
            f"{chance:.0%})",
        )
    return ties


def with_forwarder_ties(
    links: pa.Table, exporters: pa.ChunkedArray, ties: dict[str, ForwarderTie]
) -> pa.Table:
    """``links`` (the exporter index's, row-aligned with ``exporters``) with the untied rows of tied exporters
    tied through forwarders."""
    if not ties:
        return links
    keys = [exporter_key(e) for e in exporters.to_pylist()]
    untied = links.column("network_id").is_null().to_numpy(zero_copy_only=False)
    tie = [ties.get(k) if u else None for k, u in zip(keys, untied, strict=True)]
    hit = np.array([t is not None for t in tie], dtype=bool)
    network = links.column("network_id").to_pylist()
    evidence = links.column("evidence").to_pylist()
    for i in np.flatnonzero(hit).tolist():
        network[i], evidence[i] = tie[i].network_id, [tie[i].evidence]  # type: ignore[union-attr]
    out = links.set_column(
        links.schema.get_field_index("network_id"), "network_id", pa.array(network, pa.string())
    )
    out = out.set_column(out.schema.get_field_index("forwarder_match"), "forwarder_match", pa.array(hit))
    field = out.schema.field("evidence")
    return out.set_column(out.schema.get_field_index("evidence"), field, pa.array(evidence, field.type))


def with_forwarder_tie(
    link: ExporterLink, exporter: str | None, ties: dict[str, ForwarderTie]
) -> ExporterLink:
    """One declaration's link (:meth:`ExporterIndex.link_one`), tied through forwarders when nothing else ties
    it and its exporter was tied so in the fitted batch."""
    tie = ties.get(exporter_key(exporter)) if link.network_id is None else None
    if tie is None:
        return link
    return replace(link, network_id=tie.network_id, forwarder_match=True, evidence=(tie.evidence,))
