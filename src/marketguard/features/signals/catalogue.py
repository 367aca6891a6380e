"""The store signal catalogue: every signal with its name, meaning, the tables it needs and its direction.

Signals come in groups (identity, internet environment, storefront, listings, orders, reviews). Each group is
one SQL step producing ``signals_<group>`` (one row per store that has data for it); :func:`signal_steps`
assembles them into ``store_features`` (one row per store, every available signal, documented defaults for a
store without rows) and says which signals are unavailable because a table is missing, so that a model
trained on them can refuse to run instead of reading silent zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marketguard.engine.base import Step, round_significant
from marketguard.engine.tables import Tables

#: Microseconds per day, for day counts from ``epoch_us`` differences (engines disagree on date_diff).
US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class Signal:
    """One store signal. ``direction`` is +1 when a higher value is riskier, -1 when lower is riskier, 0 when it
    is context (a size, say) that only a learnt model can use; ``default`` is the value for a store with no
    rows in the group's tables (None: unknown)."""

    name: str
    meaning: str
    direction: int
    default: float | None = 0.0
    from_labels: bool = False  # read from the labels table: never averaged over network mates (it would leak)
    says: str = ""  # the reason sentence, a format string of {value}; empty: "<meaning>: <value>"
    #: (enumeration, term) pairs of the contract's vocabulary the signal reads: when validation found no row
    #: with one of them, the signal is left out (and says why) rather than read as 0 for every store.
    needs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SignalGroup:
    """Signals computed together from the same tables. ``sql`` returns the query producing them per store."""

    name: str
    meaning: str
    tables: tuple[str, ...]
    signals: tuple[Signal, ...]
    sql: Callable[[Tables], str]
    needs: tuple[str, ...] = ()  # tables made by earlier stages (e.g. account_networks), not contract tables

    @property
    def step_name(self) -> str:
        return f"signals_{self.name}"


@dataclass(frozen=True)
class Entity:
    """What a catalogue scores: one row per ``key`` of ``table``; the assembled view is ``out``."""

    table: str
    key: str
    out: str
    as_of: bool = False  # groups read ``signals_as_of`` (the data's "now", from logins)


STORE = Entity("stores", "store_id", "store_features", as_of=True)


class MissingSignal(str):
    """A signal left out, as the line people read ("<signal>: needs <tables>"), keeping both parts for code.

    ``tables`` names what is missing: contract tables, or values (``transfers.kind = 'settlement'``)."""

    signal: str
    tables: tuple[str, ...]

    def __new__(cls, signal: str, tables: tuple[str, ...]) -> MissingSignal:
        line = super().__new__(cls, f"{signal}: needs {', '.join(tables)}")
        line.signal, line.tables = signal, tables
        return line


#: The data's "now": the last login. Ages are measured to it, so a rerun on the same data gives the same values
#: whatever the clock says; labels dated after it are not learned from (:func:`~marketguard.detect.scoring.
#: entity_labels`).
AS_OF_SQL = "SELECT max(ts) AS as_of FROM logins"


def known_label_sql(tables: Tables) -> str:
    """SQL: the condition on a ``labels`` row that it was known by the data's "now" (:data:`AS_OF_SQL`); an
    undated label is kept (nothing says when it was made), and without logins there is no "now" to hold it to."""
    return f"(labeled_at IS NULL OR labeled_at <= ({AS_OF_SQL}))" if tables.has("logins") else "TRUE"


def known_labels_sql(tables: Tables, entity_type: str, key: str = "entity_id") -> str:
    """SQL: ``<key>, label`` of every ``entity_type`` the labels table decided by the data's "now"
    (:func:`known_label_sql`); an entity labelled both ways counts as 1. No rows without a labels table."""
    if not tables.has("labels"):
        return f"SELECT CAST(NULL AS VARCHAR) AS {key}, 0 AS label WHERE 1 = 0"
    return (
        f"SELECT entity_id AS {key}, max(label) AS label FROM labels WHERE entity_type = '{entity_type}' "
        f"AND {known_label_sql(tables)} GROUP BY entity_id"
    )


def as_of_step() -> Step:
    """The data's "now" (:data:`AS_OF_SQL`) as the table ``signals_as_of``."""
    return Step("signals_as_of", AS_OF_SQL)


def signal_steps(
    tables: Tables, groups: tuple[SignalGroup, ...], entity: Entity = STORE
) -> tuple[list[Step], list[Signal], list[MissingSignal]]:
    """Steps computing ``entity.out`` (``store_features`` by default), the signals it holds, and why the
    others are missing."""
    steps = [as_of_step()] if entity.as_of else []
    available: list[tuple[SignalGroup, Signal]] = []
    missing: list[MissingSignal] = []
    for group in groups:
        absent = tables.missing(*group.tables) + [
            t for t in group.needs if not tables.backend.table_exists(t)
        ]
        if absent:
            missing += [MissingSignal(s.name, tuple(absent)) for s in group.signals]
            continue
        steps.append(Step(group.step_name, group.sql(tables)))
        for s in group.signals:
            lacking = tuple(f"{e} = '{term}'" for e, term in s.needs if tables.lacks_value(e, term))
            if lacking:
                missing.append(MissingSignal(s.name, lacking))
            else:
                available.append((group, s))
    columns = ", ".join(
        f"{round_significant(f'coalesce({g.name}.{s.name}, {s.default})')} AS {s.name}"
        if s.default is not None
        else f"{round_significant(f'{g.name}.{s.name}')} AS {s.name}"
        for g, s in available
    )
    joins = " ".join(
        f"LEFT JOIN {g.step_name} {g.name} ON s.{entity.key} = {g.name}.{entity.key}"
        for g in dict.fromkeys(g for g, _ in available)
    )
    listed = f"s.{entity.key}, {columns}" if columns else f"s.{entity.key}"
    steps.append(Step(entity.out, f"SELECT {listed} FROM {entity.table} s {joins}"))
    return steps, [s for _, s in available], missing


def catalogue_markdown(groups: tuple[SignalGroup, ...]) -> str:
    """The catalogue as a Markdown table (``docs/signals.md`` embeds it; a test keeps them in step)."""
    arrow = {1: "higher = riskier", -1: "lower = riskier", 0: "context"}
    lines = ["| group | signal | meaning | tables | direction | default |", "|---|---|---|---|---|---|"]
    for g in groups:
        needs = ", ".join((*g.tables, *g.needs))
        for s in g.signals:
            default = "unknown" if s.default is None else f"{s.default:g}"
            lines.append(
                f"| {g.name} | `{s.name}` | {s.meaning} | {needs} | {arrow[s.direction]} | {default} |"
            )
    return "\n".join(lines)
