"""Physical sites (factories, warehouses, shops, shared 3PL warehouses) and one shipment per order.

Counterfeit operators ship all their stores' goods from their own one to three sites, under a few shared
sender phones, with the origin address written in many ways and coordinates jittered or missing. Honest
stores ship from their own shop or warehouse under the owner's phone, and many use big shared fulfilment
(3PL) warehouses, which therefore link hundreds of unrelated stores: a confounder for site linking. Grey-market
sellers ship most parcels from bonded warehouses (:mod:`.bonded`), the rest from their office, as honest
cross-border stores ship part of theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .addresses import N_VARIANTS, site_addresses, site_coordinates
from .commerce import Orders
from .config import US_PER_HOUR, SimulationConfig
from .geography import CITIES, city_arrays
from .ids import decimal_ids, take_strings
from .population import AGENCY, COUNTERFEIT, GREY, INDEPENDENT, Population

__all__ = ["BONDED_WAREHOUSE", "CARRIERS", "SITE_KINDS", "Sites", "build_shipments", "build_sites"]

SITE_KINDS = ("factory", "warehouse", "shop", "bonded_warehouse")
BONDED_WAREHOUSE = 3
CARRIERS = ("SF Express", "ZTO Express", "YTO Express", "STO Express", "Yunda Express", "JD Logistics", "EMS")


@dataclass
class Sites:
    """Sites and, per store, three candidate origin sites (``slots``); phone codes per operator/3PL."""

    owner: pa.Array
    kind: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    is_3pl: np.ndarray
    variants: pa.Array
    slots: np.ndarray
    store_3pl: np.ndarray
    op_site_ptr: np.ndarray
    op_phone_base: int
    tpl_phone_base: int
    op_n_phones: np.ndarray
    #: Per store: its bonded warehouse (site code, -1: none) and the share of its parcels leaving from there, and
    #: the phone code of the first bonded warehouse's first phone (:mod:`.bonded`; empty without them).
    store_bonded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bonded_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bonded_phone_base: int = 0


def _operator_sites(rng: np.random.Generator, pop: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(operator, kind, city) of owned sites: 1-3 per counterfeit operator, one for 65% of independents and for
    every grey-market seller (its office keeps some stock)."""
    n_ops = pop.op_kind.size
    cf = pop.op_kind == COUNTERFEIT
    n = np.where(cf, 1 + rng.binomial(2, 0.5, n_ops), 0)
    n = np.where(((pop.op_kind == INDEPENDENT) & (rng.random(n_ops) < 0.65)) | (pop.op_kind == GREY), 1, n)
    op = np.repeat(np.arange(n_ops), n)
    first = np.r_[True, op[1:] != op[:-1]] if op.size else np.zeros(0, bool)
    kind = np.where(cf[op], np.where(first & (rng.random(op.size) < 0.7), 0, 1), rng.integers(1, 3, op.size))
    hubs = np.flatnonzero(city_arrays()["is_hub"])
    city = np.where(cf[op] & ~first & (rng.random(op.size) < 0.2), rng.choice(hubs, op.size), pop.op_city[op])
    return op, kind, city


def build_sites(rng: np.random.Generator, pop: Population, op_ids: pa.Array) -> Sites:
    """Register all sites, their address variants and coordinates, and each store's origin slots."""
    op, kind, city = _operator_sites(rng, pop)
    agency_store = np.flatnonzero((pop.store_kind == AGENCY) & (rng.random(pop.n_stores) < 0.6))
    n_3pl = max(5, pop.n_stores // 2000)
    w = city_arrays()["weight"] * np.where(city_arrays()["is_hub"], 2.0, 1.0)
    tpl_city = rng.choice(len(CITIES), n_3pl, p=w / w.sum())
    all_city = np.concatenate([city, pop.acc_region[agency_store], tpl_city])
    all_kind = np.concatenate([kind, np.ones(agency_store.size + n_3pl, dtype=np.int64)])
    texts, district = site_addresses(rng, all_city, all_kind)
    lat, lon = site_coordinates(rng, all_city, district)
    n_own = op.size + agency_store.size
    tpl_ids = decimal_ids("3pl_", np.arange(n_3pl), 4)
    owner = pa.concat_arrays(
        [op_ids.take(pa.array(np.concatenate([op, pop.store_op[agency_store]]))), tpl_ids]
    )
    op_site_ptr = np.searchsorted(op, np.arange(pop.op_kind.size + 1))
    tpl = n_own + rng.integers(0, n_3pl, pop.n_stores)
    slots = _store_slots(rng, pop, op_site_ptr, agency_store, op.size, tpl)
    n_acc = pop.n_accounts
    return Sites(
        owner=owner,
        kind=all_kind,
        lat=lat,
        lon=lon,
        is_3pl=np.arange(all_city.size) >= n_own,
        variants=pa.array(texts, type=pa.string()),
        slots=slots,
        store_3pl=tpl,
        op_site_ptr=op_site_ptr,
        op_phone_base=20 * n_acc,
        tpl_phone_base=20 * n_acc + 4 * pop.op_kind.size,
        op_n_phones=rng.integers(1, 4, pop.op_kind.size),
    )


def _store_slots(
    rng: np.random.Generator,
    pop: Population,
    op_site_ptr: np.ndarray,
    agency_store: np.ndarray,
    first_agency_site: int,
    tpl: np.ndarray,
) -> np.ndarray:
    """Three origin candidates per store (used 60/30/10%): own/operator sites first, then a 3PL."""
    n_sites_op = np.diff(op_site_ptr)[pop.store_op]
    base = op_site_ptr[pop.store_op]
    own = np.stack([base + (j % np.maximum(n_sites_op, 1)) for j in range(3)], axis=1)
    own[:, 2] = np.where(pop.store_kind == COUNTERFEIT, own[:, 2], tpl)
    has_own = n_sites_op > 0
    slots = np.where(has_own[:, None], own, tpl[:, None])
    ag_site = np.full(pop.n_stores, -1, dtype=np.int64)
    ag_site[agency_store] = first_agency_site + np.arange(agency_store.size)
    ag = pop.store_kind == AGENCY
    slots[ag] = np.where(
        ag_site[ag, None] >= 0, np.stack([ag_site[ag]] * 2 + [tpl[ag]], axis=1), tpl[ag, None]
    )
    return slots


def _bonded_parcels(
    rng: np.random.Generator, sites: Sites, store: np.ndarray, site: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Parcels leaving their store's bonded warehouse (``bonded_share`` of them) under one of its two phones, as
    a 3PL's; returns the origin sites and the phone codes (-1: not from a bonded warehouse)."""
    wh = sites.store_bonded[store]
    rows = np.flatnonzero(wh >= 0)
    rows = rows[rng.random(rows.size) < sites.bonded_share[store[rows]]]
    site = site.copy()
    site[rows] = wh[rows]
    first = int(np.argmax(sites.kind == BONDED_WAREHOUSE))
    phone = np.full(site.size, -1, dtype=np.int64)
    phone[rows] = sites.bonded_phone_base + (wh[rows] - first) * 2 + rng.integers(0, 2, rows.size)
    return site, phone


def build_shipments(
    rng: np.random.Generator,
    pop: Population,
    sites: Sites,
    orders: Orders,
    store: np.ndarray,
    cfg: SimulationConfig,
    phone_text: Callable[[np.ndarray], pa.Array],
    bonded_rng: np.random.Generator | None = None,
) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """One shipment per order, the ``sites`` ground truth and the store of each shipment row; ``bonded_rng``
    (the grey-market stream) draws which parcels of stores with a bonded warehouse leave from it."""
    n = store.size
    u = rng.random(n)
    slot = np.where(u < 0.6, 0, np.where(u < 0.9, 1, 2))
    site = sites.slots[store, slot]
    cf = pop.store_kind[store] == COUNTERFEIT
    site = np.where(cf & (rng.random(n) < cfg.shared_3pl_rate), sites.store_3pl[store], site)
    bonded_phone = np.full(n, -1, dtype=np.int64)
    if bonded_rng is not None and sites.store_bonded.size:
        site, bonded_phone = _bonded_parcels(bonded_rng, sites, store, site)
    is3 = sites.is_3pl[site]
    noisy = cf & ~is3
    noise = np.where(noisy, cfg.address_noise, np.where(is3 | (bonded_phone >= 0), 0.05, 0.1))
    variant = np.where(rng.random(n) < noise, rng.integers(1, N_VARIANTS, n), 0)
    op = pop.store_op[store]
    op_phone = sites.op_phone_base + op * 4 + (rng.random(n) * sites.op_n_phones[op]).astype(np.int64)
    tpl_phone = sites.tpl_phone_base + (site - int(np.argmax(sites.is_3pl))) * 2 + rng.integers(0, 2, n)
    phone = np.where(is3, tpl_phone, np.where(cf, op_phone, pop.acc_phone[store]))
    phone = np.where(bonded_phone >= 0, bonded_phone, phone)
    missing = rng.random(n) < np.where(noisy, cfg.missing_latlon, 0.03)
    jitter = rng.normal(0, 100 / 111_000, (2, n))
    lat = sites.lat[site] + jitter[0]
    lon = sites.lon[site] + jitter[1] / np.cos(np.radians(sites.lat[site]))
    picked = orders.ts + ((2 + rng.exponential(20, n)) * US_PER_HOUR).astype(np.int64)
    pref = rng.integers(0, len(CARRIERS), pop.n_stores)
    carrier = np.where(rng.random(n) < 0.7, pref[store], rng.integers(0, len(CARRIERS), n))
    idx = np.argsort(picked, kind="stable")
    assert orders.ids is not None
    shipments = pa.table(
        {
            "shipment_id": decimal_ids("SH", np.arange(1, n + 1), 10),
            "order_id": take_strings(orders.ids, idx),
            "carrier": take_strings(CARRIERS, carrier[idx]),
            "picked_up_at": pa.array(picked[idx], type=pa.timestamp("us", tz="UTC")),
            "origin_address": take_strings(sites.variants, (site * N_VARIANTS + variant)[idx]),
            "origin_lat": pa.array(lat[idx], mask=missing[idx]),
            "origin_lon": pa.array(lon[idx], mask=missing[idx]),
            "sender_phone": phone_text(phone[idx]),
        }
    )
    truth = pa.table(
        {
            "operator_id": sites.owner,
            "site_id": decimal_ids("site_", np.arange(sites.kind.size), 7),
            "kind": take_strings(SITE_KINDS, sites.kind).combine_chunks(),
            "address": sites.variants.take(pa.array(np.arange(sites.kind.size) * N_VARIANTS)),
            "lat": pa.array(sites.lat),
            "lon": pa.array(sites.lon),
        }
    )
    return shipments, truth, store[idx]
