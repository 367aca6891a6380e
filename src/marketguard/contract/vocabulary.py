"""The contract's vocabulary: the values of enumerated columns that marketguard's analyses read, and a mapping
from a platform's own words to them.

Platforms export their own words ("SETTLE", "payout", "默认模板"). The analyses read only the canonical values
below; validation rewrites a platform's words to them, case-insensitively, in the accepted tables, so every later
step sees one spelling. A closed enumeration rejects other values (``not_allowed``); an open one keeps them (a
transfer kind marketguard has no use for is still a transfer) and reports them with counts, so a user sees at
once that "SETTLE" was not understood instead of reading zeros.

A mapping is a TOML file (``--vocabulary map.toml``) or a dict, one section per enumeration, one key per
canonical term, each listing the platform's words for it::

    [transfers.kind]
    settlement = ["SETTLE", "payout"]
    withdrawal = "cash_out"

    [transfers.party]
    platform = "TMALL-SETTLEMENT-CENTRE"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marketguard.errors import ParameterError

__all__ = [
    "CASH",
    "ENUMERATIONS",
    "PLATFORM",
    "Enumeration",
    "Term",
    "Vocabulary",
]

#: The canonical party names: who pays settlements, and where withdrawn cash goes (the ledger's two ends that
#: are not accounts).
PLATFORM, CASH = "PLATFORM", "CASH"

#: Canonical transfer kinds the analyses read.
SETTLEMENT, WITHDRAWAL, PAYMENT, FEE, TRANSFER = "settlement", "withdrawal", "payment", "fee", "transfer"

#: The platform's default shop template.
BASIC_TEMPLATE = "basic"


@dataclass(frozen=True)
class Term:
    """One canonical value and what it means."""

    value: str
    meaning: str
    name: str = ""  # the key a mapping uses (defaults to the value in lower case)

    @property
    def key(self) -> str:
        return self.name or self.value.lower()


@dataclass(frozen=True)
class Enumeration:
    """An enumerated column (or columns sharing one set of values) and its canonical terms.

    ``closed``: other values are rejected (``not_allowed``); otherwise they are kept and counted.
    ``used_by`` says which analyses read the terms (shown in the documentation and in warnings).
    """

    name: str
    table: str
    columns: tuple[str, ...]
    terms: tuple[Term, ...]
    closed: bool
    used_by: str

    def term(self, key: str) -> Term | None:
        return next((t for t in self.terms if t.key == key.lower()), None)


ENUMERATIONS: dict[str, Enumeration] = {
    e.name: e
    for e in [
        Enumeration(
            "transfers.kind",
            "transfers",
            ("kind",),
            (
                Term(SETTLEMENT, "the platform pays a store's sales into its owner's bank account"),
                Term(WITHDRAWAL, "money leaves the ledger as cash"),
                Term(PAYMENT, "a payment for goods or services, e.g. to a supplier"),
                Term(FEE, "a fee, e.g. an e-commerce agency's monthly fee"),
                Term(TRANSFER, "any other movement between two parties"),
            ),
            closed=False,
            used_by="the money signals of store risk and the money trail; other kinds count as plain transfers",
        ),
        Enumeration(
            "transfers.party",
            "transfers",
            ("from_party", "to_party"),
            (
                Term(PLATFORM, "the platform, which pays the settlements", "platform"),
                Term(CASH, "cash: where withdrawals go", "cash"),
            ),
            closed=False,
            used_by="the money trail (the ledger's ends that are not parties); every other value is a party id",
        ),
        Enumeration(
            "stores.template",
            "stores",
            ("template",),
            (
                Term(
                    BASIC_TEMPLATE,
                    "the platform's default shop template, kept by stores that never customise",
                ),
            ),
            closed=False,
            used_by="the storefront signal basic_template; other values are custom templates",
        ),
        Enumeration(
            "labels.entity_type",
            "labels",
            ("entity_type",),
            (
                Term("store", "labels.entity_id is a stores.store_id"),
                Term("account", "labels.entity_id is an accounts.account_id"),
                Term("review", "labels.entity_id is a reviews.review_id"),
                Term("declaration", "labels.entity_id is a declarations.declaration_id"),
            ),
            closed=True,
            used_by="training and evaluation",
        ),
        Enumeration(
            "labels.label",
            "labels",
            ("label",),
            (
                Term("1", "counterfeit or fraudulent (a confirmed finding)"),
                Term("0", "legitimate (investigated and cleared)"),
            ),
            closed=True,
            used_by="training and evaluation",
        ),
    ]
}


def _words(value: Any, where: str) -> list[str]:
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise ParameterError(
            f"The vocabulary entry {where} must be a non-empty word or list of words. Got {value!r} instead."
        )
    return [w.strip() for w in words]


@dataclass(frozen=True)
class Vocabulary:
    """A platform's words for the canonical terms: ``synonyms[enumeration][word in lower case] = value``.

    Canonical values always match themselves, in any case; a mapping adds words, it never removes a term.
    """

    synonyms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: str = ""  # where the mapping came from, for messages

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], source: str = "the vocabulary") -> Vocabulary:
        """Read ``{"transfers.kind": {"settlement": ["SETTLE"]}}``; TOML's nested tables are accepted too."""
        flat = _flatten(mapping)
        synonyms: dict[str, dict[str, str]] = {}
        for name, entries in flat.items():
            enumeration = ENUMERATIONS.get(name)
            if enumeration is None:
                raise ParameterError(
                    f"{source}: unknown section [{name}]. Sections are: {', '.join(ENUMERATIONS)}."
                )
            words: dict[str, str] = {}
            for key, value in entries.items():
                term = enumeration.term(str(key))
                if term is None:
                    keys = ", ".join(t.key for t in enumeration.terms)
                    raise ParameterError(f"{source}: [{name}] has no term {key!r}. Terms are: {keys}.")
                for word in _words(value, f"[{name}] {key}"):
                    other = words.get(word.lower())
                    if other is not None and other != term.value:
                        raise ParameterError(
                            f"{source}: [{name}] maps {word!r} to both {other!r} and {term.value!r}."
                        )
                    words[word.lower()] = term.value
            synonyms[name] = words
        return cls(synonyms, source)

    @classmethod
    def load(cls, path: Path | str) -> Vocabulary:
        """Read a TOML mapping file; a file that cannot be read or parsed is a :class:`ParameterError`."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ParameterError(f"cannot read the vocabulary file {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"the vocabulary file {path} is not valid TOML: {exc}") from exc
        return cls.from_mapping(data, str(path))

    def words(self, name: str) -> dict[str, str]:
        """Every word (lower case) that reads as a term of enumeration ``name``, canonical values included."""
        out = {t.value.lower(): t.value for t in ENUMERATIONS[name].terms}
        out.update(self.synonyms.get(name, {}))
        return out

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {name: dict(words) for name, words in self.synonyms.items()}


def _flatten(mapping: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``{"transfers": {"kind": {...}}}`` (TOML's ``[transfers.kind]``) and ``{"transfers.kind": {...}}`` alike."""
    out: dict[str, Mapping[str, Any]] = {}
    for key, value in mapping.items():
        if not isinstance(value, Mapping):
            raise ParameterError(f"the vocabulary must map sections to tables of terms; {key!r} is {value!r}")
        if key in ENUMERATIONS:
            out[key] = value
            continue
        for sub, entries in value.items():
            if not isinstance(entries, Mapping):
                raise ParameterError(
                    f"the vocabulary must map sections to tables of terms; [{key}] has {sub!r} = {entries!r}"
                )
            out[f"{key}.{sub}"] = entries
    return out


def enumeration_of(table: str, column: str) -> Enumeration | None:
    """The enumeration a column's values belong to, if any."""
    return next((e for e in ENUMERATIONS.values() if e.table == table and column in e.columns), None)


def canonical_sql(raw: str, words: Mapping[str, str]) -> str:
    """``raw`` with every known word (case-insensitive, surrounding blanks ignored) replaced by its term."""
    if not words:
        return raw
    cases = " ".join(f"WHEN {_literal(w)} THEN {_literal(v)}" for w, v in sorted(words.items()))
    # Most values are identifiers longer than any word that begin and end in printable ASCII (not blank, so
    # trimming keeps them whole): they cannot match, since lower-casing never shortens a text. Skipping their
    # lower-casing and trimming, which DuckDB evaluates once per word, more than halves the cost of reading the
    # column (5.2M transfers: 2.0-2.5 s to 0.9-1.0 s for the whole table).
    longest = max(len(w) for w in words)
    could = (
        f"(length({raw}) <= {longest} OR NOT (left({raw}, 1) BETWEEN '!' AND '~' "
        f"AND right({raw}, 1) BETWEEN '!' AND '~'))"
    )
    return f"CASE WHEN {could} THEN CASE lower(trim({raw})) {cases} ELSE {raw} END ELSE {raw} END"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def vocabulary_markdown() -> str:
    """The enumerations as Markdown (``docs/data-contract.md`` embeds it; a test keeps them in step)."""
    lines = ["| values of | term (mapping key) | meaning | closed | read by |", "|---|---|---|---|---|"]
    for e in ENUMERATIONS.values():
        where = ", ".join(f"`{e.table}.{c}`" for c in e.columns)
        for i, t in enumerate(e.terms):
            key = f"`{t.value}`" + (f" (`{t.key}`)" if t.key != t.value else "")
            head = (where, "yes" if e.closed else "no", e.used_by) if i == 0 else ("", "", "")
            lines.append(f"| {head[0]} | {key} | {t.meaning} | {head[1]} | {head[2]} |")
    return "\n".join(lines)
