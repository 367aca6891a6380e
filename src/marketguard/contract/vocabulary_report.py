"""What the accepted tables say in the contract's vocabulary: rows per term, and the words that matched none.

Read after validation (the accepted tables already hold canonical terms), so that a platform's unmapped words
are named with their counts ("transfers.kind: 2 values are not in the vocabulary: 'SETTLE' 4,210 rows ..."),
and so that a stage which needs a term the data never uses (no settlement at all) can say so instead of
computing zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marketguard.contract.rules import quote
from marketguard.contract.vocabulary import (
    ENUMERATIONS,
    PLATFORM,
    SETTLEMENT,
    Enumeration,
)
from marketguard.engine.base import Backend

#: Unknown values named in a warning, most frequent first (the rest are counted): enough to recognise a
#: platform's words without printing a column of free text.
N_SHOWN = 5


@dataclass
class EnumerationCounts:
    """Rows per canonical term of one enumeration, and the most frequent values outside it."""

    name: str
    terms: dict[str, int]
    unknown: dict[str, int] = field(default_factory=dict)
    n_unknown_values: int = 0
    n_unknown_rows: int = 0
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "terms": self.terms,
            "unknown": self.unknown,
            "n_unknown_values": self.n_unknown_values,
            "n_unknown_rows": self.n_unknown_rows,
            "hint": self.hint,
        }


@dataclass
class VocabularyReport:
    """Per enumeration whose table was given: its counts. Empty when nothing was validated."""

    enumerations: dict[str, EnumerationCounts] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"transfers.kind": {"settlement": 1200, ...}}``: what stages check before reading a term."""
        return {name: dict(e.terms) for name, e in self.enumerations.items()}

    def to_dict(self) -> dict[str, Any]:
        return {name: e.to_dict() for name, e in self.enumerations.items()}

    def lines(self) -> list[str]:
        """Warnings: unknown words of open enumerations, and terms an analysis needs that never occur."""
        return [line for e in self.enumerations.values() if (line := _warning(e))]


def vocabulary_report(backend: Backend, accepted: frozenset[str]) -> VocabularyReport:
    """Count every enumeration of the accepted tables (one small aggregate per enumeration)."""
    out = {}
    for e in ENUMERATIONS.values():
        if e.table not in accepted:
            continue
        rows = backend.fetch(_counts_sql(e), f"vocabulary {e.name}").to_pylist()
        terms = {t.value: 0 for t in e.terms}
        unknown: dict[str, int] = {}
        n_values = n_rows = 0
        for r in rows:
            if r["known"]:
                terms[r["value"]] = int(r["n"])
            else:
                unknown[r["value"]] = int(r["n"])
            n_values, n_rows = int(r["n_unknown_values"] or 0), int(r["n_unknown_rows"] or 0)
        counts = EnumerationCounts(e.name, terms, unknown, n_values, n_rows)
        if e.name == "transfers.party":
            counts = EnumerationCounts(e.name, terms, hint=_platform_hint(backend, terms))
        out[e.name] = counts
    return VocabularyReport(out)


def _counts_sql(e: Enumeration) -> str:
    """Rows per value of the enumeration's columns: every term, and the :data:`N_SHOWN` commonest others.

    Party columns hold account ids besides the two terms, so only the terms are counted there.
    """
    values = " UNION ALL ".join(f"SELECT {quote(c)} AS value FROM {e.table}" for c in e.columns)
    terms = ", ".join("'" + t.value.replace("'", "''") + "'" for t in e.terms)
    only_terms = f"AND CAST(value AS VARCHAR) IN ({terms})" if e.name == "transfers.party" else ""
    return (
        f"WITH v AS (SELECT CAST(value AS VARCHAR) AS value, count(*) AS n FROM ({values}) x "
        f"WHERE value IS NOT NULL {only_terms} GROUP BY CAST(value AS VARCHAR)), "
        f"k AS (SELECT value, n, value IN ({terms}) AS known FROM v), "
        "r AS (SELECT value, n, known, "
        "row_number() OVER (PARTITION BY known ORDER BY n DESC, value) AS pos, "
        "sum(CASE WHEN known THEN 0 ELSE 1 END) OVER () AS n_unknown_values, "
        "sum(CASE WHEN known THEN 0 ELSE n END) OVER () AS n_unknown_rows FROM k) "
        f"SELECT value, n, known, n_unknown_values, n_unknown_rows FROM r WHERE known OR pos <= {N_SHOWN} "
        "ORDER BY known DESC, n DESC, value"
    )


def _platform_hint(backend: Backend, terms: dict[str, int]) -> str:
    """When no transfer names the platform: who pays the settlements, the likeliest platform party."""
    if terms.get(PLATFORM):
        return ""
    rows = backend.fetch(
        f"SELECT from_party AS party, count(*) AS n FROM transfers WHERE kind = '{SETTLEMENT}' "
        "GROUP BY from_party ORDER BY n DESC, party LIMIT 1",
        "vocabulary platform party",
    ).to_pylist()
    if not rows:
        return ""
    return f"settlements are paid by {rows[0]['party']!r} ({rows[0]['n']:,} transfers)"


def _warning(e: EnumerationCounts) -> str:
    enumeration = ENUMERATIONS[e.name]
    section = f"[{e.name}]"
    if e.name == "stores.template" and sum(e.terms.values()) == 0 and e.unknown:
        common = ", ".join(f"{v!r} ({n:,} stores)" for v, n in e.unknown.items())
        return (
            f"stores.template: no store uses the default template 'basic' (commonest: {common}), so the "
            f"basic_template signal is left out. If one of them is your platform's default, map it with "
            f"--vocabulary: {section} basic = [...]"
        )
    if e.name == "transfers.party" and not e.terms.get(PLATFORM):
        seen = f"; {e.hint}" if e.hint else ""
        return (
            f"transfers.from_party: no transfer comes from the platform party 'PLATFORM'{seen}. Map your "
            f"platform's party with --vocabulary: {section} platform = [...]"
        )
    if enumeration.closed or not e.n_unknown_values or e.name == "stores.template":
        return ""
    shown = ", ".join(f"{v!r} ({n:,} rows)" for v, n in e.unknown.items())
    more = f" and {e.n_unknown_values - len(e.unknown):,} more" if e.n_unknown_values > len(e.unknown) else ""
    terms = ", ".join(t.value for t in enumeration.terms)
    return (
        f"{e.name}: {e.n_unknown_values:,} value{'s' if e.n_unknown_values != 1 else ''} in "
        f"{e.n_unknown_rows:,} rows match no term ({shown}{more}) and are treated as other values. If they mean "
        f"{terms}, map them with --vocabulary: {section} <term> = [...]"
    )
