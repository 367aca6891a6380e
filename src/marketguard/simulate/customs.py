"""Export declarations of honest exporters and of counterfeit operators' front companies.

About a third of counterfeit operators also export through one or two front companies. Their declarations
name the operator's own sites (in some address form) and its phones, declare unit values far below the
brand's reference, sometimes carry an HS code that does not match the goods, and go to destinations known
for counterfeit transit. Honest exporters declare plausible values, mostly consistent HS codes, and ship to
the same risky destinations too, only less often. On ``adversarial`` fronts mostly give contacts of their own and
file through freight forwarders that legitimate exporters use too (:mod:`.forwarders`), and every declaration
names its consignee: the operator's distributor abroad, an honest exporter's own buyer, or a big importer
(:mod:`.consignees`). Grey-market sellers import rather than export, so they file no export declarations:
only counterfeit operators have fronts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .addresses import N_VARIANTS, site_addresses
from .catalog import Catalog
from .catalog_vocab import CATEGORIES
from .config import US_PER_DAY, WINDOW_END_US, WINDOW_START_US, SimulationConfig
from .consignees import consignee_names
from .forwarders import Refiled, refile
from .geography import CITIES, PORTS, city_arrays
from .ids import decimal_ids, take_strings
from .logistics import Sites
from .population import COUNTERFEIT, Population

__all__ = ["build_declarations"]

USD_CNY = 7.2
#: Phone codes of front companies' own phones and of forwarders' desks, in multiples of the account count: above
#: the ranges of accounts, farms, operators' and 3PL phones (20-21) and honest exporters (25).
_FRONT_PHONES, _FORWARDER_PHONES = 26, 27
_HONEST_DEST = (
    "US",
    "DE",
    "JP",
    "GB",
    "KR",
    "AU",
    "FR",
    "NL",
    "SG",
    "AE",
    "RU",
    "BR",
    "MY",
    "TH",
    "KH",
    "NG",
)
_HONEST_DEST_W = np.array([14, 8, 8, 6, 6, 5, 4, 4, 4, 3, 3, 2, 3, 3, 0.6, 0.6])
_RISKY_DEST = ("KH", "NG", "AE", "BR", "RU", "US", "DE")
_RISKY_DEST_W = np.array([5, 4, 4, 3, 3, 0.7, 0.5])
_CHEAP_HS = ("630790", "392690", "950300", "940540", "420292", "711790")
_NAME_WORDS = (
    "恒达",
    "鑫源",
    "金鹏",
    "华盛",
    "宏远",
    "永信",
    "瑞丰",
    "盛世",
    "天成",
    "佳美",
    "浩宇",
    "顺发",
    "德隆",
    "新锐",
    "富康",
    "明辉",
    "伟业",
    "汇通",
    "凯旋",
    "嘉禾",
)
_NAME_TRADE = ("贸易", "进出口", "国际贸易", "供应链", "实业", "电子商务")
_PROVINCE_PORTS = {
    "广东省": (0, 1, 7),
    "福建省": (4,),
    "浙江省": (3,),
    "江苏省": (2,),
    "上海市": (2,),
    "山东省": (5,),
    "天津市": (6,),
    "北京市": (6,),
}


def _company_names(rng: np.random.Generator, city: np.ndarray) -> list[str]:
    """Distinct company names: city + two words + trade + 有限公司."""
    combos = len(_NAME_WORDS) ** 2 * len(_NAME_TRADE)
    pick = rng.choice(combos * len(CITIES), city.size, replace=False)
    code = pick % combos
    w1, rest = code % len(_NAME_WORDS), code // len(_NAME_WORDS)
    w2, trade = rest % len(_NAME_WORDS), rest // len(_NAME_WORDS)
    return [
        f"{CITIES[c].zh}{_NAME_WORDS[a]}{_NAME_WORDS[b]}{_NAME_TRADE[t]}有限公司"
        for c, a, b, t in zip(city.tolist(), w1.tolist(), w2.tolist(), trade.tolist(), strict=True)
    ]


def _ports(rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    options = [_PROVINCE_PORTS.get(CITIES[c].province_zh, (2, 6)) for c in range(len(CITIES))]
    u = rng.random(city.size)
    return np.array(
        [options[c][int(x * len(options[c]))] for c, x in zip(city.tolist(), u.tolist(), strict=True)]
    )


def _front_declarations(
    rng: np.random.Generator, pop: Population, cat: Catalog, sites: Sites, cfg: SimulationConfig
) -> dict[str, np.ndarray]:
    """Per front company of an exporting operator: 5-40 declarations of its goods, linked to its sites/phones."""
    ops = np.flatnonzero((pop.op_kind == COUNTERFEIT) & (rng.random(pop.op_kind.size) < 0.35))
    n_front = 1 + (rng.random(ops.size) < 0.3)
    front_op = np.repeat(ops, n_front)
    n_decl = rng.integers(5, 41, front_op.size)
    row_front = np.repeat(np.arange(front_op.size), n_decl)
    op = front_op[row_front]
    n = op.size
    first_store = np.searchsorted(pop.store_op, op)
    n_st = np.searchsorted(pop.store_op, op, side="right") - first_store
    store = first_store + (rng.random(n) * n_st).astype(np.int64)
    listing = cat.store_ptr[store] + (rng.random(n) * np.diff(cat.store_ptr)[store]).astype(np.int64)
    brand = cat.lst_brand[listing]
    fallback = np.array([int(np.flatnonzero(cat.brand_category == c)[0]) for c in range(len(CATEGORIES))])
    brand = np.where(brand >= 0, brand, fallback[cat.lst_category[listing]])
    site_lo = sites.op_site_ptr[op]
    site = site_lo + (rng.random(n) * np.maximum(sites.op_site_ptr[op + 1] - site_lo, 1)).astype(np.int64)
    front_variant = rng.integers(0, N_VARIANTS, front_op.size)
    variant = np.where(
        rng.random(n) < cfg.address_noise, rng.integers(0, N_VARIANTS, n), front_variant[row_front]
    )
    phone = np.where(rng.random(n) < 0.8, sites.op_phone_base + op * 4, pop.acc_phone[first_store])
    qty = np.round(rng.lognormal(6.3, 0.8, n)).astype(np.int64) + 50
    lo, hi = cfg.undervalue
    unit = cat.brand_ref[brand] / USD_CNY * rng.uniform(lo, hi, n)
    hs_ok = np.array([c.hs_code for c in CATEGORIES])[cat.brand_category[brand]]
    hs = np.where(rng.random(n) < cfg.hs_inconsistent_rate, np.array(_CHEAP_HS)[rng.integers(0, 6, n)], hs_ok)
    start = np.maximum(pop.store_active[first_store], WINDOW_START_US)
    filed = start + (rng.random(n) * np.maximum(WINDOW_END_US - start, US_PER_DAY)).astype(np.int64)
    dest = rng.choice(len(_RISKY_DEST), n, p=_RISKY_DEST_W / _RISKY_DEST_W.sum())
    return {
        "exporter": row_front,
        "address": site * N_VARIANTS + variant,
        "phone": phone,
        "brand": brand,
        "category": cat.brand_category[brand],
        "qty": qty,
        "unit": unit,
        "hs": hs,
        "filed": filed,
        "dest": dest,
        "op": op,
        "city": pop.op_city[op],
        "show_brand": rng.random(n) >= cfg.brand_omitted_rate,
    }


def _honest_declarations(
    rng: np.random.Generator, n_stores: int, cat: Catalog, phone_base: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Honest exporters (one per ~100 stores) filing plausible declarations; returns rows and exporter cities."""
    n_hx = max(10, n_stores // 100)
    w = city_arrays()["weight"] * np.where(city_arrays()["is_hub"], 2.0, 1.0)
    city = rng.choice(len(CITIES), n_hx, p=w / w.sum())
    counts = np.maximum(1, np.round(rng.lognormal(np.log(25) - 0.5, 1.0, n_hx))).astype(np.int64)
    exporter = np.repeat(np.arange(n_hx), counts)
    n = exporter.size
    branded = rng.random(n) < 0.4
    brand = np.where(branded, rng.integers(0, cat.brand_ref.size, n), -1)
    category = np.where(
        branded, cat.brand_category[np.maximum(brand, 0)], rng.integers(0, len(CATEGORIES), n)
    )
    cat_ref = np.array([c.ref_price for c in CATEGORIES])[category]
    unit = (
        np.where(
            branded,
            cat.brand_ref[np.maximum(brand, 0)] * rng.uniform(0.25, 0.6, n),
            cat_ref * 0.1 * rng.lognormal(0, 0.4, n),
        )
        / USD_CNY
    )
    hs_ok = np.array([c.hs_code for c in CATEGORIES])[category]
    hs = np.where(rng.random(n) < 0.02, np.array(_CHEAP_HS)[rng.integers(0, 6, n)], hs_ok)
    filed = WINDOW_START_US + (rng.random(n) * (WINDOW_END_US - WINDOW_START_US)).astype(np.int64)
    variant = np.where(rng.random(n) < 0.1, rng.integers(1, N_VARIANTS, n), 0)
    rows = {
        "exporter": exporter,
        "address": exporter * N_VARIANTS + variant,
        "phone": phone_base + exporter,
        "brand": brand,
        "category": category,
        "qty": np.round(rng.lognormal(6.0, 1.0, n)).astype(np.int64) + 10,
        "unit": unit,
        "hs": hs,
        "filed": filed,
        "dest": rng.choice(len(_HONEST_DEST), n, p=_HONEST_DEST_W / _HONEST_DEST_W.sum()),
        "op": np.full(n, -1),
        "city": city[exporter],
        "show_brand": np.ones(n, dtype=bool),
    }
    return rows, city


def _descriptions(
    rng: np.random.Generator, brand: np.ndarray, show: np.ndarray, category: np.ndarray, cat: Catalog
) -> pa.ChunkedArray:
    """ "<Brand> <noun>" when the brand is declared, else a generic noun (English or Chinese)."""
    nouns = [n for c in CATEGORIES for n in c.nouns_en]
    nouns_zh = [n for c in CATEGORIES for n in c.nouns_zh]
    start = np.cumsum([0] + [len(c.nouns_en) for c in CATEGORIES])
    start_zh = np.cumsum([0] + [len(c.nouns_zh) for c in CATEGORIES])
    k = rng.random(brand.size)
    en = [f"{b} {n}" for b in cat.brand_en for n in nouns]
    with_brand = (
        np.maximum(brand, 0) * len(nouns) + start[category] + (k * np.diff(start)[category]).astype(int)
    )
    generic = len(en) + start[category] + (k * np.diff(start)[category]).astype(int)
    generic_zh = len(en) + len(nouns) + start_zh[category] + (k * np.diff(start_zh)[category]).astype(int)
    zh = rng.random(brand.size) < 0.3
    idx = np.where((brand >= 0) & show, with_brand, np.where(zh, generic_zh, generic))
    return take_strings([*en, *nouns, *nouns_zh], idx)


def build_declarations(
    rng: np.random.Generator,
    pop: Population,
    cat: Catalog,
    sites: Sites,
    cfg: SimulationConfig,
    phone_text: Callable[[np.ndarray], pa.Array],
    op_ids: pa.Array,
    forwarder_rng: np.random.Generator | None = None,
    consignee_rng: np.random.Generator | None = None,
) -> tuple[pa.Table, pa.Table, Refiled | None, pa.Table | None]:
    """The ``declarations`` table (ordered by filing time), its ground truth, the forwarders and the shared
    importers as hub rows.

    With ``forwarder_rate`` or ``front_own_contact_rate`` the fronts' contacts and the forwarders are drawn
    from ``forwarder_rng`` (:mod:`.forwarders`); otherwise there are no forwarders (``None``). With
    ``overseas_consignees`` every declaration names its consignee, drawn from ``consignee_rng``
    (:mod:`.consignees`); otherwise there is no consignee column (hub rows ``None``).
    """
    honest, hx_city = _honest_declarations(rng, pop.n_stores, cat, 25 * pop.n_accounts)
    front = _front_declarations(rng, pop, cat, sites, cfg)
    n_hx = hx_city.size
    n_front = int(front["exporter"].max()) + 1 if front["exporter"].size else 0
    hx_text, _ = site_addresses(rng, hx_city, np.ones(n_hx, dtype=np.int64))
    address_vocab = pa.concat_arrays([pa.array(hx_text, type=pa.string()), sites.variants])
    front_city = np.zeros(n_front, dtype=np.int64)
    front_city[front["exporter"]] = front["city"]
    names = pa.array(_company_names(rng, np.concatenate([hx_city, front_city])), type=pa.string())
    front["exporter"] = front["exporter"] + n_hx
    front["address"] = front["address"] + len(hx_text)
    r = {k: np.concatenate([honest[k], front[k]]) for k in honest}
    refiled = None
    if forwarder_rng is not None and (cfg.forwarder_rate > 0 or cfg.front_own_contact_rate > 0):
        n_acc = pop.n_accounts
        refiled = refile(
            forwarder_rng,
            cfg,
            pop.n_stores,
            r,
            front_city,
            n_hx,
            len(address_vocab),
            (_FRONT_PHONES * n_acc, _FORWARDER_PHONES * n_acc),
            phone_text,
        )
        address_vocab = pa.concat_arrays([address_vocab, pa.array(refiled.texts, type=pa.string())])
        r["forwarder"] = refiled.forwarder
        fronts = r["exporter"] >= n_hx
        refiled.op_forwarder = np.full(pop.op_kind.size, -1, dtype=np.int64)
        refiled.op_forwarder[r["op"][fronts]] = refiled.broker[r["exporter"][fronts]]
    else:
        r["forwarder"] = np.full(r["op"].size, -1)
    idx = np.argsort(r["filed"], kind="stable")
    r = {k: v[idx] for k, v in r.items()}
    n = idx.size
    usd = rng.random(n) < 0.9
    value = np.round(r["qty"] * r["unit"] * np.where(usd, 1.0, USD_CNY), 2)
    ids = decimal_ids("D", np.arange(1, n + 1), 9)
    shown = (r["brand"] >= 0) & r["show_brand"]
    destination = np.where(r["op"] >= 0, len(_HONEST_DEST) + r["dest"], r["dest"])  # into honest + risky
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    importers = None
    if consignee_rng is not None and cfg.overseas_consignees:
        countries = sorted(set(_HONEST_DEST + _RISKY_DEST))
        code = np.array([countries.index(c) for c in _HONEST_DEST + _RISKY_DEST])
        country = code[destination]
        columns["consignee"], importers = consignee_names(
            consignee_rng, countries, country, r["exporter"], r["op"]
        )
    table = pa.table(
        {
            "declaration_id": ids,
            "filed_at": pa.array(r["filed"], type=pa.timestamp("us", tz="UTC")),
            "exporter": take_strings(names, r["exporter"]),
            "exporter_address": take_strings(address_vocab, r["address"]),
            "exporter_phone": phone_text(r["phone"]),
            "hs_code": pa.array(r["hs"].astype(str), type=pa.string()),
            "description": _descriptions(rng, r["brand"], r["show_brand"], r["category"], cat),
            "brand": take_strings(
                pa.array(cat.brand_en, type=pa.string()), np.maximum(r["brand"], 0), mask=~shown
            ),
            "quantity": pa.array(r["qty"]),
            "declared_value": pa.array(value),
            "currency": take_strings(["CNY", "USD"], usd.astype(np.int64)),
            "destination_country": take_strings(_HONEST_DEST + _RISKY_DEST, destination),
            "port": take_strings(PORTS, _ports(rng, r["city"])),
            **columns,
        }
    )
    truth = pa.table(
        {
            "declaration_id": ids,
            "is_counterfeit": pa.array(r["op"] >= 0),
            "operator_id": take_strings(op_ids, np.maximum(r["op"], 0), mask=r["op"] < 0),
            "forwarder_id": take_strings(
                decimal_ids("fwd_", np.arange(max(int(r["forwarder"].max()) + 1, 1)), 4),
                np.maximum(r["forwarder"], 0),
                mask=r["forwarder"] < 0,
            ),
        }
    )
    return table, truth, refiled, importers
