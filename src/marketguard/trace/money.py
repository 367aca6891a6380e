"""The money trail of each network: where its stores' settlements go, where they pool, who gets paid from there.

Attribution is proportional ("haircut") taint, as in Möser, Böhme & Breuker, "Towards Risk Scoring of Bitcoin
Transactions" (FC 2014). The ledger is replayed in time order. Every transfer out of a seed account (a store's
settlement account) is wholly the network's money, one hop away. Every other party holds a balance and, per
seed account, the part of that balance that is the seed's money; a transfer of amount ``a`` from a balance
``b`` carries the fraction ``a / max(b, a)`` of each part (money is fungible, so each payment out is a mix of
what is there; money the ledger never showed coming in counts as clean). So a transfer made before the
network's money arrived carries none of it, and a settlement split through mules reaches the collector in
proportion. A party passes the money on only while it is fewer than ``max_hops`` hops from the seeds.

Roles come from the flow structure, read off the whole ledger (store accounts are the parties the platform
pays settlements to, and the seeds):

- pass-through (mule): pays on at least ``min_pass_through`` of everything it receives within ``pass_days``
  (first in, first out, from the least opening balance the ledger allows): role ``other``;
- shared: paid directly by at least ``min_unrelated_stores`` store accounts outside the network, and by more
  of them than of the network's own (a popular wholesaler, an agency's fee account): never a collector or a
  supplier, and its money is not followed further once it serves more than ``max_store_senders`` stores;
- collector: where the money pools: holds the money of at least two of the network's store accounts, at least
  ``min_collector_share`` of what left them, got at least half of it straight from the store accounts or
  through pass-throughs (not paid out of another pool), and is neither a pass-through nor shared. One store
  account's money is no pool: an owner sweeping to their own account looks just the same;
- supplier: paid mostly (at least half its network money) by the network's collectors, neither a
  pass-through nor shared.

Parties are ranked collectors first, then suppliers, then the rest, each by the network money received.

Notes
-----
One compiled (numba) pass over the T transfers in time order, holdings kept per (seed account, party) in a hash
map and a linked list per party; each transfer visits its sender's holdings, so the pass is O(T * h) for h
holdings per sender (small: hubs hold none). The C carries it records are then grouped by sorting,
O(C log C). Deterministic: ties in time are broken by transfer_id, parties coded in sorted order. On the
simulator's 100k-store market (2.4M transfers, 83k networks) it takes about 4 s and 0.65 GB on two cores.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.contract.vocabulary import CASH, FEE, PAYMENT, PLATFORM, SETTLEMENT
from marketguard.errors import ContractError, ParameterError, Problem
from marketguard.graph import encode_sorted
from marketguard.graph.taint import fifo_passed, propagate_taint
from marketguard.trace.money_reasons import COLLECTOR, OTHER, ROLES, SUPPLIER, network_reasons

__all__ = ["MONEY_SCHEMA", "NON_PARTIES", "follow_money"]

_TS = pa.timestamp("us", tz="UTC")
_REASONS = pa.list_(pa.string())

#: The ``money`` result table, as the results contract names it.
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
        ("reasons", _REASONS),
    ]
)

#: Ledger ends that are not parties: the platform pays settlements, cash is where withdrawals go (the
#: vocabulary's canonical names, to which validation maps a platform's own).
NON_PARTIES = (PLATFORM, CASH)
_US_PER_DAY = 86_400_000_000
_REQUIRED = {
    "transfers": ("transfer_id", "ts", "from_party", "to_party", "amount"),
    "seeds": ("network_id", "party"),
}


class _Ledger(NamedTuple):
    """Transfers in time order, parties as dense codes (sorted by name)."""

    ts: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    kind: np.ndarray  # 0 other or missing, 1 payment, 2 fee, 3 settlement
    names: pa.Array
    is_party: np.ndarray
    currency: str


class _Seeds(NamedTuple):
    """Seed accounts and their networks: ``seed_of[party]`` is a seed index or -1; ``ptr`` indexes ``net``."""

    seed_of: np.ndarray
    party: np.ndarray
    ptr: np.ndarray
    net: np.ndarray
    network_ids: pa.Array


def follow_money(
    transfers: pa.Table,
    seeds: pa.Table,
    *,
    max_hops: int = 3,
    min_share: float = 0.001,
    min_collector_share: float = 0.2,
    pass_days: float = 5.0,
    min_pass_through: float = 0.5,
    min_unrelated_stores: int = 10,
    max_store_senders: int = 100,
) -> pa.Table:
    """The parties each network's money reaches, with their role, rank and reasons: result ``money``.

    ``transfers``: transfer_id, ts, from_party, to_party, amount, optional kind and currency. ``seeds``:
    network_id, party (the settlement accounts of the network's stores). Parties that receive less than
    ``min_share`` of a network's money are left out, and smaller carries are not followed. Rows without a
    time or a positive amount are ignored; a missing party counts as money from or to outside the ledger.
    """
    _check(transfers, seeds, locals())
    ledger = _ledger(transfers, seeds)
    seed = _seeds(seeds, ledger.names)
    stores = _store_accounts(ledger, seed)
    senders = _store_senders(ledger, stores)
    holds = ledger.is_party & (seed.seed_of < 0) & (senders <= max_store_senders)
    outflow = _seed_outflow(ledger, seed)
    t, s, hops, carried = propagate_taint(
        ledger.src, ledger.dst, ledger.amount, seed.seed_of, holds, ledger.is_party,
        min_share * outflow, max_hops,
    )  # fmt: skip
    rec = _records(ledger, seed, t, s, hops, carried)
    rows, rec = _network_rows(ledger, seed, rec, _network_outflow(ledger, seed, outflow), min_share)
    passing = _pass_through(ledger, pass_days * _US_PER_DAY)
    passed = passing[rows["party"]]
    unrelated = senders[rows["party"]] - rows["n_direct"]
    shared = (unrelated >= min_unrelated_stores) & (unrelated > rows["n_direct"])
    role = _roles(rows, rec, ledger, passing >= min_pass_through, shared, min_collector_share)
    is_mule = passed >= min_pass_through
    facts = {"passed": passed, "unrelated": unrelated, "shared": shared, "is_mule": is_mule, "role": role}
    n_seeds = np.bincount(seed.net, minlength=len(seed.network_ids))
    return _table(ledger, seed, rows, facts, n_seeds, pass_days, _kind_nouns(ledger))


def _check(transfers: pa.Table, seeds: pa.Table, params: dict[str, Any]) -> None:
    """Raise once for every missing column, or for the first parameter out of range."""
    problems = [
        Problem(name, col, "missing column", f"add '{col}' to the {name} table")
        for name, table in (("transfers", transfers), ("seeds", seeds))
        for col in _REQUIRED[name]
        if col not in table.column_names
    ]
    if problems:
        raise ContractError(problems)
    limits: dict[str, tuple[type, float, float]] = {
        "max_hops": (int, 1, np.inf),
        "min_share": (float, 0.0, 1.0),
        "min_collector_share": (float, 0.0, 1.0),
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


def _ledger(transfers: pa.Table, seeds: pa.Table) -> _Ledger:
    """Valid transfers sorted by (ts, transfer_id), with dense party codes shared with the seeds."""
    t = transfers.filter(pc.and_(pc.is_valid(transfers["ts"]), pc.greater(transfers["amount"], 0.0)))
    t = t.filter(pc.fill_null(pc.not_equal(t["from_party"], t["to_party"]), True))
    t = t.sort_by([("ts", "ascending"), ("transfer_id", "ascending")])
    ends = [pc.fill_null(t[c], "").cast(pa.string()) for c in ("from_party", "to_party")]
    everything = pa.chunked_array(
        [*ends[0].chunks, *ends[1].chunks, *seeds["party"].cast(pa.string()).chunks]
    )
    codes, names = encode_sorted(everything)
    n = t.num_rows
    kinds = pc.fill_null(t["kind"] if "kind" in t.column_names else pa.nulls(n, pa.string()), "")
    kind = np.zeros(n, np.int8)
    for code, word in enumerate((PAYMENT, FEE, SETTLEMENT), start=1):
        kind[np.asarray(pc.equal(kinds, word))] = code
    currency = pc.unique(t["currency"].drop_null()) if "currency" in t.column_names else pa.array([])
    ts = t["ts"].cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy()
    return _Ledger(
        ts=np.asarray(ts, np.int64),
        src=codes[:n],
        dst=codes[n : 2 * n],
        amount=np.asarray(t["amount"].cast(pa.float64()).to_numpy(), np.float64),
        kind=kind,
        names=names,
        is_party=~np.asarray(pc.is_in(names, pa.array(["", *NON_PARTIES])).to_numpy(zero_copy_only=False)),
        currency=str(currency[0]) if len(currency) == 1 else "",
    )


def _seeds(seeds: pa.Table, names: pa.Array) -> _Seeds:
    """Seed accounts indexed densely; each seed's networks, sorted."""
    seeds = seeds.filter(pc.and_(pc.is_valid(seeds["network_id"]), pc.is_valid(seeds["party"])))
    net, network_ids = encode_sorted(seeds["network_id"].cast(pa.string()))
    party = np.asarray(pc.index_in(seeds["party"].cast(pa.string()), value_set=names), np.int64)
    pairs = np.unique(np.stack([party, net], axis=1), axis=0)
    party_of, seed_idx = np.unique(pairs[:, 0], return_inverse=True)
    seed_of = np.full(len(names), -1, np.int64)
    seed_of[party_of] = np.arange(party_of.size)
    ptr = np.r_[0, np.cumsum(np.bincount(seed_idx, minlength=party_of.size))]
    return _Seeds(seed_of, party_of, ptr, pairs[:, 1], network_ids)


def _store_accounts(ledger: _Ledger, seed: _Seeds) -> np.ndarray:
    """Store settlement accounts as the whole ledger shows them: paid by the platform, or seeds."""
    is_store = seed.seed_of >= 0
    platform = pc.index_in(pa.scalar(PLATFORM), value_set=ledger.names).as_py()
    settled = (ledger.kind == 3) | (ledger.src == (-1 if platform is None else platform))
    is_store[ledger.dst[settled]] = True
    return is_store & ledger.is_party


def _store_senders(ledger: _Ledger, is_store: np.ndarray) -> np.ndarray:
    """Per party, how many distinct store accounts paid it directly."""
    n = is_store.size
    pairs = np.unique(ledger.dst[is_store[ledger.src]] * n + ledger.src[is_store[ledger.src]])
    return np.bincount(pairs // n, minlength=n)


def _seed_outflow(ledger: _Ledger, seed: _Seeds) -> np.ndarray:
    """Money that left each seed account for anyone but another seed account."""
    out = (seed.seed_of[ledger.src] >= 0) & (seed.seed_of[ledger.dst] < 0)
    return np.bincount(seed.seed_of[ledger.src[out]], ledger.amount[out], minlength=seed.party.size)


def _network_outflow(ledger: _Ledger, seed: _Seeds, outflow: np.ndarray) -> np.ndarray:
    """Money that left each network's seed accounts (money sent to a seed of the same network stays in)."""
    total = np.bincount(seed.net, np.repeat(outflow, np.diff(seed.ptr)), minlength=len(seed.network_ids))
    inner = (seed.seed_of[ledger.src] >= 0) & (seed.seed_of[ledger.dst] >= 0)
    rows, net = _explode(seed, seed.seed_of[ledger.src[inner]])
    other = seed.seed_of[ledger.dst[inner][rows]]
    outside = ~_member(seed, net, other)
    return total + np.bincount(net[outside], ledger.amount[inner][rows][outside], minlength=total.size)


def _explode(seed: _Seeds, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per (row, network of its seed ``s``): the row index and the network."""
    count = seed.ptr[s + 1] - seed.ptr[s]
    rows = np.repeat(np.arange(s.size), count)
    offset = np.arange(rows.size) - np.repeat(np.cumsum(count) - count, count)
    return rows, seed.net[seed.ptr[s[rows]] + offset]


def _member(seed: _Seeds, net: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Whether seed ``s`` (or -1) belongs to network ``net``, row by row."""
    n_nets = max(len(seed.network_ids), 1)
    keys = np.repeat(np.arange(seed.party.size), np.diff(seed.ptr)) * n_nets + seed.net
    probe = np.where(s >= 0, s * n_nets + net, -1)
    return np.isin(probe, keys)


def _records(
    ledger: _Ledger, seed: _Seeds, t: np.ndarray, s: np.ndarray, hops: np.ndarray, carried: np.ndarray
) -> dict[str, np.ndarray]:
    """Every (transfer, seed, network) carry into a party outside that network's seeds, grouped by
    (network, party). Transfers out of seed accounts carry their whole amount, one hop away."""
    direct = np.flatnonzero((seed.seed_of[ledger.src] >= 0) & ledger.is_party[ledger.dst])
    t = np.r_[direct, t]
    s = np.r_[seed.seed_of[ledger.src[direct]], s]
    hops = np.r_[np.ones(direct.size, np.int64), hops]
    carried = np.r_[ledger.amount[direct], carried]
    rows, net = _explode(seed, s)
    t, s, hops, carried = t[rows], s[rows], hops[rows], carried[rows]
    dst = ledger.dst[t]
    out = ~_member(seed, net, seed.seed_of[dst])
    rec = {"t": t[out], "seed": s[out], "hops": hops[out], "carried": carried[out], "net": net[out]}
    _, rec["group"] = np.unique(rec["net"] * len(ledger.names) + dst[out], return_inverse=True)
    return rec


def _network_rows(
    ledger: _Ledger, seed: _Seeds, rec: dict[str, np.ndarray], total: np.ndarray, min_share: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The (network, party) rows with at least ``min_share`` of the network's money, and their records."""
    rows = _aggregate(ledger, seed, rec)
    rows["share"] = rows["amount"] / np.maximum(total[rows["net"]], 1e-300)
    keep = rows["share"] >= min_share
    rec = {k: v[keep[rec["group"]]] for k, v in rec.items()}
    rec["group"] = np.cumsum(keep)[rec["group"]] - 1
    return {k: v[keep] for k, v in rows.items()}, rec


def _aggregate(ledger: _Ledger, seed: _Seeds, rec: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per (network, party): money, hops, transfers, times, and how many seeds' money it holds."""
    g = rec["group"]
    n = int(g.max()) + 1 if g.size else 0
    first = np.unique(g, return_index=True)[1]
    ts = ledger.ts[rec["t"]]
    hops = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(hops, g, rec["hops"])
    first_ts, last_ts = np.full(n, np.iinfo(np.int64).max), np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first_ts, g, ts)
    np.maximum.at(last_ts, g, ts)
    is_direct = seed.party[rec["seed"]] == ledger.src[rec["t"]]
    return {
        "net": rec["net"][first],
        "party": ledger.dst[rec["t"][first]],
        "amount": np.bincount(g, rec["carried"], minlength=n),
        "hops": hops,
        "n_transfers": _distinct(g, rec["t"], n),
        "first": first_ts,
        "last": last_ts,
        "n_seeds": _distinct(g, rec["seed"], n),
        "n_direct": _distinct(g[is_direct], rec["seed"][is_direct], n),
    }


def _distinct(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct values per group."""
    span = int(value.max()) + 1 if value.size else 1
    return np.bincount(np.unique(group * span + value) // span, minlength=n)


def _roles(
    rows: dict[str, np.ndarray],
    rec: dict[str, np.ndarray],
    ledger: _Ledger,
    is_pass: np.ndarray,
    shared: np.ndarray,
    min_collector_share: float,
) -> np.ndarray:
    """Collectors where the money pools (fed mostly by the store accounts, directly or through
    pass-throughs); suppliers paid mostly by the collectors; the rest other. Adds to ``rows`` the share of
    each party's network money that came from store accounts or pass-throughs (``fed``) and from collectors
    (``from_collector``)."""
    src = ledger.src[rec["t"]]
    fed = (rec["hops"] == 1) | is_pass[src]
    amount = np.maximum(rows["amount"], 1e-300)
    rows["fed"] = np.bincount(rec["group"][fed], rec["carried"][fed], minlength=shared.size) / amount
    excluded = is_pass[rows["party"]] | shared
    pools = (rows["n_seeds"] >= 2) & (rows["share"] >= min_collector_share) & (rows["fed"] >= 0.5) & ~excluded
    role = np.where(pools, COLLECTOR, OTHER)
    n_parties = len(ledger.names)
    collector_keys = rows["net"][pools] * n_parties + rows["party"][pools]
    from_collector = np.isin(rec["net"] * n_parties + src, collector_keys)
    paid = np.bincount(rec["group"][from_collector], rec["carried"][from_collector], minlength=role.size)
    rows["from_collector"] = paid / amount
    role[(role == OTHER) & ~excluded & (rows["from_collector"] >= 0.5)] = SUPPLIER
    return role


def _pass_through(ledger: _Ledger, window: float) -> np.ndarray:
    """Per party, the share of what it received that it paid on within ``window`` (first in, first out)."""
    n = len(ledger.names)
    by_dst = np.argsort(ledger.dst, kind="stable")
    by_src = np.argsort(ledger.src, kind="stable")
    in_ptr = np.r_[0, np.cumsum(np.bincount(ledger.dst, minlength=n))]
    out_ptr = np.r_[0, np.cumsum(np.bincount(ledger.src, minlength=n))]
    return fifo_passed(
        in_ptr, ledger.ts[by_dst], ledger.amount[by_dst],
        out_ptr, ledger.ts[by_src], ledger.amount[by_src], np.int64(window), ledger.ts[-1] if ledger.ts.size else 0,
    )  # fmt: skip


def _kind_nouns(ledger: _Ledger) -> np.ndarray:
    """What a shared party looks like from the kinds of the transfers it receives."""
    n = len(ledger.names)
    n_in = np.maximum(np.bincount(ledger.dst, minlength=n), 1)
    fee = np.bincount(ledger.dst, ledger.kind == 2, minlength=n) / n_in
    payment = np.bincount(ledger.dst, ledger.kind == 1, minlength=n) / n_in
    return np.select(
        [fee > 0.5, payment > 0.5],
        ["a shared fee account (an agency or a service)", "a shared wholesale supplier"],
        "a shared account",
    )


def _table(
    ledger: _Ledger,
    seed: _Seeds,
    rows: dict[str, np.ndarray],
    facts: dict[str, np.ndarray],
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
    reasons = network_reasons(
        ledger.currency, rows, facts, n_seeds[rows["net"]], pass_days, nouns[rows["party"]]
    )
    ts = pa.timestamp("us", tz="UTC")
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
            "first_seen": pa.array(rows["first"], pa.int64()).cast(ts),
            "last_seen": pa.array(rows["last"], pa.int64()).cast(ts),
            "reasons": pa.array(reasons, pa.list_(pa.string())),
        }
    )
    return table.cast(MONEY_SCHEMA)
