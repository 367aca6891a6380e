"""Rows the API reads again and again (a token's holder, the latest scan, a queue page, a network's case), kept
until the database changes.

Every API request reads its token's holder and the latest scan, and most read a queue page or a case: under
load these reads were a third of a request's time, and between two decisions they return the same rows. SQLite
says cheaply whether anything changed: ``PRAGMA data_version`` on a connection of its own changes when any
other connection, of this process or another (the other server workers, ``marketguard cases``), commits a
change (1.7 microseconds to ask). So a kept answer is used only while that number has not moved, and every
commit anywhere empties the cache: an investigator's decision shows in the next request whichever worker
answers it. Time-based checks (a token's expiry) stay with the caller, on the rows.

PostgreSQL has no such number, and a counter bumped by every write would make all writers queue on one row:
there every read goes to the database (no cache).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

__all__ = ["ReadCache"]


class ReadCache:
    """Statement results kept while the database's change counter stands still (SQLite files only).

    ``size`` bounds the answers kept (least recently used out first): 512 holds every user's token and the
    queue pages people page through between two decisions, and at most a few tens of megabytes (a page is at
    most 500 rows of a dozen columns)."""

    def __init__(self, engine: Engine, size: int = 512) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[int, tuple[Any, ...]], tuple[Any, list[Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self._counter: sqlite3.Connection | None = None
        self._seen: int | None = None
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            # a connection only for asking: it never reads a table nor writes, so it holds no lock
            self._counter = sqlite3.connect(database, check_same_thread=False, isolation_level=None)

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()
            self._counter = None

    def rows(self, statement: Any, params: dict[str, Any], load: Callable[[], list[Any]]) -> list[Any]:
        """The rows of ``statement`` with ``params``: kept ones while nothing changed, else ``load()``'s (kept).
        The version is read before loading, so rows loaded across a commit are kept under the older version,
        which no later request can see again."""
        if self._counter is None:
            return load()
        key = (id(statement), tuple(sorted((k, _hashable(v)) for k, v in params.items())))
        with self._lock:
            version = self._counter.execute("PRAGMA data_version").fetchone()[0]
            if version != self._seen:
                self._kept.clear()
                self._seen = version
            found = self._kept.get(key)
            if found is not None and found[0] is statement:  # an id reused by a new statement is not a hit
                self._kept.move_to_end(key)
                return list(found[1])
        rows = load()
        with self._lock:
            if self._seen == version:
                self._kept[key] = (statement, rows)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return list(rows)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
