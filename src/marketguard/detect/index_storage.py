"""Growable stores for the incremental operator index: built once from a batch run, then only appended to.

A 1M-account index holds lists and dicts of millions of items. Appending to such a list copies it whenever it
outgrows its capacity, and inserting into such a dict rehashes it: a pause of up to seconds on one unlucky
event, against a budget of a millisecond. Here the batch part is never copied again; new items go to small
containers beside it.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Codes", "Loaded"]

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
    """Dense integer codes of string keys: a dict built once from the batch and a small one for new keys."""

    __slots__ = ("_base", "_more", "keys")

    def __init__(self, keys: list[str]) -> None:
        self._base = dict(zip(keys, range(len(keys)), strict=True))
        self._more: dict[str, int] = {}
        self.keys: Loaded[str] = Loaded(keys)

    def get(self, key: str) -> int | None:
        code = self._base.get(key)
        return self._more.get(key) if code is None else code

    def add(self, key: str) -> int:
        code = self._more[key] = len(self.keys)
        self.keys.append(key)
        return code

    def __len__(self) -> int:
        return len(self.keys)
