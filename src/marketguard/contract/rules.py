"""Validation rules as SQL: typing each column, and the row checks that send rows to quarantine.

Every rule yields a reason code ``<rule>:<column>``; :data:`REASONS` says what each rule means and how to fix
it. The SQL is DuckDB-dialect and rendered for Spark by the engine, so both engines quarantine the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from marketguard.contract.settings import ValidationSettings
from marketguard.contract.spec import LABEL_TARGETS, Column, Kind, TableSpec
from marketguard.contract.vocabulary import canonical_sql, enumeration_of
from marketguard.engine.base import INTERNAL_PREFIX, ROW

_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_V4 = f"({_OCTET}[.]){{3}}{_OCTET}"
_H = "[0-9a-fA-F]{1,4}"
_V6 = "|".join(
    [
        f"({_H}:){{7}}{_H}",
        f"({_H}:){{1,7}}:",
        f"({_H}:){{1,6}}:{_H}",
        f"({_H}:){{1,5}}(:{_H}){{1,2}}",
        f"({_H}:){{1,4}}(:{_H}){{1,3}}",
        f"({_H}:){{1,3}}(:{_H}){{1,4}}",
        f"({_H}:){{1,2}}(:{_H}){{1,5}}",
        f"{_H}:(:{_H}){{1,6}}",
        f":((:{_H}){{1,7}}|:)",
        f"::([fF]{{4}}(:0{{1,4}})?:)?{_V4}",
        f"({_H}:){{1,4}}:{_V4}",
    ]
)
IPV4_PATTERN = f"^{_V4}$"
IPV6_PATTERN = f"^({_V6})$"

#: What each rule means and how to fix it; keys are the rule part of a reason code.
REASONS: dict[str, tuple[str, str]] = {
    "empty": ("required value is empty", "fill the value or drop the row at the source"),
    "unparseable": (
        "value cannot be read as its type",
        "write timestamps as ISO 8601 (2025-03-01T10:00:00Z) and numbers with a dot decimal separator",
    ),
    "not_integer": ("not a whole number", "write whole numbers; a fraction here is a unit or export error"),
    "not_finite": (
        "NaN or infinite number",
        "give a real number, or leave the value empty where the column is optional",
    ),
    "implausible_time": (
        "timestamp outside the plausible range",
        "check the unit and the time zone of the source system; placeholder dates (1970-01-01, 9999-12-31) "
        "mean 'unknown': leave the value empty instead (the range is set by --min-time and --max-time)",
    ),
    "too_long": (
        "value longer than the column's limit",
        "check the export (joined fields, binary data); raise the limit with --max-length TABLE.COLUMN=N "
        "if such values are real",
    ),
    "invalid_ip": ("not an IPv4 or IPv6 address", "give the login IP address as text, e.g. 203.0.113.7"),
    "negative": ("negative value", "amounts, prices and quantities must be >= 0; refunds belong elsewhere"),
    "out_of_range": ("value outside its allowed range", "check the unit and the source system"),
    "not_allowed": (
        "value not in the allowed set",
        "use one of the documented values, or map your platform's words to them with --vocabulary",
    ),
    "duplicate_key": (
        "duplicate key: an earlier row has the same identifier (the first one is kept)",
        "make the identifier unique",
    ),
    "dangling_reference": (
        "refers to a row that is missing or was itself rejected",
        "include the referenced row, or fix the identifier",
    ),
}

#: The column listing every rule a checked row breaks ('' when none).
REASON = f"{INTERNAL_PREFIX}reason"


def finite_sql(value: str) -> str:
    """Whether a double is a real number: not NaN, not infinite (``x - x`` is 0 exactly for those).

    Not ``isnan``/``isfinite``: DuckDB folds them away with a Parquet column's statistics, which leave NaN out, so
    a NaN read from Parquet passes them; and Spark SQL has no ``isfinite``. The corpus tests pin this."""
    return f"(({value}) - ({value}) = 0)"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def raw_alias(name: str) -> str:
    """The column's value as the user wrote it, beside its typed twin in checked rows."""
    return quote(f"{INTERNAL_PREFIX}raw_{name}")


def number_alias(name: str) -> str:
    """An integer column read as a number, so that 4.5 can be told from 'four'."""
    return quote(f"{INTERNAL_PREFIX}num_{name}")


TEXT_TYPES = ("string", "large_string", "string_view")
INTEGER_TYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")

#: Raw columns of a loaded table: name -> Arrow type name (``"string"`` for CSV input).
RawColumns = dict[str, str]


def blank_sql(value: str) -> str:
    """Whether text is empty or only spaces. ``trim`` is costly on millions of values, so it runs only on text
    that sorts below '!' (empty, or starting with a space or a control character): every blank value does."""
    return f"({value} < '!' AND trim({value}) = '')"


def is_present_sql(raw: str, text: bool = True) -> str:
    """A raw value is present when it is not NULL and, for text, not blank."""
    return f"({raw} IS NOT NULL AND NOT {blank_sql(raw)})" if text else f"({raw} IS NOT NULL)"


def too_long_sql(raw: str, limit: int) -> str:
    """More than ``limit`` characters; the byte length (free) rules out almost every value first."""
    return f"(strlen({raw}) > {limit} AND length({raw}) > {limit})"


def _words(spec: TableSpec, col: Column, settings: ValidationSettings) -> dict[str, str]:
    enumeration = enumeration_of(spec.name, col.name)
    return settings.vocabulary.words(enumeration.name) if enumeration else {}


def number_sql(col: Column, raw: str, raw_type: str, words: Mapping[str, str]) -> str:
    """An integer column's value read as a double (NULL when absent or not a number)."""
    if raw_type not in TEXT_TYPES:
        return f"TRY_CAST({raw} AS DOUBLE)"
    mapped = canonical_sql(raw, words)
    return f"CASE WHEN {is_present_sql(raw)} THEN TRY_CAST({mapped} AS DOUBLE) END"


def typed_sql(
    spec: TableSpec, col: Column, raw: str | None, raw_type: str, settings: ValidationSettings
) -> str:
    """The column read as its contract type; unreadable values become NULL (and are caught by a rule).

    Columns stored with a native type (Parquet, DuckDB) are cast directly, never through text. Blank text is
    NULL whatever the file format (a CSV reads an empty field as missing; a Parquet file may hold ''), and an
    enumerated column's words become the vocabulary's terms.
    """
    if raw is None:
        return f"CAST(NULL AS {col.kind.sql_type})"
    text = raw_type in TEXT_TYPES
    words = _words(spec, col, settings)
    if col.kind in (Kind.STRING, Kind.IP):
        value = raw if text else f"CAST({raw} AS VARCHAR)"
        return f"CASE WHEN {blank_sql(value)} THEN NULL ELSE {canonical_sql(value, words)} END"
    if col.kind is Kind.INT:
        if raw_type in INTEGER_TYPES:
            return f"CAST({raw} AS BIGINT)"
        number = number_sql(col, raw, raw_type, words)
        return (
            f"CASE WHEN {finite_sql(number)} AND abs({number}) < 9.0e18 AND {number} = round({number}, 0) "
            f"THEN CAST({number} AS BIGINT) END"
        )
    if not text:
        return f"TRY_CAST({raw} AS {col.kind.sql_type})"
    readable = is_present_sql(raw)
    if col.kind is Kind.TIMESTAMP:
        readable = f"{readable} AND NOT {_time_word_sql(raw)}"
    return f"CASE WHEN {readable} THEN TRY_CAST({raw} AS {col.kind.sql_type}) END"


#: Words DuckDB reads as times and Spark does not: placeholders, not events, and unreadable on both engines.
TIME_WORDS = ("infinity", "-infinity", "epoch")


def _time_word_sql(raw: str) -> str:
    """Whether text is one of :data:`TIME_WORDS` (only text not starting with a digit is lower-cased)."""
    words = ", ".join(f"'{w}'" for w in TIME_WORDS)
    return f"(NOT ({raw} >= '0' AND {raw} < ':') AND lower(trim({raw})) IN ({words}))"


def ip_valid_sql(value: str) -> str:
    return (
        f"(regexp_matches({value}, '{IPV4_PATTERN}') "
        f"OR (contains({value}, ':') AND regexp_matches({value}, '{IPV6_PATTERN}')))"
    )


def _time_literal(value: datetime) -> str:
    return f"CAST('{value.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}+00' AS TIMESTAMPTZ)"


def column_checks(
    spec: TableSpec, raw_columns: RawColumns, settings: ValidationSettings
) -> list[tuple[str, str]]:
    """(reason code, condition) pairs for one row of ``spec``; conditions read typed columns and raw aliases."""
    checks: list[tuple[str, str]] = []
    for col in spec.columns:
        if col.name not in raw_columns:
            continue
        name, raw, raw_type = quote(col.name), raw_alias(col.name), raw_columns[col.name]
        text = raw_type in TEXT_TYPES
        present = is_present_sql(raw, text)
        if col.required:
            checks.append((f"empty:{col.name}", f"NOT {present}"))
        checks += _type_checks(col, name, raw, raw_type, present, settings)
        finite = finite_sql(name) if col.kind is Kind.FLOAT else "TRUE"
        if col.min is not None:
            code = "negative" if col.min == 0 else "out_of_range"
            checks.append((f"{code}:{col.name}", f"{finite} AND {name} < {col.min}"))
        if col.max is not None:
            checks.append((f"out_of_range:{col.name}", f"{finite} AND {name} > {col.max}"))
        limit = settings.max_length(spec.name, col.name) if text else None
        if limit is not None:
            checks.append((f"too_long:{col.name}", too_long_sql(raw, limit)))
        enumeration = enumeration_of(spec.name, col.name)
        if enumeration is not None and enumeration.closed and col.kind is Kind.STRING:
            values = ", ".join(f"'{t.value}'" for t in enumeration.terms)
            checks.append((f"not_allowed:{col.name}", f"{present} AND {name} NOT IN ({values})"))
    return checks


def _type_checks(
    col: Column, name: str, raw: str, raw_type: str, present: str, settings: ValidationSettings
) -> list[tuple[str, str]]:
    """Rules about reading the value as its type: unreadable, fractional, not finite, implausible time."""
    if col.kind is Kind.IP:
        return [(f"invalid_ip:{col.name}", f"{present} AND NOT {ip_valid_sql(name)}")]
    if col.kind is Kind.INT and raw_type not in INTEGER_TYPES:
        number = number_alias(col.name)
        return [
            (f"unparseable:{col.name}", f"{present} AND {number} IS NULL"),
            (f"not_integer:{col.name}", f"{number} IS NOT NULL AND {name} IS NULL"),
        ]
    if col.kind is Kind.STRING or col.kind is Kind.INT:
        return []
    checks = [(f"unparseable:{col.name}", f"{present} AND {name} IS NULL")]
    if col.kind is Kind.FLOAT:
        checks.append((f"not_finite:{col.name}", f"NOT {finite_sql(name)}"))
    if col.kind is Kind.TIMESTAMP:
        low, high = _time_literal(settings.min_time), _time_literal(settings.resolved_max_time())
        checks.append((f"implausible_time:{col.name}", f"({name} < {low} OR {name} > {high})"))
    return checks


def _typed_columns(spec: TableSpec, raw_columns: RawColumns, settings: ValidationSettings) -> list[str]:
    return [
        f"{typed_sql(spec, c, quote(c.name) if c.name in raw_columns else None, raw_columns.get(c.name, 'string'), settings)} "
        f"AS {quote(c.name)}"
        for c in spec.columns
    ]


def extra_columns(spec: TableSpec, raw_columns: RawColumns) -> list[str]:
    """Input columns the contract does not name: kept and ignored."""
    return [c for c in raw_columns if c not in spec.column_names and c != ROW]


def checked_sql(
    spec: TableSpec,
    raw_columns: RawColumns,
    accepted: set[str],
    raw_table: str,
    settings: ValidationSettings,
) -> str:
    """Rows of ``raw_table`` typed, with :data:`REASON` listing every rule they break ('' when none).

    References are checked against the already *accepted* parent tables, so the accepted dataset is closed
    under references: a rejected store also rejects its listings.
    """
    present = set(raw_columns)
    extras = extra_columns(spec, raw_columns)
    select = [ROW]
    select += [f"{quote(c.name)} AS {raw_alias(c.name)}" for c in spec.columns if c.name in present]
    select += [
        f"{number_sql(c, quote(c.name), raw_columns[c.name], _words(spec, c, settings))} AS {number_alias(c.name)}"
        for c in spec.columns
        if c.kind is Kind.INT and c.name in present and raw_columns[c.name] not in INTEGER_TYPES
    ]
    select += _typed_columns(spec, raw_columns, settings)
    select += [quote(e) for e in extras]
    checks = column_checks(spec, raw_columns, settings)
    joins: list[str] = []
    if spec.key and spec.key in present:
        checks.append(
            (
                f"duplicate_key:{spec.key}",
                f"row_number() OVER (PARTITION BY t.{quote(spec.key)} ORDER BY t.{ROW}) > 1 "
                f"AND t.{quote(spec.key)} IS NOT NULL",
            )
        )
    for i, col in enumerate(c for c in spec.columns if c.references and c.name in present):
        parent, parent_col = col.references  # type: ignore[misc]
        if parent not in accepted:
            continue
        ref = quote(f"{INTERNAL_PREFIX}ref{i}")
        joins.append(
            f"LEFT JOIN (SELECT {quote(parent_col)} AS {ref} FROM {parent}) p{i} ON t.{quote(col.name)} = p{i}.{ref}"
        )
        checks.append(
            (f"dangling_reference:{col.name}", f"t.{quote(col.name)} IS NOT NULL AND p{i}.{ref} IS NULL")
        )
    if spec.name == "labels":
        label_join, label_check = _label_reference(accepted)
        if label_join:
            joins.append(label_join)
            checks.append(("dangling_reference:entity_id", label_check))
    reasons = ", ".join(f"CASE WHEN {cond} THEN '{code}' END" for code, cond in checks) or "NULL"
    kept = [f"t.{ROW}"] + [f"t.{quote(c.name)}" for c in spec.columns] + [f"t.{quote(e)}" for e in extras]
    return (
        f"SELECT {', '.join(kept)}, concat_ws('; ', {reasons}) AS {REASON} "
        f"FROM (SELECT {', '.join(select)} FROM {raw_table}) t " + " ".join(joins)
    )


def _label_reference(accepted: set[str]) -> tuple[str, str]:
    """labels.entity_id must exist in the table its entity_type names (when that table is present)."""
    etype, eid = quote(f"{INTERNAL_PREFIX}etype"), quote(f"{INTERNAL_PREFIX}eid")
    parts = [
        f"SELECT '{entity}' AS {etype}, {col} AS {eid} FROM {table}"
        for entity, (table, col) in LABEL_TARGETS.items()
        if table in accepted
    ]
    if not parts:
        return "", ""
    checked = ", ".join(f"'{e}'" for e, (t, _) in LABEL_TARGETS.items() if t in accepted)
    join = (
        f"LEFT JOIN ({' UNION ALL '.join(parts)}) le ON t.entity_type = le.{etype} AND t.entity_id = le.{eid}"
    )
    return join, f"t.entity_type IN ({checked}) AND t.entity_id IS NOT NULL AND le.{eid} IS NULL"


def has_reason_sql(code: str) -> str:
    """Whether a :data:`REASON` list contains exactly ``code``."""
    return f"list_contains(string_split({REASON}, '; '), '{code}')"


#: The rules that mark a value unreadable as its column's type (a column most of whose values break them has
#: a format problem, not bad rows).
UNREADABLE_RULES: dict[Kind, tuple[str, ...]] = {
    Kind.TIMESTAMP: ("unparseable",),
    Kind.FLOAT: ("unparseable",),
    Kind.INT: ("unparseable", "not_integer"),  # mostly fractions: a scale (half stars) or unit, not bad rows
    Kind.IP: ("invalid_ip",),
}


def typed_projection_sql(
    spec: TableSpec, raw_columns: RawColumns, raw_table: str, settings: ValidationSettings
) -> str:
    """The raw table with every contract column read as its type (NULL where unreadable) and extras kept."""
    select = [ROW, *_typed_columns(spec, raw_columns, settings)]
    select += [quote(e) for e in extra_columns(spec, raw_columns)]
    return f"SELECT {', '.join(select)} FROM {raw_table}"


def type_stats_sql(spec: TableSpec, raw_columns: RawColumns, raw_table: str, rejected_table: str) -> str:
    """Rows read (``n_read``) and rejected (``n_rejected``); per typed column: present values (raw), unreadable
    values and the first unreadable row (rejected). One aggregate over each table: a scalar subquery per column
    is a scan per column (on Spark a job each: most of a Spark validation's time)."""
    raw = ["count(*) AS n_read"]
    rejected = ["count(*) AS n_rejected"]
    for col in spec.columns:
        if col.name not in raw_columns or col.kind not in UNREADABLE_RULES:
            continue
        present = is_present_sql(quote(col.name), raw_columns[col.name] in TEXT_TYPES)
        bad = " OR ".join(has_reason_sql(f"{rule}:{col.name}") for rule in UNREADABLE_RULES[col.kind])
        raw.append(f"count(CASE WHEN {present} THEN 1 END) AS {quote('present__' + col.name)}")
        rejected += [
            f"count(CASE WHEN {bad} THEN 1 END) AS {quote('bad__' + col.name)}",
            f"min(CASE WHEN {bad} THEN {ROW} END) AS {quote('row__' + col.name)}",
        ]
    return (
        f"SELECT * FROM (SELECT {', '.join(raw)} FROM {raw_table}) r "
        f"CROSS JOIN (SELECT {', '.join(rejected)} FROM {rejected_table}) q"
    )
