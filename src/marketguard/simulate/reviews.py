"""Review farms (campaigns, brushing orders, camouflage) and genuine reviews.

A review farm is a third-party service whose 20-200 accounts share a rack of phones and SIM cards. A client
store buys *campaigns*: a burst of mostly 5-star, templated reviews on a few of its listings within days,
some backed by brushing orders, some without any order. To look normal, farm accounts also write
camouflage reviews on popular honest listings. With ``crowd_farms`` the farm is a crowd of workers
(:mod:`.crowd_farms`): distinct workers per campaign, each buying before reviewing (and reviewing after delivery,
as a buyer does), four and five stars in a realistic mix, long varied texts (:mod:`.crowd_text`). Genuine reviews
follow ~30% of real orders with a J-shaped rating distribution; counterfeit goods draw more low ratings and
"fake" complaints. Grey-market goods are genuine: their buyers rate them as honest goods, and their complaints
are about the warranty and the version.

Truth: every farm review, camouflage included, is ``is_fake`` with its ``farm_id`` (a camouflage review is paid
farm work, even on an honest store's listing); ``campaign_id`` is set on campaign reviews only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .catalog import Catalog
from .commerce import Orders, listing_window
from .config import (
    HONEST_REVIEW_RATE,
    US_PER_DAY,
    US_PER_HOUR,
    WINDOW_END_US,
    WINDOW_START_US,
    SimulationConfig,
)
from .crowd_farms import CrowdFarms, campaign_workers, review_delays
from .crowd_text import crowd_texts
from .ids import decimal_ids, take_strings
from .population import COUNTERFEIT, GREY, INDEPENDENT, Population
from .review_text import farm_texts, genuine_texts
from .timeline import floor_jitter

__all__ = ["FarmWork", "build_reviews", "farm_work"]

_HONEST_RATING = np.array([0.08, 0.04, 0.07, 0.16, 0.65])
_FAKE_GOODS_RATING = np.array([0.22, 0.08, 0.10, 0.15, 0.45])
#: Chance that a genuine review complains about imported goods (warranty, version, manual, plug), by rating (1..5):
#: on grey-market stores' listings, on honest cross-border stores' (half as often: most of their goods are
#: domestic, and their imports come with a cross-border warranty), and rarely elsewhere.
_IMPORT_COMPLAINT = np.array([0.55, 0.55, 0.35, 0.05, 0.0])
_CROSS_BORDER_FACTOR = 0.5
_OTHER_IMPORT_COMPLAINT = 0.003
#: Share of five-star farm reviews (the rest are fours): a phone-rack farm gives almost only fives; a crowd farm's
#: brief asks for a buyer-like mix, since accounts giving only fives are what platforms filter first.
FIVE_STAR_SHARE = 0.88
CROWD_FIVE_STAR_SHARE = 0.6
#: Share of (campaign, camouflage) farm reviews backed by an order: racks often skip the purchase; a crowd worker
#: is paid per verified purchase (refunded for the client's goods), so every crowd review follows an order, as
#: every genuine review does.
ORDER_RATE = (0.6, 0.5)
CROWD_ORDER_RATE = (1.0, 1.0)


@dataclass
class FarmWork:
    """Fake reviews before order ids exist; ``order`` indexes ``brushing`` rows (-1: no order)."""

    listing: np.ndarray
    account: np.ndarray
    ts: np.ndarray
    rating: np.ndarray
    farm: np.ndarray
    order: np.ndarray
    is_camouflage: np.ndarray
    brushing: Orders
    #: Campaign index per review (-1: camouflage).
    campaign: np.ndarray
    #: Campaign review texts written with the farm work (crowd farms); None: templated in :func:`build_reviews`.
    text: pa.ChunkedArray | None = None


def _campaigns(
    rng: np.random.Generator, pop: Population, cfg: SimulationConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(store, farm, start) per campaign: most counterfeit stores, and a few honest ones on harder settings."""
    cf = np.flatnonzero((pop.store_kind == COUNTERFEIT) & (rng.random(pop.n_stores) < 0.85))
    honest = np.flatnonzero(
        (pop.store_kind == INDEPENDENT) & (rng.random(pop.n_stores) < cfg.honest_farm_client_rate)
    )
    n_camp = np.concatenate([1 + rng.poisson(0.8, cf.size), np.ones(honest.size, dtype=np.int64)])
    store = np.repeat(np.concatenate([cf, honest]), n_camp)
    first_farm = np.array([f[0] if f.size else -1 for f in pop.op_farms])
    second_farm = np.array([f[-1] if f.size else -1 for f in pop.op_farms])
    op = pop.store_op[store]
    farm = np.where(rng.random(store.size) < 0.5, first_farm[op], second_farm[op])
    farm = np.where(farm < 0, rng.integers(0, pop.n_farms, store.size), farm)
    opened = np.maximum(pop.store_active[store], WINDOW_START_US - 7 * US_PER_DAY) + 7 * US_PER_DAY
    closed = pop.store_closed[store]
    hi = np.where(closed >= 0, closed, WINDOW_END_US) - 2 * US_PER_DAY
    is_first = np.r_[True, store[1:] != store[:-1]]
    soon = opened + (rng.exponential(20, store.size) * US_PER_DAY).astype(np.int64)
    later = opened + (rng.random(store.size) * np.maximum(hi - opened, 0)).astype(np.int64)
    start = np.clip(np.where(is_first, soon, later), WINDOW_START_US, np.maximum(hi, WINDOW_START_US))
    return store, farm, start


def _campaign_reviews(
    rng: np.random.Generator, pop: Population, cat: Catalog, cfg: SimulationConfig, crowd: CrowdFarms | None
) -> dict[str, np.ndarray]:
    store, farm, start = _campaigns(rng, pop, cfg)
    size = np.maximum(3, np.round(rng.lognormal(np.log(8), 0.6, store.size))).astype(np.int64)
    camp = np.repeat(np.arange(store.size), size)
    n = camp.size
    s, f = store[camp], farm[camp]
    n_lst = np.diff(cat.store_ptr)[s]
    listing = cat.store_ptr[s] + (rng.random(n) ** 2 * n_lst).astype(np.int64)
    if crowd is None:
        farm_size = np.diff(pop.farm_ptr)[f]
        account = pop.farm_ptr[f] + (rng.random(n) * farm_size).astype(np.int64) + pop.n_stores
    else:
        account = campaign_workers(crowd.reviews_rng, pop, farm, size)
    spread = np.minimum(rng.exponential(cfg.burst_days / 2, n), 3 * cfg.burst_days)
    ts = start[camp] + (spread * US_PER_DAY).astype(np.int64)
    floor = np.maximum(cat.lst_listed[listing] + 12 * US_PER_HOUR, pop.acc_created[account] + US_PER_DAY)
    ts = floor_jitter(rng, ts, floor, cfg.burst_days * US_PER_DAY)
    return {"listing": listing, "account": account, "ts": ts, "farm": f, "campaign": camp}


def _camouflage(
    rng: np.random.Generator, pop: Population, cat: Catalog, orders: Orders, n: int
) -> dict[str, np.ndarray]:
    """Farm accounts praising popular honest listings (sampled through real orders, so popularity-weighted)."""
    honest = np.flatnonzero(pop.store_kind[cat.lst_store[orders.listing]] != COUNTERFEIT)
    picked = honest[rng.integers(0, honest.size, n)]
    farm_accounts = np.flatnonzero(pop.acc_farm >= 0)
    account = farm_accounts[rng.integers(0, farm_accounts.size, n)]
    ts = orders.ts[picked] + ((1 + rng.random(n) * 9) * US_PER_DAY).astype(np.int64)
    ts = floor_jitter(rng, ts, pop.acc_created[account] + US_PER_DAY, 3 * US_PER_DAY)
    return {
        "listing": orders.listing[picked],
        "account": account,
        "ts": ts,
        "farm": pop.acc_farm[account],
        "campaign": np.full(n, -1, dtype=np.int64),
    }


def farm_work(
    rng: np.random.Generator,
    pop: Population,
    cat: Catalog,
    cfg: SimulationConfig,
    genuine: Orders,
    crowd: CrowdFarms | None = None,
) -> FarmWork:
    """All farm reviews and the brushing orders behind some of them (``crowd``: the crowd-farm tactic)."""
    camp = _campaign_reviews(rng, pop, cat, cfg, crowd)
    n_cam = round(cfg.camouflage_rate * camp["ts"].size)
    cam = _camouflage(rng, pop, cat, genuine, n_cam)
    r = {k: np.concatenate([camp[k], cam[k]]) for k in camp}
    is_cam = np.r_[np.zeros(camp["ts"].size, bool), np.ones(n_cam, bool)]
    _, hi = listing_window(pop, cat)
    keep = r["ts"] <= np.minimum(hi[r["listing"]], WINDOW_END_US)
    r = {k: v[keep] for k, v in r.items()}
    is_cam = is_cam[keep]
    n = is_cam.size
    camp_rate, cam_rate = ORDER_RATE if crowd is None else CROWD_ORDER_RATE
    has_order = rng.random(n) < np.where(is_cam, cam_rate, camp_rate)
    lo = np.maximum(cat.lst_listed[r["listing"]], WINDOW_START_US)
    if crowd is None:
        o_ts = r["ts"] - rng.integers(US_PER_HOUR, 3 * US_PER_DAY, n)
    else:
        o_ts = r["ts"] - review_delays(crowd.reviews_rng, n)
    early = o_ts < lo  # listing too new for the usual delay: order somewhere between listing and review
    o_ts[early] = lo[early] + (rng.random(int(early.sum())) * np.maximum(r["ts"] - lo, 0)[early]).astype(
        np.int64
    )
    rows = np.flatnonzero(has_order)
    order = np.full(n, -1, dtype=np.int64)
    order[rows] = np.arange(rows.size)
    price = cat.lst_price[r["listing"][rows]]
    brushing = Orders(
        listing=r["listing"][rows],
        buyer=r["account"][rows],
        ts=o_ts[rows],
        quantity=np.ones(rows.size, dtype=np.int64),
        amount=price,
        region=pop.acc_region[r["account"][rows]],
        is_brushing=np.ones(rows.size, dtype=bool),
    )
    rating = np.where(rng.random(n) < (FIVE_STAR_SHARE if crowd is None else CROWD_FIVE_STAR_SHARE), 5, 4)
    text = None
    if crowd is not None:
        category = cat.lst_category[r["listing"]]
        text = crowd_texts(crowd.text_rng, r["campaign"], r["farm"], category, rating, pop.n_farms)
    return FarmWork(
        listing=r["listing"],
        account=r["account"],
        ts=r["ts"],
        rating=rating,
        farm=r["farm"],
        order=order,
        is_camouflage=is_cam,
        brushing=brushing,
        campaign=r["campaign"],
        text=text,
    )


def _import_complaints(
    rng: np.random.Generator, pop: Population, store: np.ndarray, rating: np.ndarray
) -> np.ndarray:
    """Which genuine reviews complain about imported goods (:data:`_IMPORT_COMPLAINT`), drawn from ``rng``."""
    p = _IMPORT_COMPLAINT[rating - 1]
    p = np.select(
        [pop.store_kind[store] == GREY, pop.store_cross_border[store]],
        [p, _CROSS_BORDER_FACTOR * p],
        np.where(rating <= 3, _OTHER_IMPORT_COMPLAINT, 0.0),
    )
    return rng.random(store.size) < p


def _genuine(
    rng: np.random.Generator,
    pop: Population,
    cat: Catalog,
    cfg: SimulationConfig,
    orders: Orders,
    grey_rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Genuine reviews of real orders; grey-market goods are rated as honest ones. With ``grey_rng`` (where
    grey-market sellers exist) some complain about imported goods instead of fakes (``complains_import``)."""
    store = cat.lst_store[orders.listing]
    is_cf = pop.store_kind[store] == COUNTERFEIT
    rate = np.where(is_cf, HONEST_REVIEW_RATE * 0.8 * cfg.genuine_review_factor, HONEST_REVIEW_RATE)
    pick = np.flatnonzero(~orders.is_brushing & (rng.random(orders.ts.size) < rate))
    ts = orders.ts[pick] + ((0.5 + rng.exponential(4, pick.size)) * US_PER_DAY).astype(np.int64)
    pick, ts = pick[ts <= WINDOW_END_US], ts[ts <= WINDOW_END_US]
    cf = is_cf[pick]
    u = rng.random(pick.size)
    rating = 1 + np.where(
        cf,
        np.searchsorted(np.cumsum(_FAKE_GOODS_RATING), u, side="right"),
        np.searchsorted(np.cumsum(_HONEST_RATING), u, side="right"),
    )
    rating = np.minimum(rating, 5)
    v = rng.random(pick.size)
    complains = np.where(
        cf, ((rating <= 2) & (v < 0.6)) | ((rating == 3) & (v < 0.2)), (rating <= 2) & (v < 0.06)
    )
    complains_import = np.zeros(pick.size, dtype=bool)
    if grey_rng is not None and (pop.store_kind == GREY).any():
        complains_import = _import_complaints(grey_rng, pop, store[pick], rating) & ~cf
        complains &= ~complains_import  # one complaint per review: about the channel, not about fakes
    return {
        "listing": orders.listing[pick],
        "account": orders.buyer[pick],
        "order": pick,
        "ts": ts,
        "rating": rating,
        "complains": complains,
        "complains_import": complains_import,
    }


def build_reviews(
    rng: np.random.Generator,
    pop: Population,
    cat: Catalog,
    cfg: SimulationConfig,
    orders: Orders,
    fw: FarmWork,
    brushing_pos: np.ndarray,
    acc_ids: pa.Array,
    grey_rng: np.random.Generator | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The ``reviews`` table and its ground truth (``is_fake``, ``farm_id``, ``campaign_id``), ordered by time;
    ``grey_rng`` draws the complaints about imported goods (:func:`_genuine`)."""
    assert orders.ids is not None
    g = _genuine(rng, pop, cat, cfg, orders, grey_rng)
    g_text = genuine_texts(rng, g["rating"], g["complains"], g["complains_import"], grey_rng)
    cam_text = genuine_texts(rng, fw.rating, np.zeros(fw.rating.size, dtype=bool))
    farm_text = farm_texts(rng, fw.farm, pop.n_farms) if fw.text is None else fw.text
    f_text = pc.if_else(pa.chunked_array([pa.array(fw.is_camouflage)]), cam_text, farm_text)
    f_order = np.where(fw.order >= 0, brushing_pos[np.maximum(fw.order, 0)], -1)
    listing = np.concatenate([g["listing"], fw.listing])
    account = np.concatenate([g["account"], fw.account])
    order = np.concatenate([g["order"], f_order])
    ts = np.concatenate([g["ts"], fw.ts])
    rating = np.concatenate([g["rating"], fw.rating]).astype(np.int64)
    farm = np.concatenate([np.full(g["ts"].size, -1), fw.farm])
    text = pa.chunked_array(g_text.chunks + f_text.chunks, type=pa.string())
    idx = np.argsort(ts, kind="stable")
    campaign = np.concatenate([np.full(g["ts"].size, -1), fw.campaign])[idx]
    ids = decimal_ids("R", np.arange(1, idx.size + 1), 10)
    reviews = pa.table(
        {
            "review_id": ids,
            "listing_id": take_strings(cat.lst_ids, listing[idx]),
            "reviewer_account_id": take_strings(acc_ids, account[idx]),
            "order_id": take_strings(orders.ids, np.maximum(order[idx], 0), mask=order[idx] < 0),
            "ts": pa.array(ts[idx], type=pa.timestamp("us", tz="UTC")),
            "rating": pa.array(rating[idx]),
            "text": text.take(pa.array(idx)),
        }
    )
    farm_ids = decimal_ids("farm_", np.arange(max(pop.n_farms, 1)), 4)
    campaign_ids = decimal_ids("camp_", np.arange(max(int(fw.campaign.max(initial=0)) + 1, 1)), 6)
    truth = pa.table(
        {
            "review_id": ids,
            "is_fake": pa.array(farm[idx] >= 0),
            "farm_id": take_strings(farm_ids, np.maximum(farm[idx], 0), mask=farm[idx] < 0),
            "campaign_id": take_strings(campaign_ids, np.maximum(campaign, 0), mask=campaign < 0),
        }
    )
    return reviews, truth
