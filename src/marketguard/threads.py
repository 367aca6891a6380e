"""How many threads marketguard's own parallel work may use: one budget that the engine (DuckDB), the
gradient-boosted trees (LightGBM) and the compiled loops (numba) each size their pool to.

Each library sizes its pool to every core by default. On a machine other work shares (two test workers, a
server beside a scan) their threads then take turns on too few cores, and LightGBM's OpenMP threads spin between
its many small parallel regions: a 300-tree fit on 4,000 rows took 1.3-1.6 s with 2 threads and 2.4-2.9 s with 1
on an idle 2-core machine, but 6.6-7.5 s with 2 and 4.3-4.7 s with 1 beside two busy processes (its results are
identical whatever the thread count). Whoever runs several marketguard processes at once gives each its share.

The spinning itself is shortened as marketguard is imported (:func:`quiet_openmp_spinning`), so a fit on a busy
machine lets the other work have the cores between its regions.
"""

from __future__ import annotations

import os

from marketguard.errors import ParameterError

__all__ = ["OPENMP_SPINS", "VARIABLE", "quiet_openmp_spinning", "thread_budget"]

#: The environment variable that sets the budget (the test suite sets it to the cores per pytest-xdist worker).
VARIABLE = "MARKETGUARD_THREADS"
#: How long a waiting OpenMP thread spins before it sleeps, in iterations (GNU libgomp's ``GOMP_SPINCOUNT``, the
#: runtime LightGBM's wheels load; by default 300,000 at each of a fit's thousands of barriers, holding a core
#: another process is waiting for). Measured on 2 cores, the 20k-store simulator's store-risk fit (2,000 labels, 105
#: features): idle 2.67 s at the default, 2.56 s at 10,000; beside two busy processes 8.39 s at the default,
#: 5.21 s at 100,000, 4.47 s at 10,000 (one thread: 3.35 s idle, 5.11 s busy; no spinning at all,
#: ``OMP_WAIT_POLICY=PASSIVE``: 5.06 s idle, 4.98 s busy).
OPENMP_SPINS = "10000"


def quiet_openmp_spinning() -> None:
    """Set ``GOMP_SPINCOUNT`` to :data:`OPENMP_SPINS` unless the environment says how OpenMP should wait. The
    runtime reads it once, when it loads (at LightGBM's first import, which marketguard defers): a program that
    imported LightGBM before marketguard keeps its runtime's default."""
    if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = OPENMP_SPINS


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
