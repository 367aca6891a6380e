"""Bought, aged stores: counterfeit operators buying going concerns instead of opening new stores.

A young store on a young account that lists deeply discounted branded goods within days is the classic tell of a
counterfeit store; buying an established store hides all three. Store-trading markets sell accounts with years
of history, ratings and an honest template, and the buyer keeps part of the previous owner's catalogue so the
store does not change overnight. So with ``bought_store_rate`` a counterfeit store opened years before its
operator took it over, on the previous owner's account, and its catalogue mixes the previous owner's honest
listings (``kept_listing_share`` of them, listed before the purchase) with the operator's goods, listed from
the purchase on. What still gives it away is the operator's behaviour from the purchase date: its environment,
parcels, money and copied catalogue are those of the operator's other stores.

Everything here draws from its own random stream, so the other generators of a preset are not reshuffled.
"""

from __future__ import annotations

import numpy as np

from .config import US_PER_DAY, SimulationConfig
from .population import COUNTERFEIT, Population
from .timeline import floor_jitter

__all__ = ["buy_stores", "kept_listings"]

#: Earliest opening of a bought store: store-trading markets rarely sell stores older than about ten years.
_OLDEST_OPEN_US = int(np.datetime64("2015-01-01", "us").astype(np.int64))
#: A bought store had run for at least this many days under its previous owner (a history is what is sold).
_MIN_HISTORY_DAYS = 365
#: Mean days between an honest owner's account creation and the store's opening, as for honest stores
#: (:func:`marketguard.simulate.population._honest_dates`).
_ACCOUNT_LEAD_DAYS = 400.0
#: Templates of bought stores (basic, custom, premium): the previous owner's choice, distributed as honest
#: independents choose (flagships are never for sale: they belong to the brand).
_TEMPLATE_P = np.array([0.12, 0.66, 0.22])


def buy_stores(rng: np.random.Generator, pop: Population, cfg: SimulationConfig) -> None:
    """Turn ``bought_store_rate`` of the counterfeit stores into bought going concerns, in place.

    The operator's start date (its batch opening) becomes the purchase date (``pop.store_bought``); the store's
    opening moves years back, its account's creation before that, and its template to the previous owner's.
    """
    if cfg.bought_store_rate <= 0:
        return
    cf = np.flatnonzero(pop.store_kind == COUNTERFEIT)
    bought = cf[rng.random(cf.size) < cfg.bought_store_rate]
    purchase = pop.store_opened[bought]
    latest = np.maximum(purchase - _MIN_HISTORY_DAYS * US_PER_DAY, _OLDEST_OPEN_US + US_PER_DAY)
    opened = _OLDEST_OPEN_US + (rng.random(bought.size) * (latest - _OLDEST_OPEN_US)).astype(np.int64)
    lead = ((0.5 + rng.exponential(_ACCOUNT_LEAD_DAYS, bought.size)) * US_PER_DAY).astype(np.int64)
    created = floor_jitter(rng, opened - lead, _OLDEST_OPEN_US - 5 * 365 * US_PER_DAY, 200 * US_PER_DAY)
    pop.store_bought[bought] = purchase
    pop.store_opened[bought] = opened
    pop.acc_created[bought] = created  # store i is run through account i
    pop.store_template[bought] = rng.choice(_TEMPLATE_P.size, bought.size, p=_TEMPLATE_P)


def kept_listings(
    rng: np.random.Generator, pop: Population, cfg: SimulationConfig, lst_store: np.ndarray
) -> np.ndarray:
    """Per listing: whether it is one of the previous owner's listings a bought store kept (all False when no
    store was bought). Each bought store keeps a share in ``kept_listing_share`` of its listings."""
    is_bought = pop.store_bought >= 0
    if not is_bought.any():
        return np.zeros(lst_store.size, dtype=bool)
    lo, hi = cfg.kept_listing_share
    share = np.where(is_bought, rng.uniform(lo, hi, pop.n_stores), 0.0)
    return rng.random(lst_store.size) < share[lst_store]
