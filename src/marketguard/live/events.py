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

import functools
import math
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from marketguard.contract.rules import IPV4_PATTERN, IPV6_PATTERN, REASONS, TIME_WORDS
from marketguard.contract.settings import ValidationSettings, default_max_time
from marketguard.contract.spec import ID_LENGTH, LOAD_ORDER, TABLES, Kind
from marketguard.contract.vocabulary import enumeration_of
from marketguard.errors import MarketguardError

__all__ = [
    "EVENT_KINDS",
    "EVENT_TABLES",
    "ROW_KINDS",
    "UPDATE_KINDS",
    "BadEvent",
    "Event",
    "EventProblem",
    "problem",
    "read_event",
]

#: Event kind -> (contract table, the column holding when it happened).
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "account_created": ("accounts", "created_at"),
    "login": ("logins", "ts"),
    "store_opened": ("stores", "opened_at"),
    "store_closed": ("stores", "closed_at"),
    "listing_created": ("listings", "listed_at"),
    "order": ("orders", "ts"),
    "review": ("reviews", "ts"),
    "shipment": ("shipments", "picked_up_at"),
    "transfer": ("transfers", "ts"),
    "declaration": ("declarations", "filed_at"),
}
#: Kinds that change a row sent before rather than add one, with the columns they carry (the row's key and the
#: kind's time): a store closes long after it opened, and an opening that said so would tell the future.
UPDATE_KINDS: dict[str, tuple[str, ...]] = {"store_closed": ("store_id", "closed_at")}
#: Per event table, the kind that adds its rows.
ROW_KINDS: dict[str, str] = {
    table: kind for kind, (table, _) in EVENT_KINDS.items() if kind not in UPDATE_KINDS
}
#: The event tables in the contract's load order: a table's references come before it (the order among events
#: of the same time).
EVENT_TABLES: tuple[str, ...] = tuple(t for t in LOAD_ORDER if t in ROW_KINDS)
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
    "in_history": (
        "dated by the end of the history the live state was built from, which holds what happened by then",
        "send what happened after the history's end; a row the history lacks belongs in the next history",
    ),
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
    where absent; an update's own columns only: :data:`UPDATE_KINDS`) and when it happened (UTC)."""

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
    problems: list[EventProblem] = []
    event_id = _text(raw.get("event_id"))
    if event_id is None:
        problems.append(problem("empty", "event_id"))
    elif len(event_id) > ID_LENGTH:
        problems.append(problem("too_long", "event_id"))
    kind = cast(str, raw.get("event"))  # any value: the readers' keys below decide whether it is a kind
    reader = (_readers(settings) if settings else _default_readers()).get(kind)
    if reader is None:
        problems.append(problem("unknown_kind", "event"))
        raise BadEvent(event_id if isinstance(event_id, str) else None, problems)
    if not reader.known.issuperset(raw):
        problems += [problem("unknown_field", k) for k in raw if k not in reader.known]
    get = raw.get
    row: dict[str, Any] = {}
    for column in reader.columns:
        value, broken = column.read(get(column.name))
        row[column.name] = value
        if broken:
            problems += [problem(rule, column.name) for rule in broken]
    time_column = reader.time_column
    if row[time_column] is None and not any(p.field == time_column for p in problems):
        problems.append(problem("empty", time_column))
    if problems:
        raise BadEvent(event_id, problems)
    assert event_id is not None
    return Event(event_id, kind, reader.table, row[time_column], row)


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


@dataclass(frozen=True)
class _ColumnReader:
    """One column's rules under one settings object, looked up once rather than for every event: its length
    limit, its vocabulary's words and its time bounds."""

    name: str
    kind: Kind
    required: bool
    limit: int | None  # characters, the settings' override or the contract's
    words: Mapping[str, str] | None  # an enumerated column's words (lower case) -> term
    allowed: frozenset[str] | None  # a closed enumeration's terms
    min: float | None
    max: float | None
    min_time: datetime
    max_time: datetime | None  # None: the default, which moves with the date

    def read(self, value: Any) -> tuple[Any, tuple[str, ...]]:
        """``value`` typed as the batch types it (None when absent or unreadable), and the rules it breaks."""
        if value is None or (isinstance(value, str) and value.strip(" ") == ""):
            return None, _EMPTY if self.required else ()
        if not isinstance(value, _VALUE_TYPES):
            return None, ("not_text" if self.kind in _TEXT_KINDS else "unparseable",)
        typed, broken = self._typed(value)
        if self.limit is not None and isinstance(value, str) and len(value) > self.limit:
            return typed, ("too_long", *broken)
        return typed, broken

    def _typed(self, value: str | int | float | datetime) -> tuple[Any, tuple[str, ...]]:
        kind = self.kind
        if kind in _TEXT_KINDS:
            if isinstance(value, float | bool | datetime):
                return None, ("not_text",)
            text = str(value)
            if self.words is not None:
                text = self.words.get(text.strip(" ").lower(), text)
            if kind is Kind.IP and not (_IPV4.fullmatch(text) or (":" in text and _IPV6.fullmatch(text))):
                return text, ("invalid_ip",)
            if self.allowed is not None and text not in self.allowed:
                return text, ("not_allowed",)
            return text, ()
        if kind is Kind.TIMESTAMP:
            ts = _timestamp(value)
            if ts is None:
                return None, ("unparseable",)
            if ts < self.min_time or ts > (
                self.max_time if self.max_time is not None else default_max_time()
            ):
                return ts, ("implausible_time",)
            return ts, ()
        if isinstance(value, str) and self.words is not None:
            value = self.words.get(value.strip(" ").lower(), value)
        number = _number(value)
        if number is None:
            return None, ("unparseable",)
        if kind is Kind.INT:
            if not math.isfinite(number) or abs(number) >= 9.0e18 or number != round(number):
                return None, ("not_integer",)
            return int(number), self._bounds(number)
        if not math.isfinite(number):
            return number, ("not_finite",)
        return number, self._bounds(number)

    def _bounds(self, number: float) -> tuple[str, ...]:
        broken: tuple[str, ...] = ()
        if self.min is not None and number < self.min:
            broken = ("negative" if self.min == 0 else "out_of_range",)
        if self.max is not None and number > self.max:
            broken += ("out_of_range",)
        return broken


@dataclass(frozen=True)
class _TableReader:
    """An event kind's table under one settings object: its readers in column order and the fields it knows."""

    table: str
    time_column: str
    known: frozenset[str]  # the columns and the envelope
    columns: tuple[_ColumnReader, ...]


_EMPTY = ("empty",)
_TEXT_KINDS = (Kind.STRING, Kind.IP)
#: What an event's value may be: JSON's scalars, and a datetime from a Python producer.
_VALUE_TYPES = (str, int, float, bool, datetime)
#: Compiled readers per settings object, by id: settings hold dicts, so they cannot be hashed. The weak
#: reference tells a live object from a later one given the same id, and drops the entry with its object.
_COMPILED: dict[int, tuple[weakref.ref[ValidationSettings], dict[str, _TableReader]]] = {}


def _readers(settings: ValidationSettings) -> dict[str, _TableReader]:
    """Event kind -> its table's reader under ``settings``, compiled on first use (a frozen settings object's
    limits and words do not change)."""
    key = id(settings)
    entry = _COMPILED.get(key)
    if entry is None or entry[0]() is not settings:

        def forget(ref: weakref.ref[ValidationSettings]) -> None:
            if _COMPILED.get(key, (None,))[0] is ref:
                del _COMPILED[key]

        entry = (weakref.ref(settings, forget), _compile(settings))
        _COMPILED[key] = entry
    return entry[1]


@functools.cache
def _default_readers() -> dict[str, _TableReader]:
    """The readers under the default settings (an event read without settings)."""
    return _compile(ValidationSettings())


def _compile(settings: ValidationSettings) -> dict[str, _TableReader]:
    readers = {}
    for kind, (table, time_column) in EVENT_KINDS.items():
        spec = TABLES[table]
        carried = UPDATE_KINDS.get(kind, spec.column_names)
        columns = []
        for column in (c for c in spec.columns if c.name in carried):
            enumeration = enumeration_of(table, column.name)
            columns.append(
                _ColumnReader(
                    name=column.name,
                    kind=column.kind,
                    required=column.required,
                    limit=settings.max_length(table, column.name),
                    words=None if enumeration is None else settings.vocabulary.words(enumeration.name),
                    allowed=frozenset(t.value for t in enumeration.terms)
                    if enumeration is not None and enumeration.closed
                    else None,
                    min=column.min,
                    max=column.max,
                    min_time=settings.min_time,
                    max_time=settings.max_time,
                )
            )
        known = frozenset((*carried, *ENVELOPE))
        readers[kind] = _TableReader(table, time_column, known, tuple(columns))
    return readers


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
