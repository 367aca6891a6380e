"""Money: weekly settlements, and what each kind of operator does with them.

The platform settles each store's weekly sales (minus commission) to the store's bank account. A counterfeit
operator's store accounts belong to borrowed identities, so the money is moved on within days to one or two
collector accounts, sometimes through mule accounts and split into smaller amounts; collectors pay the
operator's suppliers and withdraw cash. Honest owners pay popular wholesale suppliers (shared by many
stores), move money to their own personal account or withdraw it; agency clients pay the agency a monthly
fee, so an agency account receives money from many stores: a fan-in that is not a collector. On ``adversarial``
the counterfeit money takes two to four layers of batching mules to collectors replaced every few months
(:mod:`.mules`), and the mules carry honest money like their look-alikes (:mod:`.people`). Grey-market sellers
are honest businesses here: each store's settlements stay in its company's own account and are spent as an
independent's are (suppliers, the owner's account, cash), with no mules.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import US_PER_DAY, US_PER_HOUR, WINDOW_END_US, WINDOW_START_US, SimulationConfig
from .ids import decimal_ids, take_strings
from .ledger import (
    CASH,
    FEE,
    KINDS,
    MONTH_US,
    PAYMENT,
    PLATFORM,
    SETTLEMENT,
    TRANSFER,
    WITHDRAWAL,
    Ledger,
    PartyCodes,
    Settlements,
    collector_spending,
)
from .mules import forward_through_mules
from .parties import parties_table
from .people import honest_people
from .population import AGENCY, COUNTERFEIT, Population

__all__ = ["build_transfers"]

_WEEK = 7 * US_PER_DAY
_MONTH_US = MONTH_US
#: First code of the parties added by the later tactics (layered mules, rotating collectors, honest people):
#: above every range of the older presets (store identities < 3, farm SIMs ~10, phones 20-27, the older money
#: parties 30-31 times the account count).
_TACTIC_CODES = 40


def _settlements(
    rng: np.random.Generator, store: np.ndarray, ts: np.ndarray, amount: np.ndarray, n_stores: int
) -> Settlements:
    """One settlement per store-week with sales."""
    week = (ts - WINDOW_START_US) // _WEEK
    key, inv = np.unique(store * 60 + week, return_inverse=True)
    gross = np.bincount(inv, weights=amount)
    commission = rng.uniform(0.02, 0.05, n_stores)
    s_store, s_week = key // 60, key % 60
    s_ts = WINDOW_START_US + (s_week + 1) * _WEEK + rng.integers(US_PER_DAY, 3 * US_PER_DAY, key.size)
    return Settlements(s_store, s_ts, gross * (1 - commission[s_store]))


def _forward(
    rng: np.random.Generator,
    led: Ledger,
    pop: Population,
    cfg: SimulationConfig,
    bank: np.ndarray,
    settled: Settlements,
    base: int,
) -> None:
    """Counterfeit settlements forwarded to collectors, through 0-2 mules, sometimes split."""
    s_store, s_ts, s_net = settled
    n_ops = pop.op_kind.size
    n_col = 1 + (rng.random(n_ops) < 0.4)
    pieces = np.where(rng.random(s_store.size) < cfg.split_rate, rng.integers(2, 4, s_store.size), 1)
    rows = np.repeat(np.arange(s_store.size), pieces)
    frac = rng.uniform(0.3, 1.0, rows.size)
    frac /= np.bincount(rows, weights=frac)[rows]
    op = pop.store_op[s_store[rows]]
    lo, hi = cfg.money_hops
    hops = rng.integers(lo, hi + 1, rows.size)
    chain = np.repeat(np.arange(rows.size), hops)
    step = np.arange(chain.size) - np.repeat(np.cumsum(hops) - hops, hops)
    last = step == hops[chain] - 1
    collector = base + op[chain] * 2 + (rng.random(chain.size) * n_col[op[chain]]).astype(np.int64)
    mule = base + 2 * n_ops + op[chain] * 4 + rng.integers(0, 4, chain.size)
    dst = np.where(last, collector, mule)
    src = np.where(step == 0, bank[s_store[rows[chain]]], np.r_[-9, dst[:-1]])
    delay = rng.integers(2 * US_PER_HOUR, 2 * US_PER_DAY, chain.size)
    holds = rng.random(n_ops) < cfg.held_money_rate  # these operators let settlements sit before forwarding
    held = (step == 0) & holds[op[chain]]
    delay[held] = rng.integers(7 * US_PER_DAY, 28 * US_PER_DAY, int(held.sum()))
    start = np.repeat(np.cumsum(hops) - hops, hops)
    cum = np.cumsum(delay)
    ts = s_ts[rows[chain]] + cum - (cum[start] - delay[start])
    amount = s_net[rows[chain]] * frac[chain] * rng.uniform(0.97, 1.0, chain.size) * 0.995**step
    led.add(ts, src, dst, amount, TRANSFER, op[chain], step + 1)
    collector_spending(rng, led, n_ops, op[chain][last], dst[last], ts[last], amount[last], base)


def _honest_spending(
    rng: np.random.Generator,
    led: Ledger,
    pop: Population,
    bank: np.ndarray,
    settled: Settlements,
    base: int,
    n_hsup: int,
) -> None:
    """Monthly: wholesale supplier payments (popular suppliers), agency fees, own-account moves or cash."""
    s_store, s_ts, s_net = settled
    month = ((s_ts - WINDOW_START_US) / _MONTH_US).astype(np.int64)
    key, inv = np.unique(s_store * 16 + month, return_inverse=True)
    total = np.bincount(inv, weights=s_net)
    store, k_month = key // 16, key % 16
    ts = (
        WINDOW_START_US
        + ((k_month + 1) * _MONTH_US).astype(np.int64)
        + rng.integers(0, 4 * US_PER_DAY, key.size)
    )
    n_ops = pop.op_kind.size
    popularity = 1.0 / np.arange(1, n_hsup + 1) ** 0.9
    supplier = rng.choice(n_hsup, pop.n_stores, p=popularity / popularity.sum())
    uses = rng.random(pop.n_stores) < 0.5
    has = uses[store]
    led.add(
        ts[has],
        bank[store[has]],
        base + 9 * n_ops + supplier[store[has]],
        total[has] * rng.uniform(0.3, 0.6, int(has.sum())),
        PAYMENT,
    )
    ag = pop.store_kind[store] == AGENCY
    agency_bank = base + 9 * n_ops + n_hsup + pop.store_op[store[ag]]
    led.add(
        ts[ag] + US_PER_HOUR,
        bank[store[ag]],
        agency_bank,
        total[ag] * rng.uniform(0.03, 0.08, int(ag.sum())),
        FEE,
    )
    personal = rng.random(pop.n_stores) < 0.5
    own = personal[store]
    rest = total * rng.uniform(0.2, 0.4, key.size)
    led.add(
        ts[own] + 2 * US_PER_HOUR,
        bank[store[own]],
        base + 10 * n_ops + n_hsup + pop.acc_identity[store[own]],
        rest[own],
        TRANSFER,
    )
    led.add(ts[~own] + 2 * US_PER_HOUR, bank[store[~own]], CASH, rest[~own], WITHDRAWAL)


def _honest_sweeps(
    rng: np.random.Generator,
    led: Ledger,
    pop: Population,
    cfg: SimulationConfig,
    bank: np.ndarray,
    settled: Settlements,
    base: int,
    n_hsup: int,
) -> None:
    """Some honest stores' banks sweep each settlement on to the owner's other account within 1-36 hours."""
    s_store, s_ts, s_net = settled
    sweeps = (rng.random(pop.n_stores) < cfg.honest_sweep_rate)[s_store]
    n = int(sweeps.sum())
    led.add(
        s_ts[sweeps] + rng.integers(US_PER_HOUR, 36 * US_PER_HOUR, n),
        bank[s_store[sweeps]],
        base + 10 * pop.op_kind.size + n_hsup + pop.acc_identity[s_store[sweeps]],
        s_net[sweeps] * rng.uniform(0.7, 0.95, n),
        TRANSFER,
    )


def build_transfers(
    rng: np.random.Generator,
    pop: Population,
    cfg: SimulationConfig,
    order_store: np.ndarray,
    order_ts: np.ndarray,
    order_amount: np.ndarray,
    bank_text: Callable[[np.ndarray], pa.Array],
    op_ids: pa.Array,
    mule_rng: np.random.Generator | None = None,
    people_rng: np.random.Generator | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The ``transfers`` table (ordered by time) and the ``parties`` ground truth (:mod:`.parties`).

    With ``mule_layers`` the counterfeit money takes the layered route of :mod:`.mules` (drawn from
    ``mule_rng``) and the mules and their look-alikes carry honest money (:mod:`.people`, ``people_rng``).
    """
    led = Ledger()
    base = 30 * pop.n_accounts
    n_hsup = max(10, pop.n_stores // 500)
    bank = pop.acc_identity[: pop.n_stores]
    settled = _settlements(rng, order_store, order_ts, order_amount, pop.n_stores)
    led.add(settled.ts, PLATFORM, bank[settled.store], settled.net, SETTLEMENT)
    # a bought store's settlements before its purchase were its previous owner's honest money; every other kind
    # (agency, independent, grey-market) spends as honest stores do
    cf = (pop.store_kind[settled.store] == COUNTERFEIT) & (settled.ts >= pop.store_active[settled.store])
    registry = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    if cfg.mule_layers[1] > 0 and mule_rng is not None and people_rng is not None:
        codes = PartyCodes(_TACTIC_CODES * pop.n_accounts)
        made = forward_through_mules(mule_rng, led, pop, cfg, bank, settled.where(cf), base, codes)
        honest_people(people_rng, led, made.mule, codes)
        registry = (
            np.concatenate([made.collector, made.mule]),
            np.concatenate([made.collector_op, made.mule_op]),
            np.repeat([0, 1], [made.collector.size, made.mule.size]),
        )
    else:
        _forward(rng, led, pop, cfg, bank, settled.where(cf), base)
    _honest_spending(rng, led, pop, bank, settled.where(~cf), base, n_hsup)
    _honest_sweeps(rng, led, pop, cfg, bank, settled.where(~cf), base, n_hsup)
    a = led.arrays()
    in_window = a["ts"] <= WINDOW_END_US  # the extract ends with the year: later flows are cut off
    a = {k: v[in_window] for k, v in a.items()}
    idx = np.argsort(a["ts"], kind="stable")
    a = {k: v[idx] for k, v in a.items()}
    table = pa.table(
        {
            "transfer_id": decimal_ids("T", np.arange(1, idx.size + 1), 11),
            "ts": pa.array(a["ts"], type=pa.timestamp("us", tz="UTC")),
            "from_party": _party_text(a["src"], bank_text),
            "to_party": _party_text(a["dst"], bank_text),
            "amount": pa.array(a["amount"]),
            "currency": take_strings(["CNY"], np.zeros(idx.size, dtype=np.int64)),
            "kind": take_strings(KINDS, a["kind"]),
        }
    )
    return table, parties_table(a, base, pop.op_kind.size, registry, bank_text, op_ids)


def _party_text(codes: np.ndarray, bank_text: Callable[[np.ndarray], pa.Array]) -> pa.ChunkedArray:
    text = pa.chunked_array([bank_text(np.maximum(codes, 0))])
    text = pc.if_else(pa.chunked_array([pa.array(codes == PLATFORM)]), pa.scalar("PLATFORM"), text)
    return pc.if_else(pa.chunked_array([pa.array(codes == CASH)]), pa.scalar("CASH"), text)
