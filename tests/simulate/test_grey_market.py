"""Grey-market sellers on ``adversarial``: genuine goods below the authorised price from bonded warehouses, honest
in the truth, and absent from the older presets (a 2,000-store market, built once per module)."""

from __future__ import annotations

import duckdb
import pytest
from tests.simulate.conftest import market_connection

from marketguard.features.addresses import normalise_address
from marketguard.simulate import DIFFICULTIES, Marketplace, simulate
from marketguard.simulate.catalog_vocab import TELL_EN, TELL_ZH, VERSION_EN, VERSION_ZH

N_STORES = 2000
VERSION_RE = "|".join([*VERSION_ZH, *VERSION_EN])
IMPORT_RE = "保修|海外版|说明书|插头|电压|国际版|国行|发票|warranty|version|plug|service center"
FAKE_RE = "假|高仿|不是正品|fake|replica|counterfeit|not original"


@pytest.fixture(scope="module")
def grey_market() -> Marketplace:
    return simulate(n_stores=N_STORES, seed=3, difficulty="adversarial")


@pytest.fixture(scope="module")
def con(grey_market: Marketplace) -> duckdb.DuckDBPyConnection:
    con = market_connection(grey_market)
    con.execute("""
        create view seller as
        select s.account_id, s.store_id, s.opened_at, s.template, a.created_at, a.bank_account, t.operator_id,
               t.operator_kind, t.operator_kind = 'grey_market' as is_grey, t.is_counterfeit
        from stores s join truth_stores t using (store_id) join accounts a using (account_id)
    """)
    con.execute("""
        create view parcels as
        select sh.*, s.store_id, s.operator_id, s.operator_kind, s.is_grey, h.hub_id as warehouse
        from shipments sh join orders o using (order_id) join listings l using (listing_id)
        join seller s using (store_id)
        left join (select distinct hub_id, value from truth_hubs where kind = 'bonded_warehouse') h
          on h.value = sh.origin_address
    """)
    con.execute("""
        create view genuine_reviews as
        select r.text, r.rating, s.operator_kind, s.is_grey from reviews r join truth_reviews t using (review_id)
        join listings l using (listing_id) join seller s using (store_id) where not t.is_fake
    """)
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:  # type: ignore[type-arg]
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row


def test_grey_market_stores_are_honest_small_businesses(con) -> None:  # type: ignore[no-untyped-def]
    n, n_ops, cf, bad_ids = one(
        con,
        """select count(*), count(distinct operator_id), count(*) filter (where is_counterfeit),
                  count(*) filter (where operator_id not like 'op_g%') from seller where is_grey""",
    )
    assert n == round(DIFFICULTIES["adversarial"].grey_store_share * N_STORES)
    assert cf == 0 and bad_ids == 0
    sizes = dict(
        con.execute(
            "select n, count(*) from (select count(*) n from seller where is_grey group by operator_id) group by 1"
        ).fetchall()
    )
    assert set(sizes) <= set(range(1, 7)) and max(sizes) >= 3  # some run several stores from one office
    assert (sizes[1] + sizes.get(2, 0)) / n_ops > 0.6  # most run one or two
    roles = one(
        con,
        """select list(distinct role) from truth_accounts where account_id in
           (select account_id from seller where is_grey)""",
    )[0]
    assert roles == ["grey_market_seller"]  # never mistaken for buyers
    # their own company per store, on established accounts, opened over the past years, not in batches
    dup_ids, lead_days, spread_days = one(
        con,
        """with spans as (select epoch(max(opened_at) - min(opened_at)) / 86400 d from seller where is_grey
                          group by operator_id having count(*) > 1)
           select (select count(*) - count(distinct id_document) from accounts
                   where account_id in (select account_id from seller where is_grey)),
                  median(epoch(opened_at - created_at) / 86400), (select median(d) from spans)
           from seller where is_grey""",
    )
    assert dup_ids == 0 and lead_days > 100 and spread_days > 60


def test_genuine_branded_goods_below_reference_from_no_authorised_seller(con) -> None:  # type: ignore[no-untyped-def]
    branded, lo, hi, brands = one(
        con,
        """with g as (select l.*, b.reference_price from listings l join seller s using (store_id)
                      left join brands b using (brand) where s.is_grey)
           select avg((brand is not null)::int), min(price / reference_price), max(price / reference_price),
                  (select avg(n) from (select count(distinct brand) n from g group by store_id))
           from g""",
    )
    assert branded > 0.8 and brands >= 3  # many brands, not one brand's outlet
    assert lo >= 0.55 and hi <= 0.85
    authorised = one(
        con,
        "select count(*) from authorized_sellers where store_id in (select store_id from seller where is_grey)",
    )[0]
    assert authorised == 0
    basic, flagship = one(
        con,
        """select avg((template = 'basic')::int), count(*) filter (where template = 'brand_flagship')
           from seller where is_grey""",
    )
    assert 0.4 < basic < 0.8 and flagship == 0


def test_titles_name_versions_on_some_listings_and_no_tell_words(con) -> None:  # type: ignore[no-untyped-def]
    shares = dict(
        con.execute(
            """select s.operator_kind, avg(regexp_matches(l.title, ?)::int) from listings l
               join seller s using (store_id) where l.brand is not null group by 1""",
            [VERSION_RE],
        ).fetchall()
    )
    assert 0.15 < shares["grey_market"] < 0.45  # a habit, not a universal tell
    assert 0 < shares["independent"] < 0.05  # honest parallel importers use the words too
    tells = one(
        con,
        """select count(*) from listings l join seller s using (store_id)
           where s.is_grey and l.brand is not null and list_has_any(string_split(l.title, ' '), ?)""",
        [*TELL_EN, *TELL_ZH],
    )[0]
    assert tells == 0


def test_most_grey_parcels_leave_bonded_warehouses_shared_with_other_stores(con) -> None:  # type: ignore[no-untyped-def]
    bonded = one(con, "select avg((warehouse is not null)::int) from parcels where is_grey")[0]
    assert 0.65 < bonded < 0.95  # the rest from the office
    shared = one(
        con,
        """with w as (select warehouse, count(distinct store_id) filter (where not is_grey) others
                      from parcels where warehouse is not null group by 1)
           select avg((others >= 2)::int) from parcels join w using (warehouse) where is_grey""",
    )[0]
    assert shared > 0.9  # honest cross-border stores ship from the same warehouses
    phones = one(
        con,
        """select avg((sender_phone in (select value from truth_hubs where kind = 'bonded_warehouse'))::int)
           from parcels where warehouse is not null""",
    )[0]
    assert phones == 1.0
    kinds = dict(con.execute("select kind, count(*) from truth_sites group by 1").fetchall())
    assert kinds["bonded_warehouse"] >= 9
    assert one(con, "select count(*) from truth_sites where operator_id like 'op_g%'")[0] > 0  # the offices


def test_bonded_warehouse_addresses_normalise_to_one_place_each(grey_market: Marketplace) -> None:
    hubs = grey_market.truth["hubs"].to_pylist()
    keys: dict[str, set[tuple[str, str, str]]] = {}
    for h in hubs:
        if h["kind"] == "bonded_warehouse" and h["field"] == "shipments.origin_address":
            k = normalise_address(h["value"])
            keys.setdefault(h["hub_id"], set()).add((k.city, k.road, k.number))
    assert keys and all(len(v) == 1 and next(iter(v))[1] for v in keys.values())
    assert len({next(iter(v)) for v in keys.values()}) == len(keys)


def test_a_sellers_stores_share_its_office_and_nobody_elses(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("""
        create or replace temp view tokens as
        select distinct account_id, 'dev:' || device_id as token from logins
        union select distinct account_id, 'wifi:' || wifi_bssid from logins where wifi_bssid is not null
    """)
    unlinked = one(
        con,
        """with multi as (select * from seller where is_grey and operator_id in
                          (select operator_id from seller where is_grey group by 1 having count(*) > 1))
           select count(*) from multi m where not exists (
             select 1 from tokens t1 join tokens t2 on t2.token = t1.token and t2.account_id <> t1.account_id
             join multi b on b.account_id = t2.account_id and b.operator_id = m.operator_id
             where t1.account_id = m.account_id)""",
    )[0]
    assert unlinked == 0
    strangers = one(
        con,
        """select count(*) from seller a join tokens t1 using (account_id)
           join tokens t2 on t2.token = t1.token and t2.account_id <> t1.account_id
           join seller b on b.account_id = t2.account_id and b.operator_id <> a.operator_id where a.is_grey""",
    )[0]
    assert strangers == 0


def test_reviews_complain_about_the_warranty_not_about_fakes(con) -> None:  # type: ignore[no-untyped-def]
    rows = con.execute(
        """select operator_kind, avg(regexp_matches(text, ?)::int), avg(regexp_matches(text, ?)::int)
           from genuine_reviews group by 1""",
        [IMPORT_RE, FAKE_RE],
    ).fetchall()
    imports = {k: v for k, v, _ in rows}
    fakes = {k: v for k, _, v in rows}
    assert imports["grey_market"] > 0.05
    assert imports["counterfeit"] == 0 and imports["independent"] < 0.01
    assert fakes["grey_market"] < 0.01 and fakes["grey_market"] < fakes["counterfeit"] / 10


def test_settlements_stay_with_the_store_and_no_exports(con) -> None:  # type: ignore[no-untyped-def]
    to_mules = one(
        con,
        """select count(*) from transfers where from_party in (select bank_account from seller where is_grey)
           and to_party in (select party from truth_parties)""",
    )[0]
    settled = one(
        con,
        """select count(*) from transfers where kind = 'settlement'
           and to_party in (select bank_account from seller where is_grey)""",
    )[0]
    exports = one(con, "select count(*) from truth_declarations where operator_id like 'op_g%'")[0]
    assert to_mules == 0 and settled > 0 and exports == 0


@pytest.mark.parametrize("difficulty", ["normal", "hard"])
def test_older_presets_have_no_grey_market(markets_by_difficulty, difficulty: str) -> None:  # type: ignore[no-untyped-def]
    truth = markets_by_difficulty[difficulty].truth
    assert "grey_market" not in set(truth["stores"]["operator_kind"].to_pylist())
    assert "grey_market_seller" not in set(truth["accounts"]["role"].to_pylist())
    assert "bonded_warehouse" not in set(truth["sites"]["kind"].to_pylist())
