"""Every validation rule on a small bad dataset: the message names table, column and row; counts are exact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.errors import ContractError


def run(dataset: Path, quarantine: Path | None = None):
    with make_backend("duckdb") as backend:
        tables, report = validate(backend, dataset, quarantine_dir=quarantine)
        counts = {t: backend.count(t) for t in tables.present}
    return report, counts


@pytest.mark.parametrize("fmt", ["csv", "parquet", "duckdb"])
def test_valid_dataset_is_accepted_whole_in_every_format(tiny: Callable[..., Path], fmt: str) -> None:
    report, counts = run(tiny(fmt=fmt))
    assert report.n_quarantined == 0
    assert counts["accounts"] == 4 and counts["logins"] == 5 and counts["labels"] == 2
    assert report.missing_optional == []
    assert all(t.rows_read == t.rows_accepted for t in report.tables.values())


def set_value(table: str, column: str, index: int, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data[table][column][index] = value

    return edit


ROW_RULES = [
    # (edit, table, reason code, quarantined rows in that table, text expected in the report line)
    (
        set_value("accounts", "account_id", 1, "A1"),
        "accounts",
        "duplicate_key:account_id",
        1,
        "accounts.account_id: duplicate key: an earlier row has the same identifier (the first one is kept) "
        "in 1 row (e.g. row 2: 'A1')",
    ),
    (
        set_value("stores", "account_id", 2, "A99"),
        "stores",
        "dangling_reference:account_id",
        1,
        "stores.account_id: refers to a row that is missing or was itself rejected in 1 row (e.g. row 3: 'A99')",
    ),
    (
        set_value("reviews", "rating", 0, 6),
        "reviews",
        "out_of_range:rating",
        1,
        "reviews.rating: value outside its allowed range in 1 row (e.g. row 1: '6')",
    ),
    (set_value("reviews", "rating", 1, 0), "reviews", "out_of_range:rating", 1, "(e.g. row 2: '0')"),
    (
        set_value("orders", "amount", 2, -5.0),
        "orders",
        "negative:amount",
        1,
        "orders.amount: negative value in 1 row (e.g. row 3: '-5.0')",
    ),
    (
        set_value("listings", "price", 0, -1),
        "listings",
        "negative:price",
        1,
        "listings.price: negative value",
    ),
    (
        set_value("logins", "ip", 3, "10.0.0.300"),
        "logins",
        "invalid_ip:ip",
        1,
        "logins.ip: not an IPv4 or IPv6 address in 1 row (e.g. row 4: '10.0.0.300')",
    ),
    (
        set_value("logins", "ts", 2, "yesterday"),
        "logins",
        "unparseable:ts",
        1,
        "logins.ts: cannot be read as a timestamp in 1 row (e.g. row 3: 'yesterday')",
    ),
    (
        set_value("shipments", "origin_lat", 0, 95.0),
        "shipments",
        "out_of_range:origin_lat",
        1,
        "shipments.origin_lat: value outside its allowed range in 1 row (e.g. row 1: '95.0')",
    ),
    (
        set_value("shipments", "origin_lon", 0, -181),
        "shipments",
        "out_of_range:origin_lon",
        1,
        "shipments.origin_lon",
    ),
    (
        set_value("accounts", "created_at", 3, None),
        "accounts",
        "empty:created_at",
        1,
        "accounts.created_at: required value is empty in 1 row (e.g. row 4: empty)",
    ),
    (
        set_value("listings", "title", 1, "  "),
        "listings",
        "empty:title",
        1,
        "listings.title: required value is empty",
    ),
    (
        set_value("labels", "entity_type", 0, "seller"),
        "labels",
        "not_allowed:entity_type",
        1,
        "labels.entity_type: value not in the allowed set in 1 row (e.g. row 1: 'seller')",
    ),
    (
        set_value("labels", "entity_id", 1, "S404"),
        "labels",
        "dangling_reference:entity_id",
        1,
        "labels.entity_id: refers to a row that is missing",
    ),
    (
        set_value("orders", "quantity", 0, "two"),
        "orders",
        "unparseable:quantity",
        1,
        "orders.quantity: cannot be read as an integer in 1 row (e.g. row 1: 'two')",
    ),
]


@pytest.mark.parametrize(
    ("edit", "table", "code", "n", "text"), ROW_RULES, ids=[r[2] + str(i) for i, r in enumerate(ROW_RULES)]
)
def test_row_rule_quarantines_exactly_the_planted_rows(tiny, tmp_path, edit, table, code, n, text) -> None:
    quarantine = tmp_path / "q"
    report, counts = run(tiny(edit), quarantine)
    assert report.tables[table].reasons == {code: n}
    line = next(line for line in report.lines() if f"[{code}]" in line)
    assert text in line
    assert "Fix:" in line
    rejected = pq.read_table(quarantine / f"{table}.parquet")
    assert rejected.num_rows == n
    assert rejected.column("reason").to_pylist() == [code] * n
    assert counts[table] == report.tables[table].rows_read - n  # excluded, and nothing else lost


def test_rejected_parent_rejects_its_children_and_everything_is_counted(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        data["stores"]["opened_at"][0] = (
            None  # S1 rejected -> listing L1 -> order O1 -> review R1, shipment SH1
        )

    report, counts = run(tiny(edit), tmp_path / "q")
    assert {t: r.rows_quarantined for t, r in report.tables.items() if r.rows_quarantined} == {
        "stores": 1,
        "listings": 1,
        "orders": 1,
        "reviews": 1,
        "shipments": 1,
        "labels": 1,
    }
    assert report.tables["listings"].reasons == {"dangling_reference:store_id": 1}
    assert report.tables["labels"].reasons == {"dangling_reference:entity_id": 1}
    assert report.n_quarantined == 6
    for table, result in report.tables.items():
        assert result.rows_read == result.rows_accepted + result.rows_quarantined
        assert counts[table] == result.rows_accepted


def test_a_row_breaking_two_rules_is_counted_once_per_rule_and_quarantined_once(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        data["orders"]["amount"][0] = -1
        data["orders"]["listing_id"][0] = "L404"

    report, _ = run(tiny(edit), tmp_path / "q")
    assert report.tables["orders"].reasons == {"dangling_reference:listing_id": 1, "negative:amount": 1}
    assert report.tables["orders"].rows_quarantined == 1
    rejected = pq.read_table(tmp_path / "q" / "orders.parquet").to_pylist()
    assert rejected[0]["row"] == 1 and rejected[0]["listing_id"] == "L404"
    assert set(rejected[0]["reason"].split("; ")) == {"negative:amount", "dangling_reference:listing_id"}


def test_ipv6_and_mapped_addresses_are_valid(tiny) -> None:
    def edit(data: dict) -> None:
        data["logins"]["ip"] = [
            "::1",
            "fe80::1ff:fe23:4567:890a",
            "::ffff:192.0.2.128",
            "2001:db8:0:0:0:0:2:1",
            "1.2.3.4",
        ]

    report, _ = run(tiny(edit))
    assert report.n_quarantined == 0


def test_extra_columns_are_kept(tiny) -> None:
    def edit(data: dict) -> None:
        data["accounts"]["kyc_level"] = ["1", "2", "3", "4"]

    with make_backend("duckdb") as backend:
        validate(backend, tiny(edit))
        assert "kyc_level" in [c for c, _ in backend.columns("accounts")]


# -- structural problems: stop, list every problem, write nothing ---------------------------------------------


def test_structural_problems_are_all_listed_at_once(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        del data["logins"]  # missing required table
        del data["stores"]["template"]  # missing required column
        data["orders"]["ts"] = ["03/02/2025", "04/02/2025", "2025-02-02"]  # mostly unreadable column

    dataset = tiny(edit)
    (dataset / "brands.csv").unlink()
    (dataset / "brands.parquet").write_bytes(b"not parquet at all")  # unreadable file
    quarantine = tmp_path / "q"
    with pytest.raises(ContractError) as caught:
        run(dataset, quarantine)
    message = str(caught.value)
    assert message.startswith("The dataset has 4 structural problems; nothing was written:")
    assert "logins: required table is missing" in message
    assert "stores.template: required column is missing" in message
    assert "Fix: add a 'template' column (text)" in message
    assert "orders.ts: cannot be read as a timestamp in 2 of 3 rows (e.g. row 1: '03/02/2025')" in message
    assert "brands: cannot read" in message and "brands.parquet" in message
    assert len(caught.value.problems) == 4
    assert not quarantine.exists()


def test_both_csv_and_parquet_for_one_table_is_ambiguous(tiny) -> None:
    dataset = tiny()
    (dataset / "brands.parquet").write_bytes((dataset / "brands.csv").read_bytes())
    with pytest.raises(ContractError, match=r"brands: found both brands.parquet and brands.csv"):
        run(dataset)


def test_not_a_dataset(tmp_path) -> None:
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(ContractError, match="is neither a directory nor a DuckDB file"):
        run(tmp_path / "x.txt")


def test_contract_error_is_also_a_value_error(tiny) -> None:
    with pytest.raises(ValueError, match="required table is missing"):
        run(tiny(lambda d: d.pop("accounts")))


def test_two_duckdb_files_on_one_backend_each_read_their_own_tables(tiny) -> None:
    first = tiny(fmt="duckdb")
    second = tiny(lambda d: d["accounts"]["account_id"].__setitem__(3, "A9"), fmt="duckdb")
    with make_backend("duckdb") as backend:
        validate(backend, first)
        assert backend.scalar("SELECT max(account_id) AS a FROM accounts", "t") == "A4"
        _, report = validate(backend, second)
        assert backend.scalar("SELECT max(account_id) AS a FROM accounts", "t") == "A9"
        assert report.tables["accounts"].source == f"{second}:accounts"


def test_a_duckdb_file_missing_a_table_says_to_add_a_table(tiny) -> None:
    import duckdb

    db = tiny(fmt="duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE logins")
    with pytest.raises(ContractError, match="Fix: add a table named logins to the database with columns"):
        run(db)


def test_a_required_column_spelled_otherwise_is_pointed_at(tiny) -> None:
    def edit(data: dict) -> None:
        data["stores"]["Account_ID"] = data["stores"].pop("account_id")
        data["logins"]["timestamp"] = data["logins"].pop("ts")
        data["orders"]["listingid"] = data["orders"].pop("listing_id")

    with pytest.raises(ContractError) as caught:
        run(tiny(edit))
    message = str(caught.value)
    assert (
        "stores.account_id: required column is missing. Fix: add a 'account_id' column (text) (is 'Account_ID' it?"
        in message
    )
    assert (
        "orders.listing_id: required column is missing. Fix: add a 'listing_id' column (text) (is 'listingid' it?"
        in message
    )
    assert (
        "logins.ts: required column is missing. Fix: add a 'ts' column (a timestamp); columns found:"
        in message
    )


def test_a_label_outside_its_terms_says_which_terms_and_how_to_map(tiny) -> None:
    report, _ = run(tiny(set_value("labels", "label", 0, 2)))
    line = next(line for line in report.lines() if "[out_of_range:label]" in line)
    assert line.endswith("Fix: use one of 1, 0, or map your words to them with --vocabulary ([labels.label])")
