"""Where each store owner's settlement money goes: the parties it pays (payees) and, through layers of accounts,
where the money ends up (multi-hop destinations), as evidence for the operator linker.

An operator who routes settlements through two to four mules before they reach a collector shares no payee
between stores whose first mules differ, yet all of its stores' money pools at the collector of the month and
passes through the same deeper mules. The ledger is replayed once, lot by lot
(:func:`marketguard.graph.lots.follow_lots`, the money trail's own replay: a mule's honest salary and bills
neither absorb nor dilute what it forwards), with every store owner's settlement account a seed of its own. A
party that received at least :data:`MIN_SHARE` of what left an owner's account, two or more transfers away, is
a destination of that owner; its first and last arrival are when that owner's money reached it, so a collector
replaced after a month is the destination of the stores that paid it in that month. One transfer away is a
``payee``: every party the owner's account paid (a first mule, a withdrawal account), the platform and cash
aside (every store pays fees to the first and withdraws into the second).

Rows: ``account_id, kind, artifact, n_events, first_seen, last_seen`` (the store owner's account, the kind,
the party, the transfers that carried its money there), unioned into the evidence graph like every other kind,
where a
destination many owners' money reaches (a wholesaler's supplier, a payment processor, a utility) weighs little
and, past its kind's degree cap, is a hub.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.features.commerce_evidence import USES_SCHEMA
from marketguard.trace.money import replay
from marketguard.trace.money_ledger import Ledger, Seeds, explode, read_ledger, read_seeds

__all__ = ["MIN_SHARE", "USES_SCHEMA", "owner_money_uses"]

#: A destination took at least this share of what left the owner's settlement account: a collector in use for
#: three weeks of a store's year gets about 6% of its money, while a landlord or shop paid a sliver out of a
#: mule's mixed balance (which the lot replay mostly pays from the mule's own money anyway) says nothing about
#: who runs the store.
MIN_SHARE = 0.05

_TS = USES_SCHEMA.field("first_seen").type


def owner_money_uses(
    transfers: pa.Table | Ledger, owners: pa.Table, *, payees: bool = True, destinations: bool = True
) -> pa.Table:
    """Per (store owner, party): the owner's payees and, with ``destinations``, the parties two or more
    transfers from its settlement account that received at least :data:`MIN_SHARE` of its money, with the
    transfers that carried it there and when.

    ``transfers``: transfer_id, ts, from_party, to_party, amount (and optional kind), in any order, or the ledger
    already read (:func:`~marketguard.trace.money_ledger.fetch_ledger`); ``owners``: account_id, bank_account of
    the store owners. Accounts sharing a bank account share its payees and destinations.
    """
    owners = owners.filter(
        pc.and_(pc.is_valid(owners["bank_account"]), pc.not_equal(owners["bank_account"], ""))
    )
    seeds = pa.table({"network_id": owners["account_id"], "party": owners["bank_account"]})
    if seeds.num_rows == 0 or (not isinstance(transfers, Ledger) and transfers.num_rows == 0):
        return USES_SCHEMA.empty_table()
    ledger = transfers if isinstance(transfers, Ledger) else read_ledger(transfers, seeds)
    seed = read_seeds(seeds, ledger.names)
    parts = []
    if payees:
        paid = np.flatnonzero((seed.seed_of[ledger.src] >= 0) & ledger.is_party[ledger.dst])
        ones = np.ones(paid.size)
        parts.append(
            _rows(
                "payee", ledger, paid, seed.seed_of[ledger.src[paid]], ones, np.zeros(seed.party.size), seed
            )
        )
    if destinations:
        parts.append(_destinations(ledger, seed))
    return pa.concat_tables(parts).sort_by(
        [("account_id", "ascending"), ("kind", "ascending"), ("artifact", "ascending")]
    )


def _destinations(ledger: Ledger, seed: Seeds) -> pa.Table:
    """The owners' multi-hop destinations, by the money trail's lot-by-lot replay (its defaults: six hops,
    carries under 0.1% of an owner's outflow not followed, wholesalers not followed through) with every owner's
    account a seed."""
    done = replay(ledger, seed)
    t, s, hops, carried = done.carries[0], done.carries[1], done.carries[2], done.carries[5]
    deep = (hops >= 2) & ledger.is_party[ledger.dst[t]]
    return _rows("destination", ledger, t[deep], s[deep], carried[deep], MIN_SHARE * done.outflow, seed)


def _rows(
    kind: str,
    ledger: Ledger,
    t: np.ndarray,
    s: np.ndarray,
    carried: np.ndarray,
    least: np.ndarray,
    seed: Seeds,
) -> pa.Table:
    """Group the carries (transfer ``t`` carried ``carried`` of seed ``s``'s money) by (seed, receiver), keep
    those that sum to at least ``least`` of their seed, and give each owner of the seed its row."""
    if not t.size:
        return USES_SCHEMA.empty_table()
    n = len(ledger.names)
    key = s.astype(np.int64) * n + ledger.dst[t]
    order = np.lexsort((t, key))
    key, t, carried = key[order], t[order], carried[order]
    new_key = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(new_key)
    ends = np.r_[starts[1:], key.size]
    amount = np.add.reduceat(carried, starts)
    # one transfer may carry a seed's money at several hop counts: count transfers, not carries
    new_transfer = new_key | np.r_[True, t[1:] != t[:-1]]
    n_transfers = np.add.reduceat(new_transfer.astype(np.int64), starts)
    group_seed, party = key[starts] // n, key[starts] % n
    keep = amount >= least[group_seed]
    starts, ends, group_seed, party, n_transfers = (
        starts[keep], ends[keep], group_seed[keep], party[keep], n_transfers[keep]
    )  # fmt: skip
    rows, account = explode(seed, group_seed)
    first, last = ledger.ts[t[starts]], ledger.ts[t[ends - 1]]
    table = pa.table(
        {
            "account_id": seed.network_ids.take(pa.array(account, pa.int64())),
            "kind": pa.array([kind] * rows.size, pa.string()),
            "artifact": ledger.names.take(pa.array(party[rows], pa.int64())),
            "n_events": pa.array(n_transfers[rows], pa.int64()),
            "first_seen": pa.array(first[rows], pa.int64()).cast(_TS),
            "last_seen": pa.array(last[rows], pa.int64()).cast(_TS),
        }
    )
    return table.cast(USES_SCHEMA)
