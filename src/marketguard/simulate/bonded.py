"""Bonded warehouses (保税仓): where imported goods wait, duty unpaid, for the buyer's order.

Cross-border e-commerce imports stock in bulk into a warehouse inside a bonded zone (Shenzhen Qianhai, Shanghai
Waigaoqiao, Ningbo Meishan, Guangzhou Nansha, Zhengzhou's airport zone, Hangzhou Xiasha...) and ships each order
from there, under the warehouse's address and phones, once the buyer's duties are declared. Grey-market sellers
ship most of their parcels that way; so do honest cross-border stores (parallel importers among the independents,
agency-run stores of foreign brands). A few warehouses in each zone serve all of them, so a bonded-warehouse
origin ties a grey-market seller to strangers, not to its own stores: the warehouses are hubs of the ground
truth (``truth/hubs``, kind ``bonded_warehouse``) and sites of their own (``truth/sites``, kind
``bonded_warehouse``, operator ``bonded_0000``...).

A grey-market operator contracts one or two warehouses for all its stores, as a business does; a cross-border
store has one. Everything here draws from the grey-market stream and runs only where grey-market sellers exist.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .addresses import N_VARIANTS, address_forms
from .geography import BONDED_ZONES, CITIES
from .hubs import warehouse_rows
from .ids import decimal_ids
from .logistics import BONDED_WAREHOUSE, Sites
from .population import GREY, Population

__all__ = ["add_bonded_warehouses", "bonded_hubs"]

#: Bonded warehouses per store of the market (at least one per zone): a zone's big import hubs each serve a few
#: hundred sellers.
STORES_PER_WAREHOUSE = 1000
#: Exponent of the warehouses' popularity (a few big operators in each zone take most of the trade).
POPULARITY_SKEW = 0.5
#: Inclusive range of bonded warehouses a grey-market operator contracts for all its stores.
N_OPERATOR_WAREHOUSES = (1, 2)
#: Share of a store's parcels leaving its bonded warehouse: most of a grey-market seller's (its office ships
#: the stock it keeps at hand), part of an honest cross-border store's (it also sells domestic goods).
GREY_BONDED_SHARE = 0.8
CROSS_BORDER_BONDED_SHARE = 0.5
#: Phones per bonded warehouse (the shipment generator draws one of two per parcel, as for 3PL warehouses), and
#: their codes' range in multiples of the account count: above accounts, farms, operators' and 3PL phones
#: (20-21), honest exporters (25), fronts (26) and forwarders (27).
PHONES_PER_WAREHOUSE = 2
_PHONE_RANGE = 28
#: Standard deviation (km) of a warehouse's place around its zone's centre.
SPREAD_KM = 1.5


def _warehouses(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Address variants and coordinates of ``n`` warehouses, one in every zone first, the rest by zone weight."""
    w = np.array([z.weight for z in BONDED_ZONES])
    zone = np.concatenate([np.arange(w.size), rng.choice(w.size, max(n - w.size, 0), p=w / w.sum())])[:n]
    city = {c.zh: c for c in CITIES}
    texts: list[str] = []
    for z, u, number, building, floor in zip(
        zone.tolist(),
        rng.random(n).tolist(),
        rng.integers(1, 400, n).tolist(),
        np.where(rng.random(n) < 0.5, rng.integers(0, 6, n), -1).tolist(),
        rng.integers(1, 6, n).tolist(),
        strict=True,
    ):
        bz = BONDED_ZONES[z]
        road = bz.roads[int(u * len(bz.roads))]
        place = (number, building, floor, floor * 100 + 1 + number % 20)
        texts.extend(address_forms(city[bz.city], bz.district, road, place, BONDED_WAREHOUSE, bz.name))
    lat0 = np.array([BONDED_ZONES[z].lat for z in zone])
    lon0 = np.array([BONDED_ZONES[z].lon for z in zone])
    lat = lat0 + rng.normal(0, SPREAD_KM / 111.0, n)
    lon = lon0 + rng.normal(0, SPREAD_KM / 111.0, n) / np.cos(np.radians(lat0))
    return texts, lat, lon


def add_bonded_warehouses(rng: np.random.Generator, pop: Population, sites: Sites) -> None:
    """Append the bonded warehouses to ``sites`` and give grey-market and cross-border stores theirs, in place."""
    n_wh = max(len(BONDED_ZONES), pop.n_stores // STORES_PER_WAREHOUSE)
    texts, lat, lon = _warehouses(rng, n_wh)
    first = sites.kind.size
    sites.owner = pa.concat_arrays([sites.owner, decimal_ids("bonded_", np.arange(n_wh), 4)])
    sites.kind = np.concatenate([sites.kind, np.full(n_wh, BONDED_WAREHOUSE)])
    sites.lat, sites.lon = np.concatenate([sites.lat, lat]), np.concatenate([sites.lon, lon])
    sites.is_3pl = np.concatenate([sites.is_3pl, np.zeros(n_wh, dtype=bool)])
    sites.variants = pa.concat_arrays([sites.variants, pa.array(texts, type=pa.string())])
    p = 1.0 / np.arange(1, n_wh + 1) ** POPULARITY_SKEW
    p = p[rng.permutation(n_wh)] / p.sum()  # the big ones are in any zone
    n_ops = pop.op_kind.size
    lo, hi = N_OPERATOR_WAREHOUSES
    chosen = first + rng.choice(n_wh, (n_ops, hi), p=p)
    n_own = rng.integers(lo, hi + 1, n_ops)
    own_pick = chosen[pop.store_op, (rng.random(pop.n_stores) * n_own[pop.store_op]).astype(np.int64)]
    grey = pop.store_kind == GREY
    sites.store_bonded = np.where(grey | pop.store_cross_border, own_pick, -1)
    sites.bonded_share = np.select(
        [grey, pop.store_cross_border], [GREY_BONDED_SHARE, CROSS_BORDER_BONDED_SHARE]
    )
    sites.bonded_phone_base = _PHONE_RANGE * pop.n_accounts


def bonded_hubs(sites: Sites, phone_text: Callable[[np.ndarray], pa.Array]) -> pa.Table:
    """Every bonded warehouse with each way its address is written and its sender phones (no rows without them)."""
    wh = np.flatnonzero(sites.kind == BONDED_WAREHOUSE)
    phones = (PHONES_PER_WAREHOUSE, sites.bonded_phone_base, phone_text)
    return warehouse_rows(sites.owner, sites.variants, "bonded_warehouse", wh, N_VARIANTS, phones)
