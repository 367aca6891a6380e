"""Tying exporters to networks through the freight forwarders they share: the goods, not the contact.

A careful front company files its exports through a freight forwarder, under the forwarder's desk phone or
warehouse address, and the same forwarder often collects the operator's marketplace parcels. Those contacts are
hubs: a forwarder's parcels are several networks' and many honest stores', its declarations many exporters'; a
contact no network holds half the parcels of ties nobody (the customs screener's own phones and sites leave it
out). What the forwarder does give is the candidates, the networks whose parcels it ships; what picks one is the
goods: a front declares its network's goods again and again, an honest exporter's goods are its own.

For an exporter with a declaration under a hub contact (its exporter phone is a hub's sender phone, or its
exporter address has the address key of a hub's parcel origin), each network the exporter's hub contacts ship
for is weighed by the brands of all the exporter's branded declarations: the log-likelihood ratio of drawing them
from the network's catalogue (its stores' listings per brand, with one pseudo-listing spread as the other
exporters' mix, so that a brand the network does not list is unlikely, not impossible) against drawing them as
the other exporters of the batch declare (add-one smoothed over the brands). The exporter is tied to the best
network when that ratio is at least ``1 / MAX_CHANCE`` above both the other exporters' mix and the next
candidate network, over at least ``min_declarations`` branded declarations.

Limits: an honest exporter of a brand few other exporters declare, filing through the forwarder of a network
that lists mostly that brand, looks like its front; and a front whose own network is not among its forwarder's
(a second front using another forwarder, or stores the linker left out) may be tied to another network that
lists the same goods: a counterfeit declaration still, but the wrong operator (the reason says which goods).

Every declaration of a tied exporter (company name key, :func:`exporter_key`; the key a clerk wrote without the
city counts as the one key with it) that nothing else ties gets the tie, with its reason: "filed through forwarder
contact '..' (parcels of 17 networks and 16 other stores), which ships network N's parcels too; the brands of its
9 branded declarations (Lira 5, Risa 4) are 10^6 times likelier drawn from N's catalogue than as the other
exporters declare, 10^4 times likelier than from the next network's (M)".

Requires the customs screener's tables: ``declarations`` (with brand), ``shipments``, ``orders``, ``listings``,
``stores`` and ``account_networks``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import pyarrow as pa

from marketguard.detect.exporter_matching import city_aliases, exporter_key, quoted
from marketguard.detect.exporter_ties import ExporterLink, tie_one_untied, tie_untied
from marketguard.engine.tables import Tables
from marketguard.features.addresses import normalise_address
from marketguard.sentences import plural

__all__ = ["ForwarderTie", "forwarder_ties", "with_forwarder_tie", "with_forwarder_ties"]

#: Least branded declarations of an exporter to weigh: one declaration is one draw, and a rare brand makes any
#: single one look like its only seller's.
MIN_DECLARATIONS = 2
#: The likelihood ratio a tie needs is ``1 / MAX_CHANCE``, against the other exporters' goods and against the
#: next network's: a thousand to one, ten times past what Jeffreys' scale calls decisive (100:1), because an
#: exporter is weighed against every network its forwarder ships for (tens at a big forwarder) and a wrong tie
#: names an operator.
MAX_CHANCE = 1e-3
#: Characters of a contact quoted in a reason; brands named in a reason.
SHOWN_CHARS = 64
SHOWN_BRANDS = 3

_PARCELS = (
    "SELECT an.network_id, s.store_id, l.brand, sh.sender_phone, sh.origin_address "
    "FROM shipments sh JOIN orders o ON sh.order_id = o.order_id "
    "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
    "LEFT JOIN account_networks an ON s.account_id = an.account_id"
)

#: Each network's catalogue: its stores' listings per brand, the goods its sites make whether or not they sell
#: (a front exports the goods, not the best sellers).
_BRAND_MIX = (
    "SELECT an.network_id, l.brand, count(*) AS listings FROM listings l "
    "JOIN stores s ON l.store_id = s.store_id JOIN account_networks an ON s.account_id = an.account_id "
    "WHERE l.brand IS NOT NULL AND l.brand <> '' GROUP BY 1, 2 ORDER BY 1, 2"
)


def _hub_parcels(col: str, declared: str | None = None) -> str:
    """(value, network_id, parcels, stores) for each contact in ``col`` that carries network parcels but that no
    network holds half the parcels of; a null network_id's row counts the other stores' parcels and stores.
    ``declared``: the declarations' column whose values alone can match (an exact match reads only those)."""
    only = f" AND {col} IN (SELECT {declared} FROM declarations)" if declared else ""
    return (
        f"WITH p AS ({_PARCELS}), "
        f"c AS (SELECT {col} AS value, network_id, count(*) AS n, count(DISTINCT store_id) AS stores FROM p "
        f"WHERE {col} IS NOT NULL AND {col} <> ''{only} GROUP BY 1, 2), "
        "h AS (SELECT value FROM c GROUP BY value HAVING count(network_id) > 0 "
        "AND max(CASE WHEN network_id IS NOT NULL THEN 2 * n ELSE 0 END) < sum(n)) "
        "SELECT c.value, c.network_id, c.n AS parcels, c.stores FROM c JOIN h ON c.value = h.value ORDER BY 1, 2"
    )


@dataclass(frozen=True)
class _Contact:
    """One hub contact: what it says in a reason and the networks whose parcels it ships."""

    shown: str
    networks: frozenset[str]


class ForwarderTie(NamedTuple):
    """An exporter's tie through forwarders: the network and the reason."""

    network_id: str
    evidence: str


def _contacts(tables: Tables, col: str, key: str) -> dict[str, _Contact]:
    """Hub contacts of parcel column ``col`` by ``key`` (``"phone"``: as written, so only the declarations'
    phones are read; ``"address"``: address key, which any written form may have)."""
    networks: dict[str, set[str]] = defaultdict(set)
    stores: Counter[str] = Counter()
    first: dict[str, str] = {}
    sql = _hub_parcels(col, "exporter_phone" if key == "phone" else None)
    for r in tables.fetch(sql, f"forwarder contacts ({col})").to_pylist():
        k = r["value"] if key == "phone" else normalise_address(r["value"]).text
        if not k:
            continue
        first.setdefault(k, r["value"])
        if r["network_id"] is None:
            stores[k] += r["stores"]
        else:
            networks[k].add(r["network_id"])
    out = {}
    for k, found in networks.items():
        said = f"'{quoted(first[k], SHOWN_CHARS)}' (parcels of {plural(len(found), 'network')} and {plural(stores[k], 'other store')})"
        out[k] = _Contact(said, frozenset(found))
    return out


def forwarder_ties(
    tables: Tables, declarations: pa.Table, exporters: list[str], min_declarations: int = MIN_DECLARATIONS
) -> dict[str, ForwarderTie]:
    """Exporter name key (:func:`exporter_key`) -> its tie through forwarders, for the exporters tied.
    ``declarations``: the batch (exporter_phone, exporter_address, brand), row-aligned with ``exporters``, its
    exporters' keys."""
    if not tables.has("shipments", "orders", "listings", "stores") or not (
        tables.backend.table_exists("account_networks")
    ):
        return {}
    phones = _contacts(tables, "sender_phone", "phone")
    addresses = _contacts(tables, "origin_address", "address")
    if not phones and not addresses:
        return {}
    address_keys: dict[str, str] = {}
    brands: dict[str, Counter[str]] = defaultdict(Counter)
    through: dict[str, Counter[_Contact]] = defaultdict(Counter)
    aliases = city_aliases(exporters)
    rows = declarations.select(["exporter_phone", "exporter_address", "brand"]).to_pylist()
    for d, key in zip(rows, exporters, strict=True):
        exporter = aliases.get(key, key)
        if d["brand"]:
            brands[exporter][d["brand"]] += 1
        if d["exporter_phone"] in phones:
            through[exporter][phones[d["exporter_phone"]]] += 1
        address = d["exporter_address"]
        if address:
            if address not in address_keys:
                address_keys[address] = normalise_address(address).text
            if address_keys[address] in addresses:
                through[exporter][addresses[address_keys[address]]] += 1
    mix = _brand_mix(tables, {n for c in through.values() for contact in c for n in contact.networks})
    ties = _ties(brands, through, mix, min_declarations)
    return ties | {alias: ties[key] for alias, key in aliases.items() if key in ties}


def _brand_mix(tables: Tables, networks: set[str]) -> dict[str, Counter[str]]:
    mix: dict[str, Counter[str]] = defaultdict(Counter)
    for r in tables.fetch(_BRAND_MIX, "brand mix of networks").to_pylist():
        if r["network_id"] in networks:
            mix[r["network_id"]][r["brand"]] += r["listings"]
    return mix


def _ties(
    brands: dict[str, Counter[str]],
    through: dict[str, Counter[_Contact]],
    mix: dict[str, Counter[str]],
    min_declarations: int,
) -> dict[str, ForwarderTie]:
    """The exporters whose goods one network at their forwarders explains a thousand times better than the other
    exporters' goods and the next network's."""
    everyone: Counter[str] = Counter()
    for counts in brands.values():
        everyone.update(counts)
    vocabulary = len(set(everyone) | {b for m in mix.values() for b in m})
    declared = sum(everyone.values())
    listed = {network: sum(goods.values()) for network, goods in mix.items()}
    needed = math.log(1 / MAX_CHANCE)
    ties = {}
    for exporter, contacts in through.items():
        own = brands.get(exporter, Counter())
        n = sum(own.values())
        if n < min_declarations:
            continue
        chance = {b: (everyone[b] - k + 1) / (declared - n + vocabulary) for b, k in own.items()}
        weighed = []
        for network in sorted({nw for c in contacts for nw in c.networks}):
            goods, total = mix.get(network, Counter()), listed.get(network, 0)
            llr = sum(k * math.log((goods[b] + chance[b]) / (total + 1) / chance[b]) for b, k in own.items())
            weighed.append((llr, network))
        if not weighed:
            continue
        weighed.sort(key=lambda x: (-x[0], x[1]))
        best, network = weighed[0]
        runner = weighed[1] if len(weighed) > 1 else None
        if best - max(runner[0] if runner else 0.0, 0.0) < needed:
            continue
        contact = max((c for c in contacts if network in c.networks), key=lambda c: (contacts[c], c.shown))
        shown = ", ".join(
            f"{b} {k}" for b, k in sorted(own.items(), key=lambda x: (-x[1], x[0]))[:SHOWN_BRANDS]
        )
        more = ", ..." if len(own) > SHOWN_BRANDS else ""
        reason = (
            f"filed through forwarder contact {contact.shown}, which ships network {network}'s parcels too; the "
            f"brands of its {plural(n, 'branded declaration')} ({shown}{more}) are {_times(best)} likelier drawn "
            f"from {network}'s catalogue than as the other exporters declare"
        )
        if runner is not None:
            reason += f", {_times(best - runner[0])} likelier than from the next network's ({runner[1]})"
        ties[exporter] = ForwarderTie(network, reason)
    return ties


def _times(llr: float) -> str:
    """A likelihood ratio as a reason says it: "2,400 times", or "10^12 times" past a million."""
    return f"{math.exp(llr):,.0f} times" if llr < math.log(1e6) else f"10^{llr / math.log(10):.0f} times"


def with_forwarder_ties(links: pa.Table, exporters: list[str], ties: dict[str, ForwarderTie]) -> pa.Table:
    """``links`` (the exporter index's, row-aligned with ``exporters``, their :func:`exporter_key` keys) with the
    untied rows of tied exporters tied through forwarders."""
    return tie_untied(links, [ties.get(k) for k in exporters], "forwarder_match")


def with_forwarder_tie(
    link: ExporterLink, exporter: str | None, ties: dict[str, ForwarderTie]
) -> ExporterLink:
    """One declaration's link (:meth:`ExporterIndex.link_one`), tied through forwarders when nothing else ties
    it and its exporter was tied so in the fitted batch."""
    return tie_one_untied(link, ties.get(exporter_key(exporter)), "forwarder_match")
