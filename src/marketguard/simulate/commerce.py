"""Orders: heavy-tailed demand over stores and listings, seasonal in time.

Demand per listing is a store popularity (log-normal, heavy-tailed) times a listing popularity times the
days the listing was on sale in 2025; cheaper goods sell a little more, which is one reason counterfeit
stores can move large volumes. Order times follow the festival calendar of :mod:`.timeline`. Farm
"brushing" orders (fake purchases backing fake reviews) are added by :mod:`.reviews` and merged here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .catalog import Catalog
from .config import ORDERS_PER_STORE, US_PER_DAY, WINDOW_END_US, WINDOW_START_US
from .geography import region_names
from .ids import decimal_ids, take_strings
from .population import AGENCY, COUNTERFEIT, Population
from .timeline import sample_times

__all__ = ["Orders", "finalize_orders", "genuine_orders", "listing_window", "orders_table"]


@dataclass
class Orders:
    """Orders as arrays (after ``finalize_orders`` they are sorted by time and ``ids`` is set)."""

    listing: np.ndarray
    buyer: np.ndarray
    ts: np.ndarray
    quantity: np.ndarray
    amount: np.ndarray
    region: np.ndarray
    is_brushing: np.ndarray
    ids: pa.Array | None = None

    def store(self, cat: Catalog) -> np.ndarray:
        return cat.lst_store[self.listing]


def listing_window(pop: Population, cat: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """First and last instant each listing could sell in 2025 (empty when lo > hi)."""
    lo = np.maximum(cat.lst_listed, WINDOW_START_US)
    closed = pop.store_closed[cat.lst_store]
    hi = np.where(closed >= 0, closed, WINDOW_END_US)
    return lo, hi


def genuine_orders(rng: np.random.Generator, pop: Population, cat: Catalog) -> Orders:
    """Real purchases by buyers, ``ORDERS_PER_STORE`` per store on average."""
    n_stores = pop.n_stores
    # counterfeit stores push volume and agencies run established shops; independents and grey-market sellers
    # (genuine goods, normal demand; their lower prices already sell a little more below) take the default
    store_pop = rng.lognormal(0, 1.3, n_stores) * np.select(
        [pop.store_kind == COUNTERFEIT, pop.store_kind == AGENCY], [1.6, 1.5], 1.0
    )
    lo, hi = listing_window(pop, cat)
    active = np.clip((hi - lo) / (365 * US_PER_DAY), 0, 1)
    n_lst = cat.lst_store.size
    w = store_pop[cat.lst_store] * rng.lognormal(0, 1.0, n_lst) * active * cat.lst_price.clip(5) ** -0.25
    m = round(ORDERS_PER_STORE * n_stores)
    listing = np.sort(rng.choice(n_lst, m, p=w / w.sum()))
    ts = sample_times(rng, lo[listing], hi[listing])
    buyers = pop.buyer_accounts
    activity = rng.lognormal(0, 1.2, buyers.size)
    buyer = buyers[rng.choice(buyers.size, m, p=activity / activity.sum())]
    created = pop.acc_created[buyer]
    late = created > ts
    fixable = late & (created < hi[listing])
    span = np.maximum(hi[listing] - created, 0)
    ts = np.where(fixable, created + (rng.random(m) * span).astype(np.int64), ts)
    old = buyers[pop.acc_created[buyers] < WINDOW_START_US]
    buyer = np.where(late & ~fixable, old[rng.integers(0, old.size, m)], buyer)
    quantity = np.minimum(rng.geometric(0.78, m), 10)
    amount = np.round(cat.lst_price[listing] * quantity, 2)
    region = np.where(rng.random(m) < 0.92, pop.acc_region[buyer], rng.integers(0, len(region_names()), m))
    return Orders(
        listing=listing,
        buyer=buyer,
        ts=ts,
        quantity=quantity.astype(np.int64),
        amount=amount,
        region=region,
        is_brushing=np.zeros(m, dtype=bool),
    )


def finalize_orders(parts: list[Orders]) -> tuple[Orders, np.ndarray]:
    """Merge order sets, sort by time and assign ids; returns the orders and each input row's new position."""
    cat = {
        f: np.concatenate([getattr(p, f) for p in parts])
        for f in ("listing", "buyer", "ts", "quantity", "amount", "region", "is_brushing")
    }
    order = np.argsort(cat["ts"], kind="stable")
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    merged = Orders(**{k: v[order] for k, v in cat.items()})
    merged.ids = decimal_ids("O", np.arange(1, order.size + 1), 10)
    return merged, position


def orders_table(orders: Orders, cat: Catalog, acc_ids: pa.Array) -> pa.Table:
    """The ``orders`` contract table."""
    assert orders.ids is not None
    return pa.table(
        {
            "order_id": orders.ids,
            "listing_id": take_strings(cat.lst_ids, orders.listing),
            "buyer_account_id": take_strings(acc_ids, orders.buyer),
            "ts": pa.array(orders.ts, type=pa.timestamp("us", tz="UTC")),
            "quantity": pa.array(orders.quantity),
            "amount": pa.array(orders.amount),
            "ship_to_region": take_strings(region_names(), orders.region),
        }
    )
