"""The money trail's carries grouped into one row per (network, party), with the chain that brought the money:
amounts, hops, when it was in use, how long the money took to arrive, and the accounts it passed through.

A carry (from :func:`marketguard.graph.lots.follow_lots`) knows the carry that brought its money to the sender
(its parent), so the accounts between a store account and a party are read back along parents. Paths are
numbered level by level (a path is its parent's path plus the sender), which keeps the whole grouping
vectorised: O(C log C) for C carries.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from marketguard.graph import unique
from marketguard.trace.money_ledger import Departures, Ledger, Seeds, explode, member, outflow_between

__all__ = [
    "Paths",
    "active_share",
    "aggregate",
    "network_rows",
    "path_all",
    "path_lists",
    "pool_share",
    "records",
]

_I64_MAX, _I64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min
_US_PER_DAY = 86_400_000_000


class Paths(NamedTuple):
    """Paths between store accounts and senders: path 0 is none (paid by the store account); path ``p`` is path
    ``prev[p]`` followed by party ``last[p]``."""

    prev: np.ndarray
    last: np.ndarray
    depth: np.ndarray


def records(
    ledger: Ledger, seed: Seeds, carries: tuple[np.ndarray, ...]
) -> tuple[dict[str, np.ndarray], Paths]:
    """Every (carry, network) into a party outside that network's seeds, grouped by (network, party), and the
    paths the carries' money took."""
    t, s, hops, origin, parent, carried = carries
    path, paths = _paths(ledger, t, hops, parent)
    rows, net = explode(seed, s)
    dst = ledger.dst[t[rows]]
    out = ~member(seed, net, seed.seed_of[dst])
    keep = rows[out]
    rec = {
        "t": t[keep],
        "seed": s[keep],
        "hops": hops[keep],
        "carried": carried[keep],
        "origin": origin[keep],
        "path": path[keep],
        "net": net[out],
    }
    _, rec["group"] = np.unique(rec["net"] * len(ledger.names) + dst[out], return_inverse=True)
    return rec, paths


def _paths(ledger: Ledger, t: np.ndarray, hops: np.ndarray, parent: np.ndarray) -> tuple[np.ndarray, Paths]:
    """Per carry, the id of the accounts its money passed through before its sender, and the path table."""
    path = np.zeros(t.size, np.int64)
    prev, last, depth = [np.array([-1])], [np.array([-1])], [np.array([0])]
    n, n_paths = len(ledger.names), 1
    for h in range(2, int(hops.max()) + 1 if hops.size else 0):
        at = np.flatnonzero(hops == h)  # their parents are one hop nearer, so their paths are known
        if not at.size:
            continue
        unique, inverse = np.unique(path[parent[at]] * n + ledger.src[t[at]], return_inverse=True)
        path[at] = n_paths + inverse
        prev.append(unique // n)
        last.append(unique % n)
        depth.append(np.full(unique.size, h - 1))
        n_paths += unique.size
    return path, Paths(np.concatenate(prev), np.concatenate(last), np.concatenate(depth))


def network_rows(
    ledger: Ledger,
    seed: Seeds,
    rec: dict[str, np.ndarray],
    total: np.ndarray,
    min_share: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The (network, party) rows with at least ``min_share`` of the network's money, and their records."""
    rows = aggregate(ledger, seed, rec)
    rows["share"] = rows["amount"] / np.maximum(total[rows["net"]], 1e-300)
    keep = rows["share"] >= min_share
    rec = {k: v[keep[rec["group"]]] for k, v in rec.items()}
    rec["group"] = np.cumsum(keep)[rec["group"]] - 1
    return {k: v[keep] for k, v in rows.items()}, rec


def aggregate(ledger: Ledger, seed: Seeds, rec: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per (network, party): money, hops, transfers, times, delays, the typical path, and how many
    seeds' money it holds."""
    g = rec["group"]
    n = int(g.max()) + 1 if g.size else 0
    first = np.unique(g, return_index=True)[1]
    ts = ledger.ts[rec["t"]]
    is_direct = seed.party[rec["seed"]] == ledger.src[rec["t"]]
    return {
        "net": rec["net"][first],
        "party": ledger.dst[rec["t"][first]],
        "amount": np.bincount(g, rec["carried"], minlength=n),
        "hops": _reduce(np.minimum, n, g, rec["hops"], _I64_MAX),
        "longest_hops": _reduce(np.maximum, n, g, rec["hops"], _I64_MIN),
        "n_transfers": _distinct(g, rec["t"], n),
        "first": _reduce(np.minimum, n, g, ts, _I64_MAX),
        "last": _reduce(np.maximum, n, g, ts, _I64_MIN),
        "origin_first": _reduce(np.minimum, n, g, rec["origin"], _I64_MAX),
        "origin_last": _reduce(np.maximum, n, g, rec["origin"], _I64_MIN),
        "median_delay": _weighted_median(g, (ts - rec["origin"]) / _US_PER_DAY, rec["carried"], n),
        "path": _heaviest(g, rec["path"], rec["carried"], n),
        "n_seeds": _distinct(g, rec["seed"], n),
        "n_direct": _distinct(g[is_direct], rec["seed"][is_direct], n),
    }


def active_share(rows: dict[str, np.ndarray], gone: Departures, min_active_us: float) -> np.ndarray:
    """Each party's money over what left its network's store accounts while it was in use: from the first to
    the last departure of the money it received, widened about its middle to at least ``min_active_us``."""
    start, end = rows["origin_first"], rows["origin_last"]
    widen = np.maximum(min_active_us - (end - start), 0) // 2
    yardstick = outflow_between(gone, rows["net"], start - widen, end + widen)
    return np.minimum(rows["amount"] / np.maximum(yardstick, 1e-300), 1.0)


def pool_share(
    ledger: Ledger,
    rows: dict[str, np.ndarray],
    rec: dict[str, np.ndarray],
    pools: np.ndarray,
    min_active_us: float,
) -> np.ndarray:
    """Each party's money over what reached any of ``pools`` (rows) from the same store accounts while it was
    receiving (from its first to its last receipt, widened about its middle to at least ``min_active_us``)."""
    at = pools[rec["group"]]
    key = rec["seed"][at]
    order = np.lexsort((ledger.ts[rec["t"][at]], key))
    arrived = Departures(key[order], ledger.ts[rec["t"][at]][order], rec["carried"][at][order])
    return _seed_share(rows, rec, arrived, rows["first"], rows["last"], min_active_us)


def _seed_share(
    rows: dict[str, np.ndarray],
    rec: dict[str, np.ndarray],
    events: Departures,
    start: np.ndarray,
    end: np.ndarray,
    min_active_us: float,
) -> np.ndarray:
    """Each row's money over the ``events`` (keyed by seed) of the seeds whose money it holds, in its span."""
    widen = np.maximum(min_active_us - (end - start), 0) // 2
    span = int(rec["seed"].max()) + 1 if rec["seed"].size else 1
    pairs = unique(rec["group"] * span + rec["seed"])
    g, s = pairs // span, pairs % span
    yardstick = np.bincount(
        g, outflow_between(events, s, start[g] - widen[g], end[g] + widen[g]), minlength=start.size
    )
    return np.minimum(rows["amount"] / np.maximum(yardstick, 1e-300), 1.0)


def _reduce(op: np.ufunc, n: int, group: np.ndarray, value: np.ndarray, fill: int) -> np.ndarray:
    out = np.full(n, fill, np.int64)
    op.at(out, group, value)
    return out


def _distinct(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct values per group."""
    span = int(value.max()) + 1 if value.size else 1
    return np.bincount(unique(group * span + value) // span, minlength=n)


def _weighted_median(group: np.ndarray, value: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Per group (every group has rows), the value at which half the group's weight is reached."""
    if not group.size:
        return np.zeros(n)
    order = np.lexsort((value, group))
    v, cum = value[order], np.cumsum(weight[order])
    end = np.searchsorted(group[order], np.arange(n), side="right")
    start = np.r_[0, end[:-1]]
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    half = before + (cum[end - 1] - before) / 2
    at = np.searchsorted(cum, half * (1 - 1e-12), side="left")
    return v[np.clip(at, start, end - 1)]


def _heaviest(group: np.ndarray, path: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Per group, the path that carried the most of its money (the lower id on a tie)."""
    if not group.size:
        return np.zeros(n, np.int64)
    span = int(path.max()) + 1
    pairs, inverse = np.unique(group * span + path, return_inverse=True)
    money = np.bincount(inverse, weight)
    order = np.lexsort((pairs % span, -money, pairs // span))
    best = order[np.unique(pairs[order] // span, return_index=True)[1]]
    out = np.zeros(n, np.int64)
    out[pairs[best] // span] = pairs[best] % span
    return out


def path_all(paths: Paths, ids: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Per path in ``ids``, whether every account on it has ``flag`` (per party); true for an empty path."""
    ok, cur = np.ones(ids.size, bool), ids.copy()
    while (cur > 0).any():
        live = cur > 0
        ok[live] &= flag[paths.last[cur[live]]]
        cur[live] = paths.prev[cur[live]]
    return ok


def path_lists(paths: Paths, names: pa.Array, ids: np.ndarray) -> pa.ListArray:
    """The accounts of paths ``ids`` by name, store-account side first."""
    depth = paths.depth[ids]
    offsets = np.r_[0, np.cumsum(depth)]
    values = np.zeros(int(offsets[-1]), np.int64)
    cur = ids.copy()
    for level in range(int(depth.max()) if depth.size else 0):
        live = depth > level
        values[offsets[:-1][live] + depth[live] - 1 - level] = paths.last[cur[live]]
        cur[live] = paths.prev[cur[live]]
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), names.take(pa.array(values, pa.int64())))
