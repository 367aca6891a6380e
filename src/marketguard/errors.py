"""The exceptions marketguard raises.

Each subclasses the matching builtin too, so callers can catch either ``ContractError`` or ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass


class MarketguardError(Exception):
    """Base class of every error marketguard raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One structural problem in a dataset, located in the user's terms."""

    table: str
    column: str | None
    message: str
    fix: str
    row: int | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        example = ""
        if self.row is not None:
            shown = "empty" if self.value is None else repr(self.value)
            example = f" (e.g. row {self.row}: {shown})"
        return f"{where}: {self.message}{example}. Fix: {self.fix}"


class ContractError(MarketguardError, ValueError):
    """The dataset breaks the data contract in a way that stops the run; lists every problem at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        lines = [f"The dataset has {n} structural problem{'s' if n != 1 else ''}; nothing was written:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class EngineError(MarketguardError, RuntimeError):
    """A SQL step failed on an engine; names the step and keeps the SQL for debugging."""

    def __init__(self, engine: str, step: str, sql: str, cause: BaseException) -> None:
        self.engine, self.step, self.sql = engine, step, sql
        super().__init__(f"{engine} failed in step '{step}': {cause}")


class UnsupportedError(MarketguardError, NotImplementedError):
    """An engine cannot do what was asked; raised before anything runs."""


class ParameterError(MarketguardError, ValueError):
    """A detector or command was given a parameter outside its allowed set."""


class ModelError(MarketguardError, ValueError):
    """A saved model that cannot run here: an unknown file format, or data missing signals it was trained on."""


class OutputError(MarketguardError, OSError):
    """Results cannot be written where asked (a file in the way, no permission); raised before any work."""


class ResultsError(MarketguardError, ValueError):
    """A results file or directory that is not what was asked for (another table, another dataset's)."""
