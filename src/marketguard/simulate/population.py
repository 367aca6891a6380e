"""Who is in the marketplace: operators, stores, accounts, households and review farms.

Internal codes are plain integers (store ``i`` is run through account ``i``); the opaque string ids written
to the tables are assigned later by random permutation, so no id reveals a population. Counterfeit operators
open stores through borrowed identities (one identity per store account) in batches; agencies run stores for
many clients, each with the client's own identity; independents are one owner (rarely with a second store
under the same identity). Where ``grey_store_share`` asks for them, grey-market sellers (honest businesses
importing genuine goods without the brands' authorisation) run one to six stores each, every store under a
company registration of its own, opened over the past years; they and a share of the honest stores sell
cross-border goods (``store_cross_border``). Buyers and farm accounts complete the account population.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .catalog_vocab import CATEGORIES, COUNTERFEIT_CATEGORY_WEIGHT, GREY_CATEGORY_WEIGHT
from .config import (
    AGENCY_STORE_SHARE,
    BUYERS_PER_STORE,
    COUNTERFEIT_STORE_SHARE,
    US_PER_DAY,
    US_PER_HOUR,
    WINDOW_END_US,
    WINDOW_START_US,
    SimulationConfig,
)
from .geography import CITIES, bonded_cities, city_arrays
from .timeline import ceil_jitter, floor_jitter

__all__ = ["AGENCY", "COUNTERFEIT", "GREY", "INDEPENDENT", "ROLES", "Population", "build_population"]

#: Operator kinds; ``GREY`` (grey-market sellers) exist only where ``grey_store_share`` asks for them.
COUNTERFEIT, AGENCY, INDEPENDENT, GREY = 0, 1, 2, 3
OPERATOR_KINDS = ("counterfeit", "agency", "independent", "grey_market")
#: Account roles. A store account's role is its store's kind, except grey-market stores: their kind code (3) is
#: the buyers' role, so their accounts take a role of their own, appended so the older codes keep their meaning.
ROLES = (
    "counterfeit_seller",
    "agency_seller",
    "independent_seller",
    "buyer",
    "review_farm",
    "grey_market_seller",
)
ROLE_BUYER, ROLE_FARM, ROLE_GREY = 3, 4, 5
#: Probability of each size (1..6 stores) of a grey-market operator: most sell through one or two stores, a few
#: run several from one small office.
GREY_OPERATOR_SIZE_P = (0.5, 0.22, 0.12, 0.08, 0.05, 0.03)
#: Templates of grey-market stores (basic, custom, premium): mostly the free default, as for small traders; never
#: a brand flagship, which belongs to the brand.
GREY_TEMPLATE_P = (0.6, 0.3, 0.1)
#: Weight of a city as a grey-market office when a bonded zone is nearby (importers sit near their warehouse).
GREY_BONDED_CITY_WEIGHT = 3.0
#: Share of honest stores selling cross-border goods (imports through bonded warehouses, "international
#: version" titles), by kind: independent parallel importers, and agency-run cross-border stores of foreign brands.
CROSS_BORDER_SHARE = {INDEPENDENT: 0.05, AGENCY: 0.1}
_DAY = US_PER_DAY


def _us(year: int, month: int = 1, day: int = 1) -> int:
    return int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "us").astype(np.int64))


@dataclass
class Population:
    """Integer-coded population; arrays are indexed by store, account, operator or farm code."""

    n_stores: int
    op_kind: np.ndarray
    op_city: np.ndarray
    op_cells: np.ndarray
    store_op: np.ndarray
    store_kind: np.ndarray
    store_cell: np.ndarray
    store_opened: np.ndarray
    store_closed: np.ndarray
    store_template: np.ndarray
    store_category: np.ndarray
    acc_role: np.ndarray
    acc_op: np.ndarray
    acc_identity: np.ndarray
    acc_phone: np.ndarray
    acc_created: np.ndarray
    acc_region: np.ndarray
    acc_household: np.ndarray
    acc_farm: np.ndarray
    farm_ptr: np.ndarray
    op_farms: list[np.ndarray]
    #: When the current operator bought the store (-1: it opened the store itself); see :mod:`.acquisitions`.
    store_bought: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Honest stores selling cross-border goods beside the grey-market sellers (all False without them).
    store_cross_border: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def store_active(self) -> np.ndarray:
        """When each store's current operator started running it: the purchase of a bought store, else its opening."""
        return np.where(self.store_bought >= 0, self.store_bought, self.store_opened)

    @property
    def n_accounts(self) -> int:
        return int(self.acc_role.shape[0])

    @property
    def n_farms(self) -> int:
        return int(self.farm_ptr.shape[0] - 1)

    @property
    def buyer_accounts(self) -> np.ndarray:
        """Codes of accounts that shop (buyers, including the family members among them)."""
        return np.flatnonzero(self.acc_role == ROLE_BUYER)


def _group_sizes(rng: np.random.Generator, total: int, lo: int, hi: int, mu: float) -> np.ndarray:
    """Skewed group sizes in ``[lo, hi]`` summing exactly to ``total`` (a few big groups, many small)."""
    sizes: list[int] = []
    remaining = total
    while remaining > 0:
        draw = lo + np.floor(rng.lognormal(mu, 0.8, size=64)).astype(np.int64)
        for s in np.minimum(draw, hi):
            take = int(min(s, remaining))
            sizes.append(take)
            remaining -= take
            if remaining == 0:
                break
    return np.array(sizes, dtype=np.int64)


def _operators(rng: np.random.Generator, n_stores: int, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Operator kind per operator and operator code per store (stores grouped by operator); ``grey`` holds the
    store counts of the grey-market operators, who come last and take their stores from the independents'."""
    n_cf = max(2, round(COUNTERFEIT_STORE_SHARE * n_stores))
    n_ag = max(5, round(AGENCY_STORE_SHARE * n_stores))
    cf = _group_sizes(rng, n_cf, 2, 12, 0.8)
    ag = _group_sizes(rng, n_ag, 5, 40, 1.8)
    n_ind = n_stores - n_cf - n_ag - int(grey.sum())
    multi = rng.random(n_ind) < 0.03
    ind = np.where(multi, 2 + (rng.random(n_ind) < 0.3), 1)
    ind = ind[np.cumsum(ind) <= n_ind]
    ind = np.concatenate([ind, np.ones(n_ind - int(ind.sum()), dtype=np.int64)])
    sizes = np.concatenate([cf, ag, ind, grey])
    kinds = np.repeat(
        np.array([COUNTERFEIT, AGENCY, INDEPENDENT, GREY]), [cf.size, ag.size, ind.size, grey.size]
    )
    return kinds, np.repeat(np.arange(sizes.size), sizes)


def _grey_operator_sizes(rng: np.random.Generator, n_grey: int) -> np.ndarray:
    """Store counts of grey-market operators (:data:`GREY_OPERATOR_SIZE_P`) summing exactly to ``n_grey``."""
    p = np.array(GREY_OPERATOR_SIZE_P)
    draw = 1 + rng.choice(p.size, n_grey, p=p / p.sum())
    sizes = draw[np.cumsum(draw) <= n_grey]
    return np.concatenate([sizes, np.ones(n_grey - int(sizes.sum()), dtype=np.int64)]).astype(np.int64)


def _grey_stores(rng: np.random.Generator, st: dict[str, Any]) -> None:
    """Grey-market operators' offices near bonded zones, their stores' templates and categories (the imported
    goods: cosmetics, perfume, electronics...), and which honest stores sell cross-border goods; in place."""
    kind, op_kind = st["store_kind"], st["op_kind"]
    grey_ops, grey = np.flatnonzero(op_kind == GREY), np.flatnonzero(kind == GREY)
    w = city_arrays()["weight"] * np.where(bonded_cities(), GREY_BONDED_CITY_WEIGHT, 1.0)
    st["op_city"][grey_ops] = rng.choice(w.size, grey_ops.size, p=w / w.sum())
    st["store_template"][grey] = rng.choice(len(GREY_TEMPLATE_P), grey.size, p=GREY_TEMPLATE_P)
    cat_w = np.array(GREY_CATEGORY_WEIGHT) / sum(GREY_CATEGORY_WEIGHT)
    st["store_category"][grey] = rng.choice(cat_w.size, grey.size, p=cat_w)
    share = np.select([kind == k for k in CROSS_BORDER_SHARE], list(CROSS_BORDER_SHARE.values()), 0.0)
    st["store_cross_border"] = rng.random(kind.size) < share


def _counterfeit_dates(
    rng: np.random.Generator, store_op: np.ndarray, is_cf: np.ndarray, aged_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Counterfeit stores open in 1-3 batches per operator; their accounts are created days before, together,
    except the stores opened on old accounts bought or rented from their owners (``aged_rate``)."""
    n_ops = int(store_op.max()) + 1
    start = rng.integers(_us(2023, 6), _us(2025, 9, 15), size=n_ops)
    batch = rng.integers(0, 3, size=store_op.size)
    batch_key = store_op * 3 + batch
    batch_day = start[store_op] + batch * rng.integers(20, 150, size=n_ops * 3)[batch_key] * _DAY
    batch_lead = rng.integers(1, 15, size=n_ops * 3)[batch_key] * _DAY
    opened = batch_day + rng.integers(0, 3 * _DAY, size=store_op.size)
    opened = ceil_jitter(rng, opened, WINDOW_END_US - 45 * _DAY, 10 * _DAY)
    created = opened - batch_lead - rng.integers(0, 6 * US_PER_HOUR, size=store_op.size)
    aged = rng.random(store_op.size) < aged_rate
    created = np.where(aged, opened - rng.integers(365, 6 * 365, size=store_op.size) * _DAY, created)
    return np.where(is_cf, opened, 0), np.where(is_cf, created, 0)


def _honest_dates(rng: np.random.Generator, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Honest stores open over a decade; ~28% of independents are young, and young ones have young accounts."""
    n = kind.size
    young = (kind == INDEPENDENT) & (rng.random(n) < 0.28)
    old_open = rng.integers(_us(2015), _us(2024, 9), size=n)
    young_open = rng.integers(_us(2024, 9), WINDOW_END_US - 30 * _DAY, size=n)
    opened = np.where(young, young_open, old_open)
    ag_open = rng.integers(_us(2019), WINDOW_END_US - 30 * _DAY, size=n)
    opened = np.where(kind == AGENCY, ag_open, opened)
    lead_days = np.where(young, rng.exponential(20, n), rng.exponential(400, n))
    lead_days = np.where(kind == AGENCY, rng.exponential(60, n), lead_days)
    created = opened - ((0.5 + lead_days) * _DAY).astype(np.int64)
    return opened, floor_jitter(rng, created, _us(2010), 200 * _DAY), young


def _templates(
    rng: np.random.Generator, kind: np.ndarray, young: np.ndarray, cfg: SimulationConfig
) -> np.ndarray:
    """Counterfeit stores mostly keep the default template; agencies customise; young sellers keep basic."""
    n = kind.size
    u = rng.random(n)
    cf = np.where(u < cfg.basic_template_rate, 0, np.where(rng.random(n) < 0.8, 1, 2))
    ag = np.searchsorted(np.cumsum([0.04, 0.56, 0.3, 0.1]), rng.random(n), side="right")
    ind = np.searchsorted(np.cumsum([0.12, 0.63, 0.22, 0.03]), rng.random(n), side="right")
    ind = np.where(young & (u < 0.85), 0, ind)
    return np.select([kind == COUNTERFEIT, kind == AGENCY], [cf, ag], np.minimum(ind, 3)).astype(np.int64)


def _households(rng: np.random.Generator, n_accounts: int, eligible: np.ndarray) -> np.ndarray:
    """Families of 2-4 accounts sharing a home router (and often one device)."""
    household = np.full(n_accounts, -1, dtype=np.int64)
    members = rng.permutation(eligible)[: int(0.16 * eligible.size)]
    sizes = rng.integers(2, 5, size=members.size // 2 + 1)
    sizes = sizes[np.cumsum(sizes) <= members.size]
    household[members[: int(sizes.sum())]] = np.repeat(np.arange(sizes.size), sizes)
    return household


def _farm_sizes(rng: np.random.Generator, n_cf_ops: int) -> np.ndarray:
    n_farms = max(2, round(n_cf_ops / 4))
    return np.clip(20 + rng.lognormal(3.6, 0.7, n_farms).astype(np.int64), 20, 200)


def _closures(rng: np.random.Generator, opened: np.ndarray, is_cf: np.ndarray) -> np.ndarray:
    """Closing time in 2025 (-1: still open): 15% of counterfeit stores are taken down, 4% of honest close."""
    n = opened.size
    closing = rng.random(n) < np.where(is_cf, 0.15, 0.04)
    close_lo = np.maximum(opened + 30 * _DAY, WINDOW_START_US + 20 * _DAY)
    when = close_lo + (rng.random(n) * np.maximum(WINDOW_END_US - close_lo, 0)).astype(np.int64)
    return np.where(closing & (close_lo < WINDOW_END_US - _DAY), when, -1)


def _stores(
    rng: np.random.Generator, n_stores: int, cfg: SimulationConfig, grey: np.ndarray
) -> dict[str, Any]:
    """Operators and their stores: cities, cells, dates, templates, categories, owner identities.

    Grey-market stores get the honest draws (an old store on an established account, its own identity) and
    :func:`_grey_stores` then sets what is theirs."""
    op_kind, store_op = _operators(rng, n_stores, grey)
    n_ops = op_kind.size
    kind = op_kind[store_op]
    is_cf = kind == COUNTERFEIT
    cities = city_arrays()
    hub_w = cities["weight"] * np.where(cities["is_hub"], 6.0, 1.0)
    op_city = np.where(
        op_kind == COUNTERFEIT,
        rng.choice(len(hub_w), n_ops, p=hub_w / hub_w.sum()),
        rng.choice(len(hub_w), n_ops, p=cities["weight"]),
    )
    big = np.bincount(store_op, minlength=n_ops) >= 4
    op_cells = np.where((op_kind == COUNTERFEIT) & big & (rng.random(n_ops) < cfg.split_cell_rate), 2, 1)
    cf_open, cf_created = _counterfeit_dates(rng, store_op, is_cf, cfg.aged_account_rate)
    opened, created, young = _honest_dates(rng, kind)
    opened = np.where(is_cf, cf_open, opened)
    cf_w = np.array(COUNTERFEIT_CATEGORY_WEIGHT) / sum(COUNTERFEIT_CATEGORY_WEIGHT)
    # identities: one per store account, except multi-store independents who reuse their own
    first_store = np.r_[True, store_op[1:] != store_op[:-1]]
    return {
        "op_kind": op_kind,
        "op_city": op_city,
        "op_cells": op_cells,
        "store_op": store_op,
        "store_kind": kind,
        "store_cell": np.where(op_cells[store_op] == 2, rng.integers(0, 2, n_stores), 0),
        "store_opened": opened,
        "store_closed": _closures(rng, opened, is_cf),
        "store_template": _templates(rng, kind, young, cfg),
        "store_category": np.where(
            is_cf, rng.choice(len(CATEGORIES), n_stores, p=cf_w), rng.integers(0, len(CATEGORIES), n_stores)
        ),
        "created": np.where(is_cf, cf_created, created),
        "identity": np.where(kind == INDEPENDENT, np.cumsum(first_store) - 1, np.arange(n_stores) + n_stores),
    }


def _household_regions(household: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Members of a household live where its first member lives."""
    has_home = household >= 0
    first_region = np.full(int(household.max()) + 2, -1, dtype=np.int64)
    first_region[household[has_home][::-1]] = region[has_home][::-1]
    return np.where(has_home, first_region[household], region)


def _accounts(rng: np.random.Generator, st: dict[str, np.ndarray]) -> dict[str, Any]:
    """Store accounts first (account i runs store i), then review-farm accounts, then buyers."""
    n_stores = st["store_op"].size
    kind = st["store_kind"]
    farm_sizes = _farm_sizes(rng, int((st["op_kind"] == COUNTERFEIT).sum()))
    n_farm, n_buyers = int(farm_sizes.sum()), round(BUYERS_PER_STORE * n_stores)
    n_acc = n_stores + n_farm + n_buyers
    farm_ptr = np.concatenate([[0], np.cumsum(farm_sizes)])
    farm_of = np.repeat(np.arange(farm_sizes.size), farm_sizes)
    acc_farm = np.concatenate([np.full(n_stores, -1), farm_of, np.full(n_buyers, -1)])
    identity = np.concatenate([st["identity"], 2 * n_stores + np.arange(n_farm + n_buyers)])
    # farm accounts share a pool of SIM cards (phones) among themselves
    sim = farm_ptr[farm_of] + (rng.random(n_farm) * farm_sizes[farm_of] / 3).astype(np.int64)
    phone = identity.copy()
    phone[n_stores : n_stores + n_farm] = 10 * n_acc + sim
    farm_start = rng.integers(_us(2023, 1), _us(2025, 3), size=farm_sizes.size)
    farm_created = farm_start[farm_of] + rng.integers(0, 200 * _DAY, n_farm)
    buyer_created = np.where(
        rng.random(n_buyers) < 0.85,
        _us(2025) - (rng.exponential(3.0, n_buyers) * 365 * _DAY).astype(np.int64),
        rng.integers(_us(2025), WINDOW_END_US - 20 * _DAY, n_buyers),
    )
    buyer_created = floor_jitter(rng, buyer_created, _us(2011), 300 * _DAY)
    region = rng.choice(len(CITIES), n_acc, p=city_arrays()["weight"])
    own_region = (kind == INDEPENDENT) | (kind == GREY) | ((kind == AGENCY) & (rng.random(n_stores) < 0.3))
    region[:n_stores] = np.where(own_region, st["op_city"][st["store_op"]], region[:n_stores])
    eligible = np.concatenate([np.flatnonzero(kind == INDEPENDENT), np.arange(n_stores + n_farm, n_acc)])
    household = _households(rng, n_acc, eligible)
    op_farms = [
        rng.choice(farm_sizes.size, size=min(farm_sizes.size, 1 + int(rng.random() < 0.35)), replace=False)
        if k == COUNTERFEIT
        else np.empty(0, np.int64)
        for k in st["op_kind"]
    ]
    return {
        "acc_role": np.concatenate(
            [
                np.where(kind == GREY, ROLE_GREY, kind),
                np.full(n_farm, ROLE_FARM),
                np.full(n_buyers, ROLE_BUYER),
            ]
        ),
        "acc_op": np.concatenate([st["store_op"], np.full(n_farm + n_buyers, -1)]),
        "acc_identity": identity,
        "acc_phone": phone,
        "acc_created": np.concatenate([st["created"], farm_created, buyer_created]),
        "acc_region": _household_regions(household, region),
        "acc_household": household,
        "acc_farm": acc_farm,
        "farm_ptr": farm_ptr,
        "op_farms": op_farms,
    }


def build_population(
    rng: np.random.Generator,
    n_stores: int,
    cfg: SimulationConfig,
    grey_rng: np.random.Generator | None = None,
) -> Population:
    """Draw operators, stores and accounts for a marketplace of ``n_stores`` stores.

    Grey-market sellers (``grey_store_share``) are drawn from ``grey_rng``, a stream of their own; without them
    ``rng`` makes exactly the draws it always made.
    """
    n_grey = round(cfg.grey_store_share * n_stores) if grey_rng is not None else 0
    grey = (
        _grey_operator_sizes(grey_rng, n_grey)
        if grey_rng is not None and n_grey > 0
        else np.zeros(0, np.int64)
    )
    st = _stores(rng, n_stores, cfg, grey)
    st["store_cross_border"] = np.zeros(n_stores, dtype=bool)
    if grey_rng is not None and grey.size:
        _grey_stores(grey_rng, st)
    acc = _accounts(rng, st)
    del st["created"], st["identity"]
    pop = Population(n_stores=n_stores, **st, **acc)
    pop.store_bought = np.full(n_stores, -1, dtype=np.int64)
    return pop
