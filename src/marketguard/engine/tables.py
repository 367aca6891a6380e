"""The handle detectors receive: a backend plus which contract tables it holds (validated, accepted rows)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from marketguard.engine.base import Backend, Step


@dataclass
class Tables:
    """Validated contract tables registered on a backend under their contract names.

    ``values`` holds, per enumeration of the contract's vocabulary (``"transfers.kind"``), the rows of each
    canonical term, as validation counted them; empty when the tables did not come through validation.
    """

    backend: Backend
    present: frozenset[str]
    values: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        return all(n in self.present for n in names)

    def lacks_value(self, enumeration: str, term: str) -> bool:
        """Whether validation counted ``term`` of ``enumeration`` and found no row with it."""
        counts = self.values.get(enumeration)
        return counts is not None and not counts.get(term)

    def missing(self, *names: str) -> list[str]:
        return [n for n in names if n not in self.present]

    def run(self, steps: Step | Iterable[Step]) -> None:
        self.backend.run(steps)

    def fetch(self, sql: str, step: str) -> pa.Table:
        return self.backend.fetch(sql, step)
