"""The ledger as the money trail reads it: transfers in time order with parties as dense codes, the seed accounts
of each network, and the whole-ledger facts that give parties their roles (store accounts, how many of them pay a
party, how quickly a party pays on what it receives).

Parties are coded in sorted order of their names and ties in time broken by ``transfer_id``, so the same ledger
in any row order gives the same codes and the same replay.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.contract.vocabulary import CASH, FEE, PAYMENT, PLATFORM, SETTLEMENT
from marketguard.engine.base import Step
from marketguard.engine.tables import Tables
from marketguard.features.trace_inputs import (
    LEDGER_CURRENCIES,
    LEDGER_PARTIES,
    LEDGER_ROWS,
    coded_transfers_sql,
)
from marketguard.graph import encode_sorted, unique
from marketguard.graph.taint import fifo_passed

__all__ = [
    "NON_PARTIES",
    "Coded",
    "Departures",
    "Ledger",
    "Seeds",
    "coded_ledger",
    "departures",
    "explode",
    "fetch_coded",
    "fetch_ledger",
    "kind_nouns",
    "member",
    "network_outflow",
    "outflow_between",
    "pass_through",
    "read_ledger",
    "read_seeds",
    "seed_outflow",
    "store_accounts",
    "store_senders",
]

#: Ledger ends that are not parties: the platform pays settlements, cash is where withdrawals go (the
#: vocabulary's canonical names, to which validation maps a platform's own).
NON_PARTIES = (PLATFORM, CASH)
#: Transfer kinds as codes: 0 other or missing.
KIND_PAYMENT, KIND_FEE, KIND_SETTLEMENT = 1, 2, 3
_US_PER_SECOND = 1_000_000


class Ledger(NamedTuple):
    """Transfers in time order, parties as dense codes (sorted by name)."""

    ts: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    kind: np.ndarray  # KIND_* codes
    names: pa.Array
    is_party: np.ndarray
    currency: str


class Seeds(NamedTuple):
    """Seed accounts and their networks: ``seed_of[party]`` is a seed index or -1; ``ptr`` indexes ``net``."""

    seed_of: np.ndarray
    party: np.ndarray
    ptr: np.ndarray
    net: np.ndarray
    network_ids: pa.Array


def read_ledger(transfers: pa.Table, seeds: pa.Table) -> Ledger:
    """Valid transfers sorted by (ts, transfer_id), with dense party codes shared with the seeds. Rows without a
    time or a positive amount, and transfers from a party to itself, move nothing and are left out. A ledger
    that is already clean and in order (the scan fetches it so) is neither filtered nor sorted again: on
    millions of transfers each costs about as much as the replay itself."""
    keep = pc.and_(pc.is_valid(transfers["ts"]), pc.greater(transfers["amount"], 0.0))
    keep = pc.and_(keep, pc.fill_null(pc.not_equal(transfers["from_party"], transfers["to_party"]), True))
    t = transfers if pc.all(keep).as_py() is not False else transfers.filter(keep)
    if not _in_order(t):
        t = t.sort_by([("ts", "ascending"), ("transfer_id", "ascending")])
    ends = [pc.fill_null(t[c], "").cast(pa.string()) for c in ("from_party", "to_party")]
    everything = pa.chunked_array(
        [*ends[0].chunks, *ends[1].chunks, *seeds["party"].cast(pa.string()).chunks]
    )
    codes, names = encode_sorted(everything)
    n = t.num_rows
    kinds = pc.fill_null(t["kind"] if "kind" in t.column_names else pa.nulls(n, pa.string()), "")
    kind = np.zeros(n, np.int8)
    for code, word in ((KIND_PAYMENT, PAYMENT), (KIND_FEE, FEE), (KIND_SETTLEMENT, SETTLEMENT)):
        kind[np.asarray(pc.equal(kinds, word))] = code
    currency = pc.unique(t["currency"].drop_null()) if "currency" in t.column_names else pa.array([])
    return Ledger(
        ts=_micros(t["ts"]),
        src=codes[:n],
        dst=codes[n : 2 * n],
        amount=np.asarray(t["amount"].cast(pa.float64()).to_numpy(), np.float64),
        kind=kind,
        names=names,
        is_party=_is_party(names),
        currency=_the_currency(currency),
    )


def fetch_ledger(tables: Tables) -> Ledger:
    """The ledger of ``tables`` as :func:`read_ledger` makes it, coded by the engine: the same rows in the same
    order and the same party order, every store owner's settlement account among the parties (the money trail's
    seeds and the linker's owners). Half the time of fetching names and coding them here, on millions."""
    return coded_ledger(fetch_coded(tables))


class Coded(NamedTuple):
    """The ledger as the engine gives it (:func:`fetch_coded`), not yet arrays."""

    transfers: pa.Table
    names: pa.ChunkedArray
    currencies: pa.ChunkedArray


def fetch_coded(tables: Tables) -> Coded:
    """The engine's part of :func:`fetch_ledger`: the coded transfers, party names and currencies."""
    tables.run([Step("ledger_rows", LEDGER_ROWS), Step("ledger_parties", LEDGER_PARTIES)])
    names = tables.fetch("SELECT party FROM ledger_parties ORDER BY code", "ledger parties").column(0)
    kinds = {PAYMENT: KIND_PAYMENT, FEE: KIND_FEE, SETTLEMENT: KIND_SETTLEMENT}
    coded = tables.fetch(coded_transfers_sql(kinds), "coded transfers")
    currencies = tables.fetch(LEDGER_CURRENCIES, "currencies").column(0)
    for name in ("ledger_rows", "ledger_parties"):  # a few hundred MB on millions of transfers, read once
        tables.backend.drop(name)
    return Coded(coded, names, currencies)


def coded_ledger(coded: Coded) -> Ledger:
    """The :class:`Ledger` of what :func:`fetch_coded` read (no engine needed: the linker makes it on another
    thread while the engine goes on)."""
    names = coded.names.combine_chunks().cast(pa.string())
    t = coded.transfers
    return Ledger(
        ts=_column(t, "ts", np.int64),
        src=_column(t, "src", np.int64),
        dst=_column(t, "dst", np.int64),
        amount=_column(t, "amount", np.float64),
        kind=_column(t, "kind", np.int8),
        names=names,
        is_party=_is_party(names),
        currency=_the_currency(coded.currencies),
    )


def _is_party(names: pa.Array) -> np.ndarray:
    """Per party code, whether it is one: a missing party ('') and the ledger's ends are not."""
    return ~np.asarray(pc.is_in(names, pa.array(["", *NON_PARTIES])).to_numpy(zero_copy_only=False))


def _the_currency(currencies: pa.Array | pa.ChunkedArray) -> str:
    """The ledger's one currency, '' when it has none or several (amounts are then not one figure)."""
    return str(currencies[0]) if len(currencies) == 1 else ""


def _column(table: pa.Table, name: str, dtype: type) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(), dtype)


def _micros(ts: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(ts.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy(), np.int64)


def _in_order(t: pa.Table) -> bool:
    """Whether rows are already sorted by (ts, transfer_id); ids are compared only where times tie."""
    ts = _micros(t["ts"])
    step = np.diff(ts)
    if (step < 0).any():
        return False
    tie = np.flatnonzero(step == 0)
    if not tie.size:
        return True
    ids = t["transfer_id"]
    first, second = ids.take(pa.array(tie)), ids.take(pa.array(tie + 1))
    return bool(pc.all(pc.less_equal(first, second)).as_py() is not False)


def read_seeds(seeds: pa.Table, names: pa.Array) -> Seeds:
    """Seed accounts indexed densely; each seed's networks, sorted. Seeds that are no party of the ledger (a
    ledger read without them, and they have no transfers) are left out."""
    seeds = seeds.filter(pc.and_(pc.is_valid(seeds["network_id"]), pc.is_valid(seeds["party"])))
    seeds = seeds.filter(pc.is_in(seeds["party"].cast(pa.string()), value_set=names))
    net, network_ids = encode_sorted(seeds["network_id"].cast(pa.string()))
    party = np.asarray(pc.index_in(seeds["party"].cast(pa.string()), value_set=names), np.int64)
    pairs = np.unique(np.stack([party, net], axis=1), axis=0)
    party_of, seed_idx = np.unique(pairs[:, 0], return_inverse=True)
    seed_of = np.full(len(names), -1, np.int64)
    seed_of[party_of] = np.arange(party_of.size)
    ptr = np.r_[0, np.cumsum(np.bincount(seed_idx, minlength=party_of.size))]
    return Seeds(seed_of, party_of, ptr, pairs[:, 1], network_ids)


def store_accounts(ledger: Ledger, seed: Seeds) -> np.ndarray:
    """Store settlement accounts as the whole ledger shows them: paid by the platform, or seeds."""
    is_store = seed.seed_of >= 0
    platform = pc.index_in(pa.scalar(PLATFORM), value_set=ledger.names).as_py()
    settled = (ledger.kind == KIND_SETTLEMENT) | (ledger.src == (-1 if platform is None else platform))
    is_store[ledger.dst[settled]] = True
    return is_store & ledger.is_party


def store_senders(ledger: Ledger, is_store: np.ndarray) -> np.ndarray:
    """Per party, how many distinct store accounts paid it directly."""
    n = is_store.size
    pairs = unique(ledger.dst[is_store[ledger.src]] * n + ledger.src[is_store[ledger.src]])
    return np.bincount(pairs // n, minlength=n)


def seed_outflow(ledger: Ledger, seed: Seeds) -> np.ndarray:
    """Money that left each seed account for anyone but another seed account."""
    out = (seed.seed_of[ledger.src] >= 0) & (seed.seed_of[ledger.dst] < 0)
    return np.bincount(seed.seed_of[ledger.src[out]], ledger.amount[out], minlength=seed.party.size)


class Departures(NamedTuple):
    """Every transfer that took money out of a network's store accounts (to anyone but the network's own), one
    row per (transfer, network), sorted by network then time."""

    net: np.ndarray
    ts: np.ndarray
    amount: np.ndarray


def departures(ledger: Ledger, seed: Seeds) -> Departures:
    """The money leaving each network's store accounts, transfer by transfer (money sent to a seed of the same
    network stays in)."""
    from_seed = np.flatnonzero(seed.seed_of[ledger.src] >= 0)
    rows, net = explode(seed, seed.seed_of[ledger.src[from_seed]])
    t = from_seed[rows]
    outside = ~member(seed, net, seed.seed_of[ledger.dst[t]])
    net, t = net[outside], t[outside]
    order = np.lexsort((ledger.ts[t], net))
    return Departures(net[order], ledger.ts[t[order]], ledger.amount[t[order]])


def network_outflow(gone: Departures, n_networks: int) -> np.ndarray:
    """Money that left each network's store accounts."""
    return np.bincount(gone.net, gone.amount, minlength=n_networks)


def outflow_between(gone: Departures, net: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Money that left network ``net``'s store accounts from ``start`` to ``end`` (microseconds, inclusive),
    row by row: the yardstick of a party's share while it was in use. Times are compared in whole seconds."""
    if not gone.net.size or not net.size:
        return np.zeros(net.size)
    low = int(gone.ts.min()) // _US_PER_SECOND - 1
    width = int(gone.ts.max()) // _US_PER_SECOND - low + 2

    def key(n: np.ndarray, us: np.ndarray) -> np.ndarray:
        seconds = np.clip(us // _US_PER_SECOND - low, 0, width - 1)
        return n.astype(np.int64) * width + seconds

    keys, cum = key(gone.net, gone.ts), np.r_[0.0, np.cumsum(gone.amount)]
    upto = cum[np.searchsorted(keys, key(net, end), side="right")]
    before = cum[np.searchsorted(keys, key(net, start), side="left")]
    return np.maximum(upto - before, 0.0)


def explode(seed: Seeds, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per (row, network of its seed ``s``): the row index and the network."""
    count = seed.ptr[s + 1] - seed.ptr[s]
    rows = np.repeat(np.arange(s.size), count)
    offset = np.arange(rows.size) - np.repeat(np.cumsum(count) - count, count)
    return rows, seed.net[seed.ptr[s[rows]] + offset]


def member(seed: Seeds, net: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Whether seed ``s`` (or -1) belongs to network ``net``, row by row."""
    n_nets = max(len(seed.network_ids), 1)
    keys = np.repeat(np.arange(seed.party.size), np.diff(seed.ptr)) * n_nets + seed.net
    probe = np.where(s >= 0, s * n_nets + net, -1)
    return np.isin(probe, keys)


def pass_through(ledger: Ledger, window: float, parties: np.ndarray) -> np.ndarray:
    """Per party (those in the mask ``parties``; 0 elsewhere), the share of what it received that it paid on
    within ``window``, first in, first out over all its money."""
    n = len(ledger.names)
    touch = parties[ledger.src] | parties[ledger.dst]
    src, dst, ts, amount = ledger.src[touch], ledger.dst[touch], ledger.ts[touch], ledger.amount[touch]
    by_dst = np.argsort(dst, kind="stable")
    by_src = np.argsort(src, kind="stable")
    in_ptr = np.r_[0, np.cumsum(np.bincount(dst, minlength=n))]
    out_ptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))]
    return fifo_passed(
        in_ptr, ts[by_dst], amount[by_dst], out_ptr, ts[by_src], amount[by_src], np.int64(window),
        ledger.ts[-1] if ledger.ts.size else 0,
    )  # fmt: skip


def kind_nouns(ledger: Ledger) -> np.ndarray:
    """What a shared party looks like from the kinds of the transfers it receives."""
    n = len(ledger.names)
    n_in = np.maximum(np.bincount(ledger.dst, minlength=n), 1)
    fee = np.bincount(ledger.dst, ledger.kind == KIND_FEE, minlength=n) / n_in
    payment = np.bincount(ledger.dst, ledger.kind == KIND_PAYMENT, minlength=n) / n_in
    return np.select(
        [fee > 0.5, payment > 0.5],
        ["a shared fee account (an agency or a service)", "a shared wholesale supplier"],
        "a shared account",
    )
