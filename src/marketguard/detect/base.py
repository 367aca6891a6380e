"""The detector contract, modelled on scikit-learn and PyOD.

``__init__`` stores keyword-only parameters; ``fit`` validates them against the declared constraints, learns,
and sets attributes ending in ``_``; ``score`` returns ``<entity>_id, score`` with scores in [0, 1], higher =
more suspicious; ``explain`` returns evidence rows ``<entity>_id, reason, value, detail``.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import pyarrow as pa

from marketguard.engine.tables import Tables
from marketguard.errors import ContractError, ParameterError, Problem
from marketguard.params import Interval, Options, check_params

__all__ = ["EVIDENCE_SCHEMA", "Detector", "Interval", "Options", "evidence_table"]


class Detector(ABC):
    """Base class: parameters declared as data, validated in ``fit``, one error message template."""

    #: Parameter name -> constraint.
    parameter_constraints: ClassVar[Mapping[str, Interval | Options]] = {}
    #: Contract tables the detector cannot run without.
    required_tables: ClassVar[tuple[str, ...]] = ()

    def get_params(self) -> dict[str, Any]:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def _validate_params(self) -> None:
        check_params(type(self).__name__, self.parameter_constraints, vars(self))

    def _check_tables(self, tables: Tables) -> None:
        missing = tables.missing(*self.required_tables)
        if missing:
            raise ContractError(
                [
                    Problem(
                        t, None, f"{type(self).__name__} needs this table", f"provide {t}.parquet or {t}.csv"
                    )
                    for t in missing
                ]
            )

    def _check_fitted(self) -> None:
        if not any(k.endswith("_") and not k.startswith("_") for k in vars(self)):
            raise ParameterError(f"This {type(self).__name__} is not fitted yet: call fit(tables) first.")

    @abstractmethod
    def fit(self, tables: Tables, labels: pa.Table | None = None) -> Detector:
        """Validate parameters and learn; returns self."""

    @abstractmethod
    def score(self, tables: Tables) -> pa.Table:
        """``<entity>_id, score`` with score in [0, 1], higher = more suspicious."""

    @abstractmethod
    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """Evidence rows ``<entity>_id, reason, value, detail`` with documented reason codes."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


EVIDENCE_SCHEMA = {"reason": pa.string(), "value": pa.float64(), "detail": pa.string()}


def evidence_table(
    id_column: str, ids: list[str], reasons: list[str], values: list[float], details: list[str]
) -> pa.Table:
    """Build an ``explain`` result with the shared evidence schema."""
    return pa.table(
        {
            id_column: pa.array(ids, pa.string()),
            "reason": pa.array(reasons, pa.string()),
            "value": pa.array(values, pa.float64()),
            "detail": pa.array(details, pa.string()),
        }
    )
