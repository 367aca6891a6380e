"""The event log: durable before acknowledged, each event id once, replayed in its own order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from marketguard.live.events import read_event
from marketguard.live.log import EventLog


def _login(i: int, account: str = "a1") -> dict[str, object]:
    return {
        "event_id": f"e{i}",
        "event": "login",
        "account_id": account,
        "ts": f"2025-03-01T10:00:{i % 60:02d}Z",
        "ip": "203.0.113.7",
    }


def test_an_event_id_is_logged_once_and_events_come_back_typed_in_order(tmp_path: Path) -> None:
    with EventLog(tmp_path / "events.sqlite") as log:
        first = log.append([read_event(_login(i)) for i in range(3)])
        again = log.append([read_event(_login(1)), read_event(_login(3))])  # a retry, and one new event
        assert first == [1, 2, 3] and again == [None, 4] and len(log) == 4
        log.write_snapshot_file(1, b"written, never recorded (its writer's service was killed)")

        def stream(out: BinaryIO) -> None:  # written piece by piece, as a scorer pickles its state
            out.write(b"state ")
            out.write(b"at 2")

        log.save_snapshot(2, stream)
        assert [f.name for f in (tmp_path / "events.sqlite.snapshots").iterdir()] == ["2.state"]
    with EventLog(tmp_path / "events.sqlite") as reopened:
        replayed = list(reopened.events(after=2))
        assert [seq for seq, _ in replayed] == [3, 4]
        assert [e.event_id for _, e in replayed] == ["e2", "e3"]
        assert replayed[0][1].at == datetime(2025, 3, 1, 10, 0, 2, tzinfo=UTC)
        assert replayed[0][1] == read_event(_login(2))
        assert reopened.snapshot() == (2, b"state at 2") and reopened.last_seq() == 4
        # read a page at a time, the same events in the same order (page boundaries, a last short page)
        for page in (1, 2, 3):
            assert list(reopened.events(page=page)) == list(reopened.events())
        assert [seq for seq, _ in reopened.events(after=1, page=1)] == [2, 3, 4]


def test_every_acknowledged_event_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    writer = textwrap.dedent(
        f"""
        import sys
        from marketguard.live.events import read_event
        from marketguard.live.log import EventLog
        log = EventLog({str(path)!r})
        for batch in range(100000):
            events = [read_event({{"event_id": f"e{{batch}}-{{i}}", "event": "login", "account_id": "a",
                                   "ts": "2025-03-01T10:00:00Z", "ip": "203.0.113.7"}}) for i in range(100)]
            log.append(events)
            print(batch, flush=True)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    acknowledged = -1
    deadline = time.monotonic() + 60
    while acknowledged < 30 and time.monotonic() < deadline:
        acknowledged = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert acknowledged >= 30
    with EventLog(path) as log:
        ids = [e.event_id for _, e in log.events()]
    assert len(ids) == len(set(ids)) >= (acknowledged + 1) * 100
    assert {f"e{b}-{i}" for b in range(acknowledged + 1) for i in range(100)} <= set(ids)
