"""Stage bookkeeping for a scan: timing, peak memory, run/skipped and why, and progress events."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB). JVM memory of Spark is not included."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class StageRecord:
    """One stage of a scan as written to the manifest."""

    name: str
    status: str  # "run" | "skipped"
    why: str = ""
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    rows_out: int | None = None
    rows_collected: int | None = None  # rows the stage fetched from the engine into this process (the driver)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # figures a stage reports as data (by kind, ...)


ProgressCallback = Callable[[str, StageRecord], None]


class StageLog:
    """Records stages and tells an optional listener ("start" / "end" / "skip") for terminal progress."""

    def __init__(
        self, listener: ProgressCallback | None = None, collected: Callable[[], int] | None = None
    ) -> None:
        """``collected``: the engine's count of rows fetched so far (each stage records what it added)."""
        self.records: list[StageRecord] = []
        self.listener = listener
        self.collected = collected

    def _tell(self, event: str, record: StageRecord) -> None:
        if self.listener is not None:
            self.listener(event, record)

    @contextmanager
    def stage(self, name: str) -> Iterator[StageRecord]:
        record = StageRecord(name, "run")
        self._tell("start", record)
        start = time.perf_counter()
        before = self.collected() if self.collected is not None else 0
        try:
            yield record
        finally:
            record.seconds = round(time.perf_counter() - start, 3)
            if self.collected is not None:
                record.rows_collected = self.collected() - before
            record.peak_rss_mb = round(peak_rss_mb(), 1)
            self.records.append(record)
            self._tell("end", record)

    def skip(self, name: str, why: str) -> None:
        record = StageRecord(name, "skipped", why)
        self.records.append(record)
        self._tell("skip", record)

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.records]
