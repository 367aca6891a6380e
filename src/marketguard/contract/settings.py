"""What validation accepts, where a platform differs: plausible times, value lengths and the vocabulary.

Every setting has a default that suits real platforms' exports (each constant says why); ``marketguard scan``
and ``validate`` expose them as ``--min-time``, ``--max-time``, ``--max-length TABLE.COLUMN=N`` and
``--vocabulary FILE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from marketguard.contract.spec import TABLES, Kind
from marketguard.contract.vocabulary import Vocabulary
from marketguard.errors import ParameterError

#: Nothing a marketplace or customs system exports today predates this: online marketplaces of this kind began
#: around then, so an earlier time is a default or placeholder value (1970-01-01, 1900-01-01), not an event.
MIN_TIME = datetime(2000, 1, 1, tzinfo=UTC)

#: Allowance past the scan date for clocks and time zones ahead of UTC; anything later is a placeholder
#: (9999-12-31) or a unit error (milliseconds read as seconds), and would move every time window.
FUTURE_ALLOWANCE = timedelta(days=1)


def default_max_time(today: date | None = None) -> datetime:
    """The end of the day after the scan date (UTC): one value per day, so runs on a day agree."""
    today = today or datetime.now(UTC).date()
    return datetime.combine(today + FUTURE_ALLOWANCE + timedelta(days=1), time(), tzinfo=UTC)


@dataclass(frozen=True)
class ValidationSettings:
    """Bounds and words validation applies on top of the contract's column types.

    Parameters
    ----------
    min_time, max_time
        Timestamps outside ``[min_time, max_time]`` are quarantined (``implausible_time``). ``max_time=None``
        means :func:`default_max_time`.
    max_lengths
        ``{"table.column": characters}`` overriding the contract's per-column limits (``too_long``).
    vocabulary
        The platform's words for the contract's enumerated values.
    """

    min_time: datetime = MIN_TIME
    max_time: datetime | None = None
    max_lengths: Mapping[str, int] = field(default_factory=dict)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)

    def __post_init__(self) -> None:
        for name in ("min_time", "max_time"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                raise ParameterError(
                    f"The '{name}' parameter of ValidationSettings must be a datetime with a time zone. "
                    f"Got {value!r} instead."
                )
        if self.resolved_max_time() <= self.min_time:
            raise ParameterError(
                f"The 'max_time' parameter of ValidationSettings must be after min_time ({self.min_time}). "
                f"Got {self.resolved_max_time()} instead."
            )
        for key, limit in self.max_lengths.items():
            _check_length_key(key)
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ParameterError(
                    f"The max length of {key} must be an int in the range [1, inf). Got {limit!r} instead."
                )

    def resolved_max_time(self) -> datetime:
        return self.max_time if self.max_time is not None else default_max_time()

    def max_length(self, table: str, column: str) -> int | None:
        """The limit for ``table.column``: the override if given, else the contract's."""
        override = self.max_lengths.get(f"{table}.{column}")
        return override if override is not None else TABLES[table].column(column).max_length

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_time": self.min_time.isoformat(),
            "max_time": self.resolved_max_time().isoformat(),
            "max_lengths": dict(self.max_lengths),
            "vocabulary": self.vocabulary.to_dict(),
        }


def _check_length_key(key: str) -> None:
    table, _, column = key.partition(".")
    spec = TABLES.get(table)
    if spec is None or column not in spec.column_names:
        raise ParameterError(
            f"max length: {key!r} is not a contract column; write TABLE.COLUMN, e.g. reviews.text"
        )
    if spec.column(column).kind not in (Kind.STRING, Kind.IP):
        raise ParameterError(f"max length: {key} is not a text column; only text columns have a length limit")


def parse_time(text: str, name: str) -> datetime:
    """An ISO 8601 date or time given on the command line, in UTC unless it names an offset."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ParameterError(
            f"The '{name}' option must be an ISO 8601 date or time (2000-01-01). Got {text!r} instead."
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_lengths(items: tuple[str, ...] | list[str]) -> dict[str, int]:
    """``["reviews.text=50000"]`` as ``{"reviews.text": 50000}``."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise ParameterError(
                f"The '--max-length' option takes TABLE.COLUMN=CHARACTERS (reviews.text=50000). Got {item!r} instead."
            )
        out[key.strip()] = int(value)
    return out
