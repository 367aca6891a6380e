"""Tracing metrics: an operator is matched to its network; sites count within 2 km of a top-5 site, money
parties within the top 3 of their role."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from marketguard.evaluate.tracing import haversine_km, money_metrics, operator_networks, site_metrics


def test_operator_is_matched_to_the_network_holding_most_of_its_stores() -> None:
    true = pa.table(
        {
            "store_id": ["S1", "S2", "S3", "S4", "S5"],
            "operator_id": ["op1", "op1", "op1", "op2", "op3"],
            "operator_kind": ["counterfeit"] * 3 + ["counterfeit", "independent"],
        }
    )
    predicted = pa.table(
        {"store_id": ["S1", "S2", "S3", "S4", "S5"], "network_id": ["N-b", "N-b", "N-a", None, "N-c"]}
    )
    assert operator_networks(true, predicted) == {"op1": "N-b"}


def test_a_site_counts_within_two_km_of_a_top_five_site() -> None:
    true_sites = pa.table(
        {
            "operator_id": ["op1", "op1", "op1", "op2"],
            "kind": ["factory", "warehouse", "shop", "warehouse"],
            "lat": [30.0, 31.0, 30.0, 22.0],
            "lon": [120.0, 121.0, 120.0, 113.0],
        }
    )
    sites = pa.table(
        {
            "network_id": ["N-b", "N-b", "N-b"],
            "rank": [1, 2, 6],
            "lat": [30.01, None, 31.0],  # 1.1 km from the factory; the warehouse only at rank 6
            "lon": [120.0, None, 121.0],
        }
    )
    m = site_metrics(sites, true_sites, {"op1", "op2"}, {"op1": "N-b"})
    assert (m["found"], m["true_sites"], m["operators_without_network"]) == (1, 3, 1)
    assert m["recall"] == pytest.approx(1 / 3)
    assert haversine_km(30.0, 120.0, 30.01, 120.0) == pytest.approx(1.112, abs=1e-3)


def test_money_parties_count_within_the_top_three_of_their_role() -> None:
    parties = pa.table(
        {
            "party": ["c1", "s1", "s2", "m1"],
            "operator_id": ["op1"] * 4,
            "role": ["collector", "supplier", "supplier", "mule"],
        }
    )
    money = pa.table(
        {
            "network_id": ["N-b"] * 6,
            "party": ["c1", "x", "s9", "s8", "s7", "s1"],
            "rank": [1, 2, 3, 4, 5, 6],
            "role": ["collector", "other", "supplier", "supplier", "supplier", "supplier"],
        }
    )
    m = money_metrics(money, parties, {"op1"}, {"op1": "N-b"})
    assert (m["collector"]["found"], m["supplier"]["found"]) == (1, 0)  # s1 is the 4th supplier
    assert m["recall"] == pytest.approx(1 / 3)
    assert m["collector"]["precision_top"] == 1.0 and m["supplier"]["precision_top"] == 0.0


def _day(month: int, day: int = 1) -> datetime:
    return datetime(2025, month, day, tzinfo=UTC)


def test_every_collector_of_the_year_counts_against_the_collectors_of_its_own_months() -> None:
    # op1 replaced its collector every two months: c1 (Jan-Feb), c2 (Mar-Apr), c3 (May-Jun), c4 (Jul-Aug)
    spans = [(_day(1), _day(2, 27)), (_day(3), _day(4, 28)), (_day(5), _day(6, 28)), (_day(7), _day(8, 29))]
    parties = pa.table(
        {
            "party": ["c1", "c2", "c3", "c4", "s1"],
            "operator_id": ["op1"] * 5,
            "role": ["collector"] * 4 + ["supplier"],
            "first_received_at": [s[0] for s in spans] + [_day(1, 30)],
            "last_received_at": [s[1] for s in spans] + [_day(9, 30)],
        }
    )
    # ranked by money: c4, c3, then three look-alikes active in January ahead of c1, then c2; supplier s1 first
    money = pa.table(
        {
            "network_id": ["N-b"] * 8,
            "party": ["c4", "c3", "x1", "x2", "x3", "c1", "c2", "s1"],
            "rank": [1, 2, 3, 4, 5, 6, 7, 8],
            "role": ["collector"] * 7 + ["supplier"],
            "first_seen": [
                spans[3][0],
                spans[2][0],
                _day(1, 5),
                _day(1, 9),
                _day(1, 2),
                spans[0][0],
                spans[1][0],
                _day(2),
            ],
            "last_seen": [
                spans[3][1],
                spans[2][1],
                _day(1, 20),
                _day(2, 3),
                _day(1, 25),
                spans[0][1],
                spans[1][1],
                _day(9),
            ],
        }
    )
    m = money_metrics(money, parties, {"op1"}, {"op1": "N-b"})
    # c1 is 4th among the collectors active in its months (x1, x2, x3 first); c2, c3, c4 lead theirs
    assert (m["collector"]["found"], m["collector"]["true"], m["supplier"]["found"]) == (3, 4, 1)
    assert m["recall"] == pytest.approx(4 / 5)
    # without spans (a truth or results that do not record them) each competes with the whole year's top 3
    plain = money_metrics(money.drop_columns(["first_seen", "last_seen"]), parties, {"op1"}, {"op1": "N-b"})
    assert plain["collector"]["found"] == 2
    untimed = money_metrics(money, parties.drop_columns(["first_received_at"]), {"op1"}, {"op1": "N-b"})
    assert untimed["collector"]["found"] == 2
