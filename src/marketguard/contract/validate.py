"""Validate a dataset against the contract: stop on structural problems, quarantine bad rows, count everything.

Structural problems (unreadable file, missing required table or column, a column most of whose values cannot be
read as its type) are collected across all tables and raised once as :class:`ContractError`. Row problems send
the row to quarantine with a ``reason``; accepted rows are registered under the contract table names.
"""

from __future__ import annotations

import difflib
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.contract.load import Source, discover, raw_name, register_raw
from marketguard.contract.rules import (
    REASON,
    REASONS,
    RawColumns,
    checked_sql,
    extra_columns,
    quote,
    type_stats_sql,
    typed_projection_sql,
)
from marketguard.contract.settings import ValidationSettings
from marketguard.contract.spec import LOAD_ORDER, TABLES, Kind, TableSpec
from marketguard.contract.vocabulary import enumeration_of
from marketguard.contract.vocabulary_report import VocabularyReport, vocabulary_report
from marketguard.engine.base import ROW, Backend, Step
from marketguard.engine.tables import Tables
from marketguard.errors import ContractError, EngineError, Problem

log = logging.getLogger(__name__)

#: A typed column is a structural problem (not a row problem) when more than this share of values is unreadable.
STRUCTURAL_SHARE = 0.5
N_EXAMPLES = 3


@dataclass
class TableReport:
    """What happened to one input table."""

    source: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)


@dataclass
class ValidationReport:
    """Row counts per table, quarantine counts per table and reason, and which optional tables are absent."""

    tables: dict[str, TableReport]
    missing_optional: list[str]
    vocabulary: VocabularyReport = field(default_factory=VocabularyReport)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_quarantined(self) -> int:
        return sum(t.rows_quarantined for t in self.tables.values())

    def quarantine_counts(self) -> dict[str, dict[str, int]]:
        return {name: dict(t.reasons) for name, t in self.tables.items() if t.reasons}

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": {
                n: {
                    "source": t.source,
                    "rows_read": t.rows_read,
                    "rows_accepted": t.rows_accepted,
                    "rows_quarantined": t.rows_quarantined,
                }
                for n, t in self.tables.items()
            },
            "quarantine": self.quarantine_counts(),
            "missing_optional": self.missing_optional,
            "vocabulary": self.vocabulary.to_dict(),
            "settings": self.settings,
        }

    def lines(self) -> list[str]:
        """Plain-language summary: one line per table, then one per (table, reason) with example rows."""
        out = [
            f"{name}: {t.rows_read} rows read, {t.rows_accepted} accepted, {t.rows_quarantined} quarantined "
            f"({t.source})"
            for name, t in self.tables.items()
        ]
        out += self.reason_lines()
        out += self.vocabulary.lines()
        if self.missing_optional:
            out.append("optional tables not provided: " + ", ".join(self.missing_optional))
        return out

    def reason_lines(self) -> list[str]:
        """One line per (table, reason): table.column, count, example rows with values, and the fix."""
        return [
            describe_reason(name, code, n, t.examples.get(code, []))
            for name, t in self.tables.items()
            for code, n in t.reasons.items()
        ]


#: Characters of a value shown in a message; the rest is counted, not printed (a 1 MB value is one line).
SHOWN_CHARACTERS = 60


def shown_value(value: str | None) -> str:
    """A value as a message quotes it: ``empty``, or its repr, cut after :data:`SHOWN_CHARACTERS`."""
    if value is None:
        return "empty"
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:SHOWN_CHARACTERS]!r}... ({len(value):,} characters)"


def describe_reason(table: str, code: str, n: int, examples: list[tuple[int, str | None]]) -> str:
    """One line naming table, column, example rows with their values, and the fix."""
    rule, column = code.split(":", 1)
    meaning, fix = REASONS[rule]
    enumeration = enumeration_of(table, column)
    if rule == "unparseable":
        kind = TABLES[table].column(column).kind
        meaning, fix = f"cannot be read as {kind.label}", type_fix(kind, table, column)
    elif rule in ("out_of_range", "not_allowed") and enumeration is not None:
        terms = ", ".join(t.value for t in enumeration.terms)
        fix = f"use one of {terms}, or map your words to them with --vocabulary ([{enumeration.name}])"
    shown = "; ".join(f"row {r}: {shown_value(v)}" for r, v in examples)
    plural = "s" if n != 1 else ""
    return f"{table}.{column}: {meaning} in {n} row{plural} (e.g. {shown}) [{code}]. Fix: {fix}"


def validate(
    backend: Backend,
    dataset: Path,
    *,
    quarantine_dir: Path | None = None,
    settings: ValidationSettings | None = None,
) -> tuple[Tables, ValidationReport]:
    """Load ``dataset`` onto ``backend``, check it, and register accepted rows as the contract tables.

    One pass per table types every column and lists the rules each row breaks (``checked_<table>``); the
    structural type check reads its counts, so the data is scanned once. ``settings`` holds the time bounds,
    length limits and vocabulary (defaults: :class:`ValidationSettings`).

    With ``quarantine_dir``, rejected rows replace whatever an earlier run left there.

    Raises
    ------
    ContractError
        Listing every structural problem; nothing is registered or written in that case.
    """
    sources, problems = discover(Path(dataset))
    return validate_sources(
        backend, sources, problems=problems, quarantine_dir=quarantine_dir, settings=settings
    )


def validate_sources(
    backend: Backend,
    sources: dict[str, Source],
    *,
    problems: list[Problem] | None = None,
    quarantine_dir: Path | None = None,
    settings: ValidationSettings | None = None,
) -> tuple[Tables, ValidationReport]:
    """:func:`validate` on tables already located (``problems``: what locating them found), e.g. one labels
    file on its own: references into tables not given are not checked, and no table is required."""
    settings = settings or ValidationSettings()
    problems = list(problems or []) + register_raw(backend, sources)
    readable = {t: s for t, s in sources.items() if backend.table_exists(raw_name(t))}
    columns = {t: dict(backend.columns(raw_name(t))) for t in readable}
    checkable = []
    for table in (t for t in LOAD_ORDER if t in readable):
        missing = _missing_columns(TABLES[table], columns[table])
        problems += missing
        if not missing:
            checkable.append(table)
    checked: dict[str, tuple[int, int]] = {}  # rows read and rejected per table
    for table in checkable:
        try:
            found, checked[table] = _check(backend, TABLES[table], columns[table], set(checked), settings)
        except EngineError as exc:  # a file that lists its schema but cannot be read through (a corrupt page)
            problems.append(_unreadable(readable[table], exc))
            continue
        problems += found
    if problems:
        for table in checkable:
            backend.drop(table)
            backend.drop(rejected_name(table))
        raise ContractError(problems)
    if quarantine_dir is not None and quarantine_dir.exists():
        shutil.rmtree(quarantine_dir)  # rows left by an earlier run would be counted as this run's
    reports = {
        t: _quarantine(backend, TABLES[t], readable[t], columns[t], quarantine_dir, *checked[t])
        for t in checked
    }
    absent = [t for t in LOAD_ORDER if t not in readable]
    vocabulary = vocabulary_report(backend, frozenset(checked))
    tables = Tables(backend, frozenset(checked), vocabulary.counts())
    return tables, ValidationReport(reports, absent, vocabulary, settings.to_dict())


def _check(
    backend: Backend, spec: TableSpec, cols: RawColumns, accepted: set[str], settings: ValidationSettings
) -> tuple[list[Problem], tuple[int, int]]:
    """Check one table: its rejected rows, its accepted view, and whether a column's type is wrong throughout;
    with the rows read and rejected (what the type check counted: the table is not counted again)."""
    checks = checked_sql(spec, cols, accepted, raw_name(spec.name), settings)
    backend.run(
        Step(rejected_name(spec.name), f"SELECT {ROW}, {REASON} FROM ({checks}) c WHERE {REASON} <> ''")
    )
    stats = backend.fetch(
        type_stats_sql(spec, cols, raw_name(spec.name), rejected_name(spec.name)), f"type check {spec.name}"
    ).to_pylist()[0]
    n_read, n_rejected = int(stats["n_read"]), int(stats["n_rejected"])
    backend.run(Step(spec.name, accepted_sql(spec, cols, settings, n_rejected > 0), materialize=False))
    return _type_problems(backend, spec, cols, stats), (n_read, n_rejected)


def _unreadable(source: Source, exc: EngineError) -> Problem:
    cause = exc.__cause__ or exc
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return Problem(
        source.table,
        None,
        f"cannot read {source.describe()} through: {first}",
        f"the file is damaged; export it again as a valid {source.format} file",
    )


def rejected_name(table: str) -> str:
    return f"rejected_{table}"


def accepted_sql(
    spec: TableSpec, raw_columns: RawColumns, settings: ValidationSettings, rejects: bool = True
) -> str:
    """Accepted rows: the typed contract columns and any extras, for every row not rejected.

    A view over the input rather than a copy: the checks ran once; reading it again only re-applies the casts
    (and, when the table has rejected rows, ``rejects``, leaves them out).
    """
    keep = [f"t.{quote(c)}" for c in spec.column_names]
    keep += [f"t.{quote(c)}" for c in extra_columns(spec, raw_columns)]
    projection = typed_projection_sql(spec, raw_columns, raw_name(spec.name), settings)
    typed = f"SELECT {', '.join(keep)} FROM ({projection}) t"
    if not rejects:
        return typed
    return f"{typed} LEFT JOIN {rejected_name(spec.name)} q ON t.{ROW} = q.{ROW} WHERE q.{ROW} IS NULL"


def _missing_columns(spec: TableSpec, raw_columns: RawColumns) -> list[Problem]:
    names = [c for c in raw_columns if c != ROW]
    problems = []
    for col in spec.columns:
        if not col.required or col.name in raw_columns:
            continue
        close = [n for n in names if n.lower() == col.name.lower()] or difflib.get_close_matches(
            col.name, [n for n in names if n not in spec.column_names], n=1, cutoff=0.75
        )
        hint = f" (is {close[0]!r} it? rename it)" if close else ""
        problems.append(
            Problem(
                spec.name,
                col.name,
                "required column is missing",
                f"add a '{col.name}' column ({col.kind.label}){hint}; columns found: {', '.join(names)}",
            )
        )
    return problems


def _type_problems(
    backend: Backend, spec: TableSpec, raw_columns: RawColumns, stats: dict[str, Any]
) -> list[Problem]:
    """Typed columns most of whose values are unreadable (``stats``: :func:`type_stats_sql`'s row): a format
    problem, not bad rows."""
    problems = []
    for col in spec.columns:
        n_bad = stats.get(f"bad__{col.name}") or 0
        n_present = stats.get(f"present__{col.name}") or 0
        if not n_bad or n_bad <= STRUCTURAL_SHARE * n_present:
            continue
        row = stats[f"row__{col.name}"]
        value = backend.scalar(
            f"SELECT CAST({quote(col.name)} AS VARCHAR) AS v FROM {raw_name(spec.name)} WHERE {ROW} = {row}",
            f"example {spec.name}.{col.name}",
        )
        problems.append(
            Problem(
                spec.name,
                col.name,
                f"cannot be read as {col.kind.label} in {n_bad} of {n_present} rows",
                type_fix(col.kind, spec.name, col.name),
                row=row,
                value=value,
            )
        )
    return problems


def type_fix(kind: Kind, table: str = "", column: str = "") -> str:
    """How to write a value of ``kind``; for an enumerated column, how to map the platform's words."""
    fix = {
        Kind.TIMESTAMP: "write timestamps as ISO 8601 text in UTC (2025-03-01T10:00:00Z) or as a Parquet timestamp",
        Kind.FLOAT: "write plain numbers with a dot as decimal separator and no currency symbol",
        Kind.INT: "write whole numbers",
        Kind.IP: "give IP addresses as IPv4 or IPv6 text (not hashed or numeric)",
    }.get(kind, "check the column's type")
    enumeration = enumeration_of(table, column) if table else None
    if enumeration is not None:
        terms = ", ".join(t.value for t in enumeration.terms)
        fix += f", or map your words to {terms} with --vocabulary ([{enumeration.name}])"
    return fix


def _quarantine(
    backend: Backend,
    spec: TableSpec,
    source: Source,
    raw_columns: RawColumns,
    quarantine_dir: Path | None,
    n_read: int,
    n_rejected: int,
) -> TableReport:
    """Fetch rejected rows with their original values, write them aside, and count them per reason."""
    name, rejected = spec.name, rejected_name(spec.name)
    if not n_rejected:  # nothing to fetch (on Spark a job saved per clean table)
        return TableReport(source.describe(), n_read, n_read, 0, {}, {})
    originals = [
        f"r.{quote(c)} AS {quote(as_)}" for c, as_ in quarantine_columns([c for c in raw_columns if c != ROW])
    ]
    quarantined = backend.fetch(
        f"SELECT r.{ROW} AS {quote('row')}, c.{REASON} AS {quote('reason')}, {', '.join(originals)} "
        f"FROM {raw_name(name)} r JOIN {rejected} c ON r.{ROW} = c.{ROW} ORDER BY r.{ROW}",
        f"quarantine {name}",
    )
    reasons, examples = _count_reasons(quarantined)
    if quarantined.num_rows and quarantine_dir is not None:
        quarantine_dir.mkdir(parents=True, exist_ok=True)
        pq.write_table(quarantined, quarantine_dir / f"{name}.parquet")
    if quarantined.num_rows:
        log.info("%s: %d rows quarantined: %s", name, quarantined.num_rows, reasons)
    return TableReport(
        source.describe(), n_read, n_read - quarantined.num_rows, quarantined.num_rows, reasons, examples
    )


#: The columns a quarantine file adds before the input's own.
QUARANTINE_COLUMNS = ("row", "reason")


def quarantine_columns(names: list[str]) -> list[tuple[str, str]]:
    """(input column, name in the quarantine file): an input column called ``row`` or ``reason`` is written as
    ``input_row`` / ``input_reason`` (prefixed again until the name is free), never over the bookkeeping."""
    taken = set(QUARANTINE_COLUMNS) | set(names)
    out = []
    for name in names:
        written = name
        if name in QUARANTINE_COLUMNS:
            written = f"input_{name}"
            while written in taken:
                written = f"input_{written}"
            taken.add(written)
        out.append((name, written))
    return out


def _count_reasons(quarantined: pa.Table) -> tuple[dict[str, int], dict[str, list[tuple[int, str | None]]]]:
    """Count rows per reason code (a row breaking two rules counts under both) and keep example rows."""
    if quarantined.num_rows == 0:
        return {}, {}
    codes = pc.split_pattern(quarantined.column("reason"), "; ")
    rows = pc.list_parent_indices(codes)
    flat = pc.list_flatten(codes)
    table = pa.table({"code": flat, "index": rows})
    counts = {r["values"]: r["counts"] for r in pc.value_counts(table.column("code")).to_pylist()}
    counts = dict(sorted(counts.items()))
    examples = {}
    for code in counts:
        column = code.split(":", 1)[1]
        picked = table.filter(pc.equal(table.column("code"), code)).column("index").slice(0, N_EXAMPLES)
        sample = quarantined.take(picked)
        values = pc.cast(sample.column(column), pa.string()).to_pylist()
        examples[code] = list(zip(sample.column("row").to_pylist(), values, strict=True))
    return counts, examples
