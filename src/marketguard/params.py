"""Parameter constraints declared as data, and the one message every owner of parameters gives.

Detectors (``detect``) and the text tools (``text``) alike check their parameters with these, so a wrong value
always reads "The 'x' parameter of Y must be ... Got ... instead."
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from marketguard.errors import ParameterError


@dataclass(frozen=True)
class Interval:
    """A numeric parameter constraint: ``type`` within [low, high] (None = unbounded)."""

    type: type
    low: float | None = None
    high: float | None = None

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.type):
            return False
        number = float(cast("float", value))
        return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)

    def __str__(self) -> str:
        kind = "an int" if self.type is int else "a float"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return f"{kind} in the range [{low}, {high}{']' if self.high is not None else ')'}"


@dataclass(frozen=True)
class Options:
    """A parameter constraint: one of the listed values."""

    values: tuple[Any, ...]

    def accepts(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


Constraint = Interval | Options


def check_params(owner: str, constraints: Mapping[str, Constraint], values: Mapping[str, Any]) -> None:
    """Raise :class:`ParameterError` for the first value its constraint refuses (NaN is never accepted)."""
    for name, constraint in constraints.items():
        value = values[name]
        if (isinstance(value, float) and math.isnan(value)) or not constraint.accepts(value):
            raise ParameterError(
                f"The '{name}' parameter of {owner} must be {constraint}. Got {value!r} instead."
            )
