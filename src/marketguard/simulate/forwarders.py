"""Forwarder-filed exports: front companies with contacts of their own, and the freight forwarders everybody uses.

On the older presets a front company's declarations name the operator's own sites and phones. Careful operators
register the front at an address of its own with a phone of its own, and file through a freight forwarder (a
customs broker consolidating many exporters' goods), who often puts its own desk phone, and sometimes its
warehouse address, on the declaration. Half of the legitimate exporters file through the same forwarders, so a
forwarder's phone or address ties hundreds of unrelated declarations together: a hub, not a link. Slips remain:
``1 - front_own_contact_rate`` of a front's declarations still name the factory the goods leave from.

Everything here draws from its own stream and runs only when ``forwarder_rate`` or ``front_own_contact_rate``
is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .addresses import N_VARIANTS, site_addresses
from .config import SimulationConfig
from .geography import CITIES, city_arrays
from .hubs import HUB_FIELDS, hub_rows
from .ids import decimal_ids

__all__ = ["PHONES_PER_FORWARDER", "POPULARITY_SKEW", "Refiled", "forwarder_hubs", "refile"]

#: Stores per freight forwarder (a port city has a handful of big ones serving the e-commerce exporters).
STORES_PER_FORWARDER = 1500
MIN_FORWARDERS = 4
PHONES_PER_FORWARDER = 2
#: Exponent of the forwarders' popularity (a few big brokers file most declarations).
POPULARITY_SKEW = 0.8
#: Share of legitimate exporters filing through a forwarder, and of their declarations it files.
HONEST_FORWARDER_SHARE = 0.5
HONEST_VIA_RATE = 0.8
#: On a forwarder-filed declaration: chance the phone is the forwarder's desk, and the address its warehouse.
FORWARDER_PHONE_RATE = 0.7
FORWARDER_ADDRESS_RATE = 0.3
#: Chance a front's own address is written in a non-canonical form (as honest exporters' are).
ADDRESS_NOISE = 0.1


@dataclass
class Refiled:
    """New address texts (codes from ``addr_base``), each row's forwarder (-1: self-filed), the hub rows, each
    exporter's forwarder (``broker``; honest exporters filing themselves have one they do not use) and where
    the forwarders are: city, district, the forms of their warehouses' addresses (``N_VARIANTS`` each) and the
    first desk phone's code (``PHONES_PER_FORWARDER`` each); ``op_forwarder``, set by the declarations' builder:
    per operator, the forwarder of one of its fronts (-1: none)."""

    texts: list[str]
    forwarder: np.ndarray
    hubs: pa.Table
    broker: np.ndarray
    city: np.ndarray
    district: np.ndarray
    addresses: list[str]
    phone_base: int
    op_forwarder: np.ndarray | None = None


def _address(rng: np.random.Generator, owner: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Address code of each row: its owner's canonical form, or another form with ``ADDRESS_NOISE``."""
    variant = np.where(rng.random(owner.size) < ADDRESS_NOISE, rng.integers(1, N_VARIANTS, owner.size), 0)
    return base[owner] + variant


def refile(
    rng: np.random.Generator,
    cfg: SimulationConfig,
    n_stores: int,
    rows: dict[str, np.ndarray],
    front_city: np.ndarray,
    n_hx: int,
    addr_base: int,
    phone_base: tuple[int, int],
    phone_text: Callable[[np.ndarray], pa.Array],
) -> Refiled:
    """Rewrite the address and phone codes of declaration ``rows`` (honest exporters ``0..n_hx-1``, then the
    fronts) in place: fronts' own contacts, then forwarders' phones and addresses on the rows they file."""
    ex = rows["exporter"]
    is_front = ex >= n_hx
    n_front = front_city.size
    own_text, _ = site_addresses(rng, front_city, np.ones(n_front, dtype=np.int64))
    if n_front:  # a market too small for any front company has none to give contacts to
        own = is_front & (rng.random(ex.size) < cfg.front_own_contact_rate)
        front = np.maximum(ex - n_hx, 0)
        own_base = addr_base + np.arange(n_front) * N_VARIANTS
        rows["address"] = np.where(own, _address(rng, front, own_base), rows["address"])
        rows["phone"] = np.where(own, phone_base[0] + front, rows["phone"])
    n_fwd = max(MIN_FORWARDERS, n_stores // STORES_PER_FORWARDER)
    w = city_arrays()["weight"] * np.where(city_arrays()["is_hub"], 3.0, 1.0)
    fwd_city = rng.choice(len(CITIES), n_fwd, p=w / w.sum())
    fwd_text, fwd_district = site_addresses(rng, fwd_city, np.ones(n_fwd, np.int64))
    p = 1.0 / np.arange(1, n_fwd + 1) ** POPULARITY_SKEW
    broker = rng.choice(n_fwd, n_hx + n_front, p=p / p.sum())  # each exporter's forwarder
    uses = np.r_[rng.random(n_hx) < HONEST_FORWARDER_SHARE, np.ones(n_front, dtype=bool)]
    rate = np.where(is_front, cfg.forwarder_rate, HONEST_VIA_RATE)
    via = uses[ex] & (rng.random(ex.size) < rate)
    fwd = np.where(via, broker[ex], -1)
    desk = via & (rng.random(ex.size) < FORWARDER_PHONE_RATE)
    line = rng.integers(0, PHONES_PER_FORWARDER, ex.size)
    rows["phone"] = np.where(
        desk, phone_base[1] + np.maximum(fwd, 0) * PHONES_PER_FORWARDER + line, rows["phone"]
    )
    fwd_base = addr_base + n_front * N_VARIANTS + np.arange(n_fwd) * N_VARIANTS
    warehouse = via & (rng.random(ex.size) < FORWARDER_ADDRESS_RATE)
    rows["address"] = np.where(warehouse, _address(rng, np.maximum(fwd, 0), fwd_base), rows["address"])
    return Refiled(
        [*own_text, *fwd_text],
        fwd,
        forwarder_hubs(n_fwd, fwd_text, phone_base[1], phone_text),
        broker,
        fwd_city,
        fwd_district,
        fwd_text,
        phone_base[1],
    )


def forwarder_hubs(
    n_fwd: int,
    texts: list[str],
    phone_base: int,
    phone_text: Callable[[np.ndarray], pa.Array],
    fields: tuple[str, str] = (HUB_FIELDS[2], HUB_FIELDS[3]),
) -> pa.Table:
    """Every forwarder with each way its address is written and its desk phones, as they appear in ``fields``
    (address, phone columns): on declarations, or on the parcels its warehouse ships."""
    ids = decimal_ids("fwd_", np.arange(n_fwd), 4)
    by_address = np.repeat(np.arange(n_fwd), N_VARIANTS)
    by_phone = np.repeat(np.arange(n_fwd), PHONES_PER_FORWARDER)
    phone = phone_base + np.arange(n_fwd * PHONES_PER_FORWARDER)
    return pa.concat_tables(
        [
            hub_rows(
                ids.take(pa.array(by_address)), "freight_forwarder", fields[0], pa.array(texts, pa.string())
            ),
            hub_rows(ids.take(pa.array(by_phone)), "freight_forwarder", fields[1], phone_text(phone)),
        ]
    )
