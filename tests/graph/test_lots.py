"""The lot-by-lot replay on tiny ledgers with exactly known attributions."""

from __future__ import annotations

import numpy as np
import pytest

from marketguard.graph.lots import follow_lots

DAY = 86_400_000_000
HOUR = 3_600_000_000
#: max_hops, max_fee, lots looked at, split window, pass-through window (the defaults of follow_money).
LIMITS = (6, 0.05, 64, 6 * HOUR, 15 * DAY)
NAMES = ("S", "T", "m", "c", "boss", "landlord", "shop", "m2", "CASH")
P = {name: i for i, name in enumerate(NAMES)}


def replay(*rows: tuple[float, str, str, float], limits: tuple = LIMITS) -> dict:
    """Replay (day, from, to, amount) rows; S and T are seed accounts 0 and 1. Returns the records as
    (day, sender, receiver, seed, hops, amount) tuples and the pass-through sums per party."""
    ts = np.array([round(r[0] * DAY) for r in rows], np.int64)
    src = np.array([P[r[1]] for r in rows], np.int64)
    dst = np.array([P[r[2]] for r in rows], np.int64)
    amount = np.array([r[3] for r in rows], np.float64)
    seed_of = np.full(len(NAMES), -1, np.int64)
    seed_of[P["S"]], seed_of[P["T"]] = 0, 1
    holds = seed_of < 0
    holds[P["CASH"]] = False
    is_party = np.ones(len(NAMES), bool)
    is_party[P["CASH"]] = False
    t, seed, hops, _, _, carried, received, passed = follow_lots(
        ts, src, dst, amount, seed_of, holds, is_party, np.array([1.0, 1.0]), limits
    )
    records = [
        (rows[i][0], rows[i][1], rows[i][2], int(k), int(h), round(float(c), 6))
        for i, k, h, c in zip(t, seed, hops, carried, strict=True)
    ]
    return {"records": records, "received": received, "passed": passed}


def test_a_batch_forward_carries_exactly_the_run_of_lots_it_sums_less_the_fee() -> None:
    out = replay(
        (0, "S", "m", 300),  # waits at m: forwarded later on its own
        (1, "T", "m", 1000),
        (2, "T", "m", 500),
        (5, "m", "c", 1470),  # (1000 + 500) less 2%: the run after the waiting lot, not the oldest lots
        (8, "m", "c", 297),  # the waiting lot less 1%
    )
    assert [r for r in out["records"] if r[1] == "m"] == [
        (5, "m", "c", 1, 2, 1470.0),
        (8, "m", "c", 0, 2, 297.0),
    ]


def test_pieces_of_a_split_payment_share_the_lots_they_sum() -> None:
    out = replay(
        (0, "S", "m", 600),
        (0, "T", "m", 400),
        (3, "m", "c", 594),  # three pieces within hours of each other: 990 = (600 + 400) less 1%
        (3 + 1 / 24, "m", "m2", 297),
        (3 + 2 / 24, "m", "c", 99),
    )
    pieces = [r for r in out["records"] if r[1] == "m"]
    # each piece carries its share (594 / 990, 297 / 990, 99 / 990) of both lots less the 1% fee: 594 and 396
    assert pieces == [
        (3, "m", "c", 0, 2, 356.4),
        (3, "m", "c", 1, 2, 237.6),
        (3 + 1 / 24, "m", "m2", 0, 2, 178.2),
        (3 + 1 / 24, "m", "m2", 1, 2, 118.8),
        (3 + 2 / 24, "m", "c", 0, 2, 59.4),
        (3 + 2 / 24, "m", "c", 1, 2, 39.6),
    ]


def test_an_unmatched_outflow_spends_the_accounts_own_money_before_the_networks() -> None:
    out = replay(
        (0, "boss", "m", 500),  # salary: m's own money
        (1, "S", "m", 1000),
        (2, "m", "shop", 300),  # no lot of 300: paid from the salary
        (3, "m", "shop", 400),  # 200 of salary left, then 200 of the network's money
    )
    assert [r for r in out["records"] if r[1] == "m"] == [(3, "m", "shop", 0, 2, 200.0)]


def test_a_payee_of_the_accounts_own_life_is_paid_from_its_own_money_even_when_the_amount_matches() -> None:
    out = replay(
        (0, "boss", "m", 3000),
        (1, "m", "landlord", 1000),  # rent, paid before the network's money ever reached m
        (40, "S", "m", 1000),
        (41, "m", "landlord", 1000),  # the same rent: matches the network's lot, but is paid from the salary
        (45, "m", "c", 990),
    )
    assert [r for r in out["records"] if r[1] == "m"] == [(45, "m", "c", 0, 2, 990.0)]


def test_a_payee_forwarded_to_before_gets_the_networks_money_first() -> None:
    out = replay(
        (0, "boss", "m", 5000),
        (1, "S", "m", 1000),
        (2, "m", "c", 990),  # a forward: c is now the next account of the chain
        (3, "S", "m", 800),
        (4, "m", "c", 500),  # matches nothing, but goes to the chain: from the lot, not the salary
        (5, "m", "shop", 500),  # a new payee matching nothing: from the salary
    )
    assert [r for r in out["records"] if r[1] == "m"] == [
        (2, "m", "c", 0, 2, 990.0),
        (4, "m", "c", 0, 2, 500.0),
    ]


def test_money_is_followed_no_further_than_max_hops() -> None:
    rows = ((0, "S", "m", 100), (1, "m", "m2", 100), (2, "m2", "c", 100))
    assert [r[4] for r in replay(*rows)["records"]] == [1, 2, 3]
    assert [r[4] for r in replay(*rows, limits=(2, *LIMITS[1:]))["records"]] == [1, 2]


def test_pass_through_counts_money_paid_on_to_parties_within_the_window() -> None:
    out = replay(
        (0, "S", "m", 1000),
        (3, "m", "c", 600),  # paid on within days
        (4, "m", "CASH", 400),  # withdrawn: the money stops here
        (10, "S", "c", 100),
        (40, "c", "shop", 700),  # c pays on, but weeks later
        (90, "boss", "shop", 1),  # the ledger runs on, so every lot above is timed
    )
    assert out["received"][P["m"]] == pytest.approx(1000)
    assert out["passed"][P["m"]] == pytest.approx(600)
    assert out["received"][P["c"]] == pytest.approx(700)
    assert out["passed"][P["c"]] == pytest.approx(0)


def test_the_pools_grow_mid_pass_without_changing_what_is_carried() -> None:
    """Far more seeds, lots, parts and records than the pools start with (64 carries, 256 lots, 1,024 parts
    and records): the pass stops where one is short, grows it and goes on from that transfer."""
    k = 1500
    mule, collector = k, k + 1
    paid = np.arange(1, k + 1, dtype=np.float64)  # seed i pays the mule i + 1, an hour apart
    ts = np.r_[np.arange(k + 1) * HOUR, (k + 1) * HOUR + 60 * DAY].astype(np.int64)
    src = np.r_[np.arange(k), mule, k + 2]
    dst = np.r_[np.full(k, mule), collector, k + 3]  # the last transfer (honest, later) ends the ledger
    amount = np.r_[paid, paid.sum(), 5.0]
    seed_of = np.r_[np.arange(k), np.full(4, -1)].astype(np.int64)
    t, seed, hops, _, _, carried, received, _ = follow_lots(
        ts, src, dst, amount, seed_of, seed_of < 0, np.ones(k + 4, bool), np.zeros(k), LIMITS
    )
    on = hops == 2  # the mule's one payout, oldest lots first: every seed's money whole, one record per seed
    np.testing.assert_array_equal(t[on], np.full(k, k))
    np.testing.assert_array_equal(seed[on], np.arange(k))
    np.testing.assert_array_equal(carried[on], paid)
    np.testing.assert_array_equal(carried[hops == 1], paid)
    assert received[mule] == received[collector] == paid.sum()
