"""Money followed lot by lot: a ledger replayed in time order, each account's traced money held as the inflow
transfers ("lots") it came in, and every outflow attributed to the lots it most plausibly spends.

Why lots, not a proportional ("haircut") mix of an account's whole balance: a mule that also carries honest
money (its salary, its savings, its bills) would dilute the network's money at every layer, and a collector
replaced after a month would look like a sliver of the year's flow. Money that moves in one transfer cannot be
told apart, so a lot is split in proportion only within itself (its *parts*: the money of one seed account, at
one hop count, that left the seed at one time); between transfers, time and amounts tell. An outflow of amount
``a`` is attributed in this order:

1. **The lots it forwards, by amount.** Among the account's oldest run of lots (a forwarder that batches what it
   received sends on the sum of its oldest lots) and each of its newest lots (a single transfer sent on), the
   one whose amount is closest to ``a``, within ``max_fee`` of it (the forwarder's cut, rounding). Outflows of
   one account within ``split_us`` of each other are first matched as one payment split into pieces (amounts
   kept under reporting limits): each piece then carries its share of the matched lots. A forward smaller than
   its lots leaves the difference with the forwarder as its own money: the fee is its pay, and leaving it
   queued would make every later batch look larger than what is sent on.
2. **The account's own money.** Money the ledger never showed as the network's (an opening balance, a salary,
   savings, a carry too small to follow) is spent before the network's: the rule equity applies to a mixed
   account, where the wrongdoer is taken to spend their own money first and the claimant's stays while the
   balance allows (Re Hallett's Estate, 1880; the lowest intermediate balance rule, Roscoe v Winder, 1915). So
   a mule's rent and bills are paid from its salary, not from the settlements waiting to be forwarded, and its
   savings never stand in for the network's money.
3. **The network's lots, oldest first** (first in, first out), in proportion within a lot. Only an unmatched
   outflow that the account's own money cannot cover reaches here, so a forward no amount explains still moves
   the network's money on rather than stranding it.

What an outflow does not find (more than the account was seen to receive) is money from outside the ledger and
carries nothing. The pass also measures, per account, how much of the traced money it received it paid on
within ``pass_us`` of receiving it: a mule pays on nearly all of it within days, a pool keeps it.

Notes
-----
One compiled pass over the T transfers. An account with no traced money is a single number (its own money);
only accounts holding network money keep a queue, so honest traffic costs O(1) a transfer. A matching outflow
looks at no more than ``n_match`` lots from each end of the queue, and every lot and part is created once and
consumed once, so the pass is O(T * n_match + L) for L lots and parts. Carries of one transfer with the same seed
and hop count are merged (their departure times by amount-weighted mean, their path by the largest), so a
collector paying out of fifty lots of one store's money makes one record, not fifty. Deterministic: no hashing,
no randomness, ties broken by queue order. Compiled without the GIL: the operator linker replays while the engine
reads the logins.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.typed import Dict

from marketguard.graph.lot_queues import (
    AMOUNT,
    ARRIVED,
    CLEAN,
    COUNT,
    FAST,
    FIRST,
    FORWARDED,
    HEAD,
    HOPS,
    LEFT,
    LINK,
    LOTS_FIRST,
    NEXT,
    NPARTS,
    ORIGIN,
    OWN,
    OWN_FIRST,
    OWN_LIFE,
    OWN_ONLY,
    PARENT,
    PREV,
    RECV,
    SEED,
    TAIL,
    spend,
    start_split,
    take_split,
)

__all__ = ["follow_lots"]


@numba.njit(cache=True, nogil=True)
def follow_lots(ts, src, dst, amount, seed_of, holds, is_party, threshold, limits):
    """Replay the ledger (transfers in time order, parties as codes) following each seed account's money.

    Parameters
    ----------
    seed_of
        Per party, its seed index, or -1: everything a seed account pays out is its money, one hop away.
    holds
        Per party, whether it holds traced money (a hub of very many stores does not: following all of it is
        costly and says nothing about any one network).
    is_party
        Per party, whether it is one (the platform and cash are ledger ends: money reaching them is gone).
    threshold
        Per seed, the least carry followed; smaller ones become the receiver's own money.
    limits
        ``(max_hops, max_fee, n_match, split_us, pass_us)``: carries more transfers than ``max_hops`` from their
        seed are not followed; an outflow forwards lots within ``max_fee`` (relative) of its amount among the
        ``n_match`` oldest and newest lots; outflows within ``split_us`` are one payment; money paid on within
        ``pass_us`` of arriving counts as passed through.

    Returns
    -------
    tuple of arrays
        One row per followed carry: transfer, seed, hops, origin (when the money left the seed), parent (the
        carry that brought it to the sender; -1 when the sender is the seed) and amount; then, per party, the
        traced money it received and the part of that it paid on within ``pass_us`` (money arriving less than
        ``pass_us`` before the ledger ends is left out of both: its fate is not in the ledger).
    """
    pass_us = limits[4]
    n = seed_of.size
    pi = np.full((n, 5), -1, np.int64)
    pi[:, NPARTS] = 0
    pi[:, LEFT] = 0
    pf = np.zeros((n, 4))
    lot_i, lot_f, lot_free = np.empty((256, 5), np.int64), np.empty((256, 2)), np.empty(256, np.int64)
    part_i, part_f, part_free = np.empty((1024, 5), np.int64), np.empty(1024), np.empty(1024, np.int64)
    counts = np.zeros(4, np.int64)  # lots made, lots free, parts made, parts free
    cy_i, cy_f = np.empty((64, 4), np.int64), np.empty(64)
    rec_i, rec_f = np.empty((1024, 5), np.int64), np.empty(1024)
    cut = ts[-1] - pass_us if ts.size else 0  # lots arriving later are left out of the pass-through measure
    next_out, first_out = _outflow_chains(src, n)
    # (sender, payee) -> OWN_LIFE | FORWARDED
    payees = Dict.empty(key_type=types.int64, value_type=types.int64)
    first_traced = np.full(n, np.iinfo(np.int64).max)  # when traced money first reached each party
    chains = (next_out, first_out, first_traced)
    t, n_rec = 0, 0
    while True:
        # the pass stops where a pool is too small and goes on once it has grown: numba counts the references
        # of an array that may be made anew inside the loop using it at every turn (atomic operations), of one
        # never rebound there not at all
        pools = (lot_i, lot_f, lot_free, part_i, part_f, part_free, counts)
        t, n_rec = _replay(
            t, ts, src, dst, amount, seed_of, holds, is_party, threshold, limits, cut, chains, payees,
            pi, pf, pools, cy_i, cy_f, rec_i, rec_f, n_rec,
        )  # fmt: skip
        if t == src.size:
            break
        # transfer t carries one part, or at most every part its sender holds: grown to the room _replay checks
        # for (the check written out there: a shared compiled predicate called per transfer cost 0.2 s of 2.2)
        need = max(1, pi[src[t], NPARTS])
        while cy_i.shape[0] < need:
            cy_i, cy_f = _grow(cy_i), _grow(cy_f)
        while rec_i.shape[0] < n_rec + need:
            rec_i, rec_f = _grow(rec_i), _grow(rec_f)
        while part_i.shape[0] - counts[2] + counts[3] < need:
            part_i, part_f, part_free = _grow(part_i), _grow(part_f), _grow(part_free)
        if counts[1] == 0 and counts[0] == lot_i.shape[0]:
            lot_i, lot_f, lot_free = _grow(lot_i), _grow(lot_f), _grow(lot_free)
    r = rec_i[:n_rec]
    received, passed = pf[:, RECV].copy(), pf[:, FAST].copy()
    return r[:, 0], r[:, 1], r[:, 2], r[:, 3], r[:, 4], rec_f[:n_rec], received, passed


@numba.njit(cache=True, nogil=True)
def _replay(
    t0, ts, src, dst, amount, seed_of, holds, is_party, threshold, limits, cut, chains, payees,
    pi, pf, pools, cy_i, cy_f, rec_i, rec_f, n_rec,
):  # fmt: skip
    """Replay transfers from ``t0`` on, until the ledger ends or transfer ``t`` needs more room than the carry
    buffer, the records or the pools have (every part its sender holds may move, each a carry, a record and a
    new part; a lot). Returns ``(t, n_rec)``: where it stopped, and the record count."""
    max_hops, max_fee, n_match, split_us, pass_us = limits
    n = seed_of.size
    next_out, first_out, first_traced = chains
    part_i, lot_i, counts = pools[3], pools[0], pools[6]
    for t in range(t0, src.size):
        s, d, a = src[t], dst[t], amount[t]
        carries = seed_of[s] >= 0 or pi[s, HEAD] >= 0 or pi[s, LEFT] > 0
        if carries:
            need = max(1, pi[s, NPARTS])
            if (
                cy_i.shape[0] < need
                or rec_i.shape[0] < n_rec + need
                or part_i.shape[0] - counts[2] + counts[3] < need
                or (counts[1] == 0 and counts[0] == lot_i.shape[0])
            ):
                return t, n_rec
        n_cy = 0
        if seed_of[s] >= 0:
            cy_i[0, SEED], cy_i[0, HOPS], cy_i[0, ORIGIN], cy_i[0, PARENT] = seed_of[s], 1, ts[t], -1
            cy_f[0] = a
            n_cy = 1
        elif carries:  # a piece of a split payment, or spent in the order its payee calls for (lot_queues)
            here = (ts[t], cut if is_party[d] else -1, pass_us)  # money to the ledger's ends stops there
            key = s * n + d
            known = payees[key] if key in payees else 0  # noqa: SIM401 (numba types Dict.get as Optional)
            if pi[s, LEFT] == 0 and not known & OWN_LIFE:
                start_split(t, ts, amount, next_out, split_us, s, pi, pf, pools, threshold, max_fee, n_match)
            if pi[s, LEFT] > 0:
                n_cy = take_split(s, a, here, pi, pf, pools, threshold, cy_i, cy_f)
            else:
                order = OWN_ONLY if known & OWN_LIFE else LOTS_FIRST if known & FORWARDED else OWN_FIRST
                n_cy = spend(s, a, here, order, pi, pf, pools, threshold, cy_i, cy_f, max_fee, n_match)
            if n_cy > 0 and not known & FORWARDED:
                payees[key] = known | FORWARDED
        else:
            pf[s, OWN] = max(pf[s, OWN] - a, 0.0)
        if n_cy == 0:
            pf[d, OWN] += a
            continue
        if n_cy > 1:  # merged by (seed, hops) in _receive, which then makes no call that counts references
            by_group = np.argsort(cy_i[:n_cy, SEED] * (max_hops + 2) + cy_i[:n_cy, HOPS], kind="mergesort")
            cy_i[:n_cy], cy_f[:n_cy] = cy_i[:n_cy][by_group], cy_f[:n_cy][by_group]
        keeps = holds[d] and is_party[d]
        n_rec = _receive(
            t, d, a, ts[t] <= cut, (ts[t], n_cy, max_hops), cy_i, cy_f, keeps, is_party[d], threshold,
            rec_i, rec_f, n_rec, pi, pf, pools,
        )  # fmt: skip
        if pi[d, HEAD] >= 0 and first_traced[d] > ts[t]:
            first_traced[d] = ts[t]
            _own_life_payees(d, n, ts[t] - pass_us, ts, dst, next_out, first_out, payees)
    return src.size, n_rec


@numba.njit(cache=True)
def _outflow_chains(src, n):
    """Per transfer, the sender's next transfer (-1 for its last), and per party its first: the pieces of a
    split payment are found along these chains, and the payees of an account's life before the network's money."""
    next_out, first_out = np.full(src.size, -1, np.int64), np.full(n, -1, np.int64)
    for t in range(src.size - 1, -1, -1):
        next_out[t], first_out[src[t]] = first_out[src[t]], t
    return next_out, first_out


@numba.njit(cache=True)
def _own_life_payees(d, n, before, ts, dst, next_out, first_out, payees):
    """Mark the payees account ``d`` paid before ``before`` (``pass_us`` before the network's money first reached
    it) as payees of its own life: its rent, bills and family are paid from its own money."""
    u = first_out[d]
    while u >= 0 and ts[u] < before:
        key = d * n + dst[u]
        payees[key] = (payees[key] if key in payees else 0) | OWN_LIFE  # noqa: SIM401
        u = next_out[u]


@numba.njit(cache=True)
def _receive(
    t, d, a, counted, here, cy_i, cy_f, keeps, is_party, threshold, rec_i, rec_f, n_rec, pi, pf, pools
):
    """Merge the carries of transfer ``t`` (in (seed, hops) order) by (seed, hops), record the followed ones
    and, when ``d`` keeps traced money, queue them at ``d`` as one lot of amount ``a``. Returns the record count.

    Makes no call: numba counts a reference up on entry and down on exit for every array a function takes
    (atomic operations), and prunes the pairs only in a function that passes none of them on. With two small
    helpers called from here (a new lot, a new part) that counting was a third of the pass's time."""
    now, n_cy, max_hops = here
    lot_i, lot_f, lot_free, part_i, part_f, part_free, counts = pools
    lot, traced, i = -1, 0.0, 0
    while i < n_cy:
        seed, hops = cy_i[i, SEED], cy_i[i, HOPS]
        total, delay, largest, parent = 0.0, 0.0, -1.0, -1
        while i < n_cy and cy_i[i, SEED] == seed and cy_i[i, HOPS] == hops:
            total += cy_f[i]
            delay += cy_f[i] * (now - cy_i[i, ORIGIN])
            if cy_f[i] > largest:
                largest, parent = cy_f[i], cy_i[i, PARENT]
            i += 1
        if not is_party or hops > max_hops or total <= 0.0 or (parent >= 0 and total < threshold[seed]):
            continue
        origin = now - np.int64(np.round(delay / total))
        rec_i[n_rec, 0], rec_i[n_rec, 1], rec_i[n_rec, 2] = t, seed, hops
        rec_i[n_rec, 3], rec_i[n_rec, 4], rec_f[n_rec] = origin, parent, total
        if keeps:
            if lot < 0:  # a new, empty lot at the end of d's queue (a freed row first)
                if counts[1] > 0:
                    counts[1] -= 1
                    lot = lot_free[counts[1]]
                else:
                    lot, counts[0] = counts[0], counts[0] + 1
                lot_i[lot, FIRST], lot_i[lot, PREV], lot_i[lot, NEXT] = -1, pi[d, TAIL], -1
                lot_i[lot, COUNT], lot_i[lot, ARRIVED] = 0, now
                lot_f[lot, AMOUNT], lot_f[lot, CLEAN] = a, 0.0
                if pi[d, TAIL] >= 0:
                    lot_i[pi[d, TAIL], NEXT] = lot
                else:
                    pi[d, HEAD] = lot
                pi[d, TAIL] = lot
            if counts[3] > 0:  # a new part (a freed row first)
                counts[3] -= 1
                q = part_free[counts[3]]
            else:
                q, counts[2] = counts[2], counts[2] + 1
            part_i[q, SEED], part_i[q, HOPS], part_i[q, ORIGIN] = seed, hops, origin
            part_i[q, PARENT], part_i[q, LINK], part_f[q] = n_rec, lot_i[lot, FIRST], total
            lot_i[lot, FIRST] = q
            lot_i[lot, COUNT] += 1
            pi[d, NPARTS] += 1
            traced += total
        n_rec += 1
    if lot >= 0:
        lot_f[lot, CLEAN] = max(a - traced, 0.0)
        if counted:
            pf[d, RECV] += traced
    else:
        pf[d, OWN] += a
    return n_rec


@numba.njit(cache=True)
def _grow(a):
    """``a`` with twice the rows (the pools of lots, parts, carries and records grow as the pass needs)."""
    bigger = np.empty((2 * a.shape[0], *a.shape[1:]), a.dtype)
    bigger[: a.shape[0]] = a
    return bigger
