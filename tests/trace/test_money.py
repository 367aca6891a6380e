"""The money trail on tiny hand-built ledgers with exactly known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from marketguard.errors import ContractError, ParameterError
from marketguard.pipeline.results import RESULT_SCHEMAS
from marketguard.trace.money import follow_money

START = datetime(2025, 1, 1, tzinfo=UTC)


def ledger(*rows: tuple[float, str, str, float] | tuple[float, str, str, float, str]) -> pa.Table:
    """Transfers from (day, from, to, amount[, kind]) rows; ids follow the row order."""
    return pa.table(
        {
            "transfer_id": [f"T{i:03d}" for i in range(len(rows))],
            "ts": pa.array([START + timedelta(days=r[0]) for r in rows], pa.timestamp("us", tz="UTC")),
            "from_party": [r[1] for r in rows],
            "to_party": [r[2] for r in rows],
            "amount": pa.array([float(r[3]) for r in rows], pa.float64()),
            "kind": [r[4] if len(r) > 4 else "transfer" for r in rows],  # type: ignore[misc]
        }
    )


def seeds(network: str, *parties: str) -> pa.Table:
    return pa.table({"network_id": [network] * len(parties), "party": list(parties)})


def by_party(result: pa.Table) -> dict[str, dict]:
    return {row["party"]: row for row in result.to_pylist()}


# Two store accounts s1, s2 forward their settlements through mule m (which holds 100 of its own money) to
# collector c; c pays supplier p twice. By hand, lot by lot:
#   m forwards s1's 300 in two pieces an hour apart (180 + 120): one payment, matched to the lot it sums;
#   then s2's 200 whole. m's own 100 stays with m: c gets 300 of s1 and 200 of s2, two hops away.
#   c pays p 100 (no lot of 100, no own money: its oldest lot, the 180 of s1), then 100 more (80 + 20 of s1).
MULE_LEDGER = ledger(
    (0.0, "PLATFORM", "s1", 300, "settlement"),
    (0.0, "PLATFORM", "s2", 200, "settlement"),
    (0.0, "outsider", "m", 100),
    (1.0, "s1", "m", 300),
    (1.125, "m", "c", 180),
    (1.2, "m", "c", 120),
    (2.0, "s2", "m", 200),
    (2.1, "m", "c", 200),
    (30.0, "c", "p", 100, "payment"),
    (60.0, "c", "p", 100, "payment"),
)


def test_output_has_the_results_contract_schema() -> None:
    result = follow_money(MULE_LEDGER, seeds("N1", "s1", "s2"))
    assert result.schema == RESULT_SCHEMAS["money"]


def test_a_split_through_a_mule_reaches_the_collector_whole_two_hops_away() -> None:
    result = follow_money(MULE_LEDGER, seeds("N1", "s1", "s2"))
    rows = by_party(result)
    assert result.column("party").to_pylist() == ["c", "p", "m"]  # seeds are not output
    assert result.column("rank").to_pylist() == [1, 2, 3]
    assert [rows[p]["role"] for p in "cpm"] == ["collector", "supplier", "mule"]
    assert [rows[p]["hops"] for p in "cpm"] == [2, 3, 1]
    assert [rows[p]["amount"] for p in "cpm"] == pytest.approx([500, 200, 500])
    assert [rows[p]["share"] for p in "cpm"] == pytest.approx([1.0, 0.4, 1.0])
    assert [rows[p]["n_transfers"] for p in "cpm"] == [3, 2, 2]
    assert [rows[p]["via"] for p in "cpm"] == [["m"], ["m", "c"], []]
    assert rows["c"]["first_seen"] == START + timedelta(days=1.125)
    assert rows["p"]["last_seen"] == START + timedelta(days=60)
    assert any("a pass-through (mule)" in r for r in rows["m"]["reasons"])
    assert "where the money pools" in rows["c"]["reasons"][-1]
    assert "receives from nobody else in the network" in rows["p"]["reasons"][-1]
    assert rows["c"]["reasons"][0].startswith(
        "received 500 (100% of what left the network's 2 store accounts) from 2 of them (2 of them only through "
        "other accounts), 3 transfers, 2 hops away"
    )


def test_max_hops_stops_the_trail() -> None:
    rows = by_party(follow_money(MULE_LEDGER, seeds("N1", "s1", "s2"), max_hops=2))
    assert sorted(rows) == ["c", "m"]
    assert rows["c"]["role"] == "collector"
    assert sorted(by_party(follow_money(MULE_LEDGER, seeds("N1", "s1", "s2"), max_hops=1))) == ["m"]


def test_an_accounts_own_money_is_spent_before_the_networks() -> None:
    transfers = ledger(
        (0.0, "outsider", "x", 100),
        (1.0, "x", "early", 50),  # before the network's money: x's own
        (2.0, "s1", "x", 100),
        (20.0, "x", "late", 75),  # x's last 50 of its own, then 25 of the network's
    )
    rows = by_party(follow_money(transfers, seeds("N1", "s1")))
    assert sorted(rows) == ["late", "x"]
    assert rows["x"]["amount"] == pytest.approx(100.0)
    assert rows["x"]["hops"] == 1
    assert rows["late"]["amount"] == pytest.approx(25.0)
    assert rows["late"]["share"] == pytest.approx(0.25)
    assert rows["late"]["hops"] == 2
    assert rows["x"]["role"] == "other"  # one store account, paid straight: nothing pools
    assert "single store account" in rows["x"]["reasons"][-1]


def shared_ledger(n_unrelated: int) -> pa.Table:
    """Store accounts a1, a2 of one network pay wholesaler w each month, as do ``n_unrelated`` other stores; w
    pays its own factory."""
    rows: list[tuple[float, str, str, float, str]] = []
    for month in range(3):
        for store in ["a1", "a2", *[f"u{i}" for i in range(n_unrelated)]]:
            rows.append((30.0 * month, "PLATFORM", store, 1000, "settlement"))
            rows.append((30.0 * month + 1, store, "w", 600, "payment"))
    rows.append((100.0, "w", "factory", 100, "payment"))
    return ledger(*rows)


def test_a_wholesaler_shared_by_many_stores_is_not_a_collector() -> None:
    alone = by_party(follow_money(shared_ledger(0), seeds("N1", "a1", "a2")))
    assert alone["w"]["role"] == "collector"  # the same flow, exclusive to the network, is a pool
    assert alone["factory"]["amount"] == pytest.approx(100.0)
    rows = by_party(follow_money(shared_ledger(12), seeds("N1", "a1", "a2")))
    assert rows["w"]["role"] == "other"
    assert rows["w"]["amount"] == pytest.approx(3600.0)
    assert (
        "also receives from 12 unrelated store accounts: a shared wholesale supplier" in rows["w"]["reasons"]
    )
    assert "factory" not in rows  # w pays its factory from its other customers' money first


def test_money_is_not_followed_past_a_hub_of_many_stores() -> None:
    rows = by_party(follow_money(shared_ledger(12), seeds("N1", "a1", "a2"), max_store_senders=10))
    assert sorted(rows) == ["w"]


def test_money_between_a_networks_own_store_accounts_stays_inside() -> None:
    transfers = ledger((1.0, "s1", "s2", 50), (2.0, "s2", "y", 100), (3.0, "s1", "CASH", 100, "withdrawal"))
    rows = by_party(follow_money(transfers, seeds("N1", "s1", "s2")))
    assert sorted(rows) == ["y"]  # neither the seeds nor CASH are parties
    assert rows["y"]["share"] == pytest.approx(0.5)


def test_each_network_gets_its_own_trail() -> None:
    both = pa.concat_tables([seeds("N1", "s1", "s2"), seeds("N2", "s2")])
    result = follow_money(MULE_LEDGER, both)
    n2 = {r["party"]: r for r in result.to_pylist() if r["network_id"] == "N2"}
    assert sorted(n2) == ["c", "m"]  # p was paid out of s1's money
    assert n2["m"]["amount"] == pytest.approx(200.0)
    assert n2["c"]["amount"] == pytest.approx(200.0)
    # one store account, but through a mule: layering, not an owner's sweep
    assert n2["c"]["role"] == "collector"


def test_same_input_in_another_order_gives_the_same_output() -> None:
    shuffled = MULE_LEDGER.take([9, 3, 0, 5, 7, 1, 8, 2, 4, 6])
    assert follow_money(shuffled, seeds("N1", "s2", "s1")).equals(
        follow_money(MULE_LEDGER, seeds("N1", "s1", "s2"))
    )


def test_empty_ledger_gives_an_empty_result() -> None:
    result = follow_money(MULE_LEDGER.slice(0, 0), seeds("N1", "s1"))
    assert result.num_rows == 0
    assert result.schema == RESULT_SCHEMAS["money"]


def test_missing_columns_are_all_named() -> None:
    with pytest.raises(ContractError, match=r"transfers\.amount: missing column(.|\n)*seeds\.party"):
        follow_money(MULE_LEDGER.drop_columns(["amount"]), pa.table({"network_id": ["N1"]}))


def test_bad_parameter_is_named_with_its_allowed_range() -> None:
    with pytest.raises(ParameterError, match=r"'max_hops' parameter of follow_money must be an int .* Got 0"):
        follow_money(MULE_LEDGER, seeds("N1", "s1"), max_hops=0)
