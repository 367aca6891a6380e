"""Money: weekly settlements, and what each kind of operator does with them.

The platform settles each store's weekly sales (minus commission) to the store's bank account. A counterfeit
operator's store accounts belong to borrowed identities, so the money is moved on within days to one or two
collector accounts, sometimes through mule accounts and split into smaller amounts; collectors pay the
operator's suppliers and withdraw cash. Honest owners pay popular wholesale suppliers (shared by many
stores), move money to their own personal account or withdraw it; agency clients pay the agency a monthly
fee, so an agency account receives money from many stores: a fan-in that is not a collector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import US_PER_DAY, US_PER_HOUR, WINDOW_END_US, WINDOW_START_US, SimulationConfig
from .ids import decimal_ids, take_strings
from .population import AGENCY, COUNTERFEIT, Population

__all__ = ["build_transfers"]

PLATFORM, CASH = -1, -2
_WEEK = 7 * US_PER_DAY
_MONTH_US = 30.44 * US_PER_DAY


class _Ledger:
    """Accumulates transfer rows as integer party codes."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {k: [] for k in ("ts", "src", "dst", "amount", "kind")}

    def add(
        self, ts: np.ndarray, src: np.ndarray | int, dst: np.ndarray | int, amount: np.ndarray, kind: int
    ) -> None:
        n = ts.size
        for k, v in (("ts", ts), ("src", src), ("dst", dst), ("amount", np.round(amount, 2)), ("kind", kind)):
            self.cols[k].append(
                np.broadcast_to(np.asarray(v), (n,)).astype(np.float64 if k == "amount" else np.int64)
            )

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


KINDS = ("settlement", "transfer", "withdrawal", "payment", "fee")
SETTLEMENT, TRANSFER, WITHDRAWAL, PAYMENT, FEE = range(5)


class _Settlements(NamedTuple):
    """Weekly store settlements: which store, when (microseconds) and the net amount paid."""

    store: np.ndarray
    ts: np.ndarray
    net: np.ndarray

    def where(self, mask: np.ndarray) -> _Settlements:
        return _Settlements(self.store[mask], self.ts[mask], self.net[mask])


def _settlements(
    rng: np.random.Generator, store: np.ndarray, ts: np.ndarray, amount: np.ndarray, n_stores: int
) -> _Settlements:
    """One settlement per store-week with sales."""
    week = (ts - WINDOW_START_US) // _WEEK
    key, inv = np.unique(store * 60 + week, return_inverse=True)
    gross = np.bincount(inv, weights=amount)
    commission = rng.uniform(0.02, 0.05, n_stores)
    s_store, s_week = key // 60, key % 60
    s_ts = WINDOW_START_US + (s_week + 1) * _WEEK + rng.integers(US_PER_DAY, 3 * US_PER_DAY, key.size)
    return _Settlements(s_store, s_ts, gross * (1 - commission[s_store]))


def _forward(
    rng: np.random.Generator,
    led: _Ledger,
    pop: Population,
    cfg: SimulationConfig,
    bank: np.ndarray,
    settled: _Settlements,
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
    led.add(ts, src, dst, amount, TRANSFER)
    _collector_spending(rng, led, n_ops, op[chain][last], dst[last], ts[last], amount[last], base)


def _collector_spending(
    rng: np.random.Generator,
    led: _Ledger,
    n_ops: int,
    op: np.ndarray,
    collector: np.ndarray,
    ts: np.ndarray,
    amount: np.ndarray,
    base: int,
) -> None:
    """Each month a collector pays 1-3 of its operator's suppliers and withdraws part of the rest."""
    month = ((ts - WINDOW_START_US) / _MONTH_US).astype(np.int64)
    key, inv = np.unique(collector * 16 + month, return_inverse=True)
    total = np.bincount(inv, weights=amount)
    k_op = np.zeros(key.size, dtype=np.int64)
    k_op[inv] = op
    k_col, k_month = key // 16, key % 16
    pay_ts = (
        WINDOW_START_US
        + ((k_month + 1) * _MONTH_US).astype(np.int64)
        + rng.integers(0, 5 * US_PER_DAY, key.size)
    )
    n_sup = 1 + rng.integers(0, 3, n_ops)
    for j in range(3):
        has = n_sup[k_op] > j
        sup = base + 6 * n_ops + k_op[has] * 3 + j
        led.add(
            pay_ts[has] + j * US_PER_HOUR,
            k_col[has],
            sup,
            total[has] * rng.uniform(0.12, 0.25, int(has.sum())),
            PAYMENT,
        )
    led.add(pay_ts + 6 * US_PER_HOUR, k_col, CASH, total * rng.uniform(0.1, 0.3, key.size), WITHDRAWAL)


def _honest_spending(
    rng: np.random.Generator,
    led: _Ledger,
    pop: Population,
    bank: np.ndarray,
    settled: _Settlements,
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
    led: _Ledger,
    pop: Population,
    cfg: SimulationConfig,
    bank: np.ndarray,
    settled: _Settlements,
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
) -> tuple[pa.Table, pa.Table]:
    """The ``transfers`` table (ordered by time) and the ``parties`` ground truth."""
    led = _Ledger()
    base = 30 * pop.n_accounts
    n_hsup = max(10, pop.n_stores // 500)
    bank = pop.acc_identity[: pop.n_stores]
    settled = _settlements(rng, order_store, order_ts, order_amount, pop.n_stores)
    led.add(settled.ts, PLATFORM, bank[settled.store], settled.net, SETTLEMENT)
    cf = pop.store_kind[settled.store] == COUNTERFEIT
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
    return table, _parties(pop, a["dst"], base, bank_text, op_ids)


def _party_text(codes: np.ndarray, bank_text: Callable[[np.ndarray], pa.Array]) -> pa.ChunkedArray:
    text = pa.chunked_array([bank_text(np.maximum(codes, 0))])
    text = pc.if_else(pa.chunked_array([pa.array(codes == PLATFORM)]), pa.scalar("PLATFORM"), text)
    return pc.if_else(pa.chunked_array([pa.array(codes == CASH)]), pa.scalar("CASH"), text)


def _parties(
    pop: Population, dst: np.ndarray, base: int, bank_text: Callable[[np.ndarray], pa.Array], op_ids: pa.Array
) -> pa.Table:
    """Collectors, mules and suppliers of counterfeit operators that actually received money."""
    n_ops = pop.op_kind.size
    codes = np.unique(dst[(dst >= base) & (dst < base + 9 * n_ops)])
    rel = codes - base
    role = np.select([rel < 2 * n_ops, rel < 6 * n_ops], [0, 1], 2)
    op = np.select([role == 0, role == 1], [rel // 2, (rel - 2 * n_ops) // 4], (rel - 6 * n_ops) // 3)
    return pa.table(
        {
            "party": bank_text(codes),
            "operator_id": op_ids.take(pa.array(op)),
            "role": take_strings(("collector", "mule", "supplier"), role).combine_chunks(),
        }
    )
