"""How an account spends the lots it holds: the rules of :mod:`marketguard.graph.lots` for one outflow (forwarded
lots matched by amount, lots set aside for the pieces of a split payment, own money, the oldest lots) and the
queue operations they need.

Compiled helpers of :func:`marketguard.graph.lots.follow_lots`, which owns the arrays: lots and parts are rows of
pools (integer and float fields at the indices below), each account's lots a doubly linked queue, freed rows a
stack; ``pools`` is ``(lot_i, lot_f, lot_free, part_i, part_f, part_free, counts)``.
"""

from __future__ import annotations

import numba

__all__ = [
    "AMOUNT",
    "ARRIVED",
    "CLEAN",
    "COUNT",
    "EPS",
    "FAST",
    "FIRST",
    "FORWARDED",
    "HEAD",
    "HOPS",
    "LEFT",
    "LINK",
    "LOTS_FIRST",
    "NEXT",
    "NPARTS",
    "ORIGIN",
    "OWED",
    "OWN",
    "OWN_FIRST",
    "OWN_LIFE",
    "OWN_ONLY",
    "PARENT",
    "PEND",
    "PREV",
    "RECV",
    "SEED",
    "TAIL",
    "spend",
    "start_split",
    "take_split",
]

# Per-party integer state: queue head and tail, parts held, the lots set aside for a split payment and how many
# of its pieces are still to go.
HEAD, TAIL, NPARTS, PEND, LEFT = 0, 1, 2, 3, 4
# Per-party float state: own (untraced) money, what the split payment still owes, traced money received and
# the part of it paid on within the pass-through window.
OWN, OWED, RECV, FAST = 0, 1, 2, 3
# Integer fields of a lot: first part, previous and next lot, part count, when it arrived.
FIRST, PREV, NEXT, COUNT, ARRIVED = 0, 1, 2, 3, 4
# Float fields of a lot: what is left of it, and how much of that is untraced.
AMOUNT, CLEAN = 0, 1
# Integer fields of a part and of a carry: seed, hops, when the money left the seed, the record that brought it
# (-1: paid by the seed itself), and (parts only) the next part of the lot.
SEED, HOPS, ORIGIN, PARENT, LINK = 0, 1, 2, 3, 4
# What a payee is to its sender: paid well before the network's money reached the sender, or paid traced money.
OWN_LIFE, FORWARDED = 1, 2
# How an outflow is paid: a payee of the account holder's own life (first paid well before the network's money
# reached the account: rent, bills, family) from own money first, with no matching; a payee that got traced
# money from the account before (the next account of a chain) from the matched lots, then the oldest lots, then
# own money; anyone else from the matched lots, then own money, then the oldest lots.
OWN_ONLY, OWN_FIRST, LOTS_FIRST = 0, 1, 2
#: Amounts below this fraction of a transfer are rounding, not money left over.
EPS = 1e-9


@numba.njit(cache=True)
def start_split(t, ts, amount, next_out, split_us, s, pi, pf, pools, threshold, max_fee, n_match):
    """When transfer ``t`` opens a payment split into pieces (the sender's outflows within ``split_us``) whose sum
    forwards lots, set those lots aside for the pieces (the forwarder's fee taken off)."""
    total, pieces, u = 0.0, 0, t
    while u >= 0 and ts[u] - ts[t] <= split_us:
        total += amount[u]
        pieces += 1
        u = next_out[u]
    if pieces < 2:
        return
    lot_i, lot_f = pools[0], pools[1]
    kind, first, k = _match(pi[s, TAIL], lot_i, lot_f, total, max_fee, n_match)
    if kind == 0:
        return
    held = 0.0
    for _ in range(k):
        nxt = lot_i[first, NEXT]
        _unlink(s, first, pi, lot_i)
        lot_i[first, NEXT], pi[s, PEND] = pi[s, PEND], first
        held += lot_f[first, AMOUNT]
        first = nxt
    if held > total:  # the fee stays with the forwarder as its own money
        j = pi[s, PEND]
        while j >= 0:
            _shrink(s, j, total / held, pi, pools, threshold)
            j = lot_i[j, NEXT]
        pf[s, OWN] += held - total
    pi[s, LEFT], pf[s, OWED] = pieces, total


@numba.njit(cache=True)
def take_split(s, a, here, pi, pf, pools, threshold, cy_i, cy_f):
    """One piece of a split payment: its share of the lots set aside (all that is left, for the last piece)."""
    lot_i, lot_f = pools[0], pools[1]
    last = pi[s, LEFT] == 1
    frac = 1.0 if last else min(a / pf[s, OWED], 1.0)
    n_cy, j, carried = 0, pi[s, PEND], 0.0
    while j >= 0:
        nxt = lot_i[j, NEXT]
        carried += frac * lot_f[j, AMOUNT]
        n_cy = _carry_parts(s, j, frac, here, pi, pf, pools, threshold, cy_i, cy_f, n_cy)
        if last:
            _free_lot(s, j, pi, pools)
        else:
            _shrink(s, j, 1.0 - frac, pi, pools, threshold)
        j = nxt
    pf[s, OWN] = max(pf[s, OWN] - max(a - carried, 0.0), 0.0)  # a piece larger than its share
    pf[s, OWED] -= a
    pi[s, LEFT] -= 1
    if last:
        pi[s, PEND] = -1
    return n_cy


@numba.njit(cache=True)
def spend(s, a, here, order, pi, pf, pools, threshold, cy_i, cy_f, max_fee, n_match):
    """Attribute outflow ``a`` of account ``s``: the lots it forwards (unless it pays a payee of the account's own
    life), then its own money and its oldest lots in ``order``; write what it carries to the carry buffer and
    return the carry count."""
    lot_i, lot_f = pools[0], pools[1]
    n_cy, rest = 0, a
    kind, first, k = 0, 0, 0
    if order != OWN_ONLY:
        kind, first, k = _match(pi[s, TAIL], lot_i, lot_f, a, max_fee, n_match)
    if kind > 0:
        total, j = 0.0, first
        for _ in range(k):
            total += lot_f[j, AMOUNT]
            j = lot_i[j, NEXT]
        scale = min(1.0, rest / total)
        for _ in range(k):
            nxt = lot_i[first, NEXT]
            n_cy = _carry_parts(s, first, scale, here, pi, pf, pools, threshold, cy_i, cy_f, n_cy)
            pf[s, OWN] += (1.0 - scale) * lot_f[first, AMOUNT]  # the forwarder's fee is its own money
            _unlink(s, first, pi, lot_i)
            _free_lot(s, first, pi, pools)
            first = nxt
        rest -= min(rest, total)
    if order != LOTS_FIRST:
        own = min(rest, pf[s, OWN])
        pf[s, OWN] -= own
        rest -= own
    while rest > EPS * a and pi[s, HEAD] >= 0:
        j = pi[s, HEAD]
        amount = lot_f[j, AMOUNT]
        frac = min(rest / amount, 1.0)
        n_cy = _carry_parts(s, j, frac, here, pi, pf, pools, threshold, cy_i, cy_f, n_cy)
        rest -= frac * amount
        if frac < 1.0 - EPS:
            _shrink(s, j, 1.0 - frac, pi, pools, threshold)
        if frac >= 1.0 - EPS or lot_i[j, COUNT] == 0:  # used up, or nothing traced left in it
            pf[s, OWN] += lot_f[j, AMOUNT] if frac < 1.0 - EPS else 0.0
            _unlink(s, j, pi, lot_i)
            _free_lot(s, j, pi, pools)
    pf[s, OWN] = max(pf[s, OWN] - rest, 0.0)
    return n_cy


@numba.njit(cache=True)
def _match(tail, lot_i, lot_f, a, max_fee, n_match):
    """The run of consecutive lots (among the newest ``n_match``) that outflow ``a`` forwards, as (1, first lot,
    lot count), or (0, 0, 0) for none: a batch is what arrived between two forwards, a single lot a run of one.
    The closest sum within ``max_fee`` wins; ties go to the older, then the shorter run. Amounts are positive, so
    two pointers find, for each first lot, the runs whose sums straddle ``a``: O(n_match)."""
    start, k = tail, 1
    while k < n_match and start >= 0 and lot_i[start, PREV] >= 0:
        start, k = lot_i[start, PREV], k + 1
    best, kind, first, count = max_fee, 0, 0, 0
    i, last, total, length = start, -1, 0.0, 0
    while i >= 0:
        nxt = i if length == 0 else lot_i[last, NEXT]
        while nxt >= 0 and total < a:
            total, last, length = total + lot_f[nxt, AMOUNT], nxt, length + 1
            nxt = lot_i[nxt, NEXT]
        for size in (length - 1, length):
            if size < 1:
                continue
            run = total if size == length else total - lot_f[last, AMOUNT]
            err = abs(a - run) / run
            if err < best or (kind == 0 and err <= best):
                best, kind, first, count = err, 1, i, size
        total -= lot_f[i, AMOUNT]
        length -= 1
        if length == 0:
            total = 0.0
        i = lot_i[i, NEXT]
    return kind, first, count


@numba.njit(cache=True)
def _carry_parts(s, j, scale, here, pi, pf, pools, threshold, cy_i, cy_f, n_cy):
    """Append ``scale`` of each part of lot ``j`` to the carries (one hop further), and count it as passed
    through when it leaves within the window of arriving. Returns the carry count."""
    now, cut, pass_us = here
    lot_i, part_i, part_f = pools[0], pools[3], pools[4]
    q, moved = lot_i[j, FIRST], 0.0
    while q >= 0:
        cy_i[n_cy, SEED], cy_i[n_cy, HOPS] = part_i[q, SEED], part_i[q, HOPS] + 1
        cy_i[n_cy, ORIGIN], cy_i[n_cy, PARENT] = part_i[q, ORIGIN], part_i[q, PARENT]
        cy_f[n_cy] = part_f[q] * scale
        moved += cy_f[n_cy]
        n_cy += 1
        q = part_i[q, LINK]
    if lot_i[j, ARRIVED] <= cut and now - lot_i[j, ARRIVED] <= pass_us:
        pf[s, FAST] += moved
    return n_cy


@numba.njit(cache=True)
def _shrink(s, j, keep, pi, pools, threshold):
    """Lot ``j`` keeps ``keep`` of itself; a part left below its seed's threshold is no longer followed and
    joins the lot's untraced money."""
    lot_i, lot_f, part_i, part_f = pools[0], pools[1], pools[3], pools[4]
    part_free, counts = pools[5], pools[6]
    lot_f[j, AMOUNT] *= keep
    lot_f[j, CLEAN] *= keep
    q, prev = lot_i[j, FIRST], -1
    while q >= 0:
        nxt = part_i[q, LINK]
        part_f[q] *= keep
        if part_f[q] < threshold[part_i[q, SEED]]:
            lot_f[j, CLEAN] += part_f[q]
            lot_i[j, COUNT] -= 1
            pi[s, NPARTS] -= 1
            part_free[counts[3]] = q
            counts[3] += 1
            if prev < 0:
                lot_i[j, FIRST] = nxt
            else:
                part_i[prev, LINK] = nxt
        else:
            prev = q
        q = nxt


@numba.njit(cache=True)
def _unlink(s, j, pi, lot_i):
    """Take lot ``j`` out of account ``s``'s queue."""
    prev, nxt = lot_i[j, PREV], lot_i[j, NEXT]
    if prev < 0:
        pi[s, HEAD] = nxt
    else:
        lot_i[prev, NEXT] = nxt
    if nxt < 0:
        pi[s, TAIL] = prev
    else:
        lot_i[nxt, PREV] = prev


@numba.njit(cache=True)
def _free_lot(s, j, pi, pools):
    """Free lot ``j`` (already out of any queue) and its parts."""
    lot_i, lot_free, part_i, part_free, counts = pools[0], pools[2], pools[3], pools[5], pools[6]
    q = lot_i[j, FIRST]
    while q >= 0:
        part_free[counts[3]] = q
        counts[3] += 1
        q = part_i[q, LINK]
    pi[s, NPARTS] -= lot_i[j, COUNT]
    lot_free[counts[1]] = j
    counts[1] += 1
