"""Freed memory goes back to the system when a bulk build is done."""

from __future__ import annotations

import os
import sys

import pytest

from marketguard.memory import give_back_free_memory


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc's malloc")
def test_memory_freed_below_live_objects_is_returned() -> None:
    rows = [bytes(1000) + bytes([i % 256]) for i in range(200_000)]  # about 200 MB in malloc's chunks
    kept = [bytes(2000) for _ in range(1000)]  # live chunks above them: malloc alone keeps the freed ones
    before = _resident_mb()
    del rows
    give_back_free_memory()
    assert before - _resident_mb() > 100
    assert len(kept) == 1000
