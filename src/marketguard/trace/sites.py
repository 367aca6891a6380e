"""Logistics sites: the places each network's parcels are sent from, ranked by how likely each one is the
network's own factory or warehouse.

Written origin addresses are merged into physical sites in three steps, each cautious about what it may join:

1. Key and place. Every distinct written form gets an address key (:mod:`marketguard.trace.addresses`). The
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
import pyarrow.compute as pc
from scipy.spatial import cKDTree

from marketguard.errors import ContractError, ParameterError, Problem
from marketguard.graph import connected_components
from marketguard.pipeline.results import RESULT_SCHEMAS, conform
from marketguard.sentences import plural
from marketguard.trace.addresses import AddressKey, address_keys

__all__ = ["trace_sites"]

_REQUIRED = (
    "network_id", "store_id", "picked_up_at", "origin_address", "origin_lat", "origin_lon", "sender_phone"
)  # fmt: skip
_US_PER_DAY = 86_400_000_000
_EARTH_M = 6_371_008.8
_SHARED_BELOW = 0.5  # exclusivity under which a site reads as shared
_NO_TIME, _LATEST = np.iinfo(np.int64).min, np.iinfo(np.int64).max  # no pick-up time; start of a minimum


class _Parcels(NamedTuple):
    """One entry per shipment, as integer codes (-1: none) and floats (NaN: not geocoded)."""

    network: np.ndarray
    network_ids: pa.Array
    store: np.ndarray
    ts: np.ndarray
    form: np.ndarray
    forms: list[str]
    key: np.ndarray
    keys: list[AddressKey]
    district: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    phone: np.ndarray


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
        return RESULT_SCHEMAS["sites"].empty_table()
    parcels = _parcels(shipments)
    cluster = _key_clusters(parcels, radius_m)
    site = _merge_clusters(parcels, cluster, radius_m, min_phone_share)
    if site.max() < 0:  # nothing came from anywhere known
        return RESULT_SCHEMAS["sites"].empty_table()
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


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes into the sorted distinct values (same codes whatever the row order); -1 for nulls."""
    names = pc.unique(column.drop_null())
    names = names.take(pc.array_sort_indices(names))
    codes = pc.fill_null(pc.index_in(column, value_set=names), -1)
    return codes.to_numpy().astype(np.int64, copy=False), names


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy()


def _parcels(shipments: pa.Table) -> _Parcels:
    network, network_ids = _codes(shipments["network_id"].cast(pa.string()))
    store, _ = _codes(shipments["store_id"].cast(pa.string()))
    phone, _ = _codes(shipments["sender_phone"].cast(pa.string()))
    form, form_names = _codes(pc.fill_null(shipments["origin_address"].cast(pa.string()), ""))
    forms = form_names.to_pylist()
    form_keys = address_keys(forms)
    key_text, key_of_form = np.unique(
        np.array([k.text for k in form_keys], dtype=object), return_inverse=True
    )
    first_form = np.full(len(key_text), len(forms), np.int64)
    np.minimum.at(first_form, key_of_form, np.arange(len(forms)))
    district_names, district_of_form = np.unique([k.district for k in form_keys], return_inverse=True)
    district_of_form = np.where(district_names[district_of_form] == "", -1, district_of_form)
    ts = pc.fill_null(shipments["picked_up_at"].cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), _NO_TIME)
    return _Parcels(
        network=network,
        network_ids=network_ids,
        store=store,
        ts=ts.to_numpy(),
        form=form,
        forms=forms,
        key=key_of_form[form].astype(np.int64),
        keys=[form_keys[i] for i in first_form],
        district=district_of_form[form],
        lat=_floats(shipments["origin_lat"]),
        lon=_floats(shipments["origin_lon"]),
        phone=phone,
    )


def _mode(group: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct group (sorted): the most frequent value (ties: the smallest), its count, the group size.

    Groups and values are non-negative codes; one sort of their packed pairs does the counting.
    """
    width = int(value.max()) + 1 if value.size else 1
    pairs, counts = np.unique(group * width + value, return_counts=True)
    pg, pv = pairs // width, pairs % width
    best = np.lexsort((pv, -counts, pg))
    first = best[np.r_[True, pg[best][1:] != pg[best][:-1]]] if best.size else best
    totals = np.bincount(np.searchsorted(pg[first], pg), weights=counts, minlength=first.size)
    return pg[first], pv[first], counts[first], totals.astype(np.int64)


def _lookup(groups: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` of each query found in ``groups`` (sorted), -1 where not found."""
    if groups.size == 0:
        return np.full(queries.size, -1, np.int64)
    j = np.minimum(np.searchsorted(groups, queries), groups.size - 1)
    return np.where(groups[j] == queries, values[j], -1)


def _grid_clusters(key: np.ndarray, lat: np.ndarray, lon: np.ndarray, radius_m: float) -> np.ndarray:
    """Cluster of each geocoded parcel: parcels of one key in touching ``radius_m`` grid cells."""
    if key.size == 0:
        return np.zeros(0, np.int64)
    y = np.radians(lat) * _EARTH_M
    x = np.radians(lon) * _EARTH_M * np.cos(np.radians(lat))
    cx, cy = (np.floor(v / radius_m).astype(np.int64) for v in (x, y))
    cx, cy = cx - cx.min() + 1, cy - cy.min() + 1
    bx, by = int(cx.max() + 2).bit_length(), int(cy.max() + 2).bit_length()
    if int(key.max() + 1).bit_length() + bx + by > 62:
        raise ParameterError(
            f"The 'radius_m' parameter of trace_sites is too small for coordinates spread this far apart "
            f"(cells would not fit in 62 bits). Got {radius_m!r} instead; use a larger radius."
        )
    cells, inverse = np.unique((key << (bx + by)) | (cx << by) | cy, return_inverse=True)
    src, dst = [], []
    for dx, dy in ((1, -1), (1, 0), (1, 1), (0, 1)):
        found = _lookup(cells, np.arange(cells.size), cells + (dx << by) + dy)
        src.append(np.flatnonzero(found >= 0))
        dst.append(found[found >= 0])
    labels = connected_components(np.concatenate(src), np.concatenate(dst), cells.size)
    return labels[inverse.ravel()]


def _key_clusters(p: _Parcels, radius_m: float) -> np.ndarray:
    """Cluster of every parcel within its own key (step 1 of the module docstring).

    A parcel without coordinates takes the cluster that its sender phone, else its written form, else its key
    uses most. A parcel whose form names a district looks only at clusters of that district, unless no placed
    parcel of the key names any district: a phone is shared by an operator's sites, a road name by districts.
    What is left becomes one cluster per key and district.
    """
    geo = np.isfinite(p.lat) & np.isfinite(p.lon)
    cluster = np.full(p.key.size, -1, np.int64)
    cluster[geo] = _grid_clusters(p.key[geo], p.lat[geo], p.lon[geo], radius_m)
    n_phones = max(int(p.phone.max()) + 1, 1)
    scope = p.key * (int(p.district.max()) + 2) + p.district + 1
    free = (p.district < 0) | ~np.isin(p.key, p.key[geo & (p.district >= 0)])
    everyone = np.ones(p.key.size, bool)
    chain = (
        (np.where(p.phone >= 0, scope * n_phones + p.phone, -1), everyone),
        (np.where(p.phone >= 0, p.key * n_phones + p.phone, -1), free),
        (p.form, everyone),
        (scope, everyone),
        (p.key, free),
    )
    for group, may_ask in chain:
        todo = cluster < 0
        known = ~todo & (group >= 0)
        groups, best, _, _ = _mode(group[known], cluster[known])
        ask = todo & (group >= 0) & may_ask
        cluster[ask] = _lookup(groups, best, group[ask])
    todo = cluster < 0
    if todo.any():
        _, fresh = np.unique(scope[todo], return_inverse=True)
        cluster[todo] = cluster.max() + 1 + fresh.ravel()
    return cluster


def _centres(group: np.ndarray, lat: np.ndarray, lon: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinate-wise median of each group's geocoded parcels (NaN where none): robust to stray parcels."""
    geo = np.isfinite(lat) & np.isfinite(lon)
    g = group[geo]
    count = np.bincount(g, minlength=n)
    start = np.r_[0, np.cumsum(count)[:-1]]
    has = count > 0
    lo, hi = (start + (count - 1) // 2)[has], (start + count // 2)[has]
    out = []
    for v in (lat[geo], lon[geo]):
        x = v[np.argsort(g * 1000.0 + (v + 500.0))]  # group, then value: degrees stay in [-180, 180]
        med = np.full(n, np.nan)
        med[has] = (x[lo] + x[hi]) / 2
        out.append(med)
    return out[0], out[1]


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the sphere in metres: chord distances equal great-circle ones at these scales."""
    la, lo = np.radians(lat), np.radians(lon)
    return _EARTH_M * np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _merge_clusters(p: _Parcels, cluster: np.ndarray, radius_m: float, min_phone_share: float) -> np.ndarray:
    """Site of every parcel: clusters joined by coordinates, then by phone (steps 2 and 3); -1 for a parcel
    with neither an address nor coordinates, which comes from nowhere known."""
    n = int(cluster.max()) + 1
    key = np.zeros(n, np.int64)
    key[cluster] = p.key
    complete = np.array([k.is_complete for k in p.keys], bool)[key]
    lat, lon = _centres(cluster, p.lat, p.lon, n)
    placed = np.isfinite(lat)
    src, dst = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    located = np.flatnonzero(placed)
    pairs = cKDTree(_xyz(lat[located], lon[located])).query_pairs(2 * radius_m, output_type="ndarray")
    pairs = located[pairs[key[located[pairs[:, 0]]] == key[located[pairs[:, 1]]]]]
    src.append(pairs[:, 0])
    dst.append(pairs[:, 1])
    strong, weak = np.flatnonzero(complete & placed), np.flatnonzero(~complete & placed)
    if strong.size and weak.size:
        dist, j = cKDTree(_xyz(lat[strong], lon[strong])).query(
            _xyz(lat[weak], lon[weak]), distance_upper_bound=radius_m
        )
        src.append(weak[np.isfinite(dist)])
        dst.append(strong[j[np.isfinite(dist)]])
    labels = connected_components(np.concatenate(src), np.concatenate(dst), n)
    phone_src, phone_dst = _phone_edges(p, cluster, labels, ~complete & ~placed, min_phone_share)
    src.append(phone_src)
    dst.append(phone_dst)
    site = connected_components(np.concatenate(src), np.concatenate(dst), n)[cluster]
    nowhere = np.array([k.is_empty for k in p.keys], bool)[p.key] & ~np.isfinite(p.lat)
    _, dense = np.unique(site[~nowhere], return_inverse=True)
    site[~nowhere], site[nowhere] = dense.ravel(), -1
    return site


def _phone_edges(
    p: _Parcels, cluster: np.ndarray, labels: np.ndarray, lonely: np.ndarray, min_phone_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """(lonely cluster, cluster) pairs: a cluster with neither a complete key nor coordinates joins the site
    its main sender phone ships from, when that phone ships from that one site in ``min_phone_share`` of cases."""
    asking = lonely[cluster] & (p.phone >= 0)
    telling = ~lonely[cluster] & (p.phone >= 0)
    if not asking.any() or not telling.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    clusters, main_phone, _, _ = _mode(cluster[asking], p.phone[asking])
    phones, site, count, total = _mode(p.phone[telling], labels[cluster[telling]])
    sure = count >= min_phone_share * total
    target = _lookup(phones[sure], site[sure], main_phone)
    first_cluster = np.full(int(labels.max()) + 1, -1, np.int64)
    first_cluster[labels[::-1]] = np.arange(labels.size)[::-1]
    return clusters[target >= 0], first_cluster[target[target >= 0]]


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
    site_id: list[str]


def _site_facts(p: _Parcels, site: np.ndarray, n_sites: int) -> _Sites:
    """Whole-marketplace facts of each site: its parcels and stores, centre, main written form and id."""
    on = site >= 0
    site, form, key, store = site[on], p.form[on], p.key[on], p.store[on]
    lat, lon = _centres(site, p.lat[on], p.lon[on], n_sites)
    main_form, main_key = _mode(site, form)[1], _mode(site, key)[1]
    return _Sites(
        n=np.bincount(site, minlength=n_sites),
        n_stores=_distinct(site, store, n_sites),
        n_addresses=_distinct(site, form, n_sites),
        lat=lat,
        lon=lon,
        address=[p.forms[f].strip() or None for f in main_form],
        site_id=_site_ids([p.keys[k].text for k in main_key], lat, lon),
    )


def _pairs(p: _Parcels, site: np.ndarray, n_sites: int) -> dict[str, np.ndarray]:
    """Per (network, site): parcels, stores, phones, first and last pick-up."""
    m = (p.network >= 0) & (site >= 0)
    pair, inverse = np.unique(p.network[m] * n_sites + site[m], return_inverse=True)
    inverse = inverse.ravel()
    ts = p.ts[m]
    first, last = np.full(pair.size, _LATEST), np.full(pair.size, _NO_TIME)
    np.minimum.at(first, inverse, np.where(ts == _NO_TIME, _LATEST, ts))
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
    known = r["last"] != _NO_TIME
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
    known = r["last"] != _NO_TIME
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


def _network_sites(p: _Parcels, site: np.ndarray) -> pa.Table:
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
            "n_addresses": s.n_addresses[r["site"]],
            "lat": pa.array(s.lat[r["site"]], from_pandas=True),
            "lon": pa.array(s.lon[r["site"]], from_pandas=True),
            "n_shipments": r["n"],
            "n_stores": r["n_stores"],
            "share": sc["share"],
            "exclusivity": sc["exclusivity"],
            "n_sender_phones": r["n_phones"],
            "first_seen": pa.array(r["first"], ts, mask=r["last"] == _NO_TIME),
            "last_seen": pa.array(r["last"], ts, mask=r["last"] == _NO_TIME),
            "active_days": pa.array(sc["active_days"], from_pandas=True),
            "score": sc["score"],
            "reasons": pa.array(_reasons(r, s, sc["share"], sc["exclusivity"]), pa.list_(pa.string())),
        }
    )
    return conform("sites", table)
