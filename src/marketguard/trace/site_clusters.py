"""Parcels merged into physical sites: steps 1 to 3 of :mod:`marketguard.trace.sites` (key and place, then
coordinates across keys, then phones), on integer codes.

Notes
-----
Only distinct written forms are normalised in Python; the rest is sorting and grouping on integer codes,
O(n log n) in the number of shipments, plus KD-tree queries over the cluster centres.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.spatial import cKDTree

from marketguard.errors import ParameterError
from marketguard.features.addresses import AddressKey, address_keys
from marketguard.graph import connected_components, encode_sorted

__all__ = ["NO_TIME", "Parcels", "centres", "mode", "parcels_of", "site_of_parcel"]

_EARTH_M = 6_371_008.8
NO_TIME = np.iinfo(np.int64).min  # no pick-up time


class Parcels(NamedTuple):
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


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy()


def parcels_of(shipments: pa.Table) -> Parcels:
    """The shipments as integer codes and floats, every distinct written form normalised once."""
    network, network_ids = encode_sorted(shipments["network_id"].cast(pa.string()))
    store, _ = encode_sorted(shipments["store_id"].cast(pa.string()))
    phone, _ = encode_sorted(shipments["sender_phone"].cast(pa.string()))
    form, form_names = encode_sorted(pc.fill_null(shipments["origin_address"].cast(pa.string()), ""))
    forms = form_names.to_pylist()
    form_keys = address_keys(forms)
    key_text, key_of_form = np.unique(
        np.array([k.text for k in form_keys], dtype=object), return_inverse=True
    )
    first_form = np.full(len(key_text), len(forms), np.int64)
    np.minimum.at(first_form, key_of_form, np.arange(len(forms)))
    district_names, district_of_form = np.unique([k.district for k in form_keys], return_inverse=True)
    district_of_form = np.where(district_names[district_of_form] == "", -1, district_of_form)
    ts = pc.fill_null(shipments["picked_up_at"].cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), NO_TIME)
    return Parcels(
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


def mode(group: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def lookup(groups: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
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
        found = lookup(cells, np.arange(cells.size), cells + (dx << by) + dy)
        src.append(np.flatnonzero(found >= 0))
        dst.append(found[found >= 0])
    labels = connected_components(np.concatenate(src), np.concatenate(dst), cells.size)
    return labels[inverse.ravel()]


def _key_clusters(p: Parcels, radius_m: float) -> np.ndarray:
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
        groups, best, _, _ = mode(group[known], cluster[known])
        ask = todo & (group >= 0) & may_ask
        cluster[ask] = lookup(groups, best, group[ask])
    todo = cluster < 0
    if todo.any():
        _, fresh = np.unique(scope[todo], return_inverse=True)
        cluster[todo] = cluster.max() + 1 + fresh.ravel()
    return cluster


def centres(group: np.ndarray, lat: np.ndarray, lon: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
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


def _merge_clusters(p: Parcels, cluster: np.ndarray, radius_m: float, min_phone_share: float) -> np.ndarray:
    """Site of every parcel: clusters joined by coordinates, then by phone (steps 2 and 3); -1 for a parcel
    with neither an address nor coordinates, which comes from nowhere known."""
    n = int(cluster.max()) + 1
    key = np.zeros(n, np.int64)
    key[cluster] = p.key
    complete = np.array([k.is_complete for k in p.keys], bool)[key]
    lat, lon = centres(cluster, p.lat, p.lon, n)
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
    p: Parcels, cluster: np.ndarray, labels: np.ndarray, lonely: np.ndarray, min_phone_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """(lonely cluster, cluster) pairs: a cluster with neither a complete key nor coordinates joins the site
    its main sender phone ships from, when that phone ships from that one site in ``min_phone_share`` of cases."""
    asking = lonely[cluster] & (p.phone >= 0)
    telling = ~lonely[cluster] & (p.phone >= 0)
    if not asking.any() or not telling.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    clusters, main_phone, _, _ = mode(cluster[asking], p.phone[asking])
    phones, site, count, total = mode(p.phone[telling], labels[cluster[telling]])
    sure = count >= min_phone_share * total
    target = lookup(phones[sure], site[sure], main_phone)
    first_cluster = np.full(int(labels.max()) + 1, -1, np.int64)
    first_cluster[labels[::-1]] = np.arange(labels.size)[::-1]
    return clusters[target >= 0], first_cluster[target[target >= 0]]


def site_of_parcel(p: Parcels, radius_m: float, min_phone_share: float) -> np.ndarray:
    """Site of every parcel (dense codes), -1 for a parcel with neither an address nor coordinates."""
    return _merge_clusters(p, _key_clusters(p, radius_m), radius_m, min_phone_share)
