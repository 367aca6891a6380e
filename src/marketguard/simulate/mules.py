"""Layered mule chains and rotating collectors: the ``adversarial`` money trail of a counterfeit operator.

A store account belongs to a borrowed identity, so its settlements must leave it, and professional operators do
not send them straight to where they pool. Days to two weeks after a settlement, the store account pays a
first-layer mule (it keeps paying the same one for months, as the operator's other stores do: the "same payee"),
and the money passes two to four layers of accounts rented from ordinary people. A mule batches what it receives
and forwards it on its own rhythm less a small fee, so amounts and times stop matching any one settlement. The
last layer pays the collector of the period: operators replace collectors every one to three months (an account
drawing attention is frozen or abandoned) and rent new mules every few months. Collectors pay the operator's
suppliers, who stay, and withdraw cash.

What still links the stores is where the money pools: in any period the money of all of an operator's stores
reaches the same one or two collectors, and every collector of the year pays the same suppliers. The honest
look-alikes are in :mod:`.people`: mules are real people whose accounts also carry their salary and bills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import US_PER_DAY, US_PER_HOUR, WINDOW_END_US, WINDOW_START_US, SimulationConfig
from .ledger import TRANSFER, Ledger, PartyCodes, Settlements, collector_spending
from .population import COUNTERFEIT, Population

__all__ = ["MoneyParties", "forward_through_mules"]

#: Days a store account holds a settlement before paying its first mule ("days to two weeks"); operators who
#: let money sit (``held_money_rate``) wait one to four weeks.
FIRST_HOP_DAYS = (1.0, 14.0)
HELD_DAYS = (7.0, 28.0)
#: Days between a mule's forwarding runs, and the hold after a run: a hop takes the wait for the run plus the
#: hold, so days to two weeks.
MULE_CYCLE_DAYS = (2.0, 7.0)
MULE_HOLD_DAYS = (0.5, 7.0)
#: Share of what it forwards a mule keeps per hop.
HOP_FEE = (0.01, 0.03)
#: Days a set of rented mules serves before the operator rents new ones (banks flag busy accounts).
MULE_EPOCH_DAYS = (60.0, 180.0)
#: Stores per first-layer mule, the most first-layer mules of one set, and the mules of each deeper layer.
STORES_PER_MULE = (2.0, 4.0)
MAX_FIRST_LAYER = 4
DEEP_LAYER_MULES = (1, 2)
MAX_LAYERS = 4
#: Share of collector periods with two collectors side by side (as the older presets' share of operators).
TWO_COLLECTOR_RATE = 0.4
#: Schedules start this many days before the window, so that late-2024 settlements flow on into 2025.
LEAD_DAYS = 60
_DAY = US_PER_DAY
_SPAN_HOURS = 1_000_000  # hours per operator in a schedule key (114 years: wider than any schedule)
_RUNS = 1_000_000  # forwarding runs per mule in a batch key (a run lasts at least two days since 1970)
_MONTH_DAYS = 30.44


@dataclass
class MoneyParties:
    """Codes of the mules and collectors created (for the truth) and each one's operator."""

    mule: np.ndarray
    mule_op: np.ndarray
    collector: np.ndarray
    collector_op: np.ndarray


@dataclass
class _Schedule:
    """Consecutive periods per operator (dense operator index ``oi``): ``begin`` times, ``ptr`` per operator."""

    ptr: np.ndarray
    begin: np.ndarray
    owner: np.ndarray

    def period_of(self, oi: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """The period each ``(oi, ts)`` falls in (the first one when ``ts`` precedes it)."""
        key = self.owner * _SPAN_HOURS + (self.begin - WINDOW_START_US) // US_PER_HOUR
        q = oi * _SPAN_HOURS + (ts - WINDOW_START_US) // US_PER_HOUR
        p = np.searchsorted(key, q, side="right") - 1
        return np.maximum(p, self.ptr[oi])


def _schedule(rng: np.random.Generator, start: np.ndarray, days: tuple[float, float]) -> _Schedule:
    """Periods of ``days`` (uniform range) per operator, from ``start`` to the end of the window."""
    lo, hi = days
    n = int(np.ceil((WINDOW_END_US - start.min()) / (lo * _DAY))) + 1
    length = (rng.uniform(lo, hi, (start.size, n)) * _DAY).astype(np.int64)
    offset = np.concatenate([np.zeros((start.size, 1), np.int64), np.cumsum(length, axis=1)[:, :-1]], axis=1)
    begin = start[:, None] + offset
    keep = begin <= WINDOW_END_US
    counts = keep.sum(axis=1)
    owner = np.repeat(np.arange(start.size), counts)
    return _Schedule(np.concatenate([[0], np.cumsum(counts)]), begin[keep], owner)


def _pieces(rng: np.random.Generator, n: int, split_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows split into 2-3 transfers with ``split_rate`` (amounts under reporting limits): row per piece and
    each piece's share of the row."""
    k = np.where(rng.random(n) < split_rate, rng.integers(2, 4, n), 1)
    rows = np.repeat(np.arange(n), k)
    frac = rng.uniform(0.3, 1.0, rows.size)
    return rows, frac / np.bincount(rows, weights=frac)[rows]


class _Mules:
    """The rented mules of every operator: sets per epoch, layer sizes, each mule's code, rhythm and fee."""

    def __init__(
        self,
        rng: np.random.Generator,
        cfg: SimulationConfig,
        n_stores_op: np.ndarray,
        start: np.ndarray,
        codes: PartyCodes,
    ):
        self.epochs = _schedule(
            rng, start - (rng.random(start.size) * 30 * _DAY).astype(np.int64), MULE_EPOCH_DAYS
        )
        n_ep = self.epochs.begin.size
        lo, hi = cfg.mule_layers
        self.depth = rng.integers(lo, hi + 1, n_ep)
        first = np.round(n_stores_op[self.epochs.owner] / rng.uniform(*STORES_PER_MULE, n_ep))
        size = np.zeros((n_ep, MAX_LAYERS), dtype=np.int64)
        size[:, 0] = np.clip(first, 1, MAX_FIRST_LAYER)
        deep = rng.integers(DEEP_LAYER_MULES[0], DEEP_LAYER_MULES[1] + 1, (n_ep, MAX_LAYERS))
        size[:, 1:] = np.where(np.arange(1, MAX_LAYERS) < self.depth[:, None], deep[:, 1:], 0)
        self.size = size.ravel()
        self.ptr = np.concatenate([[0], np.cumsum(self.size)])
        n = int(self.ptr[-1])
        self.epoch = np.repeat(np.arange(n_ep * MAX_LAYERS) // MAX_LAYERS, self.size)
        self.op = self.epochs.owner[self.epoch]
        self.cycle = (rng.uniform(*MULE_CYCLE_DAYS, n) * _DAY).astype(np.int64)
        self.phase = (rng.random(n) * self.cycle).astype(np.int64)
        self.fee = rng.uniform(*HOP_FEE, n)
        self.codes = codes.take(n)

    def pick(
        self, rng: np.random.Generator, epoch: np.ndarray, layer: int, u: np.ndarray | None = None
    ) -> np.ndarray:
        """A mule of ``layer`` (1-based) of each epoch's set; ``u`` in [0, 1) fixes the choice, else random."""
        slot = epoch * MAX_LAYERS + min(layer, MAX_LAYERS) - 1
        u = rng.random(epoch.size) if u is None else u
        return np.minimum(self.ptr[slot] + (u * self.size[slot]).astype(np.int64), self.codes.size - 1)


class _Collectors:
    """Each operator's collectors: periods of one to three months with one or two collectors each."""

    def __init__(self, rng: np.random.Generator, cfg: SimulationConfig, start: np.ndarray, codes: PartyCodes):
        lo, hi = cfg.collector_months
        self.periods = _schedule(rng, start, (_MONTH_DAYS * lo, _MONTH_DAYS * hi))
        self.n = 1 + (rng.random(self.periods.begin.size) < TWO_COLLECTOR_RATE)
        self.ptr = np.concatenate([[0], np.cumsum(self.n)])
        self.codes = codes.take(int(self.ptr[-1]))
        self.oi = np.repeat(self.periods.owner, self.n)

    def at(self, rng: np.random.Generator, oi: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """The collector (code) of each operator's period at ``ts``, one of the two when there are two."""
        period = self.periods.period_of(oi, ts)
        return self.codes[self.ptr[period] + (rng.random(oi.size) * self.n[period]).astype(np.int64)]


def forward_through_mules(
    rng: np.random.Generator,
    led: Ledger,
    pop: Population,
    cfg: SimulationConfig,
    bank: np.ndarray,
    settled: Settlements,
    base: int,
    codes: PartyCodes,
) -> MoneyParties:
    """Counterfeit settlements to the period's collectors through 2-4 layers of batching mules; collectors pay
    the suppliers (codes as in the older presets, from ``base``) and withdraw cash."""
    cf = np.flatnonzero(pop.store_kind == COUNTERFEIT)
    ops = np.unique(pop.store_op[cf])
    oi_of = np.full(pop.op_kind.size, -1, dtype=np.int64)
    oi_of[ops] = np.arange(ops.size)
    first = np.full(ops.size, np.iinfo(np.int64).max)
    np.minimum.at(first, oi_of[pop.store_op[cf]], pop.store_active[cf])
    start = np.maximum(first, WINDOW_START_US - LEAD_DAYS * _DAY)
    collectors = _Collectors(rng, cfg, start, codes)
    mules = _Mules(rng, cfg, np.bincount(oi_of[pop.store_op[cf]], minlength=ops.size), start, codes)
    held_op = rng.random(ops.size) < cfg.held_money_rate
    slot_u = rng.random(pop.n_stores)  # each store's place among its first-layer mules: the same payee
    # hop 1: store account -> first-layer mule
    oi = oi_of[pop.store_op[settled.store]]
    days = np.where(held_op[oi], rng.uniform(*HELD_DAYS, oi.size), rng.uniform(*FIRST_HOP_DAYS, oi.size))
    rows, frac = _pieces(rng, oi.size, cfg.split_rate)
    ts = (settled.ts + days * _DAY).astype(np.int64)[rows] + rng.integers(0, 6 * US_PER_HOUR, rows.size)
    epoch = mules.epochs.period_of(oi[rows], settled.ts[rows])
    mule = mules.pick(rng, epoch, 1, slot_u[settled.store[rows]])
    amount = (settled.net * rng.uniform(0.97, 1.0, oi.size))[rows] * frac
    led.add(ts, bank[settled.store[rows]], mules.codes[mule], amount, TRANSFER, ops[oi[rows]], 1)
    pooled: list[tuple[np.ndarray, ...]] = []
    for layer in range(1, MAX_LAYERS + 1):
        if mule.size == 0:
            break
        mule, ts, amount, done = _hop(rng, led, cfg, mules, collectors, ops, (mule, ts, amount), layer)
        pooled.append(done)
    if pooled:
        c_op, c_code, c_ts, c_amount = (np.concatenate(x) for x in zip(*pooled, strict=True))
        collector_spending(rng, led, pop.op_kind.size, c_op, c_code, c_ts, c_amount, base)
    return MoneyParties(mules.codes, ops[mules.op], collectors.codes, ops[collectors.oi])


def _hop(
    rng: np.random.Generator,
    led: Ledger,
    cfg: SimulationConfig,
    mules: _Mules,
    collectors: _Collectors,
    ops: np.ndarray,
    held: tuple[np.ndarray, np.ndarray, np.ndarray],
    layer: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Mules of ``layer`` holding ``(mule, ts, amount)`` forward each run's takings less their fee to the next
    layer or, at their set's depth, to the collector of the period. Returns what reached the next layer, and
    ``(op, collector, ts, amount)`` of what was pooled."""
    mule, ts, amount = held
    run = (ts - mules.phase[mule]) // mules.cycle[mule]
    key, inv = np.unique(mule * _RUNS + run, return_inverse=True)
    src, run = key // _RUNS, key % _RUNS
    total = np.bincount(inv, weights=amount) * (1 - mules.fee[src])
    hold = (rng.uniform(*MULE_HOLD_DAYS, src.size) * _DAY).astype(np.int64)
    out_ts = mules.phase[src] + (run + 1) * mules.cycle[src] + hold
    rows, frac = _pieces(rng, src.size, cfg.split_rate)
    src, total = src[rows], total[rows] * frac
    out_ts = out_ts[rows] + rng.integers(0, 3 * US_PER_HOUR, rows.size)
    epoch, oi = mules.epoch[src], mules.op[src]
    last = mules.depth[epoch] <= layer
    nxt = mules.pick(rng, epoch, layer + 1)
    collector = collectors.at(rng, oi, out_ts)
    dst = np.where(last, collector, mules.codes[nxt])
    led.add(out_ts, mules.codes[src], dst, total, TRANSFER, ops[oi], layer + 1)
    done = (ops[oi[last]], collector[last], out_ts[last], total[last])
    return nxt[~last], out_ts[~last], total[~last], done
