"""The index's growable stores: the batch part is read and written in place, new items go beside it."""

from __future__ import annotations

import pickle
from zlib import crc32

import pyarrow as pa

from marketguard.detect.index_storage import Codes, KeySet, Loaded


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


def test_keys_sharing_a_checksum_keep_their_own_codes() -> None:
    # "plumless" and "buckeroo" have the same CRC-32: the packed lookup compares the bytes
    assert crc32(b"plumless") == crc32(b"buckeroo")
    codes = Codes(["plumless", "x", "buckeroo", "ünïcode"])
    assert [codes.get(k) for k in ("buckeroo", "plumless", "ünïcode", "x")] == [2, 0, 3, 1]
    assert codes.get("buckeroo2") is None and codes.get("") is None
    assert codes.keys[3] == "ünïcode"


def test_codes_survive_a_snapshot() -> None:
    codes = Codes(pa.array(["a1", "b2", "c3"]).slice(1))  # a slice: its buffers start elsewhere
    codes.add("d4")
    again = pickle.loads(pickle.dumps(codes))
    assert [again.get(k) for k in ("b2", "c3", "d4", "a1")] == [0, 1, 2, None]
    assert [again.keys[i] for i in range(len(again))] == ["b2", "c3", "d4"]


def test_a_key_set_holds_the_batch_keys_and_those_added_later() -> None:
    keys = KeySet(pa.array(["o1", "o2"]))
    keys.add("o3")
    keys.add("o1")  # already there: counted once
    assert "o1" in keys and "o3" in keys and "o4" not in keys and None not in keys
    assert len(keys) == 3
    assert "o3" in pickle.loads(pickle.dumps(keys)) and len(KeySet()) == 0
