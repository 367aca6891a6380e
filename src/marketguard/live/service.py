"""``LiveService``: the live scorer behind a server, durable: an event is in the log before it is acknowledged,
the state is snapshotted, and a restart reaches the state an uninterrupted run had.

:meth:`LiveService.submit` reads a batch of events (each refused one with its reasons), appends the readable ones
to the :class:`~marketguard.live.log.EventLog` in one durable transaction, then applies the new ones to the
:class:`~marketguard.live.scorer.LiveScorer` in log order. On start the latest snapshot is loaded and the log after
it replayed through the same scorer, so the state is a function of the log alone: the same events in the same
order, whether or not the process was killed in between. Alerts go to every subscriber (the server's stream).

A snapshot is written by a forked copy of the process (where the system forks): pickling the state takes
seconds at 10,000 stores and minutes at a million accounts, during which the service would hold every request.
The copy closes every descriptor it inherited (the server's listening socket among them: held, it kept the port
bound after the service died), pickles its frozen state and writes the file; the service goes on and records the
snapshot once the copy has exited cleanly (one at a time; a copy killed with the service leaves a file the log
never recorded, removed when the next is). The copy shares the service's memory until either writes to it, so
memory grows by what changes (at worst the state again) while it runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from marketguard.contract import validate
from marketguard.detect.store_risk import FLAGGED, load_saved
from marketguard.engine import make_backend
from marketguard.errors import ParameterError
from marketguard.live.events import BadEvent, Event, EventProblem, read_event
from marketguard.live.log import EventLog
from marketguard.live.scorer import Alert, LiveScorer, StaleSnapshot, StoreRisk, reference_data

__all__ = ["LiveService", "Submitted"]

log = logging.getLogger(__name__)

#: Events between snapshots: a restart replays at most this many (seconds of work), and a snapshot (a pickle of
#: the state, tens of MB at 2,000 stores) is written a few times a minute at 2,000 events/s, not per batch.
SNAPSHOT_EVERY = 50_000


@dataclass
class Submitted:
    """What became of a batch: applied, already seen (by id), refused (index, event id, problems), alerts, and
    events of earlier batches that waited for a reference this batch brought and were refused then."""

    accepted: int = 0
    duplicates: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    refused_after_waiting: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


class LiveService:
    """The scorer of the model file ``model`` over the log file ``events``; ``reference``: a dataset directory
    whose ``brands``, ``authorized_sellers`` and ``labels`` Parquet files the scorer reads (optional);
    ``history``: instead, a dataset the scorer starts from (:meth:`~marketguard.live.scorer.LiveScorer.
    from_history`: its rows, its reference tables). The state is then the history's and the log's: until the
    first snapshot a restart builds it from the history again, so the history must not change under it."""

    def __init__(
        self,
        model: Path | str,
        events: Path | str,
        reference: Path | str | None = None,
        *,
        threshold: float = FLAGGED,
        snapshot_every: int = SNAPSHOT_EVERY,
        history: Path | str | None = None,
        background_snapshots: bool = True,
    ) -> None:
        if history is not None and reference is not None:
            raise ParameterError(
                "the history holds its own brands, sellers and labels: give no reference with it"
            )
        self.model = load_saved(model)
        self.log = EventLog(events)
        self.snapshot_every = snapshot_every
        self.background_snapshots = background_snapshots and hasattr(os, "fork")
        self._writer: tuple[int, int] | None = None  # (pid, seq) of the copy writing a snapshot
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[Alert], object]] = []
        found = self.log.snapshot()
        restored = None
        if found is not None:
            with contextlib.suppress(StaleSnapshot):  # another version's: the log holds every event, rebuild
                restored = LiveScorer.restore(found[1], self.model)
        if restored is not None and found is not None:
            self.scorer = restored
            self._seq = self._snapshot_seq = found[0]
        elif history is not None:
            with make_backend("duckdb") as backend:
                validated, _ = validate(backend, Path(history))
                self.scorer = LiveScorer.from_history(
                    self.model, validated, threshold=threshold, ids_applied_once_by_caller=True
                )
            self._seq = self._snapshot_seq = 0
        else:
            tables = {
                t: pq.read_table(Path(reference) / f"{t}.parquet")
                for t in ("brands", "authorized_sellers", "labels")
                if reference is not None and (Path(reference) / f"{t}.parquet").exists()
            }
            self.scorer = LiveScorer(
                self.model, *reference_data(tables), threshold=threshold, ids_applied_once_by_caller=True
            )
            self._seq = self._snapshot_seq = 0
        for seq, event in self.log.events(after=self._seq):  # what came after the snapshot, in the same order
            with contextlib.suppress(BadEvent):  # refused when it came (its answer said so): refused again
                self.scorer.process(event)
            self._seq = seq

    def close(self) -> None:
        self.wait_for_snapshot()
        self.log.close()

    def wait_for_snapshot(self) -> None:
        """Return once a snapshot being written is written and recorded (at once when none is)."""
        with self._lock:
            self._reap(wait=True)

    def submit(self, raws: list[Mapping[str, Any]]) -> Submitted:
        """Read, log (durably) and apply a batch of events."""
        out = Submitted()
        events: list[tuple[int, Event]] = []
        for i, raw in enumerate(raws):
            try:
                events.append((i, read_event(raw)))
            except BadEvent as bad:
                out.refused.append(_refusal(i, bad.event_id, bad.problems))
        with self._lock:
            self._reap()
            positions = self.log.append([e for _, e in events])
            for (i, event), seq in zip(events, positions, strict=True):
                if seq is None:
                    out.duplicates += 1
                    continue
                try:
                    out.alerts += self.scorer.process(event)
                    out.accepted += 1
                except BadEvent as bad:
                    # logged all the same: a replay refuses it again, the state is the same
                    out.refused.append(_refusal(i, event.event_id, bad.problems))
                self._seq = seq
            out.refused_after_waiting = [
                _refusal(None, bad.event_id, bad.problems) for bad in self.scorer.refused_on_release
            ]
            self.scorer.refused_on_release.clear()
            if self._seq - self._snapshot_seq >= self.snapshot_every:
                self._snapshot()
        for alert in out.alerts:
            for notify in list(self._subscribers):
                notify(alert)
        return out

    def snapshot(self) -> None:
        """Keep the state now (the log's position with it), and return once it is kept."""
        with self._lock:
            self._reap(wait=True)
            self._snapshot(in_line=True)

    def _snapshot(self, in_line: bool = False) -> None:
        """A snapshot at the log's position: by a forked copy (see the module notes), else here and now."""
        if in_line or not self.background_snapshots:
            self.log.save_snapshot(self._seq, self.scorer.snapshot_to)
            self._snapshot_seq = self._seq
            return
        if self._writer is not None:  # one at a time: the next is due once this one is recorded
            return
        pid = os.fork()
        if pid == 0:  # the copy: pickle, write the file, exit without running the service's exit handlers
            code = 1
            try:
                # the service's descriptors are its own: a copy holding its listening socket would keep the port
                # bound after the service died, and a restart on it would fail while the copy writes
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                self.log.write_snapshot_file(self._seq, self.scorer.snapshot_to)
                code = 0
            finally:
                os._exit(code)
        self._writer = (pid, self._seq)
        self._snapshot_seq = self._seq

    def _reap(self, wait: bool = False) -> None:
        """Record the snapshot the copy wrote once it has exited cleanly (``wait``: wait for it to)."""
        if self._writer is None:
            return
        pid, seq = self._writer
        done, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
        if done == 0:
            return
        self._writer = None
        code = os.waitstatus_to_exitcode(status)
        if code == 0:
            self.log.record_snapshot(seq)
        else:  # the log holds every event: the next snapshot (or a restart) covers what this one would have
            log.warning("the snapshot at event %d was not written (its writer exited with %d)", seq, code)

    def risk(self, store_id: str) -> StoreRisk:
        with self._lock:
            return self.scorer.risk(store_id)

    def flagged_at(self, store_id: str) -> Alert | None:
        return self.scorer.flagged.get(store_id)

    def subscribe(self, notify: Callable[[Alert], object]) -> Callable[[], None]:
        """Call ``notify`` with every alert from now on; returns the function that stops it."""
        self._subscribers.append(notify)
        return lambda: self._subscribers.remove(notify)


def _refusal(index: int | None, event_id: str | None, problems: list[EventProblem]) -> dict[str, Any]:
    return {
        "index": index,
        "event_id": event_id,
        "problems": [{"field": p.field, "reason": p.reason, "message": p.message} for p in problems],
    }
