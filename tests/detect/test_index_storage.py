"""The index's growable stores: the batch part is read and written in place, new items go beside it."""

from __future__ import annotations

from marketguard.detect.index_storage import Codes, Loaded


def test_loaded_reads_and_writes_across_the_batch_part_and_what_came_after() -> None:
    base = [10, 11, 12]
    items = Loaded(base)
    items.append(13)
    items.append(14)
    assert len(items) == 5 and [items[i] for i in range(5)] == [10, 11, 12, 13, 14]
    items[1], items[4] = 21, 24
    assert base == [10, 21, 12]  # the batch list itself, never copied
    assert items[4] == 24


def test_codes_are_dense_and_stable_for_old_and_new_keys() -> None:
    codes = Codes(["b", "a"])
    assert (codes.get("b"), codes.get("a"), codes.get("c")) == (0, 1, None)
    assert codes.add("c") == 2 and codes.get("c") == 2 and len(codes) == 3
    assert [codes.keys[i] for i in range(3)] == ["b", "a", "c"]
