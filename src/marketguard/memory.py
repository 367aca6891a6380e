"""Giving memory back to the system after a bulk build, for a process that then runs for days.

Building a live scorer from a marketplace's history reads every table through Arrow and turns its rows into
Python objects, most of them freed once the state holds its tallies. The allocators keep what was freed for
later: Arrow's memory pool its pages, the C library's ``malloc`` the free chunks between live ones. A service
that will not read the history again hands them back once, when the build is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache

import pyarrow as pa

__all__ = ["give_back_free_memory"]


def give_back_free_memory() -> None:
    """Collect garbage, then have Arrow's pool and (with glibc) ``malloc`` return their free pages."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, None where the C library has none (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None
