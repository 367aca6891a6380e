"""Crowd-sourced review farms (``crowd_farms``, adversarial): workers' own aged accounts, phones and homes, campaigns
spread over weeks, long varied texts in a four-and-five-star mix, real purchases on honest stores."""

from __future__ import annotations

import duckdb
import pytest
from tests.simulate.conftest import market_connection

from marketguard.simulate import simulate

#: A device or Wi-Fi used by this many accounts outside the farms is public (a hotspot, a factory-default device
#: id): it ties nobody. Homes hold at most four buyers besides a worker.
PUBLIC_MIN_ACCOUNTS = 5


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    mp = simulate(n_stores=2000, seed=3, difficulty="adversarial")
    con = market_connection(mp)
    con.execute("""
        create view worker as select a.*, t.operator_id as farm_id from accounts a
        join truth_accounts t using (account_id) where t.role = 'review_farm'
    """)
    con.execute("""
        create view farm_review as select r.*, t.farm_id, t.campaign_id, t.is_fake, l.store_id, s.is_counterfeit
        from reviews r join truth_reviews t using (review_id) join listings l using (listing_id)
        join truth_stores s using (store_id) where t.farm_id is not null
    """)
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:  # type: ignore[type-arg]
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def test_worker_accounts_are_years_old_with_a_phone_number_of_their_own(
    con: duckdb.DuckDBPyConnection,
) -> None:
    age_days, created_2025 = one(
        con,
        """select median(epoch(first_review - created_at) / 86400), avg((created_at >= '2025-01-01')::int)
           from worker join (select reviewer_account_id as account_id, min(ts) as first_review
                             from farm_review group by 1) using (account_id)""",
    )
    assert age_days >= 365
    assert created_2025 == 0  # task platforms take accounts with a purchase history
    phones, most = one(
        con,
        "select count(distinct phone)::double / count(*), max(n) from (select phone, count(*) over (partition by phone) n from worker)",
    )
    assert phones > 0.99 and most < 3  # no SIM pool


def test_few_workers_share_a_private_device_or_wifi_with_another_worker(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("""
        create temp table token as
        select distinct account_id, 'dev:' || device_id as token from logins
        union select distinct account_id, 'wifi:' || wifi_bssid from logins where wifi_bssid is not null
    """)
    sharing, biggest = one(
        con,
        f"""with public as (select token from token where account_id not in (select account_id from worker)
                            group by 1 having count(*) >= {PUBLIC_MIN_ACCOUNTS}),
                 private as (select * from token join worker using (account_id)
                             where token not in (select token from public)),
                 per_token as (select token, count(*) as n from private group by 1)
            select (select count(distinct account_id) from private join per_token using (token) where n > 1)::double
                   / (select count(*) from worker),
                   (select max(n) from per_token)""",
    )
    # only a worker's second account (2% of the accounts: ~4% in pairs) shares its home and phone
    assert 0 < sharing < 0.08
    assert biggest <= 3  # no farm rack, no farm Wi-Fi


def test_campaigns_span_weeks_one_review_per_worker(con: duckdb.DuckDBPyConnection) -> None:
    span, n_campaigns = one(
        con,
        """select median(days), count(*) from (
             select epoch(max(ts) - min(ts)) / 86400 as days from farm_review where campaign_id is not null
             group by campaign_id having count(*) >= 5)""",
    )
    assert n_campaigns > 50
    assert span >= 7
    repeats = one(
        con,
        """select 1 - count(distinct (campaign_id, reviewer_account_id))::double / count(*)
           from farm_review where campaign_id is not null""",
    )[0]
    assert repeats < 0.01  # a worker takes a campaign's task once


def test_ratings_are_fours_and_fives_in_a_buyer_like_mix(con: duckdb.DuckDBPyConnection) -> None:
    low, five = one(
        con, "select max(rating < 4), avg((rating = 5)::int) from farm_review where campaign_id is not null"
    )
    assert not low
    assert 0.5 < five < 0.7


def test_fake_texts_are_varied_and_at_least_as_long_as_genuine_praise(con: duckdb.DuckDBPyConnection) -> None:
    duplicated = one(
        con,
        r"""with norm as (select regexp_replace(lower(text), '[^\p{L}\p{N}]+', '', 'g') as t
                          from farm_review where campaign_id is not null)
            select avg((n > 1)::int) from norm join (select t, count(*) as n from norm group by 1) using (t)""",
    )[0]
    assert duplicated < 0.02
    fake_len, genuine_len = one(
        con,
        """select (select avg(length(text)) from farm_review where campaign_id is not null),
                  avg(length(text)) from reviews join truth_reviews using (review_id)
           where not is_fake and rating >= 4""",
    )
    assert fake_len >= genuine_len


def test_workers_buy_and_review_honest_stores_and_shop_for_themselves(con: duckdb.DuckDBPyConnection) -> None:
    on_honest, with_order, own_order = one(
        con,
        """select (select count(distinct reviewer_account_id) from farm_review where not is_counterfeit)::double
                  / (select count(*) from worker),
                  avg((o.buyer_account_id = r.reviewer_account_id)::int),
                  (select count(distinct buyer_account_id) from orders where buyer_account_id in
                     (select account_id from worker)
                   and order_id not in (select order_id from farm_review where order_id is not null))::double
                  / (select count(*) from worker)
           from farm_review r left join orders o using (order_id)""",
    )
    assert on_honest > 0.8
    assert (
        with_order == 1
    )  # every farm review follows the worker's own (refunded) purchase, as genuine ones do
    assert own_order > 0.5  # and workers shop for themselves


def test_truth_labels_every_farm_review_fake_and_campaigns_hit_clients(
    con: duckdb.DuckDBPyConnection,
) -> None:
    all_fake, campaign_on_cf, camouflage_on_cf = one(
        con,
        """select bool_and(is_fake), avg(case when campaign_id is not null then is_counterfeit::int end),
                  avg(case when campaign_id is null then is_counterfeit::int end) from farm_review""",
    )
    assert all_fake  # camouflage is paid farm work, labelled fake with its farm like the campaigns
    assert campaign_on_cf > 0.9  # campaigns are for clients, almost all counterfeit stores
    assert camouflage_on_cf == 0
    not_farm = one(
        con,
        """select count(*) from reviews r join truth_reviews t using (review_id)
           join truth_accounts a on a.account_id = r.reviewer_account_id where t.is_fake and a.role <> 'review_farm'""",
    )[0]
    assert not_farm == 0
