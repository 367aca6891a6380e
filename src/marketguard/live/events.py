"""Events: one row of a contract table as it happens, with an id and a kind.

A producer sends ``{"event_id": "e-1", "event": "login", "account_id": "a1", "ts": "2026-05-01T10:00:00Z",
"ip": "203.0.113.7"}``: the event's fields are the contract table's columns (``docs/data-contract.md``), and its
time is the table's time column (:data:`EVENT_KINDS`). :func:`read_event` reads one as the batch validation
reads a row (:mod:`marketguard.contract.rules`): the same types, bounds, vocabulary and reason codes
(``<rule>:<column>``), so an event the live path accepts is a row a scan would accept, and a rejected one names
its field and reason. A test runs both over the same bad values. Two rules only the live path has:
``unknown_field`` (a misspelt column would otherwise vanish silently) and ``empty`` for an event without a time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marketguard.contract.rules import IPV4_PATTERN, IPV6_PATTERN, REASONS, TIME_WORDS
from marketguard.contract.settings import ValidationSettings
from marketguard.contract.spec import ID_LENGTH, LOAD_ORDER, TABLES, Column, Kind, TableSpec
from marketguard.contract.vocabulary import enumeration_of
from marketguard.errors import MarketguardError

__all__ = ["EVENT_KINDS", "EVENT_TABLES", "BadEvent", "Event", "EventProblem", "problem", "read_event"]

#: Event kind -> (contract table, the column holding when it happened).
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "account_created": ("accounts", "created_at"),
    "login": ("logins", "ts"),
    "store_opened": ("stores", "opened_at"),
    "listing_created": ("listings", "listed_at"),
    "order": ("orders", "ts"),
    "review": ("reviews", "ts"),
    "shipment": ("shipments", "picked_up_at"),
    "transfer": ("transfers", "ts"),
    "declaration": ("declarations", "filed_at"),
}
#: The event tables in the contract's load order: a table's references come before it (the order among events
#: of the same time).
EVENT_TABLES: tuple[str, ...] = tuple(
    t for t in LOAD_ORDER if t in {table for table, _ in EVENT_KINDS.values()}
)
#: The fields every event has besides its table's columns (no contract column has these names).
ENVELOPE = ("event_id", "event")
#: The rules only events have, with the batch rules' shape (what it means, how to fix it).
EVENT_REASONS: dict[str, tuple[str, str]] = {
    "unknown_field": (
        "not a column of the event's table",
        "send the contract's column names (docs/data-contract.md); a misspelt field would be lost",
    ),
    "unknown_kind": ("not an event kind", f"use one of {', '.join(EVENT_KINDS)}"),
    "not_text": ("not a text value", "send ids and codes as JSON strings"),
}

_IPV4 = re.compile(IPV4_PATTERN.strip("^$"))
_IPV6 = re.compile(IPV6_PATTERN.strip("^$"))
#: What the batch reads as a number from text (DuckDB's cast): ASCII digits, single underscores between them, an
#: optional fraction and exponent, or nan/inf/infinity; blanks around it.
_DIGITS = "[0-9](_?[0-9])*"
_NUMBER = re.compile(
    rf"\s*[+-]?({_DIGITS}(\.({_DIGITS})?)?|\.{_DIGITS})(e[+-]?{_DIGITS})?\s*|\s*[+-]?(nan|inf|infinity)\s*",
    re.IGNORECASE | re.ASCII,
)


@dataclass(frozen=True)
class Event:
    """A checked event: its kind (a key of :data:`EVENT_KINDS`), its table's row (every column, typed; None
    where absent) and when it happened (UTC)."""

    event_id: str
    kind: str
    table: str
    at: datetime
    row: dict[str, Any]


@dataclass(frozen=True)
class EventProblem:
    """One reason an event is refused: the field, the rule (``<rule>:<field>``) and what it means."""

    field: str
    reason: str
    message: str


class BadEvent(MarketguardError, ValueError):
    """An event that breaks the contract; ``problems`` names every field and rule at once."""

    def __init__(self, event_id: str | None, problems: list[EventProblem]) -> None:
        self.event_id, self.problems = event_id, problems
        where = f"event {event_id!r}" if event_id else "an event without an id"
        super().__init__(f"{where}: " + "; ".join(f"{p.reason} ({p.message})" for p in problems))


def read_event(raw: Mapping[str, Any], settings: ValidationSettings | None = None) -> Event:
    """The event ``raw`` checked and typed; raises :class:`BadEvent` listing every problem."""
    settings = settings or ValidationSettings()
    problems: list[EventProblem] = []
    event_id = _text(raw.get("event_id"))
    if event_id is None:
        problems.append(problem("empty", "event_id"))
    elif len(event_id) > ID_LENGTH:
        problems.append(problem("too_long", "event_id"))
    kind = raw.get("event")
    if kind not in EVENT_KINDS:
        problems.append(problem("unknown_kind", "event"))
        raise BadEvent(event_id if isinstance(event_id, str) else None, problems)
    table, time_column = EVENT_KINDS[kind]
    spec = TABLES[table]
    known = set(spec.column_names)
    problems += [problem("unknown_field", k) for k in raw if k not in known and k not in ENVELOPE]
    row: dict[str, Any] = {}
    for column in spec.columns:
        value, found = _read(spec, column, raw.get(column.name), settings)
        row[column.name] = value
        problems += found
    if row[time_column] is None and not any(p.field == time_column for p in problems):
        problems.append(problem("empty", time_column))
    if problems:
        raise BadEvent(event_id, problems)
    assert event_id is not None
    return Event(event_id, kind, table, row[time_column], row)


def problem(rule: str, field: str, more: str = "") -> EventProblem:
    """The problem ``<rule>:<field>`` with what the rule means and how to fix it (``more``: this case's detail)."""
    meaning, fix = REASONS.get(rule) or EVENT_REASONS[rule]
    return EventProblem(field, f"{rule}:{field}", f"{meaning}{f' ({more})' if more else ''}; {fix}")


def _text(value: Any) -> str | None:
    """Text as the batch reads it: None when absent or blank (empty or spaces only); an integer as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip(" ") != "":
        return value
    return None


def _read(
    spec: TableSpec, column: Column, value: Any, settings: ValidationSettings
) -> tuple[Any, list[EventProblem]]:
    """A column's value typed as the batch types it, and the rules it breaks."""
    name = column.name
    if value is not None and not isinstance(value, str | int | float | bool | datetime):
        return None, [problem("not_text" if column.kind in (Kind.STRING, Kind.IP) else "unparseable", name)]
    text = value if isinstance(value, str) else None
    present = (text is not None and text.strip(" ") != "") or (value is not None and text is None)
    problems: list[EventProblem] = []
    if column.required and not present:
        problems.append(problem("empty", name))
    if not present:
        return None, problems
    limit = settings.max_length(spec.name, name) if text is not None else None
    if limit is not None and len(text) > limit:  # type: ignore[arg-type]
        problems.append(problem("too_long", name))
    typed, broken = _typed(spec, column, value, settings)
    problems += [problem(rule, name) for rule in broken]
    return typed, problems


def _typed(
    spec: TableSpec, column: Column, value: Any, settings: ValidationSettings
) -> tuple[Any, list[str]]:
    """(typed value or None, rules broken) for a present value."""
    kind = column.kind
    if kind in (Kind.STRING, Kind.IP):
        if isinstance(value, float | bool | datetime):
            return None, ["not_text"]
        text = _canonical(spec, column, str(value), settings)
        if kind is Kind.IP and not (_IPV4.fullmatch(text) or (":" in text and _IPV6.fullmatch(text))):
            return text, ["invalid_ip"]
        enumeration = enumeration_of(spec.name, column.name)
        if (
            enumeration is not None
            and enumeration.closed
            and text not in {t.value for t in enumeration.terms}
        ):
            return text, ["not_allowed"]
        return text, []
    if kind is Kind.TIMESTAMP:
        ts = _timestamp(value)
        if ts is None:
            return None, ["unparseable"]
        if ts < settings.min_time or ts > settings.resolved_max_time():
            return ts, ["implausible_time"]
        return ts, []
    number = _number(_canonical(spec, column, value, settings) if isinstance(value, str) else value)
    if number is None:
        return None, ["unparseable"]
    broken = _bounds(column, number)
    if kind is Kind.INT:
        if not math.isfinite(number) or abs(number) >= 9.0e18 or number != round(number):
            return None, ["not_integer"]
        return int(number), broken
    if not math.isfinite(number):
        return number, ["not_finite"]
    return number, broken


def _bounds(column: Column, number: float) -> list[str]:
    if not math.isfinite(number):
        return []
    broken = []
    if column.min is not None and number < column.min:
        broken.append("negative" if column.min == 0 else "out_of_range")
    if column.max is not None and number > column.max:
        broken.append("out_of_range")
    return broken


def _canonical(spec: TableSpec, column: Column, text: str, settings: ValidationSettings) -> str:
    """An enumerated column's word as the vocabulary's term (case and surrounding spaces ignored)."""
    enumeration = enumeration_of(spec.name, column.name)
    if enumeration is None:
        return text
    return settings.vocabulary.words(enumeration.name).get(text.strip(" ").lower(), text)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value)
    return None


def _timestamp(value: Any) -> datetime | None:
    """A time as the batch reads it (ISO 8601; a time without a zone is UTC); None when unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    text = value.strip(" ")
    if text.lower() in TIME_WORDS:
        return None
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
