"""Ground truth is consistent with the tables, evidence exists at every difficulty, confounders exist."""

from __future__ import annotations

import duckdb
import pytest
from tests.simulate.conftest import market_connection

from marketguard.simulate import Marketplace


def _con(mp: Marketplace) -> duckdb.DuckDBPyConnection:
    con = market_connection(mp)
    con.execute("""
        create view env as
        select distinct l.account_id, 'dev:' || l.device_id as token from logins l
        union select distinct l.account_id, 'wifi:' || l.wifi_bssid from logins l where l.wifi_bssid is not null
        union select distinct l.account_id, 'net:' || regexp_replace(l.ip, '\\.\\d+$', '') from logins l
        where l.ip not like '%:%'
    """)
    con.execute("""
        create view seller as
        select s.account_id, t.operator_id, t.operator_kind, s.store_id
        from stores s join truth_stores t using (store_id)
    """)
    return con


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_every_counterfeit_account_links_to_its_operator(markets_by_difficulty, difficulty: str) -> None:
    con = _con(markets_by_difficulty[difficulty])
    # distinct borrowed identities: one id document per store account
    dup = con.execute("""
        select count(*) from (select s.operator_id, a.id_document, count(*) n from seller s
        join accounts a using (account_id) where s.operator_kind = 'counterfeit' group by all having n > 1)
    """).fetchone()[0]
    assert dup == 0
    # each account of a multi-store operator shares a device, Wi-Fi or IPv4 /24 with a sibling account,
    # and the sharing graph reaches every account of the operator
    unlinked = con.execute("""
        with cf as (select * from seller where operator_kind = 'counterfeit'),
        pairs as (select distinct a.account_id from cf a join env e1 on e1.account_id = a.account_id
                  join env e2 on e2.token = e1.token and e2.account_id <> a.account_id
                  join cf b on b.account_id = e2.account_id and b.operator_id = a.operator_id)
        select count(*) from cf where account_id not in (select account_id from pairs)
        and operator_id in (select operator_id from cf group by 1 having count(*) > 1)
    """).fetchone()[0]
    assert unlinked == 0


def test_agencies_share_their_office_environment(market: Marketplace) -> None:
    con = _con(market)
    shared = con.execute("""
        select s.operator_id, max(n) from (
          select s.operator_id, e.token, count(distinct s.account_id) n from seller s
          join env e using (account_id) where s.operator_kind = 'agency' group by all) s group by 1
    """).fetchall()
    assert len(shared) >= 5
    assert sum(n >= 3 for _, n in shared) / len(shared) > 0.9


def test_hub_artifacts_exist(market: Marketplace) -> None:
    con = _con(market)
    biggest_wifi = con.execute("""select max(n) from (select wifi_bssid, count(distinct account_id) n from logins
                                  where wifi_bssid is not null group by 1)""").fetchone()[0]
    biggest_ip = con.execute(
        "select max(n) from (select ip, count(distinct account_id) n from logins group by 1)"
    ).fetchone()[0]
    biggest_dev = con.execute(
        "select max(n) from (select device_id, count(distinct account_id) n from logins group by 1)"
    ).fetchone()[0]
    assert max(biggest_wifi, biggest_ip) >= 100
    assert biggest_dev >= 50
    families = con.execute("""select count(*) from (select wifi_bssid, count(distinct account_id) n from logins
                              where wifi_bssid is not null group by 1 having n between 2 and 4)""").fetchone()[
        0
    ]
    assert families > 100


def test_labels_cover_about_ten_percent_of_stores_biased_to_old_and_counterfeit(market: Marketplace) -> None:
    con = _con(market)
    share, age_lab, age_all, cf_lab, cf_all, agree = con.execute("""
        with l as (select entity_id as store_id, label from labels where entity_type = 'store')
        select count(l.store_id) / count(*),
               avg(case when l.store_id is not null then epoch(timestamp '2026-01-01' - s.opened_at) end),
               avg(epoch(timestamp '2026-01-01' - s.opened_at)),
               avg(case when l.store_id is not null then t.is_counterfeit::int end), avg(t.is_counterfeit::int),
               bool_and(l.label is null or l.label = t.is_counterfeit::int)
        from stores s join truth_stores t using (store_id) left join l using (store_id)
    """).fetchone()
    assert 0.09 <= share <= 0.11
    assert age_lab > 1.1 * age_all
    assert cf_lab > 1.8 * cf_all
    assert agree


def _cf_office_share(mp: Marketplace) -> float:
    """Share of counterfeit-account logins on a device/Wi-Fi/24 used by a sibling account of the operator."""
    con = _con(mp)
    return con.execute("""
        with cf as (select * from seller where operator_kind = 'counterfeit'),
        tok as (select distinct e.token, cf.operator_id, cf.account_id from env e join cf using (account_id)),
        shared as (select token, operator_id from tok group by all having count(*) > 1),
        lg as (select l.account_id, cf.operator_id, 'dev:' || l.device_id d, 'wifi:' || l.wifi_bssid w
               from logins l join cf using (account_id))
        select avg((d in (select token from shared s where s.operator_id = lg.operator_id)
                   or coalesce(w in (select token from shared s where s.operator_id = lg.operator_id), false))::int)
        from lg
    """).fetchone()[0]


def test_difficulty_changes_camouflage(markets_by_difficulty) -> None:
    m = markets_by_difficulty
    share = {d: _cf_office_share(m[d]) for d in m}
    assert share["easy"] > share["normal"] > share["hard"] > 0.1
    basic, tell = {}, {}
    for d, mp in m.items():
        con = _con(mp)
        basic[d] = con.execute(
            "select avg((template = 'basic')::int) from stores join truth_stores using (store_id)"
            " where is_counterfeit"
        ).fetchone()[0]
        tell[d] = (
            con.execute("""select avg(regexp_matches(title, 'Replica|1:1|AAA|Mirror|Original Quality|高仿|原单|复刻|顶级版|纯原|莆田')::int)
                                 from listings join truth_stores using (store_id)
                                 where is_counterfeit and brand is not null""").fetchone()[0]
        )
    assert basic["easy"] > basic["normal"] > basic["hard"]
    assert tell["easy"] > tell["normal"] > tell["hard"]


def test_confounders_honest_basic_templates_and_cheap_honest_sales(market: Marketplace) -> None:
    con = _con(market)
    basic_ind = con.execute("""select avg((template = 'basic')::int) from stores join truth_stores using (store_id)
                               where operator_kind = 'independent'""").fetchone()[0]
    assert 0.15 < basic_ind < 0.45
    clearance = con.execute("""select avg((l.price < 0.85 * b.reference_price)::int) from listings l
                               join brands b using (brand) join truth_stores t using (store_id)
                               where not t.is_counterfeit""").fetchone()[0]
    assert 0.05 < clearance < 0.3
    cf_cheap = con.execute("""select avg((l.price < 0.6 * b.reference_price)::int) from listings l
                              join brands b using (brand) join truth_stores t using (store_id)
                              where t.is_counterfeit""").fetchone()[0]
    assert cf_cheap > 0.8
    authorized_cf = con.execute("""select count(*) from authorized_sellers a join truth_stores t using (store_id)
                                   where t.is_counterfeit""").fetchone()[0]
    assert authorized_cf == 0


def test_fake_reviews_come_from_farms_in_bursts_on_counterfeit_stores(market: Marketplace) -> None:
    con = _con(market)
    fake_share, five, on_cf, no_order = con.execute("""
        select avg(is_fake::int), avg(case when is_fake then (rating = 5)::int end),
               avg(case when is_fake and farm_id is not null then t.is_counterfeit::int end),
               avg(case when is_fake then (order_id is null)::int end)
        from reviews r join truth_reviews using (review_id) join listings l using (listing_id)
        join truth_stores t on t.store_id = l.store_id
    """).fetchone()
    assert 0.03 < fake_share < 0.3
    assert five > 0.8
    assert 0.5 < on_cf < 0.95  # camouflage reviews land on honest listings
    assert 0.2 < no_order < 0.7
    farm_roles = con.execute("""select count(*) from reviews r join truth_reviews using (review_id)
                                join truth_accounts a on a.account_id = r.reviewer_account_id
                                where is_fake and a.role <> 'review_farm'""").fetchone()[0]
    assert farm_roles == 0


def test_money_reaches_collectors_and_sites_match_shipments(market: Marketplace) -> None:
    con = _con(market)
    collectors = con.execute("""select count(distinct p.operator_id) from truth_parties p
                                join transfers t on t.to_party = p.party where p.role = 'collector'""").fetchone()[
        0
    ]
    ops = con.execute("select count(distinct operator_id) from truth_stores where is_counterfeit").fetchone()[
        0
    ]
    assert collectors >= 0.9 * ops
    matched = con.execute("""
        select avg((sh.origin_address in (select address from truth_sites))::int)
        from shipments sh join orders o using (order_id) join listings l using (listing_id)
        join truth_stores t on t.store_id = l.store_id where not t.is_counterfeit
    """).fetchone()[0]
    assert matched > 0.8


def test_singles_day_is_a_burst(market: Marketplace) -> None:
    con = _con(market)
    peak, median = con.execute("""
        with d as (select cast(ts + interval 8 hour as date) as d_day, count(*) n from orders group by 1)
        select max(case when d_day = date '2025-11-11' then n end), median(n) from d
    """).fetchone()
    assert peak > 3 * median


def test_declarations_of_fronts_are_undervalued(market: Marketplace) -> None:
    con = _con(market)
    fronts, honest = con.execute("""
        select avg(case when t.is_counterfeit then unit end), avg(case when not t.is_counterfeit then unit end) from (
          select d.declaration_id, d.declared_value / d.quantity / (case when d.currency = 'CNY' then 7.2 else 1 end)
                 / (b.reference_price / 7.2) unit
          from declarations d join brands b using (brand)) x join truth_declarations t using (declaration_id)
    """).fetchone()
    assert fronts < 0.3 * honest
