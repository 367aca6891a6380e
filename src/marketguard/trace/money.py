"""The money trail of each network: where its stores' settlements go, through which accounts, where they pool,
who gets paid from there.

The ledger is replayed in time order, lot by lot (:mod:`marketguard.graph.lots`): every transfer out of a seed
account (a store's settlement account) is wholly the network's money, one hop away; every other account holds
the network money it received as the transfers it came in, and each outflow is attributed to the lots it
forwards (matched by amount, within ``max_fee``), then to the account's own money, then to its oldest lots. So
amounts are conserved through chains of mules over weeks: a mule's honest salary and bills neither absorb nor
dilute the network's money, a batch forwarded after two weeks carries exactly the lots it sums, and a transfer
made before the network's money arrived carries none of it. A party passes the money on only while it is fewer
than ``max_hops`` hops from the seeds: six by default, because layered operators put two to four mules between a
store account and the collector (five hops) and the supplier is paid from there (six).

Roles come from the flow structure (store accounts are the parties the platform pays settlements to, and the
seeds; the thresholds and their reasons are in :mod:`marketguard.trace.money_roles`):

- pass-through (mule): paid on to other accounts at least ``min_pass_through`` of the network money it received
  within ``pass_days`` of receiving it, lot by lot (a mule's salary and savings do not hide what it forwards;
  cash withdrawn stops the money and counts as kept). Fifteen days and 80% by default: layered mules batch and
  forward within days to two weeks, while a collector pays its suppliers monthly and keeps the rest;
- shared: paid directly by at least ``min_unrelated_stores`` store accounts outside the network, and by more
  of them than of the network's own (a popular wholesaler, an agency's fee account): never a collector or a
  supplier, and its money is not followed further once it serves more than ``max_store_senders`` stores;
- collector: where the money pools, judged over the time it was in use (operators replace collectors every
  month or three, and a replaced collector is as much a collector as the one that followed it): at least half
  of its network money came from the store accounts directly or through pass-throughs (not paid out of another
  pool), at least half of all it receives is the network's money, it holds the money of two of the network's
  store accounts or got some of it through pass-throughs (an owner sweeping to their own account pays it
  straight; layering is the tell), its ``active_share`` is at least ``min_collector_share``, and it is neither
  a pass-through nor shared. ``active_share`` is its money over what left the network's store accounts while
  it was in use (from the first to the last departure of the money it got, at least four weeks), or, for money
  that came mostly through pass-throughs, over what reached the network's pools from the same store accounts
  while it received: chains of mules deliver weeks late and out of order;
- supplier: paid mostly (at least half its network money) by the network's collectors, neither a
  pass-through nor shared.

Parties are ranked collectors first, then suppliers, then the rest, each by the network money received. Each
row also says how the money came: ``via`` (the accounts between the store accounts and the party on the path
that brought it the most), ``hops`` to ``longest_hops``, ``median_delay_days`` and ``active_share``.

Notes
-----
One compiled pass over the T transfers in time order, O(T * m + L) for the m lots a matching outflow looks at
(at most 64 from each end of an account's queue) and L lots and parts; the C carries it records are then grouped
by sorting, O(C log C). Deterministic: ties in time are broken by transfer_id, parties coded in sorted order.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from marketguard.errors import ContractError, ParameterError, Problem
from marketguard.graph.lots import follow_lots
from marketguard.trace.money_chain import Paths, active_share, network_rows, path_all, path_lists, records
from marketguard.trace.money_ledger import (
    NON_PARTIES,
    Ledger,
    Seeds,
    departures,
    kind_nouns,
    network_outflow,
    read_ledger,
    read_seeds,
    seed_outflow,
    store_accounts,
    store_senders,
)
from marketguard.trace.money_reasons import network_reasons
from marketguard.trace.money_roles import ROLES, assign_roles, passing

__all__ = ["MONEY_SCHEMA", "NON_PARTIES", "Replay", "follow_money", "replay"]

_TS = pa.timestamp("us", tz="UTC")

#: The ``money`` result table, as the results contract names it. ``hops`` is the fewest transfers the party's
#: network money took from a store account, ``longest_hops`` the most; ``first_seen`` and ``last_seen`` span
#: the transfers that brought it (when it was in use); ``active_share`` is its share of the network's money
#: while in use (see the module docstring); ``median_delay_days`` the money-weighted median time from leaving a
#: store account to reaching the party; ``via`` the accounts between the store accounts and the party on the
#: path that brought it the most (empty: paid by the store accounts).
MONEY_SCHEMA = pa.schema(
    [
        ("network_id", pa.string()),
        ("party", pa.string()),
        ("rank", pa.int64()),
        ("role", pa.string()),
        ("hops", pa.int64()),
        ("amount", pa.float64()),
        ("share", pa.float64()),
        ("n_transfers", pa.int64()),
        ("first_seen", _TS),
        ("last_seen", _TS),
        ("longest_hops", pa.int64()),
        ("active_share", pa.float64()),
        ("median_delay_days", pa.float64()),
        ("via", pa.list_(pa.string())),
        ("reasons", pa.list_(pa.string())),
    ]
)

_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
#: Outflows of one account within this many hours are read as one payment split into pieces (to stay under
#: reporting limits, or to spread it over several next-layer mules): they leave within the same few hours.
SPLIT_HOURS = 6.0
#: A party's active span is widened to at least four weeks before its share is taken: settlements are weekly,
#: so a shorter span holds too few of them to say whether money pools there (a single forwarded batch would
#: be "all the network's money" of its own week).
MIN_ACTIVE_DAYS = 28.0
#: Lots a matching outflow looks at from each end of an account's queue: a forwarder holds a few lots between
#: forwards; an account with more waiting is a pool, whose payments forward no lot in particular.
MATCH_LOTS = 64
#: The defaults of :func:`follow_money`'s replay, shared with the linker's (see its docstring for each reason).
MAX_HOPS, MIN_SHARE, MAX_FEE, PASS_DAYS, MAX_STORE_SENDERS = 6, 0.001, 0.05, 15.0, 100
_REQUIRED = {
    "transfers": ("transfer_id", "ts", "from_party", "to_party", "amount"),
    "seeds": ("network_id", "party"),
}


def follow_money(
    transfers: pa.Table | Ledger,
    seeds: pa.Table,
    *,
    max_hops: int = MAX_HOPS,
    min_share: float = MIN_SHARE,
    min_collector_share: float = 0.2,
    max_fee: float = MAX_FEE,
    pass_days: float = PASS_DAYS,
    min_pass_through: float = 0.8,
    min_unrelated_stores: int = 10,
    max_store_senders: int = MAX_STORE_SENDERS,
) -> pa.Table:
    """The parties each network's money reaches, with their role, rank, chain and reasons: result ``money``.

    ``transfers``: transfer_id, ts, from_party, to_party, amount, optional kind and currency, or the ledger
    already read (:func:`~marketguard.trace.money_ledger.fetch_ledger`: the scan reads it once for the linker
    and the money trail). ``seeds``:
    network_id, party (the settlement accounts of the network's stores). Parties that receive less than
    ``min_share`` of a network's money are left out, and smaller carries are not followed. An outflow within
    ``max_fee`` of a lot (or of a run of the oldest lots) forwards it: mules take a cut of a few percent, and
    rounding. Rows without a time or a positive amount are ignored; a missing party counts as money from or to
    outside the ledger.
    """
    _check(transfers, seeds, locals())
    ledger = transfers if isinstance(transfers, Ledger) else read_ledger(transfers, seeds)
    seed = read_seeds(seeds, ledger.names)
    senders, _, carries, received, passed_on = replay(
        ledger, seed, max_hops=max_hops, min_share=min_share, max_fee=max_fee, pass_days=pass_days,
        max_store_senders=max_store_senders,
    )  # fmt: skip
    rec, paths = records(ledger, seed, carries)
    gone = departures(ledger, seed)
    rows, rec = network_rows(ledger, seed, rec, network_outflow(gone, len(seed.network_ids)), min_share)
    active_us = MIN_ACTIVE_DAYS * _US_PER_DAY
    rows["active_share"] = active_share(rows, gone, active_us)
    passed = passing(ledger, received, passed_on, rows["party"], pass_days * _US_PER_DAY)
    is_pass = passed >= min_pass_through
    unrelated = senders[rows["party"]] - rows["n_direct"]
    shared = (unrelated >= min_unrelated_stores) & (unrelated > rows["n_direct"])
    traced_in = np.bincount(ledger.dst[carries[0]], carries[5], minlength=len(ledger.names))
    role = assign_roles(rows, rec, ledger, is_pass, shared, traced_in, min_collector_share, active_us)
    facts = {"passed": passed[rows["party"]], "unrelated": unrelated, "shared": shared, "role": role}
    facts["is_mule"] = is_pass[rows["party"]]
    facts["via_mules"] = path_all(paths, rows["path"], is_pass)
    n_seeds = np.bincount(seed.net, minlength=len(seed.network_ids))
    return _table(ledger, seed, rows, facts, paths, n_seeds, pass_days, kind_nouns(ledger))


class Replay(NamedTuple):
    """What the lot-by-lot replay gives: per party, the store accounts paying it directly; per seed, the money
    it sent out; the carries (transfer, seed, hops, origin, parent, amount); per party, the traced money it
    received and the part of it paid on within ``pass_days``."""

    senders: np.ndarray
    outflow: np.ndarray
    carries: tuple[np.ndarray, ...]
    received: np.ndarray
    passed_on: np.ndarray


def replay(
    ledger: Ledger,
    seed: Seeds,
    *,
    max_hops: int = MAX_HOPS,
    min_share: float = MIN_SHARE,
    max_fee: float = MAX_FEE,
    pass_days: float = PASS_DAYS,
    max_store_senders: int = MAX_STORE_SENDERS,
) -> Replay:
    """The ledger replayed lot by lot from the seeds (:func:`marketguard.graph.lots.follow_lots`), money not
    held by the seeds themselves nor by parties paid directly by more than ``max_store_senders`` store
    accounts; the parameters as :func:`follow_money` reads them. The money trail and the linker's money
    destinations both replay this way."""
    senders = store_senders(ledger, store_accounts(ledger, seed))
    holds = ledger.is_party & (seed.seed_of < 0) & (senders <= max_store_senders)
    outflow = seed_outflow(ledger, seed)
    limits = (max_hops, max_fee, MATCH_LOTS, int(SPLIT_HOURS * _US_PER_HOUR), int(pass_days * _US_PER_DAY))
    *carries, received, passed_on = follow_lots(
        ledger.ts, ledger.src, ledger.dst, ledger.amount, seed.seed_of, holds, ledger.is_party,
        min_share * outflow, limits,
    )  # fmt: skip
    return Replay(senders, outflow, tuple(carries), received, passed_on)


def _check(transfers: pa.Table | Ledger, seeds: pa.Table, params: dict[str, Any]) -> None:
    """Raise once for every missing column, or for the first parameter out of range."""
    inputs = (
        [("seeds", seeds)] if isinstance(transfers, Ledger) else [("transfers", transfers), ("seeds", seeds)]
    )
    problems = [
        Problem(name, col, "missing column", f"add '{col}' to the {name} table")
        for name, table in inputs
        for col in _REQUIRED[name]
        if col not in table.column_names
    ]
    if problems:
        raise ContractError(problems)
    limits: dict[str, tuple[type, float, float]] = {
        "max_hops": (int, 1, np.inf),
        "min_share": (float, 0.0, 1.0),
        "min_collector_share": (float, 0.0, 1.0),
        "max_fee": (float, 0.0, 0.5),
        "pass_days": (float, 0.0, np.inf),
        "min_pass_through": (float, 0.0, 1.0),
        "min_unrelated_stores": (int, 1, np.inf),
        "max_store_senders": (int, 1, np.inf),
    }
    for name, (kind, low, high) in limits.items():
        value = params[name]
        allowed = (int,) if kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed) or not low <= value <= high:
            text = "an int" if kind is int else "a float"
            raise ParameterError(
                f"The '{name}' parameter of follow_money must be {text} in the range [{low}, {high}]. "
                f"Got {value!r} instead."
            )


def _table(
    ledger: Ledger,
    seed: Seeds,
    rows: dict[str, np.ndarray],
    facts: dict[str, np.ndarray],
    paths: Paths,
    n_seeds: np.ndarray,
    pass_days: float,
    nouns: np.ndarray,
) -> pa.Table:
    """Rank within each network (role, then money, then party name) and build the result table."""
    order = np.lexsort((rows["party"], -rows["amount"], facts["role"], rows["net"]))
    rows = {k: v[order] for k, v in rows.items()}
    facts = {k: v[order] for k, v in facts.items()}
    starts = np.unique(rows["net"], return_index=True)[1]
    size = np.diff(np.r_[starts, order.size])
    rank = np.arange(order.size) - np.repeat(starts, size) + 1
    via = path_lists(paths, ledger.names, rows["path"])
    reasons = network_reasons(
        ledger.currency, rows, facts, via.to_pylist(), n_seeds[rows["net"]], pass_days, nouns[rows["party"]]
    )
    table = pa.table(
        {
            "network_id": seed.network_ids.take(pa.array(rows["net"], pa.int64())),
            "party": ledger.names.take(pa.array(rows["party"], pa.int64())),
            "rank": pa.array(rank, pa.int64()),
            "role": pa.array(np.asarray(ROLES, dtype=object)[facts["role"]], pa.string()),
            "hops": pa.array(rows["hops"], pa.int64()),
            "amount": pa.array(rows["amount"], pa.float64()),
            "share": pa.array(rows["share"], pa.float64()),
            "n_transfers": pa.array(rows["n_transfers"], pa.int64()),
            "first_seen": pa.array(rows["first"], pa.int64()).cast(_TS),
            "last_seen": pa.array(rows["last"], pa.int64()).cast(_TS),
            "longest_hops": pa.array(rows["longest_hops"], pa.int64()),
            "active_share": pa.array(rows["active_share"], pa.float64()),
            "median_delay_days": pa.array(rows["median_delay"], pa.float64()),
            "via": via,
            "reasons": pa.array(reasons, pa.list_(pa.string())),
        }
    )
    return table.cast(MONEY_SCHEMA)
