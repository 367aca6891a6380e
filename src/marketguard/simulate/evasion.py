"""Anti-detect browsers and residential proxies: how professional operators keep their stores' logins apart.

Platforms link accounts by device fingerprint, Wi-Fi and IP, so operators of store groups run each store in its
own anti-detect browser profile (Multilogin, AdsPower and the like): a fingerprint of its own, a spoofed Wi-Fi id,
and an exit through a residential proxy. Residential proxies resell the home connections of ordinary households
(proxy SDKs in free apps, compromised routers), so an exit IP is also the home of an honest family logging in
from it with its own phones: the same IP links a counterfeit store to unrelated buyers, and a few stores of
unrelated operators that drew the same exit to each other. Each store also keeps a cheap phone of its own on
mobile data (one phone, one SIM, one store) for the app.

What is left to link are human slips: in about half the operators, staff answer customers from their own
phones on the office's real Wi-Fi, each phone logged into several stores; and a boss checks two or three stores
from his own phone, once or twice a year. The rest of the evidence (parcels, money, copied catalogues,
review farms) lives in the other generators.

Every draw here comes from the evasion stream; the contexts join the shared accumulator of
:mod:`.environment`, which turns them into logins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .config import SimulationConfig
from .hubs import HUB_FIELDS, hub_rows
from .ids import decimal_ids, ipv4_text
from .networks import HOME, N_PHONE_UA, OFFICE, PC_UA, NetworkLayout
from .population import COUNTERFEIT

if TYPE_CHECKING:
    from .environment import World

__all__ = ["antidetect", "exit_hubs"]

#: Share of a store's logins made in its browser profile: listing, pricing and order work is done at a desk.
PROFILE_WEIGHT = 0.75
#: Share made from the store's own phone on mobile data (app notifications and customer chat).
PHONE_WEIGHT = 0.25
#: Expected extra profiles per store over the year: a profile is rebuilt after a verification scare.
PROFILE_REBUILDS = 0.3
#: Share of profiles presenting a desktop browser (the rest emulate a phone).
DESKTOP_PROFILE_SHARE = 0.8
#: Residential exits in the pool per counterfeit store. Real pools hold millions of homes, so two stores rarely
#: draw the same exit; here exits are homes of this market's buyers, and twenty per store keeps a collision to
#: about one store in four (some operator's store shares an exit with another operator's), still a trap for a
#: linker trusting IPs, but not one that glues every operator together.
EXITS_PER_STORE = 20.0
#: Inclusive range of sticky exits a profile uses over the year (a session is rotated every few months).
EXITS_PER_PROFILE = (1, 3)
#: Inclusive range of staff phones of a leaking office, the share of the operator's stores each is logged into,
#: and the share of a store's logins each makes (a few percent: the slip, not the habit).
STAFF_PHONES = (1, 3)
STAFF_STORE_SHARE = 0.7
STAFF_WEIGHT = 0.04
#: Inclusive ranges of the stores a boss's phone logs into and of its logins per store.
SLIP_STORES = (2, 3)
SLIP_LOGINS = (1, 2)


def antidetect(world: World, cfg: SimulationConfig, rng: np.random.Generator) -> np.ndarray:
    """Contexts of every counterfeit store account; returns the residential-proxy exits (home network codes)."""
    pop = world.pop
    accs = np.flatnonzero(pop.store_kind == COUNTERFEIT)
    exits = _exits(world, rng, accs.size)
    _profiles(world, rng, accs, exits)
    phone = world.book.devices(rng.integers(0, N_PHONE_UA, accs.size))
    world.ctx.add(accs, phone, -1, world.mobile_of(pop.op_city[pop.store_op[accs]]), PHONE_WEIGHT)
    ops = np.unique(pop.store_op[accs])
    _staff_phones(world, rng, ops[rng.random(ops.size) < cfg.office_wifi_leak_rate])
    _boss_slips(world, rng, ops[rng.random(ops.size) < cfg.boss_slip_rate])
    return exits


def _exits(world: World, rng: np.random.Generator, n_stores: int) -> np.ndarray:
    """Residential exits: home routers of honest buyers' households."""
    homes = np.unique(world.home[world.pop.buyer_accounts])
    homes = homes[homes >= 0]
    n = int(np.clip(round(EXITS_PER_STORE * n_stores), 1, homes.size))
    return rng.choice(homes, n, replace=False)


def _profiles(world: World, rng: np.random.Generator, accs: np.ndarray, exits: np.ndarray) -> None:
    """One or more browser profiles per store, each with a spoofed Wi-Fi id and one to three sticky exits; the
    store's first login (its registration, when it was opened in the window) is its first profile's."""
    k = 1 + rng.poisson(PROFILE_REBUILDS, accs.size)
    prof_acc = np.repeat(accs, k)
    m = prof_acc.size
    ua = np.where(rng.random(m) < DESKTOP_PROFILE_SHARE, rng.choice(PC_UA, m), rng.integers(0, N_PHONE_UA, m))
    dev = world.book.devices(ua)
    spoofed = world.book.networks(HOME, m, 1, True)  # a made-up access point per profile
    lo, hi = EXITS_PER_PROFILE
    n_ex = rng.integers(lo, hi + 1, m)
    prof = np.repeat(np.arange(m), n_ex)
    ex = exits[rng.integers(0, exits.size, prof.size)]
    weight = PROFILE_WEIGHT / (np.repeat(k, k)[prof] * n_ex[prof])
    first_of_acc = np.concatenate([[0], np.cumsum(k)[:-1]])
    first_ctx = np.zeros(prof.size, dtype=bool)
    first_ctx[np.concatenate([[0], np.cumsum(n_ex)[:-1]])[first_of_acc]] = True
    for forced in (True, False):  # the registration context first: forced contexts take the first logins
        rows = first_ctx == forced
        world.ctx.add(
            prof_acc[prof[rows]], dev[prof[rows]], spoofed[prof[rows]], ex[rows], weight[rows], forced
        )


def _members(store_op: np.ndarray, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Store codes of ``ops`` and the index in ``ops`` of each (stores are grouped by operator)."""
    first = np.searchsorted(store_op, ops)
    size = np.searchsorted(store_op, ops, side="right") - first
    return np.repeat(first, size) + _ranks(size), np.repeat(np.arange(ops.size), size)


def _staff_phones(world: World, rng: np.random.Generator, ops: np.ndarray) -> None:
    """Staff phones on the office's real Wi-Fi and static IP, each logged into a share of the stores."""
    if ops.size == 0:
        return
    office = world.book.networks(OFFICE, ops.size, rng.integers(1, 5, ops.size), True)
    lo, hi = STAFF_PHONES
    n_staff = rng.integers(lo, hi + 1, ops.size)
    staff_ptr = np.concatenate([[0], np.cumsum(n_staff)])
    phones = world.book.devices(rng.integers(0, N_PHONE_UA, int(n_staff.sum())))
    stores, owner = _members(world.pop.store_op, ops)
    pair_store = np.repeat(stores, n_staff[owner])
    pair_op = np.repeat(owner, n_staff[owner])
    pair_phone = phones[np.repeat(staff_ptr[owner], n_staff[owner]) + _ranks(n_staff[owner])]
    on = rng.random(pair_store.size) < STAFF_STORE_SHARE
    net = office[pair_op[on]]
    world.ctx.add(pair_store[on], pair_phone[on], net, net, STAFF_WEIGHT)


def _boss_slips(world: World, rng: np.random.Generator, ops: np.ndarray) -> None:
    """The boss's own phone, on mobile data, logs into two or three of the operator's stores once or twice: a
    shared device, on a carrier address shared with the whole city."""
    n_stores = np.bincount(world.pop.store_op, minlength=world.pop.op_kind.size)[ops]
    ops = ops[n_stores >= 2]
    if ops.size == 0:
        return
    phone = world.book.devices(rng.integers(0, N_PHONE_UA, ops.size))
    carrier = world.mobile_of(world.pop.op_city[ops])
    stores, owner = _members(world.pop.store_op, ops)
    lo, hi = SLIP_STORES
    n_slip = np.minimum(rng.integers(lo, hi + 1, ops.size), np.bincount(owner, minlength=ops.size))
    order = np.lexsort((rng.random(stores.size), owner))  # the stores of each operator in random order
    take = _ranks(np.bincount(owner, minlength=ops.size)) < n_slip[owner[order]]
    chosen, boss = stores[order][take], owner[order][take]
    lo, hi = SLIP_LOGINS
    times = rng.integers(lo, hi + 1, chosen.size)
    acc, who = np.repeat(chosen, times), np.repeat(boss, times)
    world.ctx.add(acc, phone[who], -1, carrier[who], 0.0, forced=True)


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within each consecutive group of the given sizes."""
    return np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def exit_hubs(layout: NetworkLayout, exits: np.ndarray) -> pa.Table:
    """Hub rows of the residential-proxy exits: one per IPv4 address of each household's home connection."""
    size = layout.v4_size[exits]
    exit_of = np.repeat(np.arange(exits.size), size)
    address = layout.v4_start[exits][exit_of] + _ranks(size)
    return hub_rows(decimal_ids("exit_", exit_of, 6), "proxy_exit", HUB_FIELDS[4], ipv4_text(address))
