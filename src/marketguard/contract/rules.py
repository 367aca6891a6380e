"""Validation rules as SQL: typing each column, and the row checks that send rows to quarantine.

Every rule yields a reason code ``<rule>:<column>``; :data:`REASONS` says what each rule means and how to fix
it. The SQL is DuckDB-dialect and rendered for Spark by the engine, so both engines quarantine the same rows.
"""

from __future__ import annotations

from marketguard.contract.spec import LABEL_TARGETS, Column, Kind, TableSpec
from marketguard.engine.base import ROW

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
    "invalid_ip": ("not an IPv4 or IPv6 address", "give the login IP address as text, e.g. 203.0.113.7"),
    "negative": ("negative value", "amounts, prices and quantities must be >= 0; refunds belong elsewhere"),
    "out_of_range": ("value outside its allowed range", "check the unit and the source system"),
    "not_allowed": ("value not in the allowed set", "use one of the documented values"),
    "duplicate_key": (
        "duplicate key: an earlier row has the same identifier (the first one is kept)",
        "make the identifier unique",
    ),
    "dangling_reference": (
        "refers to a row that is missing or was itself rejected",
        "include the referenced row, or fix the identifier",
    ),
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def raw_alias(name: str) -> str:
    return quote(f"_raw_{name}")


TEXT_TYPES = ("string", "large_string", "string_view")

#: Raw columns of a loaded table: name -> Arrow type name (``"string"`` for CSV input).
RawColumns = dict[str, str]


def is_present_sql(raw: str, text: bool = True) -> str:
    """A raw value is present when it is not NULL and, for text, not blank."""
    return f"({raw} IS NOT NULL AND trim({raw}) <> '')" if text else f"({raw} IS NOT NULL)"


def typed_sql(col: Column, raw: str | None, raw_type: str = "string") -> str:
    """The column read as its contract type; unreadable values become NULL (and are caught by a rule).

    Columns already stored with a native type (Parquet, DuckDB) are cast directly, never through text.
    """
    if raw is None:
        return f"CAST(NULL AS {col.kind.sql_type})"
    text = raw_type in TEXT_TYPES
    if col.kind in (Kind.STRING, Kind.IP):
        return raw if text else f"CAST({raw} AS VARCHAR)"
    if not text:
        return f"TRY_CAST({raw} AS {col.kind.sql_type})"
    return f"CASE WHEN {is_present_sql(raw)} THEN TRY_CAST({raw} AS {col.kind.sql_type}) END"


def ip_valid_sql(value: str) -> str:
    return (
        f"(regexp_matches({value}, '{IPV4_PATTERN}') "
        f"OR (contains({value}, ':') AND regexp_matches({value}, '{IPV6_PATTERN}')))"
    )


def column_checks(spec: TableSpec, raw_columns: RawColumns) -> list[tuple[str, str]]:
    """(reason code, condition) pairs for one row of ``spec``; conditions read typed columns and raw aliases."""
    checks: list[tuple[str, str]] = []
    for col in spec.columns:
        name, raw = quote(col.name), raw_alias(col.name)
        if col.name not in raw_columns:
            continue
        present = is_present_sql(raw, raw_columns[col.name] in TEXT_TYPES)
        if col.required:
            checks.append((f"empty:{col.name}", f"NOT {present}"))
        if col.kind not in (Kind.STRING, Kind.IP):
            checks.append((f"unparseable:{col.name}", f"{present} AND {name} IS NULL"))
        if col.kind is Kind.IP:
            checks.append((f"invalid_ip:{col.name}", f"{present} AND NOT {ip_valid_sql(name)}"))
        if col.min is not None:
            code = "negative" if col.min == 0 else "out_of_range"
            checks.append((f"{code}:{col.name}", f"{name} < {col.min}"))
        if col.max is not None:
            checks.append((f"out_of_range:{col.name}", f"{name} > {col.max}"))
        if col.allowed is not None:
            values = ", ".join(f"'{v}'" for v in col.allowed)
            checks.append((f"not_allowed:{col.name}", f"{present} AND {name} NOT IN ({values})"))
    return checks


def checked_sql(spec: TableSpec, raw_columns: RawColumns, accepted: set[str], raw_table: str) -> str:
    """Rows of ``raw_table`` typed, with ``_reason`` listing every rule they break ('' when none).

    References are checked against the already *accepted* parent tables, so the accepted dataset is closed
    under references: a rejected store also rejects its listings.
    """
    present = set(raw_columns)
    extras = [c for c in raw_columns if c not in spec.column_names and c != ROW]
    select = [ROW]
    select += [f"{quote(c.name)} AS {raw_alias(c.name)}" for c in spec.columns if c.name in present]
    select += [
        f"{typed_sql(c, quote(c.name) if c.name in present else None, raw_columns.get(c.name, 'string'))} "
        f"AS {quote(c.name)}"
        for c in spec.columns
    ]
    select += [quote(e) for e in extras]
    checks = column_checks(spec, raw_columns)
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
        joins.append(
            f"LEFT JOIN (SELECT {quote(parent_col)} AS _ref{i} FROM {parent}) p{i} "
            f"ON t.{quote(col.name)} = p{i}._ref{i}"
        )
        checks.append(
            (f"dangling_reference:{col.name}", f"t.{quote(col.name)} IS NOT NULL AND p{i}._ref{i} IS NULL")
        )
    if spec.name == "labels":
        label_join, label_check = _label_reference(accepted)
        if label_join:
            joins.append(label_join)
            checks.append(("dangling_reference:entity_id", label_check))
    reasons = ", ".join(f"CASE WHEN {cond} THEN '{code}' END" for code, cond in checks) or "NULL"
    kept = [f"t.{ROW}"] + [f"t.{quote(c.name)}" for c in spec.columns] + [f"t.{quote(e)}" for e in extras]
    return (
        f"SELECT {', '.join(kept)}, concat_ws('; ', {reasons}) AS _reason "
        f"FROM (SELECT {', '.join(select)} FROM {raw_table}) t " + " ".join(joins)
    )


def _label_reference(accepted: set[str]) -> tuple[str, str]:
    """labels.entity_id must exist in the table its entity_type names (when that table is present)."""
    parts = [
        f"SELECT '{etype}' AS _etype, {col} AS _eid FROM {table}"
        for etype, (table, col) in LABEL_TARGETS.items()
        if table in accepted
    ]
    if not parts:
        return "", ""
    checked = ", ".join(f"'{e}'" for e, (t, _) in LABEL_TARGETS.items() if t in accepted)
    join = (
        f"LEFT JOIN ({' UNION ALL '.join(parts)}) le ON t.entity_type = le._etype AND t.entity_id = le._eid"
    )
    return join, f"t.entity_type IN ({checked}) AND t.entity_id IS NOT NULL AND le._eid IS NULL"


def has_reason_sql(code: str) -> str:
    """Whether a ``_reason`` list contains exactly ``code``."""
    return f"list_contains(string_split(_reason, '; '), '{code}')"


#: The rule that marks a value unreadable as its column's type.
UNREADABLE_RULE = {
    Kind.TIMESTAMP: "unparseable",
    Kind.FLOAT: "unparseable",
    Kind.INT: "unparseable",
    Kind.IP: "invalid_ip",
}


def typed_projection_sql(spec: TableSpec, raw_columns: RawColumns, raw_table: str) -> str:
    """The raw table with every contract column read as its type (NULL where unreadable) and extras kept."""
    present = set(raw_columns)
    extras = [c for c in raw_columns if c not in spec.column_names and c != ROW]
    select = [ROW]
    select += [
        f"{typed_sql(c, quote(c.name) if c.name in present else None, raw_columns.get(c.name, 'string'))} "
        f"AS {quote(c.name)}"
        for c in spec.columns
    ]
    select += [quote(e) for e in extras]
    return f"SELECT {', '.join(select)} FROM {raw_table}"


def type_stats_sql(spec: TableSpec, raw_columns: RawColumns, raw_table: str, rejected_table: str) -> str:
    """Per typed column: present values (raw), unreadable values and the first unreadable row (rejected)."""
    parts = []
    for col in spec.columns:
        if col.name not in raw_columns or col.kind not in UNREADABLE_RULE:
            continue
        bad = has_reason_sql(f"{UNREADABLE_RULE[col.kind]}:{col.name}")
        parts += [
            f"(SELECT count(*) FROM {raw_table} WHERE "
            f"{is_present_sql(quote(col.name), raw_columns[col.name] in TEXT_TYPES)}) AS {quote('present__' + col.name)}",
            f"(SELECT count(*) FROM {rejected_table} WHERE {bad}) AS {quote('bad__' + col.name)}",
            f"(SELECT min({ROW}) FROM {rejected_table} WHERE {bad}) AS {quote('row__' + col.name)}",
        ]
    return f"SELECT {', '.join(parts) or '1 AS none'}"
