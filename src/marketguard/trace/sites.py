"""Logistics sites: the places each network's parcels are sent from, ranked by how likely each one is the
network's own factory or warehouse.

Written origin addresses are merged into physical sites in three steps, each cautious about what it may join:

1. Key and place. Every distinct written form gets an address key (:mod:`marketguard.features.addresses`). The
   geocoded parcels of one key are clustered on a grid of ``radius_m`` cells (touching cells join), and two
   clusters of one key join when their centres lie within ``2 * radius_m`` (a small site's few parcels can
   land in cells that do not touch); homonymous roads in two districts, kilometres apart, stay two sites.
   A parcel without coordinates joins, within its own key and district, the cluster its sender phone uses
   most, else the one its written form uses most, else the largest; a key never geocoded is a site.
2. Coordinates across keys. A cluster whose key is incomplete (no city, road or house number) joins the
   nearest complete cluster within ``radius_m``. Two complete keys never join on coordinates alone: in a
   dense industrial district, distinct sites lie within a few hundred metres of each other.
3. Phones, last and carefully. An incomplete cluster without any coordinates joins the site that its main
   sender phone ships from in at least ``min_phone_share`` of that phone's parcels. An operator's phone is used
   at all of its sites, so a phone never joins two clusters that keys or coordinates already tell apart.

Each network's sites are scored by their share of its parcels (relative to its biggest site), the part of its
active span they cover and their volume, times the square root of their exclusivity (the share of the site's
parcels that are the network's): a shared fulfilment (3PL) warehouse, used by hundreds of unrelated stores,
sinks below the network's own sites.

Requires ``shipments`` with network_id (null outside networks), store_id, picked_up_at, origin_address,
origin_lat, origin_lon, sender_phone; all shipments of the marketplace, so that exclusivity can be measured.

Notes
-----
Only distinct written forms are normalised in Python; the rest is sorting and grouping on integer codes,
O(n log n) in the number of shipments, plus KD-tree queries over the cluster centres.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from marketguard.errors import ContractError, ParameterError, Problem
from marketguard.features.addresses import latin_form
from marketguard.sentences import plural
from marketguard.trace.site_clusters import NO_TIME, Parcels, centres, mode, parcels_of, site_of_parcel

__all__ = ["SITES_SCHEMA", "trace_sites"]

_TS = pa.timestamp("us", tz="UTC")
_REASONS = pa.list_(pa.string())

#: The ``sites`` result table, as the results contract names it.
SITES_SCHEMA = pa.schema(
    [
        ("network_id", pa.string()),
        ("site_id", pa.string()),
        ("rank", pa.int64()),
        ("address", pa.string()),
        ("address_latin", pa.string()),
        ("n_addresses", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("n_shipments", pa.int64()),
        ("n_stores", pa.int64()),
        ("share", pa.float64()),
        ("exclusivity", pa.float64()),
        ("n_sender_phones", pa.int64()),
        ("first_seen", _TS),
        ("last_seen", _TS),
        ("active_days", pa.float64()),
        ("score", pa.float64()),
        ("reasons", _REASONS),
    ]
)

_REQUIRED = (
    "network_id", "store_id", "picked_up_at", "origin_address", "origin_lat", "origin_lon", "sender_phone"
)  # fmt: skip
_US_PER_DAY = 86_400_000_000
_SHARED_BELOW = 0.5  # exclusivity under which a site reads as shared
_LATEST = np.iinfo(np.int64).max  # the start of a minimum


def trace_sites(shipments: pa.Table, *, radius_m: float = 300.0, min_phone_share: float = 0.8) -> pa.Table:
    """Sites of every network, one row per (network, site), in the ``sites`` results schema.

    Parameters
    ----------
    shipments
        All shipments of the marketplace, networked or not (see the module docstring for columns).
    radius_m
        How far apart (metres) parcels of one site may be geocoded: label coordinates jitter by ~100 m.
    min_phone_share
        Share of a sender phone's parcels that must come from one site before the phone may attach a written
        form without coordinates to it.
    """
    _check(shipments, radius_m, min_phone_share)
    if shipments.num_rows == 0:
        return SITES_SCHEMA.empty_table()
    parcels = parcels_of(shipments)
    site = site_of_parcel(parcels, radius_m, min_phone_share)
    if site.max() < 0:  # nothing came from anywhere known
        return SITES_SCHEMA.empty_table()
    return _network_sites(parcels, site)


def _check(shipments: pa.Table, radius_m: float, min_phone_share: float) -> None:
    problems = [
        Problem("shipments", col, "missing column", f"add '{col}' to the shipments table")
        for col in _REQUIRED
        if col not in shipments.column_names
    ]
    if problems:
        raise ContractError(problems)
    for name, value, low, high in (
        ("radius_m", radius_m, 10.0, 10_000.0),
        ("min_phone_share", min_phone_share, 0.5, 1.0),
    ):
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ParameterError(
                f"The '{name}' parameter of trace_sites must be a float in the range [{low}, {high}]. "
                f"Got {value!r} instead."
            )


def _distinct(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct known values (>= 0) per group."""
    known = value >= 0
    width = int(value.max()) + 1 if value.size else 1
    pairs = np.unique(group[known] * width + value[known])
    return np.bincount(pairs // width, minlength=n)


def _site_ids(keys: list[str], lat: np.ndarray, lon: np.ndarray) -> list[str]:
    """Ids from each site's main address key (stable across runs); a key split between places (homonymous
    roads) adds the rounded centre, and any tie left adds an ordinal."""
    seeds = list(keys)
    for attempt in (0, 1):
        seen = Counter(seeds)
        for i, s in enumerate(seeds):
            if seen[s] > 1:
                seeds[i] = f"{s}@{lat[i]:.2f},{lon[i]:.2f}" if attempt == 0 else f"{s}#{seen[s]}"
                seen[s] -= attempt
    return ["site_" + hashlib.sha1(s.encode()).hexdigest()[:12] for s in seeds]


class _Sites(NamedTuple):
    n: np.ndarray
    n_stores: np.ndarray
    n_addresses: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    address: list[str | None]
    address_latin: list[str | None]
    site_id: list[str]


def _site_facts(p: Parcels, site: np.ndarray, n_sites: int) -> _Sites:
    """Whole-marketplace facts of each site: its parcels and stores, centre, main written form and id."""
    on = site >= 0
    site, form, key, store = site[on], p.form[on], p.key[on], p.store[on]
    lat, lon = centres(site, p.lat[on], p.lon[on], n_sites)
    main_form, main_key = mode(site, form)[1], mode(site, key)[1]
    return _Sites(
        n=np.bincount(site, minlength=n_sites),
        n_stores=_distinct(site, store, n_sites),
        n_addresses=_distinct(site, form, n_sites),
        lat=lat,
        lon=lon,
        address=[p.forms[f].strip() or None for f in main_form],
        address_latin=[latin_form(p.forms[f], p.keys[k]) for f, k in zip(main_form, main_key, strict=True)],
        site_id=_site_ids([p.keys[k].text for k in main_key], lat, lon),
    )


def _pairs(p: Parcels, site: np.ndarray, n_sites: int) -> dict[str, np.ndarray]:
    """Per (network, site): parcels, stores, phones, first and last pick-up."""
    m = (p.network >= 0) & (site >= 0)
    pair, inverse = np.unique(p.network[m] * n_sites + site[m], return_inverse=True)
    inverse = inverse.ravel()
    ts = p.ts[m]
    first, last = np.full(pair.size, _LATEST), np.full(pair.size, NO_TIME)
    np.minimum.at(first, inverse, np.where(ts == NO_TIME, _LATEST, ts))
    np.maximum.at(last, inverse, ts)
    return {
        "net": pair // n_sites,
        "site": pair % n_sites,
        "n": np.bincount(inverse, minlength=pair.size),
        "n_stores": _distinct(inverse, p.store[m], pair.size),
        "n_phones": _distinct(inverse, p.phone[m], pair.size),
        "first": first,
        "last": last,
        "net_total": np.bincount(p.network[p.network >= 0])[pair // n_sites],
    }


def _per_network(net: np.ndarray, values: np.ndarray, ufunc: np.ufunc, start: float) -> np.ndarray:
    out = np.full(int(net.max()) + 1 if net.size else 0, start)
    ufunc.at(out, net, values)
    return out[net]


def _score(r: dict[str, np.ndarray], s: _Sites) -> dict[str, np.ndarray]:
    """Share (relative to the network's top site), span and volume, discounted by exclusivity; in [0, 1]."""
    share = r["n"] / r["net_total"]
    exclusivity = r["n"] / s.n[r["site"]]
    known = r["last"] != NO_TIME
    days = np.where(known, (r["last"] - np.where(known, r["first"], 0)) / _US_PER_DAY, np.nan)
    net_span = (
        _per_network(r["net"], r["last"], np.maximum, -np.inf)
        - _per_network(r["net"], r["first"], np.minimum, np.inf)
    ) / _US_PER_DAY
    span = np.nan_to_num(np.where(net_span > 0, days / np.where(net_span > 0, net_span, 1.0), 1.0), nan=0.0)
    relative = share / _per_network(r["net"], share, np.maximum, 0.0)
    volume = np.log1p(r["n"]) / np.log1p(_per_network(r["net"], r["n"].astype(float), np.maximum, 0.0))
    score = (0.5 * relative + 0.25 * np.clip(span, 0.0, 1.0) + 0.25 * volume) * np.sqrt(exclusivity)
    return {
        "share": share,
        "exclusivity": exclusivity,
        "active_days": days,
        "score": np.clip(score, 0.0, 1.0),
    }


def _reasons(
    r: dict[str, np.ndarray], s: _Sites, share: np.ndarray, exclusivity: np.ndarray
) -> list[list[str]]:
    """Plain-language evidence per row, in the order a reader checks it."""
    known = r["last"] != NO_TIME
    days = [
        np.datetime_as_string(np.where(known, r[c], 0).astype("datetime64[us]"), unit="D")
        for c in ("first", "last")
    ]
    out = []
    for i in range(r["n"].size):
        site, n_stores = int(r["site"][i]), int(r["n_stores"][i])
        when = f", {days[0][i]} to {days[1][i]}" if known[i] else ""
        rows = [
            f"{plural(int(r['n'][i]), 'parcel')} ({share[i]:.0%} of the network's) from "
            f"{plural(n_stores, 'store')}{when}"
        ]
        if s.n_addresses[site] > 1:
            rows.append(f"written {s.n_addresses[site]} ways")
        other = int(s.n_stores[site]) - n_stores
        if other > 0 and exclusivity[i] < _SHARED_BELOW:
            rows.append(f"also ships for {plural(other, 'other store')}: a shared fulfilment warehouse")
        elif other > 0:
            rows.append(
                f"also ships for {plural(other, 'other store')} ({1 - exclusivity[i]:.0%} of its parcels)"
            )
        else:
            rows.append("ships for this network only")
        if r["n_phones"][i]:
            rows.append(f"sent under {plural(int(r['n_phones'][i]), 'sender phone')}")
        if not np.isfinite(s.lat[site]):
            rows.append("never geocoded: located by its written address only")
        out.append(rows)
    return out


def _network_sites(p: Parcels, site: np.ndarray) -> pa.Table:
    """One row per (network, site), ranked within each network by score, then parcels, then site id."""
    n_sites = int(site.max()) + 1
    s = _site_facts(p, site, n_sites)
    r = _pairs(p, site, n_sites)
    sc = _score(r, s)
    id_order = np.argsort(np.argsort(np.array(s.site_id, dtype=object)))
    order = np.lexsort((id_order[r["site"]], -r["n"], -sc["score"], r["net"]))
    r, sc = {k: v[order] for k, v in r.items()}, {k: v[order] for k, v in sc.items()}
    starts = np.flatnonzero(np.r_[True, r["net"][1:] != r["net"][:-1]]) if order.size else order
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size])) + 1
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "network_id": p.network_ids.take(pa.array(r["net"], pa.int64())),
            "site_id": pa.array([s.site_id[i] for i in r["site"]], pa.string()),
            "rank": rank,
            "address": pa.array([s.address[i] for i in r["site"]], pa.string()),
            "address_latin": pa.array([s.address_latin[i] for i in r["site"]], pa.string()),
            "n_addresses": s.n_addresses[r["site"]],
            "lat": pa.array(s.lat[r["site"]], from_pandas=True),
            "lon": pa.array(s.lon[r["site"]], from_pandas=True),
            "n_shipments": r["n"],
            "n_stores": r["n_stores"],
            "share": sc["share"],
            "exclusivity": sc["exclusivity"],
            "n_sender_phones": r["n_phones"],
            "first_seen": pa.array(r["first"], ts, mask=r["last"] == NO_TIME),
            "last_seen": pa.array(r["last"], ts, mask=r["last"] == NO_TIME),
            "active_days": pa.array(sc["active_days"], from_pandas=True),
            "score": sc["score"],
            "reasons": pa.array(_reasons(r, s, sc["share"], sc["exclusivity"]), pa.list_(pa.string())),
        }
    )
    return table.select(SITES_SCHEMA.names).cast(SITES_SCHEMA)
