"""The event log: every accepted event, on disk before it is acknowledged, each event id once.

A SQLite file in WAL mode with ``synchronous=FULL``: :meth:`EventLog.append` returns after the transaction holding
the events is durable (a power cut or ``kill -9`` after it returns loses none of them). An event id already in
the log is not stored again, so a producer that retries after a timeout cannot apply an event twice. The live
state is rebuilt by replaying the log in its own order (``seq``) from the latest snapshot, so a restart reaches
the state an uninterrupted run had: the same events in the same order.

Snapshots are files beside the log (``<log>.snapshots/<seq>.state``), written whole, synced and renamed into
place before the log records them: a snapshot of a big state (gigabytes at a million accounts) is written by
another process while the service goes on (:meth:`EventLog.write_snapshot_file` touches no database), and a
writer killed half-way leaves a file the log never recorded.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from marketguard.contract.spec import TABLES, Kind
from marketguard.live.events import EVENT_KINDS, Event

__all__ = ["PAGE", "EventLog"]

#: Events read from the log at a time when it is replayed (about 1 KB each as rows and events: 10 MB).
PAGE = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,  -- max + 1: never reused, since events are never deleted
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    row TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot_files (
    seq INTEGER PRIMARY KEY  -- <log>.snapshots/<seq>.state, written and synced before it is recorded
);
"""


class EventLog:
    """The log in the SQLite file ``path`` (made when missing). Safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a returned append survives a power cut
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, events: list[Event]) -> list[int | None]:
        """Store ``events`` in one durable transaction; for each, its position in the log (``seq``), or None
        when its id was logged before (it is not stored or applied again)."""
        out: list[int | None] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for event in events:
                    cursor = self._db.execute(
                        "INSERT OR IGNORE INTO events (event_id, kind, row) VALUES (?, ?, ?)",
                        (event.event_id, event.kind, _encode(event.row)),
                    )
                    out.append(cursor.lastrowid if cursor.rowcount == 1 else None)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return out

    def events(self, after: int = 0, page: int = PAGE) -> Iterator[tuple[int, Event]]:
        """(seq, event) of every event logged after position ``after``, in log order, read ``page`` rows at a
        time (a restart replays what came after the last snapshot: millions of events, never all in memory)."""
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, event_id, kind, row FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after, page),
                ).fetchall()
            for seq, event_id, kind, row in rows:
                yield seq, _decode(event_id, kind, row)
            if len(rows) < page:
                return
            after = rows[-1][0]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def last_seq(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

    def save_snapshot(self, seq: int, state: bytes | Callable[[BinaryIO], None]) -> None:
        """Keep ``state``, the live state after applying the log up to ``seq`` (older snapshots are dropped)."""
        self.write_snapshot_file(seq, state)
        self.record_snapshot(seq)

    def write_snapshot_file(self, seq: int, state: bytes | Callable[[BinaryIO], None]) -> None:
        """Write ``state`` as the snapshot at ``seq``, durably, without recording it: file operations only, no
        database and no lock, so a forked process may call it (:class:`~marketguard.live.service.LiveService`
        snapshots so). ``state``: the bytes, or what writes them to the file it is given (a 1M-account state
        pickled to bytes first holds 1.8 GB more while it is written)."""
        folder = self._snapshots
        folder.mkdir(exist_ok=True)
        partial = folder / f"{seq}.state.partial"
        with open(partial, "wb") as out:
            if callable(state):
                state(out)
            else:
                out.write(state)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(folder / f"{seq}.state")
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)

    def record_snapshot(self, seq: int) -> None:
        """Make the snapshot file at ``seq`` (written by :meth:`write_snapshot_file`) the latest; older ones go."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO snapshot_files (seq) VALUES (?)", (seq,))
            self._db.execute("DELETE FROM snapshot_files WHERE seq < ?", (seq,))
            self._db.execute("COMMIT")
        # older files go, recorded or not (a writer killed with its service leaves one the log never recorded)
        for file in self._snapshots.iterdir():
            written = file.name.split(".")[0]
            if written.isdigit() and int(written) < seq:
                file.unlink(missing_ok=True)

    def snapshot(self) -> tuple[int, bytes] | None:
        """The latest snapshot as (seq, state), or None (none yet, or its file removed: the log still holds
        every event, so the state is rebuilt from the start)."""
        with self._lock:
            row = self._db.execute("SELECT max(seq) FROM snapshot_files").fetchone()
        if row[0] is None:
            return None
        try:
            return int(row[0]), (self._snapshots / f"{row[0]}.state").read_bytes()
        except FileNotFoundError:
            return None

    @property
    def _snapshots(self) -> Path:
        return self.path.with_name(self.path.name + ".snapshots")


def _encode(row: dict[str, Any]) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()})


def _decode(event_id: str, kind: str, text: str) -> Event:
    table, time_column = EVENT_KINDS[kind]
    row = json.loads(text)
    for column in TABLES[table].columns:
        if column.kind is Kind.TIMESTAMP and row.get(column.name) is not None:
            row[column.name] = datetime.fromisoformat(row[column.name])
    return Event(event_id, kind, table, row[time_column], row)
