"""The handle detectors receive: a backend plus which contract tables it holds (validated, accepted rows)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from marketguard.engine.base import Backend, Step


@dataclass
class Tables:
    """Validated contract tables registered on a backend under their contract names."""

    backend: Backend
    present: frozenset[str]

    def has(self, *names: str) -> bool:
        return all(n in self.present for n in names)

    def missing(self, *names: str) -> list[str]:
        return [n for n in names if n not in self.present]

    def run(self, steps: Step | Iterable[Step]) -> None:
        self.backend.run(steps)

    def fetch(self, sql: str, step: str) -> pa.Table:
        return self.backend.fetch(sql, step)
