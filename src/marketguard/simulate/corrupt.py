"""Plant bad rows of every validation rule into a marketplace, with the exact quarantine counts to expect.

Used by the validation tests and benchmark: validation must quarantine exactly the planted rows, no more and
no fewer. Rows are planted where no other table refers to them (leaf rows), so no rejection cascades and the
expected count of each (table, reason) is the number planted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Corruption", "corrupt"]


@dataclass
class Corruption:
    """The corrupted tables and, per table and reason code, how many rows were planted."""

    tables: dict[str, pa.Table]
    expected: dict[str, dict[str, int]]


def _set(table: pa.Table, column: str, rows: np.ndarray, value: object) -> pa.Table:
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    col = table.column(column)
    scalar = pa.scalar(value, type=col.type) if value is not None else pa.scalar(None, type=col.type)
    return table.set_column(
        table.schema.get_field_index(column), column, pc.if_else(pa.array(mask), scalar, col)
    )


def _unreferenced(
    tables: dict[str, pa.Table], table: str, key: str, children: list[tuple[str, str]]
) -> np.ndarray:
    """Row indices of ``table`` whose key no child column refers to."""
    used = [tables[t].column(c) for t, c in children if t in tables]
    if not used:
        return np.arange(tables[table].num_rows)
    referenced = pa.chunked_array([chunk for col in used for chunk in col.chunks], type=pa.string())
    free = pc.invert(pc.is_in(tables[table].column(key), value_set=pc.unique(referenced)))
    return np.flatnonzero(free.to_numpy(zero_copy_only=False))


def _labels_of(tables: dict[str, pa.Table], entity_type: str) -> list[tuple[str, str]]:
    if "labels" not in tables:
        return []
    return [("labels_" + entity_type, "entity_id")]


def corrupt(tables: dict[str, pa.Table], *, n_per_rule: int = 7, seed: int = 0) -> Corruption:
    """Return a copy of ``tables`` with ``n_per_rule`` bad rows planted for each rule, and the expected counts.

    ``logins.ts`` is turned into ISO text so that unparseable timestamps can be planted.
    """
    rng = np.random.default_rng(seed)
    out = dict(tables)
    if "labels" in out:
        labels = out["labels"]
        for etype in ("review", "declaration", "account", "store"):
            out["labels_" + etype] = labels.filter(pc.equal(labels.column("entity_type"), etype))
    expected: dict[str, dict[str, int]] = {}
    plans: dict[str, list[tuple[str, str, Callable[[pa.Table, np.ndarray], pa.Table]]]] = {
        "logins": [
            ("invalid_ip:ip", "ip", lambda t, r: _set(t, "ip", r, "999.12.0.1")),
            ("unparseable:ts", "ts", lambda t, r: _set(t, "ts", r, "31/12/2025 25:61")),
            (
                "dangling_reference:account_id",
                "account_id",
                lambda t, r: _set(t, "account_id", r, "ghost-account"),
            ),
        ],
        "shipments": [
            ("out_of_range:origin_lat", "origin_lat", lambda t, r: _set(t, "origin_lat", r, 95.5)),
            ("out_of_range:origin_lon", "origin_lon", lambda t, r: _set(t, "origin_lon", r, -200.0)),
            ("empty:origin_address", "origin_address", lambda t, r: _set(t, "origin_address", r, "  ")),
            ("not_finite:origin_lon", "origin_lon", lambda t, r: _set(t, "origin_lon", r, math.nan)),
            (
                "too_long:origin_address",
                "origin_address",
                lambda t, r: _set(t, "origin_address", r, "x" * 5000),
            ),
        ],
        "transfers": [
            ("negative:amount", "amount", lambda t, r: _set(t, "amount", r, -120.0)),
            ("empty:to_party", "to_party", lambda t, r: _set(t, "to_party", r, None)),
            ("not_finite:amount", "amount", lambda t, r: _set(t, "amount", r, math.inf)),
            ("implausible_time:ts", "ts", lambda t, r: _set(t, "ts", r, datetime(2300, 1, 1, tzinfo=UTC))),
        ],
        "reviews": [
            ("out_of_range:rating", "rating", lambda t, r: _set(t, "rating", r, 6)),
            ("not_integer:rating", "rating", lambda t, r: _set(_as_double(t, "rating"), "rating", r, 4.5)),
            (
                "dangling_reference:listing_id",
                "listing_id",
                lambda t, r: _set(t, "listing_id", r, "L-missing"),
            ),
        ],
        "declarations": [("empty:exporter", "exporter", lambda t, r: _set(t, "exporter", r, ""))],
        "labels": [
            ("not_allowed:entity_type", "entity_type", lambda t, r: _set(t, "entity_type", r, "seller"))
        ],
    }
    if "logins" in out:
        out["logins"] = _with_text_timestamps(out["logins"], "ts")
    candidates = {
        "logins": np.arange(out["logins"].num_rows) if "logins" in out else None,
        "shipments": np.arange(out["shipments"].num_rows) if "shipments" in out else None,
        "transfers": np.arange(out["transfers"].num_rows) if "transfers" in out else None,
        "reviews": _unreferenced(out, "reviews", "review_id", _labels_of(out, "review"))
        if "reviews" in out
        else None,
        "declarations": _unreferenced(out, "declarations", "declaration_id", _labels_of(out, "declaration"))
        if "declarations" in out
        else None,
        "labels": np.arange(out["labels"].num_rows) if "labels" in out else None,
    }
    for table, rules in plans.items():
        pool = candidates[table]
        if pool is None or pool.size < n_per_rule * (len(rules) + 1):
            continue
        picked = rng.choice(pool, size=n_per_rule * len(rules), replace=False).reshape(len(rules), n_per_rule)
        for (code, _, plant), rows in zip(rules, picked, strict=True):
            out[table] = plant(out[table], np.sort(rows))
            expected.setdefault(table, {})[code] = n_per_rule
    out, dup = _duplicate_accounts(out, rng, n_per_rule)
    if dup:
        expected.setdefault("accounts", {})["duplicate_key:account_id"] = dup
    for etype in ("review", "declaration", "account", "store"):
        out.pop("labels_" + etype, None)
    return Corruption(out, expected)


def _as_double(table: pa.Table, column: str) -> pa.Table:
    """An integer column as an export with one fraction in it holds it: doubles."""
    i = table.schema.get_field_index(column)
    return table.set_column(i, column, table.column(column).cast(pa.float64()))


def _with_text_timestamps(table: pa.Table, column: str) -> pa.Table:
    text = pc.strftime(table.column(column), format="%Y-%m-%dT%H:%M:%S")
    text = pc.binary_join_element_wise(text, pa.scalar("Z"), "")
    return table.set_column(table.schema.get_field_index(column), column, text)


def _duplicate_accounts(tables: dict[str, pa.Table], rng: np.random.Generator, n: int) -> tuple[dict, int]:
    """Append copies of ``n`` accounts at the end: the later copies are the duplicates."""
    if "accounts" not in tables:
        return tables, 0
    accounts = tables["accounts"]
    rows = np.sort(rng.choice(accounts.num_rows, size=n, replace=False))
    tables = dict(tables)
    tables["accounts"] = pa.concat_tables([accounts, accounts.take(pa.array(rows))])
    return tables, n
