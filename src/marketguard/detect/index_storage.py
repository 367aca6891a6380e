"""Growable stores for the incremental operator index: built once from a batch run, then only appended to.

A 1M-account index holds lists and dicts of millions of items. Appending to such a list copies it whenever it
outgrows its capacity, and inserting into such a dict rehashes it: a pause of up to seconds on one unlucky
event, against a budget of a millisecond. Here the batch part is never copied again; new items go to small
containers beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Generic, TypeVar
from zlib import crc32

import numpy as np
import pyarrow as pa

__all__ = ["Codes", "KeySet", "Loaded"]

T = TypeVar("T")


class Loaded(Generic[T]):
    """A list loaded once, then appended to, whose loaded part is never copied again.

    Appending to a 9M-item list copies it whenever it outgrows its capacity, and inserting into a 9M-key dict
    rehashes it: a pause of up to seconds on one unlucky event. New items go to small containers instead.
    """

    __slots__ = ("_base", "_more", "_n")

    def __init__(self, base: list[T]) -> None:
        self._base, self._n = base, len(base)
        self._more: list[T] = []

    def __getitem__(self, i: int) -> T:
        return self._base[i] if i < self._n else self._more[i - self._n]

    def __setitem__(self, i: int, value: T) -> None:
        if i < self._n:
            self._base[i] = value
        else:
            self._more[i - self._n] = value

    def append(self, value: T) -> None:
        self._more.append(value)

    def __len__(self) -> int:
        return self._n + len(self._more)


class Codes:
    """Dense integer codes of string keys: the batch's keys packed, and a small dict for keys added later.

    A 1M-account index codes about 9M artifact keys. As a dict of strings to codes with a list of the strings they
    took 147 bytes a key (the string, its dict entry, the code's int object: 134 MB for the 10k-store simulator's
    914k keys); packed, 36 (33 MB): the keys' UTF-8 bytes in one buffer with their ends, and their CRC-32s sorted
    with the codes beside them. A lookup is a binary search for the key's CRC then a comparison of bytes (a CRC
    shared by two keys costs one more comparison, never a wrong code): 1.4 microseconds among 900k keys against a
    dict's 0.08, and a login looks up five keys.
    """

    __slots__ = ("_blob", "_ends", "_hashes", "_more", "_order", "keys")

    def __init__(self, keys: Sequence[str] | pa.Array) -> None:
        array = keys if isinstance(keys, pa.Array) else pa.array(keys, pa.string())
        if array.null_count:
            raise ValueError("a code's key cannot be null")
        array = pa.concat_arrays([array.cast(pa.large_string())])  # its own buffers, from offset 0
        n = len(array)
        offsets = np.frombuffer(array.buffers()[1], np.int64, n + 1)
        # the keys' bytes alone, copied once (not the whole buffer, then the slice of it)
        self._blob = array.buffers()[2].slice(offsets[0], offsets[-1] - offsets[0]).to_pybytes() if n else b""
        self._ends = offsets - offsets[0]
        ends = self._ends.tolist()
        view = memoryview(self._blob)
        hashes = np.fromiter((crc32(view[a:b]) for a, b in pairwise(ends)), np.uint32, n)
        self._order = np.argsort(hashes, kind="stable").astype(np.int32)
        self._hashes = hashes[self._order]
        self._more: dict[str, int] = {}
        self.keys = _Keys(self._blob, self._ends)

    def get(self, key: str) -> int | None:
        code = self._more.get(key)
        if code is not None:
            return code
        raw = key.encode()
        # the CRC as the array's type: searching for a Python int, numpy converts the whole array first
        h = np.uint32(crc32(raw))
        hashes, blob, ends = self._hashes, self._blob, self._ends
        i = int(hashes.searchsorted(h))
        while i < len(hashes) and hashes[i] == h:
            code = int(self._order[i])
            if blob[ends[code] : ends[code + 1]] == raw:
                return code
            i += 1
        return None

    def add(self, key: str) -> int:
        code = self._more[key] = len(self.keys)
        self.keys.append(key)
        return code

    def __len__(self) -> int:
        return len(self.keys)


class _Keys:
    """The keys by code: the batch's decoded from the packed bytes when read, then those added later."""

    __slots__ = ("_blob", "_ends", "_more", "_n")

    def __init__(self, blob: bytes, ends: np.ndarray) -> None:
        self._blob, self._ends, self._n = blob, ends, len(ends) - 1
        self._more: list[str] = []

    def __getitem__(self, code: int) -> str:
        if code < self._n:
            return self._blob[self._ends[code] : self._ends[code + 1]].decode()
        return self._more[code - self._n]

    def append(self, key: str) -> None:
        self._more.append(key)

    def __len__(self) -> int:
        return self._n + len(self._more)


class KeySet:
    """A set of string keys: the batch's packed (:class:`Codes`), those added later in a set. A live scorer keeps
    the key of every row it has seen (1M accounts' marketplace: 23M rows), to refuse a second row with one and to
    hold an event whose reference has not come."""

    __slots__ = ("_base", "_more")

    def __init__(self, keys: Sequence[str] | pa.Array = ()) -> None:
        self._base = Codes(keys)
        self._more: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._more or self._base.get(key) is not None)

    def add(self, key: str) -> None:
        if self._base.get(key) is None:
            self._more.add(key)

    def __len__(self) -> int:
        return len(self._base) + len(self._more)
