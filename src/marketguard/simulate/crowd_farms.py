"""Crowd-sourced review farms: workers' own aged accounts, phones and homes (``crowd_farms``).

A phone-rack farm is easy to see: young accounts made in bursts, a pool of SIM cards, one Wi-Fi, templated texts.
Task platforms replaced it with crowds: a farm posts review tasks to thousands of part-time workers, who buy the
client's product with their own years-old shopping accounts (refunded with a commission), wait for delivery and
write a long review following the farm's brief, from their own phones at home. Between tasks they shop as anybody
does, and the farm asks them to buy and review popular honest goods too. So a worker looks like a buyer: an
account a few years old, a phone number of its own, a home router shared with the family, ordinary orders. The
one environment tie left is a few workers who run a second account of the same farm from the same phone and home.

Each stage of the tactic draws from a child of the crowd-farm stream (:func:`crowd_farms`), so the other
generators and the older presets are not reshuffled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .commerce import Orders
from .config import BUYERS_PER_STORE, ORDERS_PER_STORE, US_PER_DAY, WINDOW_START_US
from .geography import region_names
from .networks import HOME
from .population import ROLE_FARM, Population
from .timeline import floor_jitter

if TYPE_CHECKING:
    from .environment import World

__all__ = [
    "CrowdFarms",
    "campaign_workers",
    "crowd_farms",
    "review_delays",
    "with_worker_orders",
    "worker_contexts",
]

#: Mean age (years) of a worker's account on 2025-01-01, as for buyers (:func:`.population._accounts`): workers
#: are ordinary shoppers with their usual accounts.
ACCOUNT_AGE_YEARS = 3.0
#: Youngest worker account (days before 2025): task platforms take accounts with a few months of purchase history.
MIN_ACCOUNT_DAYS = 90
#: Oldest account creation: the marketplace's first accounts (as for buyers).
_FIRST_ACCOUNT_US = int(np.datetime64("2011-01-01", "us").astype(np.int64))
#: Share of workers living in a family of buyers (the share of buyers in families, :func:`.population._households`).
FAMILY_SHARE = 0.16
#: Share of workers who live alone with a home router of their own (as buyers, :meth:`.environment.World._homes`).
OWN_HOME_SHARE = 0.8
#: Share of farm accounts that are a second account of another worker of the same farm: the same person, so the
#: same home and often the same phone. The one environment tie between workers, kept to a few percent.
SECOND_ACCOUNT_SHARE = 0.02
#: Share of a second account's logins made on the first account's phone (the rest on a spare phone).
SECOND_PHONE_WEIGHT = 0.5
#: A worker's own orders per year: a buyer's mean (``ORDERS_PER_STORE / BUYERS_PER_STORE``).
WORKER_ORDERS = ORDERS_PER_STORE / BUYERS_PER_STORE
#: Share of orders shipped to the buyer's home region (the rest are gifts), as in :func:`.commerce.genuine_orders`.
HOME_SHIPPING_SHARE = 0.92
#: Days from a worker's order to the review: delivery, then the review a few days later, as a genuine buyer's
#: (:func:`.reviews._genuine`: half a day plus an exponential of four days).
REVIEW_DELAY_DAYS = (0.5, 4.0)


@dataclass(frozen=True)
class CrowdFarms:
    """The tactic's random streams, one per stage, and the workers who hold a second account."""

    logins_rng: np.random.Generator
    orders_rng: np.random.Generator
    reviews_rng: np.random.Generator
    text_rng: np.random.Generator
    first: np.ndarray
    second: np.ndarray


def crowd_farms(rng: np.random.Generator, pop: Population) -> CrowdFarms:
    """Turn the farm accounts into workers' own accounts, in place, and spawn the later stages' streams.

    A worker's account is created like a buyer's, years before 2025, with a phone number of its own (the
    account's identity, so no number is shared); a sixth of the workers join a family of buyers (its region and
    home router); a second account takes its worker's region and family.
    """
    recruit, logins, orders, reviews, text = rng.spawn(5)
    accs = np.flatnonzero(pop.acc_role == ROLE_FARM)
    age = MIN_ACCOUNT_DAYS * US_PER_DAY + recruit.exponential(ACCOUNT_AGE_YEARS, accs.size) * 365 * US_PER_DAY
    created = WINDOW_START_US - age.astype(np.int64)
    pop.acc_created[accs] = floor_jitter(recruit, created, _FIRST_ACCOUNT_US, 300 * US_PER_DAY)
    pop.acc_phone[accs] = pop.acc_identity[accs]
    _join_families(recruit, pop, accs)
    first, second = _second_accounts(recruit, pop, accs)
    pop.acc_region[second] = pop.acc_region[first]
    pop.acc_household[second] = pop.acc_household[first]
    return CrowdFarms(logins, orders, reviews, text, first, second)


def _join_families(rng: np.random.Generator, pop: Population, accs: np.ndarray) -> None:
    """``FAMILY_SHARE`` of the workers join distinct buyer households (one worker per family: two workers of one
    family would be a tie the tactic does not plant), taking its region."""
    hh = pop.acc_household
    members = np.flatnonzero(hh >= 0)
    if members.size == 0:
        return
    families = np.unique(hh[members])
    region = np.zeros(int(families.max()) + 1, dtype=np.int64)
    region[hh[members]] = pop.acc_region[members]
    joining = accs[rng.random(accs.size) < FAMILY_SHARE]
    joining = joining[: families.size]
    family = rng.choice(families, joining.size, replace=False)
    hh[joining] = family
    pop.acc_region[joining] = region[family]


def _second_accounts(
    rng: np.random.Generator, pop: Population, accs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) account pairs: ``SECOND_ACCOUNT_SHARE`` of the farm accounts belong to another worker of
    the same farm (a first account is never itself a second one)."""
    second = accs[rng.random(accs.size) < SECOND_ACCOUNT_SHARE]
    farm = pop.acc_farm[second]
    size = np.diff(pop.farm_ptr)[farm]
    first = pop.n_stores + pop.farm_ptr[farm] + (rng.random(second.size) * size).astype(np.int64)
    ok = (first != second) & ~np.isin(first, second)
    return first[ok], second[ok]


def worker_contexts(world: World, crowd: CrowdFarms) -> None:
    """Workers log in as buyers do (own phone at home, mobile data, hotspots, :meth:`.environment.World.personal`);
    a second account shares its worker's home router and phone."""
    rng, pop = crowd.logins_rng, world.pop
    accs = np.flatnonzero(pop.acc_role == ROLE_FARM)
    alone = accs[(world.home[accs] < 0) & ~np.isin(accs, crowd.second)]
    alone = alone[rng.random(alone.size) < OWN_HOME_SHARE]
    world.home[alone] = world.book.networks(HOME, alone.size, 1 + (rng.random(alone.size) < 0.3), True)
    world.home[crowd.second] = world.home[crowd.first]
    phone = world.personal(accs, 1.0, rng)
    first_phone = phone[np.searchsorted(accs, crowd.first)]
    home = world.home[crowd.second]
    ip = np.where(home >= 0, home, world.mobile_of(pop.acc_region[crowd.second], rng))
    world.ctx.add(crowd.second, first_phone, home, ip, SECOND_PHONE_WEIGHT)


def with_worker_orders(crowd: CrowdFarms, pop: Population, genuine: Orders) -> Orders:
    """The genuine orders plus the workers' own shopping, ``WORKER_ORDERS`` a year each on average.

    Each order copies a random genuine order's listing, time and basket (so workers follow the same popular goods
    and festival calendar as everybody), bought by a worker picked by a buyer-like activity level.
    """
    rng = crowd.orders_rng
    workers = np.flatnonzero(pop.acc_role == ROLE_FARM)
    m = round(WORKER_ORDERS * workers.size)
    activity = rng.lognormal(0, 1.2, workers.size)
    buyer = workers[rng.choice(workers.size, m, p=activity / activity.sum())]
    row = rng.integers(0, genuine.ts.size, m)
    gift = rng.random(m) >= HOME_SHIPPING_SHARE
    region = np.where(gift, rng.integers(0, len(region_names()), m), pop.acc_region[buyer])
    fields = ("listing", "ts", "quantity", "amount")
    own = {f: getattr(genuine, f)[row] for f in fields}
    return Orders(
        **{f: np.concatenate([getattr(genuine, f), own[f]]) for f in fields},
        buyer=np.concatenate([genuine.buyer, buyer]),
        region=np.concatenate([genuine.region, region]),
        is_brushing=np.concatenate([genuine.is_brushing, np.zeros(m, dtype=bool)]),
    )


def campaign_workers(
    rng: np.random.Generator, pop: Population, farm: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Account per campaign review: distinct workers of the campaign's farm (a platform pays one review per
    account and task); only a campaign larger than its farm comes back to the same workers."""
    n_workers = np.diff(pop.farm_ptr)[farm]
    cand_camp = np.repeat(np.arange(farm.size), n_workers)
    cand = pop.n_stores + np.repeat(pop.farm_ptr[farm], n_workers) + _ranks(n_workers)
    shuffled = cand[np.lexsort((rng.random(cand.size), cand_camp))]
    camp = np.repeat(np.arange(farm.size), size)
    start = np.cumsum(n_workers) - n_workers
    return shuffled[start[camp] + _ranks(size) % n_workers[camp]]


def review_delays(rng: np.random.Generator, n: int) -> np.ndarray:
    """Microseconds from a worker's order to its review, as a genuine buyer's."""
    lo, mean = REVIEW_DELAY_DAYS
    return ((lo + rng.exponential(mean, n)) * US_PER_DAY).astype(np.int64)


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within each consecutive group of the given sizes."""
    return np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
