"""Forwarders' consolidation warehouses in the marketplace's logistics (an ``adversarial`` tactic).

The freight forwarder that files a front company's exports (:mod:`.forwarders`) often also collects the same
operator's marketplace parcels at its consolidation warehouse: those parcels leave under the forwarder's address
and desk phone, not the operator's. The same warehouse ships for honest cross-border stores, so its address and
phones are hubs shared by several networks and many honest stores and tie nobody on their own (``truth/hubs``
lists them under the shipment columns too). What they do show is which networks a forwarder works for and which
goods it carries for each: the trail from a front's declarations, filed under the forwarder's contacts, to the
network whose goods they are.

Draws from its own stream; runs only when ``forwarder_parcel_rate`` is set and the market has forwarders.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .addresses import N_VARIANTS, site_coordinates
from .config import SimulationConfig
from .forwarders import PHONES_PER_FORWARDER, POPULARITY_SKEW, Refiled, forwarder_hubs
from .hubs import HUB_FIELDS
from .ids import take_strings
from .population import COUNTERFEIT, Population

__all__ = ["consolidate"]

#: Share of the other stores that are cross-border sellers handing parcels to a forwarder, and the share of
#: their parcels it ships: a forwarder's warehouse then ships for tens of honest stores per network it serves.
HONEST_STORE_SHARE = 0.05
HONEST_PARCEL_RATE = 0.5
#: Chance a consolidated parcel's origin is written in another form, as for a 3PL's (a warehouse's clerks
#: print labels from one system), and that it has no coordinates.
ADDRESS_NOISE = 0.05
MISSING_LATLON = 0.03


def consolidate(
    rng: np.random.Generator,
    cfg: SimulationConfig,
    pop: Population,
    refiled: Refiled,
    shipments: pa.Table,
    ship_store: np.ndarray,
    phone_text: Callable[[np.ndarray], pa.Array],
) -> tuple[pa.Table, pa.Table]:
    """``shipments`` with the consolidated parcels leaving from forwarders' warehouses, and the warehouses'
    shipment identifiers as hub rows. ``refiled.op_forwarder``: per operator, the forwarder filing its fronts'
    exports (-1: none); ``ship_store``: the store of each shipment row."""
    assert refiled.op_forwarder is not None, "the declarations' builder sets each operator's forwarder"
    n_fwd, n = refiled.city.size, ship_store.size
    kind = pop.store_kind[ship_store]
    own = refiled.op_forwarder[pop.store_op[ship_store]]
    network = (kind == COUNTERFEIT) & (own >= 0) & (rng.random(n) < cfg.forwarder_parcel_rate)
    p = 1.0 / np.arange(1, n_fwd + 1) ** POPULARITY_SKEW
    store_fwd = rng.choice(n_fwd, pop.n_stores, p=p / p.sum())
    cross_border = (pop.store_kind != COUNTERFEIT) & (rng.random(pop.n_stores) < HONEST_STORE_SHARE)
    honest = cross_border[ship_store] & (rng.random(n) < HONEST_PARCEL_RATE)
    fwd = np.where(network, own, np.where(honest, store_fwd[ship_store], -1))
    rows = np.flatnonzero(fwd >= 0)
    f = fwd[rows]
    variant = np.where(rng.random(rows.size) < ADDRESS_NOISE, rng.integers(1, N_VARIANTS, rows.size), 0)
    phone = refiled.phone_base + f * PHONES_PER_FORWARDER + rng.integers(0, PHONES_PER_FORWARDER, rows.size)
    lat0, lon0 = site_coordinates(rng, refiled.city, refiled.district)
    jitter = rng.normal(0, 100 / 111_000, (2, rows.size))
    lat = lat0[f] + jitter[0]
    lon = lon0[f] + jitter[1] / np.cos(np.radians(lat0[f]))
    missing = rng.random(rows.size) < MISSING_LATLON
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    addresses = pa.array(refiled.addresses, pa.string())
    replaced = {
        "origin_address": take_strings(addresses, f * N_VARIANTS + variant),
        "origin_lat": pa.array(lat, mask=missing),
        "origin_lon": pa.array(lon, mask=missing),
        "sender_phone": phone_text(phone),
    }
    for name, values in replaced.items():
        i = shipments.schema.get_field_index(name)
        column = shipments.column(i).combine_chunks()
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        shipments = shipments.set_column(
            i, name, pc.replace_with_mask(column, pa.array(mask), values.cast(column.type))
        )
    fields = (HUB_FIELDS[0], HUB_FIELDS[1])  # the shipments' origin address and sender phone
    return shipments, forwarder_hubs(n_fwd, refiled.addresses, refiled.phone_base, phone_text, fields)
