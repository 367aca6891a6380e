"""The bad-input corpus: every class of hostile or dirty input a platform's export can hold, each with the exact
outcome the contract promises (rows quarantined per table and reason, or the structural message that stops the
run). ``test_corpus`` checks validation on each; ``tests/test_cli_corpus.py`` scans each from the command line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from marketguard.contract.spec import TABLES, Kind
from tests.conftest import TINY, write_tiny

Edit = Callable[[dict], None]


@dataclass(frozen=True)
class Case:
    """One hostile dataset: how to write it, and what validation must make of it.

    ``quarantined``: exact rows per table and reason code (tables not named quarantine nothing). ``error``: a
    text the structural error must hold (the run stops, exit 2). ``says``: texts the report's lines must hold.
    """

    name: str
    write: Callable[[Path], Path]
    quarantined: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None
    says: tuple[str, ...] = ()


def tiny_case(edit: Edit, fmt: str = "csv") -> Callable[[Path], Path]:
    return lambda path: write_tiny(path, fmt, edit)


def _typed_array(kind: Kind, values: list[Any]) -> pa.Array:
    """A column as a real export would type it; fractions in an integer column stay doubles, as pandas writes."""
    if kind is Kind.FLOAT:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kind is Kind.INT:
        if all(v is None or float(v).is_integer() for v in values):
            return pa.array([None if v is None else int(v) for v in values], pa.int64())
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kind is Kind.TIMESTAMP:
        stamps = [
            None
            if v is None
            else v
            if isinstance(v, datetime)
            else datetime.fromisoformat(v.replace("Z", "+00:00"))
            for v in values
        ]
        return pa.array(
            [None if s is None else s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps],
            pa.timestamp("us", tz="UTC"),
        )
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def typed_case(edit: Edit) -> Callable[[Path], Path]:
    """The tiny dataset as typed Parquet (doubles, integers, timestamps), after ``edit``."""

    def write(path: Path) -> Path:
        data = {t: {c: list(v) for c, v in cols.items()} for t, cols in TINY.items()}
        edit(data)
        path.mkdir(parents=True, exist_ok=True)
        for table, cols in data.items():
            spec = TABLES[table]
            arrays = {
                c: _typed_array(spec.column(c).kind if c in spec.column_names else Kind.STRING, v)
                for c, v in cols.items()
            }
            pq.write_table(pa.table(arrays), path / f"{table}.parquet")
        return path

    return write


def setter(table: str, column: str, index: int, value: Any) -> Edit:
    def edit(data: dict) -> None:
        data[table][column][index] = value

    return edit


def edits(*fns: Edit) -> Edit:
    def edit(data: dict) -> None:
        for fn in fns:
            fn(data)

    return edit


def add_column(table: str, column: str, values: list[Any]) -> Edit:
    def edit(data: dict) -> None:
        data[table][column] = values

    return edit


#: A listing rejected takes its order and review with it (the accepted data is closed under references).
LISTING_L3_CASCADE = {
    "orders": {"dangling_reference:listing_id": 1},
    "reviews": {"dangling_reference:listing_id": 1},
}
MEGABYTE = 1 << 20


def _corrupt_page(path: Path) -> Path:
    """A Parquet file whose footer (schema) reads but whose data page does not."""
    write_tiny(path, "parquet")
    target = path / "logins.parquet"
    n = 5000
    table = pa.table(
        {"account_id": ["A1"] * n, "ts": ["2025-02-01T10:00:00Z"] * n, "ip": ["203.0.113.7"] * n}
    )
    pq.write_table(table, target, compression="snappy", use_dictionary=False)
    raw = bytearray(target.read_bytes())
    for i in range(200, 1200):
        raw[i] ^= 0x5A
    target.write_bytes(bytes(raw))
    return path


def _parts_directory(path: Path) -> Path:
    """``stores.parquet/`` as Spark writes it: two part files (the second holds a bad row), ``_SUCCESS`` and a
    hidden checksum file."""
    write_tiny(path, "parquet")
    (path / "stores.parquet").unlink()
    folder = path / "stores.parquet"
    folder.mkdir()
    rows = {c: [None if v is None else str(v) for v in vals] for c, vals in TINY["stores"].items()}
    first = pa.table({c: v[:2] for c, v in rows.items()})
    second = {c: v[2:] for c, v in rows.items()}
    second["opened_at"] = ["never"]
    pq.write_table(first, folder / "part-00000.parquet")
    pq.write_table(pa.table(second), folder / "part-00001.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / "._SUCCESS.crc").write_text("x")  # Hadoop's checksum of _SUCCESS; a part's own .crc is checked
    return path


def _empty_parts_directory(path: Path) -> Path:
    write_tiny(path, "parquet")
    (path / "brands.parquet").unlink()
    (path / "brands.parquet").mkdir()
    (path / "brands.parquet" / "_SUCCESS").write_text("")
    return path


def _duplicate_header(path: Path) -> Path:
    write_tiny(path, "csv")
    text = (path / "orders.csv").read_text().splitlines()
    text[0] = text[0].replace("ship_to_region", "amount")
    (path / "orders.csv").write_text("\n".join(text) + "\n")
    return path


CASES: list[Case] = [
    # -- the platform's own words --------------------------------------------------------------------------
    Case(
        "upper_cased_transfer_kinds",
        tiny_case(setter("transfers", "kind", 0, "SETTLEMENT")),
    ),
    Case(
        "unknown_transfer_kind_named",
        tiny_case(setter("transfers", "kind", 0, "SETTLE")),
        says=("transfers.kind: 1 value in 1 rows match no term ('SETTLE' (1 rows))",),
    ),
    Case(
        "renamed_platform_party_named",
        tiny_case(setter("transfers", "from_party", 0, "ALIPAY-SETTLE")),
        says=(
            "no transfer comes from the platform party 'PLATFORM'; settlements are paid by 'ALIPAY-SETTLE'",
        ),
    ),
    Case(
        "label_words_without_a_mapping",
        tiny_case(setter("labels", "label", 0, "counterfeit")),
        quarantined={"labels": {"unparseable:label": 1}},
        says=("or map your words to 1, 0 with --vocabulary ([labels.label])",),
    ),
    Case("entity_type_in_capitals", tiny_case(setter("labels", "entity_type", 1, " Store "))),
    Case(
        "entity_type_unknown",
        tiny_case(setter("labels", "entity_type", 1, "shop")),
        quarantined={"labels": {"not_allowed:entity_type": 1}},
    ),
    Case(
        "default_template_called_otherwise",
        tiny_case(
            edits(setter("stores", "template", 0, "Standard"), setter("stores", "template", 1, "Standard"))
        ),
        says=("stores.template: no store uses the default template 'basic'",),
    ),
    # -- input columns that would stand in for marketguard's own -------------------------------------------
    Case(
        "column_named__reason_empty",
        tiny_case(edits(add_column("reviews", "_reason", ["", ""]), setter("reviews", "rating", 0, 9))),
        quarantined={"reviews": {"out_of_range:rating": 1}},
    ),
    Case(
        "column_named__reason_filled",
        tiny_case(edits(add_column("orders", "_reason", ["x", "y", "z"]), setter("orders", "amount", 2, -1))),
        quarantined={"orders": {"negative:amount": 1}},
    ),
    Case(
        "columns_named_row_and_reason",
        tiny_case(
            edits(
                add_column("orders", "row", ["9", "8", "7"]),
                add_column("orders", "reason", ["a", "b", "c"]),
                setter("orders", "amount", 2, -1),
            )
        ),
        quarantined={"orders": {"negative:amount": 1}},
    ),
    Case(
        "column_in_the_reserved_namespace",
        tiny_case(add_column("accounts", "__mg_row", ["1", "2", "3", "4"])),
        error="accounts.__mg_row: column names starting with '__mg_' are reserved for marketguard",
    ),
    # -- values that are there but wrong -------------------------------------------------------------------
    Case(
        "nan_amount_typed",
        typed_case(setter("orders", "amount", 2, math.nan)),
        quarantined={"orders": {"not_finite:amount": 1}},
    ),
    Case(
        "infinite_price_typed",
        typed_case(setter("listings", "price", 2, math.inf)),
        quarantined={"listings": {"not_finite:price": 1}, **LISTING_L3_CASCADE},
    ),
    Case(
        "nan_and_infinity_as_text",
        tiny_case(
            edits(setter("orders", "amount", 2, "NaN"), setter("shipments", "origin_lat", 0, "-Infinity"))
        ),
        quarantined={"orders": {"not_finite:amount": 1}, "shipments": {"not_finite:origin_lat": 1}},
    ),
    Case(
        "timestamps_far_in_the_future",
        tiny_case(
            edits(
                setter("orders", "ts", 2, "2300-01-01T00:00:00Z"),
                setter("reviews", "ts", 1, "9999-12-31"),
                setter("labels", "labeled_at", 0, "infinity"),
            )
        ),
        quarantined={
            "orders": {"implausible_time:ts": 1},
            "reviews": {"implausible_time:ts": 1},
            "labels": {"unparseable:labeled_at": 1},  # 'infinity' is no time (DuckDB alone would read one)
        },
    ),
    Case(
        "placeholder_epoch_typed",
        typed_case(setter("labels", "labeled_at", 1, datetime(1970, 1, 1, tzinfo=UTC))),
        quarantined={"labels": {"implausible_time:labeled_at": 1}},
    ),
    Case(
        "fractions_in_integer_columns",
        tiny_case(
            edits(
                setter("labels", "label", 0, "0.5"),
                setter("reviews", "rating", 0, "4.5"),
                setter("reviews", "rating", 1, "5.0"),  # a whole number written with a point is fine
            )
        ),
        quarantined={"labels": {"not_integer:label": 1}, "reviews": {"not_integer:rating": 1}},
    ),
    Case(
        "fractions_in_integer_columns_typed",
        typed_case(edits(setter("labels", "label", 1, 0.5), setter("orders", "quantity", 2, 2.5))),
        quarantined={"labels": {"not_integer:label": 1}, "orders": {"not_integer:quantity": 1}},
    ),
    Case(
        "blank_optional_reference_in_parquet",
        tiny_case(setter("reviews", "order_id", 1, ""), fmt="parquet"),
    ),
    Case(
        "blank_optional_reference_in_csv",
        tiny_case(setter("reviews", "order_id", 1, ""), fmt="csv"),
    ),
    Case(
        "na_text_is_a_value_not_a_null",
        tiny_case(edits(setter("stores", "name", 0, "NA"), setter("accounts", "phone", 0, "null"))),
    ),
    Case(
        "megabyte_address",
        tiny_case(setter("shipments", "origin_address", 0, "深圳市宝安区" + "x" * MEGABYTE)),
        quarantined={"shipments": {"too_long:origin_address": 1}},
        says=("(e.g. row 1: '深圳市宝安区xxxx", "'... (1,048,582 characters)) [too_long:origin_address]"),
    ),
    Case(
        "megabyte_description",
        tiny_case(setter("declarations", "description", 0, "memory " * (MEGABYTE // 7))),
        quarantined={"declarations": {"too_long:description": 1}},
    ),
    Case(
        "hundred_thousand_character_id",
        tiny_case(setter("reviews", "review_id", 0, "R" * 100_000)),
        quarantined={"reviews": {"too_long:review_id": 1}},
    ),
    # -- files ---------------------------------------------------------------------------------------------
    Case(
        "parts_directory",
        _parts_directory,
        quarantined={
            "stores": {"unparseable:opened_at": 1},
            "listings": {"dangling_reference:store_id": 1},
            "authorized_sellers": {"dangling_reference:store_id": 1},
            "orders": {"dangling_reference:listing_id": 1},
            "reviews": {"dangling_reference:listing_id": 1},
            "labels": {"dangling_reference:entity_id": 1},
        },
        says=("stores.opened_at: cannot be read as a timestamp in 1 row (e.g. row 3: 'never')",),
    ),
    Case(
        "empty_parts_directory",
        _empty_parts_directory,
        error="brands: the directory",
    ),
    Case("corrupt_parquet_page", _corrupt_page, error="logins: cannot read"),
    Case("duplicated_csv_header", _duplicate_header, error="the header names 'amount' more than once"),
]

CASES_BY_NAME = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES)
