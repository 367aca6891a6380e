"""The money trail through layers of mules, on hand-built ledgers with exactly known answers: honest money in a
mule, fees per hop, delays, collectors replaced over the year, a mule shared by two networks."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from marketguard.trace.money import follow_money
from tests.trace.test_money import START, by_party, ledger, seeds

# Mule m is a real person: a salary from employer e, rent to landlord L since long before the network's money came.
# Store accounts s1, s2 pay m; m forwards the batch less 2% to mule m2, which forwards it less 1% to collector c;
# c pays its supplier p twice. By hand:
#   m: own 5,000; rent 2,000 (own life: from own money, 3,000 left); lots s1 1,000, s2 600
#   day 25: rent 2,000 again, while both lots wait: still from m's own money (1,000 left)
#   day 26: 1,568 = 1,600 less 2%: the run of both lots: 980 of s1, 588 of s2; the 32 fee is m's own
#   day 27: 1,552.32 = 1,568 less 1%: 970.20 of s1, 582.12 of s2 reach c, three hops from the store accounts
#   c pays p 500 then 400 out of its one lot (5/8 of it s1's): 562.50 of s1, 337.50 of s2, four hops away
HONEST_MULE = ledger(
    (0, "e", "m", 5000),
    (1, "m", "L", 2000, "payment"),
    (20, "PLATFORM", "s1", 1000, "settlement"),
    (20, "PLATFORM", "s2", 600, "settlement"),
    (21, "s1", "m", 1000),
    (22, "s2", "m", 600),
    (25, "m", "L", 2000, "payment"),
    (26, "m", "m2", 1568),
    (27, "m2", "c", 1552.32),
    (30, "e", "m", 5000),
    (40, "m", "shop", 300, "payment"),
    (60, "c", "p", 500, "payment"),
    (90, "c", "p", 400, "payment"),
)


def test_a_mule_carrying_honest_money_passes_the_networks_money_on_whole() -> None:
    result = follow_money(HONEST_MULE, seeds("N1", "s1", "s2"))
    rows = by_party(result)
    assert result.column("party").to_pylist() == ["c", "p", "m", "m2"]
    assert [rows[x]["role"] for x in ("c", "p", "m", "m2")] == ["collector", "supplier", "mule", "mule"]
    assert [rows[x]["amount"] for x in ("m", "m2", "c", "p")] == pytest.approx([1600, 1568, 1552.32, 900])
    assert [rows[x]["share"] for x in ("m", "m2", "c", "p")] == pytest.approx([1, 0.98, 0.9702, 0.5625])
    assert [rows[x]["hops"] for x in ("m", "m2", "c", "p")] == [1, 2, 3, 4]
    assert [rows[x]["via"] for x in ("m", "m2", "c", "p")] == [[], ["m"], ["m", "m2"], ["m", "m2", "c"]]
    assert "L" not in rows and "shop" not in rows  # rent and bills were paid from m's own money
    assert all("a pass-through (mule)" in rows[x]["reasons"][-1] for x in ("m", "m2"))
    assert rows["c"]["reasons"][1] == (
        "through 2 mules, mostly m > m2; 6 days after it left the store accounts (median)"
    )


def test_delays_are_from_the_store_account_to_the_party() -> None:
    rows = by_party(follow_money(HONEST_MULE, seeds("N1", "s1", "s2")))
    assert rows["m"]["median_delay_days"] == pytest.approx(0)
    assert rows["m2"]["median_delay_days"] == pytest.approx(5)  # 980 left 5 days before, 588 four days before
    assert rows["c"]["median_delay_days"] == pytest.approx(6)
    assert rows["p"]["median_delay_days"] == pytest.approx(39)  # 312.50 of its 900 came 39 days after leaving


def test_a_fee_per_hop_is_the_forwarders_own_money_and_later_batches_still_match() -> None:
    transfers = ledger(
        (0, "s1", "m1", 1000),
        (2, "m1", "m2", 980),
        (4, "m2", "m3", 960.40),
        (6, "m3", "c", 941.19),
        (7, "s2", "m1", 500),
        (8, "m1", "shop", 20, "payment"),  # paid from m1's 20 fee, not from the new lot
        (9, "m1", "m2", 490),
        (10, "m2", "m3", 480.20),
        (11, "m3", "c", 470.60),
        (60, "c", "p", 100, "payment"),
    )
    rows = by_party(follow_money(transfers, seeds("N1", "s1", "s2")))
    assert [rows[x]["amount"] for x in ("m1", "m2", "m3", "c")] == pytest.approx(
        [1500, 1470, 1440.60, 1411.79]
    )
    assert [rows[x]["hops"] for x in ("m1", "m2", "m3", "c")] == [1, 2, 3, 4]
    assert rows["c"]["via"] == ["m1", "m2", "m3"]
    assert rows["c"]["role"] == "collector"
    assert "shop" not in rows


def rotating_ledger() -> pa.Table:
    """Two store accounts pay 100 each a week to the collector of the period: c0 to c5, nine weeks each (the last
    seven), so each holds about a sixth of the year's money."""
    rows: list[tuple[float, str, str, float]] = []
    for week in range(52):
        for store in ("s1", "s2"):
            rows.append((7 * week + (0.5 if store == "s2" else 0), store, f"c{week // 9}", 100))
    return ledger(*rows)


def test_collectors_replaced_over_the_year_are_all_collectors_with_their_spans() -> None:
    rows = by_party(follow_money(rotating_ledger(), seeds("N1", "s1", "s2")))
    assert sorted(rows) == [f"c{k}" for k in range(6)]
    assert {rows[f"c{k}"]["role"] for k in range(6)} == {"collector"}
    assert rows["c0"]["share"] == pytest.approx(1800 / 10400)  # under a fifth of the year's money
    assert rows["c0"]["active_share"] == pytest.approx(1.0)  # all of it while it was in use
    assert rows["c1"]["first_seen"] == START + timedelta(days=63)
    assert rows["c1"]["last_seen"] == START + timedelta(days=119.5)
    assert rows["c5"]["amount"] == pytest.approx(1400)
    assert (
        "in use from 2025-03-05 to 2025-04-30: 100% of what left the store accounts then"
        in rows["c1"]["reasons"]
    )


def test_a_mule_shared_by_two_networks_passes_each_its_own_money() -> None:
    transfers = ledger(
        (1, "s1", "m", 1000),
        (2, "s2", "m", 700),
        (5, "m", "c1", 990),  # N1's batch: matched to s1's lot
        (6, "m", "c2", 693),  # N2's: matched to s2's lot
        (40, "s1", "x", 50),  # the ledger runs on, so the mule's forwards are timed
    )
    result = follow_money(transfers, pa.concat_tables([seeds("N1", "s1"), seeds("N2", "s2")]))
    by_net = {(r["network_id"], r["party"]): r for r in result.to_pylist()}
    assert sorted(by_net) == [("N1", "c1"), ("N1", "m"), ("N1", "x"), ("N2", "c2"), ("N2", "m")]
    assert by_net[("N1", "c1")]["amount"] == pytest.approx(990)
    assert by_net[("N2", "c2")]["amount"] == pytest.approx(693)
    assert by_net[("N1", "c1")]["role"] == by_net[("N2", "c2")]["role"] == "collector"
    assert by_net[("N1", "m")]["role"] == "mule"
