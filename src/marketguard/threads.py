"""How many threads marketguard's own parallel work may use: one budget that the engine (DuckDB), the
gradient-boosted trees (LightGBM) and the compiled loops (numba) each size their pool to.

Each library sizes its pool to every core by default. On a machine other work shares (two test workers, a
server beside a scan) their threads then take turns on too few cores, and LightGBM's OpenMP threads spin between
its many small parallel regions: a 300-tree fit on 4,000 rows took 1.3-1.6 s with 2 threads and 2.4-2.9 s with 1
on an idle 2-core machine, but 6.6-7.5 s with 2 and 4.3-4.7 s with 1 beside two busy processes (its results are
identical whatever the thread count). Whoever runs several marketguard processes at once gives each its share.
"""

from __future__ import annotations

import os

from marketguard.errors import ParameterError

__all__ = ["VARIABLE", "thread_budget"]

#: The environment variable that sets the budget (the test suite sets it to the cores per pytest-xdist worker).
VARIABLE = "MARKETGUARD_THREADS"


def thread_budget() -> int:
    """``MARKETGUARD_THREADS`` when set, else the cores this process may run on."""
    value = os.environ.get(VARIABLE)
    if value is None or not value.strip():
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ParameterError(
            f"{VARIABLE} must be a whole number of threads, 1 or more. Got {value!r} instead."
        )
    return threads
