"""Events are read as the batch validation reads rows: the same bad values give the same reason codes."""

from __future__ import annotations

import csv
import gc
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marketguard.contract import validate
from marketguard.contract.settings import ValidationSettings, default_max_time
from marketguard.contract.spec import TABLES
from marketguard.engine import make_backend
from marketguard.engine.base import ROW
from marketguard.live import events
from marketguard.live.events import ENVELOPE, EVENT_KINDS, ROW_KINDS, BadEvent, read_event

GOOD_ROWS = 40
TIMES = [
    "2025-03-01T10:00:00Z",
    "2025-03-01 10:00:00",
    "2025-03-01",
    "2025-03-01T10:00:00+08:00",
    "2025-03-01T10:00:00.123456Z",
    "yesterday",
    "2025-13-01",
    "epoch",
    "infinity",
    "1999-12-31T00:00:00Z",
    "2999-01-01",
    "   ",
    "1700000000",
]
FLOATS = ["12.5", " 12.5 ", "1e3", ".5", "+3", "-1", "nan", "inf", "abc", "1,5", "1_000", "0x10", "-0"]
INTS = ["3", "3.0", "3.5", "-2", "abc", "1e3", "nan", "9.5e18", " 4 ", ""]
RATINGS = ["0", "6", "5", "1", "4.0", "2.5"]
IPS = ["203.0.113.7", "256.1.1.1", "2001:db8::1", "::1", "fe80::1%eth0", "1.2.3", "01.2.3.4", " 203.0.113.7"]
#: Per table: a good row's values, and the values tried in each column (one bad value per row).
CORPUS: dict[str, tuple[dict[str, str], dict[str, list[str]]]] = {
    "accounts": (
        {"created_at": "2025-01-01T00:00:00Z", "phone": "p", "region": "CN"},
        {"created_at": TIMES, "phone": ["x" * 300, "ok"]},
    ),
    "stores": (
        {"account_id": "a0", "opened_at": "2025-02-01T00:00:00Z", "template": "basic"},
        {"opened_at": TIMES, "template": ["BASIC", " Basic ", "custom", ""], "closed_at": TIMES},
    ),
    "logins": (
        {"account_id": "a0", "ts": "2025-02-01T00:00:00Z", "ip": "198.51.100.1", "device_id": "d"},
        {"ts": TIMES, "ip": IPS, "device_id": ["y" * 257, "", "z" * 256]},
    ),
    "listings": (
        {"store_id": "s0", "title": "t", "price": "10", "listed_at": "2025-02-02T00:00:00Z"},
        {"price": FLOATS, "listed_at": TIMES, "title": ["", "t" * 1001]},
    ),
    "orders": (
        {
            "listing_id": "l0",
            "buyer_account_id": "a0",
            "ts": "2025-02-03T00:00:00Z",
            "quantity": "1",
            "amount": "5",
        },
        {"quantity": INTS, "amount": FLOATS},
    ),
    "reviews": (
        {"listing_id": "l0", "reviewer_account_id": "a0", "ts": "2025-02-04T00:00:00Z", "rating": "5"},
        {"rating": RATINGS},
    ),
    "transfers": (
        {
            "ts": "2025-02-05T00:00:00Z",
            "from_party": "platform",
            "to_party": "b",
            "amount": "1",
            "kind": "fee",
        },
        {"amount": FLOATS, "kind": ["SETTLEMENT", " Fee ", "gift"]},
    ),
}


def _rows(table: str) -> list[dict[str, str]]:
    good, tried = CORPUS[table]
    key = TABLES[table].key
    rows = [dict(good) for _ in range(GOOD_ROWS)]
    for column, values in tried.items():
        rows += [dict(good) | {column: v} for v in values]
    for i, row in enumerate(rows):
        if key:
            row[key] = f"{key[0]}{i}"
    return rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, set[str]]]:
    """Per table, the reasons the batch validation gives each (1-based) row of the corpus."""
    root: Path = tmp_path_factory.mktemp("corpus")
    for table in CORPUS:
        rows = _rows(table)
        with open(root / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, TABLES[table].column_names)
            writer.writeheader()
            writer.writerows(rows)
    with make_backend("duckdb") as backend:
        validate(backend, root)
        out = {}
        for table in CORPUS:
            found = backend.con.execute(f"SELECT {ROW}, __mg_reason FROM rejected_{table}").fetchall()
            out[table] = {int(r): set(reason.split("; ")) for r, reason in found}
    return out


@pytest.mark.parametrize("table", list(CORPUS))
def test_an_event_is_refused_for_exactly_the_reasons_a_scan_quarantines_its_row(batch, table: str) -> None:
    kind = ROW_KINDS[table]
    compared = 0
    for i, row in enumerate(_rows(table), start=1):
        event = {"event_id": f"e{i}", "event": kind} | {k: v for k, v in row.items() if v != ""}
        expected = {
            r for r in batch[table].get(i, set()) if not r.startswith(("dangling_reference", "duplicate"))
        }
        try:
            read_event(event)
            got: set[str] = set()
        except BadEvent as bad:
            got = {p.reason for p in bad.problems}
        if table == "listings" and row["listed_at"].strip() == "":
            got.discard("empty:listed_at")  # an event needs its time; a batch listing may go without
        assert got == expected, (table, i, row, got, expected)
        compared += bool(expected)
    assert compared >= 2


def test_values_are_typed_as_the_scan_types_them() -> None:
    event = read_event(
        {
            "event_id": 7,
            "event": "order",
            "order_id": "o1",
            "listing_id": "l1",
            "buyer_account_id": 42,
            "ts": "2025-03-01T18:00:00+08:00",
            "quantity": "1e1",
            "amount": " 12.5 ",
        }
    )
    assert event.event_id == "7" and event.table == "orders" and event.row["buyer_account_id"] == "42"
    assert event.at == datetime(2025, 3, 1, 10, tzinfo=UTC) and event.row["quantity"] == 10
    assert math.isclose(event.row["amount"], 12.5) and event.row["ship_to_region"] is None
    template = read_event(
        {
            "event_id": "s",
            "event": "store_opened",
            "store_id": "s",
            "account_id": "a",
            "opened_at": "2025-01-01",
            "template": " BASIC ",
        }
    )
    assert template.row["template"] == "basic"


def test_a_bad_event_names_every_field_and_rule_at_once() -> None:
    with pytest.raises(BadEvent) as bad:
        read_event({"event_id": "e1", "event": "login", "acount_id": "a1", "ts": "soon", "ip": "999.1.1.1"})
    reasons = {p.reason for p in bad.value.problems}
    assert reasons == {"unknown_field:acount_id", "empty:account_id", "unparseable:ts", "invalid_ip:ip"}
    assert "e1" in str(bad.value) and all(p.message for p in bad.value.problems)
    with pytest.raises(BadEvent) as unknown:
        read_event({"event_id": "e2", "event": "refund"})
    assert [p.reason for p in unknown.value.problems] == ["unknown_kind:event"]
    with pytest.raises(BadEvent) as nested:
        read_event({"event": "login", "account_id": ["a"], "ts": "2025-01-01", "ip": "1.2.3.4"})
    assert {p.reason for p in nested.value.problems} == {"empty:event_id", "not_text:account_id"}


def test_a_closing_carries_the_store_and_its_time_only() -> None:
    closed = read_event(
        {"event_id": "c", "event": "store_closed", "store_id": "s", "closed_at": "2025-02-01"}
    )
    assert closed.table == "stores" and closed.row == {"store_id": "s", "closed_at": closed.at}
    assert closed.at == datetime(2025, 2, 1, tzinfo=UTC)
    with pytest.raises(BadEvent) as bad:
        read_event({"event_id": "c", "event": "store_closed", "store_id": "s", "template": "basic"})
    assert {p.reason for p in bad.value.problems} == {"unknown_field:template", "empty:closed_at"}


def test_the_envelope_names_no_contract_column() -> None:
    columns = {c for table, _ in EVENT_KINDS.values() for c in TABLES[table].column_names}
    assert not columns & set(ENVELOPE)
    assert all(time in TABLES[table].column_names for table, time in EVENT_KINDS.values())


def test_settings_are_read_once_per_object_and_forgotten_with_it() -> None:
    login = {"event_id": "e", "event": "login", "account_id": "a", "ts": "2025-01-01", "ip": "1.2.3.4"}
    long_device = login | {"device_id": "d" * 6}

    def reasons(settings: ValidationSettings) -> list[str]:
        try:
            read_event(long_device, settings)
        except BadEvent as bad:
            return [p.reason for p in bad.problems]
        return []

    before = len(events._COMPILED)
    for _ in range(3):  # short-lived settings: each is read under its own limits, and leaves nothing behind
        assert reasons(ValidationSettings(max_lengths={"logins.device_id": 5})) == ["too_long:device_id"]
        assert reasons(ValidationSettings()) == []
    gc.collect()
    assert len(events._COMPILED) == before


def test_the_default_latest_time_is_the_end_of_the_day_after_today() -> None:
    latest = default_max_time()
    login = {"event_id": "e", "event": "login", "account_id": "a", "ip": "1.2.3.4"}
    assert read_event(login | {"ts": latest}).at == latest
    with pytest.raises(BadEvent) as bad:
        read_event(login | {"ts": latest + timedelta(microseconds=1)})
    assert [p.reason for p in bad.value.problems] == ["implausible_time:ts"]
