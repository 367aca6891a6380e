"""How much of what a party receives it pays on within a window: one compiled pass over the ledger (transfers
grouped by party, in time order), which tells mules (pass-throughs) from the accounts where money stays.

A numba pass: the ledger has millions of transfers and Python loops over them would take minutes. The money
itself is followed lot by lot in :mod:`marketguard.graph.lots`.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["fifo_passed"]


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
