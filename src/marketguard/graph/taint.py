"""Compiled passes over a ledger (transfers in time order, parties as integer codes) for the money trail.

``propagate_taint`` replays the ledger with proportional ("haircut") taint from seed accounts, ``fifo_passed``
measures how much of what a party receives it pays on within a window. Both are single numba passes: the ledger
has millions of transfers and Python loops over them would take minutes.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.typed import Dict

__all__ = ["fifo_passed", "propagate_taint"]


@numba.njit(cache=True)
def fifo_passed(in_ptr, in_ts, in_amt, out_ptr, out_ts, out_amt, window, end):
    """First in, first out, with the least opening balance that keeps the balance from going negative.
    Money received less than ``window`` before the ledger ends is left out (its fate is not in the ledger)
    unless that is all there is."""
    passed = np.zeros(in_ptr.size - 1)
    for p in range(in_ptr.size - 1):
        i0, i1, o0, o1 = in_ptr[p], in_ptr[p + 1], out_ptr[p], out_ptr[p + 1]
        if i1 == i0:
            continue
        opening, cin, cout, i = 0.0, 0.0, 0.0, i0
        for o in range(o0, o1):
            while i < i1 and in_ts[i] <= out_ts[o]:
                cin += in_amt[i]
                i += 1
            cout += out_amt[o]
            opening = max(opening, cout - cin)
        before, cout, gone, seen, o = opening, 0.0, 0.0, 0.0, o0
        all_gone, total = 0.0, 0.0
        for i in range(i0, i1):
            while o < o1 and out_ts[o] <= in_ts[i] + window:
                cout += out_amt[o]
                o += 1
            part = min(max(cout - before, 0.0), in_amt[i])
            if in_ts[i] + window <= end:
                gone += part
                seen += in_amt[i]
            all_gone += part
            total += in_amt[i]
            before += in_amt[i]
        passed[p] = gone / seen if seen > 0 else all_gone / total
    return passed


@numba.njit(cache=True)
def grow(a):
    bigger = np.empty((2 * a.shape[0], a.shape[1]), a.dtype)
    bigger[: a.shape[0]] = a
    return bigger


@numba.njit(cache=True)
def propagate_taint(src, dst, amount, seed_of, holds, is_party, threshold, max_hops):
    """Replay the ledger with haircut taint; returns the carries out of non-seed parties as (transfer, seed,
    hops, amount). Holdings are linked lists per party (seed, hops, next) found through a hash map."""
    balance = np.zeros(seed_of.size)
    head = np.full(seed_of.size, -1, np.int64)
    index = Dict.empty(key_type=types.int64, value_type=types.int64)
    pool = np.empty((1024, 3), np.int64)  # seed, hops, next (-2 = unlinked)
    held = np.empty(1024)
    rec = np.empty((1024, 3), np.int64)  # transfer, seed, hops
    rec_amt = np.empty(1024)
    n_pool, n_rec = 0, 0
    for t in range(src.size):
        s, d, a = src[t], dst[t], amount[t]
        carries = []
        if seed_of[s] >= 0:
            carries.append((seed_of[s], 1, a))
        else:
            frac = a / max(balance[s], a)
            prev, j = -1, head[s]
            while j >= 0:
                carry = held[j] * frac
                held[j] -= carry
                k, h, nxt = pool[j, 0], pool[j, 1], pool[j, 2]
                if h < max_hops and carry >= threshold[k] and carry > 0 and is_party[d]:
                    carries.append((k, h + 1, carry))
                if held[j] <= threshold[k]:  # spent: unlink, keep the entry for its hop count
                    pool[j, 2] = -2
                    if prev < 0:
                        head[s] = nxt
                    else:
                        pool[prev, 2] = nxt
                else:
                    prev = j
                j = nxt
        balance[s] = max(balance[s] - a, 0.0)
        balance[d] += a
        for k, h, carry in carries:
            if seed_of[s] < 0:
                if n_rec == rec.shape[0]:
                    rec, rec_amt = grow(rec), grow(rec_amt.reshape(-1, 1)).ravel()
                rec[n_rec, 0], rec[n_rec, 1], rec[n_rec, 2], rec_amt[n_rec] = t, k, h, carry
                n_rec += 1
            if not holds[d]:
                continue
            key = k * seed_of.size + d
            if key in index:
                j = index[key]
            else:
                if n_pool == pool.shape[0]:
                    pool, held = grow(pool), grow(held.reshape(-1, 1)).ravel()
                j, n_pool = n_pool, n_pool + 1
                index[key] = j
                pool[j, 0], pool[j, 1], pool[j, 2], held[j] = k, h, -2, 0.0
            held[j] += carry
            pool[j, 1] = min(pool[j, 1], h)
            if pool[j, 2] == -2:
                pool[j, 2], head[d] = head[d], j
    return rec[:n_rec, 0], rec[:n_rec, 1], rec[:n_rec, 2], rec_amt[:n_rec]
