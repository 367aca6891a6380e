"""Ground truth of the money parties (``truth/parties``): every collector, mule and supplier of each counterfeit
operator that received the operator's money in the window, and when, how much and how far from the stores.

Columns: ``party`` (bank account, as in ``transfers``), ``operator_id``, ``role`` (``collector``, ``mule`` or
``supplier``), ``hops`` (fewest transfers from a store's settlement account to the party along the operator's
money: 1 when a store account paid it; a supplier is one more than the collector paying it),
``first_received_at`` and ``last_received_at`` (first and last transfer of the operator's money to it: a
collector's active span), ``amount_received`` and ``n_received`` (the operator's money only: a mule's own salary
is not counted).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .ids import take_strings
from .ledger import PAYMENT, TRANSFER

__all__ = ["PARTY_ROLES", "parties_table"]

PARTY_ROLES = ("collector", "mule", "supplier")
_TS = pa.timestamp("us", tz="UTC")


def _range_roles(codes: np.ndarray, base: int, n_ops: int) -> tuple[np.ndarray, np.ndarray]:
    """Role and operator of codes in the older presets' ranges: collectors, mules, then suppliers from ``base``."""
    rel = codes - base
    role = np.select([rel < 2 * n_ops, rel < 6 * n_ops], [0, 1], 2)
    op = np.select([role == 0, role == 1], [rel // 2, (rel - 2 * n_ops) // 4], (rel - 6 * n_ops) // 3)
    return role, op


def parties_table(
    a: dict[str, np.ndarray],
    base: int,
    n_ops: int,
    registry: tuple[np.ndarray, np.ndarray, np.ndarray],
    bank_text: Callable[[np.ndarray], pa.Array],
    op_ids: pa.Array,
) -> pa.Table:
    """The parties of ledger ``a`` (in-window rows) in code order.

    Collectors, mules and suppliers in the older presets' code ranges (``base`` on, ``9 * n_ops`` codes) are
    identified by range; the others are listed in ``registry`` (codes, operator codes, role codes).
    """
    dst = a["dst"]
    ranged = np.unique(dst[(dst >= base) & (dst < base + 9 * n_ops)])
    role, op = _range_roles(ranged, base, n_ops)
    reg_code, reg_op, reg_role = registry
    flow = a["op"] >= 0
    listed = np.isin(reg_code, dst[flow])
    codes = np.concatenate([ranged, reg_code[listed]])
    role = np.concatenate([role, reg_role[listed]])
    op = np.concatenate([op, reg_op[listed]])
    order = np.argsort(codes, kind="stable")
    codes, role, op = codes[order], role[order], op[order]
    stats = _received(a, codes)
    return pa.table(
        {
            "party": bank_text(codes),
            "operator_id": op_ids.take(pa.array(op)),
            "role": take_strings(PARTY_ROLES, role).combine_chunks(),
            "hops": pa.array(stats["hops"], mask=stats["hops"] <= 0),
            "first_received_at": pa.array(stats["first"], type=_TS),
            "last_received_at": pa.array(stats["last"], type=_TS),
            "amount_received": pa.array(np.round(stats["amount"], 2)),
            "n_received": pa.array(stats["n"]),
        }
    )


def _received(a: dict[str, np.ndarray], codes: np.ndarray) -> dict[str, np.ndarray]:
    """Per party code: first and last receipt, amount and count of operator money; fewest hops from a store."""
    flow = np.flatnonzero((a["op"] >= 0) & np.isin(a["kind"], (TRANSFER, PAYMENT)))
    pos = np.searchsorted(codes, a["dst"][flow])
    pos = np.minimum(pos, max(codes.size - 1, 0))
    hit = codes.size > 0
    mine = flow[(codes[pos] == a["dst"][flow])] if hit else flow[:0]
    at = np.searchsorted(codes, a["dst"][mine])
    n = codes.size
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, at, a["ts"][mine])
    np.maximum.at(last, at, a["ts"][mine])
    hops = np.full(n, np.iinfo(np.int64).max)
    transfer = a["kind"][mine] == TRANSFER
    np.minimum.at(hops, at[transfer], a["hop"][mine][transfer])
    paid = mine[~transfer]  # payments: a supplier is one hop beyond the collector paying it
    src_at = np.minimum(np.searchsorted(codes, a["src"][paid]), max(n - 1, 0))
    known = (codes[src_at] == a["src"][paid]) & (hops[src_at] < np.iinfo(np.int64).max) if n else src_at > 0
    np.minimum.at(hops, at[~transfer][known], hops[src_at[known]] + 1)
    return {
        "first": first,
        "last": last,
        "amount": np.bincount(at, weights=a["amount"][mine], minlength=n),
        "n": np.bincount(at, minlength=n).astype(np.int64),
        "hops": np.where(hops == np.iinfo(np.int64).max, 0, hops),
    }
