"""Where each store owner's money goes (payees) and ends up through mules (destinations), on a hand-built ledger
with exactly known answers."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from marketguard.trace.owner_money import USES_SCHEMA, owner_money_uses
from tests.trace.test_money import START, ledger

# Owners A and B (one operator) pay different first mules, m1 and m2, which forward less 2% to collector c.
# m1 is a real person: a salary from e, and rent to R paid long before and again while A's money waits.
# Owner H is honest: pays its own personal account p, which pays its supplier (700) and a shop (30: 3%).
# Owner J's money reaches nobody deeper: it pays its supplier straight.
LEDGER = ledger(
    (0, "e", "m1", 5000),
    (0.5, "m1", "R", 2000, "payment"),
    (10, "bA", "m1", 1000),
    (10, "bB", "m2", 600),
    (11, "m1", "R", 2000, "payment"),
    (12, "m1", "c", 980),
    (12.5, "m2", "c", 588),
    (20, "bH", "p", 1000),
    (21, "p", "sup", 700, "payment"),
    (22, "p", "shop", 30, "payment"),
    (25, "bJ", "sup", 400, "payment"),
    (60, "c", "x", 1),
)
OWNERS = pa.table({"account_id": ["A", "B", "H", "J", "K"], "bank_account": ["bA", "bB", "bH", "bJ", None]})


def test_the_collector_behind_different_first_mules_is_both_owners_destination() -> None:
    rows = owner_money_uses(LEDGER, OWNERS, payees=False).to_pylist()
    assert [(r["account_id"], r["kind"], r["artifact"], r["n_events"]) for r in rows] == [
        ("A", "destination", "c", 1),
        ("B", "destination", "c", 1),
        ("H", "destination", "sup", 1),  # two transfers away; the shop's 3% is below a material share
    ]
    by_owner = {r["account_id"]: r for r in rows}
    assert by_owner["A"]["first_seen"] == by_owner["A"]["last_seen"] == START + timedelta(days=12)
    assert by_owner["B"]["first_seen"] == START + timedelta(days=12.5)


def test_payees_are_every_party_an_owner_paid_directly() -> None:
    rows = owner_money_uses(LEDGER, OWNERS, destinations=False).to_pylist()
    assert [(r["account_id"], r["kind"], r["artifact"], r["n_events"]) for r in rows] == [
        ("A", "payee", "m1", 1),
        ("B", "payee", "m2", 1),
        ("H", "payee", "p", 1),
        ("J", "payee", "sup", 1),
    ]
    assert rows[0]["first_seen"] == START + timedelta(days=10)


def test_owners_sharing_a_bank_account_share_its_payees_and_destinations_and_the_schema_holds() -> None:
    owners = pa.table({"account_id": ["A", "A2"], "bank_account": ["bA", "bA"]})
    result = owner_money_uses(LEDGER, owners)
    assert result.schema == USES_SCHEMA
    assert [(r["account_id"], r["kind"], r["artifact"]) for r in result.to_pylist()] == [
        ("A", "destination", "c"),
        ("A", "payee", "m1"),
        ("A2", "destination", "c"),
        ("A2", "payee", "m1"),
    ]


def test_no_transfers_or_no_owners_give_no_rows() -> None:
    assert owner_money_uses(LEDGER.slice(0, 0), OWNERS).num_rows == 0
    empty = pa.table({"account_id": pa.array([], pa.string()), "bank_account": pa.array([], pa.string())})
    assert owner_money_uses(LEDGER, empty).num_rows == 0


@pytest.mark.parametrize("order", [list(range(12)), list(range(11, -1, -1))])
def test_the_rows_do_not_depend_on_the_ledger_order(order: list[int]) -> None:
    shuffled = LEDGER.take(pa.array(order))
    assert owner_money_uses(shuffled, OWNERS).equals(owner_money_uses(LEDGER, OWNERS))
