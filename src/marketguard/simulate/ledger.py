"""The ledger every money generator writes to, and what a collector does with the money it pools.

Parties are integer codes until the table is written (bank-account strings are salted hashes of the codes), so
generators only need distinct codes: :class:`PartyCodes` hands out fresh ranges to the parties added after the
first presets (layered mules, rotating collectors, honest people), above every range the older generators use.
Each ledger row also records whose counterfeit money it moves (``op``, -1 for honest money) and how many
transfers it is from a store's settlement account (``hop``), which is what the ground truth of the money
parties is computed from.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .config import US_PER_DAY, US_PER_HOUR, WINDOW_START_US

__all__ = [
    "CASH",
    "FEE",
    "KINDS",
    "PAYMENT",
    "PLATFORM",
    "SETTLEMENT",
    "TRANSFER",
    "WITHDRAWAL",
    "Ledger",
    "PartyCodes",
    "Settlements",
    "collector_spending",
]

PLATFORM, CASH = -1, -2
KINDS = ("settlement", "transfer", "withdrawal", "payment", "fee")
SETTLEMENT, TRANSFER, WITHDRAWAL, PAYMENT, FEE = range(5)
MONTH_US = 30.44 * US_PER_DAY


class Ledger:
    """Accumulates transfer rows as integer party codes."""

    def __init__(self) -> None:
        keys = ("ts", "src", "dst", "amount", "kind", "op", "hop")
        self.cols: dict[str, list[np.ndarray]] = {k: [] for k in keys}

    def add(
        self,
        ts: np.ndarray,
        src: np.ndarray | int,
        dst: np.ndarray | int,
        amount: np.ndarray,
        kind: int,
        op: np.ndarray | int = -1,
        hop: np.ndarray | int = 0,
    ) -> None:
        """Rows of one kind; ``op`` is the counterfeit operator whose money moves (-1: honest money) and ``hop``
        the transfers since the store's settlement account (1 = paid by it; 0 = not on a store's trail)."""
        n = ts.size
        values = (("ts", ts), ("src", src), ("dst", dst), ("amount", np.round(amount, 2)), ("kind", kind))
        for k, v in (*values, ("op", op), ("hop", hop)):
            self.cols[k].append(
                np.broadcast_to(np.asarray(v), (n,)).astype(np.float64 if k == "amount" else np.int64)
            )

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


class PartyCodes:
    """Fresh party codes from ``start`` on, in consecutive ranges."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self, n: int) -> np.ndarray:
        codes = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return codes


class Settlements(NamedTuple):
    """Weekly store settlements: which store, when (microseconds) and the net amount paid."""

    store: np.ndarray
    ts: np.ndarray
    net: np.ndarray

    def where(self, mask: np.ndarray) -> Settlements:
        return Settlements(self.store[mask], self.ts[mask], self.net[mask])


def collector_spending(
    rng: np.random.Generator,
    led: Ledger,
    n_ops: int,
    op: np.ndarray,
    collector: np.ndarray,
    ts: np.ndarray,
    amount: np.ndarray,
    base: int,
) -> None:
    """Each month a collector pays 1-3 of its operator's suppliers and withdraws part of the rest."""
    month = ((ts - WINDOW_START_US) / MONTH_US).astype(np.int64)
    key, inv = np.unique(collector * 16 + month, return_inverse=True)
    total = np.bincount(inv, weights=amount)
    k_op = np.zeros(key.size, dtype=np.int64)
    k_op[inv] = op
    k_col, k_month = key // 16, key % 16
    pay_ts = (
        WINDOW_START_US
        + ((k_month + 1) * MONTH_US).astype(np.int64)
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
            k_op[has],
        )
    led.add(pay_ts + 6 * US_PER_HOUR, k_col, CASH, total * rng.uniform(0.1, 0.3, key.size), WITHDRAWAL, k_op)
