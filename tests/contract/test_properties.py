"""Property-based: whatever values an export holds, validation loses no row and accepts only what the contract
allows (finite numbers in range, whole integers, plausible times, bounded text), or stops with a ContractError."""

from __future__ import annotations

import math
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.contract import validate
from marketguard.contract.settings import ValidationSettings
from marketguard.engine import make_backend
from marketguard.errors import ContractError
from tests.conftest import write_tiny
from tests.contract.corpus import typed_case

#: Text as a platform's CSV may hold it in a number, integer or time column.
MESSY_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1e400",
            "-0",
            "4.5",
            "5.0",
            "0x10",
            "1_000",
            "12,5",
            "¥100",
            "9999-12-31",
            "infinity",
            "1970-01-01",
            "2025-02-30",
            "2025-02-01T10:00:00+08:00",
            "2300-01-01",
            "NULL",
            "null",
            "true",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6))

SETTINGS = ValidationSettings()
LOW, HIGH = SETTINGS.min_time, SETTINGS.resolved_max_time()


def _check(dataset: Path) -> None:
    with make_backend("duckdb") as backend:
        try:
            _, report = validate(backend, dataset)
        except ContractError:
            return  # a column mostly unreadable: stopped with a message, nothing registered
        for name, t in report.tables.items():
            assert t.rows_read == t.rows_accepted + t.rows_quarantined
            assert backend.count(name) == t.rows_accepted
        orders = backend.fetch("SELECT quantity, amount, ts FROM orders", "orders").to_pylist()
        reviews = backend.fetch("SELECT rating, ts FROM reviews", "reviews").to_pylist()
    for row in orders:
        assert isinstance(row["quantity"], int) and row["quantity"] >= 0
        assert math.isfinite(row["amount"]) and row["amount"] >= 0
        assert LOW <= row["ts"] <= HIGH
    for row in reviews:
        assert isinstance(row["rating"], int) and 1 <= row["rating"] <= 5
        assert LOW <= row["ts"] <= HIGH


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    amount=st.lists(MESSY_TEXT, min_size=3, max_size=3),
    quantity=st.lists(MESSY_TEXT, min_size=3, max_size=3),
    ts=st.lists(MESSY_TEXT, min_size=3, max_size=3),
    rating=st.lists(MESSY_TEXT, min_size=2, max_size=2),
)
def test_messy_csv_text_never_slips_through(
    amount: list[str], quantity: list[str], ts: list[str], rating: list[str]
) -> None:
    def edit(data: dict) -> None:
        data["orders"].update(amount=amount, quantity=quantity, ts=ts)
        data["reviews"]["rating"] = rating

    with TemporaryDirectory() as tmp:
        _check(write_tiny(Path(tmp), "csv", edit))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=st.lists(NUMBERS, min_size=3, max_size=3), rating=st.lists(NUMBERS, min_size=2, max_size=2))
def test_messy_typed_parquet_numbers_never_slip_through(amount: list[float], rating: list[float]) -> None:
    def edit(data: dict) -> None:
        data["orders"]["amount"] = amount
        data["reviews"]["rating"] = [
            r if isinstance(r, int) or not math.isfinite(r) or abs(r) < 1e15 else 1e15 for r in rating
        ]

    with TemporaryDirectory() as tmp:
        _check(typed_case(edit)(Path(tmp)))
