"""The adversarial preset plants each evasion tactic with its honest confounder, keeps the other evidence, and
records it all in the truth (a 1,500-store market, built once per session)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from tests.simulate.conftest import market_connection

from marketguard.simulate import DIFFICULTIES, Marketplace, simulate


@pytest.fixture(scope="module")
def con(adversarial: Marketplace) -> duckdb.DuckDBPyConnection:
    con = market_connection(adversarial)
    con.execute("""
        create view seller as
        select s.account_id, s.store_id, t.operator_id, t.operator_kind, t.bought_at
        from stores s join truth_stores t using (store_id)
    """)
    con.execute("""
        create view cf as select * from seller where operator_kind = 'counterfeit'
        and operator_id in (select operator_id from seller group by 1 having count(*) > 1)
    """)
    con.execute("""
        create view tokens as
        select distinct account_id, 'dev:' || device_id as token from logins
        union select distinct account_id, 'wifi:' || wifi_bssid from logins where wifi_bssid is not null
    """)
    con.execute("""
        create view shared as  -- device or Wi-Fi tokens an account shares with another store of its operator
        select distinct a.account_id, a.operator_id, t1.token from cf a join tokens t1 using (account_id)
        join tokens t2 on t2.token = t1.token and t2.account_id <> t1.account_id
        join cf b on b.account_id = t2.account_id and b.operator_id = a.operator_id
    """)
    con.execute("""
        create view parcels as
        select sh.*, t.is_counterfeit, t.operator_id, l.store_id,
               sh.origin_address in (select value from truth_hubs where kind = '3pl_warehouse') as from_3pl
        from shipments sh join orders o using (order_id) join listings l using (listing_id)
        join truth_stores t on t.store_id = l.store_id
    """)
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:  # type: ignore[type-arg]
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def test_adversarial_is_hard_plus_the_tactics() -> None:
    hard, adv = DIFFICULTIES["hard"], DIFFICULTIES["adversarial"]
    changed = {k for k in vars(adv) if getattr(adv, k) != getattr(hard, k)}
    assert changed - {"name", "shared_3pl_rate"} == {
        *("antidetect_profiles", "office_wifi_leak_rate", "boss_slip_rate", "bought_store_rate"),
        *("kept_listing_share", "copy_catalog_rate", "popular_model_rate", "mule_layers", "collector_months"),
        *("n_operator_3pl", "front_own_contact_rate", "forwarder_rate"),
        # issue 16: premium replicas, careful customs fronts, farms and labels
        *(
            "near_reference_rate",
            "basic_template_rate",
            "tell_word_rate",
            "undervalue",
            "hs_inconsistent_rate",
        ),
        *("burst_days", "camouflage_rate", "grey_store_share", "crowd_farms", "forwarder_parcel_rate"),
        "overseas_consignees",
        *("label_share", "label_noise", "sloppy_labels"),
    }
    assert adv.shared_3pl_rate == 0.5
    assert (adv.near_reference_rate, adv.basic_template_rate, adv.undervalue) == (0.5, 0.5, (0.3, 0.6))


def test_adversarial_output_is_deterministic() -> None:
    a = simulate(n_stores=400, seed=9, difficulty="adversarial")
    b = simulate(n_stores=400, seed=9, difficulty="adversarial")
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name
    for name in a.truth:
        assert a.truth[name].equals(b.truth[name]), name


def test_stores_rarely_share_a_device_or_wifi_with_their_operators_other_stores(con) -> None:  # type: ignore[no-untyped-def]
    stores, logins = one(
        con,
        """select (select count(distinct account_id) from shared)::double / (select count(*) from cf),
                  avg(('dev:' || device_id in (select token from shared s where s.account_id = l.account_id)
                       or coalesce('wifi:' || wifi_bssid in (select token from shared s
                                                            where s.account_id = l.account_id), false))::int)
           from logins l where account_id in (select account_id from cf)""",
    )
    assert stores < 0.7  # on hard every store shares its office with a sibling
    assert logins < 0.08  # and a quarter of the logins are made there
    no_wifi = one(
        con,
        """select 1 - (select count(distinct operator_id) from shared where token like 'wifi:%')::double
                      / count(distinct operator_id) from cf""",
    )[0]
    assert 0.4 < no_wifi < 0.8  # about half the operators share no Wi-Fi at all


def test_the_boss_slips_on_two_or_three_stores_once_or_twice(con) -> None:  # type: ignore[no-untyped-def]
    # a phone without Wi-Fi logged into 2-3 stores of one operator with 1-2 logins each: the boss's
    slips = con.execute("""
        select count(distinct l.account_id) n, max(c) from (
          select device_id, account_id, count(*) c from logins where wifi_bssid is null group by all) l
        join cf using (account_id) group by l.device_id
        having count(distinct cf.operator_id) = 1 and n between 2 and 3 and max(c) <= 2
    """).fetchall()
    n_ops = one(con, "select count(distinct operator_id) from cf")[0]
    assert 0.4 * n_ops < len(slips) <= n_ops


def test_residential_exits_are_honest_households(con) -> None:  # type: ignore[no-untyped-def]
    on_household, exits_shared = one(
        con,
        """with buyer_ip as (select distinct ip from logins join truth_accounts using (account_id)
                             where role = 'buyer'),
                exits as (select hub_id, value ip from truth_hubs where kind = 'proxy_exit')
           select avg((l.ip in (select ip from exits))::int),
                  (select count(distinct hub_id) from exits where ip in (select ip from buyer_ip))::double
                  / (select count(distinct hub_id) from exits)
           from logins l join cf using (account_id)""",
    )
    assert on_household > 0.5  # most store logins come through households' home connections
    assert exits_shared > 0.8  # and the households log in from them too
    cross = one(
        con,
        """select count(*) from (select ip from logins l join cf using (account_id)
           where ip in (select value from truth_hubs where kind = 'proxy_exit')
           group by ip having count(distinct operator_id) > 1)""",
    )[0]
    assert cross > 0  # an exit drawn by two operators ties them through a household


def test_half_the_counterfeit_parcels_leave_shared_3pl_warehouses(con) -> None:  # type: ignore[no-untyped-def]
    cf_share = one(con, "select avg(from_3pl::int) from parcels where is_counterfeit")[0]
    honest_stores = one(
        con,
        """select min(n) from (select origin_address, count(distinct store_id) filter (where not is_counterfeit) n
                               from parcels where from_3pl and origin_address in
                                 (select origin_address from parcels where is_counterfeit and from_3pl)
                               group by 1)""",
    )[0]
    assert 0.4 < cf_share < 0.6
    assert (
        honest_stores >= 5
    )  # every warehouse a counterfeit operator uses also ships for several honest stores
    # the factory ships the rest under phones shared by the operator's stores
    shared_phone = one(
        con,
        """select avg((n > 1)::int) from (select operator_id, sender_phone, count(distinct store_id) n from parcels
           where is_counterfeit and not from_3pl group by all)""",
    )[0]
    assert shared_phone > 0.5


def test_money_reaches_rotating_collectors_through_two_to_four_mule_layers(con) -> None:  # type: ignore[no-untyped-def]
    hops = dict(
        con.execute("select role, list(distinct hops order by hops) from truth_parties group by 1").fetchall()
    )
    assert hops["collector"] == [3, 4, 5]  # store account -> 2..4 mules -> collector
    assert hops["mule"] == [1, 2, 3, 4]
    per_op, span_days = one(
        con,
        """select median(n), (select median(epoch(last_received_at - first_received_at) / 86400)
                              from truth_parties where role = 'collector')
           from (select operator_id, count(*) n from truth_parties where role = 'collector' group by 1)""",
    )
    assert per_op >= 4 and 15 < span_days < 100  # a collector serves one to three months
    # a store account pays its first mule days to two weeks (four when held) after the settlement
    lag = con.execute("""
        with s as (select to_party bank, ts from transfers where kind = 'settlement'),
        out as (select t.from_party bank, t.ts from transfers t join truth_parties p on p.party = t.to_party
                where p.role = 'mule' and t.from_party in (select bank from s))
        select min(d), max(d) from (select out.ts - max(s.ts) filter (where s.ts <= out.ts) d
                                    from out join s using (bank) group by out.bank, out.ts)
    """).fetchone()
    assert lag is not None and lag[0].days >= 0 and lag[1].days <= 29
    # a mule forwards what it received half a day to two weeks before (its run's wait and hold), less a fee
    early_or_late = one(
        con,
        """with m as (select party from truth_parties where role = 'mule'),
           inflow as (select to_party mule, ts from transfers where to_party in (select party from m)
                      and from_party in (select party from truth_parties union select to_party from transfers
                                         where kind = 'settlement')),
           outflow as (select from_party mule, ts from transfers where from_party in (select party from m)
                       and to_party in (select party from truth_parties))
           select count(*) from outflow o where not exists (
             select 1 from inflow i where i.mule = o.mule
             and i.ts between o.ts - interval 14 day - interval 5 hour and o.ts - interval 12 hour)""",
    )[0]
    assert early_or_late == 0
    received = dict(con.execute("select role, sum(amount_received) from truth_parties group by 1").fetchall())
    assert (
        received["collector"]
        < 0.99
        * one(
            con,
            "select sum(amount) from transfers t join truth_parties p on p.party = t.to_party "
            "where p.role = 'mule' and p.hops = 1 and t.from_party in (select to_party from transfers "
            "where kind = 'settlement')",
        )[0]
    )


def test_mules_carry_honest_money_like_their_look_alikes(con) -> None:  # type: ignore[no-untyped-def]
    mule_in, mule_money = one(
        con,
        """select sum(t.amount), (select sum(amount_received) from truth_parties where role = 'mule')
           from transfers t join truth_parties p on p.party = t.to_party where p.role = 'mule'""",
    )
    assert mule_in > 1.1 * mule_money  # salaries and rent shares besides the operator's money
    payers = one(
        con,
        """with salaried as (select to_party, count(*) n from transfers where kind = 'transfer'
                             and from_party in (select from_party from transfers group by 1
                                                having count(distinct to_party) >= 10)
                             group by 1 having n >= 10)
           select count(*) filter (where to_party in (select party from truth_parties)),
                  count(*) filter (where to_party not in (select party from truth_parties))
           from salaried""",
    )
    assert payers[0] > 0 and payers[1] > payers[0] * 0.8  # as many salaried people who are nobody's mules


def test_fronts_file_through_forwarders_legitimate_exporters_use(con) -> None:  # type: ignore[no-untyped-def]
    fwd_front, fwd_honest = one(
        con,
        """select avg(case when is_counterfeit then (forwarder_id is not null)::int end),
                  (select avg(f::int) from (select bool_or(t.forwarder_id is not null) f from declarations d
                   join truth_declarations t using (declaration_id) where not t.is_counterfeit group by d.exporter))
           from truth_declarations""",
    )
    assert fwd_front > 0.8 and 0.2 < fwd_honest < 0.8  # about half the legitimate exporters use forwarders
    both = one(
        con,
        """select count(*) from (select forwarder_id from truth_declarations where forwarder_id is not null
           group by 1 having bool_or(is_counterfeit) and bool_or(not is_counterfeit))""",
    )[0]
    assert both >= 2
    slips = one(
        con,
        """select avg((d.exporter_address in (select origin_address from shipments)
                      and d.exporter_address not in (select value from truth_hubs)
                      or d.exporter_phone in (select sender_phone from shipments)
                      and d.exporter_phone not in (select value from truth_hubs))::int)
           from declarations d join truth_declarations t using (declaration_id) where t.is_counterfeit""",
    )[0]
    assert 0.02 < slips < 0.25  # fronts use their own contacts; the rest name the factory (not a hub)


def test_forwarders_ship_parcels_of_the_networks_they_file_for_and_of_honest_stores(con) -> None:  # type: ignore[no-untyped-def]
    """A forwarder's warehouse ships for the operators whose fronts it files for and for honest cross-border
    stores: its parcel contacts are hubs (truth/hubs lists them), no one network's own."""
    con.execute("""
        create or replace view forwarder_parcels as
        select p.*, h.hub_id from parcels p join truth_hubs h
        on h.kind = 'freight_forwarder' and h.field = 'shipments.sender_phone' and h.value = p.sender_phone
    """)
    operators, honest_stores, share, filed = one(
        con,
        """select count(distinct operator_id) filter (where is_counterfeit),
                  count(distinct store_id) filter (where not is_counterfeit),
                  (select count(*) from forwarder_parcels) / (select count(*) from parcels)::double,
                  (select avg((f.operator_id in (select t.operator_id from truth_declarations t
                      where t.forwarder_id = f.hub_id))::int) from forwarder_parcels f where f.is_counterfeit)
           from forwarder_parcels""",
    )
    assert operators >= 3 and honest_stores >= 10 and 0.005 < share < 0.1
    assert filed == 1.0  # a network's parcels go to the forwarder filing its fronts' exports
    addressed = one(
        con,
        """select avg((origin_address in (select value from truth_hubs where kind = 'freight_forwarder'
                   and field = 'shipments.origin_address'))::int) from forwarder_parcels""",
    )[0]
    assert addressed == 1.0
    lead, small = one(
        con,
        """select min(lead), max(lead) from (select hub_id, max(n / total) lead from (select hub_id, operator_id,
                  count(*) n, sum(count(*)) over (partition by hub_id) total from forwarder_parcels group by 1, 2)
                  group by 1)""",
    )
    # no operator ships half of the big forwarders' parcels; a small one may look like an operator's own
    assert lead < 0.5 and small > lead


def test_fronts_of_one_operator_sell_to_its_distributors_honest_exporters_to_their_own_buyers(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("""
        create or replace view buyers as
        select d.consignee, d.destination_country, count(distinct d.exporter) exporters,
               count(distinct t.operator_id) operators, bool_or(t.is_counterfeit) cf, bool_or(not t.is_counterfeit) honest
        from declarations d join truth_declarations t using (declaration_id)
        where d.consignee not in (select value from truth_hubs where kind = 'shared_importer')
        group by 1, 2
    """)
    mixed, siblings, honest_shared = one(
        con,
        """select count(*) filter (where cf and honest), count(*) filter (where cf and exporters > 1),
                  count(*) filter (where not cf and exporters > 1) from buyers""",
    )
    assert mixed == 0 and siblings >= 1 and honest_shared == 0
    assert one(con, "select max(operators) from buyers where cf")[0] == 1
    shared, exporters = one(
        con,
        """select avg((consignee in (select value from truth_hubs where kind = 'shared_importer'))::int),
                  (select max(n) from (select count(distinct exporter) n from declarations d join truth_hubs h
                   on h.kind = 'shared_importer' and h.value = d.consignee group by h.hub_id))
           from declarations""",
    )
    assert (
        0.15 < shared < 0.4 and exporters > 5
    )  # the big importers: each from many exporters where trade is busy


def test_bought_stores_are_old_with_a_kept_catalogue(con) -> None:  # type: ignore[no-untyped-def]
    share, history, kept = one(
        con,
        """select avg((bought_at is not null)::int),
                  min(case when bought_at is not null then epoch(bought_at - s.opened_at) / 86400 end),
                  avg(case when bought_at is not null then (select avg((l.listed_at < t.bought_at)::int)
                      from listings l where l.store_id = t.store_id) end)
           from truth_stores t join stores s using (store_id) where t.is_counterfeit""",
    )
    assert 0.3 < share < 0.5 and history >= 365 and 0.15 < kept < 0.65
    early = one(
        con,
        """select count(*) from logins l join stores s using (account_id) join truth_stores t using (store_id)
           where t.bought_at is not null and l.ts < t.bought_at""",
    )[0]
    assert early == 0  # the operator logs in from the purchase on
    aged = one(con, "select avg(is_aged_account::int) from truth_stores where is_counterfeit")[0]
    assert aged > share


def test_operators_copy_one_catalogue_and_honest_resellers_look_alike(con) -> None:  # type: ignore[no-untyped-def]
    same_list, honest = one(
        con,
        """with l as (select l.store_id, l.brand, l.price, t.operator_id, t.is_counterfeit
                      from listings l join truth_stores t using (store_id) where l.brand is not null),
           pairs as (select brand, price, count(distinct store_id) n, count(distinct operator_id) k,
                            bool_and(is_counterfeit) cf from l group by 1, 2)
           select (select avg((brand, price) in (select brand, price from pairs where cf and n > 1 and k = 1)::int)
                   from l where is_counterfeit),
                  (select count(*) from pairs where not cf and k > 1)""",
    )
    assert same_list > 0.3  # the same goods at the same price in several stores of one operator
    assert honest > 20  # unrelated honest stores at the same price for the same brand (MAP pricing)


@pytest.mark.parametrize("difficulty", ["normal", "hard"])
def test_older_presets_have_no_tactic_traces(markets_by_difficulty, difficulty: str) -> None:  # type: ignore[no-untyped-def]
    mp = markets_by_difficulty[difficulty]
    assert mp.truth["stores"]["bought_at"].null_count == mp.truth["stores"].num_rows
    assert mp.truth["declarations"]["forwarder_id"].null_count == mp.truth["declarations"].num_rows
    assert set(mp.truth["hubs"]["kind"].to_pylist()) == {"3pl_warehouse"}
    assert "consignee" not in mp.tables["declarations"].column_names
    hops = np.array(mp.truth["parties"].filter(np.array(mp.truth["parties"]["role"]) == "collector")["hops"])
    assert hops.max() <= 3


def test_store_labels_are_scarce_noisy_and_favour_the_sloppiest_counterfeit_stores(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("""
        create or replace view store_labels as
        select l.label, t.is_counterfeit, t.store_id from labels l join truth_stores t on t.store_id = l.entity_id
        where l.entity_type = 'store'
    """)
    con.execute("""
        create or replace view discount as  -- per counterfeit store, the mean discount of its branded listings
        select l.store_id, avg(greatest(0, 1 - l.price / b.reference_price)) as d
        from listings l join brands b using (brand) join cf using (store_id) group by 1
    """)
    share, wrong = one(
        con,
        """select count(*)::double / (select count(*) from stores),
                  avg((label = 1 and not is_counterfeit or label = 0 and is_counterfeit)::int)
           from store_labels""",
    )
    labelled, unlabelled = one(
        con,
        """select avg(d) filter (where store_id in (select store_id from store_labels)),
                  avg(d) filter (where store_id not in (select store_id from store_labels)) from discount""",
    )
    assert 0.03 < share < 0.05
    assert 0 < wrong < 0.15  # 5% flipped (60 labels here), plus the grey-market takedowns (labelled 1)
    assert labelled > unlabelled + 0.1  # the labelled counterfeit stores are the cheapest ones
